"""Differentiable augmentation (DiffAugment) for training a GAN on few images.

Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training". With a few hundred
images D memorises the training set and its verdicts stop teaching G. Augmenting only the real
images would teach G to draw augmented images; DiffAugment instead applies the *same kind* of
random transformation to real and fake images, in D's step *and* in G's step, and since every
transformation is differentiable G's gradient flows through it.

The three policies of the paper for images in [-1, 1], NHWC:

* ``"translation"``: shift by up to 1/8 of the side in each direction, zero-padded;
* ``"cutout"``: zero a square of half the side at a random place;
* ``"color"``: here only the brightness part (add ``U(-0.5, 0.5)``), since the course's images are
  grey (saturation and contrast need colour channels to mean anything).

Hand-written because Keras's augmentation layers draw one transformation per call from a Python
seed and do not pass gradients to their input in every backend; these are plain tensor ops that
XLA compiles, with the randomness from a ``keras.random.SeedGenerator`` drawn per replica
(:func:`gankit.replicas.draw`).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from gankit import replicas

POLICIES = ("translation", "cutout", "color")


def check_policy(policy):
    """Return the policy as a tuple of names, or raise ``ValueError`` naming the unknown one."""
    if isinstance(policy, str):
        policy = tuple(p.strip() for p in policy.split(",") if p.strip())
    policy = tuple(policy)
    unknown = [p for p in policy if p not in POLICIES]
    if unknown or not policy:
        raise ValueError(
            f"augment: expected a comma-separated subset of {', '.join(POLICIES)}, got {policy!r}"
        )
    return policy


def translation(x, seed, ratio=0.125):
    """Shift every image by its own random offset of up to ``ratio`` of the side, zero-padded."""
    n, h, w = tf.shape(x)[0], x.shape[1], x.shape[2]
    ph, pw = max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5))
    dy = replicas.draw(lambda k: keras.random.randint((k, 1), -ph, ph + 1, seed=seed), n)
    dx = replicas.draw(lambda k: keras.random.randint((k, 1), -pw, pw + 1, seed=seed), n)
    padded = tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]])
    rows = tf.range(h)[None, :] + ph + dy  # (n, h): the rows each image reads
    cols = tf.range(w)[None, :] + pw + dx
    out = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(out, cols, axis=2, batch_dims=1)


def cutout(x, seed, ratio=0.5):
    """Zero a square of ``ratio`` times the side, centred at a random pixel of each image."""
    n, h, w = tf.shape(x)[0], x.shape[1], x.shape[2]
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = replicas.draw(lambda k: keras.random.randint((k, 1, 1), 0, h + (1 - sh % 2), seed=seed), n)
    cx = replicas.draw(lambda k: keras.random.randint((k, 1, 1), 0, w + (1 - sw % 2), seed=seed), n)
    ys = tf.range(h)[None, :, None]
    xs = tf.range(w)[None, None, :]
    top, left = (
        cy - sh // 2,
        cx - sw // 2,
    )  # the square may stick out of the image (as in the paper)
    inside = (ys >= top) & (ys < top + sh) & (xs >= left) & (xs < left + sw)
    return x * tf.cast(~inside, x.dtype)[..., None]


def brightness(x, seed):
    """Add one random brightness offset in [-0.5, 0.5) to each image."""
    shift = replicas.draw(
        lambda k: keras.random.uniform((k, 1, 1, 1), -0.5, 0.5, dtype=x.dtype, seed=seed),
        tf.shape(x)[0],
    )
    return x + shift


def diff_augment(x, policy=POLICIES, seed=None):
    """Apply the named policies in order to a batch of images ``(n, h, w, c)``, each image with
    its own random draw. Every operation is differentiable with respect to ``x``."""
    x = tf.convert_to_tensor(x)
    if x.shape.rank != 4:
        raise ValueError(f"augment: expected a batch of images (n, h, w, c), got shape {x.shape}")
    for name in check_policy(policy):
        if name == "translation":
            x = translation(x, seed)
        elif name == "cutout":
            x = cutout(x, seed)
        else:
            x = brightness(x, seed)
    return x
