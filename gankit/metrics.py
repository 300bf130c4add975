"""Sample-quality metrics as plain functions over arrays (features, class probabilities, points).

Nothing here knows about models: compute features with :class:`gankit.evaluator.Evaluator` (or any
network) and pass arrays in. Each function raises ``ValueError`` for wrong shapes or NaN input.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg


def _features(x, name, min_rows=2):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (samples, features), got shape {x.shape}")
    if len(x) < min_rows:
        raise ValueError(f"{name}: need at least {min_rows} samples, got {len(x)}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return x


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Squared Fréchet distance between Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    ``||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`` (Dowson & Landau 1982);
    the trace of the matrix square root comes from a symmetric eigen-decomposition, so singular
    covariances (e.g. features that are always zero) need no offset.
    """
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    sigma1, sigma2 = (
        np.atleast_2d(sigma1).astype(np.float64),
        np.atleast_2d(sigma2).astype(np.float64),
    )
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (len(mu1),) * 2:
        raise ValueError(
            f"frechet_distance: shapes disagree: mu {mu1.shape} / {mu2.shape}, "
            f"sigma {sigma1.shape} / {sigma2.shape}"
        )
    # Tr((S1 S2)^(1/2)) = sum of sqrt(eigenvalues of S1^(1/2) S2 S1^(1/2)), a symmetric PSD matrix:
    # exact, and stable when the covariances are singular (dead ReLU features).
    w, v = linalg.eigh(sigma1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    eig = linalg.eigvalsh(root1 @ sigma2 @ root1)
    trace_covmean = np.sqrt(np.clip(eig, 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_covmean)


def fid(features_a, features_b):
    """Fréchet Inception-style Distance between two sets of feature vectors (rows are samples).

    Fits a Gaussian (mean, covariance) to each set and returns their squared Fréchet distance.
    0 means identical statistics; the value is biased upwards for small sample sizes, so compare
    FIDs only at equal sample sizes, and against a real-vs-real baseline of that size.
    """
    a, b = _features(features_a, "features_a"), _features(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"fid: feature sizes differ: {a.shape[1]} vs {b.shape[1]}")
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def class_histogram(probabilities, num_classes=None):
    """Share of samples assigned to each class (argmax of ``probabilities``, rows are samples).

    Returns a float array of length ``num_classes`` summing to 1. A GAN that drops a digit shows a
    zero; one that collapses shows a single large share.
    """
    p = _features(probabilities, "probabilities", min_rows=1)
    k = num_classes or p.shape[1]
    return np.bincount(p.argmax(axis=1), minlength=k)[:k] / len(p)


def confident_share(probabilities, threshold=0.9):
    """Share of samples whose top class probability is at least ``threshold`` (in (0, 1)).

    Blurry or in-between samples get flat probabilities and lower this share.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold: expected a probability in (0, 1), got {threshold}")
    p = _features(probabilities, "probabilities", min_rows=1)
    return float(np.mean(p.max(axis=1) >= threshold))


def energy_distance(a, b, max_points=2000, seed=0):
    """Energy distance between two point clouds (rows are points), a metric on distributions.

    ``2 E|X - Y| - E|X - X'| - E|Y - Y'|`` (Székely & Rizzo); 0 if and only if the
    distributions are equal. Up to ``max_points`` rows of each set are used (sampled with ``seed``).
    """
    rng = np.random.default_rng(seed)
    a, b = _features(a, "a"), _features(b, "b")
    a = a[rng.permutation(len(a))[:max_points]]
    b = b[rng.permutation(len(b))[:max_points]]

    def mean_dist(x, y):
        return np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)).mean()

    return float(2 * mean_dist(a, b) - mean_dist(a, a) - mean_dist(b, b))


def mode_coverage(points, modes, std, n_std=3.0, min_count=1):
    """Modes covered and share of high-quality samples for a Gaussian mixture.

    A sample is high quality when it lies within ``n_std`` standard deviations of its nearest mode;
    a mode is covered when at least ``min_count`` high-quality samples fall on it. Returns
    ``(modes_covered, high_quality_share, counts_per_mode)``.
    """
    p, m = _features(points, "points", min_rows=1), _features(modes, "modes", min_rows=1)
    d = np.sqrt(((p[:, None, :] - m[None]) ** 2).sum(-1))
    nearest, dist = d.argmin(1), d.min(1)
    good = dist <= n_std * std
    counts = np.bincount(nearest[good], minlength=len(m))
    return int((counts >= min_count).sum()), float(good.mean()), counts
