import json
import os
import subprocess
import sys

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

from gankit import cli

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "Agg"}


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "gankit", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
    )


# train and sample end to end, on a tiny budget: tests/test_wheel.py, from the installed wheel


def test_train_cgan_draws_the_digit_asked_for_and_sample_asks_for_one(tmp_path, capsys):
    out = tmp_path / "run"
    # in this process (a new one would start TensorFlow again, about 5 s): the shell's
    # `python -m gankit train` runs in test_wheel.py and in the --devices test below
    args = ["train", "cgan", "--epochs", "1", "--out", str(out), "--fid-samples", "500"]
    assert cli.main(args) == 0, capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    accuracy = metrics["requested_class_accuracy"]
    assert accuracy["samples_per_class"] == 50 and len(accuracy["per_class"]) == 10
    # one epoch already draws the digit asked for far above chance (0.1, what a generator that
    # ignored its label would score): measured 0.79 overall
    assert accuracy["overall"] > 0.4, accuracy
    assert accuracy["worst"] == min(accuracy["per_class"])
    assert np.isfinite(metrics["fid"])
    # samples.png: ten rows (the digits) of ten 28-pixel samples
    rows, cols = plt.imread(out / "samples.png").shape[:2]
    assert rows == cols and 280 <= rows < 330
    generator = keras.models.load_model(out / "generator.keras", safe_mode=True)
    z = np.random.default_rng(0).standard_normal((2, generator.input_shape[0][-1]))
    images = generator([z.astype("float32"), np.array([3, 7], "int32")])
    assert images.shape == (2, 28, 28, 1) and float(np.abs(images).max()) <= 1.0

    # `sample` in this process too (the shell's `python -m gankit sample`: test_wheel.py)
    for extra, said in (
        ((), "samples of classes 0..9, one class per column"),
        (
            ("--label", "3"),
            "samples of class 3",
        ),
    ):
        grid = tmp_path / "grid.png"
        code = cli.main(
            ["sample", str(out / "generator.keras"), "-n", "20", *extra, "--out", str(grid)]
        )
        printed = capsys.readouterr()
        assert code == 0 and said in printed.out, printed.err
        assert grid.is_file()
    code = cli.main(["sample", str(out / "generator.keras"), "--label", "10", "--out", str(grid)])
    assert code == 2 and "draws classes 0..9, got 10" in capsys.readouterr().err


def test_train_on_two_devices_and_resume_on_them(tmp_path):
    """``--devices 2`` on a CPU-only machine splits the CPU into 2 logical devices and trains
    under MirroredStrategy (tests/test_distribute.py shows such a run equals one device's);
    a resumed run continues on them."""
    out = tmp_path / "run"
    first = run_cli(
        "train",
        "dcgan",
        "--dataset",
        "digits",
        "--epochs",
        "1",
        "--devices",
        "2",
        "--out",
        str(out),
    )
    assert first.returncode == 0, first.stderr
    assert "training on 2 devices with MirroredStrategy" in first.stdout
    assert "Traceback" not in first.stderr
    resumed = run_cli(
        "train",
        "dcgan",
        "--dataset",
        "digits",
        "--epochs",
        "2",
        "--devices",
        "2",
        "--out",
        str(out),
        "--resume",
    )
    assert resumed.returncode == 0, resumed.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["devices"], metrics["epochs"], metrics["resumed_after_epoch"]) == (2, 2, 1)
    history = np.loadtxt(out / "history.csv", delimiter=",", skiprows=1)
    assert history.shape[0] == 2 and np.isfinite(history).all()


