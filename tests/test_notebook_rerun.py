"""A notebook run twice, top to bottom, in the same kernel prints the same results.

A learner often re-runs everything without restarting. Hidden state (auto-numbered layer names,
random streams not reset, files from the first run) would change the second run; this test runs
notebook 01 twice in one kernel and compares every printed line. It costs about 90 s, so only
the cheapest training notebook runs here; the others were checked by hand (README).
"""

import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def printed(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")


def run_twice(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    runs = []
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        for _ in range(2):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            runs.append([printed(c) for c in nb.cells if c.cell_type == "code"])
    return runs


@pytest.mark.parametrize("name", ["01_gan_you_can_see.ipynb"])
def test_rerun_in_the_same_kernel_prints_the_same(name):
    first, second = run_twice(name)
    assert "All checks passed." in first[-1]
    assert first == second
