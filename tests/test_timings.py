"""The README's per-notebook time table is written from notebooks/TIMINGS.md by
tools/execute_notebooks.py, never typed, and names every notebook with its budget and peak
memory; the tool's memory probe sees a child process's memory, and each notebook it times starts
with an empty cache of compiled steps."""

import subprocess
import sys
from pathlib import Path

from project_tools import load_tool

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    return load_tool("execute_notebooks")


def test_readme_timings_block_is_generated_from_timings_md():
    tool = _tool()
    text = (ROOT / "notebooks" / "TIMINGS.md").read_text()
    block = tool.timings_block(tool.read_rows(text), tool.timings_stamp(text))
    assert block in (ROOT / "README.md").read_text(), (
        "README.md's timings block is stale: run python tools/execute_notebooks.py"
    )


def test_every_notebook_has_a_time_and_the_budgets_are_the_course_maps():
    tool = _tool()
    rows = tool.read_rows((ROOT / "notebooks" / "TIMINGS.md").read_text())
    names = {p.name for p in (ROOT / "notebooks").glob("[0-9]*.ipynb")}
    assert set(rows) == names
    assert [tool.budget_of(n) for n in ("07_x", "08_x", "11_x", "13_x", "14_x", "17_x")] == [
        None,
        100,
        120,
        120,
        100,
        100,
    ]
    rows = {"01_a.ipynb": ("300", "1.20"), "02_b.ipynb": ("200", "–"), "08_c.ipynb": ("101", "0.9")}
    block = tool.timings_block(rows, "x")
    assert "| 01–07 together | 500 | 450 s (**over**) | |" in block
    assert "| `08_c.ipynb` | 101 | 100 s (**over**) | 0.9 |" in block
    assert "| `01_a.ipynb` | 300 | 01–07 share 450 s | 1.20 |" in block


PROBE = """
import subprocess, sys
sys.path.insert(0, sys.argv[1])
from project_tools import load_tool
tool = load_tool("execute_notebooks")
hold = "import time; b = bytearray(300_000_000); b[::4096] = b'x' * len(b[::4096]); time.sleep(2)"
with tool.peak_memory(interval=0.05) as memory:
    subprocess.run([sys.executable, "-c", hold], check=True)
print(tool.gigabytes(memory.peak_mib))
"""


def test_the_memory_probe_sees_a_child_that_holds_300_mb():
    """In a fresh process, whose only child is the one holding 300 MB (a pytest worker may still
    have children of earlier tests, such as a kernel shutting down, which the probe would add)."""
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "tests")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    peak = float(run.stdout.strip().splitlines()[-1])
    assert 0.3 < peak < 1.0, peak


# Notebooks known to be over the limit and not yet fixed: none. (Lesson 04 was, at 2.02 GB: it now
# restarts section 4's two compiled trainers for section 5 instead of compiling two more, and gankit
# returns freed heap memory after every fit (runtime.release_memory): 1.80 GB.)
# An entry here must still be over, so that a fix also updates this list.
KNOWN_OVER = set()


def test_every_notebook_was_measured_within_binders_2_gb():
    """TIMINGS.md is written by the measured run; a notebook over the limit (or never measured)
    fails here as it fails the script (issue 18), except the known one above, which must still be
    over (so that a fix also updates this list)."""
    tool = _tool()
    rows = tool.read_rows((ROOT / "notebooks" / "TIMINGS.md").read_text())
    assert all(gb != "–" for _, gb in rows.values()), rows
    over = {entry.split(" (")[0] for entry in tool.over_the_limit(rows)}
    assert over == KNOWN_OVER, tool.over_the_limit(rows)
    assert tool.MEMORY_LIMIT_GB == 2.0


def test_the_script_names_a_notebook_over_the_limit():
    tool = _tool()
    rows = {"06_a.ipynb": ("187", "2.47"), "07_b.ipynb": ("53", "1.55"), "08_c.ipynb": ("9", "–")}
    assert tool.over_the_limit(rows) == ["06_a.ipynb (2.47 GB)"]
    assert tool.over_the_limit({"x.ipynb": ("1", "2.00")}) == []


