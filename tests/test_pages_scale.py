"""Pages at national scale (issue 18): a table of tens of thousands of rows is shown a page at
a time, says how many rows are on other pages, and never hands Streamlit a Styler over its
limit (the 任务台账 of 18,000 units failed with "The dataframe has 900000 cells … Styler").

The big frames come from the page-data functions replaced here (the fixture database stays
small, so the tests stay fast); the pages run through app.py under AppTest as in test_pages.
"""

from __future__ import annotations

import sys
from datetime import date

import pandas as pd
import pytest

from dashboard import charts, ui
from tests.test_pages import fixture_db, fixture_file, frame_with, run_page, steady_state_navigation, texts  # noqa: F401

LEDGER_ROWS = 27_000  # × 10 columns shown = 270,000 cells, over Streamlit's 262,144 for a Styler
VALUE_ROWS = 17_606  # units reporting one indicator in the national synthetic database


def big_ledger(db, user, period, plan=None, unit=None, status=None, region=None, everyone=True,
               offset=0, limit=None) -> pd.DataFrame:
    """What ``queries.task_ledger`` returns for a national roster (measure × unit rows), one
    page cut as the SQL does; the calls are recorded: no call may read every row."""
    READS.append(limit)
    return _ledger().iloc[offset:None if limit is None else offset + limit].reset_index(drop=True)


def big_counts(db, user, period, plan=None, unit=None, status=None, region=None, everyone=True) -> pd.DataFrame:
    """``queries.task_ledger_counts`` of the same ledger."""
    df = _ledger()
    return (df.groupby(["plan", "plan_title", "status"], as_index=False).size().rename(columns={"size": "n"})
            .assign(outside=0))


READS: list[int | None] = []


def _ledger() -> pd.DataFrame:
    n = LEDGER_ROWS
    return pd.DataFrame({
        "measure_key": [f"p01:m{i % 200}" for i in range(n)], "plan": "p01", "plan_title": "样例行动方案",
        "number": [f"{i % 200}." for i in range(n)], "title": [f"样例措施{i:05d}" for i in range(n)],
        "unit": [f"r{i // 60:03d}.d{i % 60:02d}" for i in range(n)],
        "unit_name": [f"样例区{i // 60:03d}第{i % 60:02d}部门" for i in range(n)], "region_name": "样例区",
        "role": "责任", "status": ["滞后" if i % 10 == 0 else "推进中" for i in range(n)],
        "pct": [float(i % 100) for i in range(n)], "progress": "按计划推进", "problems": None, "next_steps": None,
        "on_roster": True,
    })


def big_values(db, user, code, period) -> pd.DataFrame:
    """What ``queries.indicator_values`` returns when every unit of the country reports ``code``."""
    n = VALUE_ROWS
    return pd.DataFrame({
        "unit": [f"r{i // 60:03d}.d{i % 60:02d}" for i in range(n)],
        "unit_name": [f"样例区{i // 60:03d}第{i % 60:02d}部门" for i in range(n)],
        "region": "heping", "region_name": "样例区", "region_kind": "district",
        "value": [90.0 + (i % 100) / 10 for i in range(n)],
        "value_text": [f"{90.0 + (i % 100) / 10:.1f}%" for i in range(n)], "reference": 95.0,
        "status": ["未达标" if i % 100 < 50 else "达标" for i in range(n)], "reason": "样例原因",
        "rank": list(range(1, n + 1)), "city_avg": None,
    })


