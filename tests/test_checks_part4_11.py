"""Notebook 11's exercise checks (conditional GANs): each passes the reference answer and fails,
with the intended message, on the answers a learner is likely to write by mistake."""

import numpy as np
import pytest

from gankit import checks, latent


# --------------------------------------------------------------------------- 11.1 projection logit
def projection_logit(features, unconditional, class_vectors, labels):
    return unconditional + np.sum(class_vectors[labels] * features, axis=-1)


def test_projection_logit_passes_the_reference(capsys):
    checks.check_projection_logit(projection_logit)
    assert capsys.readouterr().out == "✓ projection_logit: all 3 checks passed\n"


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda f, u, c, y: np.sum(c[y] * f, axis=-1), "the unconditional score is missing"),
        (lambda f, u, c, y: u, "the projection term is missing"),
        (lambda f, u, c, y: u + np.sum(c[: len(y)] * f, axis=-1), "the vector of its own label"),
        (lambda f, u, c, y: u + np.sum(c[y], axis=-1), "multiplied by the image's features"),
        (lambda f, u, c, y: u + (f @ c.T).sum(axis=1), "for every class"),
        (lambda f, u, c, y: u + np.sum(c[y] * f, axis=0), "sum the product over the feature axis"),
        (lambda f, u, c, y: u[:, None] + f @ c[y].T, "every image against every label"),
        (lambda f, u, c, y: u + np.sum(c.T[y] * f, axis=-1), "raised ValueError"),
        (lambda f, u, c, y: (u + np.sum(c[y] * f, axis=-1))[:, None], "a flat array of shape"),
    ],
)
def test_projection_logit_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_projection_logit(fn)


def test_a_transposed_table_is_named_where_it_runs():
    # with as many classes as features, indexing the transposed table runs and gives wrong numbers
    def transposed(f, u, c, y):
        return (
            u + np.sum(c.T[y] * f, axis=-1)
            if c.shape[0] == c.shape[1]
            else projection_logit(f, u, c, y)
        )

    with pytest.raises(AssertionError, match="index its rows"):
        checks.check_projection_logit(transposed)


# --------------------------------------------------------------------------- 11.2 slerp
def slerp(z0, z1, t):
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1, 1))
    if np.sin(omega) < 1e-6:
        return (1 - t) * z0 + t * z1
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def test_slerp_passes_the_reference_and_the_library(capsys):
    checks.check_slerp(slerp)
    checks.check_slerp(latent.slerp)
    assert capsys.readouterr().out == "✓ slerp: all 6 checks passed\n" * 2


def _omega(z0, z1):
    return np.arccos(np.clip(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)), -1, 1))


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda a, b, t: (1 - t) * a + t * b, "the straight line"),
        (lambda a, b, t: slerp(b, a, t), "the ends are swapped"),
        (  # no division by sin W
            lambda a, b, t: (
                np.sin((1 - t) * _omega(a, b)) * a + np.sin(t * _omega(a, b)) * b
                if np.sin(_omega(a, b)) > 1e-6
                else (1 - t) * a + t * b
            ),
            "divide both weights by sin W",
        ),
        (  # the angle from the dot product alone
            lambda a, b, t: (
                (
                    np.sin((1 - t) * np.arccos(np.clip(a @ b, -1, 1))) * a
                    + np.sin(t * np.arccos(np.clip(a @ b, -1, 1))) * b
                )
                / np.sin(np.arccos(np.clip(a @ b, -1, 1)))
                if np.sin(np.arccos(np.clip(a @ b, -1, 1))) > 1e-6
                else (1 - t) * a + t * b
            ),
            "divided by the product of the norms",
        ),
        (  # no fallback for parallel vectors
            lambda a, b, t: (
                (np.sin((1 - t) * _omega(a, b)) * a + np.sin(t * _omega(a, b)) * b)
                / np.sin(_omega(a, b))
            ),
            "sin W is 0 for parallel vectors",
        ),
    ],
)
def test_slerp_names_the_mistake(fn, message):
    with np.errstate(all="ignore"), pytest.raises(AssertionError, match=message):
        checks.check_slerp(fn)
