"""Page data on the small fixture: what an official would read off each page."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

import store
from accounts.access import User
from dashboard import export
from dashboard import queries as q
from dashboard.format import fmt_target, fmt_value
from rules import stats
from rules.format import sql_target_text, sql_value_text
from tests.fixtures_backends import BACKENDS, drop_database, new_database
from tests.fixtures_dashboard import OFFICE, TZ, add_submission, build_fixture_db


@pytest.fixture(scope="module", params=BACKENDS)
def fx(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The fixture database on each backend: the DuckDB file and PostgreSQL give the same pages."""
    db = new_database(request.param, tmp_path_factory.mktemp("queries"))
    yield build_fixture_db(db)
    drop_database(db)


def test_submission_status_per_unit_after_the_deadline(fx):
    df = q.submission_status(fx["path"], OFFICE, fx["period"], fx["now"])
    status = dict(zip(df["unit"], df["status"]))
    assert status == {"heping.zwfw": "按时报送", "hexi.zwfw": "按时报送", "hexi.fgw": "按时报送",
                      "nankai.zwfw": "迟报", "teda.zwfw": "逾期未报"}
    late = df[df["unit"] == "nankai.zwfw"].iloc[0]
    assert (late["days_late"], late["workdays_late"]) == (3, 3)
    assert late["received_at"] == datetime(2026, 10, 28, 9, 0)  # Shanghai wall-clock time
    assert df.iloc[0]["unit"] == "teda.zwfw"  # the missing unit comes first


def test_before_the_deadline_missing_units_are_not_yet_due_with_days_left(fx):
    df = q.submission_status(fx["path"], OFFICE, fx["period"], datetime(2026, 10, 20, 9, 0, tzinfo=TZ))
    teda = df[df["unit"] == "teda.zwfw"].iloc[0]
    assert teda["status"] == "未到期"
    assert teda["days_left"] == 5
    assert teda["workdays_left"] == 3  # Wed 21, Thu 22, Fri 23; the 25th is a Sunday


def test_chase_list_names_liaison_and_phone(fx):
    df = q.chase_list(fx["path"], OFFICE, fx["period"], fx["now"])
    assert df.to_dict("records") == [{
        "unit_name": "经开区政务服务办", "region_name": "天津经济技术开发区", "liaison": "赵联络",
        "phone": "13800000004", "status": "逾期未报", "days_left": -4, "workdays_left": -4,
    }]


def test_city_average_comparison_of_districts(fx):
    df = q.region_comparison(fx["path"], fx["period"])
    zw03 = df[df["code"] == "ZW03"].set_index("region")
    assert zw03.loc["nankai", "city_avg"] == pytest.approx(80.0)
    assert zw03.loc["nankai", "diff"] == pytest.approx(-10.0)
    assert zw03.loc["nankai", "status"] == "未达标"
    assert zw03.loc["heping", "rank"] == 1
    assert "teda" not in zw03.index  # zones are not districts
    ranking = q.region_ranking(fx["path"], fx["period"])
    assert list(ranking["region_name"]) == ["和平区", "南开区", "河西区"]
    assert ranking.iloc[0]["attainment_rate"] == 100.0


def test_indicator_values_rank_units_and_show_the_average(fx):
    df = q.indicator_values(fx["path"], OFFICE, "ZW03", fx["period"])
    assert list(df["unit"]) == ["heping.zwfw", "hexi.zwfw", "nankai.zwfw"]
    assert df["city_avg"].iloc[0] == pytest.approx(80.0)
    assert df.iloc[2]["reason"] == "网上办件占比 70.0% 低于全市平均 80.0%（3 个区平均）"


def test_scorecard_shows_every_indicator_with_status_and_sparkline(fx):
    df = q.unit_scorecard(fx["path"], OFFICE, fx["miss_unit"], fx["period"]).set_index("code")
    assert dict(df["status"]) == {"ZW01": "未达标", "ZW02": "未达标", "ZW03": "达标"}
    assert df.loc["ZW01", "target_text"] == "≥95.0%" and df.loc["ZW01", "value_text"] == "92.0%"
    spark = df.loc["ZW01", "spark"]
    assert len(spark) == 12 and spark[-3:] == [91.0, 93.0, 92.0] and spark[0] is None


def test_scorecard_uses_the_current_version(fx):
    df = q.unit_scorecard(fx["path"], OFFICE, fx["met_unit"], fx["period"]).set_index("code")
    assert df.loc["ZW01", "value"] == 98.0  # version 1 said 97
    assert df.loc["ZW01", "version"] == 2


