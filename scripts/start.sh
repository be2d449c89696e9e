#!/usr/bin/env bash
# One command: install what is missing, build the demo database on first run, start the app.
set -euo pipefail
cd "$(dirname "$0")/.."
export YINGSHANG_DB=${YINGSHANG_DB:-data/yingshang.duckdb}
case "$YINGSHANG_DB" in
  postgres://*|postgresql://*)
    # the shared store (README「多台服务器：PostgreSQL」): never demo data, only the schema
    bash scripts/bootstrap.sh --multi
    .venv/bin/python -m etl migrate
    exec .venv/bin/python -m streamlit run app.py --server.port "${PORT:-8501}" "$@" ;;
esac
bash scripts/bootstrap.sh
bash scripts/system_packages.sh app    # CJK fonts for the charts of the Word 专报
if [ ! -f "$YINGSHANG_DB" ]; then
  echo "首次启动：正在生成演示数据库 $YINGSHANG_DB ……"
  .venv/bin/python -m etl demo --db "$YINGSHANG_DB"
fi
exec .venv/bin/python -m streamlit run app.py --server.port "${PORT:-8501}" "$@"