def test_a_national_task_ledger_is_paged_and_says_how_many_rows_are_hidden(
    fixture_db: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import queries

    monkeypatch.setattr(queries, "task_ledger", big_ledger)
    monkeypatch.setattr(queries, "task_ledger_counts", big_counts)
    READS.clear()
    at = run_page("pages/tasks.py", period="2026-10")
    assert not at.exception, [e.value for e in at.exception]
    ledger = frame_with(at, "措施名称")
    assert len(ledger) == 100  # the first page, not 27,000 rows
    assert list(ledger["措施名称"][:2]) == ["样例措施00000", "样例措施00001"]
    said = texts(at)
    assert "共 27,000 行，本页显示第 1–100 行（第 1 / 270 页），其余 26,900 行未显示" in said
    assert "“下载 Excel”包含本页 100 行" in said
    assert READS and None not in READS  # one page at a time was read, never the whole ledger
    pager = at.number_input(key="pg_任务台账_2026-10_page")
    assert pager.label == "页码（共 270 页）"

    pager.set_value(270).run()  # the last page
    ledger = frame_with(at, "措施名称")
    assert list(ledger["措施名称"])[-1] == "样例措施26999" and len(ledger) == 100
    assert "本页显示第 26,901–27,000 行（第 270 / 270 页）" in texts(at)

    at.selectbox(key="pg_任务台账_2026-10_size").set_value(1000).run()  # bigger pages, back to the first
    assert len(frame_with(at, "措施名称")) == 1000
    assert "（第 1 / 27 页），其余 26,000 行未显示" in texts(at)
    assert not at.exception


def test_an_indicator_reported_by_every_unit_sums_its_chart_and_pages_its_table(
    fixture_db: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import queries

    monkeypatch.setattr(queries, "indicator_values", big_values)
    at = run_page("pages/indicator.py", period="2026-10", indicator="ZW02")
    assert not at.exception, [e.value for e in at.exception]
    said = texts(at)
    assert f"共 {VALUE_ROWS:,} 个单位报送该指标，图中按数值区间汇总" in said
    assert f"共 {VALUE_ROWS:,} 行，本页显示第 1–100 行（第 1 / 177 页）" in said
    assert len(frame_with(at, "排名")) == 100
    picker = at.selectbox(key="evidence_indicator")
    assert picker.label == "查看依据（本页所列单位）" and len(picker.options) == 100


def test_a_short_table_is_shown_whole_without_a_pager(fixture_db: dict) -> None:
    at = run_page("pages/tasks.py", period="2026-10")
    assert "本页显示" not in texts(at)
    assert not [n for n in at.number_input if n.key and n.key.startswith("pg_")]


def test_pages_stay_under_the_styler_limit_whatever_the_width() -> None:
    assert ui.page_sizes(10) == [100, 500, 1000]
    assert max(ui.page_sizes(300)) * 300 <= ui.STYLER_CELLS  # a very wide table gets smaller pages
    assert ui.page_span(27_000, 100, 999) == (26_900, 27_000, 270)  # a page past the end: the last one
    assert ui.page_span(0, 100, 1) == (0, 0, 1)


def test_the_value_chart_of_many_units_is_a_histogram_of_a_few_dozen_bars() -> None:
    values = big_values(None, None, "ZW02", date(2026, 10, 1))
    fig = charts.value_distribution(values, {"name": "网上办", "uom": "%", "comparator": ">=", "target": 95.0})
    bars = [t for t in fig.data if t.type == "bar"]
    assert {t.name for t in bars} == {"达标", "未达标"}
    assert sum(len(t.x) for t in bars) <= 80  # 40 value ranges per status, not 17,606 bars
    assert sum(sum(t.y) for t in bars) == VALUE_ROWS  # every unit counted once
    assert any(t.name == "目标 ≥95.0%" for t in fig.data)


def test_a_national_catalog_lists_units_one_region_at_a_time(fixture_db: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half a million units in one select box cost every page run seconds: without a region the
    unit list holds only 全部单位 (and a linked unit); choosing a region lists its units."""
    monkeypatch.setattr(ui, "UNITS_LISTED", 2)  # the fixture's few units count as "many"
    at = run_page("pages/overview.py", period="2026-10")
    box = at.sidebar.selectbox(key="f_unit")
    assert box.options == ["全部单位"] and "请先选择区域" in box.help
    at.sidebar.selectbox(key="f_region").set_value("hexi").run()
    listed = at.sidebar.selectbox(key="f_unit").options
    assert "河西区发展改革委" in listed and "经开区政务服务办" not in listed

    linked = run_page("pages/overview.py", period="2026-10", unit="hexi.fgw")
    assert linked.sidebar.selectbox(key="f_unit").value == "hexi.fgw"
    linked.sidebar.selectbox(key="f_period").set_value(date(2026, 9, 1)).run()
    assert linked.sidebar.selectbox(key="f_unit").value == "hexi.fgw"  # kept on the next click
    assert not linked.exception


def test_region_comparison_with_many_regions_counts_statuses_and_reads_one_indicator(
    fixture_db: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty thousand regions: the heatmap becomes counts per status, and the table of the
    chosen indicator holds the same rows as when every indicator is read at once."""
    small = run_page("pages/regions.py", period="2026-10")
    whole = frame_with(small, "与全市平均之差")
    monkeypatch.setattr(charts, "MAX_HEATMAP_REGIONS", 1)  # the fixture's few regions count as many
    at = run_page("pages/regions.py", period="2026-10")
    assert not at.exception, [e.value for e in at.exception]
    assert "逐区热力图无法辨认：图中每行一项共性指标，按状态汇总区域数" in texts(at)
    pd.testing.assert_frame_equal(frame_with(at, "与全市平均之差").reset_index(drop=True),
                                  whole.reset_index(drop=True))


def test_the_spread_of_many_regions_summed_in_sql_matches_the_one_drawn_from_every_line(fixture_db: dict) -> None:
    from dashboard import queries as q

    period = date(2026, 10, 1)
    trend = q.region_trend(fixture_db["path"], "ZW02", period=period)
    summary = q.region_trend_summary(fixture_db["path"], "ZW02", period=period)
    g = trend.groupby("period")["value"]
    assert list(summary["lo"]) == list(g.min()) and list(summary["hi"]) == list(g.max())
    assert list(summary["q1"].round(9)) == list(g.quantile(0.25).round(9))
    assert list(summary["city_avg"].round(9)) == list(trend.drop_duplicates("period")["city_avg"].round(9))
    fig = charts.region_trend_band(summary, {"name": "网上办", "uom": "%"})
    assert [t.name for t in fig.data if t.showlegend is not False][:2] == ["最低–最高", "中间一半区域（25%–75%）"]


def test_a_national_assessment_opens_on_one_regions_ranking(fixture_db: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranking every unit of the country takes long (bench/assess.py): with a national catalog
    the 季度考核 page opens on one region's ranking and says how to see all units."""
    monkeypatch.setattr(ui, "UNITS_LISTED", 2)
    at = run_page("pages/assessment.py")
    region = at.selectbox(key="assess_region")
    assert region.value == "heping"  # the first region with units of its own: not 全部单位, not the city
    assert "默认按区域排名" in texts(at)
    boards = [d.value for d in at.dataframe if "名次" in d.value.columns]
    assert all(b["区域"].nunique() <= 1 for b in boards)  # one region's units, or none on its roster
    first = boards[0].iloc[0]  # the unit's breakdown is ranked like the board beside it
    header = next(m for m in at.metric if m.label == "总分")
    assert header.delta == f"{first['区域']}内第 {first['名次']} 名"
    at = region.select_index(0).run()  # 全部单位 is still one choice away
    assert not at.exception and len(set(frame_with(at, "名次")["区域"])) > 1


WHOLE_UNIT_LISTS: list[None] = []


def units_counted(db, region=None) -> pd.DataFrame:
    """``queries.units``, recording each read of the whole list (no region)."""
    if region is None:
        WHOLE_UNIT_LISTS.append(region)
    return REAL_UNITS[0](db, region)


REAL_UNITS: list = []


def test_the_audit_log_names_the_units_it_mentions_without_reading_every_unit(
    fixture_db: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit page had read the names of every unit of the catalog (half a million at national
    scale, ~2 s) to show a few entries; it reads the names of the units its entries mention,
    including those inside a change (a liaison's unit, a grant to read another unit)."""
    from accounts import users
    from accounts.access import SYSTEM_USER
    from dashboard import queries

    users.add_user(SYSTEM_USER, "teda-liaison", "liaison", "teda-liaison-pass-2026", unit="teda.zwfw",
                   db=fixture_db["path"])
    users.grant_read(SYSTEM_USER, "teda-liaison", "unit", "hexi.fgw", db=fixture_db["path"])
    monkeypatch.setattr(ui, "UNITS_LISTED", 2)  # the fixture's few units count as "many"
    REAL_UNITS[:] = [queries.units]
    monkeypatch.setattr(queries, "units", units_counted)
    at = run_page()
    WHOLE_UNIT_LISTS.clear()
    at.switch_page("pages/audit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    log = frame_with(at, "变更后")
    shown = " ".join(log["变更后"]) + " " + " ".join(log["单位"])
    assert "经开区政务服务办" in shown and "河西区发展改革委" in shown
    assert "teda.zwfw" not in shown and "hexi.fgw" not in shown
    assert not WHOLE_UNIT_LISTS  # no page run read the names of every unit


STATUS_ROWS = 30_000  # one national month's units in a few hundred regions


def _status() -> pd.DataFrame:
    n = STATUS_ROWS
    kinds = ["逾期未报"] * 4_000 + ["迟报"] * 2_000 + ["未到期"] * 1_000 + ["按时报送"] * (n - 7_000)
    return pd.DataFrame({
        "unit": [f"r{i // 60:03d}.d{i % 60:02d}" for i in range(n)],
        "unit_name": [f"样例区{i // 60:03d}第{i % 60:02d}部门" for i in range(n)],
        "region": "heping", "region_name": "样例区", "liaison": "张联络", "phone": "13800000001",
        "status": kinds, "submission_id": None, "version": None, "received_at": None, "due_at": None,
        "days_late": None, "workdays_late": None, "first_attempt_at": None, "corrections": 0,
        "corrected_at": None, "correction_reason": None, "days_left": -12, "workdays_left": -8,
    })


def big_status(db, user, period, now, region=None, unit=None, statuses=None, offset=0, limit=None) -> pd.DataFrame:
    """``queries.submission_status`` of a national month, one page cut as the SQL does."""
    READS.append(limit)
    df = _status()
    df = df[df["status"].isin(statuses)] if statuses else df
    return df.iloc[offset:None if limit is None else offset + limit].reset_index(drop=True)


def big_chase(db, user, period, now, region=None, unit=None, offset=0, limit=None) -> pd.DataFrame:
    from dashboard import queries

    return big_status(db, user, period, now, region, unit, queries.CHASE_STATUSES, offset, limit)[
        queries.CHASE_COLUMNS]


def big_status_counts(db, user, period, now, region=None, unit=None) -> dict[str, int]:
    counts = _status()["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in ("按时报送", "迟报", "逾期未报", "未到期")}


def test_a_national_months_returns_are_counted_and_listed_a_page_at_a_time(
    fixture_db: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import queries

    monkeypatch.setattr(queries, "submission_status", big_status)
    monkeypatch.setattr(queries, "chase_list", big_chase)
    monkeypatch.setattr(queries, "submission_counts", big_status_counts)
    READS.clear()
    at = run_page("pages/submissions.py", period="2026-10")
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.metric][:4] == ["23,000 家", "2,000 家", "4,000 家", "1,000 家"]
    chase = frame_with(at, "截止情况")
    assert len(chase) == 100 and set(chase["状态"]) == {"逾期未报"}  # the most overdue first
    details = frame_with(at, "更正次数")
    assert len(details) == 100
    said = texts(at)
    assert "共 5,000 行，本页显示第 1–100 行（第 1 / 50 页），其余 4,900 行未显示" in said  # 催报: missing + not yet due
    assert "共 30,000 行，本页显示第 1–100 行（第 1 / 300 页），其余 29,900 行未显示" in said
    assert READS and None not in READS  # never the whole month at once

    at.number_input(key="pg_报送情况_2026-10_page").set_value(300).run()  # the details' last page
    assert list(frame_with(at, "更正次数")["责任单位"])[-1] == "样例区499第59部门"
    assert not at.exception


def test_a_new_data_version_drops_the_page_results_of_the_old_one(monkeypatch):
    """During an import peak every return gives a new data version; the results cached for the
    old one are never asked for again and must not pile up in the server's memory."""
    calls: list[str] = []

    def month_rows(db, month):  # a page-data function of a test module: ``ui.data`` calls it by name
        calls.append(month)
        return pd.DataFrame({"month": [month] * 3})

    monkeypatch.setattr(sys.modules[__name__], "month_rows", month_rows, raising=False)
    ver = {"now": "v1"}
    monkeypatch.setattr(ui, "version", lambda path=None: ver["now"])
    monkeypatch.setattr(ui, "db", lambda: "/nonexistent/national.duckdb")
    ui._clear_cache()

    assert ui.data(month_rows, "2026-10")["month"].tolist() == ["2026-10"] * 3
    ui.data(month_rows, "2026-10")
    assert calls == ["2026-10"], "one version: read once, then from the cache"
    ver["now"] = "v2"  # a return landed
    ui.data(month_rows, "2026-10")
    assert calls == ["2026-10", "2026-10"]
    ver["now"] = "v1"  # nothing asks for v1 again; were its entry kept, this would be a hit
    ui.data(month_rows, "2026-10")
    assert calls == ["2026-10"] * 3, "the superseded version's results were dropped"
