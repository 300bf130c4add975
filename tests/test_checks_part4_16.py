"""Notebook 16's exercise checks (beyond images): each passes the reference answer and fails,
with the intended message, on the answers a learner is likely to write by mistake."""

import numpy as np
import pytest
from scipy.special import softmax

from gankit import checks, sequences


def gumbel_softmax_sample(logits, temperature, rng):
    g = -np.log(-np.log(rng.random(np.shape(logits))))
    z = (logits + g) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def _with_numpy_gumbel(logits, temperature, rng):
    return softmax((logits + rng.gumbel(size=np.shape(logits))) / temperature, axis=-1)


def test_gumbel_softmax_sample_passes_the_reference_and_rng_gumbel(capsys):
    checks.check_gumbel_softmax_sample(gumbel_softmax_sample)
    checks.check_gumbel_softmax_sample(_with_numpy_gumbel)
    assert capsys.readouterr().out == "✓ gumbel_softmax_sample: all 6 checks passed\n" * 2


def _gumbel(noise=None, after=False, tau=True, axis=-1, stable=True, times=False, global_rng=False):
    def answer(logits, temperature, rng):
        u = (np.random.random if global_rng else rng.random)(np.shape(logits))
        g = -np.log(-np.log(u)) if noise is None else noise(u)
        z = logits + g
        if tau and not after:
            z = z * temperature if times else z / temperature
        if stable:
            z = z - z.max(axis=axis, keepdims=True)
        y = np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True)
        return y / temperature if after else y

    return answer


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_gumbel(noise=lambda u: -np.log(u)), "-log U alone"),
        (_gumbel(noise=np.log), "not log U"),
        (_gumbel(noise=lambda u: np.log(-np.log(u))), "outer minus sign"),
        (_gumbel(noise=lambda u: u), "uniform noise"),
        (_gumbel(noise=lambda u: 0 * u), "add Gumbel noise"),
        (_gumbel(after=True), "before the softmax, not the softmax's output"),
        (_gumbel(tau=False), "temperature is ignored"),
        (_gumbel(times=True), "do not multiply"),
        (_gumbel(axis=0), "wrong axis"),
        (_gumbel(stable=False), "subtract each row's maximum"),
        (_gumbel(global_rng=True), "from the rng argument"),
        (lambda logits, t, rng: logits[..., 0], "one row per row of logits"),
    ],
)
def test_gumbel_softmax_sample_fails_on_the_usual_mistakes(fn, message):
    with pytest.raises(AssertionError, match="gumbel_softmax_sample") as caught:
        checks.check_gumbel_softmax_sample(fn)
    assert message in str(caught.value)


def string_scores(samples, train_strings, valid_fn):
    valid = [s for s in samples if valid_fn(s)]
    train = set(train_strings)
    novelty = sum(s not in train for s in valid) / len(valid) if valid else float("nan")
    return len(valid) / len(samples), novelty, len(set(valid)) / len(samples)


def _library(samples, train_strings, valid_fn):
    m = sequences.token_metrics(samples, train_strings, valid_fn, features={})
    return m["share_valid"], m["novelty"], m["diversity"]


def test_string_scores_passes_the_reference_and_the_library(capsys):
    checks.check_string_scores(string_scores)
    checks.check_string_scores(_library)
    assert capsys.readouterr().out == "✓ string_scores: all 5 checks passed\n" * 2


def _scores(novelty_over="valid", novelty_set=False, diversity="set_valid", divide_by="samples"):
    def answer(samples, train_strings, valid_fn):
        valid = [s for s in samples if valid_fn(s)]
        train = set(train_strings)
        pool = {"valid": valid, "all": samples}[novelty_over]
        pool = list(set(pool)) if novelty_set else pool
        novelty = sum(s not in train for s in pool) / len(pool)
        if divide_by == "samples_novelty":
            novelty = sum(s not in train for s in valid) / len(samples)
        distinct = {"set_valid": len(set(valid)), "valid": len(valid), "set_all": len(set(samples))}
        denominator = len(valid) if divide_by == "valid" else len(samples)
        return len(valid) / len(samples), novelty, distinct[diversity] / denominator

    return answer


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_scores(novelty_over="all"), "share of the *valid* samples"),
        (_scores(novelty_set=True), "repeats included"),
        (_scores(divide_by="samples_novelty"), "by the number of valid samples"),
        (_scores(diversity="valid"), "len(set(valid)), not len(valid)"),
        (_scores(diversity="set_all"), "not every distinct sample"),
        (_scores(divide_by="valid"), "divide by the number of samples, not of valid ones"),
        (
            lambda s, t, f: (1 - sum(map(f, s)) / len(s), 0.5, 0.5),
            "not the share it rejects",
        ),
        (lambda s, t, f: (1.0, 1.0), "three numbers"),
    ],
)
def test_string_scores_fails_on_the_usual_mistakes(fn, message):
    with pytest.raises(AssertionError, match="string_scores") as caught:
        checks.check_string_scores(fn)
    assert message in str(caught.value)


def test_string_scores_wants_nan_when_nothing_is_valid():
    def zero(samples, train_strings, valid_fn):
        share, novelty, diversity = string_scores(samples, train_strings, valid_fn)
        return share, 0.0 if np.isnan(novelty) else novelty, diversity

    with pytest.raises(AssertionError, match="return float\\('nan'\\)"):
        checks.check_string_scores(zero)
