"""Build gankit's wheel and make fresh virtual environments outside the checkout (issue 18).

Shared by ``test_wheel.py`` (the wheel trains, samples and measures) and ``test_setup_cell.py``
(the first cell of every lesson in a kernel with and without gankit).

Where a new environment's third-party packages come from: a ``.pth`` line makes *this*
environment's packages (TensorFlow, Keras, ...) importable after the new one's own, so the tests
do not download and install TensorFlow again. A path line in a ``.pth`` file only extends
``sys.path``: the ``.pth`` files of that folder (this environment's editable-install hook for gankit
among them) are not run, so the checkout stays invisible. With ``hide_gankit=True`` the line points
at a folder of links to this environment's packages without gankit's own metadata, so that pip in
the new environment does not believe gankit is installed either.
"""

import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    key: value
    for key, value in os.environ.items()
    if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH")
}
ENV.update(TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0", MPLBACKEND="Agg")


def run(args, cwd, timeout=900, env=None):
    """Run a command; fail the test with the end of its output if it fails."""
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env or ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def build_wheel(work):
    """Build gankit's wheel from a copy of what a build reads; return the wheel's path."""
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "gankit", source / "gankit", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    dist = work / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, source], work)
    (wheel,) = dist.glob("gankit-*.whl")
    return wheel


def _python(env_dir):
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _is_gankit(name):
    return name.startswith(("gankit", "__editable__.gankit", "__editable___gankit"))


def fresh_venv(env_dir, with_pip=False, hide_gankit=False):
    """A new virtual environment that sees this one's third-party packages; return its python."""
    venv.create(env_dir, with_pip=with_pip, symlinks=os.name != "nt")
    python = _python(env_dir)
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], env_dir)
    ours = [Path(p) for p in site.getsitepackages() if Path(p).is_dir()]
    if hide_gankit:
        links = env_dir / "outer-packages"
        links.mkdir()
        for folder in ours:
            for entry in folder.iterdir():
                if not _is_gankit(entry.name) and not (links / entry.name).exists():
                    (links / entry.name).symlink_to(entry)
        ours = [links]
    (Path(purelib.stdout.strip()) / "_outer_dependencies.pth").write_text(
        "\n".join(str(p) for p in ours) + "\n"
    )
    return python
