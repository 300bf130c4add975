"""Self-conditioned GANs: a conditional GAN on clusters of the training images, no labels needed.

An unconditional GAN must find every mode of the data by itself; a conditional one (notebook 11) is
told which digit to draw and covers them all, but needs labels. Self-conditioning (Liu et al. 2020,
"Diverse Image Generation via Self-Conditioned GANs") takes the labels from the data: cluster the
training images, train a :class:`gankit.conditional.ConditionalGAN` on the cluster indices, and
draw each sample's cluster in proportion to the clusters' sizes, so the samples keep the data's
modes in the data's proportions.

This module is a simplification of the paper, kept small on purpose: the clusters come once,
before training, from scikit-learn's k-means on the pixels (:func:`cluster_images`), where the
paper clusters D's features and re-clusters as D learns. With 20 clusters of the 4,000 training
digits (more clusters than digits: a pixel cluster mixes fewer digits when there are more of
them), the recipe (:func:`gankit.recipes.self_conditioned`) reached FID 5 after 95-106 s of
training and ended 5 minutes at 3.9-4.5 (seeds 0 and 1), where the unconditional DCGAN recipe
never reached 5 (best 6.4-6.9) on the same CPU (``benchmarks/self_conditioned_time_to_quality.py``,
README "FID 5 in 5 minutes").
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from gankit import replicas
from gankit.conditional import ConditionalGAN
from gankit.validation import check_count, check_images


def cluster_images(images, k=20, seed=0):
    """Cluster ``images`` (n, H, W, C) into ``k`` groups with k-means on their pixels.

    scikit-learn's :class:`~sklearn.cluster.KMeans` (4 initialisations, ``random_state=seed``)
    does the work. Returns ``(labels, shares)``: each image's cluster (int32, ``0 .. k-1``) and each
    cluster's share of the images (float64, summing to 1). Raises ``ValueError`` for fewer images
    than clusters."""
    from sklearn.cluster import KMeans

    images = check_images(images)
    k = check_count(k, "k", minimum=2)
    if len(images) < k:
        raise ValueError(f"k: expected at most as many clusters as images ({len(images)}), got {k}")
    flat = images.reshape(len(images), -1)
    labels = KMeans(k, n_init=4, random_state=seed).fit_predict(flat).astype("int32")
    return labels, np.bincount(labels, minlength=k) / len(labels)


def _check_shares(shares):
    shares = np.asarray(shares, dtype="float64")
    if shares.ndim != 1 or len(shares) < 2 or not np.all(np.isfinite(shares)):
        raise ValueError(f"shares: expected a list of at least 2 finite numbers, got {shares!r}")
    if np.any(shares <= 0):
        raise ValueError("shares: every cluster needs a share > 0 (drop empty clusters)")
    return shares / shares.sum()


def draw_groups(shares, n, seed=0):
    """``n`` cluster indices drawn with probabilities ``shares`` (normalised), reproducibly for
    ``seed``: what :meth:`SelfConditionedGAN.generate` asks its generator for, and what
    ``python -m gankit sample`` draws from the shares a run recorded. ``ValueError`` for shares
    that are not positive finite numbers."""
    shares = _check_shares(shares)
    return np.random.default_rng([seed, 1]).choice(len(shares), check_count(n, "n"), p=shares)


@keras.saving.register_keras_serializable(package="gankit")
class SelfConditionedGAN(ConditionalGAN):
    """A :class:`~gankit.conditional.ConditionalGAN` whose classes are clusters of the data.

    Args:
        generator, discriminator: as for ``ConditionalGAN`` (``G([z, y])``, ``D([x, y])``).
        shares: each cluster's share of the training images (from :func:`cluster_images`); the
            fakes' clusters are drawn with these probabilities in training (per replica, like the
            noise), and by :meth:`generate` when no cluster is asked for.
        **kwargs: ``ConditionalGAN``'s options.

    ``fit`` takes ``(images, cluster indices)`` batches, e.g. ``data.make_dataset(x, labels)``.
    """

    def __init__(self, generator, discriminator, shares, **kwargs):
        self.shares = _check_shares(shares)
        super().__init__(generator, discriminator, len(self.shares), **kwargs)
        self._log_shares = np.log(self.shares)[None, :].astype("float32")

    def get_config(self):
        config = super().get_config()
        config.pop("n_classes")
        return {**config, "shares": self.shares.tolist()}

    def sample_labels(self, batch_size):
        """Clusters for this replica's share of the global batch, drawn by their ``shares``."""
        return replicas.draw(
            lambda k: tf.reshape(
                keras.random.categorical(
                    self._log_shares, k, seed=self.seed_generator, dtype="int32"
                ),
                [-1],
            ),
            batch_size,
        )

    def generate(self, n, labels=None, seed=0, batch_size=256):
        """``n`` samples from noise seeded by ``seed``; their clusters are drawn by ``shares``
        (from a generator seeded by ``seed`` too) unless ``labels`` asks for some."""
        n = check_count(n, "n")
        if labels is None:
            labels = draw_groups(self.shares, n, seed)
        return super().generate(n, labels=labels, seed=seed, batch_size=batch_size)
