"""Feeding sequences to a trainer: a ``tf.data`` pipeline for arrays of any shape, and a fixed
number of training steps. Part of :mod:`gankit.sequences`."""

from __future__ import annotations

import math
import time

import numpy as np

from gankit import data
from gankit.validation import _numeric_array, check_count


def sequence_dataset(x, batch_size=64, seed=0):
    """A shuffled, endless ``tf.data`` pipeline of batches of ``x``, any array whose first axis
    is the samples (signals ``(n, length, 1)``, token ids ``(n, max_len)``): cache, shuffle anew
    each pass (seeded), batch with ``drop_remainder``, repeat, prefetch. Floats become float32,
    integers int32. :func:`gankit.data.make_dataset` does the same for images and 2-D points and
    refuses other shapes; an endless stream suits training by steps (:func:`fit_steps`)."""
    import tensorflow as tf

    x = _numeric_array(x, "x")
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"x: expected an array of samples (n, ...), got shape {x.shape}")
    batch_size = check_count(batch_size, "batch_size")
    if batch_size > len(x):
        raise ValueError(f"batch_size: {batch_size} is larger than the {len(x)} samples")
    seed = check_count(seed, "seed", minimum=0)
    if np.issubdtype(x.dtype, np.floating):
        if not np.all(np.isfinite(x)):
            raise ValueError("x: contains NaN or infinite values")
        x = x.astype(np.float32)
    else:
        x = x.astype(np.int32)
    ds = tf.data.Dataset.from_tensor_slices(x).cache()
    ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return data.prefetched(ds.batch(batch_size, drop_remainder=True).repeat())


def fit_steps(trainer, x, steps, batch_size=64, seed=0, chunks=10):
    """Train a compiled ``trainer`` for ``steps`` generator updates on ``x`` (through
    :func:`sequence_dataset`), in ``chunks`` Keras epochs of ``ceil(steps / chunks)`` steps each
    (a few more than ``steps`` when ``chunks`` does not divide it), so History has ``chunks``
    rows. Returns ``(history, seconds)``: Keras' History dict and the
    wall time of the training, XLA compilation included."""
    steps = check_count(steps, "steps")
    chunks = min(check_count(chunks, "chunks"), steps)
    ds = sequence_dataset(x, batch_size, seed)
    start = time.perf_counter()
    history = trainer.fit(ds, steps_per_epoch=math.ceil(steps / chunks), epochs=chunks, verbose=0)
    return history.history, time.perf_counter() - start


def compile_pair(gan, cfg):
    """Compile a sequence trainer the way both recipes do: one Adam per network with the same
    ``learning_rate`` and ``beta_1`` from ``cfg``, XLA on, ``steps_per_execution`` steps per
    call (each checked, one-line errors). Returns ``(gan, cfg)``."""
    import keras

    from gankit.validation import check_positive

    rate = check_positive(cfg["learning_rate"], "learning_rate")
    gan.compile(
        keras.optimizers.Adam(rate, cfg["beta_1"]),
        keras.optimizers.Adam(rate, cfg["beta_1"]),
        jit_compile=True,
        steps_per_execution=check_count(cfg["steps_per_execution"], "steps_per_execution"),
    )
    return gan, cfg
