"""Part 2 exercise checks (notebooks 04-07, training): each passes the reference answer and
fails, with the intended message, on deliberately broken answers."""

import keras
import numpy as np
import pandas as pd
import pytest

from gankit import checks

ops = keras.ops


# --------------------------------------------------------------------------- 4.1 least squares
def ls_d(real_scores, fake_scores):
    return 0.5 * (ops.mean(ops.square(real_scores - 1.0)) + ops.mean(ops.square(fake_scores)))


def ls_g(fake_scores):
    return 0.5 * ops.mean(ops.square(fake_scores - 1.0))


def test_least_squares_passes_reference(capsys):
    checks.check_least_squares_losses(ls_d, ls_g)
    assert capsys.readouterr().out == "✓ least_squares_losses: all 5 checks passed\n"


@pytest.mark.parametrize(
    ("d_fn", "g_fn", "message"),
    [
        (lambda r, f: 2 * ls_d(r, f), ls_g, "factor 1/2 is missing"),
        (lambda r, f: ls_d(f, r), ls_g, "targets swapped"),
        (lambda r, f: ls_d(ops.sigmoid(r), ops.sigmoid(f)), ls_g, "no sigmoid"),
        (
            lambda r, f: 0.5 * (ops.sum(ops.square(r - 1.0)) + ops.sum(ops.square(f))),
            ls_g,
            "summed over the batch",
        ),
        (ls_d, lambda f: 0.5 * ops.mean(ops.square(f)), "wrong target"),
        (ls_d, lambda f: ops.mean(ops.square(f - 1.0)), "factor 1/2 is missing"),
        (ls_d, lambda f: ls_g(ops.sigmoid(f)), "no sigmoid"),
        (ls_d, lambda f: 0.5 * np.mean((np.asarray(f) - 1.0) ** 2), "left TensorFlow"),
        (lambda r, f: ls_d(r, f) + 1.0, ls_g, "D pulls real scores to 1"),
        (
            lambda r, f: ls_d(r, f) + 0.5 * ops.cast(ops.all(f == 0), "float32"),
            ls_g,
            "every score is on its target",
        ),
        (ls_d, lambda f: ls_g(f) + 1.0, "G pulls its fake scores to the \\*real\\* target 1"),
        (
            ls_d,
            lambda f: ops.stop_gradient(ls_g(f)) + 0.0 * ops.mean(f),
            "gradient of the G loss when D scores every fake -8",
        ),
    ],
)
def test_least_squares_names_the_mistake(d_fn, g_fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_least_squares_losses(d_fn, g_fn)


# --------------------------------------------------------------------------- 4.2 logit gradients
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def minimax_grad(logits):
    return -sigmoid(logits)


def ns_grad(logits):
    return sigmoid(logits) - 1


def test_logit_gradients_pass_reference(capsys):
    checks.check_logit_gradients(minimax_grad, ns_grad)
    assert capsys.readouterr().out == "✓ logit_gradients: all 4 checks passed\n"


@pytest.mark.parametrize(
    ("minimax", "ns", "message"),
    [
        (lambda x: sigmoid(x), ns_grad, "sign flipped"),
        (ns_grad, minimax_grad, "swapped"),
        (lambda x: -np.log1p(np.exp(x)), ns_grad, "the loss itself"),
        (minimax_grad, lambda x: np.log1p(np.exp(-x)), "the loss itself"),
        (lambda x: float(np.mean(-sigmoid(x))), ns_grad, "elementwise"),
        (minimax_grad, lambda x: sigmoid(-x), "sign flipped"),
        (lambda x: sigmoid(x) * (1 - sigmoid(x)), ns_grad, "d sigmoid\\(l\\)/dl"),
    ],
)
def test_logit_gradients_name_the_mistake(minimax, ns, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_logit_gradients(minimax, ns)


# --------------------------------------------------------------------------- 5.1-5.2 evaluation
def is_reference(probabilities):
    p = np.asarray(probabilities, dtype=float)
    marginal = p.mean(axis=0, keepdims=True)
    kl = (p * (np.log(p + 1e-12) - np.log(marginal + 1e-12))).sum(axis=1)
    return float(np.exp(kl.mean()))


def nn_reference(samples, train):
    a = np.asarray(samples, float).reshape(len(samples), -1)
    b = np.asarray(train, float).reshape(len(train), -1)
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).min(axis=1)


def test_evaluation_checks_pass_references(capsys):
    checks.check_inception_score(is_reference)
    checks.check_nearest_neighbour_distance(nn_reference)
    out = capsys.readouterr().out
    assert "✓ inception_score: all 3 checks passed" in out
    assert "✓ nearest_neighbour_distance: all 3 checks passed" in out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda p: float(np.log(is_reference(p))), "log of the score"),
        (lambda p: is_reference(p) + 1.0, "IS = exp\\(mean_x"),
        (
            lambda p: float(
                np.exp((p.mean(0) * (np.log(p.mean(0) + 1e-12) - np.log(p + 1e-12))).sum(1).mean())
            ),
            "the KL is reversed",
        ),
        (
            lambda p: float(np.exp((p * (np.log(p) - np.log(p.mean(0)))).sum(1).mean())),
            "0 \\* log 0 is NaN",
        ),
        (
            lambda p: float(np.exp((p * (np.log(p + 1e-12) - np.log(p.mean(0)))).sum(1).mean())),
            "0 \\* log 0 is NaN",
        ),
        (lambda p: 9.0 if len(p) == 200 else is_reference(p), "spread evenly over 10 classes"),
        (lambda p: 2.0 if len(p) == 50 else is_reference(p), "a collapsed generator"),
        (
            lambda p: float(np.exp((p * (np.log(p + 1e-12) - np.log(p + 1e-12))).sum(1).mean())),
            "must be the \\*marginal\\*",
        ),
    ],
)
def test_inception_score_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_inception_score(answer)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda s, t: nn_reference(s, t) ** 2, "squared distances"),
        (
            lambda s, t: np.sqrt(((s[:, None] - t[None]) ** 2).sum(-1)).argmin(1).astype(float),
            "\\*index\\*",
        ),
        (lambda s, t: np.sqrt(((s[:, None] - t[None]) ** 2).sum(-1)).min(0), "axis=1, not axis=0"),
        (lambda s, t: np.sqrt(((s[:, None] - t[None]) ** 2).sum(-1)).min(1), "flatten"),
        (lambda s, t: nn_reference(s, t)[:, None], "one distance per sample"),
        (lambda s, t: nn_reference(s, t) + 1.0, "Euclidean distance: sqrt"),
    ],
)
def test_nearest_neighbour_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_nearest_neighbour_distance(answer)


