"""gankit installed from its wheel, outside the checkout, trains, samples and measures (issue 18).

The test copies what a build reads (``pyproject.toml``, ``README.md``, ``gankit/``) to a temporary
folder, builds the wheel there with pip (in an isolated build environment, as a learner's
``pip install .`` does), installs it with ``--no-deps`` into a fresh virtual environment and runs
the command line and the evaluator from another temporary folder. Nothing points at the checkout:
no ``PYTHONPATH``, no editable install; the test asserts that gankit, its evaluator and every
module it loaded come from the new environment.

Its third-party packages are this environment's, seen through a ``.pth`` line (see
``wheel_helpers``); set ``GANKIT_WHEEL_DEPS=registry`` to install the wheel with its dependencies
from the package registry instead (minutes and a few hundred MB; run by hand, see the README).
"""

import json
import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from wheel_helpers import ROOT, build_wheel, fresh_venv, run

FROM_REGISTRY = os.environ.get("GANKIT_WHEEL_DEPS") == "registry"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python of a fresh venv holding gankit's wheel, the wheel's path, a working folder)."""
    work = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(work)
    env_dir = work / "venv"
    if FROM_REGISTRY:
        import venv

        venv.create(env_dir, with_pip=False, symlinks=os.name != "nt")
        python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        install = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", wheel]
        run(install, work, timeout=3600)
    else:
        python = fresh_venv(env_dir, hide_gankit=True)
        run(
            [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel],
            work,
        )
    runs = work / "runs"
    runs.mkdir()
    return python, wheel, runs


def test_the_wheel_carries_the_evaluator_and_no_checkout_files(installed):
    _, wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in ("mnist_evaluator.keras", "card.json"):
        assert f"gankit/assets/evaluator/{asset}" in names, sorted(names)
    assert "gankit/checks/part1.py" in names and "gankit/tabular/__init__.py" in names
    assert not any(n.startswith(("tests/", "notebooks/", "data/")) for n in names)


@pytest.fixture(scope="module")
def trained(installed):
    """``python -m gankit train`` from the wheel, in a folder outside the checkout: (its result,
    the run folder, the grid that ``sample`` writes in the next fixture's process)."""
    python, _, runs = installed
    out, grid = runs / "dcgan", runs / "grid.png"
    args = ["train", "dcgan", "--epochs", "1", "--out", out, "--fid-samples", "200"]
    train = run([python, "-m", "gankit", *args], runs)
    return train, out, grid


@pytest.fixture(scope="module")
def seen(installed, trained):
    """One more process of the new environment: the installed command line's ``sample`` draws a
    grid from the installed generator, the installed evaluator scores it, then the process reports
    where gankit, the evaluator and every module it loaded (the command line's and the
    measurement's) came from. One process for all three saves starting TensorFlow twice more
    (about 5 s each); ``python -m gankit`` itself ran as a command in ``trained``."""
    python, _, runs = installed
    script = (
        "import json, sys, numpy as np, keras\n"
        "import gankit, gankit.cli, gankit.evaluator as e\n"
        "sampled = gankit.cli.main(['sample', 'dcgan/generator.keras', '-n', '16',"
        " '--out', 'grid.png'])\n"
        "from gankit import data, models\n"
        "from gankit.evaluator import load_card, load_evaluator\n"
        "g = keras.models.load_model('dcgan/generator.keras', safe_mode=True)\n"
        "z = np.random.default_rng(0).standard_normal((500, g.input_shape[-1])).astype('float32')\n"
        "fake = np.asarray(g.predict(z, verbose=0))\n"
        "blank = models.dcgan_generator(g.input_shape[-1], (28, 28, 1))\n"
        "noise = np.asarray(blank.predict(z, verbose=0))\n"
        "real = data.load_mnist('test')[0][:500]\n"
        "ev = load_evaluator()\n"
        "scores = {'trained': ev.fid(fake, real), 'untrained': ev.fid(noise, real),"
        " 'card': load_card()}\n"
        "mods = [m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', None)]\n"
        "print(json.dumps({'sampled': sampled, 'scores': scores, 'gankit': gankit.__file__,"
        " 'evaluator': str(e.EVALUATOR_PATH), 'path': sys.path, 'modules': mods,"
        " 'prefix': sys.prefix}))"
    )
    return json.loads(run([python, "-c", script], runs).stdout.strip().splitlines()[-1])


def test_gankit_imports_from_the_new_environment_not_the_checkout(installed, seen):
    python, _, _ = installed
    prefix = Path(seen["prefix"]).resolve()
    assert prefix == python.parent.parent.resolve()
    for key in ("gankit", "evaluator"):
        assert Path(seen[key]).resolve().is_relative_to(prefix), seen[key]
    assert Path(seen["evaluator"]).is_file()
    assert str(ROOT) not in seen["path"], "the checkout is on sys.path"
    # (in CI this environment itself lives inside the checkout, in .ci/venv: only the checkout's
    # own code counts)
    code = [ROOT / name for name in ("gankit", "tests", "tools", "data", "notebooks")]
    from_checkout = [m for m in seen["modules"] if any(Path(m).is_relative_to(c) for c in code)]
    assert not from_checkout, from_checkout[:5]


def test_train_sample_and_measure_from_the_wheel_outside_the_checkout(trained, seen):
    result, out, grid = trained
    assert "Traceback" not in result.stderr
    assert "d_loss" in result.stdout, "progress must be visible while it runs"
    for name in ("generator.keras", "samples.png", "losses.png", "history.csv", "metrics.json"):
        assert (out / name).is_file(), name
    assert (out / "progress" / "samples_epoch_001.png").is_file()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and metrics["fid_samples"] == 200
    assert np.isfinite(metrics["fid"]) and metrics["fid"] > 0
    assert len(metrics["class_histogram"]) == 10
    assert sum(metrics["class_histogram"]) == pytest.approx(1, abs=1e-3)
    assert seen["sampled"] == 0 and grid.is_file() and grid.stat().st_size > 0

    # the installed evaluator on the installed generator: its FID is far above the real-vs-real
    # floor on the card (one epoch is not a trained GAN) and below an untrained generator's
    scores = seen["scores"]
    card = json.loads((ROOT / "gankit" / "assets" / "evaluator" / "card.json").read_text())
    assert scores["card"] == card
    assert card["fid_test_vs_train"] < scores["trained"] < scores["untrained"], scores
