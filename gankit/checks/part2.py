"""Exercise checks of part 2, training (notebooks 04-07): least-squares losses and the logit
gradients, the evaluation metrics, the hyperparameter search's helpers and data handling.
"""

from __future__ import annotations

import math

import numpy as np

from gankit.checks._common import (
    _FAKE,
    _REAL,
    _call,
    _call_array,
    _close,
    _gradients,
    _keeps_random_state,
    _scalar,
    _sigmoid,
    _Verdict,
)


# --------------------------------------------------------------------------- losses and optimizers
@_keeps_random_state
def check_least_squares_losses(d_fn, g_fn):
    """Check the least-squares GAN pair (Mao et al. 2017): ``d_fn(real_scores, fake_scores)`` =
    ``0.5 * (mean((real - 1)^2) + mean(fake^2))`` and ``g_fn(fake_scores)`` =
    ``0.5 * mean((fake - 1)^2)``, on D's raw scores (no sigmoid), differentiable."""
    v = _Verdict("least_squares_losses")
    got = _scalar(v, _call(v, d_fn, _REAL, _FAKE, what="mixed scores"), "mixed scores")
    right = 0.5 * (((_REAL - 1.0) ** 2).mean() + (_FAKE**2).mean())
    if not _close(got, right):
        mistake = "D pulls real scores to 1 and fake scores to 0, squared, averaged and halved"
        if _close(got, 2 * right):
            mistake = "the factor 1/2 is missing: 0.5 * (mean((real - 1)^2) + mean(fake^2))"
        elif _close(got, 0.5 * ((_REAL**2).mean() + ((_FAKE - 1.0) ** 2).mean())):
            mistake = "targets swapped: real scores go to 1, fake scores to 0"
        elif _close(
            got, 0.5 * (((_sigmoid(_REAL) - 1.0) ** 2).mean() + (_sigmoid(_FAKE) ** 2).mean())
        ):
            mistake = "no sigmoid: the least-squares loss works on D's raw score"
        elif _close(got, 0.5 * (((_REAL - 1.0) ** 2).sum() + (_FAKE**2).sum())):
            mistake = "summed over the batch: take the mean"
        v.fail(
            "D loss, real scores [2, -1, 0.5, 3], fake [-2.5, 0.3, 1, -0.7]", right, got, mistake
        )
    v.ok()
    perfect = _scalar(
        v,
        _call(v, d_fn, np.ones((4, 1), "float32"), np.zeros((4, 1), "float32"), what="targets"),
        "targets",
    )
    if not _close(perfect, 0.0):
        v.fail("D loss when every score is on its target (real 1, fake 0)", 0.0, perfect)
    v.ok()
    got = _scalar(v, _call(v, g_fn, _FAKE, what="mixed fake scores"), "mixed fake scores")
    right = 0.5 * ((_FAKE - 1.0) ** 2).mean()
    if not _close(got, right):
        mistake = "G pulls its fake scores to the *real* target 1: 0.5 * mean((fake - 1)^2)"
        if _close(got, 0.5 * (_FAKE**2).mean()):
            mistake = "wrong target: G wants its fakes scored as real (1), not fake (0)"
        elif _close(got, ((_FAKE - 1.0) ** 2).mean()):
            mistake = "the factor 1/2 is missing"
        elif _close(got, 0.5 * ((_sigmoid(_FAKE) - 1.0) ** 2).mean()):
            mistake = "no sigmoid: the least-squares loss works on D's raw score"
        v.fail("G loss, fake scores [-2.5, 0.3, 1, -0.7]", right, got, mistake)
    v.ok()
    # No saturation: the further D pushes a fake below its target, the stronger G's pull.
    (grad,) = _gradients(v, g_fn, np.full((4, 1), -8.0, "float32"), what="scores of -8")
    per_score = float(grad.sum())
    if not _close(per_score, -9.0, 1e-3):
        v.fail(
            "gradient of the G loss when D scores every fake -8",
            "-9 (= -8 - 1: a pull that grows with the distance from the target)",
            round(per_score, 4),
        )
    v.ok()
    _gradients(v, d_fn, _REAL, _FAKE, what="D loss on mixed scores")
    v.ok()
    v.done()


