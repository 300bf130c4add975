"""Notebook 08's exercise checks (mode collapse): each passes the reference answer and fails, with
the intended message, on the answers a learner is likely to write."""

import numpy as np
import pytest

from gankit import checks, layers, metrics


# --------------------------------------------------------------------------- 8.1 reverse KL
def reverse_kl(counts):
    counts = np.asarray(counts, dtype="float64")
    if counts.sum() == 0:
        return float("inf")
    p = counts[counts > 0] / counts.sum()
    return float(np.sum(p * np.log(p * len(counts))))


def test_reverse_kl_passes_reference(capsys):
    checks.check_reverse_kl(reverse_kl)
    assert capsys.readouterr().out == "✓ reverse_kl: all 5 checks passed\n"


def test_reverse_kl_reference_matches_library():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    samples = centres[rng.integers(0, 2, 50)] + rng.normal(scale=0.01, size=(50, 2))
    _, _, counts = metrics.mode_coverage(samples, centres, 0.01)
    assert reverse_kl(counts) == pytest.approx(
        metrics.mixture_modes(samples, centres, 0.01)["reverse_kl"]
    )


def _all_shares(counts):
    c = np.asarray(counts, dtype="float64")
    if c.sum() == 0:
        return float("inf")
    p = c / c.sum()
    return float(np.sum(p * np.log(p * len(c))))  # 0 * log 0 = nan for an empty mode


def _forward(counts):
    c = np.asarray(counts, dtype="float64")
    if c.sum() == 0:
        return float("inf")
    p = c / c.sum()
    with np.errstate(divide="ignore"):
        return float(np.mean(np.log((1 / len(c)) / p)))


def _log2(counts):
    value = reverse_kl(counts)
    return value / np.log(2) if np.isfinite(value) else value


def _entropy(counts):
    c = np.asarray(counts, dtype="float64")
    if c.sum() == 0:
        return float("inf")
    p = c[c > 0] / c.sum()
    return float(np.sum(p * np.log(p)))


def _unnormalised(counts):
    c = np.asarray(counts, dtype="float64")
    if c.sum() == 0:
        return float("inf")
    c = c[c > 0]
    return float(np.sum(c * np.log(c * len(counts))))


def _zero_when_empty(counts):
    c = np.asarray(counts, dtype="float64")
    if c.sum() == 0:
        return 0.0
    return reverse_kl(c)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_all_shares, "0 \\* log\\(0\\) = nan"),
        (_forward, "forward KL"),
        (_log2, "log base 2"),
        (_entropy, "minus the entropy"),
        (_unnormalised, "normalise the counts"),
        (_zero_when_empty, "float\\('inf'\\)"),
        (lambda counts: [1.0, 2.0], "not one number"),
    ],
)
def test_reverse_kl_catches_mistakes(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_reverse_kl(fn)


def test_reverse_kl_names_the_case_that_raised():
    def broken(counts):
        raise ZeroDivisionError("oops")

    with pytest.raises(AssertionError, match="raised ZeroDivisionError on every mode used"):
        checks.check_reverse_kl(broken)


# --------------------------------------------------------------------------- 8.2 packing
def pack_points(x, m):
    x = np.asarray(x)
    return x.reshape(x.shape[0] // m, m * x.shape[1])


def test_pack_points_passes_reference(capsys):
    checks.check_pack_points(pack_points)
    assert capsys.readouterr().out == "✓ pack_points: all 4 checks passed\n"


def test_pack_points_reference_matches_library():
    x = np.random.default_rng(1).normal(size=(10, 3)).astype("float32")
    np.testing.assert_allclose(pack_points(x, 5), np.asarray(layers.pack(x, 5)))


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (
            lambda x, m: x.reshape(m, len(x) // m, -1).transpose(1, 0, 2).reshape(len(x) // m, -1),
            "every \\(n // m\\)-th point",
        ),
        (lambda x, m: np.tile(x, (1, m)), "one row per pack"),
        (lambda x, m: x.reshape(len(x) // m, m, -1), "one row per pack"),
        (lambda x, m: x.T.reshape(-1, len(x) // m).T if m > 1 else x, "m = 2"),
        (
            lambda x, m: x.reshape(len(x) // m, m, -1).transpose(0, 2, 1).reshape(len(x) // m, -1),
            "wrong order",
        ),
        (lambda x, m: x[: len(x) // m], "shape"),
    ],
)
def test_pack_points_catches_mistakes(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_pack_points(fn)
