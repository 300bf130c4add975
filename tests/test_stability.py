"""Part 3's library: the Wasserstein trainers, the GAN's stabilising options, the minibatch
standard deviation, packing, DiffAugment, the mixture scores; all under XLA and checkpoint/resume.

The networks are tiny and the runs a few steps: these tests pin behaviour (what each option does to
a step, in closed form where there is one), not sample quality, which notebooks 08-10 measure.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gankit import augment, callbacks, checkpoints, data, gans, layers, metrics, models, wasserstein


# --------------------------------------------------------------------------- data and scores
def test_the_stability_mixtures_have_the_literatures_centres_and_spread():
    ring = data.stability_mixture("ring8", n=400, seed=0)
    np.testing.assert_allclose(np.linalg.norm(ring.centres, axis=1), 1.0)
    assert ring.sigma == 0.01 and len(ring.centres) == 8 and ring.points.shape == (400, 2)
    grid = data.stability_mixture("grid25", n=400, seed=0)
    assert grid.sigma == 0.05 and len(grid.centres) == 25
    assert sorted(set(grid.centres[:, 0])) == [-4, -2, 0, 2, 4]
    np.testing.assert_allclose(
        np.linalg.norm(grid.points - grid.centres[grid.which], axis=1).mean(),
        0.05 * np.sqrt(np.pi / 2),  # mean of a Rayleigh(sigma) distance
        rtol=0.1,
    )
    with pytest.raises(ValueError, match="ring8"):
        data.stability_mixture("ring", n=10)


def test_mixture_modes_of_a_perfect_sampler_and_of_a_collapse():
    m = data.stability_mixture("ring8", n=40_000, seed=1)
    perfect = metrics.mixture_modes(m.points, m.centres, m.sigma)
    assert perfect["modes"] == 8
    assert perfect["high_quality"] == pytest.approx(1 - np.exp(-4.5), abs=0.003)  # 0.989
    assert perfect["reverse_kl"] == pytest.approx(0.0, abs=0.002)
    one = metrics.mixture_modes(m.points[m.which == 3], m.centres, m.sigma)
    assert one["modes"] == 1 and one["reverse_kl"] == pytest.approx(np.log(8))
    two = metrics.mixture_modes(m.points[m.which < 2], m.centres, m.sigma)
    assert two["modes"] == 2 and two["reverse_kl"] == pytest.approx(np.log(4), abs=0.01)
    far = metrics.mixture_modes(m.points * 3, m.centres, m.sigma)
    assert far == {"modes": 0, "high_quality": 0.0, "reverse_kl": float("inf")}


# --------------------------------------------------------------------------- D's view of a batch
def test_minibatch_stddev_appends_the_batchs_mean_standard_deviation():
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    out = layers.MinibatchStdDev()(x).numpy()
    assert out.shape == (6, 4)
    np.testing.assert_allclose(out[:, :3], x)
    np.testing.assert_allclose(out[:, 3], x.std(axis=0).mean(), rtol=1e-5)
    identical = layers.MinibatchStdDev()(np.repeat(x[:1], 6, axis=0)).numpy()
    assert identical[:, 3].max() < 1e-3  # a collapsed batch is visible
    images = layers.MinibatchStdDev()(np.ones((4, 5, 5, 2), "float32")).numpy()
    assert images.shape == (4, 5, 5, 3)


def test_pack_groups_consecutive_samples_along_the_last_axis():
    points = np.arange(12.0).reshape(6, 2)
    np.testing.assert_array_equal(
        np.asarray(layers.pack(points, 2)), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    )
    images = np.arange(4 * 3 * 3 * 2.0).reshape(4, 3, 3, 2)
    packed = np.asarray(layers.pack(images, 2))
    assert packed.shape == (2, 3, 3, 4)
    np.testing.assert_array_equal(packed[1], np.concatenate([images[2], images[3]], axis=-1))
    assert layers.packed_shape((28, 28, 1), 3) == (28, 28, 3)
    with pytest.raises(ValueError, match="pack"):
        layers.packed_shape((2,), 0)


def test_diffaugment_is_differentiable_random_per_image_and_does_what_it_says():
    seed = keras.random.SeedGenerator(0)
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1)), "float32")
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = augment.diff_augment(x, seed=seed)
        loss = tf.reduce_sum(y)
    grad = tape.gradient(loss, x).numpy()
    assert np.abs(grad).sum() > 0
    # brightness alone: one constant shift per image, in [-0.5, 0.5), different between images
    shift = (augment.brightness(x, seed) - x).numpy().reshape(16, -1)
    np.testing.assert_allclose(shift.std(axis=1), 0, atol=1e-6)
    assert np.abs(shift[:, 0]).max() <= 0.5 and shift[:, 0].std() > 0.1
    # cutout: a zeroed square of at most half the side on each side, somewhere
    ones = tf.ones((16, 8, 8, 1))
    holes = (augment.cutout(ones, seed).numpy() == 0).reshape(16, -1).sum(axis=1)
    assert holes.max() == 16 and holes.min() >= 4 and len(set(holes)) > 1
    # translation: shifts by up to 1 pixel (1/8 of 8), zero-padded, so the sum can only drop
    moved = augment.translation(ones, seed).numpy().reshape(16, -1).sum(axis=1)
    assert moved.max() <= 64 and moved.min() >= 49 and len(set(moved)) > 1
    with pytest.raises(ValueError, match="augment"):
        augment.check_policy("zoom")
    with pytest.raises(ValueError, match="batch of images"):
        augment.diff_augment(np.zeros((4, 2), "float32"), seed=seed)


# --------------------------------------------------------------------------- trainers
ALL_OPTIONS = dict(
    r1_gamma=10.0,
    label_smoothing=0.1,
    instance_noise=0.5,
    noise_steps=16,
    pack=2,
    ema=0.9,
    n_critic=2,
)


def point_trainer(kind, seed=0, jit_compile=True):
    """A tiny MLP trainer on 2-D points: ``plain``, ``wgan`` (clip 0.05), ``wgan_gp`` (both with
    n_critic 3), ``r1`` or ``all`` (every GAN option at once, with a spectrally normalised,
    minibatch-stddev, packing D)."""
    keras.utils.set_random_seed(seed)
    g = models.mlp_generator(4, (2,), (16,), tanh=False)
    every = kind == "all"
    d = models.mlp_discriminator(
        layers.packed_shape((2,), 2 if every else 1),
        (16,),
        spectral_norm=every,
        minibatch_std=every,
    )
    options = {
        "wgan": dict(cls=wasserstein.WGAN, n_critic=3, clip_value=0.05),
        "wgan_gp": dict(cls=wasserstein.WGANGP, n_critic=3),
        "r1": dict(r1_gamma=10.0),
        "all": ALL_OPTIONS,
    }.get(kind, {})
    options = dict(options)
    cls = options.pop("cls", gans.GAN)
    gan = cls(g, d, seed=seed, **options)
    gan.compile(
        keras.optimizers.Adam(1e-3, 0.5),
        keras.optimizers.Adam(1e-3, 0.5),
        jit_compile=jit_compile,
    )
    return gan


POINTS = np.random.default_rng(0).normal([1.0, -1.0], 0.3, (64, 2)).astype("float32")
TRAINERS = ["plain", "wgan", "wgan_gp", "all"]


@pytest.fixture(scope="module")
def trained():
    """Each trainer after 2 epochs of 4 steps under XLA: (gan, History, G's initial weights)."""
    out = {}
    for kind in TRAINERS:
        gan = point_trainer(kind)
        before = [w.copy() for w in gan.generator.get_weights()]
        history = gan.fit(data.make_dataset(POINTS, batch_size=16), epochs=2, verbose=0)
        out[kind] = (gan, history.history, before)
    return out


@pytest.mark.parametrize("kind", TRAINERS)
def test_every_trainer_trains_under_xla_and_reports_what_it_tracks(trained, kind):
    gan, history, before = trained[kind]
    assert set(history) == set(gan.tracked())
    assert all(np.isfinite(v).all() for v in history.values()), history
    assert not np.allclose(before[0], gan.generator.get_weights()[0])
    if kind.startswith("wgan"):  # n_critic critic updates per generator update
        assert int(gan.d_optimizer.iterations) == 3 * int(gan.g_optimizer.iterations) == 24
    if kind == "all":
        assert {"r1"} <= set(history) and gan.ema_generator is not None
        assert int(gan.d_optimizer.iterations) == 2 * int(gan.g_optimizer.iterations) == 16


def test_wgan_weights_are_clipped_from_the_start_and_after_every_update(trained):
    assert max(np.abs(w).max() for w in point_trainer("wgan").critic.get_weights()) <= 0.05 + 1e-7
    weights = np.concatenate([w.ravel() for w in trained["wgan"][0].critic.get_weights()])
    assert np.abs(weights).max() <= 0.05 + 1e-7 and (np.abs(weights) == 0.05).mean() > 0.05


def test_instance_noise_anneals_linearly_to_zero():
    gan = point_trainer("all", jit_compile=False)
    gan.d_optimizer.build(gan.discriminator.trainable_variables)
    for step, level in ((0, 0.5), (8, 0.25), (16, 0.0), (24, 0.0)):
        gan.d_optimizer.iterations.assign(step)
        assert float(gan.noise_level()) == pytest.approx(level)


def test_d_view_is_the_identity_without_options_and_packs_with_pack():
    x = tf.constant(POINTS[:8])
    plain = point_trainer("plain", jit_compile=False)
    np.testing.assert_array_equal(plain.d_view(x).numpy(), POINTS[:8])
    every = point_trainer("all", jit_compile=False)
    every.d_optimizer.build(every.discriminator.trainable_variables)
    every.d_optimizer.iterations.assign(16)  # the instance noise has annealed away
    np.testing.assert_allclose(every.d_view(x).numpy(), POINTS[:8].reshape(4, 4))


def test_r1_adds_half_gamma_times_the_penalty_to_ds_loss():
    """Same weights and batch: the R1 run's D loss exceeds the plain one by gamma/2 * r1."""
    plain, r1 = point_trainer("plain", jit_compile=False), point_trainer("r1", jit_compile=False)
    r1.set_weights(plain.get_weights())
    real, z = tf.constant(POINTS[:16]), tf.constant(np.ones((16, 4), "float32"))
    base = float(plain.d_step(real, z)[0])
    with_r1 = float(r1.d_step(real, z)[0])
    penalty = float(r1.trackers["r1"].result())
    assert penalty > 0 and with_r1 == pytest.approx(base + 5.0 * penalty, rel=1e-5)


def resumable_trainer(kind, seed=0):
    """A WGAN-GP with DiffAugment on 8x8 images, or a GAN with every option on points: both draw
    random numbers in every step and carry state (EMA, the noise's annealing) in the checkpoint."""
    keras.utils.set_random_seed(seed)
    if kind == "all":
        return point_trainer("all", seed=seed)
    g = models.mlp_generator(4, (8, 8, 1), (16,))
    d = models.dcgan_discriminator((8, 8, 1), base_filters=4)
    gan = wasserstein.WGANGP(g, d, n_critic=2, seed=seed, augment="translation,cutout,color")
    gan.compile(
        keras.optimizers.Adam(1e-3, 0.5), keras.optimizers.Adam(1e-3, 0.5), jit_compile=True
    )
    return gan


def _state(gan):
    return {k: [np.array(v) for v in vs] for k, vs in checkpoints._groups(gan).items()}


@pytest.mark.parametrize("kind", ["wgan_gp", "all"])
def test_a_resumed_part3_run_continues_as_the_run_it_was_saved_from(digits, tmp_path, kind):
    """The CLI's checkpoint/resume path (callbacks.Checkpoint, then checkpoints.restore into a
    fresh trainer) under XLA: the restored run's next epoch ends exactly where the original's
    does (tests/test_checkpoints.py shows the original's equals an uninterrupted run)."""
    x = digits[:64] if kind == "wgan_gp" else POINTS

    def dataset(start_epoch):
        return data.make_dataset(x, batch_size=16, seed=5, start_epoch=start_epoch)

    original = resumable_trainer(kind)
    original.fit(dataset(0), epochs=1, verbose=0, callbacks=[callbacks.Checkpoint(tmp_path)])
    resumed = resumable_trainer(kind, seed=7)
    done = checkpoints.restore(resumed, tmp_path)
    assert done == 1
    for gan in (original, resumed):
        keras.utils.set_random_seed(0)
        gan.fit(dataset(done), epochs=2, initial_epoch=done, verbose=0)
    a, b = _state(original), _state(resumed)
    assert a.keys() == b.keys()
    for key in a:
        for u, v in zip(a[key], b[key], strict=True):
            np.testing.assert_array_equal(u, v, err_msg=key)


def test_trainers_round_trip_through_their_config():
    gan = point_trainer("wgan_gp")
    clone = wasserstein.WGANGP.from_config(gan.get_config())
    assert (clone.n_critic, clone.gp_weight) == (3, 10.0)
    assert gans.GAN.from_config(point_trainer("all").get_config()).n_critic == 2
    plain = gans.GAN(
        models.mlp_generator(4, (2,), (8,)),
        models.mlp_discriminator((2,), (8,)),
        r1_gamma=2.0,
        augment="cutout",
        pack=1,
    )
    again = gans.GAN.from_config(plain.get_config())
    assert (again.r1_gamma, again.augment) == (2.0, "cutout")