def test_scorecard_marks_an_unreported_indicator(fx):
    df = q.unit_scorecard(fx["path"], OFFICE, fx["missing_unit"], fx["period"])
    assert set(df["status"]) == {"未报"}
    # what the unit still owes is measured against: the targets in force in its region
    assert dict(zip(df["code"], df["target_text"])) == {"ZW01": "≥95.0%", "ZW02": "≤2 个工作日", "ZW03": "不低于全市平均"}


def test_unreported_indicator_shows_only_a_target_set_for_the_units_own_region(tmp_path):
    fx = build_fixture_db(tmp_path / "scoped.duckdb")
    with store.write(fx["path"]) as con:  # ZW02's target now binds 河西区 only
        con.execute("insert into target_scope select code, effective_from, 'hexi' from indicator_target"
                    " where code = 'ZW02'")
    card = q.unit_scorecard(fx["path"], OFFICE, fx["missing_unit"], fx["period"]).set_index("code")
    assert card.loc["ZW02", "target_text"] == "无目标"  # teda is not bound by 河西区's target
    assert card.loc["ZW01", "target_text"] == "≥95.0%"


def test_unit_tasks_and_submission_history(fx):
    tasks = q.unit_tasks(fx["path"], OFFICE, fx["lagging_unit"], fx["period"])
    assert tasks.iloc[0][["measure_key", "role", "status", "problems"]].tolist() == \
        ["001:m1", "牵头", "滞后", "资金未到位"]
    subs = q.unit_submissions(fx["path"], OFFICE, fx["met_unit"])
    # a second version is a correction (更正), never lateness
    assert subs.iloc[0][["version", "status", "timeliness"]].tolist() == [2, "已采用", "更正"]
    assert subs.iloc[1]["timeliness"] == "按时"
    assert subs.iloc[1]["status"] == "已替换"
    rejected = q.unit_submissions(fx["path"], OFFICE, fx["missing_unit"])
    assert "被退回" in set(rejected["status"])


def test_overview_kpis_of_the_month(fx):
    k = q.overview_kpis(fx["path"], OFFICE, q.Filters(fx["period"]), fx["now"])
    assert (k["expected"], k["on_time"], k["late"], k["missing"]) == (5, 3, 1, 1)
    assert k["on_time_rate"] == 60.0
    assert (k["reported"], k["met"], k["failed"], k["amber"]) == (10, 6, 4, 1)
    assert k["attainment_rate"] == 60.0
    assert k["open_flags"] == 11 and k["tasks_lagging"] == 1


def test_overview_is_the_same_from_the_precomputed_tables(tmp_path):
    fx = build_fixture_db(tmp_path / "kpi.duckdb")
    f = q.Filters(fx["period"])
    live = (q.overview_kpis(fx["path"], OFFICE, f, fx["now"]), q.overview_trend(fx["path"], OFFICE, f),
            q.units_most_behind(fx["path"], OFFICE, f, fx["now"]), q.region_comparison(fx["path"], fx["period"]))
    with store.write(fx["path"]) as con:
        stats.refresh(con)
    stored = (q.overview_kpis(fx["path"], OFFICE, f, fx["now"]), q.overview_trend(fx["path"], OFFICE, f),
              q.units_most_behind(fx["path"], OFFICE, f, fx["now"]), q.region_comparison(fx["path"], fx["period"]))
    assert stored[0] == live[0]
    for a, b in zip(stored[1:], live[1:]):
        assert a.equals(b)


def test_the_trend_counts_each_month_as_its_reporting_figures_do(fx):
    """The trend's month (counted in one pass over the submissions) and the month's figures
    (the full returns chain, with a corrected return judged by its first version) agree."""
    trend = q.overview_trend(fx["path"], OFFICE, q.Filters(fx["period"]))
    for month in trend["period"]:
        k = q.overview_kpis(fx["path"], OFFICE, q.Filters(month.date()), fx["now"])
        row = trend[trend["period"] == month].iloc[0]
        assert (row["expected"], row["submitted"], row["on_time"]) == (k["expected"], k["submitted"], k["on_time"])


def test_overview_filters_by_region(fx):
    k = q.overview_kpis(fx["path"], OFFICE, q.Filters(fx["period"], region="hexi"), fx["now"])
    assert (k["units"], k["expected"], k["failed"]) == (2, 2, 3)


def test_overview_trend_starts_with_the_first_return(fx):
    df = q.overview_trend(fx["path"], OFFICE, q.Filters(fx["period"]))
    assert [p.month for p in df["period"]] == [8, 9, 10]
    assert list(df["on_time_rate"]) == [100.0, 100.0, 60.0]


