"""Sample-quality metrics as plain functions over arrays (features, class probabilities, points).

Nothing here knows about models: compute features with :class:`gankit.evaluator.Evaluator` (or any
network) and pass arrays in. Each function raises ``ValueError`` for wrong shapes, NaN input or
out-of-range settings, and ``TypeError`` for non-numeric input. Distances, neighbours and the KID
kernel come from scikit-learn and SciPy; only the FID's matrix square root is written out here.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg
from scipy.spatial.distance import cdist
from sklearn.metrics.pairwise import euclidean_distances, polynomial_kernel
from sklearn.neighbors import NearestNeighbors

from gankit.data import check_count, check_positive


def _features(x, name, min_rows=2):
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a numeric 2-D array (samples, features)") from None
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
    try:
        mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
        sigma1, sigma2 = (
            np.atleast_2d(sigma1).astype(np.float64),
            np.atleast_2d(sigma2).astype(np.float64),
        )
    except (TypeError, ValueError):
        raise TypeError("frechet_distance: expected numeric means and covariances") from None
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (len(mu1),) * 2:
        raise ValueError(
            f"frechet_distance: shapes disagree: mu {mu1.shape} / {mu2.shape}, "
            f"sigma {sigma1.shape} / {sigma2.shape}"
        )
    for name, value in (("mu1", mu1), ("sigma1", sigma1), ("mu2", mu2), ("sigma2", sigma2)):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name}: contains NaN or infinite values")
    for name, sigma in (("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.allclose(sigma, sigma.T, rtol=1e-6, atol=1e-9 * (1 + np.abs(sigma).max())):
            raise ValueError(f"{name}: expected a symmetric covariance matrix")
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

    Returns a float array of length ``num_classes`` (at least the number of columns; default
    that number) summing to 1. A GAN that drops a digit shows a zero; one that collapses shows a
    single large share.
    """
    p = _features(probabilities, "probabilities", min_rows=1)
    k = p.shape[1] if num_classes is None else check_count(num_classes, "num_classes", p.shape[1])
    return np.bincount(p.argmax(axis=1), minlength=k)[:k] / len(p)


