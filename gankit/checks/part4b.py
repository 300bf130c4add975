"""Exercise checks of part 4b, applications beyond making pictures (notebooks 14-17): notebook
14's paired confidence interval and independent-columns baseline, notebook 15's AUROC and f-AnoGAN
encoder step, notebook 16's Gumbel-softmax sample and scores of generated strings, notebook 17's
judge-corrected class shares and provenance pixel hash.

Every public ``check_*`` function here is exported by :mod:`gankit.checks` (see ``__all__`` at the
end), so notebooks call ``checks.check_x(...)`` as in the earlier parts.
"""

from __future__ import annotations

import numpy as np

from gankit.checks._common import _call, _call_array, _keeps_random_state, _Verdict


# --------------------------------------------------------------------------- 14 data augmentation
def _t_interval(differences, confidence):
    from scipy import stats

    d = np.asarray(differences, dtype="float64")
    mean = float(d.mean())
    if len(d) < 2 or d.std(ddof=1) == 0:
        return mean, mean, mean
    low, high = stats.t.interval(confidence, len(d) - 1, loc=mean, scale=stats.sem(d))
    return mean, float(low), float(high)


def check_paired_interval(fn):
    """Check ``fn(with_, without, confidence=0.95) -> (mean, low, high)``: the mean of the paired
    differences ``with_[i] - without[i]`` (one pair per seed) and Student's t confidence interval
    around it, ``mean +- t(1 - (1 - confidence) / 2, n - 1) * s / sqrt(n)`` with ``s`` the
    differences' sample standard deviation (``ddof=1``)."""
    from scipy import stats

    v = _Verdict("paired_interval")
    rng = np.random.default_rng(14)
    without5 = np.array([0.80, 0.85, 0.78, 0.90, 0.83])
    cases = [
        (
            "3 seeds, by hand: with [0.9, 0.8, 0.85], without [0.85, 0.8, 0.8]",
            [0.9, 0.8, 0.85],
            [0.85, 0.8, 0.8],
            0.95,
        ),
        (
            "5 seeds, a steady gain on scores that vary a lot from seed to seed",
            without5 + np.array([0.02, 0.03, 0.025, 0.02, 0.035]),
            without5,
            0.95,
        ),
        (
            "10 seeds, no gain on average",
            rng.normal(0.8, 0.05, 10),
            rng.normal(0.8, 0.05, 10),
            0.95,
        ),
        (
            "the same 5 seeds at confidence=0.9",
            without5 + np.array([0.02, 0.03, 0.025, 0.02, 0.035]),
            without5,
            0.9,
        ),
    ]
    for what, with_, without, confidence in cases:
        with_, without = np.asarray(with_, dtype="float64"), np.asarray(without, dtype="float64")
        d = with_ - without
        expected = np.array(_t_interval(d, confidence))
        args = (with_, without) if confidence == 0.95 else (with_, without, confidence)
        got = _call_array(v, fn, *args, what=what)
        if got.shape != (3,):
            v.fail(
                f"returned shape {got.shape} on {what}",
                "three numbers (mean, low, high)",
                got,
                "return mean, low, high",
            )
        if np.allclose(got, expected, atol=1e-6):
            v.ok()
            continue
        n, mean, s = len(d), d.mean(), d.std(ddof=1)
        half = expected[2] - expected[1]
        got_half = got[2] - got[1]
        mistake = None
        z = stats.norm.ppf(1 - (1 - confidence) / 2)
        t95 = stats.t.ppf(0.975, n - 1)
        welch = stats.ttest_ind(with_, without, equal_var=False).confidence_interval(confidence)
        if np.isclose(got[0], -mean, atol=1e-6):
            mistake = "the difference is with_ minus without (a gain is positive)"
        elif not np.isclose(got[0], mean, atol=1e-6):
            mistake = "the centre is the mean of the paired differences with_[i] - without[i]"
        elif np.isclose(got_half, 2 * z * s / np.sqrt(n), atol=1e-6):
            mistake = (
                f"with {n} seeds the normal quantile {z:.2f} is too small: use Student's t with"
                " n - 1 degrees of freedom (scipy.stats.t.ppf)"
            )
        elif np.isclose(got_half, 2 * t95 * s / np.sqrt(n), atol=1e-6) and confidence != 0.95:
            mistake = "the interval ignores the confidence argument"
        elif np.isclose(
            got_half,
            2 * stats.t.ppf(1 - (1 - confidence) / 2, n - 1) * d.std() / np.sqrt(n),
            atol=1e-6,
        ):
            mistake = "the sample standard deviation divides by n - 1: np.std(d, ddof=1)"
        elif np.isclose(got_half, 2 * stats.t.ppf(1 - (1 - confidence) / 2, n - 1) * s, atol=1e-6):
            mistake = "the standard error of a mean is s / sqrt(n), not s"
        elif np.isclose(got_half, half / 2, atol=1e-6) or np.isclose(got_half, 2 * half, atol=1e-6):
            mistake = "low and high are mean -/+ the half-width, not the full width"
        elif np.allclose(got[1:], [welch.low, welch.high], atol=1e-6) or (got_half > 3 * half):
            mistake = (
                "the pairs share a seed: take the differences first and build the interval on"
                " them (an interval for two independent samples is far wider here)"
            )
        v.fail(what, expected, got, mistake)
    v.done()


