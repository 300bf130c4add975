"""A notebook run twice, top to bottom, in the same kernel prints the same results.

A learner often re-runs everything without restarting. Hidden state (auto-numbered layer names,
random streams not reset, files from the first run) would change the second run; this test runs
notebook 01 twice in one kernel and compares every printed line. The property does not depend on
how long the GAN trains, so a cell after the parameters cell shrinks the run (fewer points and
epochs, as a learner may edit them), and the Checks, which judge a full run's quality, are left to
nbval's run of the whole notebook. The other notebooks were checked by hand (README).
"""

import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SHRINK = {
    "01_gan_you_can_see.ipynb": "N_POINTS = 1024\nEPOCHS = 4\nSURFACE_EPOCHS = (1, 2, EPOCHS)\nPROBE_EPOCHS = 1",
}


def printed(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout")


def run_twice(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    checks = next(
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown"
        and c.source.startswith("## ")
        and "Checks" in c.source.split("\n")[0]
    )
    parameters = next(i for i, c in enumerate(nb.cells) if "EPOCHS = " in c.source)
    nb.cells = [
        *nb.cells[: parameters + 1],
        nbformat.v4.new_code_cell(SHRINK[name]),
        *nb.cells[parameters + 1 : checks],
    ]
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


@pytest.mark.parametrize("name", sorted(SHRINK))
def test_rerun_in_the_same_kernel_prints_the_same(name):
    first, second = run_twice(name)
    assert sum(bool(p) for p in first) >= 5, "too few cells printed anything to compare"
    assert first == second
