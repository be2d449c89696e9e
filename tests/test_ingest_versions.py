"""Nothing is lost: archive by content, duplicates, corrected re-uploads, all-or-nothing loads."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

import store
from store import archive
from etl import load
from etl.ingest import ingest_bytes, ingest_files
from tests.fixtures_returns import GOOD_VALUES, tiny_catalog, write_return

SEP_20 = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)
OCT_09 = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
TABLES = ("archived_file", "receipt", "submission", "finding", "observation", "task_progress", "work_info")


@pytest.fixture(scope="module")
def catalog():
    return tiny_catalog()


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory, catalog) -> Path:
    """A migrated database holding the tiny catalog, built once and copied by each test."""
    from rules.stats import ensure_catalog

    path = tmp_path_factory.mktemp("template_db") / "t.duckdb"
    ensure_catalog(path, catalog)
    return path


@pytest.fixture(autouse=True)
def _fresh_db(tmp_path: Path, empty_db: Path) -> None:
    for target in (tmp_path / "t.duckdb", tmp_path / "data" / "t.duckdb"):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(empty_db, target)


def _counts(db: Path) -> dict[str, int]:
    with store.read(db) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def test_received_file_is_archived_by_sha256_next_to_the_database(tmp_path: Path, catalog) -> None:
    db = tmp_path / "data" / "t.duckdb"
    path = write_return(tmp_path / "in" / "r.xlsx")
    [r] = ingest_files([path], db=db, catalog=catalog, now=SEP_20, is_demo=True)
    stored = tmp_path / "data" / "archive" / r.sha256[:2] / f"{r.sha256}.xlsx"
    assert stored.read_bytes() == path.read_bytes()
    assert archive.read_bytes(db, r.sha256) == path.read_bytes()
    with store.read(db) as con:
        assert con.execute("select stored_path from archived_file").fetchone()[0] == \
            f"archive/{r.sha256[:2]}/{r.sha256}.xlsx"
        assert con.execute("select original_name, uploader, outcome, is_demo from receipt").fetchall() == \
            [("r.xlsx", "system", "accepted", True)]


def test_same_bytes_twice_is_a_duplicate_without_a_second_copy(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    path = write_return(tmp_path / "r.xlsx")
    first = ingest_files([path], db=db, catalog=catalog, now=SEP_20)[0]
    again = ingest_bytes("再次上传.xlsx", path.read_bytes(), db=db, catalog=catalog, now=OCT_09)
    assert (first.status, again.status) == ("accepted", "duplicate")
    assert (again.unit, again.version) == ("teda.zwfw", 1)
    assert len(list((tmp_path / "archive").rglob("*.xlsx"))) == 1
    counts = _counts(db)
    assert (counts["archived_file"], counts["receipt"], counts["submission"]) == (1, 2, 1)
    with store.read(db) as con:
        outcomes = con.execute("select original_name, outcome, submission_id from receipt order by id").fetchall()
    assert outcomes == [("r.xlsx", "accepted", first.submission_id),
                        ("再次上传.xlsx", "duplicate", first.submission_id)]


def test_same_file_twice_in_one_batch_is_stored_once(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    path = write_return(tmp_path / "r.xlsx")
    results = ingest_files([path, path], db=db, catalog=catalog, now=SEP_20)
    assert [r.status for r in results] == ["accepted", "duplicate"]
    assert _counts(db)["submission"] == 1


def test_corrected_reupload_becomes_current_and_keeps_the_old_version(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    v1 = write_return(tmp_path / "v1.xlsx")
    v2 = write_return(tmp_path / "v2.xlsx", values={**GOOD_VALUES, "T03": (130, None)})
    r1 = ingest_files([v1], db=db, catalog=catalog, now=SEP_20)[0]
    r2 = ingest_files([v2], db=db, catalog=catalog, now=OCT_09)[0]
    assert (r1.version, r2.version) == (1, 2)
    assert (r2.lateness.on_time, r2.lateness.days_late, r2.lateness.workdays_late) == (False, 14, 5)
    with store.read(db) as con:
        subs = con.execute("select version, is_current, on_time from submission order by id").fetchall()
        current = con.execute("select value from observation where code = 'T03' and is_current").fetchall()
        history = con.execute("select value from observation where code = 'T03' order by submission_id").fetchall()
        for table in ("task_progress", "work_info"):
            flags = con.execute(f"select submission_id, bool_and(is_current) from {table} group by 1 order by 1")
            assert flags.fetchall() == [(r1.submission_id, False), (r2.submission_id, True)]
    assert subs == [(1, False, True), (2, True, False)]
    assert current == [(130.0,)]
    assert history == [(120.0,), (130.0,)]


def test_rejected_reupload_does_not_replace_the_accepted_version(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    good = write_return(tmp_path / "good.xlsx")
    bad = write_return(tmp_path / "bad.xlsx", values={**GOOD_VALUES, "T02": ("很快", None)})
    ingest_files([good], db=db, catalog=catalog, now=SEP_20)
    [r] = ingest_files([bad], db=db, catalog=catalog, now=SEP_20)
    assert (r.status, r.version) == ("rejected", None)
    with store.read(db) as con:
        assert con.execute("select status, version, is_current from submission order by id").fetchall() == \
            [("accepted", 1, True), ("rejected", None, False)]
        assert con.execute("select count(*) from observation where is_current").fetchone()[0] == 4


def test_failure_half_way_through_loading_leaves_nothing_behind(tmp_path: Path, catalog, monkeypatch) -> None:
    db = tmp_path / "t.duckdb"
    path = write_return(tmp_path / "r.xlsx")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(load, "insert_values", broken)  # after submission and findings were written
    with pytest.raises(OSError):
        ingest_files([path], db=db, catalog=catalog, now=SEP_20)
    assert set(_counts(db).values()) == {0}
    assert not list((tmp_path / "archive").rglob("*.xlsx"))

    monkeypatch.undo()
    [r] = ingest_files([path], db=db, catalog=catalog, now=SEP_20)
    assert r.status == "accepted"  # not a duplicate of the failed attempt


def test_big_change_from_last_accepted_month_in_the_database_is_a_warning(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    aug = write_return(tmp_path / "aug.xlsx", period="2026-08")
    sep = write_return(tmp_path / "sep.xlsx", values={**GOOD_VALUES, "T02": (4, None), "T03": (300, "新区开业")})
    ingest_files([aug], db=db, catalog=catalog, now=SEP_20)
    [r] = ingest_files([sep], db=db, catalog=catalog, now=SEP_20)
    assert r.status == "accepted"
    # T02 12 -> 4 without a note warns; T03 120 -> 300 has a note and does not
    assert [(f.code, f.cell) for f in r.warnings] == [("CHANGE_OVER_50", "E5")]
    assert "12" in r.warnings[0].message and "4" in r.warnings[0].message


def test_result_json_has_the_documented_shape(tmp_path: Path, catalog) -> None:
    # 0.9 with a 备注 saying it is real: the ambiguity stays a warning (without one it is an error)
    bad = write_return(tmp_path / "bad.xlsx", values={**GOOD_VALUES, "T01": (0.9, "本月确为0.9%"), "T02": ("很快", None)})
    r = ingest_files([bad], db=tmp_path / "t.duckdb", catalog=catalog, now=OCT_09)[0]
    out = json.loads(json.dumps(r.to_json(), ensure_ascii=False))
    assert set(out) == {"file", "status", "unit", "period", "version", "on_time", "days_late", "workdays_late",
                        "errors", "warnings"}
    assert (out["status"], out["unit"], out["period"], out["days_late"]) == ("rejected", "teda.zwfw", "2026-09", 14)
    assert out["errors"][0]["code"] == "VALUE_NOT_NUMBER"
    assert {"code", "sheet", "cell", "message", "hint"} <= set(out["errors"][0])
    assert out["warnings"][0]["cell"] == "E4"


def test_failing_file_in_a_batch_keeps_the_files_before_it_and_leaves_none_of_itself(
    tmp_path: Path, catalog, monkeypatch
) -> None:
    db = tmp_path / "t.duckdb"
    ok = write_return(tmp_path / "ok.xlsx")
    poison = write_return(tmp_path / "poison.xlsx", period="2026-08", values={**GOOD_VALUES, "T03": (999, None)})
    real = load.insert_values

    def fails_on_999(con, obs_rows, task_rows, work_rows):
        if any(row[5] == 999 for row in obs_rows):
            raise OSError("disk full")
        real(con, obs_rows, task_rows, work_rows)

    monkeypatch.setattr(load, "insert_values", fails_on_999)
    with pytest.raises(OSError):
        ingest_files([ok, poison], db=db, catalog=catalog, now=SEP_20)
    with store.read(db) as con:
        assert con.execute("select original_name, outcome from receipt").fetchall() == [("ok.xlsx", "accepted")]
        assert con.execute("select count(*) from observation where value = 999").fetchone()[0] == 0
    assert [p.name for p in (tmp_path / "archive").rglob("*.xlsx")] == [f"{_sha(ok)}.xlsx"]


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rejected_bytes_sent_again_are_checked_again_but_archived_once(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    bad = write_return(tmp_path / "bad.xlsx", values={**GOOD_VALUES, "T02": ("很快", None)})
    first = ingest_files([bad], db=db, catalog=catalog, now=SEP_20)[0]
    again = ingest_files([bad], db=db, catalog=catalog, now=OCT_09)[0]
    assert (first.status, again.status) == ("rejected", "rejected")
    assert [f.code for f in again.errors] == ["VALUE_NOT_NUMBER"]  # the liaison sees why, again
    counts = _counts(db)
    assert (counts["archived_file"], counts["receipt"], counts["submission"]) == (1, 2, 2)
    assert len(list((tmp_path / "archive").rglob("*.xlsx"))) == 1


def test_file_refused_for_the_uploader_is_accepted_from_the_office(tmp_path: Path, catalog) -> None:
    from accounts.access import SYSTEM_USER, User

    db = tmp_path / "t.duckdb"
    data = write_return(tmp_path / "r.xlsx").read_bytes()
    refused = ingest_bytes("r.xlsx", data, db=db, catalog=catalog, now=SEP_20,
                           user=User("sw", "liaison", unit="teda.sw"))
    office = ingest_bytes("r.xlsx", data, db=db, catalog=catalog, now=SEP_20, user=SYSTEM_USER)
    assert (refused.status, office.status, office.version) == ("rejected", "accepted", 1)
