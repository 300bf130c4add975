"""Part 1 exercise checks (notebooks 01-03, the basics): each passes the reference answer and
fails, with the intended message, on deliberately broken answers. The reference answers are the
solution notebooks' answers."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from gankit import checks, gans

ops = keras.ops


def unless(reference, case, broken):
    """The reference answer, except on the inputs for which ``case(*args)`` holds: a stub that
    reaches a check's one branch that no plausible answer reaches on its own."""

    def answer(*args):
        return broken(*args) if case(*args) else reference(*args)

    return answer


def all_zero(*args):
    return all(np.all(np.asarray(a) == 0) for a in args)


# --------------------------------------------------------------------------- discriminator_loss
def d_loss_reference(real_logits, fake_logits):
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))


def d_loss_swapped(real_logits, fake_logits):
    return ops.mean(ops.softplus(real_logits)) + ops.mean(ops.softplus(-fake_logits))


def d_loss_summed(real_logits, fake_logits):
    return ops.sum(ops.softplus(-real_logits)) + ops.sum(ops.softplus(fake_logits))


def d_loss_probabilities(real_logits, fake_logits):
    bce = keras.losses.binary_crossentropy
    return ops.mean(bce(ops.ones_like(real_logits), real_logits)) + ops.mean(
        bce(ops.zeros_like(fake_logits), fake_logits)
    )


def d_loss_concatenated(real_logits, fake_logits):
    logits = ops.concatenate([real_logits, fake_logits])
    labels = ops.concatenate([ops.ones_like(real_logits), ops.zeros_like(fake_logits)])
    return ops.mean(keras.losses.binary_crossentropy(labels, logits, from_logits=True))


def d_loss_only_real(real_logits, fake_logits):
    return ops.mean(ops.softplus(-real_logits))


def d_loss_per_sample(real_logits, fake_logits):
    return ops.softplus(-real_logits) + ops.softplus(fake_logits)


def d_loss_log_sigmoid(real_logits, fake_logits):  # overflows: sigmoid(40) is 1 in float32
    real_term = ops.mean(-ops.log(ops.sigmoid(real_logits)))
    return real_term + ops.mean(-ops.log(1.0 - ops.sigmoid(fake_logits)))


def d_loss_epsilon(real_logits, fake_logits):  # finite, but capped near 16 per term
    real_term = ops.mean(-ops.log(ops.sigmoid(real_logits) + 1e-7))
    return real_term + ops.mean(-ops.log(1.0 - ops.sigmoid(fake_logits) + 1e-7))


def d_loss_clipped(real_logits, fake_logits):  # probabilities clipped away from 0 and 1
    real = ops.clip(ops.sigmoid(real_logits), 1e-7, 1 - 1e-7)
    fake = ops.clip(ops.sigmoid(fake_logits), 1e-7, 1 - 1e-7)
    return ops.mean(-ops.log(real)) + ops.mean(-ops.log(1.0 - fake))


def d_loss_batch_of_4(real_logits, fake_logits):  # divides by a hard-coded batch size
    return (ops.sum(ops.softplus(-real_logits)) + ops.sum(ops.softplus(fake_logits))) / 4


def d_loss_real_detached(real_logits, fake_logits):  # right value, no gradient into real logits
    real_term = ops.stop_gradient(ops.mean(ops.softplus(-real_logits))) + 0.0 * ops.mean(
        real_logits
    )
    return real_term + ops.mean(ops.softplus(fake_logits))


def d_loss_numpy(real_logits, fake_logits):
    real, fake = np.asarray(real_logits), np.asarray(fake_logits)
    return np.logaddexp(0, -real).mean() + np.logaddexp(0, fake).mean()


def test_discriminator_loss_passes_reference(capsys):
    checks.check_discriminator_loss(d_loss_reference)
    assert capsys.readouterr().out == "✓ discriminator_loss: all 5 checks passed\n"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (d_loss_swapped, "labels are swapped"),
        (d_loss_summed, "summed over the batch"),
        (d_loss_probabilities, "treating logits as probabilities"),
        (d_loss_concatenated, "averaged together"),
        (d_loss_only_real, "only the real term"),
        (d_loss_per_sample, "one number per batch"),
        (d_loss_numpy, "the loss left TensorFlow"),
        (d_loss_log_sigmoid, "overflows for a confident D"),
        (d_loss_epsilon, "caps the loss"),
        (d_loss_clipped, "caps the loss"),
        (lambda r, f: d_loss_reference(r, f) + 1.0, "compare with -mean\\(log D\\(real\\)\\)"),
        (lambda r, f: ops.minimum(d_loss_reference(r, f), 100.0), "softplus\\(l\\), on logits"),
        (d_loss_batch_of_4, "average, do not sum"),
        (d_loss_real_detached, "the real term must fall as D\\(real\\) rises"),
        (
            unless(d_loss_reference, all_zero, lambda r, f: d_loss_reference(r, f) + 1.0),
            "the loss must depend only on the logits",
        ),
        (lambda r, f: "a loss", "returned something that is not a number"),
    ],
)
def test_discriminator_loss_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_discriminator_loss(answer)