# --------------------------------------------------------------------------- 6.1 log-uniform
def log_uniform(low, high, n, rng):
    return np.exp(rng.uniform(np.log(low), np.log(high), size=n))


def test_log_uniform_passes_reference(capsys):
    checks.check_log_uniform(log_uniform)
    assert capsys.readouterr().out == "✓ log_uniform: all 4 checks passed\n"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda lo, hi, n, rng: rng.uniform(lo, hi, size=n), "uniform in the value itself"),
        (lambda lo, hi, n, rng: rng.uniform(np.log(lo), np.log(hi), size=n), "logarithms"),
        (lambda lo, hi, n, rng: np.exp(rng.uniform(np.log10(lo), np.log10(hi), n)), "log bases"),
        (lambda lo, hi, n, rng: np.exp(np.random.uniform(np.log(lo), np.log(hi), n)), "rng"),
        (lambda lo, hi, n, rng: log_uniform(lo, hi, n - 1, rng), "shape"),
        (
            lambda lo, hi, n, rng: np.exp(rng.uniform(np.log(lo) - 1, np.log(hi), size=n)),
            "draw u uniform in \\[log\\(low\\), log\\(high\\)\\]",
        ),
        (
            lambda lo, hi, n, rng: lo + (hi - lo) * rng.uniform(size=n) ** 2,
            "each decade gets the same share",
        ),
    ],
)
def test_log_uniform_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_log_uniform(answer)


# --------------------------------------------------------------------------- 6.2 keep best
def keep_best(results, k, metric="fid"):
    finished = results[(results["status"] == "ok") & results[metric].notna()]
    return finished.sort_values(metric, kind="stable").head(k)


def keep_best_in_place(results, k, metric="fid"):
    results.sort_values(metric, inplace=True)
    return results[results["status"] == "ok"].head(k)


def test_keep_best_passes_reference(capsys):
    checks.check_keep_best(keep_best)
    assert capsys.readouterr().out == "✓ keep_best: all 5 checks passed\n"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda r, k, m: r.sort_values(m).head(k), "trial 5 diverged"),
        (lambda r, k, m: r[r.status == "ok"].sort_values(m, ascending=False).head(k), "wrong way"),
        (lambda r, k, m: r[r.status == "ok"].sort_values(m).head(k + 1), "exactly k"),
        (lambda r, k, m: r[r.status == "ok"].sort_values(m).head(k).to_dict(), "DataFrame"),
        (keep_best_in_place, "sort a copy"),
        (lambda r, k, m: keep_best(r, k, "fid"), "ranked by 'fid' whatever the metric"),
        (lambda r, k, m: keep_best(r, k, "learning_rate"), "sort by the metric ascending"),
        (
            lambda r, k, m: pd.concat([keep_best(r, len(r), m), r[r.status != "ok"]]).head(k),
            "none of the diverged",
        ),
        (  # right for the FID, something else for any other metric
            lambda r, k, m: keep_best(r, k, m) if m == "fid" else keep_best(r, k, m).iloc[::-1],
            "rank by the column named",
        ),
    ],
)
def test_keep_best_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_keep_best(answer)


