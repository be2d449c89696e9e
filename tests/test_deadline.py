"""Returns are due by the 25th, 23:59:59 Shanghai time; lateness counts calendar and working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import store
from rules.deadline import due_at, lateness, missing_returns
from store.catalog_sync import refresh_candidate_units

SH = ZoneInfo("Asia/Shanghai")
SEP = date(2026, 9, 1)


def test_return_is_due_on_the_25th_at_midnight_shanghai_time() -> None:
    assert due_at(SEP) == datetime(2026, 9, 25, 23, 59, 59, tzinfo=SH)


def test_return_received_in_the_last_second_of_the_25th_is_on_time() -> None:
    assert lateness(SEP, datetime(2026, 9, 25, 23, 59, 59, tzinfo=SH)).on_time


def test_late_return_after_25th_is_flagged() -> None:
    late = lateness(SEP, datetime(2026, 9, 26, 0, 0, 1, tzinfo=SH))
    # 09-26 is a Saturday: one calendar day late, no working day lost
    assert (late.on_time, late.days_late, late.workdays_late) == (False, 1, 0)


def test_utc_receipt_time_is_judged_in_shanghai_time() -> None:
    # 2026-09-25 16:30 UTC is 09-26 00:30 in Shanghai: late
    assert not lateness(SEP, datetime(2026, 9, 25, 16, 30, tzinfo=UTC)).on_time
    assert lateness(SEP, datetime(2026, 9, 25, 15, 30, tzinfo=UTC)).on_time


def test_days_late_over_national_day_count_only_working_days() -> None:
    # Due Fri 09-25 (中秋节). Working days after it up to Fri 10-09: 09-28, 09-29, 09-30, then
    # 10-01..07 国庆 holidays, then 10-08 and 10-09 -> 5 working days for 14 calendar days.
    late = lateness(SEP, datetime(2026, 10, 9, 10, 0, tzinfo=SH))
    assert (late.days_late, late.workdays_late) == (14, 5)


def test_make_up_saturday_counts_as_a_working_day_late() -> None:
    late = lateness(SEP, datetime(2026, 10, 10, 10, 0, tzinfo=SH))  # 调休上班 Saturday
    assert (late.days_late, late.workdays_late) == (15, 6)


def test_due_day_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YINGSHANG_DUE_DAY", "20")
    assert due_at(SEP).day == 20
    assert not lateness(SEP, datetime(2026, 9, 22, 9, 0, tzinfo=SH)).on_time
    assert due_at(SEP, day=10).day == 10


def _owners(con) -> None:
    con.execute("insert into region values ('teda', '天津经济技术开发区', 'zone', 'binhai', '经开区')")
    for uid, name in [("teda.zwfw", "经开区政务服务办"), ("teda.sw", "经开区商务局"), ("teda.rs", "经开区人社局")]:
        con.execute("insert into unit (id, region, name, dept) values (?, 'teda', ?, ?)", [uid, name, uid[5:]])
    con.execute(
        "insert into indicator (code, name, uom, comparator, target, direction, frequency, rollup, plan, measure,"
        " common) values ('T01', '网上办理率', '%', '>=', 95, 'higher_better', 'monthly', 'latest', '001', '1.', false)"
    )
    con.execute("insert into indicator_owner values ('T01', 'teda.zwfw'), ('T01', 'teda.sw')")  # not teda.rs
    refresh_candidate_units(con)


def _accepted(con, unit: str, received: datetime) -> None:
    con.execute(
        "insert into submission (sha256, unit, region, period, status, version, is_current, uploader, received_at)"
        " values (?, ?, 'teda', ?, 'accepted', 1, true, 'system', ?)",
        [unit * 2, unit, SEP, received],
    )


def test_unit_without_accepted_return_after_deadline_is_overdue(db_path) -> None:
    with store.write(db_path) as con:
        _owners(con)
        _accepted(con, "teda.zwfw", datetime(2026, 9, 20, tzinfo=SH))
        con.execute(
            "insert into submission (sha256, unit, region, period, status, is_current, uploader, received_at)"
            " values ('x', 'teda.sw', 'teda', ?, 'rejected', false, 'system', ?)",
            [SEP, datetime(2026, 9, 21, tzinfo=SH)],
        )
    after = datetime(2026, 9, 26, 9, 0, tzinfo=SH)
    with store.read(db_path) as con:
        missing = missing_returns(con, SEP, after)
        before = missing_returns(con, SEP, after - timedelta(days=2))
    # a rejected return does not count; a unit owning no indicator is never chased
    assert [m["unit"] for m in missing] == ["teda.sw"]
    assert missing[0]["unit_name"] == "经开区商务局"
    assert before == []


def test_late_accepted_return_is_no_longer_missing(db_path) -> None:
    with store.write(db_path) as con:
        _owners(con)
        _accepted(con, "teda.sw", datetime(2026, 9, 28, tzinfo=SH))
    with store.read(db_path) as con:
        on_27th = missing_returns(con, SEP, datetime(2026, 9, 27, tzinfo=SH))
        on_29th = missing_returns(con, SEP, datetime(2026, 9, 29, tzinfo=SH))
    assert [m["unit"] for m in on_27th] == ["teda.sw", "teda.zwfw"]
    assert [m["unit"] for m in on_29th] == ["teda.zwfw"]


def test_times_shown_in_sql_are_the_shanghai_wall_clock_python_shows() -> None:
    """Pages and downloads show receipt times from SQL (``returns.sql_local``, a fixed +8 h) and
    the deadline check reads them in Python (``zoneinfo``): both must name the same minute, on
    both sides of midnight, month and year ends, for every year the system can hold."""
    import duckdb

    from rules.returns import local_naive, sql_local

    moments = [datetime(y, m, d, h, 59, 59, 999999, tzinfo=UTC) for y in (1992, 2021, 2026, 2030, 2049)
               for m, d in ((1, 1), (3, 31), (6, 30), (9, 25), (12, 31)) for h in (0, 15, 16, 23)]
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    got = con.execute(f"select {sql_local('t')}, timezone('Asia/Shanghai', t) from unnest($ts::timestamptz[]) u(t)",
                      {"ts": moments}).fetchall()
    assert [fast for fast, _ in got] == [slow for _, slow in got] == [local_naive(m) for m in moments]
    assert con.execute(f"select {sql_local('null::timestamptz')}").fetchone() == (None,)