@_keeps_random_state
def check_logit_gradients(minimax_fn, non_saturating_fn):
    """Check closed-form derivatives with respect to the logit ``l`` of one fake sample's
    generator loss: minimax ``log(1 - sigmoid(l))`` has ``-sigmoid(l)``; non-saturating
    ``-log sigmoid(l)`` has ``sigmoid(l) - 1``. Both take and return NumPy arrays, elementwise."""
    v = _Verdict("logit_gradients")
    logits = np.linspace(-10.0, 10.0, 21)
    expected = {"minimax": -_sigmoid(logits), "non-saturating": _sigmoid(logits) - 1.0}
    for (name, fn), other in zip(
        [("minimax", minimax_fn), ("non-saturating", non_saturating_fn)],
        ["non-saturating", "minimax"],
        strict=True,
    ):
        got = _call_array(v, fn, logits.copy(), what=f"{name}, logits -10..10")
        if got.shape != logits.shape:
            v.fail(
                f"{name}: one derivative per logit (21 logits)",
                f"shape {logits.shape}",
                f"shape {got.shape}",
                "work elementwise: no sum or mean",
            )
        v.ok()
        if not np.allclose(got, expected[name], atol=1e-6):
            mistake = "differentiate the per-sample loss with d sigmoid(l)/dl = s(1 - s)"
            if np.allclose(got, -expected[name], atol=1e-6):
                mistake = "sign flipped: G *minimises* this loss; check d/dl of each term's sign"
            elif np.allclose(got, expected[other], atol=1e-6):
                mistake = f"that is the {other} loss's derivative: the two functions are swapped"
            elif name == "minimax" and np.allclose(got, -np.log1p(np.exp(logits)), atol=1e-6):
                mistake = "that is the loss itself, not its derivative"
            elif name == "non-saturating" and np.allclose(
                got, np.log1p(np.exp(-logits)), atol=1e-6
            ):
                mistake = "that is the loss itself, not its derivative"
            v.fail(
                f"{name}: dL/dl at l = -10, -9, ..., 10 (first four shown)",
                expected[name][:4],
                got[:4],
                mistake,
            )
        v.ok()
    v.done()


# --------------------------------------------------------------------------- evaluation
@_keeps_random_state
def check_inception_score(fn):
    """Check ``fn(probabilities) -> float``: ``exp(mean over samples of KL(p(y|x) || p(y)))``
    with ``p(y)`` the mean of the rows, for class-probability rows that sum to 1."""
    v = _Verdict("inception_score")
    nan_hint = (
        "0 * log 0 is NaN for a class with probability 0: guard both logs (of p(y|x) and of"
        " p(y)) with a small epsilon, or use scipy.special.rel_entr"
    )

    def score(p):
        marginal = p.mean(0)
        return float(np.exp((p * (np.log(p + 1e-12) - np.log(marginal + 1e-12))).sum(1).mean()))

    def mistake_for(got, p):
        marginal = p.mean(0)
        reversed_kl = (marginal * (np.log(marginal + 1e-12) - np.log(p + 1e-12))).sum(1).mean()
        if _close(got, math.log(score(p)), 1e-3):
            return "that is the log of the score: take exp of the mean KL"
        if _close(got, 1.0, 1e-3):
            return "p(y) must be the *marginal*: the mean of all rows, not each row itself"
        if _close(got, float(np.exp(reversed_kl)), 1e-3):
            return "the KL is reversed: KL(p(y|x) || p(y)) weights by p(y|x)"
        return "IS = exp(mean_x sum_y p(y|x) (log p(y|x) - log p(y))), p(y) = mean of the rows"

    # Random rows first: no probability is 0 there, so every formula gives a finite number and a
    # wrong one can be named.
    p = np.random.default_rng(0).dirichlet(np.ones(4), size=100)
    what = "100 random rows over 4 classes"
    got = _scalar(v, _call(v, fn, p, what=what), what, nan_hint)
    if not _close(got, score(p), 1e-3):
        v.fail(what, score(p), got, mistake_for(got, p))
    v.ok()
    confident = np.eye(10)[np.arange(200) % 10]
    what = "200 confident predictions spread evenly over 10 classes"
    got = _scalar(v, _call(v, fn, confident, what=what), what, nan_hint)
    if not _close(got, 10.0, 1e-3):
        v.fail(what, 10.0, got, mistake_for(got, confident))
    v.ok()
    one_class = np.eye(10)[np.zeros(50, int)]
    what = "every sample confidently the same class (a collapsed generator)"
    got = _scalar(v, _call(v, fn, one_class, what=what), what, nan_hint)
    if not _close(got, 1.0, 1e-3):
        v.fail(what, 1.0, got, mistake_for(got, one_class))
    v.ok()
    v.done()


