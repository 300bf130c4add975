"""KID, the Inception-style score, precision/recall and the real-vs-real floor, on cases whose
answer is known: identical sets, disjoint sets, two Gaussians, confident uniform classes."""

import numpy as np
import pytest

from gankit import metrics

rng = np.random.default_rng(0)


def gaussian(n, shift=0.0, d=8, seed=0):
    return np.random.default_rng(seed).normal(shift, 1.0, (n, d))


def test_kid_is_about_zero_for_one_distribution_and_grows_with_the_shift():
    same, spread = metrics.kid(
        gaussian(1000, seed=1), gaussian(1000, seed=2), subsets=20, subset_size=300
    )
    assert abs(same) < 3 * spread + 1e-3
    small, _ = metrics.kid(gaussian(1000), gaussian(1000, 0.5, seed=3), subsets=20, subset_size=300)
    large, _ = metrics.kid(gaussian(1000), gaussian(1000, 1.5, seed=3), subsets=20, subset_size=300)
    assert 0 < small < large


def test_kid_equals_the_unbiased_mmd_written_out_with_loops():
    x, y = gaussian(12, d=3, seed=4), gaussian(12, 0.7, d=3, seed=5)

    def k(u, v):
        return (u @ v / 3 + 1) ** 3

    m = len(x)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m**2
    value, spread = metrics.kid(x, y, subsets=1, subset_size=m)  # one subset: all rows
    assert value == pytest.approx(xx + yy - 2 * xy, rel=1e-9) and spread == 0.0


def test_kid_is_unbiased_across_sample_sizes_while_fid_is_not():
    a, b = gaussian(4000, d=16, seed=6), gaussian(4000, d=16, seed=7)
    kid_small = metrics.kid(a, b, subsets=30, subset_size=100)[0]
    kid_large = metrics.kid(a, b, subsets=5, subset_size=2000)[0]
    fid_small, fid_large = metrics.fid(a[:100], b[:100]), metrics.fid(a, b)
    assert abs(kid_small) < 0.05 and abs(kid_large) < 0.01
    assert fid_small > 5 * fid_large, "FID's bias shrinks as the sample grows"


def test_inception_score_closed_forms():
    confident = np.eye(10)[np.arange(1000) % 10]
    assert metrics.inception_score(confident) == pytest.approx(10.0, rel=1e-6)
    assert metrics.inception_score(np.eye(10)[np.zeros(100, int)]) == pytest.approx(1.0)
    assert metrics.inception_score(np.full((50, 10), 0.1)) == pytest.approx(1.0)
    half = np.eye(10)[np.arange(1000) % 5]  # five classes only
    assert metrics.inception_score(half) == pytest.approx(5.0, rel=1e-6)
    with pytest.raises(ValueError, match="summing to 1"):
        metrics.inception_score(np.full((5, 10), 0.2))


def test_precision_recall_identical_disjoint_and_half_covered():
    real = gaussian(600, d=2, seed=8)
    assert metrics.precision_recall(real, real) == (1.0, 1.0)
    assert metrics.precision_recall(real, real + 100.0) == (0.0, 0.0)
    # two well separated clusters of real data; the generator only makes the first
    two = np.concatenate([gaussian(300, 0.0, 2, 9), gaussian(300, 20.0, 2, 10)])
    precision, recall = metrics.precision_recall(two, gaussian(300, 0.0, 2, 11))
    assert precision > 0.9 and 0.4 < recall < 0.6


def test_real_vs_real_uses_disjoint_halves():
    x = np.arange(20)[:, None].astype(float)
    seen = []
    metrics.real_vs_real(lambda a, b: seen.append((a, b)), x, n=10)
    a, b = seen[0]
    assert len(a) == len(b) == 10 and not set(a[:, 0]) & set(b[:, 0])
    with pytest.raises(ValueError, match="need 2 x 15 = 30 real rows"):
        metrics.real_vs_real(metrics.fid, x, n=15)


def test_nearest_neighbours_finds_copies_and_distances():
    train = gaussian(50, d=6, seed=12).reshape(50, 2, 3, 1)
    samples = np.concatenate([train[[7, 3]], train[[0]] + 0.5])
    dist, idx = metrics.nearest_neighbours(samples, train)
    np.testing.assert_allclose(dist[:2], 0.0, atol=1e-6)
    assert list(idx[:2]) == [7, 3]
    brute = np.sqrt(((samples.reshape(3, -1)[:, None] - train.reshape(50, -1)[None]) ** 2).sum(-1))
    np.testing.assert_allclose(dist, brute.min(1), atol=1e-6)


# The metrics used to compute distances, neighbours and the KID kernel by hand; they now call
# scikit-learn and SciPy. The hand-written versions stay here as references: the library must give
# the same numbers on evaluator-like features (non-negative ReLU outputs, 128 wide).
def _relu_features(n, seed, shift=0.0):
    return np.maximum(np.random.default_rng(seed).normal(shift, 1.0, (n, 128)), 0.0) * 3


def _distances_by_hand(a, b):
    d2 = (a**2).sum(1)[:, None] - 2 * a @ b.T + (b**2).sum(1)[None]
    return np.sqrt(np.maximum(d2, 0.0))


def _precision_recall_by_hand(r, f, k=3, max_points=2000, seed=0):
    rng = np.random.default_rng(seed)
    r = r[rng.permutation(len(r))[:max_points]]
    f = f[rng.permutation(len(f))[:max_points]]

    def radii(x):
        d = _distances_by_hand(x, x)
        np.fill_diagonal(d, 0.0)
        return np.sort(d, axis=1)[:, k]

    d = _distances_by_hand(f, r)
    return (
        float(np.mean((d <= radii(r)[None, :]).any(1))),
        float(np.mean((d.T <= radii(f)[None, :]).any(1))),
    )


def test_precision_recall_gives_the_hand_written_numbers():
    real, fake = _relu_features(800, 1), _relu_features(700, 2, shift=0.2)
    assert metrics.precision_recall(real, fake) == _precision_recall_by_hand(real, fake)
    assert metrics.precision_recall(real, fake, k=5, max_points=500) == _precision_recall_by_hand(
        real, fake, k=5, max_points=500
    )


def test_nearest_neighbours_gives_the_hand_written_distances_and_indices():
    train, samples = _relu_features(1500, 3), _relu_features(300, 4)
    dist, idx = metrics.nearest_neighbours(samples, train)
    by_hand = _distances_by_hand(samples, train)
    np.testing.assert_array_equal(idx, by_hand.argmin(1))
    np.testing.assert_allclose(dist, by_hand.min(1), rtol=0, atol=1e-9)


def test_energy_distance_gives_the_broadcast_formula():
    a, b = gaussian(400, d=2, seed=5), gaussian(300, 0.3, d=2, seed=6)

    def mean_dist(x, y):
        return np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)).mean()

    want = 2 * mean_dist(a, b) - mean_dist(a, a) - mean_dist(b, b)
    assert metrics.energy_distance(a, b) == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_kid_gives_the_hand_written_kernel_numbers():
    a, b = _relu_features(600, 7), _relu_features(600, 8, shift=0.1)
    rng, d, m, values = np.random.default_rng(0), 128, 200, []
    for _ in range(5):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx, kyy, kxy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
        off = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        values.append(off - 2 * kxy.mean())
    got = metrics.kid(a, b, subsets=5, subset_size=200, seed=0)
    assert got == pytest.approx((np.mean(values), np.std(values)), rel=1e-12)
