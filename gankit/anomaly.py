"""Anomaly detection with a GAN trained on normal data only (Part 4, notebook 15).

A GAN trained on one kind of image learns what that kind looks like; an image it cannot make is
suspicious. Three ways to turn that into a score, from the literature, plus the baseline they must
beat:

* :func:`discriminator_scores`: minus D's logit. Cheap, and weak: D learns to tell the data from
  *this* generator's fakes, not to model the data's density, and at the end of training it is
  close to indifferent everywhere.
* :func:`latent_search` (AnoGAN, Schlegl et al. 2017): for each image, gradient descent on the
  latent vector ``z`` until ``G(z)`` is as close as G can get; the remaining difference is the
  score. An optimisation per image: slow.
* :class:`EncoderTrainer` (f-AnoGAN, Schlegl et al. 2019, its "izi_f" training): an encoder ``E``
  learns ``z = E(x)`` on the normal images with G and D frozen, minimising
  ``||x - G(E(x))||^2 + kappa ||f(x) - f(G(E(x)))||^2`` (``f``: D's features before its logit).
  Scoring is then one forward pass. :func:`izi_f_scores` gives both terms and the score.
* :func:`pca_residuals`: the baseline, scikit-learn's PCA fitted on the normal images; the score
  is the mean squared error of the reconstruction from the top components.

:func:`auroc_by_class` reports the area under the ROC curve (scikit-learn's ``roc_auc_score``) of
each anomalous class against the normal one, and their mean. The search, the encoder's training
step and the score are written out here because the lesson teaches them.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gankit import models
from gankit.validation import check_count, check_images, check_positive


def _kappa(kappa):
    if isinstance(kappa, bool) or not isinstance(kappa, int | float | np.integer | np.floating):
        raise TypeError(f"kappa: expected a number >= 0, got {kappa!r}")
    if not (np.isfinite(kappa) and kappa >= 0):
        raise ValueError(f"kappa: expected a finite number >= 0, got {kappa!r}")
    return float(kappa)


# --------------------------------------------------------------------------- the baseline
def pca_residuals(train, images, n_components=16, seed=0):
    """Mean squared error per image of its reconstruction from the top ``n_components``
    principal components of ``train`` (the normal images): ``(n,)``. scikit-learn's ``PCA``."""
    from sklearn.decomposition import PCA

    train, images = check_images(train, "train"), check_images(images)
    n_components = check_count(n_components, "n_components")
    if train.shape[1:] != images.shape[1:]:
        raise ValueError(f"images: shape {images.shape[1:]} differs from train's {train.shape[1:]}")
    if n_components >= len(train):
        raise ValueError(
            f"n_components: {n_components} must be below the {len(train)} training images"
        )
    flat = images.reshape(len(images), -1)
    pca = PCA(n_components, random_state=seed).fit(train.reshape(len(train), -1))
    return ((flat - pca.inverse_transform(pca.transform(flat))) ** 2).mean(axis=1)


# --------------------------------------------------------------------------- scores from a GAN
def features(discriminator):
    """D's features: a model from D's input to the layer before its last (the logit), flattened."""
    if not isinstance(discriminator, keras.Model) or len(discriminator.layers) < 3:
        raise ValueError("discriminator: expected a Keras model with layers before its logit")
    inner = discriminator.layers[-2].output
    return keras.Model(discriminator.input, layers.Flatten()(inner), name="d_features")


def discriminator_scores(discriminator, images, batch_size=256):
    """Minus D's logit per image (higher: less like the training data), ``(n,)``."""
    logits = models.predict_in_batches(discriminator, check_images(images), batch_size=batch_size)
    return -np.asarray(logits).reshape(len(logits), -1)[:, 0]


def izi_f_scores(generator, encoder, feature_model, images, kappa=1.0, batch_size=256):
    """f-AnoGAN's score of each image: ``residual + kappa * feature_residual``, both per-image
    means of squared differences between ``x`` and ``G(E(x))`` (pixels) and between their
    features. Returns a dict of ``(n,)`` arrays: ``residual``, ``feature_residual``, ``score``."""
    images = check_images(images)
    _kappa(kappa)
    z = models.predict_in_batches(encoder, images, batch_size=batch_size)
    rebuilt = models.predict_in_batches(generator, z, batch_size=batch_size)
    residual = ((images - rebuilt) ** 2).reshape(len(images), -1).mean(axis=1)
    f_real = models.predict_in_batches(feature_model, images, batch_size=batch_size)
    f_fake = models.predict_in_batches(feature_model, rebuilt, batch_size=batch_size)
    feature_residual = ((f_real - f_fake) ** 2).reshape(len(images), -1).mean(axis=1)
    return {
        "residual": residual,
        "feature_residual": feature_residual,
        "score": residual + kappa * feature_residual,
        "reconstructions": rebuilt,
    }