def test_keep_best_agrees_with_the_library():
    from gankit import tuning

    results = pd.DataFrame(
        {"fid": [30.0, 10.0, np.nan, 20.0], "status": ["ok", "ok", "diverged", "ok"]}
    )
    assert keep_best(results, 1).index[0] == tuning.best(results).name == 1


# --------------------------------------------------------------------------- 7.1 normalisation
def normalise(pixels, max_value):
    return (np.asarray(pixels, dtype="float32") / (max_value / 2) - 1).astype("float32")


def denormalise(images, max_value):
    return np.clip((np.asarray(images, dtype="float32") + 1) * (max_value / 2), 0, max_value)


def test_normalisation_passes_reference(capsys):
    checks.check_normalisation(normalise, denormalise)
    assert capsys.readouterr().out == "✓ normalisation: all 7 checks passed\n"


@pytest.mark.parametrize(
    ("norm", "denorm", "message"),
    [
        (lambda p, m: np.asarray(p, "float32") / m, denormalise, "that is \\[0, 1\\]"),
        (lambda p, m: (p * 2) / 255 - 1, denormalise, "wrapped around"),
        (lambda p, m: np.asarray(p, "float64") / (m / 2) - 1, denormalise, "float32"),
        (lambda p, m: normalise(p, 255), denormalise, "hard-coded 255"),
        (normalise, lambda x, m: (np.asarray(x) + 1) * m / 2, "clip"),
        (normalise, lambda x, m: np.asarray(x) * m, "invert both steps"),
        (normalise, lambda x, m: denormalise(x, 255), "denormalise ignores max_value"),
        (lambda p, m: normalise(p, m).ravel(), denormalise, "shape \\(1, 5\\)"),
        (
            lambda p, m: (np.asarray(p, "float32") / 128 - 1).astype("float32"),
            denormalise,
            "x / \\(max_value / 2\\) - 1",
        ),
        (
            normalise,
            lambda x, m: denormalise(x, m) if m == 255 else denormalise(x, m) / 2,
            "clipped to \\[0, max_value\\]",
        ),
        (
            normalise,
            lambda x, m: np.clip((np.asarray(x, "float32") + 1) * (m / 2), 0, 255),
            "not to a hard-coded \\[0, 255\\]",
        ),
    ],
)
def test_normalisation_names_the_mistake(norm, denorm, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_normalisation(norm, denorm)


def test_normalisation_reference_matches_the_library():
    from gankit import data

    pixels = np.arange(256, dtype=np.uint8)
    np.testing.assert_allclose(normalise(pixels, 255), data.to_unit_range(pixels), atol=1e-6)


# --------------------------------------------------------------------------- 7.2 balanced indices
def balanced_indices(labels, n, rng):
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    weights = 1.0 / counts[np.searchsorted(classes, labels)]
    return rng.choice(len(labels), size=n, p=weights / weights.sum())


def test_balanced_indices_passes_reference(capsys):
    checks.check_balanced_indices(balanced_indices)
    assert capsys.readouterr().out == "✓ balanced_indices: all 7 checks passed\n"


def first_rows(labels, n, rng):
    classes = np.unique(labels)
    per_class = [np.flatnonzero(labels == c)[:2] for c in classes]
    return np.resize(np.concatenate(per_class), n)


def sqrt_weights(labels, n, rng):  # weights 1 / sqrt(class size): less imbalanced, not balanced
    classes, counts = np.unique(labels, return_counts=True)
    weights = 1.0 / np.sqrt(counts[np.searchsorted(classes, labels)])
    return rng.choice(len(labels), size=n, p=weights / weights.sum())


def class_blocks(labels, n, rng):  # right shares, drawn from rng, but class after class
    classes = np.unique(labels)
    return np.concatenate(
        [rng.choice(np.flatnonzero(labels == c), size=n // len(classes)) for c in classes]
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda y, n, rng: balanced_indices(y, n, np.random.default_rng(0)), "rng passed in"),
        (lambda y, n, rng: np.sort(balanced_indices(y, n, rng)), "come in blocks"),
        (class_blocks, "come in blocks"),
        (lambda y, n, rng: rng.integers(len(y), size=n), "keep the imbalance"),
        (lambda y, n, rng: rng.integers(4, size=n), "class labels"),
        (lambda y, n, rng: balanced_indices(y, n, np.random.default_rng()), "rng"),
        (lambda y, n, rng: balanced_indices(y, n, rng).astype(float), "integer array"),
        (first_rows, "not always its first"),
        (lambda y, n, rng: balanced_indices(y, n, rng) + 1, "in \\[0, 550\\)"),
        (sqrt_weights, "pick a class uniformly"),
    ],
)
def test_balanced_indices_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_balanced_indices(answer)
