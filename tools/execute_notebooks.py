"""Re-run notebooks top to bottom and save them with their outputs (what learners read on the web).

    python tools/execute_notebooks.py                 # every notebook in notebooks/
    python tools/execute_notebooks.py notebooks/03_dcgan.ipynb

Prints each notebook's wall time and peak memory and writes the table to notebooks/TIMINGS.md.
The peak is the largest resident memory of the kernel (with any processes it starts), sampled
every 0.2 s while the notebook runs; the script fails when a notebook needs more than 2 GB, the
memory of a free Binder session. Run it alone on the machine: the times are only meaningful when
nothing else is training. Each notebook runs with an empty cache of compiled steps
(``gankit.compile_cache``), so the time is a learner's first run; a second run is shorter.
"""

import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.pop("MPLBACKEND", None)  # keep inline figures
MEMORY_LIMIT_GB = 2.0  # Binder's limit (issue 18)


def children_mib():
    """The resident memory of this process's children (the kernel and what it starts), in MiB."""
    total = 0
    for child in psutil.Process().children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:  # a process that ended between listing and reading
            pass
    return total / 2**20


def peak_memory(interval=0.2):
    """A ``with`` block sampling the kernel's memory (gankit's benchmark probe, pointed at the
    children); ``.peak_mib`` afterwards. Imported here, after the TensorFlow settings above:
    gankit.bench imports Keras."""
    from gankit.bench.hardware import PeakRSS

    return PeakRSS(interval, measure=children_mib)


def gigabytes(mib):
    return mib * 2**20 / 1e9


def execute(path):
    nb = nbformat.read(path, as_version=4)
    cold = tempfile.TemporaryDirectory(prefix="gankit-xla-")  # a first run compiles everything
    os.environ["GANKIT_XLA_CACHE"] = cold.name
    start = time.perf_counter()
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    try:
        with peak_memory() as memory, cold:
            client.execute()
    except CellExecutionError as exc:
        nbformat.write(nb, path)  # keep the outputs so far, to see what failed
        print(f"FAILED {path.name}: {str(exc).strip().splitlines()[-1]}", flush=True)
        return None, None
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds, gigabytes(memory.peak_mib)


TIMINGS_START, TIMINGS_END = "<!-- timings:start -->", "<!-- timings:end -->"


def budget_of(name):
    """The course map's time budget for a notebook, in seconds (01–07 share 450 s)."""
    number = int(name[:2])
    return None if number <= 7 else 120 if 11 <= number <= 13 else 100


def timings_block(rows, stamp):
    """README's per-notebook time table (between the timings markers) from TIMINGS.md's rows."""
    lines = [
        TIMINGS_START,
        f"Per-notebook wall times ({stamp}; written by `python tools/execute_notebooks.py` from",
        "`notebooks/TIMINGS.md`, not typed):",
        "",
        "| notebook | seconds | budget | peak memory (GB) |",
        "|---|---:|---|---:|",
    ]
    part12 = 0.0
    for name, (secs, gigabytes) in sorted(rows.items()):
        budget = budget_of(name)
        if budget is None:
            part12 += float(secs)
            verdict = "01–07 share 450 s"
        else:
            verdict = f"{budget} s" + ("" if float(secs) <= budget else " (**over**)")
        lines.append(f"| `{name}` | {secs} | {verdict} | {gigabytes} |")
    if part12:
        over = "" if part12 <= 450 else " (**over**)"
        lines.append(f"| 01–07 together | {part12:.0f} | 450 s{over} | |")
    lines.append(TIMINGS_END)
    return "\n".join(lines)


def span(dates):
    """The measurement days of the rows: ``"2026-12-05"`` or ``"2026-12-04 to 2026-12-05"``."""
    days = sorted({d for d in dates.values() if d})
    if not days:
        return time.strftime("%Y-%m-%d")
    return days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"


def timings_stamp(text):
    """The measurement line of TIMINGS.md (its third line), for the README block."""
    line = text.splitlines()[2] if len(text.splitlines()) > 2 else ""
    return line.removeprefix("Measured by `python tools/execute_notebooks.py` on ").rstrip(".")


def _table(text):
    """TIMINGS.md's notebook rows as ``{notebook: [its other cells]}``."""
    table = {}
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            table[cells[0].strip("`")] = cells[1:]
    return table


