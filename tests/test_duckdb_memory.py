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
                         check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "数据库内存不足" in run.stderr and "Traceback" not in run.stderr


def _limit_seen_by_the_import(tmp_path: Path, monkeypatch, name: str) -> str:
    """Run ``python -m etl ingest`` in this process on one return; the memory limit DuckDB had
    while the return was written."""
    from etl import ingest
    from etl.__main__ import main
    from indicators import load_catalog
    from store import connection
    from tests.fixtures_returns import fill_template

    assert connection._default_memory is None
    db = tmp_path / f"{name}.duckdb"
    path = fill_template(tmp_path / f"{name}.xlsx", load_catalog(), "teda.zwfw", "2026-09")
    seen: list[str] = []
    real_write = ingest.write_files

    def write_and_look(db_arg, *args, **kw):
        with store.read(db_arg) as con:
            seen.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
        return real_write(db_arg, *args, **kw)

    monkeypatch.setattr(ingest, "write_files", write_and_look)
    assert main(["ingest", str(path), "--db", str(db)]) == 0
    store.close(db)
    assert connection._default_memory is None  # the cap was the import's, not the whole process's
    return seen[0].replace(" ", "")


def test_a_command_line_import_caps_duckdb_memory_on_its_own(tmp_path, monkeypatch) -> None:
    """An importer keeps the file open across chunks and DuckDB caches what each chunk read:
    without a cap its memory grew with the month's returns already in the database."""
    monkeypatch.delenv("YINGSHANG_DUCKDB_MEMORY", raising=False)
    assert _limit_seen_by_the_import(tmp_path, monkeypatch, "default") in {"1.0GB", "953.6MiB"}


def test_the_environment_overrides_the_importers_memory_cap(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YINGSHANG_DUCKDB_MEMORY", "3GB")
    assert _limit_seen_by_the_import(tmp_path, monkeypatch, "told") in {"3.0GB", "2.7GiB", "2.7GB"}
