"""The setup cell that opens every lesson, and the one place an instructor sets GANKIT_SOURCE.

Every notebook (the 17 lessons and their student copies) starts, right after its title, with the
same code cell. It works in three places:

- in a checkout or any kernel where gankit is installed: it prints the versions and the device;
- in a fresh Jupyter kernel without gankit: it stops with one line naming the exact command to run
  (``_render_traceback_`` is how IPython lets an exception show itself without a traceback);
- in Google Colab: it installs gankit from ``GANKIT_SOURCE`` with ``%pip`` (``--no-deps``, then only
  the dependencies Colab lacks, so Colab's own TensorFlow is kept) and goes on without a restart.

``GANKIT_SOURCE`` is empty in the repository because the course has no public package location yet.
An instructor who publishes one (a wheel URL, ``git+https://...``, a package name) writes it into
every notebook at once::

    python tools/setup_cell.py --source "git+https://example.org/course/gankit.git"

``python tools/setup_cell.py --check`` exits non-zero if a notebook's setup cell differs from
:func:`cell_source` (``tests/test_setup_cell.py`` runs the same check).
"""

import argparse
import ast
import json
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CELL_ID = "gankit-setup"  # a fixed id: the tool finds the cell again, rebuilds are byte-identical

TEMPLATE = """\
# Setup (the same in every lesson). In a checkout it prints the versions and the device; in a
# kernel without gankit it names the one command to run; in Google Colab it installs gankit from
# GANKIT_SOURCE, which an instructor sets for the whole course: python tools/setup_cell.py --source
import importlib.metadata
import importlib.util
import os
import shlex
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's C++ logs out of the cells
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the same digits on every CPU
GANKIT_SOURCE = {source}  # where pip finds gankit: a wheel URL, git+https://..., a package name

if importlib.util.find_spec("gankit") is None and "google.colab" in sys.modules and GANKIT_SOURCE:
    # Colab brings TensorFlow and Keras: install gankit, then only what Colab lacks
    %pip install --quiet --no-deps {{GANKIT_SOURCE}}
    importlib.invalidate_caches()
    needs = importlib.metadata.requires("gankit")
    needs = " ".join(shlex.quote(r) for r in needs if "extra ==" not in r and "tensorflow" not in r)
    %pip install --quiet {{needs}}
    print("gankit is installed: no restart needed, nothing had imported it yet")
if importlib.util.find_spec("gankit") is None:
    here = [Path.cwd(), *Path.cwd().parents]
    root = next((p for p in here if (p / "gankit" / "__init__.py").is_file()), None)
    python = shlex.quote(sys.executable)
    if root is not None:
        todo = f"cd {{shlex.quote(str(root))}} && {{python}} -m pip install -r requirements.txt"
    else:
        todo = f"{{python}} -m pip install {{shlex.quote(GANKIT_SOURCE or '<the gankit folder or wheel>')}}"

    class SetupError(Exception):
        def _render_traceback_(self):  # IPython shows this line instead of a traceback
            return [f"SetupError: {{self}}"]

    raise SetupError(
        f"gankit is not installed for this kernel. Run: {{todo}}; then restart the kernel"
    )

import gankit.runtime

print(gankit.runtime.summary())"""


def cell_source(source=""):
    """The text of the setup cell with ``GANKIT_SOURCE`` set to ``source``."""
    return TEMPLATE.format(source=json.dumps(source))  # a JSON string is a Python literal


def notebooks(root=ROOT):
    """Every notebook that carries the setup cell: the lessons and their student copies."""
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
        (root / "notebooks" / "exercises").glob("[0-9][0-9]_*.ipynb")
    )


def setup_cell(nb):
    """The notebook's setup cell, or None."""
    return next((cell for cell in nb.cells if cell.get("id") == CELL_ID), None)


def current_source(nb):
    """The ``GANKIT_SOURCE`` a notebook's setup cell holds (None if it has no setup cell)."""
    cell = setup_cell(nb)
    if cell is None:
        return None
    line = next(x for x in cell.source.split("\n") if x.startswith("GANKIT_SOURCE = "))
    return ast.literal_eval(line.split("=", 1)[1].split("  #")[0].strip())


def apply(nb, source):
    """Put the setup cell (with ``source``) right after the title of ``nb``; True if it changed."""
    cell = setup_cell(nb)
    if cell is None:
        cell = nbformat.v4.new_code_cell(cell_source(source), id=CELL_ID)
        cell.metadata = {"gankit": {"setup": True}}
        nb.cells.insert(1, cell)
        return True
    if cell.source == cell_source(source):
        return False
    cell.source = cell_source(source)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--source", help="where pip finds gankit (written into every notebook)")
    group.add_argument("--check", action="store_true", help="exit 1 if a setup cell is stale")
    args = parser.parse_args(argv)
    from gankit.files import atomic_path

    stale = []
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        if args.check:
            source = current_source(nb)
            if source is None or setup_cell(nb).source != cell_source(source):
                stale.append(path)
            continue
        if apply(nb, args.source):
            with atomic_path(path) as tmp:
                nbformat.write(nb, tmp)
            print(f"{path.relative_to(ROOT)}: GANKIT_SOURCE = {args.source!r}")
    if stale:
        print("stale setup cell in: " + ", ".join(str(p.relative_to(ROOT)) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
