"""Hyperparameter search under a fixed budget per trial: grid and random search, a DataFrame of
results (one row per trial: its parameters, metrics, seconds and status) and a plot helper.

An *objective* is any function ``objective(params, budget) -> dict of metrics`` (for example: build
a GAN with ``params``, train it for ``budget`` epochs, return ``{"fid": ...}``). A trial that
diverges, by raising :class:`gankit.callbacks.TrainingDiverged` or returning a NaN/inf metric, is
recorded with status ``"diverged"`` and the search goes on; any other exception is a bug and is
raised.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping

import numpy as np


def grid(space):
    """Every combination of a ``{name: [values, ...]}`` space, as a list of dicts, in order."""
    _check_space(space, grid_only=True)
    names = list(space)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*space.values())]


def sample(space, n, seed=0):
    """``n`` random points of a space whose values are lists (uniform choice), ``(low, high)``
    (uniform) or ``(low, high, "log")`` (log-uniform, e.g. learning rates)."""
    _check_space(space)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n: expected a positive number of trials, got {n!r}")
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(n):
        point = {}
        for name, spec in space.items():
            if isinstance(spec, list):
                point[name] = spec[rng.integers(len(spec))]
            elif len(spec) == 3:
                point[name] = float(np.exp(rng.uniform(np.log(spec[0]), np.log(spec[1]))))
            else:
                point[name] = float(rng.uniform(spec[0], spec[1]))
        points.append(point)
    return points


def _check_space(space, grid_only=False):
    if not isinstance(space, dict) or not space:
        raise TypeError(f"space: expected a non-empty dict of name -> values, got {space!r}")
    for name, spec in space.items():
        if isinstance(spec, list):
            if not spec:
                raise ValueError(f"space[{name!r}]: an empty list of values")
            continue
        if grid_only:
            raise TypeError(f"space[{name!r}]: a grid needs a list of values, got {spec!r}")
        ok = (
            isinstance(spec, tuple)
            and len(spec) in (2, 3)
            and all(_is_finite_number(v) for v in spec[:2])
            and spec[0] < spec[1]
        )
        if ok and len(spec) == 3:
            ok = spec[2] == "log" and spec[0] > 0
        if not ok:
            raise ValueError(
                f"space[{name!r}]: expected a list, (low, high) or (low, high, 'log') with"
                f" 0 < low for log, got {spec!r}"
            )


def _is_finite_number(value):
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def run_trials(objective, trials, budget=None, verbose=True):
    """Run ``objective(params, budget)`` for each dict in ``trials``; return a DataFrame with one
    row per trial: ``trial``, the parameters, the returned metrics, ``seconds`` and ``status``
    (``"ok"`` or ``"diverged"``). Raises ``TypeError`` for an ``objective`` that is not callable
    or returns something other than a dict, or ``trials`` that are not a list of dicts, and
    ``ValueError`` for no trials."""
    import pandas as pd

    from gankit.callbacks import TrainingDiverged

    if not callable(objective):
        raise TypeError(
            f"objective: expected a function objective(params, budget), got {objective!r}"
        )
    expected = "trials: expected a list of parameter dicts (from grid(space) or sample(space, n))"
    if isinstance(trials, dict | str) or not hasattr(trials, "__iter__"):
        raise TypeError(f"{expected}, got {type(trials).__name__}")
    trials = list(trials)
    if not all(isinstance(t, dict) for t in trials):
        raise TypeError(f"{expected}, got items {sorted({type(t).__name__ for t in trials})}")
    if not trials:
        raise ValueError("trials: expected at least one trial, got none")
    rows = []
    for i, params in enumerate(trials):
        start = time.perf_counter()
        try:
            result = objective(dict(params), budget)
            if not isinstance(result, Mapping):
                raise TypeError(
                    f"objective: expected it to return a dict of metrics, e.g. {{'fid': 12.3}},"
                    f" got {type(result).__name__} for trial {i}"
                )
            result = dict(result)
            finite = all(
                math.isfinite(v) for v in result.values() if isinstance(v, int | float | np.number)
            )
            status = "ok" if finite else "diverged"
        except TrainingDiverged:
            result, status = {}, "diverged"
        seconds = time.perf_counter() - start
        rows.append(
            {"trial": i, **params, **result, "seconds": round(seconds, 2), "status": status}
        )
        if verbose:
            shown = ", ".join(f"{k}={_short(v)}" for k, v in {**params, **result}.items())
            print(f"trial {i}: {shown} [{status}]", flush=True)
    return pd.DataFrame(rows).set_index("trial")


def _short(value):
    return f"{value:.3g}" if isinstance(value, float) else value


def grid_search(objective, space, budget=None, verbose=True):
    """Every combination of ``space`` (lists of values), each trained with the same ``budget``."""
    return run_trials(objective, grid(space), budget, verbose)


def random_search(objective, space, n_trials, budget=None, seed=0, verbose=True):
    """``n_trials`` random points of ``space`` (see :func:`sample`), each with the same ``budget``."""
    return run_trials(objective, sample(space, n_trials, seed), budget, verbose)


def best(results, metric="fid", mode="min"):
    """The best finished trial's row (a Series) by ``metric``; diverged trials are skipped."""
    import pandas as pd

    _check_results(results, metric, "metric")
    if mode not in ("min", "max"):
        raise ValueError(f"mode: expected 'min' or 'max', got {mode!r}")
    if not pd.api.types.is_numeric_dtype(results[metric]):
        raise TypeError(f"metric: column {metric!r} holds {results[metric].dtype}, not numbers")
    ok = results[(results["status"] == "ok") & results[metric].notna()]
    if ok.empty:
        raise ValueError("results: no trial finished without diverging")
    return ok.loc[ok[metric].idxmin() if mode == "min" else ok[metric].idxmax()]


def _check_results(results, column, name):
    import pandas as pd

    if not isinstance(results, pd.DataFrame) or "status" not in results:
        raise TypeError(
            f"results: expected the DataFrame of run_trials (with a 'status' column), got"
            f" {type(results).__name__}"
        )
    if column not in results:
        raise ValueError(f"{name}: {column!r} is not a column; columns are {list(results.columns)}")


def plot_trials(results, x, y="fid", logx=None, ax=None):
    """Scatter ``y`` against parameter ``x`` for finished trials, diverged ones marked as red
    crosses at the top; a log x axis by default when ``x`` spans more than a factor of 20."""
    import matplotlib.pyplot as plt

    _check_results(results, x, "x")
    _check_results(results, y, "y")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    ok = results[results["status"] == "ok"]
    bad = results[results["status"] != "ok"]
    ax.scatter(ok[x], ok[y], color="tab:blue", label="finished")
    if len(bad):
        top = ok[y].max() if len(ok) else 1.0
        ax.scatter(bad[x], [top] * len(bad), marker="x", color="red", label="diverged")
    values = results[x].astype(float)
    if logx if logx is not None else values.min() > 0 and values.max() / values.min() > 20:
        ax.set_xscale("log")
    ax.set(xlabel=x, ylabel=y)
    ax.legend()
    return ax
