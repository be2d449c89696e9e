#!/usr/bin/env bash
# One command: install the dev dependencies (and Chromium, LibreOffice, CJK fonts for the browser
# and 专报 tests), run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --dev
bash scripts/system_packages.sh test   # Chromium, CJK fonts, LibreOffice Writer, poppler when missing
exec .venv/bin/python -m pytest "$@"
