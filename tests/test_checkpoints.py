"""Checkpoints: complete, atomic, kept on divergence; a killed run resumes to the same weights."""

import io
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

from gankit import callbacks, checkpoints, cli, data, gans, losses, models

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


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def half_written_savez(exception):
    """An ``np.savez`` that writes the first half of the real archive, then raises."""
    real = np.savez

    def savez(f, **arrays):
        buffer = io.BytesIO()
        real(buffer, **arrays)
        f.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        raise exception

    return savez


def fails_at_call(k, real, exception):
    """A stand-in for ``real`` that raises ``exception`` at its ``k``-th call (0-based)."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(args)
        if len(calls) == k + 1:
            raise exception
        return real(*args, **kwargs)

    return wrapper


def count_calls(monkeypatch, target, name, action):
    calls = []
    real = getattr(target, name)
    monkeypatch.setattr(target, name, lambda *a, **kw: calls.append(a) or real(*a, **kw))
    action()
    monkeypatch.undo()
    return len(calls)


# each step of a save that can be interrupted: (object, function, the exception standing in for
# a kill there). Every call of each is failed in turn, so a failure between any two writes of a
# save is tried, however many writes a save makes.
SAVE_STEPS = {
    "writing the arrays": (np, "savez", KeyboardInterrupt()),
    "before fsync": (os, "fsync", OSError(5, "Input/output error")),
    "before a rename": (os, "replace", OSError(28, "No space left on device")),
}


@pytest.mark.parametrize("step", [*SAVE_STEPS, "building the state"])
def test_a_failure_at_any_step_of_a_save_leaves_the_previous_checkpoint(
    step, digits, tmp_path, monkeypatch
):
    gan = tiny_gan()
    gan.fit(data.make_dataset(digits, batch_size=32), epochs=1, verbose=0)
    checkpoints.save(gan, tmp_path, epoch=1, notes={"history": [{"d_loss": 1.0}]})
    good = state(gan)
    good_files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    gan.fit(data.make_dataset(digits, batch_size=32), epochs=1, verbose=0)
    assert not np.array_equal(state(gan)["generator"][0], good["generator"][0])
    notes = {"history": [{"d_loss": 1.0}] * 2}

    def save():
        checkpoints.save(gan, tmp_path / "dry-run", epoch=2, notes=notes)

    if step == "building the state":
        attempts = [(None, None, None)]
    else:
        target, name, exception = SAVE_STEPS[step]
        n = count_calls(monkeypatch, target, name, save)
        assert n >= 1, f"save() never calls {name}"
        real = getattr(target, name)
        attempts = [(target, name, fails_at_call(k, real, exception)) for k in range(n)]
        if name == "savez":  # and once half-way through writing the archive
            attempts.append((target, name, half_written_savez(exception)))
    outcomes = []
    for target, name, replacement in attempts:
        if target is None:
            bad_notes = {**notes, "settings": {"not json": object()}}
        else:
            bad_notes = notes
            monkeypatch.setattr(target, name, replacement)
        try:
            checkpoints.save(gan, tmp_path, epoch=2, notes=bad_notes)
        except (KeyboardInterrupt, OSError, TypeError):
            failed = True
        else:  # the fault came after the new checkpoint was in place (flushing the folder)
            failed = False
        monkeypatch.undo()
        outcomes.append(failed)

        files = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
        restored = tiny_gan(seed=3)
        if failed:
            assert files == good_files, "the previous checkpoint, byte for byte, no temporary"
            assert checkpoints.restore(restored, tmp_path) == 1
            assert_same_state(good, state(restored))
            assert checkpoints.load_state(tmp_path)["notes"]["history"] == [{"d_loss": 1.0}]
        else:
            assert list(files) == list(good_files)
            assert checkpoints.restore(restored, tmp_path) == 2
            assert_same_state(state(gan), state(restored))
            for name, content in good_files.items():  # back to epoch 1 for the next attempt
                (tmp_path / name).write_bytes(content)
    assert outcomes[0], "the first fault of each step interrupts the save"


KILL_SCRIPT = """
import os, signal, shutil, sys
import numpy as np
sys.path.insert(0, {tests!r})
import gan_helpers
from gankit import checkpoints, files

