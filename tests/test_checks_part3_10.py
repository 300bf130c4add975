"""Notebook 10's exercise checks (regularisers): each passes the reference answer and fails, with
the intended message, on the answers a learner is likely to write by mistake."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gankit import checks, losses


# --------------------------------------------------------------------------- 10.1 R1 penalty
def r1(discriminator, real):
    with tf.GradientTape() as tape:
        tape.watch(real)
        total = tf.reduce_sum(discriminator(real, training=True))
    grads = tape.gradient(total, real)
    axes = list(range(1, len(real.shape)))
    return tf.reduce_mean(tf.reduce_sum(tf.square(grads), axis=axes))


def _grads(discriminator, real, reduce=tf.reduce_sum):
    with tf.GradientTape() as tape:
        tape.watch(real)
        total = reduce(discriminator(real, training=True))
    return tape.gradient(total, real)


def _axes(x):
    return list(range(1, len(x.shape)))


def test_r1_passes_reference_and_the_library(capsys):
    checks.check_r1_penalty(r1)
    checks.check_r1_penalty(losses.r1_penalty)
    assert capsys.readouterr().out == "✓ r1_penalty: all 4 checks passed\n" * 2


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (  # the norm, not its square
            lambda d, x: tf.reduce_mean(
                tf.sqrt(tf.reduce_sum(tf.square(_grads(d, x)), axis=_axes(x)))
            ),
            "the square is missing",
        ),
        (  # summed over the batch
            lambda d, x: tf.reduce_sum(tf.square(_grads(d, x))),
            "summed over the batch",
        ),
        (  # gradient of the batch mean of D's outputs
            lambda d, x: tf.reduce_mean(
                tf.reduce_sum(tf.square(_grads(d, x, tf.reduce_mean)), axis=_axes(x))
            ),
            "divides every sample's gradient by the batch size",
        ),
        (  # mean over features too
            lambda d, x: tf.reduce_mean(tf.square(_grads(d, x))),
            "averaged over features too",
        ),
        (  # images: squares summed over the last axis only
            lambda d, x: tf.reduce_mean(tf.reduce_sum(tf.square(_grads(d, x)), axis=-1)),
            "every axis but the batch",
        ),
        (  # the gradient at the wrong points (zeros instead of the given samples)
            lambda d, x: r1(d, tf.zeros_like(x)),
            "at the real samples you are given",
        ),
        (  # left TensorFlow: not differentiable in D's weights
            lambda d, x: tf.constant(float(r1(d, x))),
            "differentiable in D's weights",
        ),
        (  # the gradient's contribution cut
            lambda d, x: tf.stop_gradient(r1(d, x)),
            "differentiable in D's weights",
        ),
    ],
)
def test_r1_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_r1_penalty(fn)


def test_r1_crash_names_the_case():
    def crashes(d, x):
        return tf.reduce_mean(tf.reduce_sum(tf.square(x - d), axis=1))

    with pytest.raises(AssertionError, match="raised .* on a linear D"):
        checks.check_r1_penalty(crashes)


# --------------------------------------------------------------------------- 10.2 brightness
def brightness(x, seed):
    shift = keras.random.uniform((tf.shape(x)[0], 1, 1, 1), -0.5, 0.5, seed=seed)
    return x + shift


def test_brightness_passes_reference_and_the_library(capsys):
    from gankit import augment

    checks.check_brightness(brightness)
    checks.check_brightness(augment.brightness)
    assert capsys.readouterr().out == "✓ brightness: all 7 checks passed\n" * 2


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (  # one offset per pixel
            lambda x, s: x + keras.random.uniform(tf.shape(x), -0.5, 0.5, seed=s),
            "draw shape \\(n, 1, 1, 1\\), not one value per pixel",
        ),
        (  # one offset for the whole batch
            lambda x, s: x + keras.random.uniform((), -0.5, 0.5, seed=s),
            "one draw for the whole batch",
        ),
        (  # in [0, 1)
            lambda x, s: x + keras.random.uniform((tf.shape(x)[0], 1, 1, 1), seed=s),
            "draw uniformly in \\[-0.5, 0.5\\)",
        ),
        (  # normal, not uniform
            lambda x, s: x + 0.29 * keras.random.normal((tf.shape(x)[0], 1, 1, 1), seed=s),
            "draw uniformly in \\[-0.5, 0.5\\)|not normal",
        ),
        (  # NumPy's random numbers: frozen when compiled
            lambda x, s: (
                x
                + np.random.default_rng()
                .uniform(-0.5, 0.5, (x.shape[0], 1, 1, 1))
                .astype("float32")
            ),
            "drawn once, when the step is compiled",
        ),
        (  # gradient cut
            lambda x, s: tf.stop_gradient(brightness(x, s)),
            "no stop_gradient",
        ),
        (  # a multiplicative change, not an offset
            lambda x, s: (
                x * (1.0 + keras.random.uniform((tf.shape(x)[0], 1, 1, 1), -0.5, 0.5, seed=s))
            ),
            "the same offset on every pixel",
        ),
    ],
)
def test_brightness_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_brightness(fn)


# --------------------------------------------------------------------------- 10.3 EMA update
def ema_update(averaged, current, decay):
    for a, w in zip(averaged, current, strict=True):
        a.assign(decay * a + (1.0 - decay) * w)


def test_ema_update_passes_reference(capsys):
    checks.check_ema_update(ema_update)
    assert capsys.readouterr().out == "✓ ema_update: all 3 checks passed\n"


def _returns(averaged, current, decay):
    return [decay * a + (1.0 - decay) * w for a, w in zip(averaged, current, strict=True)]


def _rebinds(averaged, current, decay):
    for a, w in zip(averaged, current, strict=True):
        a = decay * a + (1.0 - decay) * w  # noqa: F841, PLW2901 - the mistake under test


def _swapped(averaged, current, decay):
    ema_update(averaged, current, 1.0 - decay)


def _moves_current(averaged, current, decay):
    for a, w in zip(averaged, current, strict=True):
        a.assign(decay * a + (1.0 - decay) * w)
        w.assign(a)


def _first_only(averaged, current, decay):
    ema_update(averaged[:1], current[:1], decay)


def _fixed_step(averaged, current, decay):  # the first update right, later ones from the start
    if not hasattr(_fixed_step, "start"):
        _fixed_step.start = [keras.ops.convert_to_numpy(a) for a in averaged]
    for a, s, w in zip(averaged, _fixed_step.start, current, strict=True):
        a.assign(decay * s + (1.0 - decay) * w)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_returns, "assign the new value in place"),
        (_rebinds, "assign the new value in place"),
        (_swapped, "decay and 1 - decay swapped"),
        (_moves_current, "must not be touched"),
        (_first_only, "assigned to the averaged variables"),
        (_fixed_step, "shrinks by the factor decay"),
    ],
)
def test_ema_update_names_the_mistake(fn, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_ema_update(fn)