def _independence_frame():
    """A table whose columns are strongly linked: b copies a, c is a category that follows a,
    d is an integer with holes."""
    import pandas as pd

    a = np.arange(200, dtype="float64") / 10
    return pd.DataFrame(
        {
            "a": a,
            "b": a.copy(),
            "c": pd.Categorical(
                np.where(a < 10, "low", "high"), categories=["low", "high", "none"]
            ),
            "d": pd.array(np.where(np.arange(200) % 4 == 0, None, np.arange(200)), dtype="Int64"),
        }
    )


@_keeps_random_state
def check_independent_columns(fn):
    """Check ``fn(df, n, seed) -> DataFrame``: ``n`` rows whose every column is drawn, with
    replacement, from the same column of ``df`` on its own: each column keeps its values, its
    dtype and how often it is missing; the links between columns are gone; the same seed gives
    the same rows."""
    import pandas as pd

    v = _Verdict("independent_columns")
    df = _independence_frame()
    original = df.copy()
    for n in (500, 50):
        what = f"a 200-row table with 4 linked columns, n={n}"
        got = _call(v, fn, df, n, 0, what=what)
        if not isinstance(got, pd.DataFrame):
            v.fail(f"returned {type(got).__name__} on {what}", "a pandas DataFrame", repr(got)[:80])
        if not df.equals(original):
            v.fail(
                f"changed its input on {what}",
                "df untouched",
                "df modified",
                "work on copies: the baseline must not edit the real table",
            )
        if len(got) != n:
            v.fail(
                f"number of rows on {what}",
                n,
                len(got),
                "draw n values per column, with replacement (n may exceed the table's rows)",
            )
        if list(got.columns) != list(df.columns):
            v.fail(
                f"columns on {what}",
                list(df.columns),
                list(got.columns),
                "keep every column, in the table's order",
            )
        for c in df.columns:
            if got[c].dtype != df[c].dtype:
                v.fail(
                    f"dtype of column {c!r} on {what}",
                    str(df[c].dtype),
                    str(got[c].dtype),
                    "resample the pandas column itself (Series.sample or .iloc), so integers,"
                    " categories and missing values keep their type",
                )
            values = set(df[c].dropna().tolist())
            extra = set(got[c].dropna().tolist()) - values
            if extra:
                v.fail(
                    f"values of column {c!r} on {what}",
                    "only values found in that column",
                    sorted(extra, key=str)[:3],
                    "draw existing values, do not invent new ones (no noise, no ranges)",
                )
        v.ok()
        share = float((got["a"] == got["b"]).mean())
        if share > 0.2:
            v.fail(
                f"share of rows where b equals a on {what} (b copies a in the real table)",
                "about 1/200: the columns drawn independently",
                share,
                "each column must draw its own rows: resampling whole rows, or giving every column"
                " the same seed (random_state=seed in each .sample call draws the same rows each"
                " time), keeps the links; use one generator, np.random.default_rng(seed), for all",
            )
        v.ok()
    big = _call(v, fn, df, 4000, 1, what="n=4000")
    missing = float(big["d"].isna().mean())
    if not 0.18 < missing < 0.32:
        v.fail(
            "share of missing values of column 'd' (1 in 4 in the real table), n=4000",
            0.25,
            missing,
            "keep the holes: the baseline reproduces how often a column is missing",
        )
    low = float((big["c"] == "low").mean())
    if not 0.44 < low < 0.56:
        v.fail(
            "share of 'low' in column 'c' (half of the real table), n=4000",
            0.5,
            low,
            "draw with equal chances for every row of the column",
        )
    v.ok()
    again, other = _call(v, fn, df, 300, 7, what="seed=7"), _call(v, fn, df, 300, 8, what="seed=8")
    if not again.reset_index(drop=True).equals(
        _call(v, fn, df, 300, 7, what="seed=7 again").reset_index(drop=True)
    ):
        v.fail(
            "the same seed twice",
            "the same rows",
            "different rows",
            "draw from np.random.default_rng(seed), not the global random state",
        )
    if again.reset_index(drop=True).equals(other.reset_index(drop=True)):
        v.fail("seeds 7 and 8", "different rows", "the same rows", "use the seed argument")
    v.ok()
    v.done()


