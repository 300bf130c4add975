"""Project-wide pytest hooks: one worker per notebook under pytest-xdist, and per-notebook wall
times in the summary of a run."""

import collections

import pytest

# Student copies stop at their first exercise by design; tests/test_exercises.py covers them.
collect_ignore_glob = ["notebooks/exercises/*"]

_notebook_seconds = collections.defaultdict(float)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks (--dist loadgroup)
def pytest_collection_modifyitems(items):
    """nbval's items are a notebook's cells, which share one kernel and must run in order on one
    worker: group them by notebook. Every other test is scheduled on its own."""
    for item in items:
        path = item.nodeid.split("::")[0]
        if path.endswith(".ipynb"):
            item.add_marker(pytest.mark.xdist_group(path))


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
