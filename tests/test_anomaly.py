"""gankit.anomaly: the PCA baseline, the three GAN scores and the per-class AUROC, on cases whose
answer is known (notebook 15 runs them on digits)."""

import keras
import numpy as np
import pytest

from gankit import anomaly, data, models


def test_auroc_by_class_is_one_when_separated_zero_when_reversed_and_has_the_mean():
    labels = np.repeat([3, 0, 7], 4)
    scores = np.r_[np.zeros(4), np.ones(4), -np.ones(4)]  # 0 above normal, 7 below
    table = anomaly.auroc_by_class(scores, labels, normal=3)
    assert table[0] == 1.0 and table[7] == 0.0 and table["mean"] == 0.5
    assert list(table.index) == [0, 7, "mean"]


def test_pca_residuals_are_zero_in_the_fitted_subspace_and_grow_off_it():
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(2, 16))
    train = np.tanh(rng.normal(size=(200, 2)) @ basis * 0.1).reshape(-1, 4, 4, 1)
    inside = train[:10]
    off = np.clip(inside + 0.3 * rng.normal(size=inside.shape), -1, 1)
    near, far = anomaly.pca_residuals(train, inside, 8), anomaly.pca_residuals(train, off, 8)
    assert near.shape == (10,) and far.min() > 10 * near.max()


def linear_generator(latent_dim=3):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(16, activation="tanh"),
            keras.layers.Reshape((4, 4, 1)),
        ]
    )


def test_latent_search_finds_the_code_of_an_image_the_generator_can_make():
    g = linear_generator()
    z = np.random.default_rng(1).normal(size=(6, 3)).astype("float32")
    drawable = g(z).numpy()
    other = np.random.default_rng(2).uniform(-1, 1, (6, 4, 4, 1)).astype("float32")
    short = anomaly.latent_search(g, drawable, steps=1, learning_rate=0.05)
    found = anomaly.latent_search(g, drawable, steps=300, learning_rate=0.05)
    missed = anomaly.latent_search(g, other, steps=300, learning_rate=0.05)
    assert found["residual"].max() < 1e-3 < short["residual"].min()
    assert missed["residual"].min() > 10 * found["residual"].max()
    assert found["z"].shape == (6, 3) and found["reconstructions"].shape == drawable.shape


def test_the_encoder_trainer_moves_only_the_encoder_and_its_score_is_the_formula(digits):
    g = models.dcgan_generator(8, (8, 8, 1), base_filters=8)
    d = models.dcgan_discriminator((8, 8, 1), base_filters=8)
    f = anomaly.features(d)
    encoder = anomaly.image_encoder((8, 8, 1), 8, base_filters=8)
    trainer = anomaly.EncoderTrainer(encoder, g, f, kappa=0.5)
    trainer.compile(optimizer=keras.optimizers.Adam(3e-3), jit_compile=True)
    frozen = [w.copy() for w in g.get_weights() + f.get_weights()]
    before = [w.copy() for w in encoder.get_weights()]
    history = trainer.fit(data.make_dataset(digits, batch_size=32), epochs=3, verbose=0).history
    assert set(history) == {"loss", "residual", "feature_residual"}
    assert history["loss"][-1] < history["loss"][0]
    for a, b in zip(frozen, g.get_weights() + f.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not all(np.allclose(a, b) for a, b in zip(before, encoder.get_weights(), strict=True))
    out = anomaly.izi_f_scores(g, encoder, f, digits[:5], kappa=0.5)
    rebuilt = g.predict(encoder.predict(digits[:5], verbose=0), verbose=0)
    pixel = ((digits[:5] - rebuilt) ** 2).reshape(5, -1).mean(1)
    feature = ((f.predict(digits[:5], verbose=0) - f.predict(rebuilt, verbose=0)) ** 2).mean(1)
    np.testing.assert_allclose(out["score"], pixel + 0.5 * feature, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        anomaly.discriminator_scores(d, digits[:5]),
        -d.predict(digits[:5], verbose=0)[:, 0],
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: anomaly.auroc_by_class([0.1, 0.2], [3, 3], 3), "need the normal class 3"),
        (lambda: anomaly.auroc_by_class([0.1], [3, 4], 3), "1 scores for 2 labels"),
        (lambda: anomaly.auroc_by_class([np.nan, 1], [3, 4], 3), "NaN or infinite"),
        (lambda: anomaly.pca_residuals(np.zeros((5, 4, 4, 1)), np.zeros((2, 4, 4, 1)), 8), "below"),
        (
            lambda: anomaly.pca_residuals(np.zeros((5, 4, 4, 1)), np.zeros((2, 5, 5, 1)), 2),
            "differs from train",
        ),
        (lambda: anomaly.pca_residuals(np.zeros((5, 4, 4)), np.zeros((2, 4, 4, 1)), 2), "4-D"),
        (
            lambda: anomaly.latent_search(linear_generator(), np.zeros((2, 4, 4, 1)), steps=0),
            "steps",
        ),
        (lambda: anomaly.EncoderTrainer(None, linear_generator(), None, kappa=-1), "kappa"),
        (lambda: anomaly.features("D"), "a Keras model"),
    ],
)
def test_bad_input_is_one_line(call, message):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert message in str(info.value) and "\n" not in str(info.value)
