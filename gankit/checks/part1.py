"""Checks for the notebooks' exercises: one function per exercise, with a verdict a learner can use.

Each ``check_<name>`` takes the learner's function, layer builder or trainer class and runs it on
cases whose right answer is known in closed form: zero logits (a discriminator that cannot tell,
loss ``2 ln 2``), stub networks with hand-set weights whose update is a known number, shapes and
value ranges. When something is wrong it raises an ``AssertionError`` that says what was expected,
what came back and the likely mistake; when everything is right it prints one fixed line.

Exercise notebooks call them right after the cell the learner fills in::

    from gankit import checks
    checks.check_discriminator_loss(discriminator_loss)

The reference answers live in the solution notebooks (between ``### BEGIN SOLUTION`` and
``### END SOLUTION``); ``python -m gankit exercises build`` makes the student copies.
"""

from __future__ import annotations

import contextlib
import functools
import math
import random

import keras
import numpy as np
import tensorflow as tf


def _fmt(value):
    """Numbers in messages with four decimals, arrays on one line."""
    if isinstance(value, float | np.floating):
        return f"{float(value):.4f}"
    if isinstance(value, np.ndarray):
        return np.array2string(np.round(value, 4), separator=", ").replace("\n", "")
    return value


@contextlib.contextmanager
def _random_state_kept():
    """Leave Python's, NumPy's and Keras' global random streams as they were, so that running a
    check (which builds layers, drawing initial weights) does not change what a notebook trains
    afterwards: its measured numbers stay the same whether or not the exercises were run."""
    from keras.src.backend.common import global_state  # no public accessor for these
    from keras.src.random import seed_generator

    key = seed_generator.GLOBAL_SEED_GENERATOR
    saved_python, saved_numpy = random.getstate(), np.random.get_state()
    generator = global_state.get_global_attribute(key)
    saved_keras = None if generator is None else keras.ops.convert_to_numpy(generator.state)
    try:
        yield
    finally:
        random.setstate(saved_python)
        np.random.set_state(saved_numpy)
        if generator is None:
            global_state.set_global_attribute(key, None)
        else:
            global_state.set_global_attribute(key, generator)
            generator.state.assign(saved_keras)


def _keeps_random_state(check):
    @functools.wraps(check)
    def wrapper(*args, **kwargs):
        with _random_state_kept():
            return check(*args, **kwargs)

    return wrapper


class _Verdict:
    """Collects passed cases; ``fail`` raises the learner-facing AssertionError."""

    def __init__(self, name):
        self.name = name
        self.passed = 0

    def fail(self, what, expected, got, mistake=None):
        lines = [
            f"{self.name}: {what}",
            f"  expected: {_fmt(expected)}",
            f"  got:      {_fmt(got)}",
        ]
        if mistake:
            lines.append(f"  likely mistake: {mistake}")
        raise AssertionError("\n".join(lines))

    def ok(self):
        self.passed += 1

    def done(self):
        print(f"✓ {self.name}: all {self.passed} checks passed")


_HINTS = {
    "No gradients provided": "G ran outside the GradientTape, so no gradient reached its weights:"
    " call self.generator(z, training=True) inside the `with tf.GradientTape()` block",
}


def _call(verdict, fn, *args, what):
    """Run the learner's code; an exception becomes a verdict naming the case that raised it."""
    if not callable(fn):
        verdict.fail("is not callable", "a function", type(fn).__name__, "pass the function itself")
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as exc:  # the learner's bug: say where, keep the original traceback chained
        hint = next((h for key, h in _HINTS.items() if key in str(exc)), None)
        message = f"{verdict.name}: raised {type(exc).__name__} on {what}: {exc}"
        if hint:
            message += f"\n  likely mistake: {hint}"
        message += "\n  (the traceback above shows the line in your code)"
        raise AssertionError(message) from exc


