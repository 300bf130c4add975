"""The first cell of every lesson sets itself up (issue 18; the cell's text: tools/setup_cell.py).

Three kernels run the real cell, as Jupyter would (nbclient, a kernelspec naming the Python):

- this environment's (gankit installed, as in a checkout): one line of versions and the device;
- a fresh environment without gankit, inside and outside the checkout: one line naming the exact
  command, no traceback;
- a Colab stand-in (a fresh environment with ``google.colab`` in ``sys.modules`` and
  ``GANKIT_SOURCE`` set to the wheel just built): it installs gankit with ``%pip`` and the next cell
  imports it in the same kernel, without a restart. Real Colab is not tested here (no account,
  no internet): its own TensorFlow and package versions are not exercised.
"""

import json
import sys
from pathlib import Path

import nbformat
import pytest
from wheel_helpers import ENV, ROOT, build_wheel, fresh_venv, run

sys.path.insert(0, str(ROOT / "tools"))
import setup_cell  # noqa: E402

RUNNER = """
import json, sys
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(nb, kernel_name="under-test", timeout=600, allow_errors=True,
                        resources={"metadata": {"path": sys.argv[2]}})
client.execute()
print(json.dumps([cell.outputs for cell in nb.cells]))
"""


def execute(python, cells, cwd, work):
    """Run ``cells`` (sources) in a kernel of ``python`` started in ``cwd``; their outputs."""
    spec = work / "jupyter" / "kernels" / "under-test"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "under test", "language": "python"})
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = work / "probe.ipynb"
    nbformat.write(nb, path)
    runner = work / "runner.py"
    runner.write_text(RUNNER)
    env = {**ENV, "JUPYTER_PATH": str(work / "jupyter")}
    result = run([sys.executable, runner, path, cwd], work, env=env, timeout=900)
    return json.loads(result.stdout.strip().splitlines()[-1])


def lesson_setup_source():
    return setup_cell.setup_cell(nbformat.read(setup_cell.notebooks()[0], as_version=4)).source


def test_every_notebook_opens_with_the_same_setup_cell():
    paths = setup_cell.notebooks()
    assert len(paths) == 34, "17 lessons and their 17 student copies"
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        cell = setup_cell.setup_cell(nb)
        assert cell is not None, f"{path.name}: no setup cell"
        title = 1 if "exercises" in path.parts else 0  # a student copy starts with its header
        assert nb.cells.index(cell) == title + 1, f"{path.name}: the setup cell follows the title"
        assert setup_cell.current_source(nb) == "", "the repository ships GANKIT_SOURCE empty"
        assert cell.source == setup_cell.cell_source(""), f"{path.name}: stale setup cell"
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert first_code is cell, f"{path.name}: no code runs before the setup cell"
    assert setup_cell.main(["--check"]) == 0


def test_the_instructor_sets_the_source_once_for_every_notebook(tmp_path):
    nb = nbformat.read(setup_cell.notebooks()[0], as_version=4)
    url = "git+https://example.org/course/gankit.git@v1"
    assert setup_cell.apply(nb, url) and not setup_cell.apply(nb, url)
    assert setup_cell.current_source(nb) == url
    assert f'GANKIT_SOURCE = "{url}"' in setup_cell.setup_cell(nb).source


def test_in_a_kernel_with_gankit_it_prints_versions_and_device(tmp_path):
    (outputs,) = execute(sys.executable, [lesson_setup_source()], ROOT / "notebooks", tmp_path)
    assert [o["output_type"] for o in outputs] == ["stream"], outputs
    line = outputs[0]["text"].strip()
    assert "\n" not in line
    for name in ("Python", "TensorFlow", "Keras", "gankit", "CPU"):
        assert name in line, line
    import keras

    assert f"Keras {keras.__version__}" in line


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A fresh environment with every dependency but no gankit."""
    return fresh_venv(tmp_path_factory.mktemp("bare") / "venv", hide_gankit=True)


@pytest.mark.parametrize("where", ["checkout", "elsewhere"])
def test_in_a_kernel_without_gankit_it_names_the_command_in_one_line(bare_python, where, tmp_path):
    cwd = ROOT / "notebooks" / "exercises" if where == "checkout" else tmp_path
    (outputs,) = execute(bare_python, [lesson_setup_source()], cwd, tmp_path)
    (error,) = outputs
    assert error["output_type"] == "error" and error["ename"] == "SetupError"
    assert len(error["traceback"]) == 1, error["traceback"]  # no traceback, one line
    line = error["traceback"][0]
    assert "\n" not in line and "Traceback" not in line and "File " not in line
    assert f"{bare_python} -m pip install" in line and "restart the kernel" in line
    if where == "checkout":
        assert f"cd {ROOT} && " in line and "install -r requirements.txt" in line
    else:
        assert "cd " not in line


def test_in_colab_it_installs_gankit_and_goes_on_without_a_restart(tmp_path):
    wheel = build_wheel(tmp_path)
    python = fresh_venv(tmp_path / "venv", with_pip=True, hide_gankit=True)
    colab = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')"
    after = "import gankit, gankit.data\nprint(gankit.__file__)"
    cells = [colab, setup_cell.cell_source(str(wheel)), after]
    _, setup, imported = execute(python, cells, tmp_path, tmp_path)
    assert not [o for o in setup if o["output_type"] == "error"], setup
    text = "".join(o.get("text", "") for o in setup)
    assert "TensorFlow" in text and "gankit 0.1.0" in text, text
    assert "no restart needed" in text
    (printed,) = imported
    location = Path(printed["text"].strip()).resolve()
    assert location.is_relative_to((tmp_path / "venv").resolve()), location
