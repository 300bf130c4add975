"""GAN training under tf.distribute.MirroredStrategy with 2 replicas matches one device.

TensorFlow fixes its devices the first time it touches them, so the comparison runs in a
subprocess that first splits the CPU into 2 logical devices (this file run as a script), trains
the same seeded GAN on the same global batches with and without the strategy, and prints the
results as JSON; the tests below compare them. With one replica a plain mean would pass, so every
check here needs the 2 replicas: losses divided by the *global* batch size (also when the last
batch does not split evenly), trackers that report the global batch's numbers, and noise that
differs between replicas and together equals one device's draw. The one-device runs execute
eagerly (``run_eagerly``: the same operations one by one, without tracing a graph, which costs
more than these few steps); the strategy's runs are traced as ``fit`` traces them.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPLICAS = 2
# 69 samples in batches of 16: four batches split 8 + 8 and a last batch of 5 split 3 + 2
N_SAMPLES, BATCH, EPOCHS = 69, 16, 2
# float32 sums taken in a different order (per replica, then across replicas) differ in the last
# bits (measured: 3e-8 at most after 10 steps), hence a tolerance rather than equality
ATOL = 1e-6


def _worker():
    """The subprocess: print one JSON object of results (see the tests for its keys)."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * REPLICAS
    )
    # Grappler's graph rewrites pay off over long runs, not over these 10-step fits: without them
    # the subprocess took 56 s instead of 65 s (stop 38). Tracing, the strategy and every op stay.
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    import warnings

    import keras

    from gankit import gans, losses, models

    devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    strategy = tf.distribute.MirroredStrategy(devices)
    out = {"replicas": strategy.num_replicas_in_sync}

    # 1. every loss: value and gradients per replica, summed, against one device
    rng = np.random.default_rng(0)
    out["losses"] = {}
    for n in (8, 7):  # 7 = 4 + 3: a batch that does not split evenly
        real = tf.constant(rng.normal(0, 2, (n, 1)), "float32")
        fake = tf.constant(rng.normal(0, 2, (n, 1)), "float32")
        sizes = [(n + 1) // 2, n // 2]

        def split(t, sizes=sizes):
            parts = tf.split(t, sizes)
            return strategy.experimental_distribute_values_from_function(
                lambda ctx, parts=parts: parts[ctx.replica_id_in_sync_group]
            )

        for name, (d_fn, g_fn) in losses.LOSSES.items():

            def value_and_grads(r, f, d_fn=d_fn, g_fn=g_fn):
                with tf.GradientTape(persistent=True) as tape:
                    tape.watch([r, f])
                    d, g = d_fn(r, f), g_fn(f)
                return d, g, *tape.gradient(d, [r, f]), tape.gradient(g, f)

            one = [np.asarray(v).tolist() for v in value_and_grads(real, fake)]
            per_replica = strategy.run(value_and_grads, args=(split(real), split(fake)))
            local = [strategy.experimental_local_results(v) for v in per_replica]
            summed = [float(sum(np.asarray(x) for x in local[i])) for i in (0, 1)]
            grads = [np.concatenate([np.asarray(x) for x in local[i]]).tolist() for i in (2, 3, 4)]
            out["losses"][f"{name}/{n}"] = {"one": one, "replicas": summed + grads}

    # 2. noise: under the strategy the replicas' rows differ and together are one device's draw
    def noise_gan():
        return gans.GAN(
            models.mlp_generator(4, (2,), (8,)), models.mlp_discriminator((2,), (8,)), seed=5
        )

    with strategy.scope():
        gan = noise_gan()
    local = strategy.experimental_local_results(strategy.run(gan.sample_noise, args=(BATCH // 2,)))
    out["noise"] = {
        "one": noise_gan().sample_noise(BATCH).numpy().tolist(),
        "replicas": [np.asarray(z).tolist() for z in local],
    }

    # 3. GAN.fit, with and without the strategy, on the same global batches
    x = np.random.default_rng(1).normal([2.0, -1.0], 0.5, (N_SAMPLES, 2)).astype("float32")

    def fit(strategy=None, jit_compile=False, ema=None):
        scope = strategy.scope() if strategy else tf.distribute.get_strategy().scope()
        with scope, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            keras.utils.set_random_seed(0)
            gan = gans.GAN(
                models.mlp_generator(4, (2,), (16,), tanh=False),
                models.mlp_discriminator((2,), (16,)),
                seed=3,
                ema=ema,
            )
            gan.compile(
                keras.optimizers.Adam(1e-3, 0.5),
                keras.optimizers.Adam(1e-3, 0.5),
                jit_compile=jit_compile,
                run_eagerly=strategy is None,
            )
        initial = [w.tolist() for w in gan.get_weights()]
        dataset = tf.data.Dataset.from_tensor_slices(x).batch(BATCH)
        history = gan.fit(dataset, epochs=EPOCHS, verbose=0).history
        return {
            "history": history,
            "initial": initial,
            "weights": [w.tolist() for w in gan.get_weights()],
            "ema": [w.tolist() for w in gan.sampler.get_weights()],
            "generator": [w.tolist() for w in gan.generator.get_weights()],
            "warnings": [str(w.message) for w in caught if "jit_compile" in str(w.message)],
        }

    distributed = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices(x).batch(BATCH)
    )
    out["split"] = [
        [int(len(t)) for t in strategy.experimental_local_results(batch)] for batch in distributed
    ]
    # with an EMA copy of G (the later trainers below run without one)
    out["fit"] = {
        "one": fit(ema=0.9),
        "replicas": fit(strategy, ema=0.9),
        "replicas_jit": fit(strategy, jit_compile=True, ema=0.9),
    }

    # 4. every Part 3 trainer and option that draws random numbers or adds a penalty
    from gankit import wasserstein

    images = np.random.default_rng(2).uniform(-1, 1, (N_SAMPLES, 8, 8, 1)).astype("float32")

    def points_gan(cls=gans.GAN, **options):
        g = models.mlp_generator(4, (2,), (16,), tanh=False)
        return cls(g, models.mlp_discriminator((2,), (16,)), seed=3, **options)

    def image_gan(**options):
        # an MLP generator: batch norm (the DCGAN generator's) is per replica by design
        g = models.mlp_generator(4, (8, 8, 1), (16,))
        return gans.GAN(g, models.dcgan_discriminator((8, 8, 1), 8), seed=3, **options)

    from gankit import conditional, infogan, pix2pix, self_conditioned

    labels = np.arange(N_SAMPLES) % 3  # the fakes' labels are drawn, per replica, by the trainer

    def labelled_g():
        # G([z, y]) without batch norm (per replica by design), like image_gan's
        z, y = keras.Input((4,)), keras.Input((), dtype="int32")
        h = keras.layers.Concatenate()([z, keras.layers.Embedding(3, 4)(y)])
        h = keras.layers.Dense(64, activation="tanh")(keras.layers.Dense(16, "relu")(h))
        return keras.Model([z, y], keras.layers.Reshape((8, 8, 1))(h))

    trainers = {
        "wgan_gp": (lambda: points_gan(wasserstein.WGANGP, n_critic=2), x),
        "wgan_clip": (lambda: points_gan(wasserstein.WGAN, n_critic=2, clip_value=0.05), x),
        "r1_noise_smoothing": (
            lambda: points_gan(
                r1_gamma=1.0, instance_noise=0.2, noise_steps=20, label_smoothing=0.1
            ),
            x,
        ),
        "diffaugment": (lambda: image_gan(augment="translation,cutout,color"), images),
        "conditional_r1": (
            lambda: conditional.ConditionalGAN(
                labelled_g(),
                conditional.projection_discriminator((8, 8, 1), 3, 8),
                3,
                seed=3,
                r1_gamma=1.0,
            ),
            (images, labels),
        ),
        "self_conditioned": (  # the fakes' clusters drawn by their shares, per replica
            lambda: self_conditioned.SelfConditionedGAN(
                labelled_g(),
                conditional.projection_discriminator((8, 8, 1), 3, 8),
                [0.5, 0.3, 0.2],
                seed=3,
            ),
            (images, labels),
        ),
        "acgan": (
            lambda: conditional.ACGAN(
                labelled_g(), conditional.acgan_discriminator((8, 8, 1), 3, 8), 3, seed=3
            ),
            (images, labels),
        ),
        "infogan_r1": (
            lambda: infogan.InfoGAN(
                models.mlp_generator(4 + 3 + 2, (8, 8, 1), (16,)),
                infogan.info_discriminator((8, 8, 1), 3, 2, 8),
                n_categories=3,
                n_continuous=2,
                seed=3,
                r1_gamma=1.0,
            ),
            images,
        ),
        "pix2pix": (
            lambda: pix2pix.Pix2Pix(
                pix2pix.unet_generator((8, 8, 1), 1, base_filters=4, depth=2),
                pix2pix.patch_discriminator((8, 8, 1), (8, 8, 1), base_filters=4, depth=2),
            ),
            (images, np.flip(images, axis=2)),  # learn to mirror each image
        ),
    }

    def fit_trainer(make, samples, strategy=None):
        scope = strategy.scope() if strategy else tf.distribute.get_strategy().scope()
        with scope:
            keras.utils.set_random_seed(0)
            gan = make()
            gan.compile(
                keras.optimizers.Adam(1e-3, 0.5),
                keras.optimizers.Adam(1e-3, 0.5),
                run_eagerly=strategy is None,
            )
        dataset = tf.data.Dataset.from_tensor_slices(samples).batch(BATCH)
        history = gan.fit(dataset, epochs=EPOCHS, verbose=0).history
        return {
            "history": history,
            "tracked": list(gan.tracked()),
            "weights": [w.tolist() for w in gan.get_weights()],
        }

    out["trainers"] = {
        name: {"one": fit_trainer(make, xs), "replicas": fit_trainer(make, xs, strategy)}
        for name, (make, xs) in trainers.items()
    }
    print(json.dumps(out))


@pytest.fixture(scope="module")
def results():
    # the gankit next to these tests, not whichever one is installed
    paths = [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")]
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
    }
    run = subprocess.run(
        [sys.executable, __file__], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_subprocess_really_has_two_replicas_and_an_uneven_last_batch(results):
    assert results["replicas"] == REPLICAS
    assert results["split"] == [[8, 8]] * 4 + [[3, 2]]


@pytest.mark.parametrize("n", [8, 7])
def test_every_loss_and_its_gradients_summed_over_replicas_equal_one_device(results, n):
    from gankit import losses

    for name in losses.LOSSES:
        case = results["losses"][f"{name}/{n}"]
        labels = ("d_loss", "g_loss", "d_loss/d real", "d_loss/d fake", "g_loss/d fake")
        for label, one, replicas in zip(labels, case["one"], case["replicas"], strict=True):
            np.testing.assert_allclose(
                replicas, one, rtol=1e-5, atol=1e-6, err_msg=f"{name}, batch {n}: {label}"
            )


def test_each_replica_draws_its_own_slice_of_the_global_noise(results):
    noise = results["noise"]
    first, second = (np.array(z) for z in noise["replicas"])
    assert first.shape == second.shape == (BATCH // 2, 4)
    assert not np.allclose(first, second), "both replicas drew the same noise"
    np.testing.assert_array_equal(np.concatenate([first, second]), np.array(noise["one"]))


@pytest.mark.parametrize("run", ["replicas", "replicas_jit"])
def test_fit_under_two_replicas_reports_and_learns_what_one_device_does(results, run):
    one, other = results["fit"]["one"], results["fit"][run]
    assert set(other["history"]) == {"d_loss", "g_loss", "d_real", "d_fake"}
    for name, values in one["history"].items():
        np.testing.assert_allclose(other["history"][name], values, rtol=1e-5, err_msg=name)
    # the networks really moved, so equal weights are not just equal initial weights
    moved = [not np.allclose(a, b) for a, b in zip(one["initial"], one["weights"], strict=True)]
    assert all(moved), moved
    assert len(one["weights"]) == len(other["weights"])
    for i, (a, b) in enumerate(zip(one["weights"], other["weights"], strict=True)):
        np.testing.assert_allclose(b, a, atol=ATOL, err_msg=f"weight {i}")


def test_the_ema_copy_matches_too(results):
    one, other = results["fit"]["one"], results["fit"]["replicas"]
    # the copy is G's running average, not G itself
    assert not all(np.allclose(a, b) for a, b in zip(one["ema"], one["generator"], strict=True))
    for i, (a, b) in enumerate(zip(one["ema"], other["ema"], strict=True)):
        np.testing.assert_allclose(b, a, atol=ATOL, err_msg=f"EMA weight {i}")


@pytest.mark.parametrize(
    "name",
    [
        "wgan_gp",
        "wgan_clip",
        "r1_noise_smoothing",
        "diffaugment",
        "conditional_r1",
        "self_conditioned",
        "acgan",
        "infogan_r1",
        "pix2pix",
    ],
)
def test_every_later_trainer_under_two_replicas_matches_one_device(results, name):
    """Part 3's trainers and Part 4's conditional ones (the self-conditioned one too), InfoGAN and pix2pix: penalties, the
    auxiliary classifier's, the information and the L1 loss averaged over the global batch; interpolation weights,
    instance noise, augmentations, the fakes' labels and InfoGAN's codes drawn per replica from the global batch's draw (gankit.replicas.draw)."""
    one, other = results["trainers"][name]["one"], results["trainers"][name]["replicas"]
    assert set(other["history"]) == set(one["tracked"])
    for key, values in one["history"].items():
        np.testing.assert_allclose(other["history"][key], values, rtol=1e-4, atol=1e-6, err_msg=key)
    for i, (a, b) in enumerate(zip(one["weights"], other["weights"], strict=True)):
        np.testing.assert_allclose(b, a, atol=1e-5, err_msg=f"{name}: weight {i}")
    if name == "wgan_clip":
        assert max(np.abs(np.array(w)).max() for w in other["weights"][-4:]) <= 0.05 + 1e-7


def test_jit_compile_falls_back_with_a_warning_under_several_replicas(results):
    assert results["fit"]["one"]["warnings"] == []
    (message,) = results["fit"]["replicas_jit"]["warnings"]
    assert "jit_compile=False" in message and "2-replica" in message


if __name__ == "__main__":
    _worker()