def test_no_xla_trains_without_it_and_resumes_only_without_it(tmp_path, capsys, monkeypatch):
    """``--no-xla`` compiles the recipe with ``jit_compile=False`` (the trainer itself is checked,
    not only what metrics.json says), and a resumed run keeps the run's choice: the digits of a
    step differ with and without XLA, so switching would not continue the same run."""
    from gankit import recipes

    built = []

    def recording(*args, **kwargs):
        gan, cfg = recipes.mlp_gan(*args, **kwargs)
        built.append(gan)
        return gan, cfg

    monkeypatch.setitem(recipes.RECIPES, "mlp", recording)
    out = tmp_path / "run"
    run = ["train", "mlp", "--dataset", "digits", "--out", str(out)]
    assert cli.main([*run, "--epochs", "1", "--no-xla"]) == 0
    assert "XLA off (--no-xla)" in capsys.readouterr().out
    assert built[-1].jit_compile is False
    assert json.loads((out / "metrics.json").read_text())["config"]["jit_compile"] is False
    assert cli.main([*run, "--epochs", "2", "--resume"]) == 2  # --xla is the default
    err = capsys.readouterr().err
    assert "made with --no-xla, not --xla" in err and len(err.splitlines()) == 1
    assert cli.main([*run, "--epochs", "2", "--resume", "--no-xla"]) == 0
    assert built[-1].jit_compile is False
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 2
    # and XLA is the default (the value above goes to the recipe as it is)
    assert cli.build_parser().parse_args(run).xla is True


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "vae", "--out", "x"], "invalid choice: 'vae'"),
        (["train", "dcgan", "--devices", "0", "--out", "x"], "expected an integer from 1 to 64"),
        (["train", "dcgan", "--dataset", "cifar", "--out", "x"], "invalid choice: 'cifar'"),
        (["train", "dcgan", "--epochs", "0", "--out", "x"], "expected a positive integer, got 0"),
        (["train", "dcgan", "--minutes", "-1", "--out", "x"], "expected a positive number"),
        (["train", "dcgan", "--epochs", "1", "--minutes", "1", "--out", "x"], "not allowed with"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_unwritable_out_folder_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cli.main(["train", "dcgan", "--epochs", "1", "--out", str(blocker / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gankit: error: --out: cannot write") and err.count("\n") == 1


def test_sample_rejects_missing_and_non_keras_files(tmp_path, capsys):
    assert cli.main(["sample", str(tmp_path / "nope.keras"), "--out", str(tmp_path / "g.png")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "weights.h5"
    bad.write_text("x")
    assert cli.main(["sample", str(bad), "--out", str(tmp_path / "g.png")]) == 2
    assert "expected a .keras file" in capsys.readouterr().err


def test_sample_refuses_a_discriminator_in_one_line(tmp_path, capsys):
    from gankit import models

    path = tmp_path / "D.keras"
    models.dcgan_discriminator((8, 8, 1), base_filters=4).save(path)
    assert cli.main(["sample", str(path), "-n", "4", "--out", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is this a discriminator?" in err
    assert not (tmp_path / "g.png").exists()


@pytest.fixture
def ten_second_epochs(monkeypatch):
    """Every training epoch takes exactly 10 s on a fake clock (the callbacks' clock). An epoch
    that ends at ``clock.kill_at`` raises ``KeyboardInterrupt`` before it is checkpointed, as a
    kill would; a run that goes past epoch 40 fails the test (it has lost its budget)."""
    from types import SimpleNamespace

    from gankit import callbacks

    clock = SimpleNamespace(now=0.0, kill_at=None)
    monkeypatch.setattr(callbacks, "time", SimpleNamespace(perf_counter=lambda: clock.now))

    def tick(self, epoch, logs=None):  # replaces SampleGrid, the callback before Checkpoint
        if epoch + 1 > 40:
            raise RuntimeError(f"still training at epoch {epoch + 1}: the budget was lost")
        if epoch + 1 == clock.kill_at:
            raise KeyboardInterrupt
        clock.now += 10.0

    monkeypatch.setattr(callbacks.SampleGrid, "on_epoch_end", tick)
    return clock


def test_a_resumed_minutes_run_keeps_its_budget_and_says_what_it_will_do(
    ten_second_epochs, tmp_path, capsys
):
    from gankit import checkpoints

    # without XLA: the budget's bookkeeping does not depend on it, and five runs' XLA compiles
    # cost more than they save (10 s instead of 15 s for this test, stop 38)
    run = ["train", "mlp", "--dataset", "digits", "--seed", "2", "--no-xla", "--out", str(tmp_path)]
    ckpt = tmp_path / "checkpoint"

    def epochs_and_seconds():
        notes = checkpoints.load_state(ckpt)["notes"]
        return checkpoints.load_state(ckpt)["epoch"], notes["train_seconds"]

    ten_second_epochs.kill_at = 3  # a 1-minute run (6 epochs of 10 s) killed during epoch 3
    assert cli.main([*run, "--minutes", "1"]) == 130
    assert epochs_and_seconds() == (2, 20.0)
    assert checkpoints.load_state(ckpt)["notes"]["settings"]["minutes"] == 1
    capsys.readouterr()

    ten_second_epochs.kill_at = None
    assert cli.main([*run, "--resume"]) == 0  # the same command without --minutes
    out = capsys.readouterr().out
    assert "resuming after epoch 2, 0.67 of 1 minutes left (the run's budget; 0.33 used)" in out
    assert epochs_and_seconds() == (6, 60.0), "where the uninterrupted 1-minute run stops"
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs"] == 6

    assert cli.main([*run, "--resume", "--epochs", "8"]) == 0
    out = capsys.readouterr().out
    assert "up to epoch 8 (--epochs given; the run was started with 1 minutes)" in out
    assert epochs_and_seconds() == (8, 80.0)

    assert cli.main([*run, "--resume", "--minutes", "1.5"]) == 0  # 90 s in all: one more epoch
    out = capsys.readouterr().out
    assert "0.17 of 1.5 minutes left (--minutes given; the run was started with 8 epochs" in out
    assert epochs_and_seconds() == (9, 90.0)

    assert cli.main([*run, "--resume"]) == 0
    out = capsys.readouterr().out
    assert "no time left of 1.5 minutes (the run's budget): writing the outputs only" in out
    assert epochs_and_seconds() == (9, 90.0)
    assert len((tmp_path / "history.csv").read_text().splitlines()) == 10


def exit_status(argv):
    """cli.main's exit status, whether it returns it or argparse exits with it."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return exc.code


def test_sample_refuses_an_out_file_that_is_not_png(tmp_path, capsys):
    from gankit import models

    models.dcgan_generator(8, (8, 8, 1), base_filters=8).save(tmp_path / "g.keras")
    assert exit_status(["sample", str(tmp_path / "g.keras"), "--out", str(tmp_path / "s.txt")]) == 2
    err = capsys.readouterr().err
    assert "--out: expected a file name ending in .png" in err and "Traceback" not in err
    assert not (tmp_path / "s.txt").exists()
    assert cli.main(["sample", str(tmp_path / "g.keras"), "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


def keras_style(error):
    """How keras.utils.get_file reports a failed download: a plain Exception raised while
    handling the URLError (so the URLError is only its __context__)."""

    def load_data():
        try:
            raise error
        except Exception:
            raise Exception("URL fetch failure on https://storage.googleapis.com/...") from None

    return load_data


def raising(error):
    def load_data():
        raise error

    return load_data


def offline_cases():
    import errno
    import http.client
    import pickle
    import socket
    import urllib.error
    import zipfile

    no_dns = socket.gaierror(-3, "Temporary failure in name resolution")
    offline = "You seem to be offline"
    return {
        "keras' URLError": (keras_style(urllib.error.URLError(no_dns)), offline),
        "connection reset": (raising(ConnectionResetError(104, "reset")), offline),
        "socket.timeout": (raising(TimeoutError("timed out")), offline),
        "http.client": (raising(http.client.RemoteDisconnected("closed")), offline),
        "unreachable": (raising(OSError(errno.ENETUNREACH, "Network is unreachable")), offline),
        "HTTP 403": (
            keras_style(urllib.error.HTTPError("https://x", 403, "Forbidden", {}, None)),
            "The download server refused it",
        ),
        "corrupt cached file": (
            raising(zipfile.BadZipFile("File is not a zip file")),
            "BadZipFile: File is not a zip file). This is not a network error",
        ),
        "corrupt cached mnist.npz": (  # what np.load(allow_pickle=True) raises for it
            raising(pickle.UnpicklingError("Failed to interpret file 'mnist.npz' as a pickle")),
            "UnpicklingError: Failed to interpret file 'mnist.npz' as a pickle). This is not",
        ),
        "bad array": (
            raising(ValueError("cannot reshape array of size 10 into shape (28,28)")),
            "ValueError: cannot reshape array of size 10 into shape (28,28)). This is not",
        ),
        "full disk": (
            raising(OSError(errno.ENOSPC, "No space left on device")),
            "No space left on device). This is not a network error",
        ),
    }


@pytest.mark.parametrize("case", list(offline_cases()))
def test_online_datasets_report_the_real_cause_in_one_line(case, monkeypatch, tmp_path, capsys):
    import keras

    load_data, message = offline_cases()[case]
    monkeypatch.setattr(keras.datasets.mnist, "load_data", load_data)
    args = ["train", "dcgan", "--dataset", "mnist-full", "--epochs", "1", "--out", str(tmp_path)]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("gankit: error: mnist: ") and err.count("\n") == 1, err
    assert message in err
    assert ("offline" in err) == (message == "You seem to be offline"), err


def test_the_command_line_starts_without_tensorflow_until_a_command_needs_it():
    """``--help``, the argument checks and ``exercises`` run without starting TensorFlow (about
    4 s): only training, sampling and measuring import it."""
    probe = (
        "import sys\n"
        "from gankit import cli, recipes\n"
        "cli.build_parser().parse_args(['train', 'dcgan', '--out', 'x'])\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", run.stdout


def test_train_self_conditioned_clusters_the_images_and_samples_by_their_shares(tmp_path, capsys):
    """The recipe that needs no labels: it clusters the images itself, says so, and its grid and
    FID samples draw each cluster by its share (gankit.self_conditioned)."""
    out = tmp_path / "run"
    args = ["train", "self_conditioned", "--dataset", "digits", "--epochs", "1", "--out", str(out)]
    assert cli.main(args) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "20 k-means clusters of the images stand in for labels" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "self_conditioned" and metrics["config"]["clusters"] == 20
    assert "requested_class_accuracy" not in metrics  # clusters are not classes anyone asked for
    generator = keras.models.load_model(out / "generator.keras", safe_mode=True)
    assert generator.get_layer("label_embedding").input_dim == 20
    # samples.png: 64 samples by the shares, 8 x 8 digits of 8 pixels
    rows, cols = plt.imread(out / "samples.png").shape[:2]
    assert rows == cols
    # `sample` reads the shares the run recorded and draws what the trainer's generate draws
    # (before, it drew the 20 groups in turn, as for a cgan's classes: this fails on that)
    shares = metrics["shares"]
    assert len(shares) == 20 and min(shares) > 0 and sum(shares) == pytest.approx(1)
    grid = tmp_path / "grid.png"
    code = cli.main(
        ["sample", str(out / "generator.keras"), "-n", "30", "--seed", "4", "--out", str(grid)]
    )
    printed = capsys.readouterr()
    assert code == 0 and "each group drawn by its share" in printed.out, printed.err
    from gankit import conditional, plotting, self_conditioned

    trainer = self_conditioned.SelfConditionedGAN(
        generator, conditional.projection_discriminator((8, 8, 1), 20, 4), shares
    )
    expected = tmp_path / "expected.png"
    plotting.save_image_grid(trainer.generate(30, seed=4), expected)
    np.testing.assert_allclose(plt.imread(grid), plt.imread(expected), atol=1.01 / 255)


def test_a_resumed_self_conditioned_run_finds_the_same_groups_and_ends_as_an_uninterrupted_one(
    tmp_path, capsys
):
    """The README's promise: the groups are seeded by --seed, so a --resume rebuilds the very
    groups the run started with, and the resumed run ends with the uninterrupted run's weights."""

    def train(out, *extra):
        args = ["train", "self_conditioned", "--dataset", "digits", "--no-xla", "--out", str(out)]
        assert cli.main([*args, *extra]) == 0, capsys.readouterr().err

    train(tmp_path / "straight", "--epochs", "2")
    train(tmp_path / "resumed", "--epochs", "1")
    train(tmp_path / "resumed", "--epochs", "2", "--resume")
    straight, resumed = (
        keras.models.load_model(tmp_path / name / "generator.keras", safe_mode=True)
        for name in ("straight", "resumed")
    )
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
