import json
import os
import subprocess
import sys

import keras
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


def test_train_and_sample_end_to_end_on_a_tiny_budget(tmp_path):
    out = tmp_path / "run"
    result = run_cli(
        "train",
        "dcgan",
        "--dataset",
        "mnist",
        "--epochs",
        "1",
        "--out",
        str(out),
        "--fid-samples",
        "200",
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for name in ("generator.keras", "samples.png", "losses.png", "history.csv", "metrics.json"):
        assert (out / name).is_file(), name
    assert (out / "progress" / "samples_epoch_001.png").is_file()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and metrics["fid_samples"] == 200
    assert np.isfinite(metrics["fid"]) and metrics["fid"] > 0
    assert len(metrics["class_histogram"]) == 10 and sum(
        metrics["class_histogram"]
    ) == pytest.approx(1, abs=1e-3)
    assert "d_loss" in result.stdout, "progress must be visible while it runs"
    generator = keras.models.load_model(out / "generator.keras")
    assert generator.output_shape == (None, 28, 28, 1)

    grid = tmp_path / "grid.png"
    result = run_cli("sample", str(out / "generator.keras"), "-n", "16", "--out", str(grid))
    assert result.returncode == 0, result.stderr
    assert grid.is_file() and grid.stat().st_size > 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "vae", "--out", "x"], "invalid choice: 'vae'"),
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
