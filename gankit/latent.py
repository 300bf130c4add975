"""Latent-space tools: walk between noise vectors and find directions that mean something
(Part 4, notebook 11).

* :func:`lerp` and :func:`slerp`: linear and spherical interpolation between two noise vectors.
  A Gaussian noise vector of dimension d has a norm close to sqrt(d); the midpoint of a straight
  line between two of them is shorter (by about 1/sqrt(2) for independent ones), so a linear walk
  passes through noise G rarely saw in training. Spherical interpolation (Shoemake 1985, used for
  GANs by White 2016) follows the great circle and keeps the norm.
* :func:`interpolate`: ``steps`` points from one vector to another, for a strip of samples.
* :func:`attribute_direction`: vector arithmetic. The mean noise of the samples that score high
  on some measurable attribute (ink, slant) minus the mean noise of those that score low is a
  direction; adding it to any noise vector moves that attribute (Radford et al. 2016 did this
  with smiles and glasses).

They are written by hand because they are a few lines and the lesson is in those lines; the
quantiles come from NumPy.
"""

from __future__ import annotations

import numpy as np

from gankit.data import check_count


def _vectors(a, name):
    a = np.asarray(a, dtype="float64")
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: expected one finite noise vector (1-D), got shape {a.shape}")
    return a


def _pair(z0, z1):
    z0, z1 = _vectors(z0, "z0"), _vectors(z1, "z1")
    if z0.shape != z1.shape:
        raise ValueError(f"z0, z1: expected vectors of one length, got {z0.shape} and {z1.shape}")
    return z0, z1


def _fraction(t):
    t = np.asarray(t, dtype="float64")
    if not np.all((t >= 0) & (t <= 1)):
        raise ValueError(f"t: expected fractions in [0, 1], got {t}")
    return t


def lerp(z0, z1, t):
    """``(1 - t) z0 + t z1``: the straight line (``t`` a number or an array of them in [0, 1];
    one row per ``t`` when it is an array)."""
    z0, z1 = _pair(z0, z1)
    t = _fraction(t)
    return ((1 - t)[..., None] * z0 + t[..., None] * z1).astype("float32")


def slerp(z0, z1, t):
    """Spherical interpolation: ``sin((1 - t) W) / sin W * z0 + sin(t W) / sin W * z1`` with
    ``W`` the angle between ``z0`` and ``z1``. Between vectors of equal norm every point keeps
    that norm. Nearly parallel vectors (``sin W`` below 1e-6) fall back to :func:`lerp`, where
    the formula would divide by zero."""
    z0, z1 = _pair(z0, z1)
    t = _fraction(t)
    cos = np.dot(z0, z1) / max(np.linalg.norm(z0) * np.linalg.norm(z1), 1e-300)
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return lerp(z0, z1, t)
    a = np.sin((1 - t) * omega) / np.sin(omega)
    b = np.sin(t * omega) / np.sin(omega)
    return (a[..., None] * z0 + b[..., None] * z1).astype("float32")


def interpolate(z0, z1, steps=8, kind="slerp"):
    """``steps`` noise vectors from ``z0`` to ``z1`` inclusive, evenly spaced in ``t``, along
    the great circle (``kind="slerp"``) or the straight line (``"lerp"``): shape (steps, d)."""
    steps = check_count(steps, "steps", 2)
    if kind not in ("slerp", "lerp"):
        raise ValueError(f"kind: expected 'slerp' or 'lerp', got {kind!r}")
    return (slerp if kind == "slerp" else lerp)(z0, z1, np.linspace(0.0, 1.0, steps))


def attribute_direction(z, scores, quantile=0.25):
    """A latent direction that raises ``scores``: the mean of the noise vectors whose score is in
    the top ``quantile`` minus the mean of those in the bottom ``quantile``.

    ``z`` is (n, d) noise, ``scores`` (n,) a number measured on each sample G drew from it (its
    ink, its slant...). Adding ``s`` times the returned vector to new noise should move the
    score up for ``s > 0`` and down for ``s < 0``; measure that, since nothing guarantees it.
    """
    z = np.asarray(z, dtype="float64")
    scores = np.asarray(scores, dtype="float64")
    if z.ndim != 2 or scores.shape != (len(z),):
        raise ValueError(
            f"z, scores: expected (n, d) noise and n scores, got {z.shape} and {scores.shape}"
        )
    if not 0.0 < quantile <= 0.5:
        raise ValueError(f"quantile: expected a share in (0, 0.5], got {quantile}")
    low, high = np.quantile(scores, [quantile, 1.0 - quantile])
    top, bottom = z[scores >= high], z[scores <= low]
    if len(top) == 0 or len(bottom) == 0 or low == high:
        raise ValueError("scores: all (nearly) equal, so no direction separates high from low")
    return (top.mean(0) - bottom.mean(0)).astype("float32")
