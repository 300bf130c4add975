"""Notebook 09's exercise checks (Wasserstein GANs): each passes the reference answer and fails,
with the intended message, on the mistakes a learner is likely to make."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gankit import checks


# --------------------------------------------------------------------------- 9.1 gradient penalty
def _penalty(
    critic,
    real,
    fake,
    alpha="uniform",
    at="interpolates",
    norm="per_sample",
    square=True,
    minus_one=True,
    score="sum",
    epsilon=1e-12,
):
    """The reference answer, and the likely mistakes as options."""
    real = tf.convert_to_tensor(real)
    fake = tf.cast(fake, real.dtype)
    batch = tf.shape(real)[0]
    shape = [batch] + [1] * (len(real.shape) - 1)
    if alpha == "uniform":
        a = tf.random.uniform(shape)
    elif alpha == "normal":
        a = tf.random.normal(shape)
    elif alpha == "per_batch":
        a = tf.random.uniform([])
    else:  # per element
        a = tf.random.uniform(tf.shape(real))
    x_hat = {"interpolates": a * real + (1 - a) * fake, "real": real, "fake": fake}[at]
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)
        if score == "mean":
            scores = tf.reduce_mean(scores)
    grads = tape.gradient(scores, x_hat)
    axes = list(range(1, len(real.shape)))
    if norm == "per_sample":
        squares = tf.reduce_sum(tf.square(grads), axis=axes)
    elif norm == "batch":
        squares = tf.reduce_sum(tf.square(grads))
    elif norm == "mean":
        squares = tf.reduce_mean(tf.square(grads), axis=axes)
    elif norm == "axis1":
        squares = tf.reduce_sum(tf.square(grads), axis=1)
    elif norm == "no_sqrt":
        squares = tf.square(tf.reduce_sum(tf.square(grads), axis=axes))
    if norm == "tf.norm":
        n = tf.norm(tf.reshape(grads, [batch, -1]), axis=1)
    else:
        n = tf.sqrt(squares + epsilon)
    d = n - 1.0 if minus_one else n
    return tf.reduce_mean(tf.square(d) if square else tf.abs(d))


def test_gradient_penalty_passes_reference(capsys):
    checks.check_gradient_penalty(_penalty)
    assert capsys.readouterr().out == "✓ gradient_penalty: all 5 checks passed\n"


def test_gradient_penalty_passes_the_library():
    from gankit import losses

    checks.check_gradient_penalty(losses.gradient_penalty)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"alpha": "normal"}, "draw it uniform on \\[0, 1\\]"),
        ({"alpha": "per_batch"}, "one alpha for the whole batch"),
        ({"alpha": "per_element"}, "one alpha per pixel"),
        ({"square": False}, "the square is missing"),
        ({"norm": "batch"}, "over the whole batch"),
        ({"norm": "mean"}, "mean of squares over the pixels"),
        ({"norm": "axis1"}, "norm over axis 1 only"),
        ({"norm": "no_sqrt"}, "no square root"),
        ({"minus_one": False}, "the '- 1' is missing"),
        ({"at": "real"}, "taken at the real samples"),
        ({"at": "fake"}, "taken at the fake samples"),
        ({"score": "mean"}, "gradient of the \\*mean\\* score"),
        ({"norm": "tf.norm"}, "small epsilon"),
        ({"epsilon": 0.0}, "small epsilon"),
    ],
)
def test_gradient_penalty_names_the_mistake(options, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_gradient_penalty(lambda c, r, f: _penalty(c, r, f, **options))


def test_gradient_penalty_without_gradients_fails():
    def numpy_penalty(critic, real, fake):
        return float(_penalty(critic, real, fake))

    with pytest.raises(AssertionError, match="must stay a TensorFlow computation"):
        checks.check_gradient_penalty(numpy_penalty)


def test_gradient_penalty_crash_names_the_case():
    def broken(critic, real, fake):
        raise ValueError("shapes do not match")

    with pytest.raises(AssertionError, match="raised ValueError on a linear critic"):
        checks.check_gradient_penalty(broken)


# --------------------------------------------------------------------------- 9.2 weight clipping
def clip_reference(model, c):
    for variable in model.trainable_variables:
        variable.assign(keras.ops.clip(variable, -c, c))


def test_clip_weights_passes_reference(capsys):
    checks.check_clip_weights(clip_reference)
    assert capsys.readouterr().out == "✓ clip_weights: all 5 checks passed\n"


def _kernels_only(model, c):
    for layer in model.layers:
        if hasattr(layer, "kernel"):
            layer.kernel.assign(keras.ops.clip(layer.kernel, -c, c))


def _dense_only(model, c):
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            for variable in layer.trainable_variables:
                variable.assign(keras.ops.clip(variable, -c, c))


def _rescale(model, c):
    for variable in model.trainable_variables:
        variable.assign(variable * c / keras.ops.max(keras.ops.abs(variable)))


def _drop(model, c):
    for variable in model.trainable_variables:
        variable.assign(keras.ops.where(keras.ops.abs(variable) > c, 0.0, variable))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda m, c: [keras.ops.clip(v, -c, c) for v in m.trainable_variables], "did not change"),
        (
            lambda m, c: [v.assign(keras.ops.clip(v, 0.0, c)) for v in m.trainable_variables],
            "not \\[0, c\\]",
        ),
        (_rescale, "rescaled instead of clipped"),
        (_drop, "not 0 \\(dropped\\)"),
        (_kernels_only, "biases are weights too"),
        (
            lambda m, c: [v.assign(keras.ops.clip(v, -c, c)) for v in m.layers[1].weights],
            "the last one too",
        ),
        (_dense_only, "batch norm's scale"),
        (
            lambda m, c: [v.assign(keras.ops.clip(v, -c, c)) for v in m.weights],
            "only trainable weights are clipped",
        ),
    ],
)
def test_clip_weights_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_clip_weights(answer)


def test_checks_keep_the_random_state():
    keras.utils.set_random_seed(3)
    expected = np.random.random()
    keras.utils.set_random_seed(3)
    checks.check_clip_weights(clip_reference)
    assert np.random.random() == expected
