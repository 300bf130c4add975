"""Exercise checks of part 4b, second half: other kinds of data and responsible use (notebooks
16-17): notebook 16's Gumbel-softmax sample and scores of generated strings, notebook 17's
judge-corrected class shares and provenance pixel hash. Notebooks 14-15 are
:mod:`gankit.checks.part4b`.

Every public ``check_*`` function here is exported by :mod:`gankit.checks` (see ``__all__`` at the
end), so notebooks call ``checks.check_x(...)`` as in the earlier parts.
"""

from __future__ import annotations

import numpy as np

from gankit.checks._common import _call, _call_array, _keeps_random_state, _Verdict

# --------------------------------------------------------------------------- 16 beyond images
_GUMBEL_PROBS = np.array([0.5, 0.3, 0.2])
_GUMBEL_DRAWS = 50_000  # rows in the frequency case: each share within 0.012 (over 5 sd)
_WRONG_NOISE = {  # the usual wrong noises, their argmax shares for _GUMBEL_PROBS, and why
    "-log U": (
        lambda u: -np.log(u),
        "the noise is -log(-log U): -log U alone (exponential noise) favours the likeliest token",
    ),
    "log U": (lambda u: np.log(u), "the noise is -log(-log U), not log U"),
    "log(-log U)": (
        lambda u: np.log(-np.log(u)),
        "the noise is -log(-log U): the outer minus sign is missing",
    ),
    "U": (lambda u: u, "uniform noise does not sample from softmax(logits): use -log(-log U)"),
}


def _gumbel_reference(logits, temperature, rng):
    z = (logits - np.log(-np.log(rng.random(logits.shape)))) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


