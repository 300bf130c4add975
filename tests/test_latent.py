"""Latent tools (gankit.latent): interpolation on closed forms, and a direction that moves a
measured attribute."""

import numpy as np
import pytest

from gankit import latent


def test_lerp_and_slerp_end_at_their_endpoints_and_slerp_keeps_the_norm():
    rng = np.random.default_rng(0)
    z0, z1 = rng.standard_normal(64), rng.standard_normal(64)
    z1 *= np.linalg.norm(z0) / np.linalg.norm(z1)
    for walk in (latent.lerp, latent.slerp):
        path = walk(z0, z1, np.array([0.0, 1.0]))
        np.testing.assert_allclose(path, [z0, z1], rtol=1e-5, atol=1e-5)
    strip = latent.interpolate(z0, z1, steps=9)
    np.testing.assert_allclose(np.linalg.norm(strip, axis=1), np.linalg.norm(z0), rtol=1e-5)
    middle = latent.lerp(z0, z1, 0.5)
    assert np.linalg.norm(middle) < 0.9 * np.linalg.norm(z0)  # the straight line cuts inside


def test_slerp_on_a_closed_form_and_on_parallel_vectors():
    e0, e1 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    # a quarter circle: at t the point (cos(t pi/2), sin(t pi/2))
    for t in (0.25, 0.5, 0.9):
        np.testing.assert_allclose(
            latent.slerp(e0, e1, t), [np.cos(t * np.pi / 2), np.sin(t * np.pi / 2)], atol=1e-6
        )
    # parallel vectors: sin W = 0, the formula would divide by zero; it falls back to the line
    np.testing.assert_allclose(latent.slerp(e0, 3 * e0, 0.5), [2.0, 0.0], atol=1e-6)
    assert np.isfinite(latent.slerp(e0, e0, 0.3)).all()


def test_attribute_direction_finds_the_coordinate_the_score_reads():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((2000, 16))
    scores = 2 * z[:, 3] + 0.1 * rng.standard_normal(2000)  # the attribute lives on axis 3
    direction = latent.attribute_direction(z, scores)
    assert np.argmax(np.abs(direction)) == 3 and direction[3] > 2.0
    assert np.abs(np.delete(direction, 3)).max() < 0.2


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: latent.lerp(np.zeros(3), np.zeros(4), 0.5), r"z0, z1: expected vectors of one"),
        (lambda: latent.slerp(np.zeros((2, 3)), np.zeros(3), 0.5), r"z0: expected one finite"),
        (lambda: latent.lerp(np.zeros(3), np.ones(3), 1.5), r"t: expected fractions in \[0, 1\]"),
        (lambda: latent.interpolate(np.zeros(3), np.ones(3), 1), r"steps: expected an integer"),
        (lambda: latent.interpolate(np.zeros(3), np.ones(3), kind="x"), r"kind: expected"),
        (
            lambda: latent.attribute_direction(np.zeros((5, 2)), np.ones(5)),
            r"scores: all \(nearly\) equal",
        ),
        (
            lambda: latent.attribute_direction(np.zeros((5, 2)), np.ones(4)),
            r"z, scores: expected \(n, d\) noise and n scores",
        ),
    ],
)
def test_bad_input_gets_one_clear_line(call, message):
    with pytest.raises(ValueError, match=message):
        call()