def test_stub_error_passes_through_unchanged():
    def stub(real_logits, fake_logits):
        raise NotImplementedError("Exercise 1.1 (discriminator_loss): your answer goes here")

    with pytest.raises(NotImplementedError, match="Exercise 1.1"):
        checks.check_discriminator_loss(stub)


def test_a_crash_in_the_answer_names_the_case():
    def crashing(real_logits, fake_logits):
        return real_logits.undefined_attribute

    with pytest.raises(AssertionError, match="raised AttributeError on mixed logits"):
        checks.check_discriminator_loss(crashing)


def test_not_callable_is_named():
    with pytest.raises(AssertionError, match="is not callable"):
        checks.check_discriminator_loss(3.0)


# --------------------------------------------------------------------------- optimal_discriminator
def d_star_reference(p_data, p_g):
    return p_data / (p_data + p_g)


def test_optimal_discriminator_passes_reference(capsys):
    checks.check_optimal_discriminator(d_star_reference)
    assert "✓ optimal_discriminator: all 3 checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda p_data, p_g: p_g / (p_data + p_g), "numerator swapped"),
        (lambda p_data, p_g: np.mean(p_data / (p_data + p_g)), "work elementwise"),
        (lambda p_data, p_g: p_data / (p_data + p_g + 1.0), "D\\*\\(x\\) = p_data"),
        (lambda p_data, p_g: p_data / (p_data + p_data), "check the denominator"),
        (lambda p_data, p_g: "D*", "returned something that is not numbers"),
        (lambda p_data, p_g: (p_data / (p_data + p_g)).ravel(), "0.5 everywhere, shape \\(3, 4\\)"),
    ],
)
def test_optimal_discriminator_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_optimal_discriminator(answer)


# --------------------------------------------------------------------------- generator_loss
def g_loss_reference(fake_logits):
    return ops.mean(ops.softplus(-fake_logits))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda fake: -ops.mean(ops.softplus(fake)), "minimax loss"),
        (lambda fake: ops.mean(ops.softplus(fake)), "wrong label"),
        (lambda fake: ops.sum(ops.softplus(-fake)), "summed over the batch"),
        (lambda fake: ops.softplus(-fake), "one number per batch"),
        (lambda fake: ops.mean(-ops.log(ops.sigmoid(fake))), "overflows for a confident D"),
        (lambda fake: ops.mean(-ops.log(ops.sigmoid(fake) + 1e-7)), "caps the loss"),
        (lambda fake: g_loss_reference(fake) + 1.0, "G wants D to call its fakes real"),
        (lambda fake: ops.minimum(g_loss_reference(fake), 50.0), "softplus\\(-l\\), on logits"),
        (
            lambda fake: ops.stop_gradient(g_loss_reference(fake)) + 0.0 * ops.mean(fake),
            "a vanishing gradient here",
        ),
        (
            unless(g_loss_reference, all_zero, lambda fake: g_loss_reference(fake) + 1.0),
            "D cannot tell",
        ),
    ],
)
def test_generator_loss_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_generator_loss(answer)


def test_generator_loss_passes_reference(capsys):
    checks.check_generator_loss(g_loss_reference)
    assert capsys.readouterr().out == "✓ generator_loss: all 4 checks passed\n"


# --------------------------------------------------------------------------- g_step
class ReferenceGAN(gans.GAN):
    def g_step(self, z):
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            g_loss = self.g_loss_fn(self.discriminator(fake, training=True))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss


class IntoDiscriminator(gans.GAN):  # gradients flow into the wrong network
    def g_step(self, z):
        with tf.GradientTape() as tape:
            g_loss = self.g_loss_fn(self.discriminator(self.generator(z, training=True)))
        weights = self.generator.trainable_weights + self.discriminator.trainable_weights
        self.g_optimizer.apply(tape.gradient(g_loss, weights), weights)
        return g_loss