@_keeps_random_state
def check_nearest_neighbour_distance(fn):
    """Check ``fn(samples, train) -> array``: for each row of ``samples`` the Euclidean distance
    to its nearest row of ``train`` (rows are flattened feature or pixel vectors)."""
    v = _Verdict("nearest_neighbour_distance")
    train = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    samples = np.array([[0.0, 0.0], [3.0, 0.0], [9.0, 1.0], [6.0, 8.0]])
    expected = np.array([0.0, 3.0, math.sqrt(2.0), 5.0])
    got = _call_array(v, fn, samples, train, what="4 samples, 3 training points")
    if got.shape != expected.shape:
        mistake = "one distance per sample: take the minimum over the training points (axis=1)"
        if got.shape == (3,):
            mistake = "that is one value per *training* point: minimise over axis=1, not axis=0"
        v.fail(
            "4 samples against 3 training points",
            f"shape {expected.shape}",
            f"shape {got.shape}",
            mistake,
        )
    v.ok()
    if not np.allclose(got, expected, atol=1e-6):
        mistake = "Euclidean distance: sqrt of the sum of squared differences, then the minimum"
        if np.allclose(got, expected**2, atol=1e-6):
            mistake = "squared distances: take the square root"
        elif np.allclose(got, [0, 1, 1, 2], atol=1e-6) or np.allclose(got, [0, 0, 2, 1]):
            mistake = "that is the *index* of the nearest point (argmin), not its distance (min)"
        v.fail("4 samples against 3 training points", expected, got, mistake)
    v.ok()
    images = np.random.default_rng(1).normal(size=(5, 4, 4, 1))
    got = _call_array(v, fn, images[:2], images, what="image arrays (N, H, W, C)")
    if got.shape != (2,) or not np.allclose(got, 0.0, atol=1e-6):
        v.fail(
            "two samples that are copies of training images (4-D arrays)",
            "distances [0, 0]",
            got,
            "flatten each image to a vector first: x.reshape(len(x), -1)",
        )
    v.ok()
    v.done()


