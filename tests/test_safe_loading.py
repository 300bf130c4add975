"""Nothing gankit loads can run code: safe-mode Keras files, plain-array checkpoints, no pickle."""

import ast
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from gankit import checkpoints, evaluator, models

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def lambda_model(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda x: x * 2)])
    path = tmp_path / "with_lambda.keras"
    model.save(path)
    return path


def test_a_model_with_a_lambda_is_refused_with_an_explanation(lambda_model):
    with pytest.raises(models.UnsafeModelError, match="contains Python code .* safe mode"):
        models.load(lambda_model)


def test_the_evaluator_loader_refuses_it_too(lambda_model):
    with pytest.raises(models.UnsafeModelError, match="evaluator: refusing to load"):
        evaluator.load_evaluator(lambda_model)


def test_the_cli_refuses_it_in_one_line(lambda_model, tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "gankit",
            "sample",
            str(lambda_model),
            "--out",
            str(tmp_path / "g.png"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "refusing to load" in run.stderr
    assert not (tmp_path / "g.png").exists()


def test_a_plain_model_loads(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.save(tmp_path / "ok.keras")
    assert models.load(tmp_path / "ok.keras").output_shape == (None, 2)
    with pytest.raises(FileNotFoundError, match="no such file"):
        models.load(tmp_path / "missing.keras")
    (tmp_path / "weights.h5").write_bytes(b"")
    with pytest.raises(ValueError, match="expected a .keras file"):
        models.load(tmp_path / "weights.h5")


def test_a_checkpoint_with_python_objects_is_refused(tmp_path):
    np.savez(
        tmp_path / checkpoints.ARRAYS, **{"generator/0000": np.array([{"a": 1}], dtype=object)}
    )
    (tmp_path / checkpoints.STATE).write_text('{"epoch": 1, "notes": {}}')
    g = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    from gankit import gans

    gan = gans.GAN(g, d, seed=0)
    gan.compile(keras.optimizers.SGD(), keras.optimizers.SGD())
    with pytest.raises(ValueError, match="holds Python objects"):
        checkpoints.restore(gan, tmp_path)


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def test_no_code_in_gankit_unpickles_or_turns_safe_mode_off():
    problems = []
    for path in sorted((ROOT / "gankit").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(
                    n.split(".")[0] in {"pickle", "dill", "joblib", "cloudpickle"} for n in names
                ):
                    problems.append(f"{path.name}:{node.lineno} imports a pickler")
        for call in _calls(tree):
            for kw in call.keywords:
                if kw.arg == "safe_mode" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is True
                ):
                    problems.append(f"{path.name}:{call.lineno} safe_mode is not True")
                if kw.arg == "allow_pickle" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is False
                ):
                    problems.append(f"{path.name}:{call.lineno} allow_pickle is not False")
            if (
                isinstance(call.func, ast.Attribute)
                and call.func.attr == "load"
                and (getattr(call.func.value, "id", "") == "np")
            ):
                if not any(kw.arg == "allow_pickle" for kw in call.keywords):
                    problems.append(f"{path.name}:{call.lineno} np.load without allow_pickle=False")
    assert problems == []
