"""Charts speak Chinese: titles, axes and hover text, numbers as officials read them."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from dashboard import charts
from dashboard import queries as q
from tests.fixtures_dashboard import OFFICE, build_fixture_db

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_fixture_db(tmp_path_factory.mktemp("charts") / "fx.duckdb")


@pytest.fixture(scope="module")
def figures(fx: dict) -> dict:
    db, p, now = fx["path"], fx["period"], fx["now"]
    f = q.Filters(p)
    comparison = q.region_comparison(db, p)
    return {
        "trend_chart": charts.trend_chart(q.overview_trend(db, OFFICE, f)),
        "behind_bar": charts.behind_bar(q.units_most_behind(db, OFFICE, f, now)),
        "scorecard_bar": charts.scorecard_bar(q.unit_scorecard(db, OFFICE, "hexi.zwfw", p)),
        "value_distribution": charts.value_distribution(q.indicator_values(db, OFFICE, "ZW01", p),
                                                        q.indicator_detail(db, "ZW01")),
        "target_history": charts.target_history(q.indicator_targets(db, "ZW02"), q.indicator_detail(db, "ZW02")),
        "submission_donut": charts.submission_donut(q.submission_counts(db, OFFICE, p, now)),
        "region_heatmap": charts.region_heatmap(comparison),
        "region_rank_bar": charts.region_rank_bar(comparison, "ZW03"),
        "region_trend_chart": charts.region_trend_chart(q.region_trend(db, "ZW03", period=p),
                                                        q.indicator_detail(db, "ZW03")),
        "task_status_bar": charts.task_status_bar(q.task_ledger(db, OFFICE, p)),
        "findings_bar": charts.findings_bar(q.quality_top(db, OFFICE, p, p)),
        "flag_bar": charts.flag_bar(q.flag_counts(db, OFFICE, p, now)),
    }


NO_AXES = {"submission_donut", "region_heatmap"}  # the heatmap's rows and columns name themselves


def test_every_chart_has_a_chinese_title_and_chinese_axes(figures):
    for name, fig in figures.items():
        assert HAN.search(fig.layout.title.text or ""), name
        assert fig.data, f"{name} has no data"
        if name not in NO_AXES:
            assert HAN.search(fig.layout.xaxis.title.text or ""), name
            assert HAN.search(charts.y_title(fig)), name


def test_hover_text_is_chinese_with_formatted_numbers(figures):
    fig = figures["value_distribution"]
    failed = next(t for t in fig.data if t.name == "未达标")
    assert "本月值" in failed.hovertemplate
    assert any("92.0%" in str(c) for c in failed.customdata[0])
    trend = figures["trend_chart"]
    assert "按时报送率" in trend.data[0].hovertemplate and "60.0%" in list(trend.data[0].customdata)


def test_heatmap_cells_show_the_values_and_colour_by_status(figures):
    fig = figures["region_heatmap"]
    heat = fig.data[0]
    rows = [y.replace("<br>", "") for y in heat.y]
    assert "河<br>西" in heat.x and "政务服务满意度（%）" in rows  # indicators down, regions across
    row = rows.index("政务服务满意度（%）")
    col = list(heat.x).index("河<br>西")
    assert heat.text[row][col] == "92.0" and heat.z[row][col] == 0  # 0 = 未达标 colour


def test_sparkline_leaves_gaps_for_months_not_reported(fx):
    card = q.unit_scorecard(fx["path"], OFFICE, "hexi.zwfw", fx["period"]).set_index("code")
    fig = charts.sparkline(card.loc["ZW01", "spark"], "%")
    assert list(fig.data[0].y)[-3:] == [91.0, 93.0, 92.0] and fig.data[0].y[0] is None
    assert fig.data[0].customdata[-1] == "92.0%"


@pytest.mark.parametrize("builder", [
    lambda: charts.trend_chart(pd.DataFrame(columns=["period", "on_time_rate", "attainment_rate"])),
    lambda: charts.flag_bar(pd.DataFrame(columns=["flag", "n"])),
    lambda: charts.region_heatmap(pd.DataFrame(columns=["region_name", "name", "status", "value_text"])),
])
def test_empty_data_gives_an_empty_chart_saying_no_data(builder):
    fig = builder()
    assert fig.layout.annotations[0].text == "暂无数据"
    assert HAN.search(fig.layout.title.text)


# --- issue 13: charts that read right ---------------------------------------------------------

MONTH_LABEL = re.compile(r"^(\d{4})年(\d{1,2})月$")


def _month_key(label: str) -> tuple[int, int]:
    m = MONTH_LABEL.match(label)
    return int(m.group(1)), int(m.group(2))


def _time_axis_order(fig) -> list:
    """The order in which a reader meets the months along the x axis of ``fig``."""
    axis = fig.layout.xaxis
    if axis.type == "date":
        return sorted({pd.Timestamp(x) for t in fig.data for x in list(t.x)})
    assert axis.categoryorder == "array", "a month axis must fix its category order"
    return list(axis.categoryarray)


def _a_trend_whose_first_region_starts_late() -> pd.DataFrame:
    """和平区 (plotted first) reports from January 2026 only; 河西区 already in December 2025 —
    the shape that put 2025年12月 after the 2026 months."""
    rows = [(date(2026, m, 1), "heping", "和平区", "district", "各区", 90 + m) for m in (1, 2, 3)]
    rows += [(d, "hexi", "河西区", "district", "各区", 80.0) for d in (date(2025, 12, 1), date(2026, 1, 1),
                                                                    date(2026, 3, 1))]
    rows += [(date(2025, 11, 1), "teda", "天津经济技术开发区", "zone", "功能区", 70.0)]
    df = pd.DataFrame(rows, columns=["period", "region", "region_name", "region_kind", "region_group", "value"])
    df["city_avg"] = df.groupby("period")["value"].transform("mean")
    df["avg_of"] = 2
    return df.sample(frac=1, random_state=3)  # rows in no particular order


def test_every_time_axis_of_the_charts_module_runs_in_calendar_order(figures, fx):
    card = q.unit_scorecard(fx["path"], OFFICE, "hexi.zwfw", fx["period"]).set_index("code")
    months = [pd.Timestamp(fx["period"]) - pd.DateOffset(months=11 - i) for i in range(12)]
    shuffled_targets = q.indicator_targets(fx["path"], "ZW02").iloc[::-1]
    time_axes = {
        "trend_chart": figures["trend_chart"],
        "trend_chart (rows reversed)": charts.trend_chart(
            q.overview_trend(fx["path"], OFFICE, q.Filters(fx["period"])).iloc[::-1]),
        "region_trend_chart": figures["region_trend_chart"],
        "region_trend_chart (first region starts late)": charts.region_trend_chart(
            _a_trend_whose_first_region_starts_late(), {"name": "网上办件占比", "uom": "%"}),
        "target_history": charts.target_history(shuffled_targets, q.indicator_detail(fx["path"], "ZW02")),
        "sparkline": charts.sparkline(card.loc["ZW01", "spark"], "%", periods=months, target=95.0),
    }
    for name, fig in time_axes.items():
        order = _time_axis_order(fig)
        assert len(order) >= 2, name
        keys = order if isinstance(order[0], pd.Timestamp) else [_month_key(x) for x in order]
        assert keys == sorted(keys), f"{name}: {order}"
        shown = {x for t in fig.data for x in list(t.x)}
        if fig.layout.xaxis.type != "date":
            assert shown <= set(order), f"{name}: months off the axis {shown - set(order)}"
    late = _time_axis_order(time_axes["region_trend_chart (first region starts late)"])
    assert late[:3] == ["2025年11月", "2025年12月", "2026年1月"]


def test_every_chart_built_from_months_is_one_of_the_checked_time_axes(figures):
    """A new chart with months on its x axis must fix their order as well."""
    for name, fig in figures.items():
        labels = [x for t in fig.data for x in (list(t.x) if getattr(t, "x", None) is not None else [])
                  if isinstance(x, str) and MONTH_LABEL.match(x)]
        if labels:
            assert fig.layout.xaxis.categoryorder == "array", name


def test_axis_titles_in_chinese_are_written_level_not_rotated(figures):
    for name, fig in figures.items():
        if name in NO_AXES:
            continue
        assert not (fig.layout.yaxis.title.text or ""), f"{name}: rotated y title"
        level = [a for a in fig.layout.annotations if a.name == "y_title"]
        assert level and (level[0].textangle in (None, 0)), name


def test_count_axes_step_by_whole_numbers(figures):
    for name, axis in (("scorecard_bar", "yaxis"), ("task_status_bar", "xaxis"), ("findings_bar", "xaxis"),
                       ("flag_bar", "xaxis")):
        ax = getattr(figures[name].layout, axis)
        assert ax.tickformat == ",d" and ax.dtick >= 1 and float(ax.dtick).is_integer(), name


def test_city_average_and_target_are_named_in_the_legend_not_written_on_the_bars(figures):
    for name in ("region_rank_bar", "value_distribution"):
        fig = figures[name]
        assert not [a for a in fig.layout.annotations if a.name != "y_title"], name
        lines = [t for t in fig.data if t.type == "scatter" and t.line.dash == "dash"]
        assert lines and ("全市平均" in lines[0].name or "目标" in lines[0].name), name
    rank = figures["region_rank_bar"]
    assert any("个区的平均" in t.name for t in rank.data if t.type == "scatter")


def test_the_heatmap_gives_every_region_a_readable_row_and_lists_zones_as_their_own_group(fx):
    fig = charts.region_heatmap(q.region_comparison(fx["path"], date(2026, 9, 1)))  # 经开区 reported in September
    rows, cols = list(fig.data[0].y), list(fig.data[0].x)
    assert fig.layout.height / len(rows) >= 40
    cols = [c.replace("<br>", "") for c in cols]
    assert cols[-1] == "经开区" and set(cols[:3]) == {"和平", "河西", "南开"}  # the zone after the districts
    assert [s.x0 for s in fig.layout.shapes] == [2.5]  # the line between districts and zones


def test_flag_labels_stay_inside_the_chart(figures):
    fig = figures["flag_bar"]
    assert fig.data[0].orientation == "h" and fig.layout.yaxis.automargin


def test_sparklines_share_a_scale_draw_the_target_and_are_not_all_red():
    up = charts.sparkline([95.1, 96.0, 100.0], "%", target=95.0, status="达标",
                          y_range=charts.spark_range("%", [95.1, 100.0]))
    assert list(up.layout.yaxis.range) == [0.0, 105.0]
    assert any(t.name == "目标" and list(t.y) == [95.0, 95.0] for t in up.data)
    assert up.data[0].line.color == "#1565c0" and up.data[0].marker.color[-1] != "#c62828"
    days = charts.spark_range("工作日", [2.5, 3.0], target=2.0)
    assert days[0] == 0.0 and days[1] > 3.0
