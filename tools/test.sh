#!/usr/bin/env bash
# The whole test suite: install, lint, unit tests, every notebook under nbval.
# Run it inside a virtual environment:  python3 -m venv .venv && . .venv/bin/activate && bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -r requirements.txt
ruff check .
ruff format --check .
# Two workers (pytest-xdist): most tests are single-threaded Python. --dist loadfile keeps each
# notebook's cells (which share one kernel, in order) and each test module on one worker; xdist
# hands out the files with the most tests first (see conftest.py).
# Add -n 0 to run in one process.
python -m pytest tests notebooks -n 2 --dist loadfile --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
  -p no:cacheprovider --durations=25 "$@"
