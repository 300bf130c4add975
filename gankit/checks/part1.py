"""Exercise checks of part 1, the basics (notebooks 01-03): the discriminator and generator
losses, the optimal discriminator, the generator's training step and the DCGAN generator's blocks.
"""

from __future__ import annotations

import math
import re

import keras
import numpy as np
import tensorflow as tf

from gankit.checks._common import (
    _CAPPED,
    _CONFIDENT,
    _FAKE,
    _REAL,
    _call,
    _call_array,
    _close,
    _gradients,
    _keeps_random_state,
    _scalar,
    _softplus,
    _Verdict,
)


# --------------------------------------------------------------------------- losses
def _confident_case(v, fn, logits, right, what, formula):
    """The loss on a confident D's logits: ``right`` (softplus keeps growing), not infinity (a log
    of a sigmoid that overflowed, named by ``_scalar``) nor about 16 per term (an epsilon)."""
    got = _scalar(v, _call(v, fn, *logits, what=what), what)
    if not _close(got, right):
        mistake = _CAPPED if got < 40 else formula
        v.fail(what, f"{right:.4f} (it grows with the logits)", got, mistake)
    v.ok()


@_keeps_random_state
def check_discriminator_loss(fn):
    """Check ``fn(real_logits, fake_logits) -> scalar``: binary cross-entropy with real -> 1 and
    fake -> 0, on logits, each term averaged over the batch and the two terms added; finite and
    growing for a confident D (logits of +-40 and +-100), as softplus is and log(sigmoid) is not."""
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

    _confident_case(
        v,
        fn,
        (-_CONFIDENT, _CONFIDENT),
        2 * float(_softplus(_CONFIDENT).mean()),
        "the logits of a confidently wrong D (real -40, -100; fake 40, 100)",
        "-log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l), on logits",
    )

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
    got = _call_array(v, fn, p_data, p_g, what="five density pairs")
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
    got = _call_array(v, fn, grid, grid, what="equal densities")
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
    ``-mean(log D(G(z)))`` = mean softplus(-fake_logits), finite and growing for logits of -40 and
    -100 (where log(sigmoid) underflows)."""
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
    _confident_case(
        v,
        fn,
        (-_CONFIDENT,),
        float(_softplus(_CONFIDENT).mean()),
        "confidently rejected fakes (logits -40, -100)",
        "-log sigmoid(l) = softplus(-l), on logits",
    )
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
    gradient does not depend on z, its kernel gradient does). D: x -> flag -> Dense(1), logit =
    v.x + c. The flags record the ``training`` argument each network was called with."""
    z = keras.Input((latent_dim,))
    flag = _TrainingFlag()
    dense_g = keras.layers.Dense(2, kernel_initializer="zeros")
    generator = keras.Model(z, dense_g(flag(z)), name="stub_generator")
    dense_g.set_weights([np.zeros((latent_dim, 2), "float32"), np.array([0.5, -1.0], "float32")])
    x = keras.Input((2,))
    dense_d = keras.layers.Dense(1)
    flag_d = _TrainingFlag()
    discriminator = keras.Model(x, dense_d(flag_d(x)), name="stub_discriminator")
    dense_d.set_weights([np.array([[1.0], [2.0]], "float32"), np.array([0.25], "float32")])
    return generator, discriminator, flag, flag_d


# the generator step's two optimizer mistakes, named by the weight check and by Keras' refusal
_INTO_D = (
    "gradients went into the discriminator: take tape.gradient with respect to"
    " self.generator.trainable_weights and apply them with self.g_optimizer"
)
_WRONG_OPTIMIZER = "use self.g_optimizer for the generator's update"


def _named_optimizer_mistakes(v, gan):
    """``gan.g_step``, with Keras' refusal to update weights an optimizer was not built for
    turned into the learner's mistake. ``compile`` builds each optimizer for its own network
    (``TrainerBase.compile_networks``), so G's optimizer given D's weights, or D's optimizer given
    G's, raises "Unknown variable" instead of moving them."""

    def g_step(z):
        try:
            return gan.g_step(z)
        except ValueError as exc:
            found = re.search(r"Unknown variable: <Variable path=([^,>]+)", str(exc))
            if not found:
                raise
            path = found.group(1)
            if path in {w.path for w in gan.discriminator.weights}:
                v.fail(
                    "D's weights during the generator step",
                    "not updated",
                    f"given to an optimizer to update ({path})",
                    _INTO_D,
                )
            if path in {w.path for w in gan.generator.weights}:
                v.fail(
                    "the optimizer of the generator step",
                    "self.g_optimizer (built for G's weights)",
                    f"an optimizer built for other weights (given G's {path})",
                    _WRONG_OPTIMIZER,
                )
            raise

    return g_step


