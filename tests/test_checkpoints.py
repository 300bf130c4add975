"""Checkpoints: complete, atomic, kept on divergence; a killed run resumes to the same weights."""

import json
import os
import signal
import subprocess
import sys
import time

import gan_helpers
import keras
import numpy as np
import pytest
import tensorflow as tf

from gankit import callbacks, checkpoints, data, gans, losses, models

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "Agg"}


def tiny_gan(seed=0, d_loss=losses.discriminator_loss):
    """The shared tiny GAN, with an EMA copy (so it is checkpointed too) and a pluggable D loss."""
    return gan_helpers.tiny_gan(seed, ema=0.9, loss=(d_loss, losses.non_saturating_generator_loss))


def state(gan):
    """Every number a training step depends on."""
    groups = checkpoints._groups(gan)
    return {k: [np.array(v) for v in vs] for k, vs in groups.items()}


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        for x, y in zip(a[key], b[key], strict=True):
            np.testing.assert_array_equal(x, y, err_msg=key)


class Recorder(keras.Model):
    """A model whose train_step only records the first column of each batch fit feeds it."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.seen = []

    def call(self, x):
        return self.dense(x)

    def train_step(self, x):
        record = tf.py_function(
            lambda v: self.seen.append(v.numpy()[:, 0].copy()) or 0, [x], tf.int32
        )
        return {"recorded": record}


def test_start_epoch_gives_fit_the_order_an_uninterrupted_fit_saw():
    x = np.arange(40, dtype="float32").reshape(20, 2)
    straight = Recorder()
    straight.compile()
    straight.fit(data.make_dataset(x, batch_size=20, seed=3), epochs=4, verbose=0, shuffle=False)
    assert not np.array_equal(straight.seen[0], straight.seen[1]), "each epoch is reshuffled"
    resumed = Recorder()
    resumed.compile()
    resumed.fit(
        data.make_dataset(x, batch_size=20, seed=3, start_epoch=2),
        epochs=4,
        initial_epoch=2,
        verbose=0,
    )
    np.testing.assert_array_equal(np.array(resumed.seen), np.array(straight.seen[2:]))


def test_restore_brings_back_weights_optimizers_ema_and_noise(digits, tmp_path):
    gan = tiny_gan()
    gan.fit(data.make_dataset(digits, batch_size=32), epochs=1, verbose=0)
    checkpoints.save(gan, tmp_path, epoch=1, notes={"hello": "world"})
    other = tiny_gan(seed=1)  # different initial weights and noise state
    assert checkpoints.restore(other, tmp_path) == 1
    assert_same_state(state(gan), state(other))
    assert checkpoints.load_state(tmp_path)["notes"] == {"hello": "world"}
    # the next noise draw is the same too
    np.testing.assert_array_equal(gan.sample_noise(4), other.sample_noise(4))


def test_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(digits, tmp_path):
    straight = tiny_gan()
    straight.fit(data.make_dataset(digits, batch_size=32, seed=5), epochs=3, verbose=0)

    first = tiny_gan()
    first.fit(
        data.make_dataset(digits, batch_size=32, seed=5),
        epochs=1,
        verbose=0,
        callbacks=[callbacks.Checkpoint(tmp_path)],
    )
    resumed = tiny_gan(seed=7)  # a fresh process would start from other random state
    done = checkpoints.restore(resumed, tmp_path)
    keras.utils.set_random_seed(0)  # the run's seed, as `--seed` sets it when the CLI resumes
    history = checkpoints.load_state(tmp_path)["notes"]["history"]
    ckpt = callbacks.Checkpoint(tmp_path, history=history)
    resumed.fit(
        data.make_dataset(digits, batch_size=32, seed=5, start_epoch=done),
        epochs=3,
        initial_epoch=done,
        verbose=0,
        callbacks=[ckpt],
    )
    assert_same_state(state(straight), state(resumed))
    assert len(ckpt.history) == 3 and checkpoints.load_state(tmp_path)["epoch"] == 3


def test_resuming_without_fast_forwarding_the_data_would_differ(digits, tmp_path):
    # The protection above is needed: restarting the data order gives different weights.
    straight = tiny_gan()
    straight.fit(data.make_dataset(digits, batch_size=32, seed=5), epochs=2, verbose=0)
    first = tiny_gan()
    first.fit(data.make_dataset(digits, batch_size=32, seed=5), epochs=1, verbose=0)
    checkpoints.save(first, tmp_path, 1)
    resumed = tiny_gan()
    checkpoints.restore(resumed, tmp_path)
    resumed.fit(
        data.make_dataset(digits, batch_size=32, seed=5), epochs=2, initial_epoch=1, verbose=0
    )
    assert not np.array_equal(
        straight.generator.get_weights()[0], resumed.generator.get_weights()[0]
    )


def test_a_crash_during_a_save_leaves_the_previous_checkpoint(digits, tmp_path, monkeypatch):
    gan = tiny_gan()
    checkpoints.save(gan, tmp_path, epoch=1)
    good = state(gan)
    gan.fit(data.make_dataset(digits, batch_size=32), epochs=1, verbose=0)

    def dies_halfway(f, **arrays):
        f.write(b"PK\x03\x04 half a zip file")
        raise KeyboardInterrupt  # stands in for a kill in the middle of the write

    monkeypatch.setattr(np, "savez", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        checkpoints.save(gan, tmp_path, epoch=2)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [checkpoints.ARRAYS, checkpoints.STATE]
    )
    restored = tiny_gan(seed=3)
    assert checkpoints.restore(restored, tmp_path) == 1
    assert_same_state(good, state(restored))


def test_divergence_keeps_the_last_good_checkpoint_and_grids(digits, tmp_path):
    def exploding_d_loss(real_logits, fake_logits):
        step = tf.cast(gan.d_optimizer.iterations, "float32")  # 8 steps per epoch here
        return losses.discriminator_loss(real_logits, fake_logits) * tf.where(
            step < 12, 1.0, np.nan
        )

    gan = tiny_gan(d_loss=exploding_d_loss)
    grids = callbacks.SampleGrid(n=4, out_dir=tmp_path / "progress")
    with pytest.raises(callbacks.TrainingDiverged, match="diverged at step 13"):
        gan.fit(
            data.make_dataset(digits, batch_size=32),
            epochs=3,
            verbose=0,
            callbacks=[callbacks.DivergenceGuard(), grids, callbacks.Checkpoint(tmp_path / "ckpt")],
        )
    assert checkpoints.load_state(tmp_path / "ckpt")["epoch"] == 1
    restored = tiny_gan()
    checkpoints.restore(restored, tmp_path / "ckpt")
    assert all(np.all(np.isfinite(w)) for w in restored.generator.get_weights())
    assert [p.name for p in (tmp_path / "progress").iterdir()] == ["samples_epoch_001.png"]


def test_checkpoint_callback_skips_a_non_finite_epoch(tmp_path):
    gan = tiny_gan()
    ckpt = callbacks.Checkpoint(tmp_path)
    ckpt.set_model(gan)
    ckpt.on_epoch_end(0, {"d_loss": 1.0, "g_loss": 0.7})
    ckpt.on_epoch_end(1, {"d_loss": float("nan"), "g_loss": 0.7})
    assert checkpoints.load_state(tmp_path)["epoch"] == 1 and ckpt.skipped == [2]


def test_restore_into_another_architecture_names_the_mismatch(tmp_path):
    checkpoints.save(tiny_gan(), tmp_path, epoch=1)
    keras.utils.set_random_seed(0)
    g = models.dcgan_generator(8, (8, 8, 1), base_filters=16)
    d = models.dcgan_discriminator((8, 8, 1), base_filters=8)
    other = gans.GAN(g, d, seed=0, ema=0.9)
    other.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(ValueError, match=r"checkpoint: generator/\d+ has shape"):
        checkpoints.restore(other, tmp_path)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        checkpoints.restore(other, tmp_path / "empty")


def gankit(*args):
    return [sys.executable, "-m", "gankit", *args]


def test_cli_run_killed_mid_training_resumes_to_the_same_weights(tmp_path):
    args = ["train", "mlp", "--dataset", "digits", "--epochs", "30", "--seed", "4"]
    straight = subprocess.run(
        gankit(*args, "--out", str(tmp_path / "a")), env=ENV, capture_output=True, text=True
    )
    assert straight.returncode == 0, straight.stderr

    run = subprocess.Popen(
        gankit(*args, "--out", str(tmp_path / "b")),
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state_file = tmp_path / "b" / "checkpoint" / checkpoints.STATE
    deadline = time.time() + 300
    while time.time() < deadline and run.poll() is None:
        if state_file.exists() and json.loads(state_file.read_text())["epoch"] >= 3:
            break
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.wait()
    killed_at = json.loads(state_file.read_text())["epoch"]
    assert killed_at < 30 and not (tmp_path / "b" / "generator.keras").exists(), "not interrupted"

    again = subprocess.run(
        gankit(*args, "--out", str(tmp_path / "b")), env=ENV, capture_output=True, text=True
    )
    assert again.returncode == 2 and "add --resume" in again.stderr
    resumed = subprocess.run(
        gankit(*args, "--out", str(tmp_path / "b"), "--resume"),
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming after epoch {killed_at}" in resumed.stdout
    a = keras.models.load_model(tmp_path / "a" / "generator.keras", safe_mode=True)
    b = keras.models.load_model(tmp_path / "b" / "generator.keras", safe_mode=True)
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-6)
    history = (tmp_path / "b" / "history.csv").read_text().splitlines()
    assert len(history) == 31, "History has every epoch, before and after the kill"

    other_seed = subprocess.run(
        gankit(*args[:-1], "5", "--out", str(tmp_path / "b"), "--resume"),
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert other_seed.returncode == 2 and "made with seed 4, not 5" in other_seed.stderr