folder, step = sys.argv[1], sys.argv[2]
gan = gan_helpers.tiny_gan(0, ema=0.9)
checkpoints.save(gan, folder, epoch=1)
shutil.copy(os.path.join(folder, "checkpoint.npz"), os.path.join(folder, "..", "epoch1.npz"))
for w in gan.generator.weights:
    w.assign(w.numpy() + 1.0)
np.save(os.path.join(folder, "..", "epoch2_g0.npy"), gan.generator.weights[0].numpy())

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if step == "writing the arrays":
    real = np.savez
    def savez(f, **arrays):
        real(f, **{{k: arrays[k] for k in list(arrays)[:5]}})  # some arrays are on disk
        f.flush()
        die()
    np.savez = savez
elif step == "before the rename":
    os.replace = die
elif step == "after the rename":
    files._fsync_folder = die
checkpoints.save(gan, folder, epoch=2)
"""


@pytest.mark.parametrize(
    "step, epoch", [("writing the arrays", 1), ("before the rename", 1), ("after the rename", 2)]
)
def test_a_process_killed_mid_save_leaves_a_whole_checkpoint(step, epoch, tmp_path):
    folder = tmp_path / "ckpt"
    script = KILL_SCRIPT.format(tests=os.path.dirname(__file__))
    run = subprocess.run(
        [sys.executable, "-c", script, str(folder), step], env=ENV, capture_output=True
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()[-2000:]
    resumed = tiny_gan(seed=5)
    assert checkpoints.restore(resumed, folder) == epoch
    if epoch == 1:  # the previous checkpoint, byte for byte; the killed writer's temporary stays
        epoch1 = (tmp_path / "epoch1.npz").read_bytes()
        assert (folder / checkpoints.FILE).read_bytes() == epoch1
        assert len(listing(folder)) == 2 and listing(folder)[0].startswith(".checkpoint.tmp")
    else:  # the new one, whole
        expected = np.load(tmp_path / "epoch2_g0.npy")
        np.testing.assert_array_equal(resumed.generator.weights[0].numpy(), expected)
    checkpoints.save(resumed, folder, epoch=3)  # the next save clears the dead writer's temporary
    assert listing(folder) == [checkpoints.FILE]


def rewrite(path, change):
    """Load a checkpoint file's arrays and state, let ``change(state, arrays)`` edit them, and
    write them back without any of save()'s care (as a bug or a hand edit would)."""
    with np.load(path) as stored:
        arrays = dict(stored)
    state = json.loads(arrays.pop("state").item())
    change(state, arrays)
    np.savez(path, state=np.array(json.dumps(state)), **arrays)


def set_key(key, value):
    return lambda state, arrays: state.__setitem__(key, value)


def with_array(name, value):
    return lambda state, arrays: arrays.__setitem__(name, value)


def g_step_count(state, arrays):
    name = next(n for n in state["iterations"] if n.startswith("g_optimizer"))
    arrays[name] = arrays[name] + 1  # the arrays went one step further than the state says


INCONSISTENT = {
    "an optimizer step count differs": (g_step_count, "optimizer step count g_optimizer/"),
    "an array has another shape": (
        with_array("generator/0000", np.zeros((3, 3), "float32")),
        "generator/0000 has shape",
    ),
    "an array is missing": (
        lambda state, arrays: arrays.pop("discriminator/0001"),
        "missing ['discriminator/0001']",
    ),
    "an array is not in the record": (with_array("generator/9999", np.zeros(2)), "unlisted"),
    "a negative epoch": (set_key("epoch", -1), "epoch -1"),
    "more History rows than epochs": (
        set_key("notes", {"history": [{}, {}, {}]}),
        "3 History rows for epoch 1",
    ),
    "another format": (set_key("format", 1), "format 1"),
}


@pytest.mark.parametrize("case", INCONSISTENT)
def test_a_checkpoint_whose_state_and_arrays_disagree_is_refused(case, tmp_path):
    gan = tiny_gan()
    checkpoints.save(gan, tmp_path, epoch=1)
    change, message = INCONSISTENT[case]
    rewrite(tmp_path / checkpoints.FILE, change)
    other = tiny_gan(seed=4)
    before = state(other)
    for read in (checkpoints.load_state, lambda d: checkpoints.restore(other, d)):
        with pytest.raises(ValueError) as info:
            read(tmp_path)
        text = str(info.value)
        assert "damaged or inconsistent" in text and message in text and "\n" not in text
    assert_same_state(before, state(other))  # nothing was assigned