def read_rows(text):
    """TIMINGS.md's rows: ``{notebook: (seconds, peak GB or "–")}``."""
    return {
        name: (cells[0], cells[1] if len(cells) > 1 else "–")
        for name, cells in _table(text).items()
    }


def read_dates(text):
    """TIMINGS.md's measurement date of each row: ``{notebook: "YYYY-MM-DD"}``. A table without
    the date column (before 2026-12-05) gives every row the date of its measurement line."""
    stamp = re.search(r"\d{4}-\d{2}-\d{2}", text.splitlines()[2] if text.count("\n") > 2 else "")
    return {
        name: cells[2] if len(cells) > 2 else stamp and stamp.group()
        for name, cells in _table(text).items()
    }


def read_cpus(text):
    """TIMINGS.md's CPU of each row: ``{notebook: name or None}`` (rows before 2026-12-07 have no
    CPU column: the course's CI host changed between an AMD EPYC and an Intel Xeon, whose times
    differ by up to 1.7 times, so each row says where it was measured)."""
    return {
        name: cells[3] if len(cells) > 3 and cells[3] != "–" else None
        for name, cells in _table(text).items()
    }


def cpu_summary(cpus):
    """The CPUs of the rows for TIMINGS.md's measurement line: one name, or each with its count."""
    counts = Counter(cpu or "CPU not recorded" for cpu in cpus.values())
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{name}: {n} row{'s' * (n != 1)}" for name, n in sorted(counts.items()))


def over_the_limit(rows, limit=MEMORY_LIMIT_GB):
    """The notebooks of TIMINGS.md's ``rows`` whose measured peak exceeds ``limit`` GB, as
    ``"name (peak GB)"``; main() fails when there is one."""
    return [
        f"{name} ({gb} GB)"
        for name, (_, gb) in sorted(rows.items())
        if gb != "–" and float(gb) > limit
    ]


def write_timings(timings_file, rows, dates, cpus):
    """Write TIMINGS.md from ``rows``, ``dates`` and ``cpus`` and the README's block from it."""
    lines = [
        "# Notebook wall times",
        "",
        f"Measured by `python tools/execute_notebooks.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores ({cpu_summary(cpus)}), {span(dates)}, one notebook at a time.",
        "Peak memory: the kernel's largest resident set, sampled every 0.2 s (limit"
        f" {MEMORY_LIMIT_GB:g} GB, a free Binder session's); – where not measured yet. Each row"
        " says the day it was measured.",
        "",
        "| notebook | seconds | peak memory (GB) | measured | CPU |",
        "|---|---|---|---|---|",
        *(
            f"| `{name}` | {secs} | {gb} | {dates.get(name) or '–'} | {cpus.get(name) or '–'} |"
            for name, (secs, gb) in sorted(rows.items())
        ),
    ]
    text = "\n".join(lines) + "\n"
    timings_file.write_text(text)
    sys.path.insert(0, str(ROOT / "tools"))
    from readme_block import README, replace_block, write_or_check

    block = timings_block(rows, timings_stamp(text))
    write_or_check(replace_block(README.read_text(), TIMINGS_START, TIMINGS_END, block), False)


def main(argv):
    paths = [Path(p).resolve() for p in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    timings_file = ROOT / "notebooks" / "TIMINGS.md"
    text = timings_file.read_text() if timings_file.exists() else ""
    rows, dates, cpus = read_rows(text), read_dates(text), read_cpus(text)
    from gankit.bench.hardware import cpu_model

    failed = []
    for path in paths:
        seconds, gigabytes = execute(path)
        if seconds is None:
            failed.append(path.name)
            continue
        rows[path.name] = f"{seconds:.0f}", f"{gigabytes:.2f}"
        dates[path.name] = time.strftime("%Y-%m-%d")
        cpus[path.name] = cpu_model()
        print(f"{seconds:6.1f} s  {gigabytes:5.2f} GB  {path.relative_to(ROOT)}", flush=True)
    write_timings(timings_file, rows, dates, cpus)
    too_big = over_the_limit(rows)
    if too_big:
        failed.append(f"over {MEMORY_LIMIT_GB:g} GB of memory: {', '.join(too_big)}")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