def _scalar(verdict, value, what):
    """A learner's loss as a Python float; anything but one number is a named failure."""
    try:
        array = np.asarray(keras.ops.convert_to_numpy(value), dtype="float64")
    except Exception:  # noqa: BLE001 - any unconvertible object gets the same message
        verdict.fail(f"returned something that is not a number on {what}", "a scalar", repr(value))
    if array.size != 1:
        verdict.fail(
            f"returned {array.size} numbers on {what}",
            "one number (a scalar tensor)",
            f"shape {array.shape}",
            "average over the batch: a loss is one number per batch, not one per sample",
        )
    result = float(array.reshape(()))
    if not math.isfinite(result):
        verdict.fail(
            f"returned a non-finite value on {what}",
            "a finite number",
            result,
            "compute the log of a sigmoid from logits with softplus, which never overflows",
        )
    return result


def _gradients(verdict, fn, *logits, what):
    """Gradients of the learner's loss with respect to its logit arguments (None if cut)."""
    tensors = [tf.constant(x) for x in logits]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        loss = _call(verdict, fn, *tensors, what=what)
    grads = tape.gradient(loss, tensors) if tf.is_tensor(loss) else [None]
    if any(g is None for g in grads):
        verdict.fail(
            f"gradient of the loss with respect to the logits ({what})",
            "a gradient for every argument",
            "None",
            "the loss left TensorFlow (NumPy or float() inside): use tf / keras.ops functions",
        )
    return [g.numpy() for g in grads]


def _softplus(x):
    return np.logaddexp(0.0, np.asarray(x, dtype="float64"))


def _close(a, b, tol=1e-4):
    return abs(a - b) <= tol * max(1.0, abs(b))


# --------------------------------------------------------------------------- losses
_REAL = np.array([[2.0], [-1.0], [0.5], [3.0]], "float32")
_FAKE = np.array([[-2.5], [0.3], [1.0], [-0.7]], "float32")


@_keeps_random_state
def check_discriminator_loss(fn):
    """Check ``fn(real_logits, fake_logits) -> scalar``: binary cross-entropy with real -> 1 and
    fake -> 0, on logits, each term averaged over the batch and the two terms added."""
    v = _Verdict("discriminator_loss")
    got = _scalar(v, _call(v, fn, _REAL, _FAKE, what="mixed logits"), "mixed logits")
    real_term, fake_term = _softplus(-_REAL).mean(), _softplus(_FAKE).mean()
    right = real_term + fake_term
    p_real, p_fake = np.clip(_REAL, 1e-7, 1 - 1e-7), np.clip(_FAKE, 1e-7, 1 - 1e-7)
    known_mistakes = [
        (
            _softplus(_REAL).mean() + _softplus(-_FAKE).mean(),
            "the labels are swapped: real images must be labelled 1 and fakes 0",
        ),
        (
            _softplus(-_REAL).sum() + _softplus(_FAKE).sum(),
            "summed over the batch: take the mean, so the loss does not grow with it",
        ),
        (
            -np.log(p_real).mean() - np.log(1 - p_fake).mean(),
            "treating logits as probabilities: pass from_logits=True or use softplus",
        ),
        (
            right / 2,
            "the real and fake terms are averaged together (e.g. one cross-entropy over the"
            " concatenated batch); this course adds them: mean over reals + mean over fakes,"
            " so that a D that cannot tell scores 2 ln 2",
        ),
        (real_term, "only the real term: add the fake term, softplus(fake_logits)"),
        (fake_term, "only the fake term: add the real term, softplus(-real_logits)"),
    ]
    if not _close(got, right):
        mistake = "compare with -mean(log D(real)) - mean(log(1 - D(fake))), D = sigmoid(logit)"
        for value, named in known_mistakes:
            if _close(got, value, 1e-3):
                mistake = named
                break
        v.fail("real logits [2, -1, 0.5, 3], fake logits [-2.5, 0.3, 1, -0.7]", right, got, mistake)
    v.ok()

    half = np.zeros((4, 1), "float32")
    got = _scalar(v, _call(v, fn, half, half, what="zero logits"), "zero logits")
    if not _close(got, 2 * math.log(2)):
        v.fail(
            "a discriminator that cannot tell (all logits 0, probability 1/2)",
            f"2 ln 2 = {2 * math.log(2):.4f}",
            got,
            "the loss must depend only on the logits",
        )
    v.ok()

    doubled = _scalar(
        v,
        _call(v, fn, np.tile(_REAL, (2, 1)), np.tile(_FAKE, (2, 1)), what="a doubled batch"),
        "a doubled batch",
    )
    if not _close(doubled, right):
        v.fail(
            "the same logits repeated twice (a batch of 8)",
            f"the same loss as for 4: {right:.4f}",
            doubled,
            "the loss depends on the batch size: average, do not sum",
        )
    v.ok()

    grads = _gradients(v, fn, _REAL, _FAKE, what="mixed logits under a GradientTape")
    expected_real = -(1 / (1 + np.exp(_REAL))) / len(_REAL)
    if not np.allclose(grads[0], expected_real, atol=1e-5):
        v.fail(
            "gradient with respect to the real logits",
            np.round(expected_real.ravel(), 4),
            np.round(grads[0].ravel(), 4),
            "the real term must fall as D(real) rises: softplus(-real_logits), averaged",
        )
    v.ok()
    v.done()


