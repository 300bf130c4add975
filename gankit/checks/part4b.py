"""Exercise checks of part 4b, first half: measuring what a GAN buys on data (notebooks 14-15):
notebook 14's paired confidence interval and independent-columns baseline, notebook 15's AUROC and
f-AnoGAN encoder step. Notebooks 16-17 (other kinds of data, responsible use) are
:mod:`gankit.checks.part4c`.

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


__all__ = sorted(name for name in dir() if name.startswith("check_"))