class NoTrainingFlag(gans.GAN):  # BatchNormalization would use its moving averages
    def g_step(self, z):
        with tf.GradientTape() as tape:
            g_loss = self.g_loss_fn(self.discriminator(self.generator(z)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss


class DiscriminatorInference(gans.GAN):  # D scored in inference mode, against the contract
    def g_step(self, z):
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            g_loss = self.g_loss_fn(self.discriminator(fake, training=False))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss


class FakeLabel(gans.GAN):  # G trained towards "fake": the D loss's label
    def g_step(self, z):
        with tf.GradientTape() as tape:
            logits = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = ops.mean(ops.softplus(logits))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss


class FreshNoise(gans.GAN):  # ignores the z it was given
    def g_step(self, z):
        z = self.sample_noise(ops.shape(z)[0])
        return ReferenceGAN.g_step(self, z)


class HardCodedLoss(gans.GAN):  # ignores the loss chosen in compile()
    def g_step(self, z):
        with tf.GradientTape() as tape:
            logits = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = ops.mean(ops.softplus(-logits))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss


class OutsideTape(gans.GAN):  # G runs outside the tape: no gradient reaches it
    def g_step(self, z):
        fake = self.generator(z, training=True)
        with tf.GradientTape() as tape:
            g_loss = self.g_loss_fn(self.discriminator(fake, training=True))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss


class DoubledLoss(gans.GAN):  # right update, wrong value returned
    def g_step(self, z):
        return 2.0 * ReferenceGAN.g_step(self, z)


class DiscriminatorOptimizer(gans.GAN):  # G's gradients applied by D's optimizer
    def g_step(self, z):
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            g_loss = self.g_loss_fn(self.discriminator(fake, training=True))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.d_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss


class NeverApplied(gans.GAN):  # the loss is computed, the gradients never applied
    def g_step(self, z):
        return self.g_loss_fn(self.discriminator(self.generator(z, training=True), training=True))


class GradientAscent(gans.GAN):  # G climbs its own loss
    def g_step(self, z):
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            g_loss = self.g_loss_fn(self.discriminator(fake, training=True))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply([-g for g in grads], self.generator.trainable_weights)
        return g_loss


class TwoSteps(gans.GAN):  # the right direction, twice as far
    def g_step(self, z):
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            g_loss = self.g_loss_fn(self.discriminator(fake, training=True))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply([2.0 * g for g in grads], self.generator.trainable_weights)
        return g_loss


def test_generator_step_passes_reference(capsys):
    checks.check_generator_step(ReferenceGAN)
    assert capsys.readouterr().out == "✓ g_step: all 7 checks passed\n"


def test_library_generator_step_passes():
    checks.check_generator_step(gans.GAN)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (IntoDiscriminator, "gradients went into the discriminator"),
        (NoTrainingFlag, "training=True"),
        (DiscriminatorInference, "self.discriminator\\(fake, training=True\\)"),
        (FakeLabel, "wrong label"),
        (FreshNoise, "use the noise z passed to g_step"),
        (HardCodedLoss, "use self.g_loss_fn"),
        (OutsideTape, "G ran outside the GradientTape"),
        (DoubledLoss, "return g_loss computed by self.g_loss_fn"),
        (DiscriminatorOptimizer, "use self.g_optimizer for the generator's update"),
        (NeverApplied, "G did not move"),
        (GradientAscent, "G moved to make D \\*more\\* sure"),
        (TwoSteps, "does not match the non-saturating loss"),
    ],
)
def test_generator_step_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_generator_step(answer)


# --------------------------------------------------------------------------- DCGAN blocks
def upsample_reference(x, filters):
    x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    return layers.ReLU()(x)


def generator_reference(latent_dim):
    z = keras.Input((latent_dim,))
    h = layers.Dense(7 * 7 * 128, use_bias=False)(z)
    h = layers.BatchNormalization(momentum=0.9)(h)
    h = layers.ReLU()(h)
    h = layers.Reshape((7, 7, 128))(h)
    h = upsample_reference(h, 64)
    h = upsample_reference(h, 32)
    return keras.Model(z, layers.Conv2D(1, 3, padding="same", activation="tanh")(h))


def test_upsample_block_passes_reference(capsys):
    checks.check_upsample_block(upsample_reference)
    assert capsys.readouterr().out == "✓ upsample_block: all 5 checks passed\n"