@_keeps_random_state
def check_optimal_discriminator(fn):
    """Check ``fn(p_data, p_g) -> array``: the optimal discriminator p_data / (p_data + p_g),
    elementwise, for density arrays of any shape."""
    v = _Verdict("optimal_discriminator")
    p_data = np.array([0.2, 1.0, 0.0, 0.5, 3.0])
    p_g = np.array([0.2, 0.0, 1.0, 1.5, 1.0])
    expected = np.array([0.5, 1.0, 0.0, 0.25, 0.75])
    got = np.asarray(_call(v, fn, p_data, p_g, what="five density pairs"), dtype="float64")
    if got.shape != expected.shape:
        v.fail(
            "five (p_data, p_g) pairs",
            f"an array of shape {expected.shape}",
            f"shape {got.shape}",
            "work elementwise: one D* per point, no sum or mean",
        )
    v.ok()
    if not np.allclose(got, expected, atol=1e-6):
        mistake = "D*(x) = p_data(x) / (p_data(x) + p_g(x))"
        if np.allclose(got, 1 - expected, atol=1e-6):
            mistake = "numerator swapped: D* is the probability that x is *real*, p_data on top"
        elif np.allclose(got[:1], 0.5) and not np.allclose(got, expected):
            mistake = "check the denominator: it is the sum of both densities"
        v.fail(
            "p_data = [0.2, 1, 0, 0.5, 3], p_g = [0.2, 0, 1, 1.5, 1]",
            expected,
            np.round(got, 4),
            mistake,
        )
    v.ok()
    grid = np.random.default_rng(0).uniform(0.01, 2.0, (3, 4))
    got = np.asarray(_call(v, fn, grid, grid, what="equal densities"), dtype="float64")
    if got.shape != grid.shape or not np.allclose(got, 0.5, atol=1e-6):
        v.fail(
            "equal densities everywhere (a perfect generator), shape (3, 4)",
            "0.5 everywhere, shape (3, 4)",
            f"shape {got.shape}, values {np.round(got.ravel()[:4], 4)}...",
            "where p_g = p_data no discriminator can do better than a coin flip",
        )
    v.ok()
    v.done()


