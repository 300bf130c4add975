#!/usr/bin/env bash
# The whole test suite: install, lint, unit tests, every notebook under nbval.
# Run it inside a virtual environment:  python3 -m venv .venv && . .venv/bin/activate && bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=3 TF_ENABLE_ONEDNN_OPTS=0
python -m pip install --quiet --upgrade pip
# pip compiles the installed files to bytecode on one core; compiling them afterwards on every core
# was faster in each of three paired runs (58/60/78 s in all against 80/71/104 s, stop 41: pip's
# own time varies more than that). Not compiling at all is slower: this machine sets
# PYTHONDONTWRITEBYTECODE=1, so every process would compile what it imports (stop 39).
python -m pip install --quiet --no-compile -r requirements.txt
site_packages=$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
# pip skips a file that does not compile; so does this, saying so
python -m compileall -q -j 0 "$site_packages" >/dev/null ||
  echo "test.sh: compileall could not compile some files in $site_packages (pip would skip them too)"
ruff check .
ruff format --check .
# Two workers (pytest-xdist): most tests are single-threaded Python. --dist loadfile keeps each
# notebook's cells (which share one kernel, in order) and each test module on one worker; xdist
# hands out the files with the most tests first (see conftest.py).
# conftest.py gives each worker half the cores for TensorFlow's ops. Add -n 0 to run in one process.
python -m pytest tests notebooks -n 2 --dist loadfile --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
  -p no:cacheprovider --durations=25 "$@"
