import math

import matplotlib
import numpy as np
import pytest

from gankit import callbacks, tuning


def quadratic(params, budget):
    """A stand-in objective with a known optimum at lr = 1e-3, batch = 32; diverges for lr > 0.05."""
    if params["lr"] > 0.05:
        raise callbacks.TrainingDiverged("diverged at step 3")
    return {
        "fid": (math.log10(params["lr"]) + 3) ** 2 + abs(params.get("batch", 32) - 32) / 32,
        "budget": budget,
    }


def test_grid_search_covers_every_combination_and_finds_the_optimum():
    space = {"lr": [1e-4, 1e-3, 1e-2, 0.1], "batch": [32, 64]}
    results = tuning.grid_search(quadratic, space, budget=5, verbose=False)
    assert len(results) == 8 and set(results.columns) >= {"lr", "batch", "fid", "seconds", "status"}
    assert (results["budget"].dropna() == 5).all(), "every trial gets the same budget"
    assert list(results["status"]).count("diverged") == 2  # lr = 0.1, both batch sizes
    assert results.loc[results["lr"] == 0.1, "fid"].isna().all()
    best = tuning.best(results)
    assert best["lr"] == 1e-3 and best["batch"] == 32 and best["fid"] == 0.0


def test_nan_metrics_count_as_diverged():
    results = tuning.run_trials(lambda p, b: {"fid": float("nan")}, [{"lr": 1.0}], verbose=False)
    assert results.loc[0, "status"] == "diverged"
    with pytest.raises(ValueError, match="no trial finished"):
        tuning.best(results)


def test_other_errors_are_not_swallowed():
    def buggy(params, budget):
        raise KeyError("typo")

    with pytest.raises(KeyError):
        tuning.run_trials(buggy, [{"lr": 1.0}], verbose=False)


def test_random_search_is_seeded_and_log_uniform():
    space = {"lr": (1e-5, 1e-1, "log"), "beta_1": [0.0, 0.5, 0.9], "width": (0.5, 2.0)}
    a, b = tuning.sample(space, 200, seed=1), tuning.sample(space, 200, seed=1)
    assert a == b and a != tuning.sample(space, 200, seed=2)
    lrs = np.log10([p["lr"] for p in a])
    assert lrs.min() >= -5 and lrs.max() <= -1 and abs(np.median(lrs) + 3) < 0.5  # log-uniform
    assert {p["beta_1"] for p in a} == {0.0, 0.5, 0.9}
    results = tuning.random_search(quadratic, {"lr": (1e-4, 1e-1, "log")}, 12, verbose=False)
    assert len(results) == 12 and tuning.best(results)["fid"] < 0.5


@pytest.mark.parametrize(
    ("space", "error", "message"),
    [
        ({}, TypeError, "non-empty dict"),
        ({"lr": []}, ValueError, "empty list"),
        ({"lr": (1e-3, 1e-5, "log")}, ValueError, "space\\['lr'\\]"),
        ({"lr": (0.0, 1.0, "log")}, ValueError, "0 < low"),
    ],
)
def test_bad_spaces_are_named(space, error, message):
    with pytest.raises(error, match=message):
        tuning.sample(space, 3)


def test_grid_needs_lists_and_plot_marks_divergence():
    with pytest.raises(TypeError, match="a grid needs a list"):
        tuning.grid({"lr": (1e-4, 1e-2)})
    matplotlib.use("Agg")
    results = tuning.grid_search(quadratic, {"lr": [1e-4, 1e-3, 0.1]}, verbose=False)
    ax = tuning.plot_trials(results, "lr")
    assert ax.get_xscale() == "log" and len(ax.collections) == 2