@_keeps_random_state
def check_generator_loss(fn):
    """Check ``fn(fake_logits) -> scalar``: the non-saturating generator loss
    ``-mean(log D(G(z)))`` = mean softplus(-fake_logits)."""
    v = _Verdict("generator_loss")
    got = _scalar(v, _call(v, fn, _FAKE, what="mixed logits"), "mixed logits")
    right = _softplus(-_FAKE).mean()
    if not _close(got, right):
        mistake = "G wants D to call its fakes real: softplus(-fake_logits), averaged"
        if _close(got, _softplus(_FAKE).mean()):
            mistake = "wrong label: the generator's fakes must be labelled 1 (real), not 0"
        elif _close(got, -_softplus(_FAKE).mean()):
            mistake = "this is the minimax loss mean(log(1 - D)): use -mean(log D) instead"
        elif _close(got, _softplus(-_FAKE).sum()):
            mistake = "summed over the batch: take the mean"
        v.fail("fake logits [-2.5, 0.3, 1, -0.7]", right, got, mistake)
    v.ok()
    half = np.zeros((4, 1), "float32")
    got = _scalar(v, _call(v, fn, half, what="zero logits"), "zero logits")
    if not _close(got, math.log(2)):
        v.fail("D cannot tell (all fake logits 0)", f"ln 2 = {math.log(2):.4f}", got)
    v.ok()
    # The point of the non-saturating loss: a strong gradient when D confidently rejects fakes.
    (grad,) = _gradients(v, fn, np.full((4, 1), -8.0, "float32"), what="logits of -8")
    per_logit = float(grad.sum())
    if not _close(per_logit, -1 / (1 + math.exp(-8.0)), 1e-3):
        v.fail(
            "gradient when D confidently rejects the fakes (logits -8)",
            "about -1 (strong: G learns fast when it is losing)",
            round(per_logit, 5),
            "a vanishing gradient here is the minimax loss's saturation",
        )
    v.ok()
    v.done()


# --------------------------------------------------------------------------- the generator step
class _TrainingFlag(keras.layers.Layer):
    """Identity layer that remembers the ``training`` flag it was last called with."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x, training=None):
        self.seen.append(training)
        return x


def _stub_networks(latent_dim=3):
    """G: z -> flag -> Dense(2) with kernel 0 and bias b, so G(z) = b for every z (its bias
    gradient does not depend on z, its kernel gradient does). D: x -> Dense(1), logit = v.x + c."""
    z = keras.Input((latent_dim,))
    flag = _TrainingFlag()
    dense_g = keras.layers.Dense(2, kernel_initializer="zeros")
    generator = keras.Model(z, dense_g(flag(z)), name="stub_generator")
    dense_g.set_weights([np.zeros((latent_dim, 2), "float32"), np.array([0.5, -1.0], "float32")])
    x = keras.Input((2,))
    dense_d = keras.layers.Dense(1)
    discriminator = keras.Model(x, dense_d(x), name="stub_discriminator")
    dense_d.set_weights([np.array([[1.0], [2.0]], "float32"), np.array([0.25], "float32")])
    return generator, discriminator, flag


@_keeps_random_state
def check_generator_step(gan_class):
    """Check a ``gankit.gans.GAN`` subclass whose ``g_step(self, z)`` the learner wrote: one
    generator update on the noise ``z``, through D, with the loss chosen in ``compile``, moving
    only G's weights, calling G with ``training=True`` and returning the loss."""
    from gankit import losses  # the checks sit above the losses and trainers

    v = _Verdict("g_step")
    lr = 0.1
    generator, discriminator, flag = _stub_networks()
    gan = gan_class(generator, discriminator, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(lr),
        g_optimizer=keras.optimizers.SGD(lr),
        loss="non_saturating",
    )
    z = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]], "float32")
    d_before = [w.copy() for w in discriminator.get_weights()]
    loss = _scalar(v, _call(v, gan.g_step, tf.constant(z), what="one step on stub networks"), "")

    # G(z) = b = (0.5, -1) for both samples, so the logit is 1*0.5 + 2*(-1) + 0.25 = -1.25.
    logit = 0.5 - 2.0 + 0.25
    if not _close(loss, float(_softplus(-logit))):
        mistake = "return g_loss computed by self.g_loss_fn(D(G(z)))"
        if _close(loss, float(_softplus(logit))):
            mistake = "wrong label: the generator's fakes must be labelled 1 (real), not 0"
        v.fail(
            "the returned loss for stub networks with D(G(z)) logit -1.25",
            f"softplus(1.25) = {float(_softplus(-logit)):.4f}",
            loss,
            mistake,
        )
    v.ok()
    if any(
        not np.array_equal(a, b) for a, b in zip(d_before, discriminator.get_weights(), strict=True)
    ):
        v.fail(
            "D's weights after the generator step",
            "unchanged",
            "changed",
            "gradients went into the discriminator: take tape.gradient with respect to"
            " self.generator.trainable_weights and apply them with self.g_optimizer",
        )
    if int(gan.d_optimizer.iterations.numpy()) != 0:
        v.fail(
            "D's optimizer during the generator step",
            "not used (0 iterations)",
            f"{int(gan.d_optimizer.iterations.numpy())} iterations",
            "use self.g_optimizer for the generator's update",
        )
    v.ok()
    kernel, bias = generator.layers[-1].get_weights()
    # dL/dlogit = -sigmoid(-logit); dL/db = mean over the batch of that times v = (1, 2).
    pull = 1 / (1 + math.exp(logit))
    expected_bias = np.array([0.5, -1.0]) + lr * pull * np.array([1.0, 2.0])
    if np.allclose(bias, [0.5, -1.0]):
        v.fail(
            "G's bias after one SGD step (lr 0.1)",
            np.round(expected_bias, 5),
            np.round(bias, 5),
            "G did not move: run the generator inside the GradientTape and apply the gradients"
            " to self.generator.trainable_weights",
        )
    if not np.allclose(bias, expected_bias, atol=1e-5):
        toward_fake = np.array([0.5, -1.0]) - lr * pull * np.array([1.0, 2.0])
        mistake = "the update does not match the non-saturating loss through D"
        if np.allclose(bias, toward_fake, atol=1e-4) or np.dot(bias - [0.5, -1.0], [1, 2]) < 0:
            mistake = "G moved to make D *more* sure its samples are fake: wrong label or sign"
        v.fail("G's bias after one SGD step (lr 0.1)", np.round(expected_bias, 5), bias, mistake)
    v.ok()
    expected_kernel = lr * pull * np.outer(z.mean(0), [1.0, 2.0])
    if not np.allclose(kernel, expected_kernel, atol=1e-5):
        v.fail(
            "G's kernel after one step, which depends on the noise",
            np.round(expected_kernel, 4),
            np.round(kernel, 4),
            "use the noise z passed to g_step; do not draw new noise inside it",
        )
    v.ok()
    if not flag.seen or flag.seen[-1] is not True:
        v.fail(
            "the training flag G was called with",
            "training=True",
            f"training={flag.seen[-1] if flag.seen else 'G never called'}",
            "call self.generator(z, training=True): without it BatchNormalization uses its"
            " moving averages and dropout stays off while G learns",
        )
    v.ok()
    # The loss must come from compile(), so one trainer serves every loss in the course.
    generator, discriminator, _ = _stub_networks()
    gan = gan_class(generator, discriminator, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(lr),
        g_optimizer=keras.optimizers.SGD(lr),
        loss=(losses.discriminator_loss, losses.minimax_generator_loss),
    )
    loss = _scalar(v, _call(v, gan.g_step, tf.constant(z), what="the minimax loss"), "")
    if not _close(loss, -float(_softplus(logit))):
        v.fail(
            "the loss after compile(loss='minimax'-style pair)",
            f"{-float(_softplus(logit)):.4f}",
            loss,
            "use self.g_loss_fn, the loss chosen in compile(), not a hard-coded one",
        )
    v.ok()
    v.done()


