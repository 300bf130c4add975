"""Notebook 14's exercise checks (data augmentation): each passes the reference answer and fails,
with the intended message, on the answers a learner is likely to write by mistake."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gankit import checks, tabular


def paired_interval(with_, without, confidence=0.95):
    d = np.asarray(with_) - np.asarray(without)
    mean, n = d.mean(), len(d)
    half = stats.t.ppf(1 - (1 - confidence) / 2, n - 1) * d.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def _scipy_paired(with_, without, confidence=0.95):
    d = np.asarray(with_) - np.asarray(without)
    low, high = stats.ttest_1samp(d, 0).confidence_interval(confidence)
    return d.mean(), low, high


def test_paired_interval_passes_the_reference_and_scipy(capsys):
    checks.check_paired_interval(paired_interval)
    checks.check_paired_interval(_scipy_paired)
    assert capsys.readouterr().out == "✓ paired_interval: all 4 checks passed\n" * 2


def _half_width(d, n, quantile, spread):
    return quantile * spread / np.sqrt(n)


def _with(quantile=None, ddof=1, root=True, sign=1, fixed=False, full=False):
    def answer(with_, without, confidence=0.95):
        d = sign * (np.asarray(with_) - np.asarray(without))
        n, mean = len(d), d.mean()
        c = 0.95 if fixed else confidence
        q = quantile(c) if quantile else stats.t.ppf(1 - (1 - c) / 2, n - 1)
        half = q * d.std(ddof=ddof) / (np.sqrt(n) if root else 1)
        return (
            (mean, mean - 2 * half, mean + 2 * half) if full else (mean, mean - half, mean + half)
        )

    return answer


def _welch(with_, without, confidence=0.95):
    result = stats.ttest_ind(with_, without, equal_var=False).confidence_interval(confidence)
    return np.mean(with_) - np.mean(without), result.low, result.high


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_with(sign=-1), "with_ minus without"),
        (_welch, "take the differences first"),
        (_with(quantile=lambda c: stats.norm.ppf(1 - (1 - c) / 2)), "Student's t"),
        (_with(fixed=True), "ignores the confidence argument"),
        (_with(ddof=0), "ddof=1"),
        (_with(root=False), "s / sqrt(n)"),
        (_with(full=True), "mean -/+ the half-width"),
        (lambda w, wo, c=0.95: (0.0, -1.0, 1.0), "mean of the paired differences"),
        (lambda w, wo, c=0.95: np.mean(np.asarray(w) - wo), "three numbers"),
    ],
)
def test_paired_interval_fails_on_the_usual_mistakes(fn, message):
    with pytest.raises(AssertionError, match="paired_interval") as caught:
        checks.check_paired_interval(fn)
    assert message in str(caught.value)


def independent_columns(df, n, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {c: df[c].sample(n, replace=True, random_state=rng).reset_index(drop=True) for c in df}
    )


def test_independent_columns_passes_the_reference_and_the_library(capsys):
    checks.check_independent_columns(independent_columns)
    checks.check_independent_columns(tabular.independent_columns)
    assert capsys.readouterr().out == "✓ independent_columns: all 6 checks passed\n" * 2


def _same_seed(df, n, seed=0):
    return pd.DataFrame(
        {c: df[c].sample(n, replace=True, random_state=seed).reset_index(drop=True) for c in df}
    )


def _rows(df, n, seed=0):
    return df.sample(n, replace=True, random_state=seed).reset_index(drop=True)


def _numpy_choice(df, n, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.choice(df[c].to_numpy(), n) for c in df})


def _dropna(df, n, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {c: df[c].dropna().sample(n, replace=True, random_state=rng).to_numpy() for c in df}
    ).astype(df.dtypes.to_dict())


def _permute(df, n, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {c: df[c].sample(frac=1, random_state=rng).reset_index(drop=True) for c in df}
    )


def _noise(df, n, seed=0):
    out = independent_columns(df, n, seed)
    out["a"] = out["a"] + np.random.default_rng(seed).normal(0, 0.01, n)
    return out


def _global(df, n, seed=0):
    return pd.DataFrame({c: df[c].sample(n, replace=True).reset_index(drop=True) for c in df})


def _in_place(df, n, seed=0):
    rng = np.random.default_rng(seed)
    for c in df:
        df[c] = df[c].sample(len(df), replace=True, random_state=rng).to_numpy()
    return independent_columns(df, n, seed)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_same_seed, "the same seed"),
        (_rows, "resampling whole rows"),
        (_numpy_choice, "keep their type"),
        (_dropna, "keep the holes"),
        (_permute, "with replacement"),
        (_noise, "do not invent new ones"),
        (_global, "np.random.default_rng(seed), not the global"),
        (_in_place, "must not edit the real table"),
        (lambda df, n, seed=0: df.to_numpy()[:n], "a pandas DataFrame"),
        (lambda df, n, seed=0: independent_columns(df, n, seed)[["b", "a", "c", "d"]], "order"),
    ],
)
def test_independent_columns_fails_on_the_usual_mistakes(fn, message):
    with pytest.raises(AssertionError, match="independent_columns") as caught:
        checks.check_independent_columns(fn)
    assert message in str(caught.value)