def confident_share(probabilities, threshold=0.9):
    """Share of samples whose top class probability is at least ``threshold`` (in (0, 1)).

    Blurry or in-between samples get flat probabilities and lower this share.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, float | int | np.number):
        raise TypeError(f"threshold: expected a probability in (0, 1), got {threshold!r}")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold: expected a probability in (0, 1), got {threshold}")
    p = _features(probabilities, "probabilities", min_rows=1)
    return float(np.mean(p.max(axis=1) >= threshold))


def requested_class_accuracy(probabilities, labels):
    """How often a conditional generator drew the class it was asked for, judged by a classifier.

    ``probabilities`` are the classifier's class probabilities for the samples (rows), ``labels``
    the classes requested for them. Returns ``{"overall": share correct, "per_class": [share
    correct among the samples asked to be class k, for k = 0 .. n_classes - 1], "worst": the
    lowest of those}``. Per-class shares are recalls (scikit-learn's ``recall_score``); a class
    never requested gets NaN and is left out of ``worst``.
    """
    from sklearn.metrics import accuracy_score, recall_score

    p = _features(probabilities, "probabilities", min_rows=1)
    labels = np.asarray(labels)
    if labels.shape != (len(p),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"labels: expected {len(p)} integer classes (one per row of probabilities), got"
            f" shape {labels.shape} of {labels.dtype}"
        )
    if labels.min() < 0 or labels.max() >= p.shape[1]:
        raise ValueError(
            f"labels: expected classes 0..{p.shape[1] - 1}, got {labels.min()}..{labels.max()}"
        )
    predicted = p.argmax(axis=1)
    classes = np.arange(p.shape[1])
    per_class = recall_score(labels, predicted, labels=classes, average=None, zero_division=np.nan)
    asked = np.isin(classes, labels)
    per_class = np.where(asked, per_class, np.nan)
    return {
        "overall": float(accuracy_score(labels, predicted)),
        "per_class": [float(v) for v in per_class],
        "worst": float(np.nanmin(per_class)),
    }


def energy_distance(a, b, max_points=2000, seed=0):
    """Energy distance between two point clouds (rows are points), a metric on distributions.

    ``2 E|X - Y| - E|X - X'| - E|Y - Y'|`` (Székely & Rizzo); 0 if and only if the
    distributions are equal. Up to ``max_points`` rows of each set are used (sampled with ``seed``).
    """
    rng = np.random.default_rng(seed)
    a, b = _features(a, "a"), _features(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"energy_distance: point sizes differ: {a.shape[1]} vs {b.shape[1]}")
    max_points = check_count(max_points, "max_points")
    a = a[rng.permutation(len(a))[:max_points]]
    b = b[rng.permutation(len(b))[:max_points]]

    def mean_dist(x, y):  # SciPy's direct differences: exact, and fast for low-dimensional points
        return cdist(x, y).mean()

    return float(2 * mean_dist(a, b) - mean_dist(a, a) - mean_dist(b, b))


def mode_coverage(points, modes, std, n_std=3.0, min_count=1):
    """Modes covered and share of high-quality samples for a Gaussian mixture.

    A sample is high quality when it lies within ``n_std`` standard deviations of its nearest mode;
    a mode is covered when at least ``min_count`` high-quality samples fall on it. Returns
    ``(modes_covered, high_quality_share, counts_per_mode)``.
    """
    p, m = _features(points, "points", min_rows=1), _features(modes, "modes", min_rows=1)
    if p.shape[1] != m.shape[1]:
        raise ValueError(f"mode_coverage: point sizes differ: {p.shape[1]} vs {m.shape[1]}")
    std, n_std = check_positive(std, "std"), check_positive(n_std, "n_std")
    min_count = check_count(min_count, "min_count")
    d = cdist(p, m)
    nearest, dist = d.argmin(1), d.min(1)
    good = dist <= n_std * std
    counts = np.bincount(nearest[good], minlength=len(m))
    return int((counts >= min_count).sum()), float(good.mean()), counts


def mixture_modes(samples, centres, sigma):
    """Mode-collapse scores of 2-D (or any-D) samples against a Gaussian mixture's ``centres``.

    The scores of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018). A sample is *high
    quality* when it lies within 3 ``sigma`` of its nearest centre. Returns a dict:

    * ``modes``: centres with at least one high-quality sample;
    * ``high_quality``: share of samples that are high quality (a perfect 2-D sampler gets
      ``1 - exp(-4.5)``, about 0.989: the chi-square(2) mass within 3 sigma);
    * ``reverse_kl``: KL divergence of the high-quality samples' histogram over the centres from
      the uniform histogram, ``sum p log(p K)``: 0 when every mode is equally used, ``ln K`` when
      one mode takes everything, ``inf`` when no sample is high quality.
    """
    sigma = check_positive(sigma, "sigma")
    modes, share, counts = mode_coverage(samples, centres, sigma, n_std=3.0, min_count=1)
    total = counts.sum()
    if total == 0:
        reverse_kl = float("inf")
    else:
        p = counts[counts > 0] / total
        reverse_kl = float(np.sum(p * np.log(p * len(counts))))
    return {"modes": modes, "high_quality": share, "reverse_kl": reverse_kl}


def kid(features_a, features_b, subsets=50, subset_size=500, seed=0):
    """Kernel Inception-style Distance: the unbiased MMD² with the cubic polynomial kernel
    ``k(x, y) = (x·y / d + 1)^3`` between two feature sets, averaged over random subsets.

    Bińkowski et al. 2018, "Demystifying MMD GANs". Unlike FID its estimate is unbiased, so it
    can be compared across sample sizes; near 0 (possibly slightly negative) for equal
    distributions. Returns ``(mean, std)`` over ``subsets`` subsets of ``subset_size`` rows
    (capped at the smaller set's size).
    """
    a, b = _features(features_a, "features_a"), _features(features_b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"kid: feature sizes differ: {a.shape[1]} vs {b.shape[1]}")
    subsets = check_count(subsets, "subsets")
    m = min(check_count(subset_size, "subset_size", minimum=2), len(a), len(b))
    d = a.shape[1]
    rng = np.random.default_rng(seed)

    def kernel(x, y):
        return polynomial_kernel(x, y, degree=3, gamma=1.0 / d, coef0=1.0)

    values = []
    for _ in range(subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
        off = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        values.append(off - 2 * kxy.mean())
    return float(np.mean(values)), float(np.std(values))


def inception_score(probabilities, eps=1e-12):
    """Inception-style score ``exp(E_x KL(p(y|x) || p(y)))`` of class probabilities (rows are
    samples), on the kit's evaluator instead of Inception. Salimans et al. 2016.

    Between 1 (every sample the same, or every prediction flat) and the number of classes (each
    sample confidently one class, all classes equally often). It never looks at real data.
    """
    p = _features(probabilities, "probabilities", min_rows=1)
    if np.any(p < 0) or not np.allclose(p.sum(1), 1.0, atol=1e-4):
        raise ValueError("probabilities: expected rows of non-negative values summing to 1")
    marginal = p.mean(0, keepdims=True)
    kl = (p * (np.log(p + eps) - np.log(marginal + eps))).sum(1)
    return float(np.exp(kl.mean()))


def _knn_radii(x, k):
    """Distance from each row of ``x`` to its ``k``-th nearest other row."""
    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    return dist[:, k]  # column 0 is the point itself


def precision_recall(real_features, fake_features, k=3, max_points=2000, seed=0):
    """Improved precision and recall (Kynkäänniemi et al. 2019) on feature vectors.

    Each set's manifold is the union of balls around its points reaching their ``k``-th nearest
    neighbour. **Precision**: share of generated points inside the real manifold (are samples
    realistic?). **Recall**: share of real points inside the generated manifold (is all of the data
    covered?). Returns ``(precision, recall)``, each in [0, 1]. Up to ``max_points`` rows per set.
    """
    rng = np.random.default_rng(seed)
    r, f = _features(real_features, "real_features"), _features(fake_features, "fake_features")
    if r.shape[1] != f.shape[1]:
        raise ValueError(f"precision_recall: feature sizes differ: {r.shape[1]} vs {f.shape[1]}")
    k, max_points = check_count(k, "k"), check_count(max_points, "max_points", minimum=2)
    r = r[rng.permutation(len(r))[:max_points]]
    f = f[rng.permutation(len(f))[:max_points]]
    if not k < min(len(r), len(f)):
        raise ValueError(
            f"k: expected 1 <= k < number of points used ({min(len(r), len(f))}), got {k}"
        )
    r_radii, f_radii = _knn_radii(r, k), _knn_radii(f, k)
    d = euclidean_distances(f, r)  # fake x real
    precision = float(np.mean((d <= r_radii[None, :]).any(1)))
    recall = float(np.mean((d.T <= f_radii[None, :]).any(1)))
    return precision, recall


def real_vs_real(metric, real, n, seed=0):
    """A metric's floor: ``metric(a, b)`` for two disjoint random halves ``a``, ``b`` of ``n`` rows
    each from ``real`` (needs ``2 n`` rows). Compare a generator's score with this, at equal ``n``."""
    if not callable(metric):
        raise TypeError(f"metric: expected a function metric(a, b), got {metric!r}")
    n = check_count(n, "n")
    real = np.asarray(real)
    if real.ndim == 0:
        raise ValueError(f"real: expected an array of rows, got shape {real.shape}")
    if 2 * n > len(real):
        raise ValueError(
            f"n: need 2 x {n} = {2 * n} real rows for two disjoint halves, got {len(real)}"
        )
    order = np.random.default_rng(seed).permutation(len(real))
    return metric(real[order[:n]], real[order[n : 2 * n]])


def _rows(x, name):
    """Rows of ``x`` flattened to vectors: images (N, H, W, C) become (N, H*W*C)."""
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a numeric array of rows (images or vectors)") from None
    if x.ndim < 2:
        raise ValueError(f"{name}: expected rows (images or feature vectors), got shape {x.shape}")
    return _features(x.reshape(x.shape[0], math.prod(x.shape[1:])), name, min_rows=1)


def nearest_neighbours(samples, train):
    """For each sample, the Euclidean distance to its nearest training row and that row's index.

    The memorisation check (as in the Generative Deep Learning notebooks): samples much closer
    to a training image than held-out real images are, are likely copies. Rows may be images
    (flattened here) or feature vectors. Returns ``(distances, indices)``.
    """
    a, b = _rows(samples, "samples"), _rows(train, "train")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"nearest_neighbours: sizes differ: {a.shape[1]} vs {b.shape[1]}")
    dist, idx = NearestNeighbors(n_neighbors=1).fit(b).kneighbors(a)
    return dist[:, 0], idx[:, 0]