# --------------------------------------------------------------------------- DCGAN blocks
def _has_layer(model, kind):
    return any(isinstance(layer, kind) for layer in model.layers)


@_keeps_random_state
def check_upsample_block(fn):
    """Check ``fn(x, filters) -> tensor``: one DCGAN generator block that doubles the height and
    width of a feature map and sets its channel count to ``filters``, with batch normalisation
    and ReLU (outputs >= 0)."""
    v = _Verdict("upsample_block")
    for side, channels, filters in ((7, 32, 16), (4, 8, 12)):
        x = keras.Input((side, side, channels))
        y = _call(v, fn, x, filters, what=f"a {side}x{side}x{channels} input")
        shape = tuple(getattr(y, "shape", ()))
        if shape[1:] != (2 * side, 2 * side, filters):
            mistake = "a Conv2DTranspose with strides=2 and padding='same' doubles the side"
            if shape[1:3] == (side, side):
                mistake = "the side did not grow: use strides=2 in the transposed convolution"
            elif len(shape) == 4 and shape[1] != 2 * side:
                mistake = "use padding='same' so that the side exactly doubles"
            elif len(shape) == 4 and shape[-1] != filters:
                mistake = "the transposed convolution's filters set the channel count"
            v.fail(
                f"output shape for a {side}x{side}x{channels} input and filters={filters}",
                (None, 2 * side, 2 * side, filters),
                shape,
                mistake,
            )
        v.ok()
    model = keras.Model(x, y)
    if not _has_layer(model, keras.layers.BatchNormalization):
        v.fail(
            "layers in the block",
            "a BatchNormalization layer after the transposed convolution",
            [layer.__class__.__name__ for layer in model.layers[1:]],
            "DCGAN normalises every generator block: it keeps the signal well scaled",
        )
    v.ok()
    sample = np.random.default_rng(0).normal(size=(8, 4, 4, 8)).astype("float32")
    out = keras.ops.convert_to_numpy(model(sample, training=True))
    if out.min() < -1e-6:
        v.fail(
            "smallest output value",
            ">= 0 (ReLU after batch normalisation)",
            float(out.min()),
            "end the block with a ReLU, after the batch normalisation",
        )
    v.ok()
    v.done()