# --------------------------------------------------------------------------- 15 anomaly detection
def check_auroc(fn):
    """Check ``fn(normal_scores, anomaly_scores) -> float``: the area under the ROC curve, i.e. the
    probability that a random anomaly scores higher than a random normal example, ties counting
    one half (the Mann-Whitney statistic divided by the number of pairs)."""
    from sklearn.metrics import roc_auc_score

    from gankit.checks._common import _call, _scalar

    v = _Verdict("auroc")
    rng = np.random.default_rng(15)
    cases = [
        ("by hand: normal [1, 2, 3], anomalies [2.5, 4]", [1.0, 2.0, 3.0], [2.5, 4.0]),
        ("with ties: normal [1, 2, 2, 5], anomalies [2, 3]", [1.0, 2.0, 2.0, 5.0], [2.0, 3.0]),
        ("every anomaly above every normal example", [0.1, 0.2, 0.3], [1.0, 2.0]),
        ("every anomaly below every normal example", [1.0, 2.0], [0.1, 0.2, 0.3]),
        (
            "300 normal and 200 anomaly scores, overlapping, rounded (many ties)",
            np.round(rng.normal(0, 1, 300), 1),
            np.round(rng.normal(0.8, 1, 200), 1),
        ),
    ]
    for what, normal, anomaly in cases:
        normal, anomaly = np.asarray(normal), np.asarray(anomaly)
        labels = np.r_[np.zeros(len(normal)), np.ones(len(anomaly))]
        expected = float(roc_auc_score(labels, np.r_[normal, anomaly]))
        got = _scalar(v, _call(v, fn, normal, anomaly, what=what), what, "an AUROC is in [0, 1]")
        if np.isclose(got, expected, atol=1e-6):
            v.ok()
            continue
        greater = (anomaly[:, None] > normal[None, :]).mean()
        ties = (anomaly[:, None] == normal[None, :]).mean()
        mistake = None
        if np.isclose(got, 1 - expected, atol=1e-6):
            mistake = (
                "the anomalies should score higher: count pairs where the anomaly's score is above"
            )
        elif np.isclose(got, greater, atol=1e-6):
            mistake = "a tie (equal scores) counts one half, not zero"
        elif np.isclose(got, greater + ties, atol=1e-6):
            mistake = "a tie (equal scores) counts one half, not one"
        elif not 0 <= got <= 1:
            mistake = "divide by the number of (normal, anomaly) pairs: len(normal) * len(anomaly)"
        v.fail(what, round(expected, 6), got, mistake)
    v.done()


def _encoder_stubs():
    """Tiny linear E (4 pixels -> 2), G (2 -> 4 pixels) and feature model (4 pixels -> 3) with
    hand-set weights, for 2x2 one-channel images."""
    import keras

    def dense(inputs, units, kernel, reshape=None):
        x = keras.Input(inputs)
        h = keras.layers.Flatten()(x) if len(inputs) > 1 else x
        layer = keras.layers.Dense(units)
        out = layer(h)
        if reshape:
            out = keras.layers.Reshape(reshape)(out)
        model = keras.Model(x, out)
        layer.set_weights([np.asarray(kernel, "float32"), np.zeros(units, "float32")])
        return model

    encoder = dense((2, 2, 1), 2, [[0.5, 0.0], [0.0, 0.5], [0.2, -0.1], [-0.3, 0.4]])
    generator = dense((2,), 4, [[1.0, 0.5, 0.0, -0.5], [0.0, 1.0, 0.5, 0.2]], reshape=(2, 2, 1))
    features = dense((2, 2, 1), 3, np.arange(12).reshape(4, 3) / 10 - 0.5)
    return encoder, generator, features


