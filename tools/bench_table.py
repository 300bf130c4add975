"""Regenerate the README's benchmark table from a ``bench.json`` written by ``python -m gankit bench``.

    python tools/bench_table.py runs/bench/bench.json           # rewrite README.md between the markers
    python tools/bench_table.py runs/bench/bench.json --check   # exit 1 if README.md is stale
    python tools/bench_table.py                                 # benchmarks/bench.json, or the
                                                                # "not measured yet" placeholder
    python tools/bench_table.py --onednn [BENCH_JSON] [--check] # the second block, below
    python tools/bench_table.py --xeon [BENCH_JSON] [--check]   # the third block, below
    python tools/bench_table.py --xeon-onednn [BENCH_JSON] [--check]  # the fourth block, below

A second block, between ``<!-- bench-onednn:start -->`` and ``<!-- bench-onednn:end -->``, holds
the same benchmark run under TensorFlow's default oneDNN kernels
(``TF_ENABLE_ONEDNN_OPTS=1 python -m gankit bench``), committed as ``benchmarks/bench_onednn.json``:
the kit switches oneDNN off for the same digits on every CPU, and that changes both trainers' speed.

A third block, between ``<!-- bench-xeon:start -->`` and ``<!-- bench-xeon:end -->``, holds the
benchmark run on the course's other host (an Intel Xeon; the first block's run is the AMD EPYC
host's), committed as ``benchmarks/bench_xeon.json``: the ratios move with the machine.

A fourth block, between ``<!-- bench-xeon-onednn:start -->`` and ``<!-- bench-xeon-onednn:end -->``,
holds the Intel Xeon host's run under oneDNN, committed as ``benchmarks/bench_xeon_onednn.json``.

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
import os
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# rendering imports TensorFlow: quiet, as the kit runs it
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
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


ONEDNN = {
    "committed": ROOT / "benchmarks" / "bench_onednn.json",
    "start": "<!-- bench-onednn:start -->",
    "end": "<!-- bench-onednn:end -->",
    "placeholder": (
        "**The same benchmark under TensorFlow's default oneDNN kernels**: not measured yet. Run"
        " `TF_ENABLE_ONEDNN_OPTS=1 python -m gankit bench --out runs/bench-onednn` on an idle"
        " machine, copy its `bench.json` to `benchmarks/bench_onednn.json` and regenerate this"
        " block with `python tools/bench_table.py --onednn`."
    ),
    "intro": (
        "**The same benchmark under TensorFlow's default oneDNN kernels**"
        " (`TF_ENABLE_ONEDNN_OPTS=1 python -m gankit bench`; regenerated from"
        " `benchmarks/bench_onednn.json` by `python tools/bench_table.py --onednn`, not typed):"
    ),
}
XEON = {
    "committed": ROOT / "benchmarks" / "bench_xeon.json",
    "start": "<!-- bench-xeon:start -->",
    "end": "<!-- bench-xeon:end -->",
    "placeholder": (
        "**The same benchmark on the Intel Xeon host**: not measured yet. Run"
        " `python -m gankit bench --out runs/bench-xeon` on that host, idle, copy its"
        " `bench.json` to `benchmarks/bench_xeon.json` and regenerate this block with"
        " `python tools/bench_table.py --xeon`."
    ),
    "intro": (
        "**The same benchmark on the Intel Xeon host** (`python -m gankit bench`, oneDNN off as"
        " in the first block; regenerated from `benchmarks/bench_xeon.json` by"
        " `python tools/bench_table.py --xeon`, not typed):"
    ),
}
XEON_ONEDNN = {
    "committed": ROOT / "benchmarks" / "bench_xeon_onednn.json",
    "start": "<!-- bench-xeon-onednn:start -->",
    "end": "<!-- bench-xeon-onednn:end -->",
    "placeholder": (
        "**The same benchmark on the Intel Xeon host under TensorFlow's default oneDNN kernels**:"
        " not measured yet. Run `TF_ENABLE_ONEDNN_OPTS=1 python -m gankit bench --out"
        " runs/bench-xeon-onednn` on that host, idle, copy its `bench.json` to"
        " `benchmarks/bench_xeon_onednn.json` and regenerate this block with"
        " `python tools/bench_table.py --xeon-onednn`."
    ),
    "intro": (
        "**The same benchmark on the Intel Xeon host under TensorFlow's default oneDNN kernels**"
        " (`TF_ENABLE_ONEDNN_OPTS=1 python -m gankit bench`; regenerated from"
        " `benchmarks/bench_xeon_onednn.json` by `python tools/bench_table.py --xeon-onednn`,"
        " not typed):"
    ),
}
MAIN = {
    "committed": COMMITTED,
    "start": START,
    "end": END,
    "placeholder": PLACEHOLDER,
    "intro": INTRO,
}


def render(result, block=MAIN):
    """The block, markers included: the placeholder for ``None``, else the benchmark's table."""
    if result is None:
        return "\n".join([block["start"], textwrap.fill(block["placeholder"], 100), block["end"]])
    sys.path.insert(0, str(ROOT))
    from gankit.bench import markdown_table

    intro = textwrap.fill(block["intro"], width=100)
    return "\n".join([block["start"], intro, "", markdown_table(result), block["end"]])


def update(readme, result, block=MAIN):
    """``readme`` with the text between the markers replaced by :func:`render` of ``result``."""
    return replace_block(readme, block["start"], block["end"], render(result, block))


def load(path, block=MAIN):
    """The results in ``path`` (a bench.json), or ``None`` when no path is given and the block's
    committed file does not exist."""
    if path is None:
        path = block["committed"] if block["committed"].exists() else None
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
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--onednn",
        action="store_true",
        help="the oneDNN block (default file: benchmarks/bench_onednn.json)",
    )
    which.add_argument(
        "--xeon",
        action="store_true",
        help="the Intel Xeon host's block (default file: benchmarks/bench_xeon.json)",
    )
    which.add_argument(
        "--xeon-onednn",
        action="store_true",
        help="the Intel Xeon host's oneDNN block (default file: benchmarks/bench_xeon_onednn.json)",
    )
    args = parser.parse_args(argv)
    chosen = ((args.onednn, ONEDNN), (args.xeon, XEON), (args.xeon_onednn, XEON_ONEDNN))
    block = next((block for flag, block in chosen if flag), MAIN)
    try:
        result = load(args.bench_json, block)
    except (OSError, ValueError) as exc:
        print(f"bench_table: error: {args.bench_json}: {exc}", file=sys.stderr)
        return 2
    readme = README.read_text(encoding="utf-8")
    new = update(readme, result, block)
    return write_or_check(new, args.check)


if __name__ == "__main__":
    sys.exit(main())
