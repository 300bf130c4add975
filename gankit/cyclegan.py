"""Unpaired image-to-image translation: CycleGAN (Zhu et al. 2017), for Part 4 (notebook 13).

Two domains A and B (grass and gravel patches, thin and thick digits) with no pairs between them.
Two generators translate each way, ``G_ab`` and ``G_ba``, and two discriminators judge each domain,
``D_a`` and ``D_b``. Without pairs, an adversarial loss alone would let ``G_ab`` map every image to
*some* plausible B image; the **cycle loss** ``|G_ba(G_ab(a)) - a|`` (and the same from B) asks that
the translation keep enough of the input to get it back, and the **identity loss**
``|G_ab(b) - b|`` asks a generator to leave an image already in its target domain alone (it keeps
colours from drifting). The adversarial losses are least squares (Mao et al. 2017), as in the paper
(halved, as :mod:`gankit.losses` writes them and Mao et al. do; the official CycleGAN code does not
halve, so a cycle weight of 10 here weighs as 20 would there),
and the discriminators learn from an :class:`ImagePool` of past fakes rather than only the latest
ones (Shrivastava et al. 2017), which damps oscillation.

Generators and discriminators come from :mod:`gankit.pix2pix` (``unet_generator``, and
``patch_discriminator`` without a source). The paper's generator is a ResNet; a small U-Net is
enough here and is what the lesson uses. Instance normalisation is
``keras.layers.GroupNormalization(groups=-1)``.

Trained on one device: the pool is state that each replica would hold separately, so under a
``tf.distribute`` strategy with several replicas :meth:`CycleGAN.compile` refuses.
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


@keras.saving.register_keras_serializable(package="gankit")
class ImagePool(layers.Layer):
    """A buffer of up to ``size`` past generated images (50 in CycleGAN).

    ``pool(fakes)`` returns a batch the shape of ``fakes``: while the buffer fills, the fakes
    themselves (each stored); once it is full, each image is, with probability 1/2, swapped for a
    randomly chosen stored one (which it replaces), else returned as it is. Written with fixed
    shapes so it runs inside an XLA-compiled step; its state is two non-trainable variables, saved
    with the model's checkpoints.
    """

    def __init__(self, size, image_shape, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.size = check_count(size, "size")
        self.image_shape = tuple(int(s) for s in image_shape)
        # one spare row at the end receives the writes of images that are not stored
        self.images = self.add_weight(
            shape=(self.size + 1, *self.image_shape),
            initializer="zeros",
            trainable=False,
            name="images",
        )
        self.count = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="count"
        )
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, fakes):
        fakes = tf.convert_to_tensor(fakes, self.images.dtype)
        n = tf.shape(fakes)[0]
        position = self.count + tf.range(n)
        filling = position < self.size
        coin = keras.random.uniform((n,), seed=self.seed_generator)
        slot = keras.random.randint((n,), 0, self.size, seed=self.seed_generator, dtype="int32")
        swap = tf.logical_and(tf.logical_not(filling), coin < 0.5)
        stored = tf.gather(self.images, slot)
        out = tf.where(swap[:, None, None, None], stored, fakes)
        target = tf.where(filling, position, tf.where(swap, slot, self.size))
        self.images.assign(tf.tensor_scatter_nd_update(self.images, target[:, None], fakes))
        self.count.assign(tf.minimum(self.count + n, self.size))
        return out

    def get_config(self):
        return {**super().get_config(), "size": self.size, "image_shape": self.image_shape}


@keras.saving.register_keras_serializable(package="gankit")
class CycleGAN(TrainerBase):
    """CycleGAN: ``G_ab``, ``G_ba``, ``D_a``, ``D_b``, trained on unpaired batches ``(a, b)``.

    Args:
        g_ab, g_ba: generators A -> B and B -> A (e.g. :func:`gankit.pix2pix.unet_generator`).
        d_a, d_b: discriminators of domain A and B images (e.g.
            :func:`gankit.pix2pix.patch_discriminator` without a source).
        cycle_weight: λ for the cycle losses (10 in the paper; 0 turns them off, to see why
            they are there).
        identity_weight: weight of the identity losses (default ``0.5 * cycle_weight``, as in the
            paper; 0 turns them off, which is required when A and B differ in channels).
        pool_size: past fakes kept for each discriminator (50 in the paper).

    History: ``d_loss`` (both discriminators), ``g_loss`` (the total), ``g_adv``, ``cycle`` and
    ``identity`` (the unweighted sums over both directions).
    """

    def __init__(
        self,
        g_ab,
        g_ba,
        d_a,
        d_b,
        cycle_weight=10.0,
        identity_weight=None,
        pool_size=50,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, net in (("g_ab", g_ab), ("g_ba", g_ba), ("d_a", d_a), ("d_b", d_b)):
            if not isinstance(net, keras.Model):
                raise TypeError(f"{name}: expected a keras.Model, got {type(net).__name__}")
        shape_a, shape_b = tuple(g_ab.input_shape[1:]), tuple(g_ba.input_shape[1:])
        if tuple(g_ab.output_shape[1:]) != shape_b or tuple(g_ba.output_shape[1:]) != shape_a:
            raise ValueError(
                f"g_ab, g_ba: expected A {shape_a} -> B {shape_b} and back, got outputs"
                f" {g_ab.output_shape[1:]} and {g_ba.output_shape[1:]}"
            )
        # 0 is allowed: a lesson trains without the cycle loss to see what it prevents
        self.cycle_weight = (
            0.0 if cycle_weight == 0 else check_positive(cycle_weight, "cycle_weight")
        )
        if identity_weight is None:
            identity_weight = 0.5 * self.cycle_weight
        if identity_weight and shape_a[-1] != shape_b[-1]:
            raise ValueError(
                f"identity_weight: domains with {shape_a[-1]} and {shape_b[-1]} channels have no"
                " identity mapping; pass identity_weight=0"
            )
        self.identity_weight = float(identity_weight)
        if self.identity_weight:
            check_positive(self.identity_weight, "identity_weight")
        self.g_ab, self.g_ba, self.d_a, self.d_b = g_ab, g_ba, d_a, d_b
        self.pool_size, self.seed = check_count(pool_size, "pool_size"), seed
        self.pool_a = ImagePool(pool_size, shape_a, seed=seed, name="pool_a")
        self.pool_b = ImagePool(
            pool_size, shape_b, seed=None if seed is None else seed + 1, name="pool_b"
        )
        self.make_trackers(("d_loss", "g_loss", "g_adv", "cycle", "identity"))

    def compile(self, g_optimizer, d_optimizer, **kwargs):
        """One optimizer for both generators, one for both discriminators; other keyword
        arguments go to ``keras.Model.compile`` (which makes no optimizer of its own)."""
        if self.distribute_strategy.num_replicas_in_sync > 1:
            raise ValueError(
                "CycleGAN: trains on one device (each replica would keep its own pool of fakes)"
            )
        self.compile_networks(
            ((g_optimizer, [self.g_ab, self.g_ba]), (d_optimizer, [self.d_a, self.d_b])), **kwargs
        )
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    def call(self, a, training=False):
        return self.g_ab(a, training=training)

    def get_config(self):
        nets = {
            k: keras.saving.serialize_keras_object(getattr(self, k))
            for k in ("g_ab", "g_ba", "d_a", "d_b")
        }
        return {
            **super().get_config(),
            **nets,
            "cycle_weight": self.cycle_weight,
            "identity_weight": self.identity_weight,
            "pool_size": self.pool_size,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        for key in ("g_ab", "g_ba", "d_a", "d_b"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    def train_step(self, data):
        if not (isinstance(data, tuple) and len(data) >= 2):
            raise ValueError(
                "CycleGAN: expected batches of (a, b), one image of each domain, e.g."
                " tf.data.Dataset.zip((domain_a, domain_b)); got one array"
            )
        a, b = data[0], data[1]
        l1, ls_g = losses_module.l1_loss, losses_module.least_squares_generator_loss
        generators = self.g_ab.trainable_weights + self.g_ba.trainable_weights
        with tf.GradientTape() as tape:
            fake_b, fake_a = self.g_ab(a, training=True), self.g_ba(b, training=True)
            g_adv = ls_g(self.d_b(fake_b, training=True)) + ls_g(self.d_a(fake_a, training=True))
            cycle = l1(a, self.g_ba(fake_b, training=True)) + l1(
                b, self.g_ab(fake_a, training=True)
            )
            identity = tf.constant(0.0)
            if self.identity_weight:
                identity = l1(a, self.g_ba(a, training=True)) + l1(b, self.g_ab(b, training=True))
            g_loss = g_adv + self.cycle_weight * cycle + self.identity_weight * identity
        self.g_optimizer.apply(tape.gradient(g_loss, generators), generators)
        pooled_a, pooled_b = self.pool_a(fake_a), self.pool_b(fake_b)
        discriminators = self.d_a.trainable_weights + self.d_b.trainable_weights
        ls_d = losses_module.least_squares_discriminator_loss
        with tf.GradientTape() as tape:
            d_loss = ls_d(self.d_a(a, training=True), self.d_a(pooled_a, training=True)) + ls_d(
                self.d_b(b, training=True), self.d_b(pooled_b, training=True)
            )
        self.d_optimizer.apply(tape.gradient(d_loss, discriminators), discriminators)
        return self.track(d_loss=d_loss, g_loss=g_loss, g_adv=g_adv, cycle=cycle, identity=identity)

    def translate(self, images, direction="ab", batch_size=256):
        """Translate a NumPy batch A -> B (``direction="ab"``) or B -> A (``"ba"``)."""
        if direction not in ("ab", "ba"):
            raise ValueError(f"direction: expected 'ab' or 'ba', got {direction!r}")
        generator = self.g_ab if direction == "ab" else self.g_ba
        return predict_in_batches(generator, np.asarray(images, "float32"), batch_size)
