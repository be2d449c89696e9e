"""``python -m etl migrate --to postgresql://…``: an office moves its DuckDB file to PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import store
from store import archive
from etl.__main__ import main
from etl.ingest import ingest_files
from rules.stats import ensure_catalog
from tests.fixtures_backends import create_pg_database, drop_pg_database, needs_pg
from tests.fixtures_returns import GOOD_VALUES, tiny_catalog, write_return

pytestmark = needs_pg
SEP_20 = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)
OCT_09 = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)


@pytest.fixture
def office_file(tmp_path: Path) -> tuple[Path, dict]:
    """A DuckDB file with history: two versions, a rejected return, an account, a session."""
    from accounts import sessions, users
    from accounts.access import SYSTEM_USER

    db = tmp_path / "data" / "yingshang.duckdb"
    catalog = tiny_catalog()
    ensure_catalog(db, catalog)
    v1 = write_return(tmp_path / "in" / "v1.xlsx")
    v2 = write_return(tmp_path / "in" / "v2.xlsx", values={**GOOD_VALUES, "T03": (130, None)})
    bad = write_return(tmp_path / "in" / "bad.xlsx", values={**GOOD_VALUES, "T02": ("很快", None)})
    ingest_files([v1], db=db, catalog=catalog, now=SEP_20)
    results = ingest_files([v2, bad], db=db, catalog=catalog, now=OCT_09)
    users.add_user(SYSTEM_USER, "bgs01", "office", "Abc-2026-x", db=db)
    token = sessions.create("bgs01", db=db)
    return db, {"catalog": catalog, "token": token, "shas": [r.sha256 for r in results],
                "files": {"v2": v2, "bad": bad}}


@pytest.fixture
def target():
    dsn = create_pg_database()
    yield dsn
    drop_pg_database(dsn)


def test_migrate_to_copies_every_row_and_file_and_checks_them(office_file, target, capsys, tmp_path) -> None:
    from accounts import sessions

    db, info = office_file
    assert main(["migrate", "--db", str(db), "--to", target]) == 0
    out = capsys.readouterr().out
    assert "核对通过" in out and "报送（submission）：源 3 行，目标 3 行，校验和一致" in out
    assert "归档文件内容：3 个，哈希不符 0 个" in out
    with store.read(target) as con:
        assert con.execute("select status, version, is_current from submission order by id").fetchall() == \
            [("accepted", 1, False), ("accepted", 2, True), ("rejected", None, False)]
    assert archive.read_bytes(target, info["shas"][0]) == info["files"]["v2"].read_bytes()
    assert sessions.resume(info["token"], target).user.username == "bgs01"  # logins survive the move

    # the office goes on working on PostgreSQL: ids and versions continue after the copied ones
    v3 = write_return(tmp_path / "in" / "v3.xlsx", values={**GOOD_VALUES, "T03": (140, None)})
    [r] = ingest_files([v3], db=target, catalog=info["catalog"], now=OCT_09)
    assert (r.status, r.version, r.submission_id) == ("accepted", 3, 4)


def test_migrate_to_refuses_a_target_that_already_holds_data(office_file, target, capsys) -> None:
    db, _ = office_file
    assert main(["migrate", "--db", str(db), "--to", target]) == 0
    capsys.readouterr()
    assert main(["migrate", "--db", str(db), "--to", target]) == 1
    assert "不是空库" in capsys.readouterr().err
    with store.read(target) as con:
        assert con.execute("select count(*) from submission").fetchone()[0] == 3  # not doubled


def test_a_damaged_archive_file_stops_the_copy_and_leaves_the_target_empty(office_file, target, capsys) -> None:
    db, info = office_file
    damaged = db.parent / archive.relative_path(info["shas"][1])
    damaged.write_bytes(b"not the original")
    assert main(["migrate", "--db", str(db), "--to", target]) == 1
    assert "已损坏" in capsys.readouterr().err
    with store.read(target) as con:
        assert con.execute("select count(*) from receipt").fetchone()[0] == 0
        assert con.execute("select count(*) from archived_file").fetchone()[0] == 0
