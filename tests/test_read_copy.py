"""An app server's read copy of PostgreSQL (``store.read_copy``): the pages read from a local
DuckDB file what PostgreSQL holds, and what lands afterwards reaches it at the next sync."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

import store
from dashboard import flags
from dashboard import queries as q
from rules import stats
from store import read_copy
from store.read_copy import ReadCopy
from tests.fixtures_backends import drop_database, needs_pg, new_database
from tests.fixtures_dashboard import NOW, OFFICE, TZ, build_fixture_db


@pytest.fixture
def pg(tmp_path: Path):
    """The dashboard fixture on PostgreSQL with its judgments precomputed, and a copy path."""
    dsn = new_database("postgres", tmp_path)
    fx = build_fixture_db(dsn, refresh=True)
    copy = ReadCopy(dsn, tmp_path / "copy" / "pages.duckdb")
    yield fx, copy
    copy.close()
    drop_database(dsn)


def _pages(db, fx) -> dict[str, object]:
    """What the overview, 责任单位, 红灯, 报送情况, 区域对比 and 数据质量 pages show."""
    p, f = fx["period"], q.Filters(fx["period"])
    return {
        "periods": q.periods(db),
        "kpis": q.overview_kpis(db, OFFICE, f, NOW),
        "trend": q.overview_trend(db, OFFICE, f),
        "behind": q.units_most_behind(db, OFFICE, f, NOW),
        "scorecard": q.unit_scorecard(db, OFFICE, "hexi.zwfw", p),
        "tasks": q.unit_tasks(db, OFFICE, "hexi.fgw", p),
        "history": q.unit_submissions(db, OFFICE, "nankai.zwfw"),
        "flags": flags.red_flags(db, OFFICE, p, NOW),
        "counts": flags.flag_counts(db, OFFICE, p, NOW),
        "status": q.submission_status(db, OFFICE, p, NOW),
        "chase": q.chase_list(db, OFFICE, p, NOW, None),
        "values": q.indicator_values(db, OFFICE, "ZW01", p),
        "regions": q.region_comparison(db, p),
        "ledger": q.task_ledger(db, OFFICE, p),
        "findings": q.quality_findings(db, OFFICE, p, p),
        "names": q.account_names(db),
    }


def _assert_same(copy: dict, source: dict) -> None:
    for name, theirs in source.items():
        ours = copy[name]
        if isinstance(theirs, pd.DataFrame):
            pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs.reset_index(drop=True),
                                          check_dtype=False, obj=name)
        else:
            assert ours == theirs, name


def _submission(con, sid: int, unit: str, period, status: str, version: int | None, n_errors: int = 0) -> None:
    """A return received on 10-30, five days after the deadline of the 25th."""
    con.execute(
        "insert into submission (id, sha256, unit, region, period, status, version, is_current, uploader,"
        " received_at, due_at, on_time, days_late, workdays_late, n_errors) values (?, ?, ?, ?, ?, ?, ?, ?, 'u',"
        " ?, ?, false, 5, 4, ?)",
        [sid, f"{status}{sid}", unit, unit.split(".")[0], period, status, version, status == "accepted",
         datetime(2026, 10, 30, 9, tzinfo=TZ), datetime(2026, 10, 25, 23, 59, 59, tzinfo=TZ), n_errors])


def _late_return(dsn: str, period, sid: int | None = None) -> int:
    """经开区政务服务办's October return arriving after the copy was made: 90% satisfaction."""
    with store.write(dsn) as con:
        sid = sid or store.next_ids(con, "submission_id_seq", 1)[0]
        _submission(con, sid, "teda.zwfw", period, "accepted", 1)
        con.execute("insert into observation values (?, 'teda.zwfw', 'teda', ?, 'ZW01', 90, null, 'E4', true, false)",
                    [sid, period])
    return sid


@needs_pg
def test_every_page_reads_from_the_copy_what_postgresql_holds(pg):
    fx, copy = pg
    assert copy.sync() and copy.last_sync["full"]
    assert copy.version
    _assert_same(_pages(copy.path, fx), _pages(fx["path"], fx))
    assert not copy.sync(), "nothing changed: the second sync copies nothing"


@needs_pg
def test_a_return_that_lands_later_reaches_the_copy_at_the_next_sync(pg):
    fx, copy = pg
    copy.sync()
    before = copy.version
    _late_return(fx["path"], fx["period"])
    assert copy.sync()
    assert copy.last_sync["months"] == [fx["period"]] and not copy.last_sync["full"]
    assert copy.version != before, "pages' caches must not serve the old figures under the new data"
    card = q.unit_scorecard(copy.path, OFFICE, "teda.zwfw", fx["period"]).set_index("code")
    assert card.loc["ZW01", "status"] == "未达标"  # judged live on the copy: the month is not stamped
    _assert_same(_pages(copy.path, fx), _pages(fx["path"], fx))

    with store.write(fx["path"]) as con:  # the importer's refresh after its commit
        stats.refresh(con, [fx["period"]])
    assert copy.sync() and copy.last_sync["months"] == [fx["period"]]
    with store.read(copy.path) as con:
        assert stats.is_fresh(con, fx["period"], fx["period"])
    _assert_same(_pages(copy.path, fx), _pages(fx["path"], fx))


