"""After a crash: archived files without a row, rows without a file, temp leftovers (issue 12, point 5)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import store
from etl import archive_check
from etl.ingest import ingest_files
from store import archive
from tests.fixtures_returns import tiny_catalog, write_return

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
DEAD_PID = 2**22 + 12345  # above Linux's pid_max: never a running process


def _loaded_db(tmp_path: Path) -> Path:
    db = tmp_path / "db" / "t.duckdb"
    [r] = ingest_files([write_return(tmp_path / "good.xlsx")], db=db, catalog=tiny_catalog(), now=NOW)
    assert r.status == "accepted"
    return db


def _orphan(db: Path, content: bytes, age_seconds: float) -> Path:
    """Bytes archived by a loader killed before its commit."""
    sha = hashlib.sha256(content).hexdigest()
    path = db.parent / archive.relative_path(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def _temp(db: Path, pid: int) -> Path:
    path = db.parent / "archive" / "ab" / (("ab" + "0" * 62) + f".tmp{pid}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a file")
    return path


def test_check_lists_orphans_and_missing_files_and_removes_dead_loaders_temp_files(tmp_path):
    db = _loaded_db(tmp_path)
    old = _orphan(db, b"crashed import 1", 2 * 3600)
    dead = _temp(db, DEAD_PID)
    mine = _temp(db, os.getpid())  # a loader of a running process is still writing it
    with store.read(db) as con:
        (stored,) = con.execute("select stored_path from archived_file").fetchone()
    (db.parent / stored).unlink()
    report = archive_check.check(db)
    assert [o.path for o in report.orphans] == [old]
    assert [s for _, s in report.missing] == [stored]
    assert report.temps_removed == [dead] and not dead.exists() and mine.exists()
    assert old.exists()  # check alone deletes no archived file


def test_repair_removes_orphans_older_than_an_hour_only_and_audits_it(tmp_path):
    db = _loaded_db(tmp_path)
    old = _orphan(db, b"crashed import 1", 2 * 3600)
    young = _orphan(db, b"import in progress", 60)
    report = archive_check.repair(db)
    assert [o.path for o in report.orphans_removed] == [old]
    assert not old.exists() and young.exists()
    with store.read(db) as con:
        actor, action, before, detail = con.execute(
            "select actor, action, before, detail from audit_log where action = 'archive_repair'").fetchone()
    assert (actor, action) == ("system", "archive_repair")
    assert old.stem in before and young.stem not in before and "1 个" in detail
    assert archive_check.check(db).orphans[0].path == young


def test_the_loader_removes_temp_files_of_dead_loaders_when_it_starts(tmp_path):
    db = tmp_path / "db" / "t.duckdb"
    store.migrate(db)
    dead = _temp(db, DEAD_PID)
    ingest_files([write_return(tmp_path / "good.xlsx")], db=db, catalog=tiny_catalog(), now=NOW)
    assert not dead.exists()


def test_cli_archive_check_reports_in_chinese_and_repair_exits_0_when_clean(tmp_path):
    db = _loaded_db(tmp_path)
    _orphan(db, b"crashed import 1", 2 * 3600)
    env = {**os.environ, "YINGSHANG_DB": str(db)}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "etl", "archive", "check", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    checked = cli()
    assert checked.returncode == 1, checked.stderr
    assert "无数据库记录的存档文件：1 个" in checked.stdout and "--repair" in checked.stdout
    repaired = cli("--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "已删除" in repaired.stdout
    assert "无数据库记录的存档文件：0 个" in cli().stdout
