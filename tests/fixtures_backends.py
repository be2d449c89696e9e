"""Both stores for one test: the DuckDB file and a fresh PostgreSQL database.

``scripts/test.sh`` starts a throwaway PostgreSQL on 127.0.0.1 and exports its admin DSN as
``YINGSHANG_TEST_PG`` (e.g. ``postgresql://postgres@127.0.0.1:55432/postgres``). Each
PostgreSQL test gets a database of its own (``CREATE DATABASE``), dropped afterwards. Without
the variable (pytest run by hand) the PostgreSQL cases are skipped and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

PG_ENV = "YINGSHANG_TEST_PG"

needs_pg = pytest.mark.skipif(
    not os.environ.get(PG_ENV),
    reason=f"没有测试用 PostgreSQL：设置 {PG_ENV}（./scripts/test.sh 会自动启动一个）",
)
BACKENDS = ["duckdb", pytest.param("postgres", marks=needs_pg)]


def admin_dsn() -> str:
    return os.environ[PG_ENV]


def _with_db(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _psql(sql: str) -> None:
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    subprocess.run([psql, admin_dsn(), "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True,
                   capture_output=True, text=True)


def create_pg_database(template: str | None = None) -> str:
    """A new empty (or copied from ``template``) PostgreSQL database; returns its DSN."""
    name = f"ys_test_{uuid.uuid4().hex[:12]}"
    _psql(f"create database {name}" + (f" template {template}" if template else ""))
    return _with_db(admin_dsn(), name)


def drop_pg_database(dsn: str) -> None:
    import store

    store.close(dsn)
    name = urlsplit(dsn).path.lstrip("/")
    _psql(f"drop database if exists {name} with (force)")


def new_database(kind: str, directory: Path) -> str | Path:
    """An empty database of ``kind`` ("duckdb": a file in ``directory``; "postgres": a DSN)."""
    if kind == "duckdb":
        directory.mkdir(parents=True, exist_ok=True)
        return directory / "test.duckdb"
    return create_pg_database()


def drop_database(db: str | Path) -> None:
    if isinstance(db, str):
        drop_pg_database(db)