# --------------------------------------------------------------------------- hyperparameter search
@_keeps_random_state
def check_log_uniform(fn):
    """Check ``fn(low, high, n, rng) -> array``: ``n`` draws whose logarithm is uniform between
    ``log(low)`` and ``log(high)``, drawn from the NumPy Generator ``rng``."""
    v = _Verdict("log_uniform")
    low, high, n = 1e-4, 1e-2, 20_000
    got = _call_array(v, fn, low, high, n, np.random.default_rng(0), what="1e-4..1e-2")
    if got.shape != (n,):
        v.fail("20,000 draws between 1e-4 and 1e-2", f"shape ({n},)", f"shape {got.shape}")
    v.ok()
    if not (
        np.all(np.isfinite(got))
        and got.min() >= low * (1 - 1e-9)
        and got.max() <= high * (1 + 1e-9)
    ):
        mistake = "draw u uniform in [log(low), log(high)] and return exp(u)"
        if got.max() < 0:
            mistake = "those are logarithms: return np.exp(u), not u"
        elif got.max() > high:
            mistake = "mixed log bases: np.log with np.exp (or log10 with 10**u), not both"
        v.fail(
            "every draw in [1e-4, 1e-2]",
            "[0.0001, 0.01]",
            f"[{got.min():.3g}, {got.max():.3g}]",
            mistake,
        )
    v.ok()
    below = float(np.mean(got < 1e-3))  # the geometric middle: half the draws below it
    if abs(below - 0.5) > 0.02:
        mistake = "uniform in log space: each decade gets the same share of draws"
        if abs(below - 0.0909) < 0.02:
            mistake = "uniform in the value itself: almost all draws land in the top decade"
        v.fail(
            "share of draws below 1e-3, the geometric middle of [1e-4, 1e-2]", 0.5, below, mistake
        )
    v.ok()
    again = _call_array(v, fn, low, high, 5, np.random.default_rng(7), what="seed 7")
    same = _call_array(v, fn, low, high, 5, np.random.default_rng(7), what="seed 7")
    other = _call_array(v, fn, low, high, 5, np.random.default_rng(8), what="seed 8")
    if not np.array_equal(again, same) or np.array_equal(again, other):
        v.fail(
            "draws from the generator passed in",
            "the same draws for the same rng seed, others for another seed",
            "draws that ignore rng",
            "use rng.uniform(...), not np.random.uniform(...): a search must be repeatable",
        )
    v.ok()
    v.done()


@_keeps_random_state
def check_keep_best(fn):
    """Check ``fn(results, k, metric) -> DataFrame``: the ``k`` best finished trials (status
    ``"ok"``, finite metric) of a search's results, lowest ``metric`` first, whichever column
    ``metric`` names, leaving ``results`` unchanged."""
    import pandas as pd

    v = _Verdict("keep_best")
    results = pd.DataFrame(
        {
            "learning_rate": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2],
            "fid": [210.0, 120.0, 95.0, 150.0, np.nan, 40.0],
            "status": ["ok", "ok", "ok", "ok", "diverged", "diverged"],
        },
        index=pd.RangeIndex(6, name="trial"),
    )
    before = results.copy()
    got = _call(v, fn, results, 2, "fid", what="six trials, two diverged")
    if not isinstance(got, pd.DataFrame):
        v.fail("the best 2 of six trials", "a DataFrame of rows", type(got).__name__)
    v.ok()
    trials = list(got.index)
    if trials != [2, 1]:
        mistake = "keep rows with status 'ok', sort by the metric ascending, take the first k"
        if 5 in trials:
            mistake = (
                "trial 5 diverged (its FID was measured before the NaN): keep status 'ok' only"
            )
        elif trials == [0, 3]:
            mistake = "sorted the wrong way: a lower FID is better (ascending)"
        elif len(trials) != 2:
            mistake = f"returned {len(trials)} rows: take exactly k"
        v.fail("the best 2 of six trials (trial index)", [2, 1], trials, mistake)
    v.ok()
    all_ok = _call(v, fn, results.copy(), 10, "fid", what="k larger than the finished trials")
    if list(all_ok.index) != [2, 1, 3, 0]:
        v.fail(
            "k = 10 with four finished trials",
            [2, 1, 3, 0],
            list(all_ok.index),
            "return every finished trial when k exceeds their number, none of the diverged",
        )
    v.ok()
    # Another metric: a lower KID is better too, and it ranks the finished trials 3, 0, 2, 1.
    with_kid = before.assign(kid=[0.05, 0.09, 0.08, 0.01, np.nan, 0.005])
    by_kid = _call(v, fn, with_kid, 2, "kid", what="metric='kid'")
    if list(getattr(by_kid, "index", [])) != [3, 0]:
        mistake = "rank by the column named by the metric argument"
        if list(getattr(by_kid, "index", [])) == [2, 1]:
            mistake = "ranked by 'fid' whatever the metric argument says: use results[metric]"
        v.fail(
            "the best 2 by metric='kid' (a table with fid and kid columns)",
            [3, 0],
            list(getattr(by_kid, "index", [])),
            mistake,
        )
    v.ok()
    try:
        pd.testing.assert_frame_equal(results, before)
    except AssertionError:
        v.fail("the results table after the call", "unchanged", "modified", "sort a copy")
    v.ok()
    v.done()


