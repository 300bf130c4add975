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


def _constraints():
    pinned = {}
    for line in (ROOT / "constraints" / "lowest.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, version = re.match(r"^([A-Za-z0-9_.\-]+)==([^;\s]+)", line).groups()
        pinned[SAME.get(name.lower(), name.lower())] = version
    return pinned


def test_lowest_constraints_pin_the_floor_of_every_range():
    """constraints/lowest.txt (the lowest-versions test run, README "Versions") pins exactly the
    lower bound of every range pyproject.toml declares: a new dependency or a raised floor must
    update it too."""

    def floor(spec):
        found = [part[2:] for part in spec.split(",") if part.startswith(">=")]
        assert found, f"range {spec!r} has no lower bound"
        return found[0]

    def same(a, b):  # "3.13" == "3.13.0"
        pad = lambda v: (v.split(".") + ["0", "0"])[:3]  # noqa: E731
        return pad(a) == pad(b)

    pinned = _constraints()
    ranges = _pyproject()
    assert sorted(pinned) == sorted(ranges)
    wrong = {name: (pinned[name], floor(spec)) for name, spec in ranges.items()}
    wrong = {name: pair for name, pair in wrong.items() if not same(*pair)}
    assert not wrong, f"pinned vs floor: {wrong}"
