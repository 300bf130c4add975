"""The project's conftest.py gives each pytest-xdist worker its share of the cores for
TensorFlow's ops (see its comment for the measurement), and what a worker starts inherits it."""

import os
import subprocess
import sys

import pytest

WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


@pytest.mark.skipif(WORKERS < 2, reason="only pytest-xdist's workers share the cores")
def test_each_worker_and_its_subprocesses_get_a_share_of_the_cores():
    if os.environ.get("GANKIT_TEST_THREADS") == "set before pytest started":
        pytest.skip("TF_NUM_*_THREADS were set before pytest started, and are kept")
    share = str(max(1, len(os.sched_getaffinity(0)) // WORKERS))
    assert os.environ.get("TF_NUM_INTRAOP_THREADS") == share
    assert os.environ.get("TF_NUM_INTEROP_THREADS") == share
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ['TF_NUM_INTRAOP_THREADS'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.strip() == share
