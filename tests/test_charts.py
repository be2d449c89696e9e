"""Charts speak Chinese: titles, axes and hover text, numbers as officials read them."""

from __future__ import annotations

import re

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
        "submission_donut": charts.submission_donut(q.submission_status(db, OFFICE, p, now)),
        "region_heatmap": charts.region_heatmap(comparison),
        "region_rank_bar": charts.region_rank_bar(comparison, "ZW03"),
        "region_trend_chart": charts.region_trend_chart(q.region_trend(db, "ZW03", period=p),
                                                        q.indicator_detail(db, "ZW03")),
        "task_status_bar": charts.task_status_bar(q.task_ledger(db, OFFICE, p)),
        "findings_bar": charts.findings_bar(q.quality_top(db, OFFICE, p, p)),
        "flag_bar": charts.flag_bar(q.flag_counts(db, OFFICE, p, now)),
    }


NO_AXES = {"submission_donut"}


def test_every_chart_has_a_chinese_title_and_chinese_axes(figures):
    for name, fig in figures.items():
        assert HAN.search(fig.layout.title.text or ""), name
        assert fig.data, f"{name} has no data"
        if name not in NO_AXES:
            assert HAN.search(fig.layout.xaxis.title.text or ""), name
            assert HAN.search(fig.layout.yaxis.title.text or ""), name


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
    assert "河西区" in heat.y and "政务服务满意度" in heat.x
    row = list(heat.y).index("河西区")
    col = list(heat.x).index("政务服务满意度")
    assert heat.text[row][col] == "92.0%" and heat.z[row][col] == 0  # 0 = 未达标 colour


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
