"""Regenerate the README's benchmark table from a ``bench.json`` written by ``python -m gankit bench``.

    python tools/bench_table.py runs/bench/bench.json           # rewrite README.md between the markers
    python tools/bench_table.py runs/bench/bench.json --check   # exit 1 if README.md is stale
    python tools/bench_table.py                                 # benchmarks/bench.json, or the
                                                                # "not measured yet" placeholder

The block sits between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` in "Measured numbers":
the caption (date, machine, peak assumption, load) and the table come from
:func:`gankit.bench.markdown_table`, the same function that writes ``bench.md``, so the README's
numbers are the benchmark's, never typed. Commit the measured file as ``benchmarks/bench.json``:
``tests/test_bench.py`` then checks the README against it (and against the placeholder while
there is none).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from readme_block import replace_block, write_or_check  # noqa: E402

README = ROOT / "README.md"
COMMITTED = ROOT / "benchmarks" / "bench.json"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

PLACEHOLDER = (
    "**gankit against the keras.io DCGAN, side by side**: not measured yet. Run"
    " `python -m gankit bench --out runs/bench` on an idle machine (about 12 minutes), copy"
    " `runs/bench/bench.json` to `benchmarks/bench.json` and regenerate this block with"
    " `python tools/bench_table.py benchmarks/bench.json`."
)
INTRO = (
    "**gankit against the keras.io DCGAN, side by side** (`python -m gankit bench`, one process;"
    " regenerated from `benchmarks/bench.json` by `python tools/bench_table.py`, not typed):"
)


def render(result):
    """The block, markers included: the placeholder for ``None``, else the benchmark's table."""
    if result is None:
        return "\n".join([START, textwrap.fill(PLACEHOLDER, width=100), END])
    sys.path.insert(0, str(ROOT))
    from gankit.bench import markdown_table

    return "\n".join([START, textwrap.fill(INTRO, width=100), "", markdown_table(result), END])


def update(readme, result):
    """``readme`` with the text between the markers replaced by :func:`render` of ``result``."""
    return replace_block(readme, START, END, render(result))


def load(path):
    """The results in ``path`` (a bench.json), or ``None`` when no path is given and
    ``benchmarks/bench.json`` does not exist."""
    if path is None:
        path = COMMITTED if COMMITTED.exists() else None
    return None if path is None else json.loads(Path(path).read_text(encoding="utf-8"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "bench_json",
        nargs="?",
        type=Path,
        help="a bench.json (default: benchmarks/bench.json if it exists, else the placeholder)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args(argv)
    try:
        result = load(args.bench_json)
    except (OSError, ValueError) as exc:
        print(f"bench_table: error: {args.bench_json}: {exc}", file=sys.stderr)
        return 2
    readme = README.read_text(encoding="utf-8")
    new = update(readme, result)
    return write_or_check(new, args.check)


if __name__ == "__main__":
    sys.exit(main())
