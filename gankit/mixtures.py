"""2-D Gaussian mixtures: the ring and grid of notebooks 01 and 08, their centres, densities and the
two mode-collapse benchmarks (``stability_mixture``). Moved out of :mod:`gankit.data`, which still
re-exports every name.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gankit.validation import _check_points, check_count, check_positive


def mixture_modes(kind="ring", radius=2.0):
    """Centres of the 2-D Gaussian mixtures: ``"ring"`` (8 on a circle) or ``"grid"`` (5x5)."""
    if kind == "ring":
        angles = np.arange(8) * (2 * np.pi / 8)
        return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    if kind == "grid":
        g = np.arange(-2, 3, dtype=np.float64) * radius / 2
        return np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    raise ValueError(f"kind: expected 'ring' or 'grid', got {kind!r}")


# The two mixtures of the mode-collapse literature (Srivastava et al. 2017, "VEEGAN"; Lin et al.
# 2018, "PacGAN"), as Part 3 uses them: one source of truth for their centres and spread.
STABILITY_MIXTURES = {
    "ring8": {"kind": "ring", "radius": 1.0, "std": 0.01},  # 8 modes on the unit circle
    "grid25": {"kind": "grid", "radius": 4.0, "std": 0.05},  # 25 modes on {-4, -2, 0, 2, 4}^2
}


class Mixture(NamedTuple):
    """Samples of a 2-D Gaussian mixture with what scoring them needs."""

    points: np.ndarray  # (n, 2) float32
    which: np.ndarray  # (n,) the mode each point was drawn from
    centres: np.ndarray  # (modes, 2)
    sigma: float  # every mode's standard deviation


def stability_mixture(name, n=2000, seed=0):
    """``n`` points of ``"ring8"`` (8 modes, radius 1, sigma 0.01) or ``"grid25"`` (25 modes on
    {-4, -2, 0, 2, 4}^2, sigma 0.05) as a :class:`Mixture` (points, which, centres, sigma)."""
    if name not in STABILITY_MIXTURES:
        raise ValueError(f"name: expected one of {sorted(STABILITY_MIXTURES)}, got {name!r}")
    spec = STABILITY_MIXTURES[name]
    points, which = make_mixture(
        spec["kind"], n=n, std=spec["std"], radius=spec["radius"], seed=seed
    )
    return Mixture(points, which, mixture_modes(spec["kind"], spec["radius"]), spec["std"])


def make_mixture(kind="ring", n=2000, std=0.05, radius=2.0, seed=0):
    """Sample ``n`` points from a 2-D mixture, float32 of shape (n, 2), with their mode index.

    ``kind`` is ``"ring"`` (8 Gaussians of standard deviation ``std`` on a circle of ``radius``),
    ``"grid"`` (25 Gaussians on a 5x5 grid spanning ``[-radius, radius]``) or ``"moons"``
    (scikit-learn's two moons, scaled to the same size; its mode index is the moon). Raises
    ``ValueError`` for an unknown ``kind``, a non-integer or non-positive ``n``, a negative or
    non-finite ``std``, a non-positive ``radius`` or a negative ``seed``.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ValueError(f"n: expected a positive number of points (an integer), got {n!r}")
    if kind not in ("ring", "grid", "moons"):
        raise ValueError(f"kind: expected 'ring', 'grid' or 'moons', got {kind!r}")
    _check_spread(std, radius)
    rng = np.random.default_rng(check_count(seed, "seed", minimum=0))
    if kind == "moons":
        from sklearn.datasets import make_moons

        pts, which = make_moons(n, noise=std, random_state=seed)
        pts = (pts - [0.5, 0.25]) * radius / 1.5
        return pts.astype(np.float32), which.astype(np.int64)
    centres = mixture_modes(kind, radius)
    which = rng.integers(len(centres), size=n)
    pts = centres[which] + rng.normal(scale=std, size=(n, 2))
    return pts.astype(np.float32), which.astype(np.int64)


def _check_spread(std, radius):
    if isinstance(std, bool) or not isinstance(std, int | float | np.integer | np.floating):
        raise TypeError(f"std: expected a number >= 0, got {std!r}")
    if not (np.isfinite(std) and std >= 0):
        raise ValueError(f"std: expected a finite number >= 0, got {std!r}")
    check_positive(radius, "radius")


def mixture_density(points, kind="ring", std=0.05, radius=2.0):
    """The exact probability density of a ring or grid mixture at ``points`` of shape (n, 2).

    Raises ``ValueError`` for points of another shape, NaN/inf points or a ``std`` that is not a
    positive number (a density needs a spread)."""
    points = _check_points(np.asarray(points), "points")
    if points.shape[1] != 2:
        raise ValueError(f"points: expected 2-D points of shape (n, 2), got {points.shape}")
    check_positive(std, "std")
    centres = mixture_modes(kind, radius)
    d2 = ((points.astype(np.float64)[:, None, :] - centres[None]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * std**2)).mean(axis=1) / (2 * np.pi * std**2)
