"""Paired image-to-image translation: pix2pix (Isola et al. 2017), for Part 4 (notebook 12).

Given pairs (source, target) — an edge map and its digit, a grey patch and its colours, a
masked image and the whole one — a generator learns ``target ~ G(source)``:

* :func:`unet_generator`: an encoder-decoder whose decoder also receives the encoder's feature maps
  at the same resolution (skip connections), so fine detail of the source reaches the output
  without squeezing through the bottleneck.
* :func:`patch_discriminator` ("PatchGAN"): ``D([source, image])`` -> a map of logits, one per
  overlapping patch, each judging whether that patch of the image is a plausible translation of the
  source. It judges texture and sharpness locally; the L1 term takes care of the layout.
* :class:`Pix2Pix`: D's loss is the usual cross-entropy on (source, target) vs (source, G(source));
  G's loss is the non-saturating adversarial loss plus ``l1_weight`` (λ = 100 in the paper) times
  the mean absolute error to the target. Every loss is averaged over the global batch
  (:mod:`gankit.losses`).

The L1-only baseline a lesson compares with is the same U-Net fitted with Keras's own
``compile(loss="mae")``: no GAN machinery needed. Normalisation is instance normalisation,
``keras.layers.GroupNormalization(groups=-1)``, which does not depend on the batch. There is no
noise input and no dropout, so G is deterministic: one answer per source. (Isola et al. found that
G learned to ignore an input noise vector; the dropout they kept at test time gave only minor
stochasticity.)
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gankit import losses as losses_module
from gankit.data import check_count, check_positive
from gankit.models import predict_in_batches
from gankit.trainer_base import TrainerBase


def _check_shape(shape, name, depth):
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"{name}: expected an image shape (height, width, channels), got {shape}")
    step = 2**depth
    if shape[0] % step or shape[1] % step:
        raise ValueError(
            f"{name}: height and width must be divisible by 2**depth = {step} (each level halves"
            f" them), got {shape[:2]}"
        )
    return shape


def _instance_norm(name):
    return layers.GroupNormalization(groups=-1, name=name)


def unet_generator(input_shape, out_channels, base_filters=32, depth=2, name="generator"):
    """A U-Net ``G(source) -> image`` in [-1, 1] with ``out_channels`` channels.

    ``depth`` levels each halve the resolution (4x4 convolutions, stride 2, LeakyReLU 0.2, instance
    norm after the first; convolutions followed by a norm have no bias) and double the filters from ``base_filters``; the decoder mirrors them
    with transposed convolutions, concatenating the encoder's maps of the same size, and a last
    3x3 convolution sees the source itself too. Height and width must be divisible by
    ``2 ** depth``."""
    depth = check_count(depth, "depth")
    input_shape = _check_shape(input_shape, "input_shape", depth)
    out_channels = check_count(out_channels, "out_channels")
    base_filters = check_count(base_filters, "base_filters")
    source = keras.Input(input_shape, name="source")
    h, skips = source, []
    for i in range(depth):
        # no bias where instance norm follows: it subtracts the mean, so a bias there has no
        # effect and no gradient (Adam would move it on rounding noise alone)
        h = layers.Conv2D(
            base_filters * 2**i, 4, strides=2, padding="same", use_bias=not i, name=f"down{i}"
        )(h)
        if i:
            h = _instance_norm(f"down{i}_norm")(h)
        h = layers.LeakyReLU(0.2)(h)
        skips.append(h)
    h = layers.Conv2D(
        base_filters * 2**depth, 3, padding="same", use_bias=False, name="bottleneck"
    )(h)
    h = layers.ReLU()(_instance_norm("bottleneck_norm")(h))
    for i in reversed(range(depth)):
        h = layers.Concatenate()([h, skips[i]])
        h = layers.Conv2DTranspose(
            base_filters * 2 ** max(i - 1, 0),
            4,
            strides=2,
            padding="same",
            use_bias=False,
            name=f"up{i}",
        )(h)
        h = layers.ReLU()(_instance_norm(f"up{i}_norm")(h))
    h = layers.Concatenate()([h, source])
    image = layers.Conv2D(out_channels, 3, padding="same", activation="tanh", name="image")(h)
    return keras.Model(source, image, name=name)


def patch_discriminator(
    image_shape,
    source_shape=None,
    base_filters=32,
    depth=2,
    spectral_norm=False,
    name="discriminator",
):
    """PatchGAN: logits of shape ``(n, h / 2**depth, w / 2**depth, 1)``, one per patch.

    With ``source_shape`` it is pix2pix's conditional ``D([source, image])`` (source and image
    joined along the channels); without, CycleGAN's ``D(image)``. ``depth`` stride-2 convolutions
    (LeakyReLU 0.2, instance norm after the first) and a last 3x3 convolution give one logit per
    patch, each seeing a square of the input (the receptive field) rather than the whole image.
    ``spectral_norm=True`` wraps every convolution in ``keras.layers.SpectralNormalization``."""
    depth = check_count(depth, "depth")
    image_shape = _check_shape(image_shape, "image_shape", depth)
    if source_shape is not None:
        source_shape = _check_shape(source_shape, "source_shape", depth)
    if source_shape is not None and source_shape[:2] != image_shape[:2]:
        raise ValueError(
            f"source_shape, image_shape: expected the same height and width, got"
            f" {source_shape[:2]} and {image_shape[:2]}"
        )
    base_filters = check_count(base_filters, "base_filters")

    def conv(filters, size, strides, conv_name, use_bias=True):
        layer = layers.Conv2D(
            filters, size, strides=strides, padding="same", use_bias=use_bias, name=conv_name
        )
        return (
            layers.SpectralNormalization(layer, name=f"{conv_name}_sn") if spectral_norm else layer
        )

    image = keras.Input(image_shape, name="image")
    if source_shape is None:
        inputs = h = image
    else:
        source = keras.Input(source_shape, name="source")
        inputs, h = [source, image], layers.Concatenate()([source, image])
    for i in range(depth):
        h = conv(base_filters * 2**i, 4, 2, f"down{i}", use_bias=not i)(h)  # no bias before a norm
        if i:
            h = _instance_norm(f"down{i}_norm")(h)
        h = layers.LeakyReLU(0.2)(h)
    logits = conv(1, 3, 1, "patch_logits")(h)
    return keras.Model(inputs, logits, name=name)


@keras.saving.register_keras_serializable(package="gankit")
class Pix2Pix(TrainerBase):
    """pix2pix: ``G(source)`` trained against a PatchGAN ``D([source, image])`` plus an L1 term.

    Args:
        generator: ``G(source) -> image``, e.g. :func:`unet_generator`.
        discriminator: ``D([source, image]) -> logits`` (any shape), e.g. :func:`patch_discriminator`.
        l1_weight: λ, the weight of the mean absolute error to the target in G's loss (100 in the
            paper; 0 gives a GAN with no reconstruction term).

    ``fit`` takes batches of ``(source, target)`` (e.g. ``gankit.data.make_dataset(source,
    target)``). History: ``d_loss``, ``g_loss`` (the total), ``g_adv`` (its adversarial part) and
    ``l1`` (the mean absolute error of G's output, before weighting).
    """

    def __init__(self, generator, discriminator, l1_weight=100.0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(generator, keras.Model) or not isinstance(discriminator, keras.Model):
            raise TypeError("generator, discriminator: expected two keras.Model instances")
        if l1_weight != 0:
            check_positive(l1_weight, "l1_weight")
        self.generator, self.discriminator = generator, discriminator
        self.l1_weight = float(l1_weight)
        self.make_trackers(("d_loss", "g_loss", "g_adv", "l1"))

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """One optimizer per network; other keyword arguments (``jit_compile``,
        ``steps_per_execution``) go to ``keras.Model.compile``, which makes no optimizer of its own."""
        self.compile_networks(
            ((d_optimizer, [self.discriminator]), (g_optimizer, [self.generator])), **kwargs
        )
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def call(self, source, training=False):
        return self.generator(source, training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "l1_weight": self.l1_weight,
        }

    @classmethod
    def from_config(cls, config):
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)

    def train_step(self, data):
        if not (isinstance(data, tuple) and len(data) >= 2):
            raise ValueError(
                "Pix2Pix: expected batches of (source, target), e.g."
                " gankit.data.make_dataset(source, target); got one array"
            )
        source, target = data[0], data[1]
        with tf.GradientTape() as tape:
            fake = self.generator(source, training=True)
            real_logits = self.discriminator([source, target], training=True)
            fake_logits = self.discriminator([source, fake], training=True)
            d_loss = losses_module.discriminator_loss(real_logits, fake_logits)
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply(tape.gradient(d_loss, weights), weights)
        with tf.GradientTape() as tape:
            fake = self.generator(source, training=True)
            g_adv = losses_module.non_saturating_generator_loss(
                self.discriminator([source, fake], training=True)
            )
            l1 = losses_module.l1_loss(target, fake)
            g_loss = g_adv + self.l1_weight * l1
        weights = self.generator.trainable_weights
        self.g_optimizer.apply(tape.gradient(g_loss, weights), weights)
        return self.track(d_loss=d_loss, g_loss=g_loss, g_adv=g_adv, l1=l1)

    def translate(self, source, batch_size=256):
        """``G(source)`` for a NumPy batch, in inference mode, as a NumPy array."""
        return predict_in_batches(self.generator, np.asarray(source, "float32"), batch_size)
