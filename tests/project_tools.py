"""Load a script of ``tools/`` or ``benchmarks/`` (not packages) as a module, for the tests that
check the README blocks those scripts generate and what the benchmark scripts change."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_tool(name, folder="tools"):
    """``<folder>/<name>.py`` imported as a module named ``name``."""
    spec = importlib.util.spec_from_file_location(name, ROOT / folder / f"{name}.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool
