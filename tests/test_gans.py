import keras
import numpy as np
import pytest
import tensorflow as tf
from gan_helpers import point_gan, tiny_gan

from gankit import data, gans, models


def weights(model):
    return [w.copy() for w in model.get_weights()]


def changed(before, model):
    return [not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True)]


def test_d_step_moves_only_d_and_g_step_moves_only_g(digits):
    gan = tiny_gan()
    real = digits[:32]
    g_before = [w.numpy().copy() for w in gan.generator.trainable_weights]
    d_before = weights(gan.discriminator)
    gan.d_step(real, gan.sample_noise(32))
    assert all(changed(d_before, gan.discriminator)), "every D weight should move in the D step"
    assert all(
        np.allclose(a, w.numpy())
        for a, w in zip(g_before, gan.generator.trainable_weights, strict=True)
    ), "the D step must not change G's trainable weights"

    g_before = [w.numpy().copy() for w in gan.generator.trainable_weights]
    d_before = weights(gan.discriminator)
    gan.g_step(gan.sample_noise(32))
    assert not any(changed(d_before, gan.discriminator)), "the G step must not change D"
    assert all(
        not np.allclose(a, w.numpy())
        for a, w in zip(g_before, gan.generator.trainable_weights, strict=True)
    ), "every trainable G weight should move in the G step"


