"""The reference of the benchmark: a faithful Keras 3 copy of the keras.io DCGAN example (its
networks, ``train_step``, pipeline and optimizers; see :mod:`gankit.bench`)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

# ---------------------------------------------------------------------------------------------
# The reference: keras.io's "GAN overriding Model.train_step" (2020, MNIST), in Keras 3
# ---------------------------------------------------------------------------------------------

REFERENCE = {
    "latent_dim": 128,
    "batch_size": 64,
    "learning_rate": 3e-4,  # Adam, Keras' defaults otherwise (beta_1 0.9, beta_2 0.999)
    "shuffle_buffer": 1024,
    "prefetch": 32,
    "label_noise": 0.05,
}


def reference_discriminator():
    """The example's discriminator: 28x28x1 images in [0, 1] -> one logit (74,625 weights)."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


def reference_generator(output_activation="sigmoid"):
    """The example's generator: 128-d noise -> 28x28x1 images (1,339,905 weights). Its images are
    in [0, 1] (sigmoid); ``output_activation="tanh"`` gives the same network for [-1, 1] data."""
    return keras.Sequential(
        [
            keras.Input((REFERENCE["latent_dim"],)),
            layers.Dense(7 * 7 * 128),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Reshape((7, 7, 128)),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Conv2D(1, (7, 7), padding="same", activation=output_activation),
        ],
        name="generator",
    )


class ReferenceGAN(keras.Model):
    """The example's ``GAN(keras.Model)``, with its ``train_step`` (labels: fake 1, real 0)."""

    def __init__(self, discriminator, generator, latent_dim, seed=None):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        # Sample random points in the latent space
        batch_size = keras.ops.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        # Decode them to fake images
        generated_images = self.generator(random_latent_vectors)
        # Combine them with real images
        combined_images = keras.ops.concatenate([generated_images, real_images], axis=0)
        # Assemble labels discriminating real from fake images
        labels = keras.ops.concatenate(
            [keras.ops.ones((batch_size, 1)), keras.ops.zeros((batch_size, 1))], axis=0
        )
        # Add random noise to the labels - important trick!
        labels += REFERENCE["label_noise"] * keras.random.uniform(
            keras.ops.shape(labels), seed=self.seed_generator
        )
        # Train the discriminator
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights, strict=True)
        )
        # Sample random points in the latent space
        random_latent_vectors = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        # Assemble labels that say "all real images"
        misleading_labels = keras.ops.zeros((batch_size, 1))
        # Train the generator (note that we should *not* update the weights of the discriminator)!
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights, strict=True))
        return {"d_loss": d_loss, "g_loss": g_loss}


def reference_gan(seed=0):
    """The example's GAN, compiled as the example does (Keras' defaults: no XLA on a CPU)."""
    gan = ReferenceGAN(
        reference_discriminator(), reference_generator(), REFERENCE["latent_dim"], seed=seed
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=REFERENCE["learning_rate"]),
        g_optimizer=keras.optimizers.Adam(learning_rate=REFERENCE["learning_rate"]),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    return gan


def reference_dataset(x, seed=0):
    """The example's pipeline over images ``x`` in [-1, 1] (rescaled to [0, 1] for it):
    ``shuffle(1024).batch(64).prefetch(32)``, repeated so training can be cut into chunks."""
    x01 = ((np.asarray(x, "float32") + 1.0) / 2.0).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices(x01)
    ds = ds.shuffle(buffer_size=REFERENCE["shuffle_buffer"], seed=seed)
    return ds.batch(REFERENCE["batch_size"]).prefetch(REFERENCE["prefetch"]).repeat()


def reference_samples(gan, n, seed):
    """``n`` images from the reference's generator, rescaled from [0, 1] to [-1, 1]."""
    from gankit.models import predict_in_batches

    z = np.random.default_rng(seed).standard_normal((n, gan.latent_dim)).astype("float32")
    return np.clip(predict_in_batches(gan.generator, z) * 2.0 - 1.0, -1.0, 1.0)