def _rejected_return(dsn: str, period, sid: int) -> None:
    """A return the validator refused, with the finding the liaison is shown."""
    with store.write(dsn) as con:
        _submission(con, sid, "heping.zwfw", period, "rejected", None, n_errors=1)
        con.execute("insert into finding values (?, 'VALUE_NOT_NUMBER', 'error', '指标', 'E6', '本月值应为数字',"
                    " '请填写数字')", [sid])


@needs_pg
def test_a_return_committed_after_a_newer_one_is_not_missed(pg):
    """Two importers: the one that took the lower id commits after the copy saw the higher."""
    fx, copy = pg
    copy.sync()
    with store.write(fx["path"]) as con:
        slow, fast = store.next_ids(con, "submission_id_seq", 2)
    _late_return(fx["path"], fx["period"], fast)
    copy.sync()
    _rejected_return(fx["path"], fx["period"], slow)
    assert copy.sync() and copy.last_sync["months"] == [fx["period"]]
    with store.read(copy.path) as con:
        assert con.execute("select count(*) from submission where id in (?, ?)", [slow, fast]).fetchone()[0] == 2
        assert con.execute("select count(*) from finding where submission_id = ?", [slow]).fetchone()[0] == 1
    _assert_same(_pages(copy.path, fx), _pages(fx["path"], fx))


@needs_pg
def test_an_office_change_without_a_return_reaches_the_copy(pg):
    """Taking a unit off the reporting roster changes who is chased, with no new submission."""
    fx, copy = pg
    copy.sync()
    with store.write(fx["path"]) as con:
        con.execute("insert into reporting_roster values ('teda.zwfw', ?, 'office')", [NOW])
    assert copy.sync()
    _assert_same(_pages(copy.path, fx), _pages(fx["path"], fx))


@needs_pg
def test_a_copy_kept_from_before_serves_at_once_and_catches_up(pg):
    """A restarted app server: the file it kept serves the pages before the first sync."""
    fx, copy = pg
    copy.sync()
    copy.close()
    _late_return(fx["path"], fx["period"])
    again = ReadCopy(copy.dsn, copy.path)
    try:
        again._open()
        assert again.version, "the kept copy is usable before it syncs"
        assert again.sync() and not again.last_sync["full"]
        _assert_same(_pages(again.path, fx), _pages(fx["path"], fx))
    finally:
        again.close()


@needs_pg
def test_a_copy_of_another_schema_version_is_not_read(pg):
    fx, copy = pg
    copy.sync()
    with store.write(fx["path"]) as con:
        con.execute("insert into schema_migrations (version, name, applied_at) values (999, 'x', now())")
    with pytest.raises(store.StoreError, match="结构版本"):
        copy.sync()
    assert copy.version is None, "pages read PostgreSQL directly until the servers run one version"


def test_pages_use_the_copy_only_in_postgresql_mode_with_the_setting(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv(read_copy.ENV, str(tmp_path / "copy.duckdb"))
    assert read_copy.for_pages(str(path)) is None, "a DuckDB file is read directly"
    monkeypatch.delenv(read_copy.ENV)
    assert read_copy.for_pages("postgresql://u@127.0.0.1:1/x") is None, "without the setting: PostgreSQL"


@needs_pg
def test_the_app_serves_page_data_from_the_copy_once_it_is_ready(pg, monkeypatch):
    """With YINGSHANG_READ_COPY set, ui.data reads the copy; accounts stay on PostgreSQL."""
    import time

    from dashboard import ui

    fx, copy = pg
    monkeypatch.setenv(read_copy.ENV, str(copy.path.with_name("app.duckdb")))
    monkeypatch.setenv("YINGSHANG_DB", fx["path"])
    seen: list[str] = []
    real = ui._call

    def spy(func_path, path, ver, args, kwargs):
        seen.append(path)
        return real(func_path, path, ver, args, kwargs)

    monkeypatch.setattr(ui, "_call", spy)
    try:
        deadline = time.monotonic() + 60
        while read_copy.for_pages(fx["path"]) is None and time.monotonic() < deadline:
            time.sleep(0.1)  # the background thread makes the first copy
        assert ui.data(q.periods) == q.periods(fx["path"])
        assert seen[-1] == str(copy.path.with_name("app.duckdb").resolve())
        status = ui.data(q.submission_status, OFFICE, fx["period"], NOW).set_index("unit")
        assert status.loc["teda.zwfw", "status"] == "逾期未报"
        _late_return(fx["path"], fx["period"])
        ui.forget_version()  # an upload in this process wakes the copy at once
        deadline = time.monotonic() + 30
        while read_copy.for_pages(fx["path"]).last_sync.get("months") != [fx["period"]] \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        status = ui.data(q.submission_status, OFFICE, fx["period"], NOW).set_index("unit")
        assert status.loc["teda.zwfw", "status"] == "迟报", "the late return shows once the copy has it"
    finally:
        read_copy.close_all()
