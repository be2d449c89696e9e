#!/usr/bin/env bash
# Create .venv and install the project (and, with --dev, the test tools) when missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
extras=""
# --dev: test tools, plus the offline PostgreSQL extension the tests' second backend needs
[ "${1:-}" = "--dev" ] && extras="[dev,multi]"
[ "${1:-}" = "--multi" ] && extras="[multi]"
stamp=".venv/.installed${extras}"
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".${extras}"
  touch "$stamp"
fi
