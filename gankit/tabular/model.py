"""The tabular GAN: :class:`TableGAN`, its generator (:func:`table_generator`, :class:`BlockSoftmax`)
and the baseline :func:`independent_columns`. Part of :mod:`gankit.tabular`."""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import pandas as pd

from gankit import data, gans, layers, models
from gankit.tabular.encoding import TabularEncoder, _check_frame, _check_seed
from gankit.validation import check_count, check_positive

# --------------------------------------------------------------------------- the GAN

# Chosen by measurement (80 % training splits, seeds 0-2, the course's 2-core CPU shared with
# another job). On the penguins, the EMA, 8,000 steps and batches of 64 took the pair-trend error
# from 0.60-0.77 of the independent-columns baseline's (notebook 07's batches of 32, 4,000 steps,
# no EMA) to 0.39-0.46; on iris, wine and diabetes with holes they give 0.30-0.54. Fitting a few
# hundred rows takes about 25 s here. pack=8 and dropout=0.5 measured worse.
TABLE_GAN_DEFAULTS = {
    "mode_specific": True,  # CTGAN's per-mode encoding of numeric columns (False: z-scores)
    "max_modes": 5,  # most Gaussian modes per numeric column
    "latent_dim": 32,
    "g_hidden": (128, 128),
    "d_hidden": (128, 128),
    "dropout": 0.3,  # in D: without it D memorises a few hundred rows (notebook 07)
    "pack": 4,  # PacGAN: D judges packs of 4 rows, which exposes a lack of variety
    "batch_size": 64,  # rounded down to a multiple of pack, and to the rows there are
    "g_learning_rate": 1e-3,
    "d_learning_rate": 1e-3,
    "beta_1": 0.5,
    "ema": 0.99,  # sample from an exponential moving average of G's weights (None: G itself)
    "steps": 8000,  # generator updates when fit() gets neither epochs nor minutes
}


CHUNK_STEPS = 100  # training steps per XLA call; the wall-time budget is checked between calls


def _check_settings(settings):
    unknown = sorted(set(settings) - set(TABLE_GAN_DEFAULTS))
    if unknown:
        raise TypeError(
            f"TableGAN: unknown setting(s) {unknown}; known: {sorted(TABLE_GAN_DEFAULTS)}"
        )
    cfg = {**TABLE_GAN_DEFAULTS, **settings}
    TabularEncoder(cfg["mode_specific"], cfg["max_modes"])  # checks both
    for key in ("latent_dim", "pack", "batch_size", "steps"):
        check_count(cfg[key], key)
    for key in ("g_hidden", "d_hidden"):
        models._check_widths(cfg[key], key)
    models._check_dropout(cfg["dropout"])
    for key in ("g_learning_rate", "d_learning_rate"):
        check_positive(cfg[key], key)
    beta = cfg["beta_1"]
    if isinstance(beta, bool) or not isinstance(beta, int | float) or not 0 <= beta < 1:
        raise ValueError(f"beta_1: expected a number in [0, 1), got {beta!r}")
    if cfg["ema"] is not None and (
        isinstance(cfg["ema"], bool) or not isinstance(cfg["ema"], float) or not 0 < cfg["ema"] < 1
    ):
        raise ValueError(f"ema: expected None or a decay in (0, 1), e.g. 0.99, got {cfg['ema']!r}")
    if cfg["batch_size"] < cfg["pack"]:
        raise ValueError(
            f"batch_size: expected at least pack={cfg['pack']} rows, got {cfg['batch_size']}"
        )
    return cfg


