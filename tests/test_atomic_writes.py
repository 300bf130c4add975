"""Every file gankit writes is written atomically: a write that fails half-way leaves the previous
good file byte for byte, and no temporary file behind.

Each writer underneath (matplotlib, Keras, pandas, NumPy, nbformat, pathlib) is replaced by one
that writes some bytes to the file it was given and then raises, standing in for a kill or a full
disk in the middle of the write.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import gan_helpers
import matplotlib.figure
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest

from gankit import callbacks, checkpoints, cli, exercises, files, plotting

ROOT = Path(__file__).resolve().parents[1]


class Interrupted(Exception):
    """The failure injected half-way through a write."""


def dies_half_way(path_argument=0):
    """A writer that writes a few bytes to the path among its arguments, then raises."""

    def writer(*args, **kwargs):
        target = args[path_argument]
        if hasattr(target, "write"):
            target.write(b"half a file")
        else:
            Path(target).write_bytes(b"half a file")
        raise Interrupted

    return writer


def snapshot(folder):
    """{name: bytes} of every file under ``folder`` (temporary files included)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def assert_untouched(folder, before, name=None):
    """No temporary file left, and the files (or the file ``name``) as they were, byte for byte."""
    after = snapshot(folder)
    left = [name for name in after if ".tmp" in name]
    assert not left, f"temporary files left behind: {left}"
    assert sorted(after) == sorted(before)
    if name is None:
        assert after == before, "the previous good files, byte for byte"
    else:  # files written before it in the same run are new (a .keras file holds its save date)
        assert after[name] == before[name], f"the previous good {name}, byte for byte"


def images(seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")


# --------------------------------------------------------------------------- PNG
def test_a_failed_png_grid_leaves_the_previous_png(tmp_path, monkeypatch):
    path = plotting.save_image_grid(images(0), tmp_path / "grid.png")
    before = snapshot(tmp_path)
    monkeypatch.setattr(plt, "imsave", dies_half_way())
    with pytest.raises(Interrupted):
        plotting.save_image_grid(images(1), path)
    assert_untouched(tmp_path, before)


def test_a_failed_per_epoch_sample_grid_leaves_the_previous_png(tmp_path, monkeypatch):
    grids = callbacks.SampleGrid(n=4, out_dir=tmp_path)
    grids.set_model(gan_helpers.tiny_gan())
    grids.on_train_begin()
    grids.on_epoch_end(0)
    assert [p.name for p in tmp_path.iterdir()] == ["samples_epoch_001.png"]
    before = snapshot(tmp_path)
    monkeypatch.setattr(plt, "imsave", dies_half_way())
    with pytest.raises(Interrupted):
        grids.on_epoch_end(0)  # epoch 1 written again, failing half-way
    assert_untouched(tmp_path, before)


def test_a_png_grid_needs_a_png_name(tmp_path):
    with pytest.raises(ValueError, match=r"path: expected a file name ending in \.png"):
        plotting.save_image_grid(images(), tmp_path / "grid.txt")
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- the CLI's outputs
@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A finished one-epoch run; ``train ... --resume`` on it trains nothing and rewrites only
    its outputs (generator.keras, samples.png, losses.png, history.csv, metrics.json)."""
    out = tmp_path_factory.mktemp("run")
    args = ["train", "mlp", "--dataset", "digits", "--epochs", "1", "--out", str(out)]
    assert cli.main(args) == 0
    return out, [*args, "--resume"]


def json_only(path_self, *args, **kwargs):
    if Path(path_self).suffix == ".json":
        Path(path_self).write_bytes(b'{"half": ')
        raise Interrupted
    return REAL_WRITE_TEXT(path_self, *args, **kwargs)


REAL_WRITE_TEXT = Path.write_text

CLI_OUTPUTS = {
    # output file: (object, attribute, replacement writer)
    "generator.keras": ("keras.Model", "save", dies_half_way(1)),
    "samples.png": (plt, "imsave", dies_half_way()),
    "losses.png": (matplotlib.figure.Figure, "savefig", dies_half_way(1)),
    "history.csv": (pd.DataFrame, "to_csv", dies_half_way(1)),
    "metrics.json": (Path, "write_text", json_only),
}


@pytest.mark.parametrize("output", CLI_OUTPUTS)
def test_a_failed_cli_output_leaves_the_previous_file(output, finished_run, monkeypatch):
    import keras

    out, resume = finished_run
    assert (out / output).is_file()
    before = snapshot(out)
    target, name, writer = CLI_OUTPUTS[output]
    monkeypatch.setattr(keras.Model if target == "keras.Model" else target, name, writer)
    with pytest.raises(Interrupted):
        cli.main(resume)
    monkeypatch.undo()
    assert_untouched(out, before, output)
    assert cli.main(resume) == 0, "and the next run writes it"
    assert ".tmp" not in "".join(snapshot(out))


# --------------------------------------------------------------------------- checkpoint, notebook
def test_a_failed_checkpoint_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    gan = gan_helpers.tiny_gan()
    checkpoints.save(gan, tmp_path, epoch=1)
    before = snapshot(tmp_path)
    for w in gan.generator.weights:
        w.assign(w.numpy() + 1)
    monkeypatch.setattr(np, "savez", dies_half_way())
    with pytest.raises(Interrupted):
        checkpoints.save(gan, tmp_path, epoch=2)
    assert_untouched(tmp_path, before)


def test_a_failed_student_copy_leaves_the_previous_notebook(tmp_path, monkeypatch):
    exercises.build(ROOT / "notebooks", tmp_path)
    before = snapshot(tmp_path)
    real = nbformat.write
    calls = []

    def second_write_dies(nb, fp, *args, **kwargs):
        calls.append(fp)
        if len(calls) == 2:
            return dies_half_way(1)(nb, fp)
        return real(nb, fp, *args, **kwargs)

    monkeypatch.setattr(nbformat, "write", second_write_dies)
    with pytest.raises(Interrupted):
        exercises.build(ROOT / "notebooks", tmp_path)
    assert_untouched(tmp_path, before)


# --------------------------------------------------------------------------- atomic_path itself
def test_atomic_path_writes_only_on_success_and_cleans_up(tmp_path):
    target = tmp_path / "a.txt"
    files.write_text(target, "good")
    with pytest.raises(Interrupted), files.atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".txt" and tmp != target
        tmp.write_text("half")
        raise Interrupted
    assert target.read_text() == "good" and sorted(os.listdir(tmp_path)) == ["a.txt"]
    with pytest.raises(FileNotFoundError), files.atomic_path(target):
        pass  # wrote nothing: there is nothing to rename, and the old file stays
    assert target.read_text() == "good"


def test_temporaries_of_killed_writers_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "a.txt"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that no longer runs
    stale = files._temporary_name(target, dead.pid)
    stale.write_text("left by a SIGKILL")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        busy = files._temporary_name(target, sleeper.pid)  # another process still writing it
        busy.write_text("being written")
        other = tmp_path / ".b.tmp1.txt"  # another file's temporary: not ours to remove
        other.write_text("x")
        files.write_text(target, "new")
        assert sorted(os.listdir(tmp_path)) == sorted(["a.txt", busy.name, other.name])
    finally:
        sleeper.send_signal(signal.SIGKILL)
        sleeper.wait()
