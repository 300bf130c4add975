"""Regenerate the README's "Bad input" paragraph from the table in ``tests/test_bad_inputs.py``.

    python tools/bad_inputs_table.py           # rewrite README.md between the markers
    python tools/bad_inputs_table.py --check   # exit 1 if README.md is stale

The paragraph sits between ``<!-- bad-inputs:start -->`` and ``<!-- bad-inputs:end -->``: its count
and its table (one row per function or command: the bad inputs tried, the errors they get) come
from ``BAD_INPUTS``, so they cannot drift from the tests. ``tests/test_bad_inputs.py`` runs
:func:`update` in memory and fails when the README differs.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from readme_block import replace_block, write_or_check  # noqa: E402

README = ROOT / "README.md"
START, END = "<!-- bad-inputs:start -->", "<!-- bad-inputs:end -->"

PROSE = (
    "**Bad input.** Loaders, checks, pipelines, metrics, network builders, model files, the table"
    " encoder, the search helpers, the trainers' options and the command line answer bad input with"
    " one `ValueError` or"
    " `TypeError` naming the argument, what was expected and what came in (the command line: one"
    " line, exit status 2)."
    " `tests/test_bad_inputs.py` holds the table of {count} bad inputs tried, below (generated from"
    " it by `python tools/bad_inputs_table.py`; a test fails when this copy is stale), plus"
    " hypothesis property tests (NaN or inf anywhere, any shape, any text for a command-line"
    " number). A missing optional package is one line; a download that fails because you are"
    " offline says so in one line, and any other failure of a download (a damaged cached file) is"
    " one line naming its cause."
)


def load_table():
    """``BAD_INPUTS`` from ``tests/test_bad_inputs.py`` (imported from its file)."""
    spec = importlib.util.spec_from_file_location(
        "test_bad_inputs", ROOT / "tests/test_bad_inputs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BAD_INPUTS


def _error_name(error):
    return "exit 2, one line" if error.__name__ == "CLIExit" else error.__name__


def render(rows):
    """The paragraph, markers included: the prose with the count, then one table row per place."""
    groups = {}
    for row in rows:
        tried, errors = groups.setdefault(row.where, ([], []))
        tried.append(row.tried)
        if _error_name(row.error) not in errors:
            errors.append(_error_name(row.error))
    lines = [START, textwrap.fill(PROSE.format(count=len(rows)), width=100), ""]
    lines += ["| where | bad inputs tried | error |", "|---|---|---|"]
    for where, (tried, errors) in groups.items():
        lines.append(f"| `{where}` | {'; '.join(tried)} | {', '.join(errors)} |")
    return "\n".join(lines + [END])


def update(readme, rows):
    """``readme`` with the text between the markers replaced by :func:`render` of ``rows``."""
    return replace_block(readme, START, END, render(rows))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args(argv)
    readme = README.read_text()
    new = update(readme, load_table())
    return write_or_check(new, args.check)


if __name__ == "__main__":
    sys.exit(main())
