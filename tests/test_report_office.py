"""The office's records as the 专报 words them: cases of the period, open 督办, scores with reasons.

The frames have the columns of ``office.cases.listing`` and ``office.supervision.list_items``;
scores have the attributes of ``rules.assess.UnitScore``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from dashboard import report_office as ro

OCT = (date(2026, 10, 1), date(2026, 10, 1))
Q4 = (date(2026, 10, 1), date(2026, 12, 1))


def _cases() -> pd.DataFrame:
    return pd.DataFrame({
        "id": [1, 2, 3], "quarter": ["2026Q4", "2026Q4", "2026Q3"],
        "unit": ["heping.zwfw", "hexi.zwfw", "heping.zwfw"],
        "unit_name": ["和平区政务服务办", "河西区政务服务办", "和平区政务服务办"],
        "title": ["企业开办一日办结", "退回的案例", "上季度的案例"],
        "effect": ["开办时间压缩至1.5个工作日", "—", "—"],
        "status": ["approved", "returned", "approved"],
        "decided_at": [datetime(2026, 10, 20, 9), datetime(2026, 10, 21, 9), datetime(2026, 9, 20, 9)],
    })


def test_a_month_lists_the_cases_the_office_approved_that_month():
    out = ro.cases_frame(_cases(), OCT, None)
    assert out.to_dict("records") == [
        {"unit_name": "和平区政务服务办", "title": "企业开办一日办结", "effect": "开办时间压缩至1.5个工作日"}]


def test_a_quarter_lists_its_approved_cases_and_a_region_keeps_its_units():
    assert ro.cases_frame(_cases(), Q4, "2026Q4")["title"].tolist() == ["企业开办一日办结"]
    assert ro.cases_frame(_cases(), Q4, "2026Q4", units=["hexi.zwfw"]).empty


def _items() -> pd.DataFrame:
    return pd.DataFrame({
        "number": ["督〔2026〕1号", "督〔2026〕2号", "督〔2026〕3号", "督〔2026〕4号"],
        "problem": ["满意度连续三个月未达标", "九月已销号", "十月销号", "十一月才立项"],
        "lead": ["hexi.zwfw", "nankai.zwfw", "heping.zwfw", "hexi.zwfw"],
        "cooperating": [["hexi.fgw"], [], [], []],
        "units_text": ["河西区政务服务办（牵头）、河西区发展改革委（配合）", "南开区政务服务办（牵头）",
                       "和平区政务服务办（牵头）", "河西区政务服务办（牵头）"],
        "status": ["整改中", "已销号", "已销号", "待签收"],
        "opened_on": [date(2026, 9, 1), date(2026, 8, 1), date(2026, 9, 10), date(2026, 11, 2)],
        "closed_on": [None, date(2026, 9, 20), date(2026, 10, 15), None],
        "due_on": [date(2026, 10, 30), date(2026, 9, 25), date(2026, 10, 20), date(2026, 11, 30)],
    })


def test_the_month_shows_open_items_and_those_closed_in_it_not_later_ones():
    out = ro.supervision_frame(_items(), OCT)
    assert out["number"].tolist() == ["督〔2026〕1号", "督〔2026〕3号"]
    assert out.iloc[0]["units"] == "河西区政务服务办（牵头）、河西区发展改革委（配合）"


def test_a_region_keeps_items_its_units_lead_or_cooperate_on():
    assert ro.supervision_frame(_items(), OCT, units=["hexi.fgw"])["number"].tolist() == ["督〔2026〕1号"]


@dataclass
class _Component:
    id: str
    name: str
    points: float
    max: float


@dataclass
class _Score:
    unit: str
    unit_name: str
    region_name: str
    score: float
    rank: int | None
    components: dict
    deduction_items: list = field(default_factory=list)
    bonus_items: list = field(default_factory=list)


def test_scores_come_in_rank_order_with_the_points_lost_most_first():
    scores = [
        _Score("heping.zwfw", "和平区政务服务办", "和平区", 100.0, 1,
               {"indicators": _Component("indicators", "指标达标", 50, 50)},
               bonus_items=[{"title": "企业开办一日办结", "points": 2}]),
        _Score("hexi.zwfw", "河西区政务服务办", "河西区", 61.5, 2,
               {"indicators": _Component("indicators", "指标达标", 20, 50),
                "tasks": _Component("tasks", "任务进展", 27.5, 30)},
               deduction_items=[{"reason": "12345 投诉经核实", "points": 5}]),
        _Score("teda.zwfw", "经开区政务服务办", "经开区", 70.0, None, {}),
    ]
    out = ro.assessment_frame(scores)
    assert out["rank"].tolist() == ["1", "2", "—"]
    assert out.iloc[1]["reasons"] == ("指标达标得20.0分（满分50.0）；扣分：12345 投诉经核实（-5分）；"
                                      "任务进展得27.5分（满分30.0）")
    assert out.iloc[0]["reasons"] == "加分：企业开办一日办结（+2分）"
    assert out.iloc[2]["reasons"] == "各项均得满分"
    assert ro.assessment_frame(scores, units=["hexi.zwfw"])["unit_name"].tolist() == ["河西区政务服务办"]


def test_without_the_office_modules_the_report_leaves_their_sections_out(tmp_path, monkeypatch):
    """On a build without issues 14/15 merged; with them, the test below reads real records."""
    from fixtures_report import NOW, OFFICE, build_report_db

    from dashboard import report

    fx = build_report_db(tmp_path / "r.duckdb")
    monkeypatch.setattr(report, "_has", lambda module: False)
    recs = report.office_records(fx["path"], OFFICE, report.Edition.parse(quarter="2026Q4"), NOW)
    assert recs == {"cases": None, "supervision": None, "assessment": None}


def test_the_quarterly_report_reads_the_assessment_the_office_pages_show(tmp_path):
    import pytest

    assess = pytest.importorskip("rules.assess")
    pytest.importorskip("office.cases")
    pytest.importorskip("office.supervision")
    from fixtures_report import NOW, OFFICE, build_report_db

    import store
    from dashboard import report

    fx = build_report_db(tmp_path / "r.duckdb")
    edition = report.Edition.parse(quarter="2026Q4")
    recs = report.office_records(fx["path"], OFFICE, edition, NOW)
    with store.read(fx["path"]) as con:
        scores = assess.assess(con, assess.Quarter.parse("2026Q4"), now=NOW, items=False)
    assert recs["assessment"]["unit_name"].tolist() == [s.unit_name for s in scores]
    assert recs["assessment"]["score"].tolist() == [float(s.score) for s in scores]
    assert list(recs["cases"].columns) == ro.CASE_COLUMNS
    assert list(recs["supervision"].columns) == ro.SUPERVISION_COLUMNS