@_keeps_random_state
def check_gumbel_softmax_sample(fn):
    """Check ``fn(logits, temperature, rng) -> array``: the Gumbel-softmax relaxation of one
    sample per row of ``logits`` (last axis: the vocabulary), in NumPy:
    ``softmax((logits + g) / temperature)`` over the last axis, with Gumbel noise
    ``g = -log(-log U)``, ``U`` uniform on (0, 1) drawn from the NumPy Generator ``rng``. Checked
    by its properties, not by its exact draws (``rng.gumbel`` is as good as ``-log(-log U)``):
    shape, rows that sum to 1, argmax shares equal to ``softmax(logits)``, the temperature's
    effect on the same noise, and one-hot rows as the temperature goes to 0."""
    v = _Verdict("gumbel_softmax_sample")

    def run(logits, temperature, seed, what):
        return _call_array(v, fn, logits, temperature, np.random.default_rng(seed), what=what)

    # 1. shape and rows summing to 1, on a batch of strings: (batch, positions, vocab)
    logits = np.random.default_rng(16).normal(0.0, 2.0, (6, 5, 8))
    what = "logits of shape (6, 5, 8) (6 strings, 5 positions, 8 tokens), temperature 0.5"
    got = run(logits, 0.5, 0, what)
    if got.shape != logits.shape:
        v.fail(
            f"the shape returned on {what}", logits.shape, got.shape, "one row per row of logits"
        )
    v.ok()
    if not np.all(np.isfinite(got)):
        v.fail(
            f"non-finite values on {what}",
            "finite numbers",
            f"{int(np.sum(~np.isfinite(got)))} NaN or inf",
            "subtract each row's maximum before np.exp (the softmax is unchanged by it)",
        )
    sums = got.sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-6) or got.min() < 0:
        mistake = "the softmax is over the last axis, the vocabulary: each row sums to 1"
        if np.allclose(sums, 2.0, atol=1e-6):
            mistake = (
                "divide the logits plus noise by the temperature before the softmax, not the"
                " softmax's output after it"
            )
        elif np.allclose(got.sum(axis=0), 1.0, atol=1e-6) or np.allclose(got.sum(axis=1), 1.0):
            mistake = "softmax over the wrong axis: use axis=-1 (the vocabulary), keepdims=True"
        v.fail(f"the sums of the rows on {what}", np.ones(3), sums.ravel()[:3], mistake)
    v.ok()
    # 2. the Gumbel-max trick: the argmax of each row is a sample from softmax(logits)
    logits = np.tile(np.log(_GUMBEL_PROBS), (_GUMBEL_DRAWS, 1))
    what = f"{_GUMBEL_DRAWS:,} rows of logits log([0.5, 0.3, 0.2]), temperature 1"
    got = run(logits, 1.0, 1, what)
    shares = np.bincount(got.argmax(axis=-1), minlength=3) / _GUMBEL_DRAWS
    if not np.allclose(shares, _GUMBEL_PROBS, atol=0.012):
        u = np.random.default_rng(2).random((200_000, 3))
        mistake = (
            "the argmax of logits + g is a sample from softmax(logits) only for g = -log(-log U)"
        )
        if shares[0] > 0.999:
            mistake = (
                "add Gumbel noise before the softmax: without it every row picks the same token"
            )
        for noise, message in _WRONG_NOISE.values():
            wrong = np.bincount((np.log(_GUMBEL_PROBS) + noise(u)).argmax(1), minlength=3) / len(u)
            if np.allclose(shares, wrong, atol=0.012):
                mistake = message
        v.fail(
            f"how often each token is the row's argmax, over {what}", _GUMBEL_PROBS, shares, mistake
        )
    v.ok()
    # 3. the same rng gives the same sample, and the temperature scales the same noise
    logits = np.random.default_rng(17).normal(0.0, 1.0, (200, 5))
    what = "logits (200, 5), the same rng seed, temperatures 1 and 2"
    warm, again, hot = (
        run(logits, 1.0, 3, what),
        run(logits, 1.0, 3, what),
        run(logits, 2.0, 3, what),
    )
    if not np.allclose(warm, again):
        v.fail(
            f"two calls with equal rngs ({what})",
            "the same rows",
            "different rows",
            "draw the noise from the rng argument (rng.random or rng.gumbel), not np.random",
        )
    v.ok()
    log_warm, log_hot = np.log(warm), np.log(hot)
    centred_warm = log_warm - log_warm.mean(axis=-1, keepdims=True)
    centred_hot = log_hot - log_hot.mean(axis=-1, keepdims=True)
    slope = float(np.sum(centred_warm * centred_hot) / np.sum(centred_warm**2))
    if not np.allclose(centred_hot, centred_warm / 2, atol=1e-6):
        mistake = (
            "softmax((logits + g) / temperature): the log-ratios of a row scale as 1/temperature"
        )
        if np.isclose(slope, 1.0, atol=1e-3):
            mistake = "the temperature is ignored: divide logits + g by it"
        elif np.isclose(slope, 2.0, atol=1e-3):
            mistake = "divide by the temperature, do not multiply"
        v.fail(
            f"log(row / row's geometric mean) at temperature 2 over that at 1 ({what})",
            0.5,
            slope,
            mistake,
        )
    v.ok()
    # 4. as the temperature goes to 0 the rows become one-hot: the argmax with the same noise
    what = "the same logits and rng seed at temperature 0.001"
    cold = run(logits, 1e-3, 3, what)
    if not np.all(np.isfinite(cold)):
        v.fail(
            f"non-finite values on {what}",
            "finite numbers",
            f"{int(np.sum(~np.isfinite(cold)))} NaN or inf",
            "(logits + g) / 0.001 overflows np.exp: subtract each row's maximum before np.exp",
        )
    same = cold.argmax(axis=-1) == warm.argmax(axis=-1)
    if not (same.all() and cold.max(axis=-1).mean() > 0.99):
        v.fail(
            f"the rows on {what}",
            "one-hot rows (mean largest entry > 0.99) at the argmax of the temperature-1 rows",
            f"mean largest entry {cold.max(axis=-1).mean():.4f}, {int((~same).sum())} rows"
            " with another argmax",
            "divide logits + g by the temperature before the softmax",
        )
    v.ok()
    v.done()


