"""Small shared pieces for the tests: a tiny seeded DCGAN on 8x8 images."""

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