def test_fit_records_every_tracker_per_epoch(digits):
    gan = tiny_gan()
    history = gan.fit(data.make_dataset(digits, batch_size=32), epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(len(v) == 2 and np.all(np.isfinite(v)) for v in history.history.values())
    assert gan.d_optimizer.iterations.numpy() == 2 * 8 and gan.g_optimizer.iterations.numpy() == 16


def test_trackers_are_reset_each_epoch_and_history_holds_epoch_means(digits):
    gan = tiny_gan()
    history = gan.fit(data.make_dataset(digits, batch_size=32), epochs=2, verbose=0)
    # Keras resets exactly the trackers listed in `metrics`: after 2 epochs each holds one epoch,
    # 8 batches of losses and 8 x 32 per-image probabilities, not both epochs
    expected_counts = {"d_loss": 8, "g_loss": 8, "d_real": 256, "d_fake": 256}
    for name, tracker in gan.trackers.items():
        assert int(tracker.count.numpy()) == expected_counts[name], name
        assert history.history[name][-1] == pytest.approx(float(tracker.result()), rel=1e-6)
    assert {m.name for m in gan.metrics} == set(history.history)


def test_same_seed_same_weights_samples_and_losses(digits):
    # In one environment a rerun is bit-identical; across CPUs (oneDNN on/off, instruction sets)
    # the last digits may differ, which is why notebooks check bounds, not exact values.
    results = []
    for _ in range(2):
        gan = tiny_gan(seed=7)
        h = gan.fit(data.make_dataset(digits, batch_size=32, seed=7), epochs=2, verbose=0)
        results.append((gan.generator.get_weights(), gan.generate(8, seed=3), h.history))
    for a, b in zip(results[0][0], results[1][0], strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(results[0][1], results[1][1])
    assert results[0][2] == results[1][2]
    other = tiny_gan(seed=8)
    other.fit(data.make_dataset(digits, batch_size=32, seed=8), epochs=1, verbose=0)
    assert not np.allclose(other.generate(8, seed=3), results[0][1])


def test_generate_is_seeded_and_in_range(digits):
    gan = tiny_gan()
    a, b = gan.generate(5, seed=1), gan.generate(5, seed=1)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 8, 8, 1) and a.min() >= -1 and a.max() <= 1
    assert not np.allclose(a, gan.generate(5, seed=2))


def test_ema_generator_follows_g_and_is_used_for_sampling(digits):
    gan = tiny_gan(ema=0.9)
    gan.fit(data.make_dataset(digits, batch_size=32), epochs=1, verbose=0)
    assert gan.sampler is gan.ema_generator
    ema_w, g_w = gan.ema_generator.get_weights()[0], gan.generator.get_weights()[0]
    assert not np.allclose(ema_w, g_w), "the average lags behind G"
    assert np.abs(ema_w - g_w).mean() < np.abs(g_w).mean(), "...but stays close to it"
    with pytest.raises(ValueError, match="ema"):
        gans.GAN(gan.generator, gan.discriminator, ema=1.5)


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_saves_and_reloads_after_fit(digits, tmp_path):
    gan = tiny_gan()
    gan.fit(data.make_dataset(digits, batch_size=32), epochs=1, verbose=0)
    gan.save_weights(tmp_path / "gan.weights.h5")
    fresh = tiny_gan(seed=1)
    fresh.load_weights(tmp_path / "gan.weights.h5")
    np.testing.assert_allclose(fresh.generate(4), gan.generate(4), atol=1e-6)

    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert isinstance(loaded, gans.GAN)
    np.testing.assert_allclose(loaded.generate(4), gan.generate(4), atol=1e-6)

    gan.sampler.save(tmp_path / "generator.keras")
    g = keras.models.load_model(tmp_path / "generator.keras", safe_mode=True)
    z = np.random.default_rng(0).standard_normal((4, 8)).astype("float32")
    np.testing.assert_allclose(g.predict(z, verbose=0), gan.generate(4, seed=0), atol=1e-6)


def test_minimax_loss_also_trains():
    # The saturating loss learns too: on a 2-D Gaussian, 80 steps bring G's samples close to the
    # data. Measured on seeds 0-5: the energy distance fell to 0.02-0.13 of the untrained G's
    # (seed 0, used here, is the slowest); with the G loss's sign flipped it rose 2.5-3x, with no
    # G gradient it stayed at 1.0. (The tiny DCGAN on digits is no closer to the data after 3
    # epochs on 3 seeds: the minimax gradient is weak while D rejects the fakes, notebook 02 s. 5.)
    from gankit import metrics

    target = np.random.default_rng(0).normal([2.0, -1.0], 0.5, (512, 2)).astype("float32")
    gan = point_gan(seed=0, loss="minimax")
    untrained = metrics.energy_distance(gan.generate(512, seed=0), target)
    dataset = tf.data.Dataset.from_tensor_slices(target).shuffle(512, seed=0).batch(64)
    history = gan.fit(dataset, epochs=10, verbose=0)
    trained = metrics.energy_distance(gan.generate(512, seed=0), target)
    assert trained < untrained / 4, f"energy distance {untrained:.3f} -> {trained:.3f}"
    assert all(v < 0 for v in history.history["g_loss"]), "E[log(1 - D(G(z)))] is negative"


def test_divergence_guard_stops_at_the_first_nan_with_a_message(digits, tmp_path):
    from gankit import callbacks, losses

    def exploding_d_loss(real_logits, fake_logits):
        # finite for the first steps, then NaN: a stand-in for a learning rate that blows up
        step = tf.cast(gan.d_optimizer.iterations, "float32")
        return losses.discriminator_loss(real_logits, fake_logits) * tf.where(step < 3, 1.0, np.nan)

    gan = tiny_gan()
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        loss=(exploding_d_loss, losses.non_saturating_generator_loss),
    )
    grids = callbacks.SampleGrid(n=4, out_dir=tmp_path)
    with pytest.raises(
        callbacks.TrainingDiverged,
        match=r"diverged at step 4: d_loss, g_loss became NaN.*learning rate",
    ):
        gan.fit(
            data.make_dataset(digits, batch_size=32),
            epochs=3,
            verbose=0,
            callbacks=[callbacks.DivergenceGuard(), grids],
        )
    assert grids.snapshots == [], "no epoch finished, so no grid was taken"


def test_divergence_guard_is_silent_on_healthy_training(digits):
    from gankit import callbacks

    gan = tiny_gan()
    history = gan.fit(
        data.make_dataset(digits, batch_size=32),
        epochs=1,
        verbose=0,
        callbacks=[callbacks.DivergenceGuard()],
    )
    assert np.isfinite(history.history["d_loss"][0])


