"""Conditional GANs: ask for a class, get a sample of it (Part 4, notebook 11).

* :class:`ConditionalGAN` (Mirza & Osindero 2014): G and D both see the class label, ``G([z, y])``
  and ``D([x, y])``. With :func:`projection_discriminator` (Miyato & Koyama 2018) D's logit is
  ``psi(phi(x)) + <embed(y), phi(x)>``: an unconditional score plus how well the image's features
  match the class asked for.
* :class:`ACGAN` (Odena et al. 2017): D sees only the image and has two heads, real/fake and the
  class (:func:`acgan_discriminator`); both steps add a classification loss, so D learns to
  recognise the digits and G to draw digits D recognises as the class asked for.

The generator (:func:`conditional_generator`) is a plain Keras model called as ``G([noise,
labels])``: noise ``(n, latent_dim)`` float32, labels ``(n,)`` integers, so any tool can load a
saved one and ask for a class. Labels for the fakes are drawn uniformly by the trainer, per
replica like its noise (:func:`gankit.replicas.draw`), so training under ``tf.distribute`` matches
one device. Every loss is averaged over the global batch.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gankit import losses as losses_module
from gankit import models, replicas
from gankit.data import check_count
from gankit.gans import GAN


# ---------------------------------------------------------------------------- networks
def conditional_generator(latent_dim, image_shape, n_classes, base_filters=64, name="generator"):
    """A DCGAN generator (:func:`gankit.models.dcgan_generator`) whose input is the noise joined
    with a learned embedding of the label (as long as the noise): ``G([z, y])``."""
    n_classes = check_count(n_classes, "n_classes")
    latent_dim = check_count(latent_dim, "latent_dim")
    body = models.dcgan_generator(2 * latent_dim, image_shape, base_filters=base_filters)
    z = keras.Input((latent_dim,), name="z")
    y = keras.Input((), dtype="int32", name="label")
    embedded = layers.Embedding(n_classes, latent_dim, name="label_embedding")(y)
    return keras.Model([z, y], body(layers.Concatenate()([z, embedded])), name=name)


def projection_discriminator(
    image_shape, n_classes, base_filters=64, spectral_norm=False, name="discriminator"
):
    """``D([x, y])`` = ``dense(phi(x)) + <embed(y), phi(x)>`` (Miyato & Koyama 2018), with
    ``phi`` the DCGAN discriminator's convolutions: one logit per (image, label) pair."""
    n_classes = check_count(n_classes, "n_classes")
    trunk = models.dcgan_features(image_shape, base_filters, spectral_norm)
    x = keras.Input(trunk.input.shape[1:], name="x")
    y = keras.Input((), dtype="int32", name="label")
    features = trunk(x)
    unconditional = layers.Dense(1, name="logit", dtype=models.OUT)(features)
    embedded = layers.Embedding(n_classes, features.shape[-1], name="class_embedding")(y)
    projection = keras.ops.sum(embedded * features, axis=-1, keepdims=True)
    return keras.Model([x, y], layers.Add(dtype=models.OUT)([unconditional, projection]), name=name)


def acgan_discriminator(
    image_shape, n_classes, base_filters=64, spectral_norm=False, name="discriminator"
):
    """``D(x)`` -> ``[logit, class_logits]``: the DCGAN discriminator's convolutions with two
    heads, real/fake (one logit) and the class (``n_classes`` logits)."""
    n_classes = check_count(n_classes, "n_classes")
    trunk = models.dcgan_features(image_shape, base_filters, spectral_norm)
    x = keras.Input(trunk.input.shape[1:], name="x")
    features = trunk(x)
    return keras.Model(
        x,
        [
            layers.Dense(1, name="logit", dtype=models.OUT)(features),
            layers.Dense(n_classes, name="class", dtype=models.OUT)(features),
        ],
        name=name,
    )


# ---------------------------------------------------------------------------- trainers
def _labels_of(data, who):
    if not (isinstance(data, tuple) and len(data) >= 2):
        raise ValueError(
            f"{who}: expected batches of (images, labels), e.g. "
            "gankit.data.make_dataset(x, y); got images alone"
        )
    return data[0], tf.cast(tf.reshape(data[1], [-1]), "int32")