def test_upsample_block_takes_a_resize_convolution(capsys):
    # Nearest-neighbour upsampling then a convolution (Odena et al. 2016) is a right answer too,
    # and a block with no convolution at all gets a verdict, not a crash inside the check.
    def resize_conv(x, filters):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(layers.UpSampling2D()(x))
        return layers.ReLU()(layers.BatchNormalization()(x))

    def resize_dense(x, filters):
        x = layers.Dense(filters, use_bias=False)(layers.UpSampling2D()(x))
        return layers.ReLU()(layers.BatchNormalization()(x))

    checks.check_upsample_block(resize_conv)
    checks.check_upsample_block(resize_dense)
    assert capsys.readouterr().out.count("✓ upsample_block: all 5 checks passed") == 2


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            lambda x, f: layers.ReLU()(
                layers.BatchNormalization()(layers.Conv2DTranspose(f, 4, padding="same")(x))
            ),
            "use strides=2",
        ),
        (
            lambda x, f: layers.ReLU()(
                layers.BatchNormalization()(layers.Conv2DTranspose(f, 4, strides=2)(x))
            ),
            "padding='same'",
        ),
        (
            lambda x, f: layers.ReLU()(layers.Conv2DTranspose(f, 4, strides=2, padding="same")(x)),
            "a BatchNormalization layer",
        ),
        (
            lambda x, f: layers.BatchNormalization()(
                layers.Conv2DTranspose(f, 4, strides=2, padding="same")(x)
            ),
            "end the block with a ReLU",
        ),
        (
            lambda x, f: upsample_reference(x, 2 * f),
            "filters set the channel count",
        ),
        (
            lambda x, f: layers.ReLU()(
                layers.Conv2DTranspose(f, 4, strides=2, padding="same")(
                    layers.BatchNormalization()(x)
                )
            ),
            "after the transposed convolution",
        ),
        (
            lambda x, f: layers.Flatten()(upsample_reference(x, f)),
            "a Conv2DTranspose with strides=2 and padding='same' doubles the side",
        ),
    ],
)
def test_upsample_block_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_upsample_block(answer)


def test_dcgan_generator_passes_reference_and_library(capsys):
    from gankit import models

    checks.check_dcgan_generator(generator_reference)
    checks.check_dcgan_generator(lambda latent: models.dcgan_generator(latent, (28, 28, 1), 32))
    checks.check_dcgan_generator(nested_generator)
    assert capsys.readouterr().out.count("✓ dcgan_generator: all 5 checks passed") == 3


def _generator_with(activation, side=7):
    def build(latent_dim):
        z = keras.Input((latent_dim,))
        h = layers.Reshape((side, side, 4))(layers.Dense(side * side * 4)(z))
        h = upsample_reference(upsample_reference(h, 8), 8)
        return keras.Model(z, layers.Conv2D(1, 3, padding="same", activation=activation)(h))

    return build


def mlp_generator(latent_dim):  # right shape, range and BatchNorm, but no convolution at all
    z = keras.Input((latent_dim,))
    h = layers.BatchNormalization()(layers.Dense(28 * 28)(z))
    return keras.Model(z, layers.Activation("tanh")(layers.Reshape((28, 28, 1))(h)))


def generator_without_batchnorm(latent_dim):
    z = keras.Input((latent_dim,))
    h = layers.Reshape((7, 7, 16))(layers.Dense(7 * 7 * 16, activation="relu")(z))
    for filters in (16, 8):
        h = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", activation="relu")(h)
    return keras.Model(z, layers.Conv2D(1, 3, padding="same", activation="tanh")(h))


def nested_generator(latent_dim):  # blocks as nested Sequential models: a right answer too
    def block(filters):
        return keras.Sequential(
            [
                layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False),
                layers.BatchNormalization(),
                layers.ReLU(),
            ]
        )

    z = keras.Input((latent_dim,))
    h = layers.Reshape((7, 7, 16))(layers.Dense(7 * 7 * 16)(z))
    h = block(8)(block(16)(h))
    return keras.Model(z, layers.Conv2D(1, 3, padding="same", activation="tanh")(h))


def one_block_generator(latent_dim):  # 14 -> 28 with one block: a dense layer makes 14x14
    z = keras.Input((latent_dim,))
    h = layers.Reshape((14, 14, 8))(layers.Dense(14 * 14 * 8)(z))
    h = upsample_reference(h, 8)
    return keras.Model(z, layers.Conv2D(1, 3, padding="same", activation="tanh")(h))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (mlp_generator, "an MLP generator"),
        (one_block_generator, "two of your upsample_block"),
        (generator_without_batchnorm, "build the blocks with your upsample_block"),
        (
            lambda latent_dim: generator_reference(100),
            "start from keras.Input\\(\\(latent_dim,\\)\\)",
        ),
        (_generator_with("sigmoid"), "use tanh"),
        (_generator_with(None), "activation='tanh'"),
        (_generator_with("tanh", side=8), "output shape"),
        (lambda latent_dim: None, "a keras.Model"),
    ],
)
def test_dcgan_generator_names_the_mistake(answer, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_dcgan_generator(answer)