# --------------------------------------------------------------------------- data handling
@_keeps_random_state
def check_normalisation(normalise, denormalise):
    """Check ``normalise(pixels, max_value) -> float32 in [-1, 1]`` (0 -> -1, max_value -> 1)
    and ``denormalise(images, max_value)``, its inverse clipped to [0, max_value], for uint8 and
    float pixels and for max_value 255 and 16."""
    v = _Verdict("normalisation")
    pixels = np.array([[0, 51, 127, 200, 255]], dtype=np.uint8)
    expected = pixels.astype("float64") / 127.5 - 1.0
    got = _call(v, normalise, pixels.copy(), 255, what="uint8 pixels 0..255")
    arr = np.asarray(got)
    if arr.shape != pixels.shape:
        v.fail("uint8 pixels [0, 51, 127, 200, 255]", f"shape {pixels.shape}", f"shape {arr.shape}")
    v.ok()
    if not np.allclose(arr.astype("float64"), expected, atol=1e-6):
        mistake = "x / (max_value / 2) - 1 maps 0 -> -1 and max_value -> 1"
        if np.allclose(arr, pixels / 255.0, atol=1e-6):
            mistake = "that is [0, 1]: a tanh generator makes [-1, 1]; subtract 1 after x / 127.5"
        elif np.allclose(arr, (pixels * np.uint8(2)) / 255.0 - 1.0, atol=1e-6):
            mistake = "uint8 arithmetic wrapped around: convert to float32 before multiplying"
        v.fail("uint8 pixels [0, 51, 127, 200, 255]", expected, arr, mistake)
    v.ok()
    if arr.dtype != np.float32:
        v.fail(
            "the dtype of normalised images",
            "float32 (what Keras layers compute in)",
            str(arr.dtype),
            "float64 doubles memory and gets cast anyway: .astype('float32')",
        )
    v.ok()
    sixteen = np.array([0.0, 8.0, 16.0])
    got16 = _call_array(v, normalise, sixteen, 16, what="digits pixels 0..16")
    if not np.allclose(got16, [-1.0, 0.0, 1.0], atol=1e-6):
        v.fail(
            "scikit-learn digits pixels [0, 8, 16] with max_value=16",
            [-1.0, 0.0, 1.0],
            got16,
            "use max_value, not a hard-coded 255",
        )
    v.ok()
    back = np.asarray(_call(v, denormalise, expected.astype("float32"), 255, what="[-1, 1]"))
    if not np.allclose(np.asarray(back, "float64"), pixels.astype("float64"), atol=1e-3):
        v.fail(
            "denormalise(normalise(pixels)) for pixels [0, 51, 127, 200, 255]",
            pixels.astype("float64"),
            np.asarray(back, "float64"),
            "invert both steps: (x + 1) * max_value / 2",
        )
    v.ok()
    stray = np.asarray(
        _call(v, denormalise, np.array([-1.2, 1.3], "float32"), 255, what="values outside [-1, 1]"),
        "float64",
    )
    if not np.allclose(stray, [0.0, 255.0], atol=1e-3):
        v.fail(
            "a generator's stray values [-1.2, 1.3]",
            [0.0, 255.0],
            stray,
            "clip to [0, max_value]: pixels cannot be negative or above the maximum",
        )
    v.ok()
    images = np.array([-1.2, -1.0, 0.0, 1.0, 1.3], "float32")
    got16 = _call_array(v, denormalise, images, 16, what="max_value=16")
    if not np.allclose(got16, [0.0, 0.0, 8.0, 16.0, 16.0], atol=1e-3):
        mistake = "(x + 1) * max_value / 2, clipped to [0, max_value]"
        if np.allclose(got16, np.clip((images + 1.0) * 127.5, 0, 255), atol=1e-3):
            mistake = "denormalise ignores max_value: use it, not a hard-coded 255 (or 127.5)"
        elif got16.max() > 16.0 + 1e-3:
            mistake = "clip to [0, max_value], not to a hard-coded [0, 255]"
        v.fail(
            "denormalise([-1.2, -1, 0, 1, 1.3], max_value=16), scikit-learn digits' range",
            [0.0, 0.0, 8.0, 16.0, 16.0],
            got16,
            mistake,
        )
    v.ok()
    v.done()


