"""Data handling for notebook 07: augmentation in the pipeline, class-balanced batches and a
generator for encoded tables."""

import keras
import numpy as np
import pandas as pd
import pytest

from gankit import data, models


def imbalanced(n_per_class=(300, 30, 10)):
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    x = np.random.default_rng(0).uniform(-1, 1, (len(y), 4, 4, 1)).astype("float32")
    return x, y


def test_balanced_dataset_gives_every_class_an_equal_share():
    x, y = imbalanced()
    ds = data.balanced_dataset(x, y, batch_size=30, seed=0, steps_per_epoch=100)
    seen = np.concatenate([yb.numpy() for _, yb in ds])
    assert len(seen) == 3000
    np.testing.assert_allclose(np.bincount(seen) / len(seen), 1 / 3, atol=0.03)
    # the rarest class's ten rows are all used, not just one of them
    rare_rows = {xb.numpy()[i].tobytes() for xb, yb in ds for i in np.flatnonzero(yb.numpy() == 2)}
    assert len(rare_rows) == 10


def test_balanced_dataset_keeps_images_with_their_labels():
    x, y = imbalanced()
    x = np.broadcast_to(y[:, None, None, None] / 2 - 0.5, x.shape).astype("float32")
    for xb, yb in data.balanced_dataset(x, y, batch_size=16, steps_per_epoch=5):
        np.testing.assert_allclose(xb.numpy()[:, 0, 0, 0], yb.numpy() / 2 - 0.5)


def test_balanced_dataset_rejects_bad_labels():
    x, y = imbalanced()
    with pytest.raises(ValueError, match="at least two classes"):
        data.balanced_dataset(x, np.zeros(len(x), int))
    with pytest.raises(ValueError, match="labels for"):
        data.balanced_dataset(x, y[:-1])


def test_make_dataset_applies_augment_to_images_only():
    x, y = imbalanced()
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    seen = next(iter(data.make_dataset(x, y, batch_size=8, shuffle=False, augment=lambda b: -b)))
    np.testing.assert_allclose(seen[0].numpy(), -x[:8])
    np.testing.assert_array_equal(seen[1].numpy(), y[:8])
    batch = next(iter(data.make_dataset(x, batch_size=8, shuffle=False, augment=flip)))
    assert batch.shape == (8, 4, 4, 1)
    with pytest.raises(TypeError, match="augment"):
        data.make_dataset(x, augment="flip")


def test_table_generator_makes_valid_rows_for_the_encoder():
    df = pd.DataFrame(
        {
            "mass": [1.0, 2.0, 3.0, 4.0],
            "kind": ["a", "b", "a", "c"],
            "ok": [True, False, True, True],
        }
    )
    enc = data.TableEncoder().fit(df)
    assert enc.blocks == [
        ("mass", "numeric", 1),
        ("kind", "categorical", 3),
        ("ok", "categorical", 2),
    ]
    g = models.table_generator(8, enc.blocks, hidden=(16,))
    rows = g(np.random.default_rng(0).normal(size=(5, 8)).astype("float32")).numpy()
    assert rows.shape == (5, len(enc.feature_names))
    np.testing.assert_allclose(rows[:, 1:4].sum(1), 1.0, atol=1e-5)  # softmax per block
    np.testing.assert_allclose(rows[:, 4:6].sum(1), 1.0, atol=1e-5)
    decoded = enc.inverse_transform(rows)
    assert set(decoded["kind"]) <= {"a", "b", "c"}
    with pytest.raises(ValueError, match="blocks"):
        models.table_generator(8, [])
    with pytest.raises(ValueError, match="fit"):  # scikit-learn's NotFittedError
        _ = data.TableEncoder().blocks
