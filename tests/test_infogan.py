"""InfoGAN (gankit.infogan): the codes reach G's input as drawn, Q learns to read them back
under XLA (so the information loss falls far below what a blind Q scores), a turned code moves
the image, the continuous codes' loss has its closed form, the trainer reloads from its config,
and bad input gets one clear line. Under 2 replicas it matches one device
(tests/test_distribute.py)."""

import keras
import numpy as np
import pytest

from gankit import infogan, losses, models

SHAPE, NOISE, CATEGORIES, CONTINUOUS = (8, 8, 1), 6, 4, 2


def make(seed=0, info_weight=1.0, **options):
    keras.utils.set_random_seed(seed)
    g = models.dcgan_generator(NOISE + CATEGORIES + CONTINUOUS, SHAPE, base_filters=8)
    d = infogan.info_discriminator(SHAPE, CATEGORIES, CONTINUOUS, base_filters=8)
    gan = infogan.InfoGAN(
        g, d, CATEGORIES, CONTINUOUS, info_weight=info_weight, seed=seed, **options
    )
    gan.compile(
        keras.optimizers.Adam(2e-3, 0.5),
        keras.optimizers.Adam(2e-3, 0.5),
        jit_compile=True,
        steps_per_execution=10,
    )
    return gan


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return np.tanh(rng.standard_normal((256, *SHAPE))).astype("float32")


def blind_info_loss():
    """What Q scores knowing nothing: ln K for the category, and 0.5 * E[c^2] = 1/6 per uniform
    continuous code when it guesses 0."""
    return np.log(CATEGORIES) + CONTINUOUS / 6


def test_the_joined_input_is_noise_one_hot_category_and_continuous_codes():
    gan = make()
    z = np.arange(2 * NOISE, dtype="float32").reshape(2, NOISE)
    joined = np.asarray(gan.join(z, np.array([3, 0]), np.array([[0.5, -1.0], [0.0, 0.25]])))
    np.testing.assert_array_equal(joined[:, :NOISE], z)
    np.testing.assert_array_equal(
        joined[:, NOISE : NOISE + CATEGORIES], [[0, 0, 0, 1], [1, 0, 0, 0]]
    )
    np.testing.assert_array_equal(joined[:, NOISE + CATEGORIES :], [[0.5, -1.0], [0.0, 0.25]])
    inputs, categories, continuous = (np.asarray(t) for t in gan.sample_codes(2000))
    assert inputs.shape == (2000, NOISE + CATEGORIES + CONTINUOUS)
    assert set(np.unique(categories)) == set(range(CATEGORIES))
    assert continuous.min() >= -1 and continuous.max() <= 1 and abs(continuous.mean()) < 0.05
    np.testing.assert_array_equal(inputs[:, NOISE + CATEGORIES :], continuous)


def test_q_learns_to_read_the_codes_back_under_xla(images):
    """Both G and Q minimise the information loss: after a short run it is far below a blind Q's
    (which an info_weight of 0 leaves it near), and Q names most fakes' category."""
    trained = make(ema=0.9, r1_gamma=1.0)
    history = trained.fit(images, epochs=6, batch_size=32, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake", "r1", "info"}
    assert all(np.isfinite(v).all() for v in history.values())
    assert history["info"][-1] < 0.5 * blind_info_loss()
    ignored = make(info_weight=0.0)
    ignored_history = ignored.fit(images, epochs=6, batch_size=32, verbose=0).history
    assert ignored_history["info"][-1] > 0.8 * blind_info_loss()

    asked = np.arange(200) % CATEGORIES
    fakes = trained.generator(np.asarray(trained.join(*trained.codes(200, 1, asked))))
    probabilities, means = trained.read_codes(np.asarray(fakes))
    assert probabilities.shape == (200, CATEGORIES) and means.shape == (200, CONTINUOUS)
    assert (probabilities.argmax(axis=1) == asked).mean() > 0.8  # chance: 0.25


def test_turning_a_code_changes_the_image_and_nothing_else_moves():
    gan = make()
    strips = gan.sweep(1, np.linspace(-1, 1, 5), n=3, seed=4, category=2)
    assert strips.shape == (3, 5, *SHAPE)
    assert not np.allclose(strips[:, 0], strips[:, -1])  # the code reaches the image
    # the same sample at code value 0.5 is generate() with that code set: nothing else moved
    z, categories, continuous = gan.codes(3, 4, categories=2)
    continuous = continuous.copy()
    continuous[:, 1] = 0.5
    np.testing.assert_allclose(
        strips[:, 3], gan.generate(3, seed=4, categories=2, continuous=continuous), atol=1e-5
    )


def test_the_continuous_code_loss_is_half_the_squared_error_averaged_over_the_batch():
    code = np.array([[1.0, -1.0], [0.5, 0.0]], "float32")
    assert float(losses.gaussian_code_loss(code, code)) == 0.0
    # sample 1 misses by (1, 1): 0.5 * 2 = 1; sample 2 misses by (0, 2): 0.5 * 4 = 2; mean 1.5
    guess = code + np.array([[1.0, 1.0], [0.0, 2.0]], "float32")
    assert float(losses.gaussian_code_loss(guess, code)) == pytest.approx(1.5)


def test_the_trainer_reloads_from_its_config():
    gan = make()
    clone = infogan.InfoGAN.from_config(gan.get_config())
    assert (clone.n_categories, clone.n_continuous, clone.noise_dim) == (CATEGORIES, CONTINUOUS, 6)
    assert clone.info_weight == 1.0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"n_categories": 1}, "n_categories, n_continuous: expected a categorical code of >= 2"),
        ({"n_categories": 0, "n_continuous": 0}, "expected a categorical code of >= 2"),
        ({"n_categories": 20}, r"generator: its input \(12\) must hold noise plus the codes"),
        ({"info_weight": -1.0}, "info_weight: expected a number >= 0"),
        ({"pack": 2}, "pack: PacGAN's packs mix the codes"),
    ],
)
def test_bad_settings_get_one_clear_line(change, message):
    g = models.dcgan_generator(NOISE + CATEGORIES + CONTINUOUS, SHAPE, base_filters=8)
    d = infogan.info_discriminator(SHAPE, CATEGORIES, CONTINUOUS, base_filters=8)
    settings = {"n_categories": CATEGORIES, "n_continuous": CONTINUOUS, **change}
    with pytest.raises(ValueError, match=message):
        infogan.InfoGAN(g, d, **settings)


def test_a_plain_discriminator_and_bad_codes_are_refused():
    g = models.dcgan_generator(NOISE + CATEGORIES + CONTINUOUS, SHAPE, base_filters=8)
    with pytest.raises(ValueError, match=r"discriminator: expected D\(x\) -> \[logit, category"):
        infogan.InfoGAN(g, models.dcgan_discriminator(SHAPE, 8), CATEGORIES, CONTINUOUS)
    gan = make()
    with pytest.raises(ValueError, match=r"categories: expected values 0\.\.3, got 0\.\.4"):
        gan.generate(2, categories=[0, 4])
    with pytest.raises(ValueError, match=r"code: expected 0\.\.1, got 2"):
        gan.sweep(2, [0.0, 1.0])
