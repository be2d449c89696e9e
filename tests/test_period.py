"""Targets judged at their own frequency: a yearly or quarterly target gets one verdict, at the
end of its period, on its rollup; before that the unit sees its progress (issue 19)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

import store
from rules import flags, judge, period, stats
from rules.query import run
from tests.fixtures_period import build_period_db

JUL, SEP, DEC = date(2026, 7, 1), date(2026, 9, 1), date(2026, 12, 1)
NOW = datetime(2027, 1, 10, 9, 0)

_ROWS = f"with {judge.JUDGED} select * from judged order by unit, code, period"


@pytest.fixture(scope="module", params=["live", "precomputed"])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Each story holds judged live and read from the loader-maintained table."""
    return build_period_db(tmp_path_factory.mktemp("period") / "p.duckdb",
                           refresh=request.param == "precomputed")


def _judged(db, p0: date = date(2026, 1, 1), p1: date = DEC):
    return run(db, _ROWS, judge.params(p0, p1))


def _row(df, code: str, month: date):
    rows = df[(df["code"] == code) & (df["period"].dt.date == month)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_annual_jobs_target_is_on_track_in_july_not_failed(db):
    july = _row(_judged(db), "JOBS", JUL)
    assert july["status"] == "进度正常"  # 14,334 of 20,000 in July: ahead of 7/12 = 11,667
    assert july["period_kind"] == "year"
    assert july["actual"] == 14334 and july["expected"] == pytest.approx(20000 * 7 / 12)
    assert july["reason"] == ("解决区内企业用工 2026年1-7月累计 14,334 人，按进度应达 11,666.67 人，进度正常；"
                              "还需 5,666 人 才能达标（全期目标 ≥20,000 人）")
    assert july["value"] == 2100  # the month's own figure stays what the unit reported
    fields = period.period_fields(july)
    assert fields == {"period_kind": "year",
                      "progress": {"expected": pytest.approx(11666.67, abs=0.01), "actual": 14334.0,
                                   "needed": 5666.0}}


def test_no_yearly_target_is_failed_before_december(db):
    df = _judged(db)
    yearly = df[df["period_kind"] == "year"]
    assert not (yearly["period"].dt.month < 12).pipe(lambda m: (yearly[m]["status"] == "未达标").any())
    december = _row(df, "JOBS", DEC)
    assert december["status"] == "达标" and december["actual"] == sum([
        1900, 2000, 2100, 2034, 2200, 2000, 2100, 1900, 2000, 2100, 2000, 2000])
    assert december["reason"] == "解决区内企业用工 2026年全年累计 24,334 人 达到目标 ≥20,000 人"
    assert period.period_fields(december) == {"period_kind": "year", "progress": None}


def test_quarterly_target_is_judged_once_per_quarter_with_its_rollup(db):
    df = _judged(db)
    q = df[df["code"] == "QRATE"].set_index(df[df["code"] == "QRATE"]["period"].dt.month)
    # Q3: 88, 92, 95 → mean 91.7 % ≥ 90 %: one verdict, in September; July is behind (88 < 90)
    assert list(q.loc[[7, 8, 9], "status"]) == ["进度滞后", "进度正常", "达标"]
    assert q.loc[9, "actual"] == pytest.approx((88 + 92 + 95) / 3)
    assert q.loc[9, "reason"] == "一次办比例 2026年第三季度平均 91.7% 达到目标 ≥90.0%"
    # Q4 starts afresh: 80, 85, 84 → 83 % < 90 %: 未达标 in December only
    assert list(q.loc[[10, 11, 12], "status"]) == ["进度滞后", "进度滞后", "未达标"]
    assert q.loc[12, "actual"] == pytest.approx((80 + 85 + 84) / 3)
    assert (q["period_kind"] == "quarter").all()
    # a quarterly sum with the catalog's schedule (20/60/100 % by month): 0 in July is behind
    cases = df[df["code"] == "CASES"].set_index(df[df["code"] == "CASES"]["period"].dt.month)
    assert cases.loc[7, "expected"] == pytest.approx(3 * 0.2) and cases.loc[7, "status"] == "进度滞后"
    assert cases.loc[8, "expected"] == pytest.approx(3 * 0.6) and cases.loc[8, "status"] == "进度滞后"
    assert cases.loc[9, "status"] == "未达标" and cases.loc[9, "actual"] == 2


def test_what_it_takes_for_the_rest_of_the_year(db):
    df = _judged(db)
    rate = _row(df, "RATE", JUL)  # mean 94 % over 7 months against ≥95 % for the year
    assert rate["status"] == "进度滞后"
    assert rate["actual"] == pytest.approx(94.0)
    assert rate["needed"] == pytest.approx((95 * 12 - 94 * 7) / 5)  # 96.4 % for the 5 months left
    assert rate["reason"] == ("企业留才率 2026年1-7月平均 94.0%，目标 ≥95.0%，进度滞后；"
                              "剩余 5 个月平均需达到 96.4% 才能达标")
    outage = _row(df, "OUTAGE", JUL)  # cumulative figure reported; a ceiling of <0.6 h a year
    assert outage["actual"] == pytest.approx(0.5) and outage["expected"] == pytest.approx(0.35)
    assert outage["status"] == "进度滞后" and outage["needed"] == pytest.approx(0.1)
    assert "剩余 5 个月合计不超过 0.1 小时 才能达标" in outage["reason"]
    march = _row(df, "OUTAGE", date(2026, 3, 1))
    assert march["actual"] == pytest.approx(0.1) and march["status"] == "进度正常"


def test_lagging_progress_is_an_amber_flag_of_its_own(db):
    july = flags.red_flags(db, JUL, NOW)
    rate = july[july["subject"] == "RATE"]
    assert list(rate["flag"]) == ["进度滞后"] and list(rate["severity"]) == ["中"]
    assert "未达标" not in set(july["flag"])
    counts = flags.flag_counts(db, JUL, NOW).set_index("flag")["n"]
    assert counts["进度滞后"] == (july["flag"] == "进度滞后").sum()


def test_precomputed_progress_matches_live_judging(tmp_path):
    live = _judged(build_period_db(tmp_path / "live.duckdb"))
    stored_db = build_period_db(tmp_path / "stored.duckdb", refresh=True)
    with store.read(stored_db) as con:
        assert stats.is_fresh(con, date(2026, 1, 1), DEC)
    stored = _judged(stored_db)
    cols = ["unit", "code", "period", "status", "reason", "period_kind", "actual", "expected", "needed"]
    assert live[cols].fillna(-1).equals(stored[cols].fillna(-1))


def test_correcting_an_earlier_month_redoes_the_rest_of_the_year(tmp_path):
    """A corrected March changes July's running total: the stored July must not keep the old one."""

    path = build_period_db(tmp_path / "p.duckdb", refresh=True)
    with store.write(path) as con:
        sid = con.execute("select submission_id from observation where code = 'JOBS' and period = '2026-03-01'"
                          ).fetchone()[0]
        con.execute("update observation set is_current = false where submission_id = ?", [sid])
        new = con.execute(
            "insert into submission (sha256, unit, region, period, status, version, is_current, uploader,"
            " received_at, due_at, on_time, days_late, workdays_late, template_version, catalog_version)"
            " select 'sha-fix', unit, region, period, status, 2, true, uploader, received_at, due_at, on_time,"
            " days_late, workdays_late, template_version, catalog_version from submission where id = ?"
            " returning id", [sid]).fetchone()[0]
        con.execute("update submission set is_current = false where id = ?", [sid])
        con.execute("insert into observation select ?, unit, region, period, code, "
                    "case code when 'JOBS' then value - 10000 else value end, note, cell, true, false"
                    " from observation where submission_id = ?", [new, sid])
        assert not stats.is_fresh(con, JUL, JUL)  # July's fingerprint covers March
    july = _row(_judged(path, JUL, JUL), "JOBS", JUL)
    assert july["actual"] == 14334 - 10000 and july["status"] == "进度滞后"
    with store.write(path) as con:
        stats.refresh(con, [date(2026, 3, 1)])
    with store.read(path) as con:
        assert stats.is_fresh(con, date(2026, 1, 1), DEC)
    assert _row(_judged(path, JUL, JUL), "JOBS", JUL)["actual"] == 4334


def test_judge_json_fields_name_the_period_and_the_progress():
    """The keys ``python -m etl judge --json`` adds per row (issue 19's contract)."""
    assert period.period_fields({"period_kind": "quarter", "status": "进度滞后", "expected": 1.8,
                                 "actual": 1.0, "needed": 2.0}) == {
        "period_kind": "quarter", "progress": {"expected": 1.8, "actual": 1.0, "needed": 2.0}}
    assert period.period_fields({"period_kind": "month", "status": "达标", "expected": None}) == {
        "period_kind": "month", "progress": None}
    # a yearly indicator nobody reported: no judged row, the indicator's frequency says the kind
    assert period.period_fields({"period_kind": None, "frequency": "yearly", "status": "未报"}) == {
        "period_kind": "year", "progress": None}
