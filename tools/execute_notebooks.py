"""Re-run notebooks top to bottom and save them with their outputs (what learners read on the web).

    python tools/execute_notebooks.py                 # every notebook in notebooks/
    python tools/execute_notebooks.py notebooks/03_dcgan.ipynb

Prints each notebook's wall time and writes the table to notebooks/TIMINGS.md. Run it alone on the
machine: the times are only meaningful when nothing else is training.
"""

import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.pop("MPLBACKEND", None)  # keep inline figures


def execute(path):
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        nbformat.write(nb, path)  # keep the outputs so far, to see what failed
        print(f"FAILED {path.name}: {str(exc).strip().splitlines()[-1]}", flush=True)
        return None
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds


def main(argv):
    paths = [Path(p).resolve() for p in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    timings_file = ROOT / "notebooks" / "TIMINGS.md"
    rows = {}
    if timings_file.exists():
        for line in timings_file.read_text().splitlines():
            if line.startswith("| `"):
                name, secs = (c.strip() for c in line.strip("|").split("|")[:2])
                rows[name.strip("`")] = secs
    failed = []
    for path in paths:
        seconds = execute(path)
        if seconds is None:
            failed.append(path.name)
            continue
        rows[path.name] = f"{seconds:.0f}"
        print(f"{seconds:6.1f} s  {path.relative_to(ROOT)}", flush=True)
    lines = [
        "# Notebook wall times",
        "",
        f"Measured by `python tools/execute_notebooks.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, nothing else running. Budget: 01–07 together 450 s.",
        "",
        "| notebook | seconds |",
        "|---|---|",
        *(f"| `{name}` | {secs} |" for name, secs in sorted(rows.items())),
    ]
    timings_file.write_text("\n".join(lines) + "\n")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
