"""YINGSHANG_DUCKDB_MEMORY caps DuckDB's memory; running out is a Chinese message, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import store

ROOT = Path(__file__).resolve().parents[1]


def test_the_memory_cap_from_the_environment_reaches_duckdb(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YINGSHANG_DUCKDB_MEMORY", "300MB")
    db = tmp_path / "capped.duckdb"
    store.migrate(db)
    with store.read(db) as con:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    assert limit.replace(" ", "") in {"300.0MB", "286.1MiB", "300MB"}


def test_running_out_of_database_memory_is_a_chinese_message_not_a_traceback(tmp_path) -> None:
    db = tmp_path / "tiny.duckdb"
    env = {"YINGSHANG_DUCKDB_MEMORY": "1MB", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "etl", "migrate", "--db", str(db)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "数据库内存不足" in run.stderr and "Traceback" not in run.stderr