@_keeps_random_state
def check_dcgan_generator(fn):
    """Check ``fn(latent_dim) -> keras.Model``: a DCGAN generator from ``(latent_dim,)`` noise to
    28x28x1 images with pixels in [-1, 1] (tanh), the range of the training data."""
    v = _Verdict("dcgan_generator")
    model = _call(v, fn, 16, what="latent_dim=16")
    if not isinstance(model, keras.Model):
        v.fail("return value", "a keras.Model", type(model).__name__, "return keras.Model(z, img)")
    v.ok()
    if tuple(model.input_shape) != (None, 16):
        v.fail(
            "input shape",
            (None, 16),
            model.input_shape,
            "start from keras.Input((latent_dim,))",
        )
    if tuple(model.output_shape) != (None, 28, 28, 1):
        v.fail(
            "output shape",
            (None, 28, 28, 1),
            model.output_shape,
            "7x7 after the dense layer and reshape, two doubling blocks, then a convolution to"
            " 1 channel",
        )
    v.ok()
    z = np.random.default_rng(0).normal(size=(64, 16)).astype("float32") * 3
    images = keras.ops.convert_to_numpy(model(z, training=True))
    if images.min() < -1.0 - 1e-6 or images.max() > 1.0 + 1e-6:
        v.fail(
            "pixel range",
            "within [-1, 1]",
            f"[{images.min():.3f}, {images.max():.3f}]",
            "end with activation='tanh': the training images are scaled to [-1, 1]",
        )
    if images.min() >= 0.0:
        v.fail(
            "pixel range",
            "values on both sides of 0, within [-1, 1]",
            f"[{images.min():.3f}, {images.max():.3f}]",
            "sigmoid gives [0, 1], but the training images are in [-1, 1]: use tanh",
        )
    v.ok()
    if not _has_layer(model, keras.layers.BatchNormalization):
        v.fail(
            "layers",
            "BatchNormalization in the upsampling blocks",
            [layer.__class__.__name__ for layer in model.layers],
            "build the blocks with your upsample_block",
        )
    v.ok()
    v.done()