def _string_cases():
    from gankit.sequences import grammar

    rng = np.random.default_rng(16)
    strings = grammar.grammar_strings(5)
    train = list(rng.choice(strings, 60, replace=False))
    junk = ["", "1+", "((", "12", "+*", "3)", "(1+2"]
    mixed = list(rng.choice(strings, 150)) + list(rng.choice(train, 100)) + junk * 20
    return [
        (
            "by hand: samples ['1+2', '1+2', '3*', '+', '2', '(3)'], train ['2', '3'], is_valid",
            ["1+2", "1+2", "3*", "+", "2", "(3)"],
            ["2", "3"],
            grammar.is_valid,
        ),
        (
            "a collapsed generator: 50 times the new string '1*3', train ['1', '2']",
            ["1*3"] * 50,
            ["1", "2"],
            grammar.is_valid,
        ),
        (
            "400 samples: grammar strings, training strings and invalid ones, is_valid",
            [str(s) for s in rng.permutation(mixed)],
            [str(s) for s in train],
            grammar.is_valid,
        ),
        (
            "nothing valid: samples ['1+', '((', '3)'], train ['1']",
            ["1+", "((", "3)"],
            ["1"],
            grammar.is_valid,
        ),
        (
            "another valid_fn: a string is valid when it is all digits; samples ['12', '12', 'ab',"
            " '7', '1+1'], train ['7']",
            ["12", "12", "ab", "7", "1+1"],
            ["7"],
            str.isdigit,
        ),
    ]


def _string_reference(samples, train, valid_fn):
    valid = [s for s in samples if valid_fn(s)]
    novelty = float(np.mean([s not in set(train) for s in valid])) if valid else float("nan")
    return len(valid) / len(samples), novelty, len(set(valid)) / len(samples)


def check_string_scores(fn):
    """Check ``fn(samples, train_strings, valid_fn) -> (share_valid, novelty, diversity)`` for a
    list of generated strings: the share of samples ``valid_fn`` accepts; among the *valid*
    samples (repeats included), the share not in ``train_strings``, NaN when none is valid; and
    the number of *distinct* valid strings per sample (1: every sample a different valid
    string; ``1/n``: one string repeated). :func:`gankit.sequences.token_metrics` computes the
    same three."""
    v = _Verdict("string_scores")
    names = ("share_valid", "novelty", "diversity")
    for what, samples, train, valid_fn in _string_cases():
        got = _call_array(v, fn, list(samples), list(train), valid_fn, what=what)
        expected = np.array(_string_reference(samples, train, valid_fn))
        if got.shape != (3,):
            v.fail(
                f"returned shape {got.shape} on {what}",
                "three numbers (share_valid, novelty, diversity)",
                got,
                "return share_valid, novelty, diversity",
            )
        if np.allclose(got, expected, atol=1e-9, equal_nan=True):
            v.ok()
            continue
        valid = [s for s in samples if valid_fn(s)]
        train_set = set(train)
        k = int(np.flatnonzero(~np.isclose(got, expected, atol=1e-9, equal_nan=True))[0])
        mistake = None
        if k == 0:
            if np.isclose(got[0], len(set(valid)) / len(set(samples)), atol=1e-9):
                mistake = (
                    "share_valid counts every sample, repeats included: len(valid) / len(samples)"
                )
            elif np.isclose(got[0], 1 - expected[0], atol=1e-9):
                mistake = "share_valid is the share valid_fn accepts, not the share it rejects"
        elif k == 1:
            if not valid:
                mistake = "with no valid sample novelty is undefined: return float('nan')"
            elif np.isclose(got[1], np.mean([s not in train_set for s in samples]), atol=1e-9):
                mistake = (
                    "novelty is the share of the *valid* samples not in train_strings: an invalid"
                    " string is not new, only wrong"
                )
            elif np.isclose(got[1], np.mean([s not in train_set for s in set(valid)]), atol=1e-9):
                mistake = (
                    "novelty counts every valid sample, repeats included (diversity is the score"
                    " that counts distinct strings)"
                )
            elif np.isclose(got[1], 1 - expected[1], atol=1e-9):
                mistake = "novelty is the share *not* in train_strings"
            elif np.isclose(
                got[1], sum(s not in train_set for s in valid) / len(samples), atol=1e-9
            ):
                mistake = "divide the new valid samples by the number of valid samples"
        else:
            if np.isclose(got[2], len(valid) / len(samples), atol=1e-9):
                mistake = "diversity counts distinct valid strings: len(set(valid)), not len(valid)"
            elif np.isclose(got[2], len(set(samples)) / len(samples), atol=1e-9):
                mistake = "diversity counts distinct *valid* strings, not every distinct sample"
            elif valid and np.isclose(got[2], len(set(valid)) / len(valid), atol=1e-9):
                mistake = (
                    "divide by the number of samples, not of valid ones: a generator that makes"
                    " one valid string among junk is not diverse"
                )
        v.fail(f"{names[k]} on {what}", round(float(expected[k]), 6), got[k], mistake)
    v.done()


