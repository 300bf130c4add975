"""Project-wide pytest hooks: each notebook's wall time (its cells summed) in the summary of a run.

The order in which the two workers take files is pytest-xdist's: under ``--dist loadfile`` it
sorts the files by their number of tests, most first (since pytest-xdist 3.5; 3.8 added
``--no-loadscope-reorder`` to turn it off). An earlier hook here sorted the notebooks longest
first; xdist's sorting came after it and kept its order only among files with equal numbers of
tests, so it was removed (stop 41). CPU traces of three whole ``.ci/run``s showed both cores 98-99 %
busy from the end of the install to a tail of 20-70 s, so the hand-out order has little to gain."""

import collections

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
