"""One generated block of README.md, between two HTML-comment markers: replace it, or check it.

Used by ``tools/bad_inputs_table.py`` and ``tools/bench_table.py``, whose README blocks are
written from the tests' table and from ``benchmarks/bench.json``, never typed by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def replace_block(readme, start, end, body):
    """``readme`` with the text between the ``start`` and ``end`` markers replaced by ``body``
    (which includes the markers). Raises ``ValueError`` unless each marker occurs once."""
    if readme.count(start) != 1 or readme.count(end) != 1:
        raise ValueError(f"README: expected one {start} and one {end} marker")
    head, rest = readme.split(start)
    _, tail = rest.split(end)
    return head + body + tail


def write_or_check(new, check):
    """Compare README.md with ``new``: with ``check``, say whether it is current (exit status 0)
    or stale (1); otherwise write ``new`` atomically if it differs. Returns the exit status."""
    readme = README.read_text(encoding="utf-8")
    if check:
        print("README.md is current" if new == readme else "README.md is stale")
        return 0 if new == readme else 1
    if new != readme:
        sys.path.insert(0, str(ROOT))
        from gankit.files import write_text

        write_text(README, new)
    print(f"README.md: {'rewritten' if new != readme else 'already current'}")
    return 0