def test_each_row_keeps_the_cpu_it_was_measured_on():
    """The CI host changed between CPUs whose times differ by up to 1.7 times (stop 38): a row
    says where it was measured, and a table from before the CPU column reads as not recorded."""
    tool = _tool()
    old = "# t\n\nMeasured by `python tools/execute_notebooks.py` on x, 2 cores, 2026-12-04, one.\n"
    old += "| `01_a.ipynb` | 45 | 1.03 | 2026-12-04 |\n| `02_b.ipynb` | 50 | 1.10 | 2026-12-04 |\n"
    assert tool.read_cpus(old) == {"01_a.ipynb": None, "02_b.ipynb": None}
    assert tool.cpu_summary(tool.read_cpus(old)) == "CPU not recorded"
    new = old.replace("| 1.03 | 2026-12-04 |", "| 1.03 | 2026-12-07 | Intel Xeon |")
    cpus = tool.read_cpus(new)
    assert cpus == {"01_a.ipynb": "Intel Xeon", "02_b.ipynb": None}
    assert tool.cpu_summary(cpus) == "CPU not recorded: 1 row, Intel Xeon: 1 row"
    assert tool.cpu_summary({"a": "Intel Xeon", "b": "Intel Xeon"}) == "Intel Xeon"
    assert tool.read_rows(new)["01_a.ipynb"] == ("45", "1.03")  # the new column leaves the rest


def test_each_row_keeps_the_day_it_was_measured():
    """Re-running one notebook must not re-date the others (the header once said one day for all)."""
    tool = _tool()
    old = "# t\n\nMeasured by `python tools/execute_notebooks.py` on x, 2 cores, 2026-12-04, one.\n"
    old += "| `01_a.ipynb` | 45 | 1.03 |\n"
    assert tool.read_dates(old) == {"01_a.ipynb": "2026-12-04"}
    new = old.replace("| 1.03 |", "| 1.03 | 2026-11-30 |")
    assert tool.read_dates(new) == {"01_a.ipynb": "2026-11-30"}
    assert tool.span({"a": "2026-12-05", "b": "2026-12-04"}) == "2026-12-04 to 2026-12-05"
    assert tool.span({"a": "2026-12-05"}) == "2026-12-05"
    dates = tool.read_dates((ROOT / "notebooks" / "TIMINGS.md").read_text())
    assert set(dates) == set(tool.read_rows((ROOT / "notebooks" / "TIMINGS.md").read_text()))
    assert all(d and len(d) == 10 for d in dates.values()), dates


COLD_CELL = """
import json, os, pathlib
import gankit  # turns the cache on: TensorFlow is told a folder inside GANKIT_XLA_CACHE
cache = pathlib.Path(os.environ["GANKIT_XLA_CACHE"])
found = sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())
(cache / "a-compiled-program").write_text("what a compile would leave for the next run")
print(json.dumps({"cache": str(cache), "found": found, "flags": os.environ.get("TF_XLA_FLAGS")}))
"""


def test_each_notebook_is_timed_with_an_empty_cache_of_compiled_steps(tmp_path, monkeypatch):
    """The times are a learner's first run: the kernel gets a new, empty cache folder (never the
    user's, never the previous notebook's), which is gone after the run."""
    import json

    import nbformat

    tool = _tool()
    users = tmp_path / "users-cache"
    users.mkdir()
    (users / "a-compiled-program").write_text("from an earlier run")
    monkeypatch.setenv("GANKIT_XLA_CACHE", str(users))  # restored after the test
    path = tmp_path / "01_cold.ipynb"
    seen = []
    for _ in range(2):
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(COLD_CELL)]), path)
        seconds, gigabytes = tool.execute(path)
        assert seconds is not None and gigabytes > 0
        (output,) = nbformat.read(path, as_version=4).cells[0].outputs  # the run's, saved
        seen.append(json.loads(output["text"]))
    first, second = (Path(s["cache"]) for s in seen)
    assert first != second and users not in (first, second, *first.parents, *second.parents)
    assert [s["found"] for s in seen] == [[], []], seen  # nothing cached, not even run 1's file
    assert all(str(Path(s["cache"])) in s["flags"] for s in seen), seen  # TensorFlow is told it
    assert not first.exists() and not second.exists()  # removed after each run
    assert (users / "a-compiled-program").is_file()
