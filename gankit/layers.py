"""Layers and input transforms that let the discriminator see *sets* of samples, not one at a time.

A collapsed generator makes every sample alike; a discriminator that judges one sample at a time
cannot see that, because each sample alone looks real. Two remedies give D a view of the batch:

* :class:`MinibatchStdDev` (Karras et al. 2018, "Progressive Growing of GANs", section 3) appends
  the batch's average standard deviation as one extra feature, so low variety is visible.
* :func:`pack` (Lin et al. 2018, "PacGAN") feeds D ``m`` samples at once, concatenated; D then
  tells real *sets* from fake sets, and a set of near-identical fakes is easy to reject.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="gankit")
class MinibatchStdDev(keras.layers.Layer):
    """Append the minibatch's mean standard deviation as an extra feature (or channel).

    For inputs ``(batch, features)`` the output is ``(batch, features + 1)``; for images
    ``(batch, h, w, c)`` it is ``(batch, h, w, c + 1)``. The statistic is the standard deviation of
    each feature over the batch, averaged over features: one number, the same for every sample, so
    D learns what a real batch's variety looks like. Hand-written (Keras has no such layer); under
    ``tf.distribute`` each replica uses its own share of the batch.
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = epsilon

    def call(self, x):
        mean = ops.mean(x, axis=0, keepdims=True)
        std = ops.sqrt(ops.mean(ops.square(x - mean), axis=0) + self.epsilon)
        stat = ops.mean(std)
        extra = ops.ones_like(x[..., :1]) * stat
        return ops.concatenate([x, extra], axis=-1)

    def compute_output_shape(self, input_shape):
        last = None if input_shape[-1] is None else input_shape[-1] + 1
        return (*input_shape[:-1], last)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


def pack(x, m):
    """PacGAN's packing: group a batch of ``n`` samples into ``n // m`` packs of ``m`` samples,
    concatenated along the last axis (features for points, channels for images).

    ``(n, d) -> (n // m, m * d)`` and ``(n, h, w, c) -> (n // m, h, w, m * c)``; consecutive
    samples form a pack. ``n`` must be a multiple of ``m`` (batch with ``drop_remainder``).
    """
    if m == 1:
        return x
    shape = ops.shape(x)
    rest = tuple(x.shape[1:])
    grouped = ops.reshape(x, (shape[0] // m, m, *rest))
    if len(rest) > 1:  # images: put the m samples next to the channel axis
        grouped = ops.moveaxis(grouped, 1, -2)
    return ops.reshape(grouped, (shape[0] // m, *rest[:-1], m * rest[-1]))


def packed_shape(sample_shape, m):
    """The input shape a packing discriminator is built for: the last axis times ``m``."""
    sample_shape = tuple(sample_shape)
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"pack: expected a whole number of samples per pack >= 1, got {m!r}")
    return (*sample_shape[:-1], sample_shape[-1] * m)