def test_a_restarted_trainer_trains_exactly_as_a_new_one(digits):
    """GAN.restart reuses a compiled trainer for another run (no new XLA compile): fresh weights,
    optimizer steps and moments at zero, the EMA copy from G, the noise stream from the seed."""

    def networks(seed):
        keras.utils.set_random_seed(seed)
        return (
            models.dcgan_generator(8, (8, 8, 1), base_filters=8),
            models.dcgan_discriminator((8, 8, 1), base_filters=8),
        )

    def new_trainer(seed):
        gan = gans.GAN(*networks(seed), seed=seed, ema=0.9)
        gan.compile(
            keras.optimizers.Adam(1e-3, 0.5),
            keras.optimizers.Adam(1e-3, 0.5),
            jit_compile=True,
            steps_per_execution=4,
        )
        return gan

    def run(gan, seed):
        dataset = data.make_dataset(digits, batch_size=32, seed=seed)
        return gan.fit(dataset, epochs=2, verbose=0).history

    reused = new_trainer(0)
    run(reused, 0)  # a whole run: weights, moments, step count and noise all moved
    history = run(reused.restart(*networks(1), seed=1), 1)
    fresh = new_trainer(1)
    assert history == run(fresh, 1)
    for network in ("generator", "discriminator", "ema_generator"):
        a, b = getattr(reused, network).get_weights(), getattr(fresh, network).get_weights()
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y, err_msg=network)
    assert float(reused.d_optimizer.learning_rate) == pytest.approx(1e-3)  # rates are kept
    with pytest.raises(ValueError, match="generator: expected a network of this trainer's"):
        reused.restart(models.dcgan_generator(4, (8, 8, 1), base_filters=8), networks(1)[1])


def test_compile_makes_the_slot_variables_so_the_traced_step_makes_none(digits):
    """compile() builds both optimizers (their moments for exactly their network's weights), so
    the first traced step creates no variables, which traces faster (TrainerBase.compile_networks);
    training is bit for bit what Keras' lazy way gives: the same run with fresh optimizers set
    after compile, which Keras builds inside the first step. (Every Part 3-4 trainer gave the same
    weights both ways too, tried by hand under XLA, stop 44.)"""
    from gankit import pix2pix

    def run(lazy):
        keras.utils.set_random_seed(4)
        gan = gans.GAN(
            models.dcgan_generator(8, (8, 8, 1), base_filters=8),
            models.dcgan_discriminator((8, 8, 1), base_filters=8),
            seed=4,
            ema=0.9,
            r1_gamma=1.0,
        )
        # under XLA, as the lessons train: the step's graph differs, its numbers must not
        gan.compile(
            keras.optimizers.Adam(1e-3, 0.5),
            keras.optimizers.Adam(1e-3, 0.5),
            jit_compile=True,
            steps_per_execution=3,
        )
        if lazy:
            gan.d_optimizer, gan.g_optimizer = (keras.optimizers.Adam(1e-3, 0.5) for _ in "dg")
        built = gan.d_optimizer.built, gan.g_optimizer.built
        history = gan.fit(
            data.make_dataset(digits[:96], batch_size=32, seed=4), epochs=2, verbose=0
        )
        return gan, built, history.history

    eager, built, history = run(lazy=False)
    assert built == (True, True)
    for optimizer, network in (
        (eager.d_optimizer, eager.discriminator),
        (eager.g_optimizer, eager.generator),
    ):
        # Adam: a step count, the learning rate, then two moments per trainable weight
        assert len(optimizer.variables) == 2 + 2 * len(network.trainable_variables)
    lazy, lazy_built, lazy_history = run(lazy=True)
    assert lazy_built == (False, False)
    assert lazy_history == history
    for x, y in zip(lazy.get_weights(), eager.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)
    for a, b in ((lazy.d_optimizer, eager.d_optimizer), (lazy.g_optimizer, eager.g_optimizer)):
        assert [v.shape for v in a.variables] == [v.shape for v in b.variables]

    # another trainer that compiles through compile_networks
    translator = pix2pix.Pix2Pix(
        pix2pix.unet_generator((8, 8, 1), 1, base_filters=4, depth=2),
        pix2pix.patch_discriminator((8, 8, 1), (8, 8, 1), base_filters=4, depth=2),
    )
    translator.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    assert translator.d_optimizer.built and translator.g_optimizer.built


def test_a_network_not_built_yet_leaves_the_optimizers_to_keras(digits):
    """A subclassed generator has no weights before its first call: compile cannot build its
    optimizer, so Keras builds it in the first step, as before, and training works."""

    class Generator(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(64, activation="tanh")

        def call(self, z, training=False):
            return keras.ops.reshape(self.dense(z), (-1, 8, 8, 1))

    keras.utils.set_random_seed(0)
    gan = gans.GAN(Generator(), models.dcgan_discriminator((8, 8, 1), base_filters=8), latent_dim=4)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    assert gan.d_optimizer.built and not gan.g_optimizer.built
    gan.fit(data.make_dataset(digits[:64], batch_size=32, seed=0), epochs=1, verbose=0)
    assert gan.g_optimizer.built and int(gan.g_optimizer.iterations) == 2
