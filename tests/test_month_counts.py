"""The overview's 报送 figures and 任务台账's counts from the counts kept per month
(``rules.month_counts``): the same numbers as counting live, and never a stale count after a
return, a roster change or a catalog change that the counts did not follow."""

from __future__ import annotations

from datetime import datetime

import pytest

import store
from dashboard import queries as q
from etl import roster
from rules import month_counts, stats
from tests.fixtures_backends import BACKENDS, new_database
from tests.fixtures_dashboard import OFFICE, TZ, add_submission, build_fixture_db


@pytest.fixture(params=BACKENDS)
def fx(request: pytest.FixtureRequest, tmp_path) -> dict:
    fx = build_fixture_db(new_database(request.param, tmp_path))
    with store.write(fx["path"]) as con:
        stats.refresh(con)
    return fx


@pytest.fixture
def reads_stored(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each overview query read the stored counts."""
    seen: list[bool] = []
    real = month_counts.return_months

    def spy(*args, **kwargs):
        sql = real(*args, **kwargs)
        seen.append("return_month_counts" in sql)
        return sql

    monkeypatch.setattr(month_counts, "return_months", spy)
    return seen


def _overview(fx: dict, region: str | None = None) -> tuple[dict, list[dict]]:
    f = q.Filters(fx["period"], region=region)
    return (q.overview_kpis(fx["path"], OFFICE, f, fx["now"]),
            q.overview_trend(fx["path"], OFFICE, f)[["period", "expected", "submitted", "on_time"]].to_dict("records"))


def _ledger(fx: dict, **kw) -> list[dict]:
    return q.task_ledger_counts(fx["path"], OFFICE, fx["period"], **kw).to_dict("records")


def _live(fx: dict, region: str | None = None) -> tuple:
    """The same figures with the stored counts ignored."""
    with store.write(fx["path"]) as con:
        kept = con.execute("select period, fingerprint from month_counts_state").fetchall()
        con.execute("delete from month_counts_state")
    try:
        return _overview(fx, region) + (_ledger(fx),)
    finally:
        with store.write(fx["path"]) as con:
            for p, fp in kept:
                con.execute("insert into month_counts_state values (?, ?)", [p, fp])


def test_the_overview_counts_returns_from_the_stored_table_with_the_live_figures(fx, reads_stored):
    kpis, trend = _overview(fx)
    assert reads_stored == [True, True]
    assert (kpis["expected"], kpis["on_time"], kpis["late"], kpis["missing"]) == (5, 3, 1, 1)
    assert (kpis, trend, _ledger(fx)) == _live(fx)
    assert reads_stored[2:] == [False, False]
    region = _overview(fx, "hexi")
    assert region[0]["expected"] == 2 and region[0]["on_time"] == 2
    assert region == _live(fx, "hexi")[:2]


def test_a_return_written_without_a_refresh_is_counted_not_left_out(fx, reads_stored):
    """An import whose refresh was missed: the month's counts are stale and the overview counts
    live, so the late return from 经开区 shows at once."""
    with store.write(fx["path"]) as con:
        add_submission(con, "teda.zwfw", "teda", fx["period"], 1, True, datetime(2026, 10, 30, 9, tzinfo=TZ),
                       workdays_late=4)
    kpis, _ = _overview(fx)
    assert reads_stored == [False, False]
    assert (kpis["late"], kpis["missing"]) == (2, 0)
    with store.write(fx["path"]) as con:  # the next import's refresh recounts the month
        assert month_counts.refresh(con, [fx["period"]], only_stale=True) == 1
    assert _overview(fx)[0] == kpis
    assert reads_stored[2:] == [True, True]


def test_a_roster_change_recounts_who_is_expected(fx, reads_stored):
    """The office puts two units on the roster: only they are expected from then on, at once."""
    roster.add_units(OFFICE, ["heping.zwfw", "teda.zwfw"], fx["path"])
    kpis, trend = _overview(fx)
    assert reads_stored == [True, True]
    assert (kpis["expected"], kpis["on_time"], kpis["missing"]) == (2, 1, 1)
    assert trend[-1]["expected"] == 2
    assert (kpis, trend, _ledger(fx)) == _live(fx)


def _ledger_stored(fx: dict) -> bool:
    with store.read(fx["path"]) as con:
        return month_counts.is_fresh(con, fx["period"], fx["period"], tasks=True)


def test_the_ledger_counts_tasks_per_plan_and_status_from_the_stored_counts(fx):
    assert _ledger_stored(fx)
    counts = _ledger(fx)
    assert [(c["status"], c["n"], c["outside"]) for c in counts] == [("已完成", 1, 0), ("推进中", 1, 0), ("滞后", 1, 0)]
    assert _ledger(fx, status="滞后") == [c for c in counts if c["status"] == "滞后"]
    assert _ledger(fx, region="hexi") == [{"plan": "001", "plan_title": counts[0]["plan_title"], "status": "滞后",
                                           "n": 1, "outside": 0}]
    assert counts == _live(fx)[2]


def test_a_task_reported_late_in_the_month_moves_the_stored_ledger_counts(fx):
    """和平区政务服务办 sends another version: 压缩企业开办时间 is now 已完成. The loader's
    refresh moves the count of 和平区 only, and the stored counts equal a recount."""
    with store.write(fx["path"]) as con:
        con.execute("update submission set is_current = false where unit = 'heping.zwfw' and period = ?",
                    [fx["period"]])
        con.execute("update task_progress set is_current = false where unit = 'heping.zwfw' and period = ?",
                    [fx["period"]])
        version = con.execute("select max(version) + 1 from submission where unit = 'heping.zwfw' and period = ?"
                              " and status = 'accepted'", [fx["period"]]).fetchone()[0]
        sid = add_submission(con, "heping.zwfw", "heping", fx["period"], version, True,
                             datetime(2026, 10, 30, 9, tzinfo=TZ), workdays_late=4)
        con.execute("insert into task_progress values (?, 'heping.zwfw', ?, '001:m1', '已完成', 100, '已完成',"
                    " null, null, 4, true)", [sid, fx["period"]])
        stats.refresh_batch(con, [sid])
    assert _ledger_stored(fx)
    assert [(c["status"], c["n"]) for c in _ledger(fx)] == [("已完成", 2), ("滞后", 1)]
    assert _ledger(fx) == _live(fx)[2]


def test_a_new_catalog_version_is_not_read_from_counts_made_under_the_old_one(fx):
    with store.write(fx["path"]) as con:
        con.execute("update meta set value = value || '-new' where key = 'catalog_version'")
    with store.read(fx["path"]) as con:
        assert not month_counts.is_fresh(con, fx["period"], fx["period"])


def test_a_liaison_counts_only_the_tasks_of_the_units_they_may_read(fx):
    """The stored counts are the whole city's: a liaison's ledger is counted from their units."""
    from accounts.access import User

    assert _ledger_stored(fx)
    liaison = User("lly", "liaison", unit="hexi.fgw")
    counts = q.task_ledger_counts(fx["path"], liaison, fx["period"]).to_dict("records")
    assert [(c["status"], c["n"]) for c in counts] == [("滞后", 1)]


def test_expected_units_counted_again_when_their_table_was_emptied(fx, reads_stored):
    """A fingerprint without its rows (the table rebuilt or restored) is not a count of 0."""
    with store.write(fx["path"]) as con:
        con.execute("delete from return_region_units")
    kpis, _ = _overview(fx)
    assert reads_stored == [False, False]
    assert kpis["expected"] == 5
    with store.write(fx["path"]) as con:
        month_counts.refresh(con, only_stale=True)
    assert _overview(fx)[0]["expected"] == 5
    assert reads_stored[2:] == [True, True]