@_keeps_random_state
def check_encoder_step(trainer_class):
    """Check a ``gankit.anomaly.EncoderTrainer`` subclass whose ``train_step(self, images)`` the
    learner wrote: f-AnoGAN's izi_f loss, the batch mean of the squared pixel difference between
    ``x`` and ``G(E(x))`` plus ``self.kappa`` times the batch mean of the squared difference of
    their features (``self.feature_model``), one update of the encoder's weights only, and the
    trackers' results returned (``self.report(loss=..., residual=..., feature_residual=...)``)."""
    import keras
    import tensorflow as tf

    from gankit.checks._common import _call

    v = _Verdict("encoder_step")
    lr, kappa = 0.1, 0.5
    encoder, generator, features = _encoder_stubs()
    images = np.array([[[1.0, 0.0], [0.0, -1.0]], [[0.5, 0.5], [0.0, 0.0]]], "float32")[..., None]
    x = tf.constant(images)
    with tf.GradientTape() as tape:
        rebuilt = generator(encoder(x))
        pixel = tf.reduce_mean(tf.square(x - rebuilt))
        feature = tf.reduce_mean(tf.square(features(x) - features(rebuilt)))
        loss = pixel + kappa * feature
    grads = tape.gradient(loss, encoder.trainable_weights)
    expected_e = [
        w.numpy() - lr * g.numpy() for w, g in zip(encoder.trainable_weights, grads, strict=True)
    ]
    pixel, feature, loss = float(pixel), float(feature), float(loss)
    frozen = [w.copy() for w in generator.get_weights() + features.get_weights()]
    before = [w.copy() for w in encoder.get_weights()]

    trainer = _call(
        v, trainer_class, encoder, generator, features, kappa, what="building the trainer"
    )
    trainer.compile(optimizer=keras.optimizers.SGD(lr))
    what = "one step on two 2x2 images with linear stub networks, kappa 0.5"
    out = _call(v, trainer.train_step, x, what=what)
    if not isinstance(out, dict) or not {"loss", "residual", "feature_residual"} <= set(out):
        v.fail(
            f"what train_step returned ({what})",
            "the dict of tracker results: loss, residual, feature_residual",
            repr(out)[:80],
            "end with return self.report(loss=..., residual=..., feature_residual=...)",
        )
    got = {
        k: float(keras.ops.convert_to_numpy(out[k]))
        for k in ("loss", "residual", "feature_residual")
    }
    if not np.isclose(got["residual"], pixel, atol=1e-5):
        mistake = "the residual is the mean over the batch and pixels of (x - G(E(x)))**2"
        if np.isclose(got["residual"], pixel * images[0].size, atol=1e-4):
            mistake = "take the mean over pixels, not the sum"
        elif np.isclose(got["residual"], pixel * len(images) * images[0].size, atol=1e-4):
            mistake = "take the mean, not the sum"
        v.fail("the residual reported", round(pixel, 6), got["residual"], mistake)
    v.ok()
    if not np.isclose(got["feature_residual"], feature, atol=1e-5):
        v.fail(
            "the feature residual reported",
            round(feature, 6),
            got["feature_residual"],
            "compare self.feature_model(x) with self.feature_model(G(E(x))): squared, averaged",
        )
    v.ok()
    if not np.isclose(got["loss"], loss, atol=1e-5):
        mistake = None
        if np.isclose(got["loss"], pixel + feature, atol=1e-5):
            mistake = "the feature term is weighted by self.kappa"
        elif np.isclose(got["loss"], kappa * pixel + feature, atol=1e-5):
            mistake = "self.kappa weighs the feature term, not the pixel term"
        elif np.isclose(got["loss"], pixel, atol=1e-5):
            mistake = "the loss leaves out the feature term"
        v.fail("the loss reported", round(loss, 6), got["loss"], mistake)
    v.ok()
    moved = [
        not np.array_equal(a, b)
        for a, b in zip(frozen, generator.get_weights() + features.get_weights(), strict=True)
    ]
    if any(moved):
        v.fail(
            "G's and the feature model's weights after the step",
            "unchanged",
            "changed",
            "only the encoder learns: take the gradients with respect to"
            " self.encoder.trainable_weights and apply them to those",
        )
    v.ok()
    after = encoder.get_weights()
    if all(np.array_equal(a, b) for a, b in zip(after, before, strict=True)):
        v.fail(
            "the encoder's kernel after one SGD step (lr 0.1)",
            np.round(expected_e[0], 5),
            np.round(after[0], 5),
            "the encoder did not move: compute G(E(x)) inside the GradientTape and apply the"
            " gradients with self.optimizer",
        )
    if not all(np.allclose(a, b, atol=1e-5) for a, b in zip(after, expected_e, strict=True)):
        v.fail(
            "the encoder's kernel after one SGD step (lr 0.1)",
            np.round(expected_e[0], 5),
            np.round(after[0], 5),
            "the update does not follow the loss: differentiate the loss you report",
        )
    v.ok()
    v.done()


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