@_keeps_random_state
def check_generator_step(gan_class):
    """Check a ``gankit.gans.GAN`` subclass whose ``g_step(self, z)`` the learner wrote: one
    generator update on the noise ``z``, through D, with the loss chosen in ``compile``, moving
    only G's weights, calling G and D with ``training=True`` and returning the loss."""
    from gankit import losses  # the checks sit above the losses and trainers

    v = _Verdict("g_step")
    lr = 0.1
    generator, discriminator, flag, flag_d = _stub_networks()
    gan = gan_class(generator, discriminator, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(lr),
        g_optimizer=keras.optimizers.SGD(lr),
        loss="non_saturating",
    )
    z = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]], "float32")
    flag.seen.clear()  # building the models called the flags with training=None
    flag_d.seen.clear()
    d_before = [w.copy() for w in discriminator.get_weights()]
    what = "one step on stub networks"
    loss = _scalar(v, _call(v, _named_optimizer_mistakes(v, gan), tf.constant(z), what=what), what)

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
            _INTO_D,
        )
    if int(gan.d_optimizer.iterations.numpy()) != 0:
        v.fail(
            "D's optimizer during the generator step",
            "not used (0 iterations)",
            f"{int(gan.d_optimizer.iterations.numpy())} iterations",
            _WRONG_OPTIMIZER,
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
    if not flag_d.seen or any(seen is not True for seen in flag_d.seen):
        v.fail(
            "the training flag D was called with during G's step",
            "training=True (every call)",
            f"training={next((seen for seen in flag_d.seen if seen is not True), 'D never called')}",
            "score the fakes with self.discriminator(fake, training=True), as the exercise says:"
            " G must learn against the D that D's own step trains (batch statistics, dropout),"
            " not against its inference mode",
        )
    v.ok()
    # The loss must come from compile(), so one trainer serves every loss in the course.
    generator, discriminator, _, _ = _stub_networks()
    gan = gan_class(generator, discriminator, seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(lr),
        g_optimizer=keras.optimizers.SGD(lr),
        loss=(losses.discriminator_loss, losses.minimax_generator_loss),
    )
    what = "the minimax loss"
    loss = _scalar(v, _call(v, gan.g_step, tf.constant(z), what=what), what)
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
def _layers(model):
    """Every layer of a model, those inside nested models too, in the order they were built."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _layers(layer)


def _has_layer(model, kind):
    return any(isinstance(layer, kind) for layer in _layers(model))


def _layer_names(model):
    return [
        layer.__class__.__name__
        for layer in _layers(model)
        if layer.__class__.__name__ != "InputLayer"
    ]


@_keeps_random_state
def check_upsample_block(fn):
    """Check ``fn(x, filters) -> tensor``: one DCGAN generator block that doubles the height and
    width of a feature map and sets its channel count to ``filters``, then batch normalisation
    (after the convolution) and ReLU (outputs >= 0)."""
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
            _layer_names(model),
            "DCGAN normalises every generator block: it keeps the signal well scaled",
        )
    v.ok()
    kinds = [type(layer) for layer in _layers(model)]
    convolutions = (keras.layers.Conv2DTranspose, keras.layers.Conv2D)
    last_conv = max(
        (i for i, kind in enumerate(kinds) if issubclass(kind, convolutions)), default=-1
    )
    last_norm = max(i for i, kind in enumerate(kinds) if kind is keras.layers.BatchNormalization)
    if last_norm < last_conv:
        v.fail(
            "order of the layers in the block",
            "Conv2DTranspose -> BatchNormalization -> ReLU",
            " -> ".join(_layer_names(model)),
            "batch normalisation comes after the transposed convolution: it normalises what the"
            " convolution made, just before the ReLU",
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
    28x28x1 images with pixels in [-1, 1] (tanh), the range of the training data, made by two
    side-doubling blocks (7 -> 14 -> 28) with batch normalisation, not by a dense layer alone."""
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
            _layer_names(model),
            "build the blocks with your upsample_block",
        )
    v.ok()
    doubling = [
        layer
        for layer in _layers(model)
        if isinstance(layer, keras.layers.UpSampling2D)
        or (isinstance(layer, keras.layers.Conv2DTranspose) and max(layer.strides) == 2)
    ]
    if len(doubling) < 2:
        mistake = (
            "two of your upsample_block (64 and 32 filters) take the 7x7 map to 14x14 and 28x28"
        )
        if not _has_layer(model, (keras.layers.Conv2DTranspose, keras.layers.Conv2D)):
            mistake = (
                "a dense network reshaped to an image (an MLP generator) is not a DCGAN: Dense to"
                " 7x7x128, two upsample_block (7 -> 14 -> 28), then Conv2D to 1 channel"
            )
        v.fail(
            "layers that double the side of the feature map",
            "2 stride-2 Conv2DTranspose (7 -> 14 -> 28)",
            f"{len(doubling)}: " + " -> ".join(_layer_names(model)),
            mistake,
        )
    v.ok()
    v.done()