# --------------------------------------------------------------------------- evaluation
@_keeps_random_state
def check_inception_score(fn):
    """Check ``fn(probabilities) -> float``: ``exp(mean over samples of KL(p(y|x) || p(y)))``
    with ``p(y)`` the mean of the rows, for class-probability rows that sum to 1."""
    v = _Verdict("inception_score")
    confident = np.eye(10)[np.arange(200) % 10]
    got = _scalar(v, _call(v, fn, confident, what="confident, all ten classes"), "")
    if not _close(got, 10.0, 1e-3):
        mistake = "IS = exp(mean_x sum_y p(y|x) (log p(y|x) - log p(y))), p(y) = mean of the rows"
        if _close(got, math.log(10), 1e-3):
            mistake = "that is the log of the score: take exp of the mean KL"
        elif got < 1.5:
            mistake = "p(y) must be the *marginal*: the mean of all rows, not each row itself"
        v.fail("200 confident predictions spread evenly over 10 classes", 10.0, got, mistake)
    v.ok()
    one_class = np.eye(10)[np.zeros(50, int)]
    got = _scalar(v, _call(v, fn, one_class, what="one class only"), "")
    if not _close(got, 1.0, 1e-3):
        v.fail(
            "every sample confidently the same class (a collapsed generator)",
            1.0,
            got,
            "guard log(0) with a small epsilon inside the log, not outside the sum",
        )
    v.ok()
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=100)
    marginal = p.mean(0)
    expected = float(np.exp((p * (np.log(p) - np.log(marginal))).sum(1).mean()))
    got = _scalar(v, _call(v, fn, p, what="random probability rows"), "")
    if not _close(got, expected, 1e-3):
        reversed_kl = float(np.exp((marginal * (np.log(marginal) - np.log(p))).sum(1).mean()))
        mistake = "average the KL over samples, then take exp"
        if _close(got, reversed_kl, 1e-3):
            mistake = "the KL is reversed: KL(p(y|x) || p(y)) weights by p(y|x)"
        v.fail("100 random rows over 4 classes", expected, got, mistake)
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
    got = np.asarray(_call(v, fn, samples, train, what="4 samples, 3 training points"), float)
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
    got = np.asarray(_call(v, fn, images[:2], images, what="image arrays (N, H, W, C)"), float)
    if got.shape != (2,) or not np.allclose(got, 0.0, atol=1e-6):
        v.fail(
            "two samples that are copies of training images (4-D arrays)",
            "distances [0, 0]",
            got,
            "flatten each image to a vector first: x.reshape(len(x), -1)",
        )
    v.ok()
    v.done()


# --------------------------------------------------------------------------- losses and optimizers
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype="float64")))


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
        got = np.asarray(_call(v, fn, logits.copy(), what=f"{name}, logits -10..10"), "float64")
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


# --------------------------------------------------------------------------- hyperparameter search
@_keeps_random_state
def check_log_uniform(fn):
    """Check ``fn(low, high, n, rng) -> array``: ``n`` draws whose logarithm is uniform between
    ``log(low)`` and ``log(high)``, drawn from the NumPy Generator ``rng``."""
    v = _Verdict("log_uniform")
    low, high, n = 1e-4, 1e-2, 20_000
    got = np.asarray(_call(v, fn, low, high, n, np.random.default_rng(0), what="1e-4..1e-2"), float)
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
    again = np.asarray(fn(low, high, 5, np.random.default_rng(7)), float)
    same = np.asarray(fn(low, high, 5, np.random.default_rng(7)), float)
    other = np.asarray(fn(low, high, 5, np.random.default_rng(8)), float)
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
    ``"ok"``, finite metric) of a search's results, lowest ``metric`` first."""
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
    and ``denormalise(images, max_value)``, its inverse, for uint8 and float pixels."""
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
    got16 = np.asarray(_call(v, normalise, sixteen, 16, what="digits pixels 0..16"), "float64")
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
    v.done()


@_keeps_random_state
def check_balanced_indices(fn):
    """Check ``fn(labels, n, rng) -> int array``: ``n`` row indices drawn (with replacement) so
    that every class appears equally often in expectation, whatever the class sizes."""
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
    rare = np.unique(got[labels[got] == 3])
    if len(rare) < 10:
        v.fail(
            "distinct rows drawn from the rarest class (10 rows, about 2,000 draws)",
            "all 10",
            len(rare),
            "draw rows of a class at random, not always its first ones",
        )
    v.ok()
    first = np.asarray(fn(labels, 20, np.random.default_rng(5)))
    second = np.asarray(fn(labels, 20, np.random.default_rng(5)))
    if not np.array_equal(first, second):
        v.fail(
            "two calls with generators of the same seed",
            "the same indices",
            "different indices",
            "draw from rng (rng.choice / rng.integers), not np.random",
        )
    v.ok()
    v.done()


CHECKS = {
    name.removeprefix("check_"): fn
    for name, fn in dict(globals()).items()
    if name.startswith("check_") and callable(fn)
}
"""Exercise name -> check function; every exercise in a notebook must have one."""
