"""Shared fixtures. Area-specific fixtures live in their own test modules or tests/fixtures_*.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def seed_text(plan: str) -> Path:
    """The full text of seed plan ``plan`` (``../shared/seeds``). CI has the texts, so there a
    missing one fails; a checkout elsewhere (a clone in /tmp) skips the tests that read them."""
    if os.environ.get("CI") == "true":
        assert SEEDS.is_dir(), f"plan texts not found at {SEEDS}"
    if not SEEDS.is_dir():
        pytest.skip(f"plan texts not found at {SEEDS} (../shared/seeds is present in CI)")
    matches = sorted(SEEDS.glob(f"{plan}_*.txt"))
    if not matches:
        pytest.skip(f"plan {plan} text not found in {SEEDS}")
    return matches[0]


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, migrated database file; YINGSHANG_DB points at it."""
    import store

    path = tmp_path / "test.duckdb"
    monkeypatch.setenv("YINGSHANG_DB", str(path))
    store.migrate(path)
    return path


@pytest.fixture(autouse=True)
def _no_real_db(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never touch data/yingshang.duckdb: default the database to a temp file."""
    if "YINGSHANG_DB" not in os.environ:
        monkeypatch.setenv("YINGSHANG_DB", str(tmp_path_factory.mktemp("db") / "default.duckdb"))


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=__import__(
    "tests.fixtures_backends", fromlist=["needs_pg"]).needs_pg)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh, migrated database on each backend (DuckDB file, PostgreSQL); YINGSHANG_DB points at it."""
    import store
    from tests.fixtures_backends import drop_database, new_database

    db = new_database(request.param, tmp_path / "data")
    monkeypatch.setenv("YINGSHANG_DB", str(db))
    store.migrate(db)
    yield db
    drop_database(db)