# --------------------------------------------------------------------------- 17 responsible use
def _expected_shares(read_shares, confusion):
    p = np.linalg.solve(np.asarray(confusion, float).T, np.asarray(read_shares, float))
    p = np.clip(p, 0, None)
    return p / p.sum()


def check_corrected_shares(fn):
    """Check ``fn(read_shares, confusion) -> shares``: the class shares of a set of images,
    estimated from the shares a judge *reads* (``read_shares[j]``: share of images the judge calls
    class j) and the judge's confusion matrix on real images (``confusion[i, j]``: probability
    that it reads an image of class i as class j, rows summing to 1). The reads satisfy
    ``read = confusion.T @ true``; the answer solves that, clips negative shares to 0 and
    renormalises to sum 1."""
    v = _Verdict("corrected_shares")
    two = np.array([[0.9, 0.1], [0.2, 0.8]])
    judge = np.full((10, 10), 0.1 / 9) + np.eye(10) * (0.9 - 0.1 / 9)  # right 90 % of the time
    true10 = np.r_[np.full(9, 1 / 9), 0.0]  # class 9 never drawn
    noisy = judge.T @ true10  # the judge's errors alone would read 1.1 % as class 9
    noisy[:9] += (noisy[9] - 0.002) / 9  # this sample happened to read 0.2 %
    noisy[9] = 0.002
    cases = [
        (
            "a perfect judge (identity confusion), shares [0.2, 0.5, 0.3]",
            [0.2, 0.5, 0.3],
            np.eye(3),
            1e-9,
        ),
        (
            "2 classes, true shares [0.3, 0.7], confusion [[0.9, 0.1], [0.2, 0.8]]",
            two.T @ np.array([0.3, 0.7]),
            two,
            1e-6,
        ),
        (
            "10 classes, a 90 %-right judge, class 9 never drawn and read less often than the"
            " judge's errors alone predict",
            noisy,
            judge,
            2e-3,
        ),
    ]
    for what, read, confusion, tol in cases:
        read = np.asarray(read, float)
        expected = _expected_shares(read, confusion)
        got = _call_array(v, fn, read.copy(), np.asarray(confusion, float).copy(), what=what)
        if got.shape != expected.shape:
            v.fail(f"shape on {what}", expected.shape, got.shape, "one share per class")
        if (got < -1e-9).any():
            v.fail(
                what,
                expected,
                got,
                "a share cannot be negative: clip the solution at 0, then renormalise",
            )
        if not np.isclose(got.sum(), 1, atol=1e-6):
            v.fail(
                f"sum of the shares on {what}",
                1.0,
                float(got.sum()),
                "the shares must sum to 1: renormalise after clipping",
            )
        if np.allclose(got, expected, atol=tol):
            v.ok()
            continue
        mistake = None
        if np.allclose(got, read, atol=1e-6):
            mistake = "the reads are returned unchanged: undo the judge's confusion"
        elif np.allclose(got, np.linalg.solve(np.asarray(confusion), read), atol=1e-6) or (
            np.allclose(got, _expected_shares(read, np.asarray(confusion).T), atol=1e-6)
        ):
            mistake = (
                "read[j] = sum over i of true[i] * confusion[i, j], i.e. confusion.T @ true:"
                " solve with the transpose"
            )
        v.fail(what, expected, got, mistake)
    v.done()


