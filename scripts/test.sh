#!/usr/bin/env bash
# One command: install the dev dependencies (and Chromium, LibreOffice, CJK fonts for the browser
# and 专报 tests), start a throwaway PostgreSQL on 127.0.0.1 for the second backend, run every test, stop it again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --dev
bash scripts/system_packages.sh test   # Chromium, CJK fonts, LibreOffice Writer, poppler when missing

# PostgreSQL for the tests (tests/fixtures_backends.py): given from outside, or started here.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "${YINGSHANG_TEST_PG:-}" ]; then
  if [ -z "$(pg_bin)" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "安装测试所需的 PostgreSQL ……"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  bin=$(pg_bin)
  if [ -n "$bin" ]; then
    pg_dir=$(mktemp -d /tmp/yingshang-test-pg.XXXXXX)
    as_pg=()
    if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; as_pg=(runuser -u postgres --); fi
    port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as_pg[@]}" "$bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
    stop_pg() {
      "${as_pg[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$pg_dir"
    }
    trap stop_pg EXIT
    "${as_pg[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
      -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    export YINGSHANG_TEST_PG="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "测试用 PostgreSQL：127.0.0.1:$port（测试结束后自动停止并删除）"
  else
    echo "未找到 PostgreSQL：PostgreSQL 后端的测试将跳过。" >&2
  fi
fi
status=0
.venv/bin/python -m pytest "$@" || status=$?
exit $status
