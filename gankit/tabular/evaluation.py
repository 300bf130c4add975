"""Scores of synthetic rows against real ones: column shapes, pair trends, detection AUC and
train-on-synthetic / test-on-real (:func:`evaluate`). Part of :mod:`gankit.tabular`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gankit.tabular.encoding import _check_frame, _check_seed
from gankit.validation import check_count

# --------------------------------------------------------------------------- evaluation


def _check_pair(real, other, name="synthetic"):
    """The kinds of ``real``'s columns; ``other`` (called ``name`` in errors) must have the same
    columns, of the same kinds. Returns ``(kinds, other with real's column order)``."""
    kinds = _check_frame(real, "real")
    other_kinds = _check_frame(other, name)
    if set(kinds) != set(other_kinds):
        raise ValueError(
            f"{name}: expected the columns of real {list(real.columns)}, got {list(other.columns)}"
        )
    for c, kind in kinds.items():
        if other_kinds[c] != kind:
            raise ValueError(
                f"{name}: column {c!r} is {kind} in real but {other_kinds[c]} here"
                f" (dtype {other[c].dtype})"
            )
    return kinds, other[list(real.columns)]


def _labels(col):
    """A categorical column as strings, NaN as its own label (so it is counted, not dropped)."""
    return col.astype(object).where(col.notna(), "<NA>").astype(str)


def _tvd(p, q):
    """Total variation distance between two frequency tables (Series, aligned on the union)."""
    p, q = p.align(q, fill_value=0.0)
    return 0.5 * float(np.abs(p - q).sum())


def column_shapes(real, synthetic):
    """How alike each column's distribution is, in [0, 1]: ``1 - KS statistic``
    (``scipy.stats.ks_2samp``, over the values present) for a numeric column, ``1 - total
    variation distance`` of the category shares (NaN a category of its own) for a categorical
    one. Returns ``{"per_column": {column: score}, "mean": mean score}``."""
    from scipy.stats import ks_2samp

    kinds, synthetic = _check_pair(real, synthetic)
    scores = {}
    for c, kind in kinds.items():
        if kind == "numeric":
            a, b = real[c].dropna().to_numpy(float), synthetic[c].dropna().to_numpy(float)
            scores[c] = 1.0 - float(ks_2samp(a, b).statistic) if len(b) else 0.0
        else:
            share = [_labels(f[c]).value_counts(normalize=True) for f in (real, synthetic)]
            scores[c] = 1.0 - _tvd(*share)
    return {"per_column": scores, "mean": float(np.mean(list(scores.values())))}


def _binned(real_col, col, bins):
    """A numeric column cut into ``real_col``'s quantile bins (values beyond them go to the end
    bins), NaN a bin of its own, as string labels."""
    edges = np.unique(np.nanquantile(real_col.to_numpy(float), np.linspace(0, 1, bins + 1)[1:-1]))
    x = col.to_numpy(float)
    labels = np.searchsorted(edges, x, side="right").astype(str).astype(object)
    labels[np.isnan(x)] = "<NA>"
    return pd.Series(labels, index=col.index)


def pair_trends(real, synthetic, bins=10):
    """How alike the relation of each pair of columns is, in [0, 1]. Two numeric columns:
    ``1 - |r_real - r_synthetic| / 2`` with Pearson's r over the rows where both are present
    (an undefined r, e.g. of a constant column, counts as 0). Any other pair: ``1 - total
    variation distance`` between the two normalised contingency tables (``pd.crosstab``, NaN a
    category of its own), a numeric column first cut into the real column's ``bins`` quantile
    bins. Returns ``{"per_pair": {(a, b): score}, "mean": mean score}``; the mean of a one-column
    table is NaN."""
    bins = check_count(bins, "bins", minimum=2)
    kinds, synthetic = _check_pair(real, synthetic)
    columns, scores = list(kinds), {}
    for i, a in enumerate(columns):
        for b in columns[i + 1 :]:
            if kinds[a] == kinds[b] == "numeric":
                r = [f[a].astype(float).corr(f[b].astype(float)) for f in (real, synthetic)]
                r = [0.0 if np.isnan(v) else v for v in r]
                scores[a, b] = 1.0 - abs(r[0] - r[1]) / 2
                continue

            def table(frame, a=a, b=b):
                cols = [
                    _binned(real[c], frame[c], bins) if kinds[c] == "numeric" else _labels(frame[c])
                    for c in (a, b)
                ]
                return pd.crosstab(*cols, normalize=True).stack()

            scores[a, b] = 1.0 - _tvd(table(real), table(synthetic))
    mean = float(np.mean(list(scores.values()))) if scores else float("nan")
    return {"per_pair": scores, "mean": mean}


def _features(frames, kinds):
    """The frames as one numeric matrix each for a histogram-gradient-boosting model: numbers
    as they are (NaN allowed), categories as codes over the categories of all frames (NaN stays
    NaN). Returns the matrices and the boolean mask of categorical features."""
    parts = [[] for _ in frames]
    for c, kind in kinds.items():
        if kind == "numeric":
            for part, f in zip(parts, frames, strict=True):
                part.append(f[c].to_numpy(float, na_value=np.nan))
        else:
            categories = sorted(set().union(*(set(f[c].dropna().astype(str)) for f in frames)))
            for part, f in zip(parts, frames, strict=True):
                codes = pd.Categorical(f[c].astype(str).where(f[c].notna()), categories).codes
                part.append(np.where(codes < 0, np.nan, codes).astype(float))
    mask = np.array([kind == "categorical" for kind in kinds.values()])
    return [np.stack(p, axis=1) for p in parts], mask


def detection_auc(real, synthetic, folds=5, seed=0):
    """How well a classifier tells synthetic rows from real ones: the mean ROC AUC of
    scikit-learn's ``HistGradientBoostingClassifier`` (missing values and categories handled
    natively) over ``folds`` stratified cross-validation folds. 0.5: indistinguishable; 1:
    every row given away.

    Identical rows (a real row and a synthetic copy of it) always share a fold
    (``StratifiedGroupKFold``, grouped by row content). Otherwise a copy seen in training with
    the other label pulls its twin's prediction the wrong way, and a table compared with itself
    scores far below 0.5 instead of 0.5. The model runs on one thread: on a few hundred rows,
    OpenMP threads cost more than they save, and on a busy machine they cost seconds."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_score
    from threadpoolctl import threadpool_limits

    folds = check_count(folds, "folds", minimum=2)
    seed = _check_seed(seed)
    kinds, synthetic = _check_pair(real, synthetic)
    (x_real, x_fake), mask = _features([real, synthetic], kinds)
    x = np.concatenate([x_real, x_fake])
    y = np.r_[np.ones(len(x_real)), np.zeros(len(x_fake))]
    groups = pd.util.hash_pandas_object(pd.DataFrame(x), index=False).to_numpy()
    if min(len(np.unique(groups[y == 1])), len(np.unique(groups[y == 0]))) < folds:
        raise ValueError(f"detection: expected at least {folds} distinct rows in each table")
    model = HistGradientBoostingClassifier(categorical_features=mask, random_state=seed)
    cv = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    with threadpool_limits(1, user_api="openmp"):
        scores = cross_val_score(model, x, y, groups=groups, cv=cv, scoring="roc_auc")
    return float(np.mean(scores))


def utility(real, synthetic, target, test, seed=0):
    """Train on synthetic, test on real: does a model trained on the synthetic rows predict
    ``target`` on held-out real rows ``test`` (rows the GAN never saw) as well as one trained on
    the real rows? A categorical target is scored by accuracy with a
    ``HistGradientBoostingClassifier``, a numeric one by R² with a
    ``HistGradientBoostingRegressor``; rows whose target is missing are left out. Returns
    ``{"target", "task", "model", "metric", "real", "synthetic"}`` (the last two: the test score
    of the model trained on each)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score
    from threadpoolctl import threadpool_limits

    kinds, synthetic = _check_pair(real, synthetic)
    if target not in kinds:
        raise ValueError(f"target: {target!r} is not a column of real {list(real.columns)}")
    _, test = _check_pair(real, test, "test")
    frames = [f[f[target].notna()] for f in (real, synthetic, test)]
    for name, f in zip(("real", "synthetic", "test"), frames, strict=True):
        if len(f) == 0:
            raise ValueError(f"{name}: every row misses the target {target!r}")
    features = {c: k for c, k in kinds.items() if c != target}
    if not features:
        raise ValueError(f"target: {target!r} is the only column; there is nothing to predict from")
    xs, mask = _features(frames, features)
    classify = kinds[target] == "categorical"
    if classify:
        model = HistGradientBoostingClassifier(categorical_features=mask, random_state=seed)
    else:
        model = HistGradientBoostingRegressor(categorical_features=mask, random_state=seed)
    y_test = frames[2][target]
    y_test = _labels(y_test) if classify else y_test.to_numpy(float)
    scores = {}
    for name, x, f in zip(("real", "synthetic"), xs[:2], frames[:2], strict=True):
        y = _labels(f[target]) if classify else f[target].to_numpy(float)
        if classify and y.nunique() < 2:  # one class: the only possible model predicts it
            scores[name] = float(accuracy_score(y_test, np.full(len(y_test), y.iloc[0])))
            continue
        with threadpool_limits(1, user_api="openmp"):  # see detection_auc
            predicted = model.fit(x, y).predict(xs[2])
        scores[name] = float(
            accuracy_score(y_test, predicted) if classify else r2_score(y_test, predicted)
        )
    return {
        "target": target,
        "task": "classification" if classify else "regression",
        "model": type(model).__name__,
        "metric": "accuracy" if classify else "r2",
        **scores,
    }


def evaluate(real, synthetic, target=None, test=None, seed=0):
    """Score ``synthetic`` rows against ``real`` ones (the rows the generator learned from):
    ``{"column_shapes": ..., "pair_trends": ..., "detection_auc": ...}`` from
    :func:`column_shapes`, :func:`pair_trends` and :func:`detection_auc` (each a score in
    [0, 1]; shapes and trends 1 = identical, detection 0.5 = indistinguishable), plus
    ``"utility"`` (:func:`utility`) when ``target`` is given, which then needs ``test``: held-out
    real rows, because the generator has seen every row of ``real``. ``TypeError`` /
    ``ValueError`` name the argument at fault (different columns, a column of another kind)."""
    if target is not None and test is None:
        raise ValueError(
            "test: evaluate(..., target=...) needs held-out real rows the GAN never saw"
            " (test=a DataFrame with the same columns)"
        )
    result = {
        "column_shapes": column_shapes(real, synthetic),
        "pair_trends": pair_trends(real, synthetic),
        "detection_auc": detection_auc(real, synthetic, seed=seed),
    }
    if target is not None:
        result["utility"] = utility(real, synthetic, target, test, seed=seed)
    return result
