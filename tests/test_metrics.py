import numpy as np
import pytest

from gankit import metrics


def test_frechet_distance_closed_form_for_gaussians():
    # N(m1, diag(a)) vs N(m2, diag(b)): |m1-m2|^2 + sum(a + b - 2 sqrt(a b))
    m1, m2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    expected = np.sum((m1 - m2) ** 2) + np.sum(a + b - 2 * np.sqrt(a * b))
    got = metrics.frechet_distance(m1, np.diag(a), m2, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_for_non_diagonal_covariances_and_scaling():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    sigma = a @ a.T + np.eye(4)
    # same Gaussian: 0; covariance scaled by c^2: Tr(S)(1 - c)^2
    assert metrics.frechet_distance(np.zeros(4), sigma, np.zeros(4), sigma) == pytest.approx(
        0, abs=1e-9
    )
    c = 3.0
    got = metrics.frechet_distance(np.zeros(4), sigma, np.zeros(4), c**2 * sigma)
    assert got == pytest.approx(np.trace(sigma) * (1 - c) ** 2, rel=1e-9)


def test_fid_of_samples_approaches_the_closed_form():
    rng = np.random.default_rng(1)
    a = rng.normal(0.0, 1.0, size=(20000, 2))
    b = rng.normal([3.0, 0.0], 2.0, size=(20000, 2))
    expected = 9.0 + 2 * (1 + 4 - 2 * 2)
    assert metrics.fid(a, b) == pytest.approx(expected, rel=0.03)
    assert metrics.fid(a, a) == pytest.approx(0.0, abs=1e-9)


def test_fid_handles_singular_covariances_without_nan():
    rng = np.random.default_rng(2)
    a = np.concatenate([rng.normal(size=(500, 3)), np.zeros((500, 2))], axis=1)  # dead features
    b = np.concatenate([rng.normal(size=(500, 3)), np.zeros((500, 2))], axis=1)
    assert np.isfinite(metrics.fid(a, b)) and metrics.fid(a, b) >= 0


@pytest.mark.parametrize(
    "a, b, message",
    [
        (np.zeros((10, 3)), np.zeros((10, 4)), "feature sizes differ"),
        (np.zeros((10,)), np.zeros((10, 4)), "expected a 2-D array"),
        (np.full((10, 3), np.nan), np.zeros((10, 3)), "NaN"),
        (np.zeros((1, 3)), np.zeros((10, 3)), "at least 2 samples"),
    ],
)
def test_fid_rejects_bad_input(a, b, message):
    with pytest.raises(ValueError, match=message):
        metrics.fid(a, b)


def test_class_histogram_and_confident_share():
    probs = np.array([[0.95, 0.05], [0.6, 0.4], [0.1, 0.9], [0.2, 0.8]])
    np.testing.assert_allclose(metrics.class_histogram(probs), [0.5, 0.5])
    np.testing.assert_allclose(metrics.class_histogram(probs, 3), [0.5, 0.5, 0.0])
    assert metrics.confident_share(probs, 0.9) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="threshold"):
        metrics.confident_share(probs, 1.5)


def test_energy_distance_is_zero_for_same_samples_and_grows_with_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(800, 2))
    assert metrics.energy_distance(a, a) == pytest.approx(0.0, abs=1e-12)
    near = metrics.energy_distance(a, rng.normal(size=(800, 2)))
    far = metrics.energy_distance(a, rng.normal(size=(800, 2)) + [2.0, 0.0])
    assert near < 0.05 < far


def test_mode_coverage_counts_modes_and_quality():
    modes = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    points = np.array([[0.01, 0.0], [5.0, 0.02], [2.5, 2.5], [0.0, 0.0]])
    covered, quality, counts = metrics.mode_coverage(points, modes, std=0.05)
    assert covered == 2
    assert quality == pytest.approx(0.75)
    np.testing.assert_array_equal(counts, [2, 1, 0])


def test_requested_class_accuracy_counts_the_classes_asked_for():
    from gankit.metrics import requested_class_accuracy

    eye = np.eye(3)
    perfect = requested_class_accuracy(eye[[0, 1, 2, 2]], np.array([0, 1, 2, 2]))
    assert perfect == {"overall": 1.0, "per_class": [1.0, 1.0, 1.0], "worst": 1.0}
    # asked 0, 0, 1, 1, 2, 2; drew 0, 1, 1, 1, 0, 2: class 0 half right, 1 all, 2 half
    drawn = eye[[0, 1, 1, 1, 0, 2]]
    result = requested_class_accuracy(drawn, np.array([0, 0, 1, 1, 2, 2]))
    assert result["overall"] == pytest.approx(4 / 6)
    assert result["per_class"] == pytest.approx([0.5, 1.0, 0.5]) and result["worst"] == 0.5
    # a generator that ignores the label and always draws class 1: right only when 1 was asked
    ignored = requested_class_accuracy(eye[[1] * 6], np.array([0, 0, 1, 1, 2, 2]))
    assert ignored["overall"] == pytest.approx(1 / 3) and ignored["worst"] == 0.0
    # a class never asked for is NaN, and left out of the worst
    partial = requested_class_accuracy(eye[[0, 1]], np.array([0, 1]))
    assert np.isnan(partial["per_class"][2]) and partial["worst"] == 1.0
    with pytest.raises(ValueError, match=r"labels: expected 2 integer classes"):
        requested_class_accuracy(eye[[0, 1]], np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"labels: expected classes 0\.\.2, got 0\.\.3"):
        requested_class_accuracy(eye[[0, 1]], np.array([0, 3]))