def _provenance_files(folder):
    """A tagged PNG, the same with one pixel edited (record kept), stripped, and another picture
    carrying the first one's record."""
    from gankit import provenance

    image = np.linspace(-1, 1, 64, dtype="float32").reshape(8, 8)
    tagged = provenance.save_png(folder / "tagged.png", image, generator="check", seed=1)
    edited = provenance.tamper(
        tagged,
        folder / "edited.png",
        edit_pixels=lambda p: p + (np.arange(p.size) == 9).reshape(p.shape),
    )
    stripped = provenance.strip_metadata(tagged, folder / "stripped.png")
    other = provenance.save_png(folder / "other.png", -image, generator="check")
    swapped = provenance.tamper(
        other, folder / "swapped.png", record=provenance.read_provenance(tagged)
    )
    return [
        ("a tagged PNG, untouched", tagged, True),
        ("the same PNG with one pixel raised by one level, its record kept", edited, False),
        ("another picture carrying the first one's record (copied over)", swapped, False),
        ("the same pixels with the metadata stripped (no record)", stripped, None),
    ]


@_keeps_random_state  # tempfile draws its folder names from Python's random stream
def check_pixels_match(fn):
    """Check ``fn(path) -> True | False | None``: whether the 8-bit pixels of the PNG ``path``
    still have the SHA-256 its gankit provenance record holds (``record["pixel_sha256"]``, the
    hash of ``np.asarray(Image.open(path)).tobytes()``); ``None`` when the file has no record."""
    import hashlib
    import tempfile
    from pathlib import Path

    v = _Verdict("pixels_match")
    with tempfile.TemporaryDirectory() as folder:
        for what, path, expected in _provenance_files(Path(folder)):
            got = _call(v, fn, str(path), what=what)
            if got is not None and not isinstance(got, bool | np.bool_):
                v.fail(
                    f"returned {type(got).__name__} on {what}",
                    "True, False or None",
                    repr(got)[:60],
                    "return the comparison (a bool), or None without a record",
                )
            if got is expected or (
                expected is not None
                and got is not None
                and bool(got) == expected
                and isinstance(got, bool | np.bool_)
            ):
                v.ok()
                continue
            mistake = None
            if expected is None:
                mistake = (
                    "no record means nothing to compare: return None (a missing record proves"
                    " neither that the image is real nor that it was edited)"
                )
            elif got is None:
                mistake = "this file has a record: read it with provenance.read_provenance(path)"
            elif expected is False:
                mistake = (
                    "a record is only a claim: recompute the SHA-256 of the pixels as they are now"
                    " and compare it with record['pixel_sha256']"
                )
            elif expected is True:
                file_hash = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                mistake = (
                    "hash the decoded 8-bit pixels, np.asarray(Image.open(path)).tobytes(), not"
                    " the file's bytes (they include the record itself) nor float pixels"
                    f" (the file's own hash here is {file_hash[:12]}...)"
                )
            v.fail(what, expected, got, mistake)
    v.done()


__all__ = sorted(name for name in dir() if name.startswith("check_"))