@keras.saving.register_keras_serializable(package="gankit")
class BlockSoftmax(keras.layers.Layer):
    """A softmax over each categorical block of a row; numeric entries pass through unchanged.

    ``blocks`` is a :class:`TabularEncoder`'s ``(name, kind, width)`` list. One layer after one
    ``Dense`` does what :func:`gankit.models.table_generator`'s ``Dense`` per block does, with 2
    weights instead of 2 per block: the penguins make 17 blocks, and XLA then compiles the
    training step in a third of the time (measured: 5 s instead of 15 s on the 2-core CPU)."""

    def __init__(self, blocks, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [(str(name), str(kind), int(width)) for name, kind, width in blocks]

    def call(self, x):
        parts, i = [], 0
        for _, kind, width in self.blocks:
            part = x[:, i : i + width]
            parts.append(keras.ops.softmax(part, axis=-1) if kind == "categorical" else part)
            i += width
        return keras.ops.concatenate(parts, axis=-1)

    def get_config(self):
        return {**super().get_config(), "blocks": self.blocks}


def table_generator(latent_dim, blocks, hidden=(128, 128), name="generator"):
    """An MLP generator for a :class:`TabularEncoder`'s ``blocks``: dense layers with LeakyReLU,
    one linear ``Dense`` to the encoded width, then :class:`BlockSoftmax` (linear numbers, a
    softmax per category, mode and present/missing block). ``ValueError`` for empty or malformed
    ``blocks``."""
    models.check_blocks(blocks, "TabularEncoder")
    z = keras.Input((check_count(latent_dim, "latent_dim"),), name="z")
    h = z
    for width in models._check_widths(hidden):
        h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(width)(h))
    h = keras.layers.Dense(sum(width for _, _, width in blocks), name="row")(h)
    return keras.Model(z, BlockSoftmax(blocks, name="blocks")(h), name=name)


def _seed_weights(model, seed):
    """Redraw ``model``'s initial weights (Glorot-uniform kernels, zero biases: Keras' defaults
    for ``Dense``) and its dropout noise from ``seed``. Keras draws them from a global random
    state; redrawing them here makes the same seed train the same GAN without touching it."""
    for i, layer in enumerate(model.layers):
        if isinstance(layer, keras.layers.Dense):
            init = keras.initializers.GlorotUniform(seed=seed * 1000 + i)
            layer.kernel.assign(init(layer.kernel.shape))
            layer.bias.assign(np.zeros(layer.bias.shape, "float32"))
        if isinstance(layer, keras.layers.Dropout):
            layer.seed_generator.state.assign(
                keras.random.SeedGenerator(seed * 1000 + i).state.value
            )


class _Deadline(keras.callbacks.Callback):
    """Stop ``fit`` after the chunk of steps (a Keras epoch here) in which ``seconds`` since
    ``start`` ran out."""

    def __init__(self, start, seconds):
        super().__init__()
        self.start, self.seconds = start, seconds

    def on_epoch_end(self, epoch, logs=None):
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True


