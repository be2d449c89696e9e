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
  echo "[1/3] 正在创建 Python 虚拟环境 .venv ……"
  "$py" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "[2/3] 正在升级 pip ……"
  .venv/bin/python -m pip install -q --upgrade pip
  # not -q: pip's own lines and download bars show that the install (2–3 minutes the first time) goes on
  echo "[3/3] 正在安装依赖（首次约需 2–3 分钟，下面是 pip 的下载与安装进度）……"
  .venv/bin/python -m pip install --progress-bar on -e ".${extras}"
  touch "$stamp"
  echo "依赖安装完成。"
fi
