"""Project-wide pytest hooks: notebooks run longest first, and their wall times are summed in the
summary of a run."""

import collections
import re
from pathlib import Path

# Student copies stop at their first exercise by design; tests/test_exercises.py covers them.
collect_ignore_glob = ["notebooks/exercises/*"]

_notebook_seconds = collections.defaultdict(float)
TIMINGS = Path(__file__).resolve().parent / "notebooks" / "TIMINGS.md"


def _seconds_alone():
    """``{notebook file name: seconds}`` from notebooks/TIMINGS.md (the times measured alone by
    tools/execute_notebooks.py); a notebook without a row counts as 0. One pattern rather than that
    script's ``read_rows``: importing the script sets TensorFlow's and matplotlib's environment
    variables, which pytest's own process should not inherit from its configuration file."""
    text = TIMINGS.read_text() if TIMINGS.is_file() else ""
    return {name: int(s) for name, s in re.findall(r"^\| `([^`]+)` \| (\d+) \|", text, re.M)}


def pytest_collection_modifyitems(items):
    """Notebooks in order of their measured time, longest first, after the unit tests; each
    notebook's cells keep their order. Two workers (``--dist loadfile``) hand out files in this
    order, so the run ends on short notebooks rather than with one worker idle while the other
    still runs a long one (longest-processing-time-first scheduling)."""
    seconds = _seconds_alone()

    def key(pair):
        index, item = pair
        path = item.nodeid.split("::")[0]
        if not path.endswith(".ipynb"):
            return (0, 0, "", index)
        return (1, -seconds.get(Path(path).name, 0), path, index)

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]


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
