"""The unit page shows quarterly and yearly targets as progress bars with the schedule's line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import charts
from dashboard import queries as q
from tests.fixtures_auth import office_session
from tests.fixtures_dashboard import OFFICE
from tests.fixtures_period import build_period_db

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def period_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import rules.stats

    path = build_period_db(tmp_path / "p.duckdb", refresh=True)
    monkeypatch.setenv("YINGSHANG_DB", str(path))
    monkeypatch.setattr(rules.stats, "ensure_catalog", lambda *a, **k: False)  # keep the fixture's catalog
    return path


def test_progress_chart_shows_the_share_of_target_and_the_expected_line(period_db: Path) -> None:
    card = q.unit_scorecard(period_db, OFFICE, "teda.rsj", date(2026, 7, 1))
    fig = charts.progress_chart(card)
    bars, line = fig.data
    assert bars.name == "当前完成" and line.name == "按进度应达"
    by_name = dict(zip(bars.y, bars.x))
    assert by_name["解决区内企业用工"] == pytest.approx(14334 / 20000 * 100)
    assert dict(zip(line.y, line.x))["解决区内企业用工"] == pytest.approx(7 / 12 * 100)
    assert fig.layout.title.text == "季度、年度指标进度"


def test_progress_chart_is_empty_when_every_period_has_ended(period_db: Path) -> None:
    card = q.unit_scorecard(period_db, OFFICE, "teda.rsj", date(2026, 12, 1))
    assert not card["status"].isin(charts.PROGRESS_STATUSES).any()
    fig = charts.progress_chart(card)
    assert fig.layout.annotations[0].text == "暂无数据"


def test_unit_page_shows_progress_bars_for_yearly_targets_in_july(period_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    office_session(at)
    at.query_params["period"] = "2026-07"
    at.query_params["unit"] = "teda.rsj"
    at.run()
    at.switch_page("pages/unit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("竖线为按进度应达到的位置" in c.value for c in at.caption)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    progress = [s for s in specs if s["layout"]["title"]["text"] == "季度、年度指标进度"]
    assert len(progress) == 1
    assert [t["name"] for t in progress[0]["data"]] == ["当前完成", "按进度应达"]
    card = next(d.value for d in at.dataframe if "指标名称" in d.value.columns)
    statuses = dict(zip(card["指标名称"], card["状态"]))
    assert statuses == {"解决区内企业用工": "进度正常", "企业留才率": "进度滞后"}
    assert "进度滞后 1 项" in [f"{m.label} {m.value}" for m in at.metric]


def test_indicator_page_explains_how_it_is_judged_and_the_rules_offices_ask_about(period_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    office_session(at)
    at.query_params["indicator"] = "JOBS"
    at.query_params["period"] = "2026-07"
    at.run()
    at.switch_page("pages/indicator.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(m.value for m in at.markdown)
    assert "**全年累计，年末评判（填本月数）**" in shown
    assert [e.label for e in at.expander if e.label == "评判规则说明"] == ["评判规则说明"]
    for rule in ("该月 1 日有效的目标", "从下一个月起适用", "截止日遇周末或节假日不顺延", "自然日和工作日",
                 "预警区间在达标一侧", "期末之前不会判为“未达标”"):
        assert rule in shown, rule


def test_readme_has_the_rules_section_the_page_help_repeats() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 评判规则", 1)[1].split("\n## ", 1)[0]
    for rule in ("该月 1 日有效的目标", "从下一个月起适用", "截止日遇周末或节假日不顺延", "自然日和工作日",
                 "预警区间在达标一侧", "期末之前不会判为“未达标”", "还需 X 才能达标"):
        assert rule in section, rule


def test_a_yearly_totals_target_is_not_drawn_as_a_line_over_one_months_figures(period_db: Path) -> None:
    detail = q.indicator_detail(period_db, "JOBS")
    values = q.indicator_values(period_db, OFFICE, "JOBS", date(2026, 7, 1))
    fig = charts.value_distribution(values, detail)
    # no 20,000 target line (a legend-named trace since the charts fix) over a month's 2,100
    assert [t.name for t in fig.data] == ["进度正常"]
    rate = charts.value_distribution(q.indicator_values(period_db, OFFICE, "RATE", date(2026, 7, 1)),
                                     q.indicator_detail(period_db, "RATE"))
    # a yearly mean's target still reads against the month
    assert [t.name for t in rate.data if t.name.startswith("目标")] and len(rate.data) >= 2