class TableGAN:
    """A GAN that learns a pandas DataFrame of numeric and categorical columns, holes included.

    ``TableGAN(seed=0, **settings).fit(df)`` encodes the table with :class:`TabularEncoder`
    (mode-specific numbers, a learned missing-value block per column with holes: read its
    docstring for both), builds a generator with one output block per encoded block
    (:func:`table_generator`: a softmax over each block of categories, modes or present/missing)
    and the kit's MLP discriminator with dropout, which judges packs of ``pack`` rows (PacGAN),
    and trains them with :class:`gankit.gans.GAN`'s classic non-saturating game under XLA
    (``jit_compile=True``, many steps per call), sampling from an EMA of G's weights.
    ``sample(n, seed)`` draws ``n`` rows as a DataFrame with ``df``'s columns, order, dtypes
    (integers stay integers, ``bool`` stays ``bool``, a ``category`` keeps its categories) and
    NaNs where the generator says "missing"; the same seed gives the same rows.

    ``settings`` override :data:`TABLE_GAN_DEFAULTS` (read it for each one's meaning); the same
    ``seed`` and settings on the same table train the same GAN. What it does not do (CTGAN
    does): condition G on a category to train rare categories more often. Errors are one line:
    ``TypeError`` for an unknown setting, a non-DataFrame or an unsupported column (dates,
    complex numbers, mixed Python objects); ``ValueError`` for a bad setting value, an empty or
    one-row table, fewer rows than ``pack``, an all-missing or infinite column, bad ``epochs``,
    ``minutes`` or ``n``; ``NotFittedError`` (a ``ValueError``) for ``sample`` before ``fit``.
    """

    def __init__(self, seed=0, **settings):
        self.seed = _check_seed(seed)
        self.settings = _check_settings(settings)

    def fit(self, df, epochs=None, minutes=None):
        """Train on ``df`` and return ``self``. Trains ``epochs`` epochs (passes over the rows in
        batches of ``batch_size``, rounded down to a multiple of ``pack``), or until ``minutes``
        of wall time have passed, whichever comes first; with neither, ``settings["steps"]``
        generator updates. Steps run in chunks of about ``CHUNK_STEPS``, one XLA call each
        (``steps_per_execution``), and the clock is read between chunks, so a tiny table does
        not pay Keras' per-epoch overhead thousands of times. Sets ``history_`` (History's
        losses per chunk), ``steps_`` (generator updates run) and ``fit_seconds_``."""
        start = time.perf_counter()
        if epochs is not None:
            epochs = check_count(epochs, "epochs")
        if minutes is not None:
            minutes = check_positive(minutes, "minutes")
        cfg = self.settings
        _check_frame(df, "table", min_rows=2)
        if len(df) < cfg["pack"]:
            raise ValueError(
                f"table: {len(df)} rows are fewer than pack={cfg['pack']}; pass pack={len(df)}"
                " or fewer"
            )
        self.encoder_ = TabularEncoder(cfg["mode_specific"], cfg["max_modes"], self.seed)
        x = self.encoder_.fit_transform(df)
        pack = cfg["pack"]
        batch = min(cfg["batch_size"], len(x)) // pack * pack
        if epochs is not None:
            total = epochs * (len(x) // batch)
        else:
            total = None if minutes is not None else cfg["steps"]
        chunks = 10**9 if total is None else math.ceil(total / CHUNK_STEPS)
        chunk = CHUNK_STEPS if total is None else math.ceil(total / chunks)
        generator = table_generator(cfg["latent_dim"], self.encoder_.blocks, cfg["g_hidden"])
        discriminator = models.mlp_discriminator(
            layers.packed_shape((x.shape[1],), pack), hidden=cfg["d_hidden"], dropout=cfg["dropout"]
        )
        _seed_weights(generator, self.seed)
        _seed_weights(discriminator, self.seed + 1)
        self.gan_ = gans.GAN(generator, discriminator, seed=self.seed, ema=cfg["ema"], pack=pack)
        self.gan_.compile(
            d_optimizer=keras.optimizers.Adam(cfg["d_learning_rate"], beta_1=cfg["beta_1"]),
            g_optimizer=keras.optimizers.Adam(cfg["g_learning_rate"], beta_1=cfg["beta_1"]),
            jit_compile=True,
            steps_per_execution=chunk,
        )
        history = self.gan_.fit(
            data.make_dataset(x, batch_size=batch, seed=self.seed).repeat(),
            epochs=chunks,
            steps_per_epoch=chunk,
            callbacks=[] if minutes is None else [_Deadline(start, 60 * minutes)],
            verbose=0,
        )
        self.history_ = history.history
        self.steps_ = len(history.epoch) * chunk
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def sample(self, n, seed=0):
        """``n`` synthetic rows as a DataFrame shaped like the fitted table (same seed, same
        rows). ``ValueError`` for ``n`` < 1 or a negative seed; ``NotFittedError`` before fit."""
        if not hasattr(self, "gan_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("TableGAN: call fit(df) before sample()")
        n = check_count(n, "n")
        rows = self.gan_.generate(n, seed=_check_seed(seed))
        return self.encoder_.inverse_transform(rows)


def independent_columns(df, n, seed=0):
    """The baseline: ``n`` rows whose every column is drawn on its own, with replacement, from
    the same column of ``df`` (NaNs included). Each column's distribution survives (its dtype
    too); every relation between columns is destroyed. Errors as :class:`TabularEncoder`'s
    ``fit``, and ``ValueError`` for ``n`` < 1."""
    _check_frame(df, "table")
    n = check_count(n, "n")
    rng = np.random.default_rng(_check_seed(seed))
    return pd.DataFrame(
        {c: df[c].sample(n, replace=True, random_state=rng).reset_index(drop=True) for c in df},
        columns=df.columns,
    )
