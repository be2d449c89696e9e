"""The same stories on both stores: the DuckDB file and PostgreSQL (``any_db``, see conftest).

Store (migrations, refusals, all-or-nothing writes), ingest (versions, duplicates, rejected
returns, the archived original), judging (the precomputed verdicts equal the live ones) and
accounts (a session opened by one app server is valid on another).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import store
from store import archive
from etl import load
from etl.ingest import ingest_bytes, ingest_files
from rules import judge
from rules.stats import ensure_catalog
from tests.fixtures_backends import needs_pg
from tests.fixtures_returns import GOOD_VALUES, tiny_catalog, write_return

ROOT = Path(__file__).resolve().parents[1]
SEP_20 = datetime(2026, 9, 20, 2, 0, tzinfo=UTC)
OCT_09 = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
TABLES = ("archived_file", "receipt", "submission", "finding", "observation", "task_progress", "work_info")


@pytest.fixture(scope="module")
def catalog():
    return tiny_catalog()


def _counts(db) -> dict[str, int]:
    with store.read(db) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def test_migrate_creates_every_table_and_running_it_again_changes_nothing(any_db) -> None:
    with store.read(any_db) as con:
        names = {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database()").fetchall()}
    assert {"submission", "observation", "judged_observation", "login_session", "schema_migrations"} <= names
    assert store.migrate(any_db) == []
    assert store.schema_version(any_db) == store.shipped_migrations()[-1].version


def test_a_database_newer_than_the_code_is_refused_in_chinese(any_db) -> None:
    with store.write(any_db) as con:
        con.execute("insert into schema_migrations values (9999, 'future', now())")
    with pytest.raises(store.SchemaTooNew, match="高于本程序支持的"):
        store.migrate(any_db)


def test_a_failed_write_leaves_nothing_behind(any_db) -> None:
    with pytest.raises(RuntimeError):
        with store.write(any_db) as con:
            store.set_meta(con, "half", "written")
            raise RuntimeError("crash in the middle")
    with store.read(any_db) as con:
        assert store.get_meta(con, "half") is None
    with store.write(any_db) as con:
        store.set_meta(con, "k", "1")
        store.set_meta(con, "k", "2")  # replaced, not duplicated
    with store.read(any_db) as con:
        assert con.execute("select value from meta where key = 'k'").fetchall() == [("2",)]


@needs_pg
def test_an_unreachable_postgresql_gets_a_chinese_message_without_the_password() -> None:
    dsn = "postgresql://office:s3cret-pw@127.0.0.1:1/yingshang"
    with pytest.raises(store.StoreError) as err:
        with store.read(dsn):
            pass
    assert "无法连接 PostgreSQL 数据库 127.0.0.1:1/yingshang" in str(err.value)
    assert "s3cret-pw" not in str(err.value)


def test_a_dsn_is_kept_as_text_and_a_file_becomes_an_absolute_path(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("YINGSHANG_DB", "postgresql://u:p@127.0.0.1:5432/ys")
    assert store.db_path() == "postgresql://u:p@127.0.0.1:5432/ys"
    assert store.is_postgres() and store.display_name() == "127.0.0.1:5432/ys"
    monkeypatch.setenv("YINGSHANG_DB", str(tmp_path / "x.duckdb"))
    assert store.db_path() == tmp_path / "x.duckdb" and not store.is_postgres()


def test_versions_duplicates_and_rejections_are_recorded_the_same_on_both(any_db, tmp_path, catalog) -> None:
    ensure_catalog(any_db, catalog)
    v1 = write_return(tmp_path / "v1.xlsx")
    v2 = write_return(tmp_path / "v2.xlsx", values={**GOOD_VALUES, "T03": (130, None)})
    bad = write_return(tmp_path / "bad.xlsx", values={**GOOD_VALUES, "T02": ("很快", None)})
    r1 = ingest_files([v1], db=any_db, catalog=catalog, now=SEP_20)[0]
    r2, dup, rej = ingest_files([v2, v1, bad], db=any_db, catalog=catalog, now=OCT_09)
    assert [(r.status, r.version) for r in (r1, r2, dup, rej)] == \
        [("accepted", 1), ("accepted", 2), ("duplicate", 1), ("rejected", None)]
    assert [f.code for f in rej.errors] == ["VALUE_NOT_NUMBER"]
    with store.read(any_db) as con:
        subs = con.execute("select status, version, is_current from submission order by id").fetchall()
        current = con.execute("select value from observation where code = 'T03' and is_current").fetchall()
        outcomes = con.execute("select original_name, outcome from receipt order by id").fetchall()
    assert subs == [("accepted", 1, False), ("accepted", 2, True), ("rejected", None, False)]
    assert current == [(130.0,)]
    assert outcomes == [("v1.xlsx", "accepted"), ("v2.xlsx", "accepted"), ("v1.xlsx", "duplicate"),
                        ("bad.xlsx", "rejected")]
    assert _counts(any_db)["archived_file"] == 3
    for path, r in ((v1, r1), (v2, r2), (bad, rej)):
        assert archive.read_bytes(any_db, r.sha256) == path.read_bytes()


def test_a_failure_half_way_through_loading_leaves_nothing_behind(any_db, tmp_path, catalog, monkeypatch) -> None:
    ensure_catalog(any_db, catalog)
    path = write_return(tmp_path / "r.xlsx")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(load, "insert_values", broken)  # after submission, findings and the archive row
    with pytest.raises(OSError):
        ingest_files([path], db=any_db, catalog=catalog, now=SEP_20)
    assert set(_counts(any_db).values()) == {0}
    assert not list(tmp_path.rglob("archive/**/*.xlsx"))
    monkeypatch.undo()
    assert ingest_bytes("r.xlsx", path.read_bytes(), db=any_db, catalog=catalog, now=SEP_20).status == "accepted"


def test_stored_verdicts_equal_the_live_judgment_after_an_import(any_db, tmp_path, catalog) -> None:
    ensure_catalog(any_db, catalog)
    good = write_return(tmp_path / "sep.xlsx")
    weak = write_return(tmp_path / "oct.xlsx", period="2026-10", values={**GOOD_VALUES, "T01": (90, None)})
    ingest_files([good, weak], db=any_db, catalog=catalog, now=OCT_09)
    p0, p1 = datetime(2026, 9, 1).date(), datetime(2026, 10, 1).date()
    cols = "period, unit, code, value, status, reason"
    with store.read(any_db) as con:
        assert judge.all_fresh(con, p0, p1)
        stored = con.execute(f"select {cols} from judged_observation order by period, code").fetchall()
        stats = con.execute("select period, reported, met, failed from unit_month_stats order by period").fetchall()
    live = []

    class Undo(Exception):
        pass

    with pytest.raises(Undo):  # forget the stored state (rolled back): every month judged live
        with store.write(any_db) as con:
            con.execute("delete from unit_month_stats_state")
            live = con.execute(f"with {judge.JUDGED_LIVE} select {cols} from judged order by period, code",
                               _bound(judge.params(p0, p1))).fetchall()
            raise Undo
    assert stored == live
    assert ("未达标" in {r[4] for r in stored}) and len(stored) == 8
    assert stats == [(p0, 4, 4, 0), (p1, 4, 3, 1)]


def _bound(params: dict) -> dict:
    from rules.query import bind

    return bind(judge.JUDGED_LIVE, params)


def test_a_login_on_one_app_server_is_valid_on_another(any_db) -> None:
    from accounts import sessions, users
    from accounts.access import SYSTEM_USER

    users.add_user(SYSTEM_USER, "bgs01", "office", "Abc-2026-x", db=any_db)
    token = sessions.create("bgs01", db=any_db)
    other_server = subprocess.run(
        [sys.executable, "-c",
         "import sys; from accounts import sessions; r = sessions.resume(sys.argv[1], sys.argv[2]);"
         " print(r.user.username if r.user else r.reason)", token, str(any_db)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert other_server.stdout.strip() == "bgs01", other_server.stderr[-2000:]


def test_the_offices_records_get_their_numbers_on_both(any_db, catalog) -> None:
    """Cases, deductions, 督办 items and quarter locks take their ids from the sequences, so
    they work on PostgreSQL too (no RETURNING there) and two records never share a number."""
    from datetime import date

    from accounts.access import User
    from office import cases, entries, locks
    from office import supervision as sup
    from tests.fixtures_returns import OTHER_UNIT, UNIT

    office, liaison = User("bgs01", "office"), User(UNIT, "liaison", unit=UNIT)
    ensure_catalog(any_db, catalog)
    first = cases.submit(liaison, cases.CaseInput(UNIT, "2026Q3", "“一件事”集成办", "办理时限由5天压减至1天",
                                                  "整合申报材料，一窗受理。", indicators=("T01",)), any_db)
    second = cases.submit(liaison, cases.CaseInput(UNIT, "2026Q3", "企业开办半日办结", "开办用时压减一半",
                                                   "全程网办。", indicators=("T01",)), any_db)
    cases.decide(office, first, True, db=any_db)
    ded = entries.add(office, OTHER_UNIT, "2026Q3", "deduction", 2, "经核实的企业投诉", "12345工单 第1号", any_db)
    item = sup.open_item(office, lead=UNIT, problem="窗口排队超过1小时", requirement="一周内整改",
                         source="complaint", today=date(2026, 9, 1), db=any_db)
    lock_id = locks.lock(office, "2026Q3", "季度考核结果经领导小组审定", any_db)
    with store.read(any_db) as con:
        approved = con.execute("select id, status from typical_case order by id").fetchall()
        entry = con.execute("select id, unit, points from assessment_entry").fetchall()
        stored = con.execute("select count(*) from assessment_score where lock_id = ?", [lock_id]).fetchone()[0]
    assert second > first and approved == [(first, "approved"), (second, "submitted")]
    assert entry == [(ded, OTHER_UNIT, 2.0)]
    assert item.number == "督〔2026〕1号"
    assert stored >= 2


@needs_pg
def test_a_connection_cut_mid_write_gets_a_chinese_message_leaves_nothing_and_the_next_call_works(tmp_path) -> None:
    import threading
    import time

    from tests.fixtures_backends import _psql, drop_database, new_database

    db = new_database("postgres", tmp_path)
    store.migrate(db)
    name = db.rsplit("/", 1)[1]

    def cut() -> None:  # what a PostgreSQL restart or a network cut does to the app's session
        time.sleep(1.0)
        _psql(f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{name}'"
              " and pid <> pg_backend_pid()")

    killer = threading.Thread(target=cut)
    killer.start()
    try:
        with pytest.raises(store.StoreError) as err:
            with store.write(db) as con:
                con.execute("insert into meta values ('half', 'written')")
                con.execute("select * from postgres_query('ys', 'select pg_sleep(5)')").fetchall()
        killer.join()
        text = str(err.value)
        assert "连接中断" in text and "重试" in text and "postgres@" not in text
        with store.read(db) as con:  # the next operation reconnects by itself
            assert con.execute("select count(*) from meta where key = 'half'").fetchone() == (0,)
    finally:
        killer.join()
        drop_database(db)
