"""Small shared pieces for the tests: a tiny seeded DCGAN on 8x8 images, an MLP GAN on 2-D points."""

import keras

from gankit import gans, models


def tiny_gan(seed=0, ema=None, loss="non_saturating"):
    """A compiled 8x8 DCGAN (Adam 1e-3, beta_1 0.5) built under ``keras.utils.set_random_seed``."""
    keras.utils.set_random_seed(seed)
    g = models.dcgan_generator(8, (8, 8, 1), base_filters=8)
    d = models.dcgan_discriminator((8, 8, 1), base_filters=8)
    gan = gans.GAN(g, d, seed=seed, ema=ema)
    gan.compile(keras.optimizers.Adam(1e-3, 0.5), keras.optimizers.Adam(1e-3, 0.5), loss=loss)
    return gan


def point_gan(seed=0, loss="non_saturating", learning_rate=5e-3):
    """A compiled MLP GAN for 2-D points (noise 2, two hidden layers of 32; Adam, beta_1 0.5)."""
    keras.utils.set_random_seed(seed)
    g = models.mlp_generator(2, (2,), (32, 32), tanh=False)
    d = models.mlp_discriminator((2,), (32, 32))
    gan = gans.GAN(g, d, seed=seed)
    gan.compile(
        keras.optimizers.Adam(learning_rate, 0.5),
        keras.optimizers.Adam(learning_rate, 0.5),
        loss=loss,
    )
    return gan
