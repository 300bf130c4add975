"""Notebook 15's exercise checks (anomaly detection): each passes the reference answer and fails,
with the intended message, on the answers a learner is likely to write by mistake."""

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from gankit import checks


def auroc(normal, anomaly):
    normal, anomaly = np.asarray(normal), np.asarray(anomaly)
    greater = (anomaly[:, None] > normal[None, :]).sum()
    ties = (anomaly[:, None] == normal[None, :]).sum()
    return (greater + 0.5 * ties) / (len(normal) * len(anomaly))


def test_auroc_passes_the_reference_and_scipys_mann_whitney(capsys):
    checks.check_auroc(auroc)
    checks.check_auroc(
        lambda n, a: mannwhitneyu(a, n).statistic / (len(n) * len(a))  # U of the anomalies
    )
    assert capsys.readouterr().out == "✓ auroc: all 5 checks passed\n" * 2


def _strict(n, a):
    return float((np.asarray(a)[:, None] > np.asarray(n)[None, :]).mean())


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda n, a: auroc(a, n), "the anomalies should score higher"),
        (_strict, "counts one half, not zero"),
        (
            lambda n, a: float((np.asarray(a)[:, None] >= np.asarray(n)[None, :]).mean()),
            "counts one half, not one",
        ),
        (
            lambda n, a: float((np.asarray(a)[:, None] > np.asarray(n)[None, :]).sum()),
            "divide by the number",
        ),
        # a threshold at the normal scores' median: an accuracy, not an area
        (
            lambda n, a: float(
                (np.r_[np.asarray(n) <= np.median(n), np.asarray(a) > np.median(n)]).mean()
            ),
            "auroc: ",
        ),
    ],
)
def test_auroc_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_auroc(fn)


def izi_f(images, rebuilt, f_images, f_rebuilt, kappa):
    n = len(images)
    pixel = np.mean((np.reshape(images, (n, -1)) - np.reshape(rebuilt, (n, -1))) ** 2, axis=1)
    feature = np.mean((np.reshape(f_images, (n, -1)) - np.reshape(f_rebuilt, (n, -1))) ** 2, axis=1)
    return pixel + kappa * feature


def test_izi_f_score_passes_the_reference(capsys):
    checks.check_izi_f_score(izi_f)
    assert capsys.readouterr().out == "✓ izi_f_score: all 3 checks passed\n"


def _flat(a, n):
    return np.reshape(np.asarray(a, dtype="float64"), (n, -1))


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda x, r, fx, fr, k: float(np.mean(izi_f(x, r, fx, fr, k))), "one score per image"),
        (lambda x, r, fx, fr, k: izi_f(fx, fr, x, r, k), "kappa weighs the feature term"),
        (lambda x, r, fx, fr, k: izi_f(x, r, fx, fr, 0.0), "the feature term is missing"),
        (
            lambda x, r, fx, fr, k: (
                np.abs(_flat(x, len(x)) - _flat(r, len(x))).mean(1)
                + k * np.abs(_flat(fx, len(x)) - _flat(fr, len(x))).mean(1)
            ),
            "squared, not absolute",
        ),
        (
            lambda x, r, fx, fr, k: (
                ((_flat(x, len(x)) - _flat(r, len(x))) ** 2).sum(1)
                + k * ((_flat(fx, len(x)) - _flat(fr, len(x))) ** 2).sum(1)
            ),
            "not the sum",
        ),
        (
            lambda x, r, fx, fr, k: (
                np.sqrt(izi_f(x, r, fx, fr, 0.0)) + k * np.sqrt(izi_f(fx, fr, fx, fr, 0.0))
            ),
            "without a square root",
        ),
    ],
)
def test_izi_f_score_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_izi_f_score(fn)
