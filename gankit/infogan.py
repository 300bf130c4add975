"""InfoGAN: latent codes that the generator is made to keep visible (Part 4, notebook 11).

An ordinary GAN spreads every property of its images (slant, thickness, the digit itself) across
all of its noise coordinates, tangled together. InfoGAN (Chen et al. 2016) splits G's input into
noise ``z`` and a few *codes*: here one categorical code (``n_categories`` values, one-hot) and
``n_continuous`` codes uniform in [-1, 1]. A head ``Q`` on the discriminator's trunk tries to read
the codes back from the generated image, and both G and Q minimise how badly it does
(cross-entropy for the categorical code, :func:`gankit.losses.gaussian_code_loss` for the
continuous ones), weighted by ``info_weight``. That loss is, up to a constant, minus a lower bound
on the mutual information between the codes and the image: G is paid for images whose codes can
be read off, so each code ends up controlling something visible. Which property each code takes is
not chosen by anyone: you find out by turning it (:meth:`InfoGAN.sweep`).

The generator is a plain Keras model ``G(inputs)`` on the joined vector ``[z, one_hot(c_cat),
c_cont]`` (:meth:`InfoGAN.join`), e.g. :func:`gankit.models.dcgan_generator` with ``latent_dim =
noise + n_categories + n_continuous``; the discriminator is :func:`info_discriminator`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gankit import losses as losses_module
from gankit import models, replicas
from gankit.gans import GAN
from gankit.validation import check_count


def info_discriminator(
    image_shape,
    n_categories=10,
    n_continuous=2,
    base_filters=64,
    spectral_norm=False,
    name="discriminator",
):
    """``D(x)`` -> ``[logit, category_logits, continuous_means]``: the DCGAN discriminator's
    convolutions (:func:`gankit.models.dcgan_features`) with D's real/fake logit and Q's two heads
    (one hidden layer of 128 units shared by Q, as in the paper)."""
    n_categories = check_count(n_categories, "n_categories", minimum=0)
    n_continuous = check_count(n_continuous, "n_continuous", minimum=0)
    trunk = models.dcgan_features(image_shape, base_filters, spectral_norm)
    x = keras.Input(trunk.input.shape[1:], name="x")
    features = trunk(x)
    q = layers.LeakyReLU(0.2)(layers.Dense(128, name="q_hidden")(features))
    return keras.Model(
        x,
        [
            layers.Dense(1, name="logit")(features),
            layers.Dense(max(n_categories, 1), name="q_category")(q),
            layers.Dense(max(n_continuous, 1), name="q_continuous")(q),
        ],
        name=name,
    )


@keras.saving.register_keras_serializable(package="gankit")
class InfoGAN(GAN):
    """A GAN whose generator input carries codes that a head Q must read back (Chen et al. 2016).

    Args:
        generator: ``G(inputs)`` on ``noise + n_categories + n_continuous`` numbers.
        discriminator: ``D(x) -> [logit, category_logits, continuous_means]``, e.g.
            :func:`info_discriminator`.
        n_categories: values of the categorical code (0 for none).
        n_continuous: continuous codes, each uniform in [-1, 1] (0 for none).
        info_weight: λ, the weight of the information loss in both steps (1 in the paper).
        **kwargs: :class:`gankit.gans.GAN`'s options (``seed``, ``ema``, ``r1_gamma``, ...);
            not ``pack``, whose packs would mix the codes of several samples.

    History adds ``info``: the information loss of G's step (categorical cross-entropy plus the
    continuous codes' Gaussian loss). For the categorical code alone, ``ln(n_categories)`` minus
    its cross-entropy is the lower bound on the mutual information the paper plots.
    """

    def __init__(
        self,
        generator,
        discriminator,
        n_categories=10,
        n_continuous=2,
        info_weight=1.0,
        **kwargs,
    ):
        if kwargs.get("pack", 1) != 1:
            raise ValueError("pack: PacGAN's packs mix the codes of samples; InfoGAN takes pack=1")
        super().__init__(generator, discriminator, **kwargs)
        self.n_categories = check_count(n_categories, "n_categories", minimum=0)
        self.n_continuous = check_count(n_continuous, "n_continuous", minimum=0)
        if self.n_categories == 1 or self.n_categories + self.n_continuous == 0:
            raise ValueError(
                "n_categories, n_continuous: expected a categorical code of >= 2 values and/or"
                f" >= 1 continuous code, got {n_categories} and {n_continuous}"
            )
        self.noise_dim = self.latent_dim - self.n_categories - self.n_continuous
        if self.noise_dim < 1:
            raise ValueError(
                f"generator: its input ({self.latent_dim}) must hold noise plus the codes"
                f" ({self.n_categories} + {self.n_continuous})"
            )
        outputs = discriminator.outputs
        if len(outputs) != 3:
            raise ValueError(
                "discriminator: expected D(x) -> [logit, category_logits, continuous_means]"
                f" (e.g. infogan.info_discriminator), got {len(outputs)} output(s)"
            )
        self.info_weight = float(info_weight)
        if not (np.isfinite(self.info_weight) and self.info_weight >= 0):
            raise ValueError(f"info_weight: expected a number >= 0, got {info_weight!r}")

    def tracked(self):
        return super().tracked() + ("info",)

    def get_config(self):
        return {
            **super().get_config(),
            "n_categories": self.n_categories,
            "n_continuous": self.n_continuous,
            "info_weight": self.info_weight,
        }

    # ------------------------------------------------------------------ the codes
    def join(self, z, categories, continuous):
        """G's input ``[z, one_hot(categories), continuous]`` (tensors or arrays)."""
        parts = [keras.ops.cast(z, "float32")]
        if self.n_categories:
            parts.append(keras.ops.one_hot(categories, self.n_categories, dtype="float32"))
        if self.n_continuous:
            parts.append(keras.ops.cast(continuous, "float32"))
        return keras.ops.concatenate(parts, axis=-1)

    def sample_codes(self, n):
        """This replica's ``n`` rows of noise, categories and continuous codes (drawn for the
        global batch, like ``sample_noise``): returns ``(G_input, categories, continuous)``."""
        seed = self.seed_generator
        z = replicas.draw(lambda k: keras.random.normal((k, self.noise_dim), seed=seed), n)
        categories = replicas.draw(
            lambda k: keras.random.randint((k,), 0, max(self.n_categories, 1), seed=seed), n
        )
        continuous = replicas.draw(
            lambda k: keras.random.uniform(
                (k, max(self.n_continuous, 1)), minval=-1.0, maxval=1.0, seed=seed
            ),
            n,
        )
        continuous = continuous[:, : self.n_continuous]
        return self.join(z, categories, continuous), categories, continuous

    def info_loss(self, category_logits, continuous_means, categories, continuous):
        """The information loss: Q's cross-entropy on the categorical code plus its Gaussian loss
        on the continuous codes, each averaged over the global batch."""
        loss = 0.0
        if self.n_categories:
            loss += losses_module.classification_loss(category_logits, categories)
        if self.n_continuous:
            loss += losses_module.gaussian_code_loss(
                continuous_means[:, : self.n_continuous], continuous
            )
        return loss

    # ------------------------------------------------------------------ the algorithm
    def d_penalty(self, real_in, fake_in):
        if not self.r1_gamma:
            return 0.0
        r1 = losses_module.r1_penalty(
            lambda x, training=True: self.discriminator(x, training=training)[0], real_in
        )
        self.trackers["r1"].update_state(r1 * replicas.count())
        return 0.5 * self.r1_gamma * r1

    def d_step(self, real, inputs, categories, continuous):
        """D's update, and Q's: D tells real from fake while Q reads the codes of the fakes."""
        fake = self.generator(inputs, training=True)
        real_in, fake_in = self.d_view(real), self.d_view(fake)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real_in, training=True)[0]
            fake_logits, category_logits, means = self.discriminator(fake_in, training=True)
            d_loss = self.d_loss_fn(real_logits, fake_logits) + self.d_penalty(real_in, fake_in)
            info = self.info_loss(category_logits, means, categories, continuous)
            total = d_loss + self.info_weight * info
        grads = tape.gradient(total, self.discriminator.trainable_weights)
        self.d_optimizer.apply(grads, self.discriminator.trainable_weights)
        return d_loss, real_logits, fake_logits

    def g_step(self, inputs, categories, continuous):
        """G's update: fool D, and draw images whose codes Q can read back."""
        with tf.GradientTape() as tape:
            fake = self.d_view(self.generator(inputs, training=True))
            fake_logits, category_logits, means = self.discriminator(fake, training=True)
            g_loss = self.g_loss_fn(fake_logits)
            info = self.info_loss(category_logits, means, categories, continuous)
            total = g_loss + self.info_weight * info
        grads = tape.gradient(total, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss, info

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple) else data
        n = tf.shape(real)[0]
        for _ in range(self.n_critic):
            d_loss, real_logits, fake_logits = self.d_step(real, *self.sample_codes(n))
        g_loss, info = self.g_step(*self.sample_codes(n))
        return self.report(d_loss, g_loss, real_logits, fake_logits, info=info)

    # ------------------------------------------------------------------ using the result
    def codes(self, n, seed=0, categories=None, continuous=None):
        """NumPy ``(z, categories, continuous)`` for ``n`` samples: noise from ``seed``, and the
        codes given (an int / a vector of ``n_continuous`` values for all, or one per sample) or
        drawn from the same seed."""
        n = check_count(n, "n")
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, self.noise_dim)).astype("float32")
        drawn_categories = rng.integers(0, max(self.n_categories, 1), n)
        drawn_continuous = rng.uniform(-1.0, 1.0, (n, self.n_continuous))
        categories = drawn_categories if categories is None else categories
        categories = np.broadcast_to(np.asarray(categories, dtype="int32"), (n,))
        if self.n_categories and (categories.min() < 0 or categories.max() >= self.n_categories):
            raise ValueError(
                f"categories: expected values 0..{self.n_categories - 1},"
                f" got {categories.min()}..{categories.max()}"
            )
        continuous = drawn_continuous if continuous is None else continuous
        continuous = np.broadcast_to(
            np.asarray(continuous, dtype="float32"), (n, self.n_continuous)
        )
        return z, categories, continuous

    def generate(self, n, seed=0, categories=None, continuous=None, batch_size=256):
        """``n`` samples as a NumPy array, with the codes given or drawn (see :meth:`codes`)."""
        inputs = np.asarray(self.join(*self.codes(n, seed, categories, continuous)))
        return models.predict_in_batches(self.sampler, inputs, batch_size)

    def sweep(self, code, values, n=10, seed=0, category=None):
        """Turn one continuous code: ``n`` samples (noise, category and the other codes drawn
        from ``seed``, or ``category`` for all) each drawn at every value in ``values`` of code
        number ``code``. Returns images of shape ``(n, len(values), H, W, C)``."""
        if not 0 <= int(code) < self.n_continuous:
            raise ValueError(f"code: expected 0..{self.n_continuous - 1}, got {code!r}")
        values = np.asarray(values, dtype="float32").reshape(-1)
        z, categories, continuous = self.codes(n, seed, categories=category)
        z = np.repeat(z, len(values), axis=0)
        categories = np.repeat(categories, len(values))
        continuous = np.repeat(continuous, len(values), axis=0).copy()
        continuous[:, int(code)] = np.tile(values, n)
        images = models.predict_in_batches(
            self.sampler, np.asarray(self.join(z, categories, continuous))
        )
        return images.reshape(n, len(values), *images.shape[1:])

    def read_codes(self, images, batch_size=256):
        """What Q reads from ``images``: ``(category_probabilities, continuous_means)``."""
        out = [
            self.discriminator(images[i : i + batch_size], training=False)
            for i in range(0, len(images), batch_size)
        ]
        probabilities = np.concatenate([np.asarray(tf.nn.softmax(o[1])) for o in out])
        means = np.concatenate([np.asarray(o[2]) for o in out])
        return probabilities[:, : self.n_categories], means[:, : self.n_continuous]
