"""Checks for the notebooks' exercises (being split into one module per course part)."""

from gankit.checks.part1 import *  # noqa: F403
from gankit.checks.part1 import CHECKS  # noqa: F401
