"""environment.yml (conda, Binder) and pyproject.toml name the same packages with the same version
ranges, so the two ways to install the course cannot drift apart (issue 18)."""

import re
from pathlib import Path

import pytest
import yaml

tomllib = pytest.importorskip("tomllib")  # Python 3.11+ (the course's Python; 3.10 skips this file)

ROOT = Path(__file__).resolve().parent.parent
SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*([^;]*?)\s*(?:;.*)?$")
# pyproject's CPU-only TensorFlow build on Linux x86-64 is the same release line as conda's pip
# entry "tensorflow" (environment.yml cannot express the platform marker pip reads).
SAME = {"tensorflow-cpu": "tensorflow"}


def _parse(requirement):
    name, _, spec = SPEC.match(requirement).groups()
    name = SAME.get(name.lower(), name.lower()).replace("_", "-")
    return name, ",".join(sorted(part.strip() for part in spec.split(",") if part.strip()))


def _pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return dict(_parse(r) for r in requirements)


def _environment():
    entries = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    found = {}
    for entry in entries:
        for requirement in entry["pip"] if isinstance(entry, dict) else [entry]:
            if requirement.startswith("-e") or requirement.split("=")[0] in ("python", "pip"):
                continue
            name, spec = _parse(requirement)
            found[name] = spec
    return found


def test_environment_yml_and_pyproject_name_the_same_packages_and_ranges():
    assert _environment() == _pyproject()


def test_environment_yml_pins_the_python_binder_reads():
    entries = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pythons = [e for e in entries if isinstance(e, str) and e.startswith("python")]
    assert pythons == ["python=3.11"], pythons
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires.startswith(">=3.10"), requires