def latent_search(generator, images, steps=100, learning_rate=0.05, seed=0):
    """AnoGAN's search: for all images at once, Adam on one latent vector per image to minimise
    the mean squared difference between ``G(z)`` and the image, from ``z`` drawn N(0, I).

    Returns a dict: ``residual`` ``(n,)`` after the last step, ``z`` ``(n, latent_dim)`` and
    ``reconstructions``. Schlegl et al. also add a feature term; the residual alone keeps the
    search simple, and :func:`izi_f_scores` shows the feature term."""
    images = tf.constant(check_images(images))
    steps = check_count(steps, "steps")
    check_positive(learning_rate, "learning_rate")
    rng = np.random.default_rng(check_count(seed, "seed", minimum=0))
    z = tf.Variable(
        rng.standard_normal((images.shape[0], models.latent_dim(generator))).astype("float32")
    )
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build([z])

    @tf.function(jit_compile=True)
    def step():
        with tf.GradientTape() as tape:
            errors = tf.reduce_mean(
                tf.reshape((generator(z, training=False) - images) ** 2, [images.shape[0], -1]), 1
            )
            # each image's search is independent: the sum gives each z its own error's gradient
            total = tf.reduce_sum(errors)
        optimizer.apply([tape.gradient(total, z)], [z])
        return errors

    for _ in range(steps):
        step()
    rebuilt = generator(z, training=False)
    residual = tf.reduce_mean(tf.reshape((rebuilt - images) ** 2, [images.shape[0], -1]), 1)
    return {"residual": residual.numpy(), "z": z.numpy(), "reconstructions": rebuilt.numpy()}


# --------------------------------------------------------------------------- f-AnoGAN's encoder
def image_encoder(image_shape, latent_dim, base_filters=32, name="encoder"):
    """A small convolutional encoder, image -> latent vector (linear output: z is unbounded)."""
    image_shape = models._check_shape(image_shape, "image_shape", ranks=(3,))
    latent_dim = check_count(latent_dim, "latent_dim")
    base_filters = check_count(base_filters, "base_filters")
    x = inputs = keras.Input(image_shape)
    for multiple in (1, 2):
        x = layers.Conv2D(base_filters * multiple, 4, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Dense(latent_dim, name="z")(layers.Flatten()(x))
    return keras.Model(inputs, x, name=name)


class EncoderTrainer(keras.Model):
    """f-AnoGAN's izi_f training as a ``keras.Model``: ``fit`` it on the normal images.

    Only the encoder learns: gradients go to ``self.encoder.trainable_weights`` alone. The trained
    generator and D's feature model are used as they are; they are *not* marked untrainable, since
    D's feature model shares its layers with the discriminator and that would freeze the GAN's D
    too. The loss is the batch mean of ``||x - G(E(x))||^2`` over pixels plus ``kappa`` times the
    batch mean of the squared feature difference, tracked as ``loss``, ``residual`` and
    ``feature_residual`` (notebook 15's exercise 15.2 writes this ``train_step``).
    """

    def __init__(self, encoder, generator, feature_model, kappa=1.0, **kwargs):
        super().__init__(**kwargs)
        self.kappa = _kappa(kappa)
        self.encoder, self.generator, self.feature_model = encoder, generator, feature_model
        self.trackers = {
            name: keras.metrics.Mean(name=name) for name in ("loss", "residual", "feature_residual")
        }

    @property
    def metrics(self):
        return list(self.trackers.values())

    def fit(self, *args, shuffle=False, **kwargs):
        """``keras.Model.fit``; a ``tf.data`` pipeline shuffles itself (``gankit.data``)."""
        return super().fit(*args, shuffle=shuffle, **kwargs)

    def call(self, images, training=False):
        """``G(E(x))``: the reconstruction (G in inference mode: it is not being trained)."""
        return self.generator(self.encoder(images, training=training), training=False)

    def report(self, **values):
        """Update the trackers named by the keywords and return every tracker's result, the dict
        ``train_step`` returns to ``fit``."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, images):
        with tf.GradientTape() as tape:
            rebuilt = self(images, training=True)
            residual = tf.reduce_mean(tf.square(images - rebuilt))
            feature_residual = tf.reduce_mean(
                tf.square(self.feature_model(images) - self.feature_model(rebuilt))
            )
            loss = residual + self.kappa * feature_residual
        weights = self.encoder.trainable_weights
        self.optimizer.apply(tape.gradient(loss, weights), weights)
        return self.report(loss=loss, residual=residual, feature_residual=feature_residual)


# --------------------------------------------------------------------------- the verdict
def auroc_by_class(scores, labels, normal):
    """AUROC of each anomalous class against the normal class (higher scores should mean
    anomalous), and their ``mean``, as a pandas Series; scikit-learn's ``roc_auc_score``.

    0.5 is chance, 1.0 a threshold that separates the two perfectly."""
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    scores, labels = np.asarray(scores, dtype=float).ravel(), np.asarray(labels).ravel()
    if scores.shape != labels.shape:
        raise ValueError(f"scores: {scores.shape[0]} scores for {labels.shape[0]} labels")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores: contains NaN or infinite values")
    classes = [c for c in np.unique(labels) if c != normal]
    if not np.any(labels == normal) or not classes:
        raise ValueError(f"labels: need the normal class {normal!r} and at least one other")
    result = {}
    for c in classes:
        keep = (labels == normal) | (labels == c)
        result[c] = roc_auc_score(labels[keep] == c, scores[keep])
    series = pd.Series(result, name="AUROC")
    series["mean"] = series.mean()
    return series
