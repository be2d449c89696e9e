"""Hostile or careless uploads (issue 12): bounded findings, a million pasted rows, refused
files that land on nobody else's records, and a leader whose upload leaves only an audit entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import store
from accounts.access import User
from etl import findings as F
from etl.ingest import ingest_batch, ingest_files
from tests.fixtures_returns import OTHER_UNIT, UNIT, tiny_catalog, with_many_rows, write_return

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
LIAISON = User(UNIT, "liaison", UNIT, "经开区政务服务办联络员")
LEADER = User("lingdao", "leader", None, "领导")


def _counts(db: Path) -> dict[str, int]:
    with store.read(db) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("submission", "receipt", "finding", "archived_file", "audit_log")}


def _archived(db: Path) -> list[Path]:
    root = db.parent / "archive"
    return sorted(root.rglob("*.xlsx")) if root.exists() else []


def test_a_return_with_hundreds_of_problems_reports_200_and_a_total(tmp_path):
    rows = [("T01", f"约{i}", None) for i in range(600)]  # each: duplicate code and not a number
    path = write_return(tmp_path / "many.xlsx", extra_indicator_rows=rows)
    db = tmp_path / "db" / "t.duckdb"
    result = ingest_files([path], db=db, catalog=tiny_catalog(), now=NOW)[0]
    assert result.status == "rejected"
    assert len(result.findings) == F.MAX_FINDINGS + 1
    summary = result.findings[0]
    assert summary.code == "FINDINGS_TRUNCATED" and summary.is_error
    assert "只列出前 200 个" in summary.message
    total = int(summary.message.split("共发现 ")[1].split(" 个")[0])
    assert total >= 1200
    with store.read(db) as con:
        assert con.execute("select count(*) from finding").fetchone()[0] == F.MAX_FINDINGS + 1


def test_a_small_list_of_findings_is_untouched():
    found = [F.make("VALUE_NOT_NUMBER", sheet="指标", cell=f"E{i}", raw="x", name="n") for i in range(4, 10)]
    assert F.capped(found) == found


def test_cli_ingest_of_a_million_pasted_rows_exits_1_with_one_clear_finding(tmp_path):
    """The file of issue 12 (about 8 MB, a million rows in 指标); bench/upload_memory.py measures it."""
    base = write_return(tmp_path / "base.xlsx").read_bytes()
    big = tmp_path / "百万行.xlsx"
    big.write_bytes(with_many_rows(base, "指标", 1_000_000))
    assert big.stat().st_size < 10 * 1024 * 1024
    env = {**os.environ, "YINGSHANG_DB": str(tmp_path / "cli.duckdb")}
    proc = subprocess.run([sys.executable, "-m", "etl", "ingest", str(big), "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "rejected" and len(out["errors"]) + len(out["warnings"]) <= 201
    assert [e["code"] for e in out["errors"]] == ["SHEET_TOO_LARGE"]


# --- refused uploads are filed under the uploader (point 4) ------------------------------


def test_a_liaisons_upload_claiming_another_unit_is_filed_under_the_liaisons_own_unit(tmp_path):
    db = tmp_path / "db" / "t.duckdb"
    path = write_return(tmp_path / "other.xlsx", unit=OTHER_UNIT,
                        values={"T03": (100, None), "T05": (2, None)}, tasks={"001:m2": ("推进中", 50, "x")})
    result = ingest_files([path], db=db, user=LIAISON, catalog=tiny_catalog(), now=NOW)[0]
    assert result.status == "rejected"
    assert [f.code for f in result.errors] == ["ACCESS_DENIED"]
    assert "经开区商务局" in result.errors[0].message  # the claimed unit stays visible, by its name
    with store.read(db) as con:
        subs = con.execute("select unit, region, uploader from submission").fetchall()
        audit_units = con.execute("select unit from audit_log where action = 'upload_rejected'").fetchall()
        other = con.execute("select count(*) from submission where unit = ?", [OTHER_UNIT]).fetchone()[0]
    assert subs == [(UNIT, "teda", UNIT)]
    assert audit_units == [(UNIT,)]
    assert other == 0


def test_a_liaisons_own_refused_return_stays_under_their_unit(tmp_path):
    db = tmp_path / "db" / "t.duckdb"
    path = write_return(tmp_path / "bad.xlsx", values={"T01": ("很多", None)})
    result = ingest_files([path], db=db, user=LIAISON, catalog=tiny_catalog(), now=NOW)[0]
    assert result.status == "rejected" and result.unit == UNIT


def test_a_leaders_upload_writes_only_an_audit_entry(tmp_path):
    db = tmp_path / "db" / "t.duckdb"
    store.migrate(db)
    path = write_return(tmp_path / "leader.xlsx")
    before = _counts(db)
    result = ingest_batch([(path.name, path.read_bytes())], db=db, user=LEADER, catalog=tiny_catalog(), now=NOW)[0]
    assert result.status == "rejected" and [f.code for f in result.errors] == ["ACCESS_DENIED"]
    assert "只读" in result.errors[0].message
    after = _counts(db)
    assert {k: after[k] - before[k] for k in after} == {
        "submission": 0, "receipt": 0, "finding": 0, "archived_file": 0, "audit_log": 1}
    assert _archived(db) == []
    with store.read(db) as con:
        actor, action, detail = con.execute("select actor, action, detail from audit_log").fetchone()
    assert (actor, action) == ("lingdao", "upload_refused") and "leader.xlsx" in detail


# --- sharing the file with the app (point 3) ----------------------------------------------

_OPEN_ELSEWHERE = (
    "import sys, duckdb\n"
    "try:\n"
    "    duckdb.connect(sys.argv[1], read_only=True).close()\n"
    "except duckdb.Error as err:\n"
    "    print(err); sys.exit(3)\n"
)


def test_an_import_gives_the_file_up_between_chunks_when_a_page_waits(tmp_path, monkeypatch):
    """With a page waiting, another process can open the database before each chunk's reading
    and before its writing; with nobody waiting the import keeps the file (closing it costs a
    checkpoint) and never pauses."""
    from etl import ingest
    from store import connection

    paths = [write_return(tmp_path / f"r{m}.xlsx", period=f"2026-0{m}") for m in (6, 7, 8)]
    monkeypatch.setattr(ingest, "CHUNK", 1)
    opened: list[int] = []

    def pause(path=None) -> bool:
        proc = subprocess.run([sys.executable, "-c", _OPEN_ELSEWHERE, str(path)], capture_output=True, text=True,
                              timeout=60, check=False)
        opened.append(proc.returncode)
        return True

    monkeypatch.setattr(connection, "yield_turn", pause)
    alone = tmp_path / "alone" / "t.duckdb"
    results = ingest_files(paths, db=alone, catalog=tiny_catalog(), now=NOW)
    assert [r.status for r in results] == ["accepted"] * 3 and opened == []

    waited = tmp_path / "waited" / "t.duckdb"
    monkeypatch.setattr(connection, "others_waiting", lambda path=None: True)
    results = ingest_files(paths, db=waited, catalog=tiny_catalog(), now=NOW)
    assert [r.status for r in results] == ["accepted"] * 3
    assert opened == [0] * 5  # after chunk 1's reading, then before chunks 2 and 3 and their writing


def test_a_page_that_waits_gets_the_file_while_the_import_is_still_reading_its_chunk(tmp_path, monkeypatch):
    """A chunk of 250 returns takes seconds to read and check under load, longer than a page
    waits for the file: the import lets a waiting page in before each file it reads, not only
    between chunks. With nobody waiting the file stays held while reading."""
    from etl import ingest
    from store import connection

    paths = [write_return(tmp_path / f"r{m}.xlsx", period=f"2026-0{m}") for m in (6, 7, 8)]
    monkeypatch.setattr(ingest, "CHUNK", 3)
    opened: list[int] = []
    real_read = ingest.read_return

    def read_and_open_elsewhere(name, data):
        db = connection.db_path(None)
        proc = subprocess.run([sys.executable, "-c", _OPEN_ELSEWHERE, str(db)], capture_output=True, text=True,
                              timeout=60, check=False)
        opened.append(proc.returncode)
        return real_read(name, data)

    monkeypatch.setattr(ingest, "read_return", read_and_open_elsewhere)
    monkeypatch.setattr(connection, "yield_turn", lambda path=None: False)
    monkeypatch.setenv("YINGSHANG_DB", str(tmp_path / "alone" / "t.duckdb"))
    results = ingest_files(paths, db=None, catalog=tiny_catalog(), now=NOW)
    assert [r.status for r in results] == ["accepted"] * 3
    assert opened == [3] * 3  # held: the other process finds the file locked

    opened.clear()
    monkeypatch.setenv("YINGSHANG_DB", str(tmp_path / "waited" / "t.duckdb"))
    monkeypatch.setattr(connection, "others_waiting", lambda path=None: True)
    results = ingest_files(paths, db=None, catalog=tiny_catalog(), now=NOW)
    assert [r.status for r in results] == ["accepted"] * 3
    assert opened == [0] * 3  # every file of the one chunk was read with the file free


def test_a_process_that_finds_the_file_locked_asks_for_a_turn(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    store.migrate(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not store.others_waiting(db)
        monkeypatch.setenv("YINGSHANG_DB_TIMEOUT", "0.3")
        with pytest.raises(store.DatabaseBusy), store.read(db):
            pass
        assert store.others_waiting(db)  # the importer will pause at its next chunk boundary
    finally:
        holder.kill()
        holder.wait()