@keras.saving.register_keras_serializable(package="gankit")
class ConditionalGAN(GAN):
    """A GAN whose G and D both see the class label: ``G([z, y])``, ``D([x, y])``.

    Args:
        generator: ``G([z, y])``, e.g. :func:`conditional_generator`.
        discriminator: ``D([x, y])`` -> one logit, e.g. :func:`projection_discriminator`.
        n_classes: labels are ``0 .. n_classes - 1``; the fakes' labels are drawn uniformly.
        **kwargs: :class:`gankit.gans.GAN`'s options (``ema``, ``r1_gamma``, ``label_smoothing``,
            ``instance_noise``, ``augment``, ``n_critic``, ``seed``); not ``pack``.

    ``fit`` takes a dataset of ``(images, labels)`` batches. History: ``d_loss``, ``g_loss``,
    ``d_real``, ``d_fake`` as for ``GAN``.
    """

    def __init__(self, generator, discriminator, n_classes, **kwargs):
        if kwargs.get("pack", 1) != 1:
            raise ValueError("pack: PacGAN's packs mix labels; a ConditionalGAN takes pack=1")
        kwargs.setdefault("latent_dim", generator.input_shape[0][-1])
        super().__init__(generator, discriminator, **kwargs)
        self.n_classes = check_count(n_classes, "n_classes")

    def get_config(self):
        return {**super().get_config(), "n_classes": self.n_classes}

    def sample_labels(self, batch_size):
        """Uniform labels for this replica's share of the global batch (see ``sample_noise``)."""
        return replicas.draw(
            lambda k: keras.random.randint((k,), 0, self.n_classes, seed=self.seed_generator),
            batch_size,
        )

    def discriminate(self, x, labels, training=True):
        """D's real/fake logit for images ``x`` (already as D sees them) asked to be ``labels``."""
        return self.discriminator([x, labels], training=training)

    def d_penalty(self, real_in, fake_in, labels=None):
        """``r1_gamma / 2`` times R1 on the real images, D's labels held fixed, or 0."""
        if not self.r1_gamma:
            return 0.0
        r1 = losses_module.r1_penalty(
            lambda x, training=True: self.discriminate(x, labels, training), real_in
        )
        self.trackers["r1"].update_state(r1 * replicas.count())
        return 0.5 * self.r1_gamma * r1

    def d_step(self, real, labels, z, fake_labels):
        fake = self.generator([z, fake_labels], training=True)
        real_in, fake_in = self.d_view(real), self.d_view(fake)
        with tf.GradientTape() as tape:
            real_logits = self.discriminate(real_in, labels)
            fake_logits = self.discriminate(fake_in, fake_labels)
            d_loss = self.d_loss_fn(real_logits, fake_logits)
            d_loss += self.d_penalty(real_in, fake_in, labels)
            # inside the tape: the loss scaling of mixed_float16 (a no-op otherwise)
            scaled = self.d_optimizer.scale_loss(d_loss)
        grads = tape.gradient(scaled, self.discriminator.trainable_weights)
        self.d_optimizer.apply(grads, self.discriminator.trainable_weights)
        return d_loss, real_logits, fake_logits

    def g_step(self, z, fake_labels):
        with tf.GradientTape() as tape:
            fake = self.d_view(self.generator([z, fake_labels], training=True))
            g_loss = self.g_loss_fn(self.discriminate(fake, fake_labels))
            # inside the tape: the loss scaling of mixed_float16 (a no-op otherwise)
            scaled = self.g_optimizer.scale_loss(g_loss)
        grads = tape.gradient(scaled, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss

    def train_step(self, data):
        real, labels = _labels_of(data, type(self).__name__)
        n = tf.shape(real)[0]
        for _ in range(self.n_critic):
            d_loss, real_logits, fake_logits = self.d_step(
                real, labels, self.sample_noise(n), self.sample_labels(n)
            )
        g_loss = self.g_step(self.sample_noise(n), self.sample_labels(n))
        return self.report(d_loss, g_loss, real_logits, fake_logits)

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def generate(self, n, labels=None, seed=0, batch_size=256):
        """``n`` samples as a NumPy array, of the classes ``labels`` (an int for all, or ``n``
        ints; ``None``: ``0, 1, ..., n_classes - 1`` repeated) from noise seeded by ``seed``."""
        n = check_count(n, "n")
        if labels is None:
            labels = np.arange(n) % self.n_classes
        labels = np.broadcast_to(np.asarray(labels), (n,)).astype("int32")
        if labels.min() < 0 or labels.max() >= self.n_classes:
            raise ValueError(
                f"labels: expected classes 0..{self.n_classes - 1}, got {labels.min()}..{labels.max()}"
            )
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        out = [
            np.asarray(self.sampler([z[i : i + batch_size], labels[i : i + batch_size]]))
            for i in range(0, n, batch_size)
        ]
        return np.concatenate(out)


@keras.saving.register_keras_serializable(package="gankit")
class ACGAN(ConditionalGAN):
    """Auxiliary-classifier GAN: ``G([z, y])``, and ``D(x)`` -> ``[logit, class_logits]``.

    D's loss adds the classification loss on real images (their labels) and on fakes (the labels
    asked for); G's loss adds it on fakes, times ``class_weight`` (1 in the paper). History adds
    ``d_class`` and ``g_class``, those classification losses.
    """

    def __init__(self, generator, discriminator, n_classes, class_weight=1.0, **kwargs):
        self.class_weight = float(class_weight)
        if not (np.isfinite(self.class_weight) and self.class_weight >= 0):
            raise ValueError(f"class_weight: expected a number >= 0, got {class_weight!r}")
        super().__init__(generator, discriminator, n_classes, **kwargs)

    def tracked(self):
        return super().tracked() + ("d_class", "g_class")

    def get_config(self):
        return {**super().get_config(), "class_weight": self.class_weight}

    def discriminate(self, x, labels, training=True):
        """The real/fake head's logit (D does not see the labels)."""
        return self.discriminator(x, training=training)[0]

    def d_step(self, real, labels, z, fake_labels):
        fake = self.generator([z, fake_labels], training=True)
        real_in, fake_in = self.d_view(real), self.d_view(fake)
        with tf.GradientTape() as tape:
            real_logits, real_class = self.discriminator(real_in, training=True)
            fake_logits, fake_class = self.discriminator(fake_in, training=True)
            d_class = losses_module.classification_loss(
                real_class, labels
            ) + losses_module.classification_loss(fake_class, fake_labels)
            d_loss = self.d_loss_fn(real_logits, fake_logits)
            d_loss += self.d_penalty(real_in, fake_in, labels)
            total = d_loss + self.class_weight * d_class
            # inside the tape: the loss scaling of mixed_float16 (a no-op otherwise)
            scaled = self.d_optimizer.scale_loss(total)
        grads = tape.gradient(scaled, self.discriminator.trainable_weights)
        self.d_optimizer.apply(grads, self.discriminator.trainable_weights)
        return d_loss, d_class, real_logits, fake_logits

    def g_step(self, z, fake_labels):
        with tf.GradientTape() as tape:
            fake = self.d_view(self.generator([z, fake_labels], training=True))
            fake_logits, fake_class = self.discriminator(fake, training=True)
            g_loss = self.g_loss_fn(fake_logits)
            g_class = losses_module.classification_loss(fake_class, fake_labels)
            total = g_loss + self.class_weight * g_class
            # inside the tape: the loss scaling of mixed_float16 (a no-op otherwise)
            scaled = self.g_optimizer.scale_loss(total)
        grads = tape.gradient(scaled, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        return g_loss, g_class

    def train_step(self, data):
        real, labels = _labels_of(data, type(self).__name__)
        n = tf.shape(real)[0]
        for _ in range(self.n_critic):
            d_loss, d_class, real_logits, fake_logits = self.d_step(
                real, labels, self.sample_noise(n), self.sample_labels(n)
            )
        g_loss, g_class = self.g_step(self.sample_noise(n), self.sample_labels(n))
        return self.report(
            d_loss, g_loss, real_logits, fake_logits, d_class=d_class, g_class=g_class
        )


# ---------------------------------------------------------------------------- using a generator
def signature(generator, what="generator"):
    """``(latent_dim, n_classes)`` of a conditional generator ``G([z, y])`` such as
    :func:`conditional_generator` makes (read from its inputs and its ``label_embedding`` layer),
    or ``None`` for a generator of noise alone. Raises ``ValueError`` naming ``what`` for a model
    with two inputs that is not such a generator."""
    inputs = generator.inputs
    if len(inputs) == 1:
        return None
    names = [layer.name for layer in generator.layers]
    if len(inputs) != 2 or len(inputs[0].shape) != 2 or "label_embedding" not in names:
        raise ValueError(
            f"{what}: expected G(noise) or a conditional G([noise, labels]) with a"
            f" 'label_embedding' layer, got inputs {[tuple(i.shape) for i in inputs]}"
        )
    return int(inputs[0].shape[-1]), int(generator.get_layer("label_embedding").input_dim)


def class_grid(generator, per_class=10, seed=0, batch_size=256):
    """Samples of every class from a conditional ``generator``, in grid order: row ``k`` holds
    ``per_class`` samples of class ``k``, and column ``j`` uses the same noise in every row, so
    reading down a column shows one style drawn as each class. Returns an array of
    ``n_classes * per_class`` images (plot with ``ncols=per_class``)."""
    latent_dim, n_classes = signature(generator)
    per_class = check_count(per_class, "per_class")
    z = np.random.default_rng(seed).standard_normal((per_class, latent_dim)).astype("float32")
    z = np.tile(z, (n_classes, 1))
    labels = np.repeat(np.arange(n_classes, dtype="int32"), per_class)
    out = [
        np.asarray(generator([z[i : i + batch_size], labels[i : i + batch_size]], training=False))
        for i in range(0, len(z), batch_size)
    ]
    return np.concatenate(out)