def truncated(b):
    return b[: len(b) // 2]


def flipped(b):  # one bit in the middle, as a failing disk would
    middle = len(b) // 2
    return b[:middle] + bytes([b[middle] ^ 0x10]) + b[middle + 1 :]


@pytest.mark.parametrize(
    "damage, message",
    [
        (truncated, "BadZipFile"),
        (flipped, "Bad CRC-32"),
        (lambda b: b"", "not a NumPy .npz archive"),
        (lambda b: b"\x93NUMPY" + b[6:], "not a NumPy .npz archive"),
    ],
)
def test_a_damaged_checkpoint_file_is_refused_in_one_line(damage, message, tmp_path):
    checkpoints.save(tiny_gan(), tmp_path, epoch=1)
    path = tmp_path / checkpoints.FILE
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match=message) as info:
        checkpoints.load_state(tmp_path)
    assert str(info.value).startswith("checkpoint: ") and "\n" not in str(info.value)


def test_the_old_two_file_checkpoint_is_refused_with_a_message_saying_so(tmp_path):
    np.savez(tmp_path / checkpoints.FILE, **{"generator/0000": np.zeros(3)})
    (tmp_path / checkpoints.LEGACY_STATE).write_text('{"epoch": 1, "notes": {}}')
    with pytest.raises(ValueError, match="two-file checkpoint of gankit before issue 12"):
        checkpoints.load_state(tmp_path)


def test_a_checkpoint_is_one_file_and_restore_assigns_nothing_on_a_mismatch(tmp_path):
    checkpoints.save(tiny_gan(), tmp_path, epoch=1)
    assert listing(tmp_path) == [checkpoints.FILE]
    keras.utils.set_random_seed(1)
    g = models.dcgan_generator(8, (8, 8, 1), base_filters=8)
    d = models.dcgan_discriminator((8, 8, 1), base_filters=8)
    no_ema = gans.GAN(g, d, seed=1)  # the checkpoint has an EMA generator, this model has none
    no_ema.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    before = [w.numpy().copy() for w in no_ema.generator.weights]
    with pytest.raises(ValueError, match="ema_generator variables but this model has none"):
        checkpoints.restore(no_ema, tmp_path)
    for x, w in zip(before, no_ema.generator.weights, strict=True):
        np.testing.assert_array_equal(x, w.numpy())


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


def test_cli_run_killed_mid_training_resumes_to_the_same_weights(tmp_path, capsys):
    epochs = 15
    args = ["train", "mlp", "--dataset", "digits", "--epochs", str(epochs), "--seed", "4"]
    # a real process, killed with SIGKILL after its third epoch's checkpoint
    run = subprocess.Popen(
        gankit(*args, "--out", str(tmp_path / "b")),
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ckpt_dir = tmp_path / "b" / "checkpoint"

    def finished_epochs():
        saved = checkpoints.load_state(ckpt_dir)
        return saved["epoch"] if saved else 0

    deadline = time.time() + 300
    while time.time() < deadline and run.poll() is None:
        if finished_epochs() >= 3:
            break
        time.sleep(0.1)  # load_state reads and checks the whole file
    run.send_signal(signal.SIGKILL)
    run.wait()
    killed_at = finished_epochs()
    assert 3 <= killed_at < epochs, killed_at
    assert not (tmp_path / "b" / "generator.keras").exists(), "not interrupted"

    # the uninterrupted run, the refusals and the resumed run in this process (each new process
    # would start TensorFlow again, about 5 s); refused without --resume and with another seed,
    # before any training
    assert cli.main([*args, "--out", str(tmp_path / "a")]) == 0
    assert cli.main([*args, "--out", str(tmp_path / "b")]) == 2
    assert "add --resume" in capsys.readouterr().err
    assert cli.main([*args[:-1], "5", "--out", str(tmp_path / "b"), "--resume"]) == 2
    assert "made with seed 4, not 5" in capsys.readouterr().err
    assert cli.main([*args, "--out", str(tmp_path / "b"), "--resume"]) == 0
    assert f"resuming after epoch {killed_at}" in capsys.readouterr().out
    a = keras.models.load_model(tmp_path / "a" / "generator.keras", safe_mode=True)
    b = keras.models.load_model(tmp_path / "b" / "generator.keras", safe_mode=True)
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-6)
    history = (tmp_path / "b" / "history.csv").read_text().splitlines()
    assert len(history) == epochs + 1, "History has every epoch, before and after the kill"