def test_units_most_behind_ranks_by_the_size_of_the_gap_to_target(fx):
    df = q.units_most_behind(fx["path"], OFFICE, q.Filters(fx["period"]), fx["now"])
    # 河西区发展改革委: growth 10 % against 15 % (a third short) + a lagging task;
    # 河西区政务服务办: two small misses (92/95, 2.5/2); 南开区: 12.5 % under the city average + late
    assert list(df["unit"][:3]) == ["hexi.fgw", "hexi.zwfw", "nankai.zwfw"]
    assert list(df["gap"][:3]) == [43.3, 28.2, 22.5]
    assert list(df["rank"]) == [1, 2, 3, 4] and not df["tied"].any()  # the old score gave 2, 2, 3, 2
    assert fx["met_unit"] not in set(df["unit"])
    assert df.set_index("unit").loc["teda.zwfw", "return_status"] == "逾期未报"
    # ranked among every unit behind, not among the n shown (the rank is worked out after the cut)
    top2 = q.units_most_behind(fx["path"], OFFICE, q.Filters(fx["period"]), fx["now"], n=2)
    pd.testing.assert_frame_equal(top2, df.head(2), check_dtype=False)
    last = q.units_most_behind(fx["path"], OFFICE, q.Filters(fx["period"]), fx["now"], n=len(df))
    assert last["rank"].iloc[-1] == len(df)


def test_indicator_detail_and_target_history(fx):
    d = q.indicator_detail(fx["path"], "ZW02")
    assert d["target_text"] == "≤2 个工作日" and d["measure_title"] == "压缩企业开办时间"
    assert "经开区政务服务办" in d["owners"]
    t = q.indicator_targets(fx["path"], "ZW02")
    assert list(t["target_text"]) == ["≤3 个工作日", "≤2 个工作日"]


def test_region_trend_has_city_average_per_month(fx):
    df = q.region_trend(fx["path"], "ZW03", ["nankai"], period=fx["period"])
    assert list(df["value"]) == [75.0, 72.0, 70.0]
    assert df["city_avg"].tolist() == pytest.approx([81.0, 80.333333, 80.0])


def test_task_ledger_filters_by_status(fx):
    df = q.task_ledger(fx["path"], OFFICE, fx["period"], status="滞后")
    assert list(df["unit"]) == ["hexi.fgw"]
    assert set(q.task_ledger(fx["path"], OFFICE, fx["period"])["status"]) == {"推进中", "滞后", "已完成"}


def _slices(n: int) -> list[tuple[int, int]]:
    return [(0, 2), (2, 2), (n - 1, 5), (1, n)]


def _rows(df: pd.DataFrame) -> tuple[list[str], list[list]]:
    """Columns and values as a reader sees them (an all-empty column of a page may read back
    with another dtype than the same column of the whole list)."""
    return list(df.columns), df.astype(object).where(df.notna(), None).values.tolist()


def test_a_page_of_the_return_list_is_that_slice_of_the_whole_list(fx):
    """报送情况 reads one page: its units are picked from the statuses, then only their returns
    are read (``submission_status`` with ``limit``): the page must be the same rows."""
    path, p, now = fx["path"], fx["period"], fx["now"]
    liaison = User("l", "liaison", "nankai.zwfw", grants=frozenset({"region:hexi"}))
    for user, statuses in ((OFFICE, None), (OFFICE, ("按时报送", "迟报")), (liaison, None)):
        whole = q.submission_status(path, user, p, now, statuses=statuses)
        assert len(whole) >= 3
        for offset, limit in _slices(len(whole)):
            page = q.submission_status(path, user, p, now, statuses=statuses, offset=offset, limit=limit)
            assert _rows(page) == _rows(whole.iloc[offset:offset + limit]), (user.role, statuses, offset)
    chase = q.chase_list(path, OFFICE, p, datetime(2026, 10, 20, 9, 0, tzinfo=TZ), limit=1)
    assert chase["status"].tolist() == ["未到期"] and chase["liaison"].tolist() == ["赵联络"]


def test_a_ledger_page_is_that_slice_of_the_whole_ledger_and_the_counts_add_up(fx):
    """任务台账 cuts a page from the measure × unit keys (by status when one is chosen) and
    reads names and progress for that page only: the same rows as the whole ledger's slice."""
    path, p = fx["path"], fx["period"]
    owing = [("001:m2", "teda.zwfw", "responsible"), ("001:m2", "hexi.zwfw", "responsible")]  # no progress: 未报
    with store.write(path) as con:
        con.executemany("insert into measure_unit values (?, ?, ?)", owing)
    try:
        _ledger_pages_match(path, p)
    finally:
        with store.write(path) as con:
            con.executemany("delete from measure_unit where measure_key = ? and unit = ? and role = ?", owing)


