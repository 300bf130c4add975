"""Project-wide pytest set-up: each pytest-xdist worker's share of TensorFlow's threads (below), and
each notebook's wall time (its cells summed) in the summary of a run.

The order in which the two workers take files is pytest-xdist's: under ``--dist loadfile`` it
sorts the files by their number of tests, most first (since pytest-xdist 3.5; 3.8 added
``--no-loadscope-reorder`` to turn it off). An earlier hook here sorted the notebooks longest
first; xdist's sorting came after it and kept its order only among files with equal numbers of
tests, so it was removed (stop 41). CPU traces of three whole ``.ci/run``s showed both cores 98-99 %
busy from the end of the install to a tail of 20-70 s, so the hand-out order has little to gain."""

import collections
import os

# Each pytest-xdist worker, and every process it starts (the notebooks' kernels, the command
# lines under test), gets its share of the cores for TensorFlow's ops: on 2 cores with 2 workers,
# one thread each. TensorFlow sizes its thread pools to the whole machine and its threads spin
# while they wait, so two workers with default pools oversubscribe the cores: two DCGAN trainings
# side by side took 13.6-14.7 s an epoch each with the default pools and 10.5-11.7 s with one
# thread each (stop 43, Intel Xeon host). A learner's notebook, alone on the machine, keeps the
# default. The numbers differ from the default's in the last digits (sums taken in another
# order); the whole suite passes either way. Variables set before pytest starts are kept.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1:
    if "TF_NUM_INTRAOP_THREADS" in os.environ or "TF_NUM_INTEROP_THREADS" in os.environ:
        os.environ["GANKIT_TEST_THREADS"] = "set before pytest started"
    else:
        _share = str(max(1, len(os.sched_getaffinity(0)) // _workers))
        os.environ["TF_NUM_INTRAOP_THREADS"] = os.environ["TF_NUM_INTEROP_THREADS"] = _share
        os.environ["GANKIT_TEST_THREADS"] = _share

# Student copies stop at their first exercise by design; tests/test_exercises.py covers them.
collect_ignore_glob = ["notebooks/exercises/*"]

_notebook_seconds = collections.defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook wall times")
    for path, seconds in sorted(_notebook_seconds.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f} s  all notebooks")
