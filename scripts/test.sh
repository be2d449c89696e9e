#!/usr/bin/env bash
# One command: install the dev dependencies (and Chromium for the browser test), run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --dev
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "安装浏览器测试所需的 Chromium ……"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
exec .venv/bin/python -m pytest "$@"