@_keeps_random_state
def check_balanced_indices(fn):
    """Check ``fn(labels, n, rng) -> int array``: ``n`` row indices drawn (with replacement) so
    that every class appears equally often in expectation, whatever the class sizes, classes
    mixed (not in blocks), drawn from ``rng`` (same seed, same indices; another seed, others)."""
    v = _Verdict("balanced_indices")
    labels = np.repeat(np.arange(4), [400, 100, 40, 10])  # classes 0..3, 10:1 imbalance
    n = 8000
    got = np.asarray(_call(v, fn, labels.copy(), n, np.random.default_rng(0), what="4 classes"))
    if got.shape != (n,) or not np.issubdtype(got.dtype, np.integer):
        v.fail(
            "8,000 indices into 550 labels",
            f"an integer array of shape ({n},)",
            f"{got.dtype} array of shape {got.shape}",
            "return row indices (integers), one per draw",
        )
    v.ok()
    if got.min() < 0 or got.max() >= len(labels):
        v.fail("every index a row of labels", "in [0, 550)", f"[{got.min()}, {got.max()}]")
    v.ok()
    shares = np.bincount(labels[got], minlength=4) / n
    if not np.allclose(shares, 0.25, atol=0.03):
        mistake = "pick a class uniformly, then a row of that class uniformly"
        if np.allclose(shares, np.bincount(labels) / len(labels), atol=0.03):
            mistake = (
                "rows drawn uniformly keep the imbalance: weight each row by 1 / its class size"
            )
        elif got.max() < 4:
            mistake = "those look like class labels: return row indices of the chosen rows"
        v.fail("share of each class among the drawn rows", [0.25] * 4, np.round(shares, 3), mistake)
    v.ok()
    head = np.bincount(labels[got[: n // 4]], minlength=4) / (n // 4)
    if not np.allclose(head, 0.25, atol=0.05):
        v.fail(
            "share of each class among the first 2,000 draws",
            [0.25] * 4,
            np.round(head, 3),
            "the classes come in blocks, so a batch cut from the start holds one class: draw"
            " every index from all rows at once (rng.choice with p proportional to 1 / class"
            " size), or shuffle the result with rng.permutation",
        )
    v.ok()
    rare = np.unique(got[labels[got] == 3])
    if len(rare) < 10:
        v.fail(
            "distinct rows drawn from the rarest class (10 rows, about 2,000 draws)",
            "all 10",
            len(rare),
            "draw rows of a class at random, not always its first ones",
        )
    v.ok()
    first = np.asarray(_call(v, fn, labels, 20, np.random.default_rng(5), what="seed 5"))
    second = np.asarray(_call(v, fn, labels, 20, np.random.default_rng(5), what="seed 5 again"))
    if not np.array_equal(first, second):
        v.fail(
            "two calls with generators of the same seed",
            "the same indices",
            "different indices",
            "draw from rng (rng.choice / rng.integers), not np.random",
        )
    v.ok()
    other = np.asarray(_call(v, fn, labels, 20, np.random.default_rng(6), what="seed 6"))
    if np.array_equal(first, other):
        v.fail(
            "calls with generators of seeds 5 and 6",
            "different indices",
            "the same indices",
            "the rng passed in is ignored (a generator with a fixed seed made inside?): draw"
            " from rng itself",
        )
    v.ok()
    v.done()