def _ledger_pages_match(path, p) -> None:
    assert len(q.task_ledger(path, OFFICE, p, status="未报")) == 2
    for everyone in (True, False):
        counts = q.task_ledger_counts(path, OFFICE, p, everyone=everyone)
        for status in (None, "滞后", "推进中", "未报"):
            whole = q.task_ledger(path, OFFICE, p, status=status, everyone=everyone)
            n = int(counts["n"].sum()) if status is None else int(counts.loc[counts["status"] == status, "n"].sum())
            assert len(whole) == n, (status, everyone)
            for offset, limit in _slices(max(len(whole), 1)):
                page = q.task_ledger(path, OFFICE, p, status=status, everyone=everyone, offset=offset, limit=limit)
                assert _rows(page) == _rows(whole.iloc[offset:offset + limit]), (status, everyone, offset)


def test_quality_pages_count_findings_including_rejected_returns(fx):
    top = q.quality_top(fx["path"], OFFICE, fx["period"], fx["period"])
    assert set(top["code"]) == {"VALUE_NOT_NUMBER", "CHANGE_OVER_50"}
    by_unit = q.quality_findings(fx["path"], OFFICE, fx["period"], fx["period"], unit="teda.zwfw")
    assert by_unit.iloc[0][["code", "example_cell"]].tolist() == ["VALUE_NOT_NUMBER", "E5"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_data_version_changes_when_a_return_lands_and_stale_stats_are_not_used(backend, tmp_path):
    fx = build_fixture_db(new_database(backend, tmp_path))
    with store.write(fx["path"]) as con:
        stats.refresh(con)
    before = q.data_version(fx["path"])
    with store.write(fx["path"]) as con:
        sid = add_submission(con, "teda.zwfw", "teda", fx["period"], 1, True, datetime(2026, 10, 30, 9, tzinfo=TZ),
                             workdays_late=4)
        con.execute("insert into observation values (?, 'teda.zwfw', 'teda', ?, 'ZW01', 90, null, 'E4', true, false)",
                    [sid, fx["period"]])
    assert q.data_version(fx["path"]) != before
    with store.read(fx["path"]) as con:
        assert not stats.is_fresh(con, fx["period"], fx["period"])
    card = q.unit_scorecard(fx["path"], OFFICE, "teda.zwfw", fx["period"]).set_index("code")
    assert card.loc["ZW01", "status"] == "未达标"  # judged live, not from the stale table
    k = q.overview_kpis(fx["path"], OFFICE, q.Filters(fx["period"]), fx["now"])
    assert k["late"] == 2 and k["missing"] == 0


def test_a_correction_after_the_deadline_leaves_the_month_on_time(tmp_path):
    """On time is decided by the month's first accepted version, on the overview as on 报送情况."""
    fx = build_fixture_db(tmp_path / "corrected.duckdb")
    month = q.Filters(fx["period"])
    before = q.overview_kpis(fx["path"], OFFICE, month, fx["now"])
    trend_before = q.overview_trend(fx["path"], OFFICE, month).set_index("period")
    with store.write(fx["path"]) as con:  # 和平区政务服务办 sends a third version on 5 November
        con.execute("update submission set is_current = false where unit = 'heping.zwfw' and period = ?",
                    [fx["period"]])
        add_submission(con, "heping.zwfw", "heping", fx["period"], 3, True, datetime(2026, 11, 5, 9, tzinfo=TZ),
                       workdays_late=7)
    after = q.overview_kpis(fx["path"], OFFICE, month, fx["now"])
    assert (after["on_time"], after["late"], after["submitted"]) == \
        (before["on_time"], before["late"], before["submitted"])
    trend = q.overview_trend(fx["path"], OFFICE, month).set_index("period")
    assert trend.loc[trend.index.max(), "on_time"] == trend_before.loc[trend_before.index.max(), "on_time"]
    status = q.submission_status(fx["path"], OFFICE, fx["period"], fx["now"]).set_index("unit")
    assert status.loc["heping.zwfw", "status"] == "按时报送" and status.loc["heping.zwfw", "corrections"] == 2


def test_filters_quarter_span_and_url_round_trip():
    f = q.Filters(date(2026, 8, 1), quarter="2026Q3", region="hexi")
    assert f.span() == (date(2026, 7, 1), date(2026, 9, 1))
    assert q.Filters.from_params(f.to_params(), date(2026, 1, 1)) == f
    assert q.Filters.from_params({"period": "garbage"}, date(2026, 1, 1)).period == date(2026, 1, 1)


def test_housekeeping_lists_for_the_filters(fx):
    assert q.periods(fx["path"]) == [date(2026, 10, 1), date(2026, 9, 1), date(2026, 8, 1)]
    assert list(q.regions(fx["path"])["id"])[:2] == ["tianjin", "heping"]
    assert set(q.units(fx["path"], "hexi")["id"]) == {"hexi.zwfw", "hexi.fgw"}


def test_excel_export_has_chinese_headers_and_no_list_columns(fx):
    card = q.unit_scorecard(fx["path"], OFFICE, fx["miss_unit"], fx["period"])
    ws = openpyxl.load_workbook(io.BytesIO(export.to_excel_bytes(card, "单位指标"))).active
    headers = [c.value for c in ws[1]]
    assert ws.title == "单位指标"
    assert {"指标名称", "状态", "原因", "本月值", "目标"} <= set(headers)
    assert "spark" not in headers
    assert ws.cell(row=2, column=headers.index("原因") + 1).value == "政务服务满意度 92.0% 低于目标 ≥95.0%"


@pytest.mark.parametrize("value,uom,text", [
    (95, "%", "95.0%"), (18, "工作日", "18 个工作日"), (2.5, "工作日", "2.5 个工作日"),
    (1234.5, "万元", "1,234.5 万元"), (3, "件", "3 件"), (None, "%", "—"),
])
def test_numbers_read_the_same_in_python_and_in_sql(value, uom, text):
    import duckdb

    con = duckdb.connect()
    sql = con.execute(f"select {sql_value_text('v', 'u')} from (select ?::double v, ?::varchar u)",
                      [value, uom]).fetchone()[0]
    assert fmt_value(value, uom) == sql == text


@pytest.mark.parametrize("comparator,value,uom,text", [
    (">=", 95, "%", "≥95.0%"), ("<=", 3, "工作日", "≤3 个工作日"), ("city_avg", 0, "%", "不低于全市平均"),
    ("growth", 15, "人", "较基期增长≥15.0%"),
])
def test_targets_read_the_same_in_python_and_in_sql(comparator, value, uom, text):
    import duckdb

    con = duckdb.connect()
    sql = con.execute(f"select {sql_target_text('c', 't', 'u')} from (select ?::varchar c, ?::double t, ?::varchar u)",
                      [comparator, value, uom]).fetchone()[0]
    assert fmt_target(comparator, value, uom) == sql == text


def test_page_data_taken_at_the_start_of_the_day_is_the_data_of_every_minute_of_that_day(fx):
    """Pages key their cached data by the day (``today_start``), not the minute: around the
    deadline (25 Oct 23:59:59) the statuses, flags and days left must be those of the minute."""
    from dashboard import flags

    period = fx["period"]
    for minute in (datetime(2026, 10, 25, 9, 30, tzinfo=TZ), datetime(2026, 10, 25, 23, 59, tzinfo=TZ),
                   datetime(2026, 10, 26, 0, 0, tzinfo=TZ), datetime(2026, 10, 26, 0, 1, tzinfo=TZ),
                   datetime(2026, 10, 29, 17, 45, tzinfo=TZ)):
        day = q.today_start(minute)
        assert day.date() == minute.date() and day <= minute
        assert q.overview_kpis(fx["path"], OFFICE, q.Filters(period), day) == \
            q.overview_kpis(fx["path"], OFFICE, q.Filters(period), minute)
        for fn in (lambda now: q.submission_status(fx["path"], OFFICE, period, now),
                   lambda now: flags.red_flags(fx["path"], OFFICE, period, now),
                   lambda now: q.units_most_behind(fx["path"], OFFICE, q.Filters(period), now)):
            pd.testing.assert_frame_equal(fn(day), fn(minute))
        assert (q.due_at(period) - day).days == (q.due_at(period) - minute).days  # 距截止 on 报送情况
    before = q.submission_status(fx["path"], OFFICE, period, datetime(2026, 10, 25, 23, 59, tzinfo=TZ))
    after = q.submission_status(fx["path"], OFFICE, period, datetime(2026, 10, 26, 0, 0, tzinfo=TZ))
    assert "未到期" in set(before["status"]) and "未到期" not in set(after["status"])  # the day matters
