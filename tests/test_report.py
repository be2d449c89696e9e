"""The 营商环境专报 and the quarterly assessment report, read back as the leading group reads them."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from docx import Document
from fixtures_report import (
    ACTIVITY,
    FIELD_TEXT,
    LONG_INNOVATION,
    NOT_CURRENT,
    NOW,
    OCT,
    OFFICE,
    build_report_db,
)

from dashboard import queries as q
from dashboard import report

ROOT = Path(__file__).resolve().parents[1]
DEC = datetime(2026, 12, 3, 9, 0, tzinfo=NOW.tzinfo)


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_report_db(tmp_path_factory.mktemp("report") / "report.duckdb")


def _open(body: bytes) -> Document:
    return Document(io.BytesIO(body))


def _texts(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _all_text(doc: Document) -> str:
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(_texts(doc) + cells)


def _table_with(doc: Document, header: str):
    return next(t for t in doc.tables if header in [c.text for c in t.rows[0].cells])


def _rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[1:]]


@pytest.fixture(scope="module")
def october(fx: dict) -> Document:
    return _open(report.build(fx["path"], OFFICE, report.Edition.parse("2026-10"), NOW))


def test_monthly_report_has_its_masthead_and_every_section_in_order(october):
    texts = _texts(october)
    assert texts[0] == "营商环境专报"
    assert "2026年第10期" in texts
    assert any(t.startswith("天津市优化营商环境工作领导小组办公室") and t.endswith("2026年10月29日")
               for t in texts)
    heads = [t for t in texts if t[:2] in {f"{d}、" for d in "一二三四五六七八九"}]
    expected = ["一、总体情况", "二、报送情况", "三、红灯预警", "四、区域对比", "五、任务推进", "六、工作信息"]
    # typical cases and 督办 follow once the office's modules (issues 14, 15) are in the build
    if report._has("office.cases"):
        expected.append("七、典型案例")
    if report._has("office.supervision"):
        expected.append(f"{'八' if report._has('office.cases') else '七'}、督办情况")
    assert heads == expected


def test_headline_figures_are_the_dashboards_with_the_change_from_last_month(fx, october):
    now = q.overview_kpis(fx["path"], OFFICE, q.Filters(fx["period"]), NOW)
    before = q.overview_kpis(fx["path"], OFFICE, q.Filters(fx["periods"][1]), NOW)
    rows = {r[0]: r[1:] for r in _rows(_table_with(october, "本月"))}
    assert rows["按时报送率"][:2] == [f"{now['on_time_rate']:.1f}%", f"{before['on_time_rate']:.1f}%"]
    assert rows["指标达标率"][:2] == [f"{now['attainment_rate']:.1f}%", f"{before['attainment_rate']:.1f}%"]
    assert rows["未关闭红灯"][:2] == [f"{now['open_flags']}项", f"{before['open_flags']}项"]
    drop = now["on_time_rate"] - before["on_time_rate"]
    assert drop < 0 and rows["按时报送率"][2] == f"较上月下降{abs(drop):.1f}个百分点"


def test_late_and_missing_units_are_named(october):
    text = _all_text(october)
    assert "迟报单位：南开区政务服务办（迟3天）" in text
    assert "逾期未报单位：经开区政务服务办" in text


def test_red_flags_are_listed_by_unit_with_their_reasons(fx, october):
    flags = q.red_flags(fx["path"], OFFICE, fx["period"], NOW)
    rows = _rows(_table_with(october, "原因"))
    assert len(rows) == len(flags)
    assert sorted(map(tuple, rows)) == sorted(zip(flags["unit_name"], flags["flag"], flags["reason"]))
    units = [r[0] for r in rows]
    assert units == sorted(units, key=units.index)          # each unit's flags together
    assert any(r[:2] == ["河西区政务服务办", "连续三个月未达标"] for r in rows)


def test_region_comparison_has_a_chart_and_the_ranking_table(fx, october):
    ranking = q.region_ranking(fx["path"], fx["period"])
    table = _table_with(october, "达标率（%）")
    rate = [c.text for c in table.rows[0].cells].index("达标率（%）")  # after 类别 when zones are grouped
    rows = _rows(table)
    assert [r[1] for r in rows] == ranking["region_name"].tolist()
    assert [r[0] for r in rows] == [str(x) for x in ranking["rank"]]
    assert rows[0][rate] == f"{ranking.iloc[0]['attainment_rate']:.1f}"
    assert len(october.inline_shapes) == 2                   # trend + region ranking
    captions = [t for t in _texts(october) if t.startswith("图")]
    assert captions == ["图1　近期报送与达标走势", "图2　各区域共性指标达标率（红色为低于平均）"]


def test_a_report_over_more_units_than_a_page_holds_lists_the_first_and_says_how_many_are_left(fx, monkeypatch):
    """A province's or the country's 专报 (20 k regions, 100 k lagging tasks) never finished: long
    lists are cut, here with caps of one or two rows so the fixture city is "large"."""
    monkeypatch.setattr(report, "NAMED_UNITS", 1)
    monkeypatch.setattr(report, "TABLE_ROWS", 2)
    monkeypatch.setattr(report, "CHART_REGIONS", 2)
    doc = _open(report.build(fx["path"], OFFICE, report.Edition.parse("2026-10"), NOW))
    text = _all_text(doc)
    ranking = q.region_ranking(fx["path"], fx["period"])
    rated = ranking[ranking["attainment_rate"].notna()]
    rows = _rows(_table_with(doc, "达标率（%）"))
    assert [r[1] for r in rows] == [rated.iloc[0]["region_name"], rated.iloc[-1]["region_name"]]
    assert (f"注：共{len(ranking)}个区域，表中列出排名前1个和后1个，其余{len(ranking) - 2}个可在系统“区域对比”页查看。"
            in text)
    assert "共性指标达标率排名前1和后1的区域（%）" not in text  # the chart's title is in the picture


def test_a_month_with_thousands_of_late_units_names_the_first_and_counts_the_rest():
    """The names come from a capped query, the counts from SQL: the sentence says both."""
    named = pd.DataFrame([
        {"period": OCT, "status": "迟报", "unit_name": "甲局", "days_late": 2.0},
        {"period": OCT, "status": "迟报", "unit_name": "乙局", "days_late": 1.0},
        {"period": OCT, "status": "逾期未报", "unit_name": "丙局", "days_late": None},
    ])
    status = pd.DataFrame([{"period": OCT, "按时报送": 9000, "迟报": 1200, "逾期未报": 1, "未到期": 0,
                            "expected": 10201}])
    data = SimpleNamespace(status=status, named=named, edition=report.Edition.parse("2026-10"))
    doc = report.word.new_document("营商环境专报", issuer="办公室", date_line="2026年11月1日", number="1")
    report.section_reporting(doc, data, "二、报送情况")
    assert _texts(doc)[-1] == ("应报单位10201个，按时报送9000个，迟报1200个，逾期未报1个。"
                               "迟报单位：甲局（迟2天）、乙局（迟1天）等1200个单位。逾期未报单位：丙局。"
                               "完整名单可在系统“报送情况”页查看。")


def test_lagging_task_is_named_with_its_unit_and_problem(october):
    rows = _rows(_table_with(october, "存在问题"))
    assert rows == [["营商环境攻坚行动方案（一）压缩企业开办时间", "河西区发展改革委", "30%", "资金未到位"]]


def test_work_information_is_quoted_with_the_units_name_trimmed_and_never_invented(october):
    texts = _texts(october)
    counts = _rows(_table_with(october, "走访企业数"))
    assert counts == [["和平区", "1", "12", "5", "4", "80.0%"],
                      ["河西区", "1", "3", "2", "2", "100.0%"]]
    assert "2个单位报送了工作信息，共走访企业15家，收集企业问题7件，已解决6件，解决率85.7%。" in texts
    innovation = next(t for t in texts if t.startswith("和平区政务服务办：推行"))
    assert innovation.endswith("……") and len(innovation) < len(LONG_INNOVATION)
    assert innovation[len("和平区政务服务办："):-2] in LONG_INNOVATION
    assert "河西区发展改革委：" + " ".join(ACTIVITY.split()) in texts
    assert "国内外先进做法/典型案例线索" in "".join(texts)
    after_practices = texts[texts.index("（四）国内外先进做法/典型案例线索") + 1]
    assert after_practices == "本期各单位未报送相关情况。"        # "无" is not quoted
    assert NOT_CURRENT not in _all_text(october)                 # a replaced version is not read
    assert "99" not in [r[2] for r in counts]


def test_text_from_a_return_stays_text_in_the_document(october):
    body = october.element.body.xml
    assert "instrText" not in body and "fldChar" not in body and "fldSimple" not in body
    quoted = "和平区政务服务办：" + FIELD_TEXT.replace("\x07", "")
    assert quoted in _texts(october)


def test_a_month_without_returns_yields_a_short_document_that_says_so(fx):
    doc = _open(report.build(fx["path"], OFFICE, report.Edition.parse("2026-11"), DEC))
    texts = [t for t in _texts(doc) if t.strip()]
    assert len(texts) <= 6 and not doc.tables and not doc.inline_shapes
    body = "".join(texts)
    assert "尚未收到任何单位报送的月报" in body
    assert "应报月报5份" in body and "已过报送截止时间（2026年11月25日）" in body


def test_a_database_with_only_the_catalog_gives_the_short_document(db_path):
    from rules.stats import ensure_catalog

    ensure_catalog(db_path)
    doc = _open(report.build(db_path, OFFICE, report.Edition.parse("2026-10"), NOW))
    assert "尚未收到任何单位报送的月报" in "".join(_texts(doc))


def test_quarterly_edition_spans_the_quarter_and_adds_the_assessment(fx):
    scores = pd.DataFrame({"rank": [1, 2], "unit_name": ["和平区政务服务办", "河西区政务服务办"],
                           "region_name": ["和平区", "河西区"], "score": [96.5, 71.25],
                           "reasons": ["—", "政务服务满意度连续三个月未达标（-12.0分）"]})
    edition = report.Edition.parse(quarter="2026Q4")
    assert edition.months[0].month == 10 and edition.months[-1].month == 12
    doc = _open(report.build(fx["path"], OFFICE, edition, DEC, office={"assessment": scores}))
    texts = _texts(doc)
    assert texts[0] == "营商环境季度考核报告"
    assert "二、季度考核结果" in texts
    rows = _rows(_table_with(doc, "主要原因"))
    assert rows == [["1", "和平区政务服务办", "和平区", "96.5", "—"],
                    ["2", "河西区政务服务办", "河西区", "71.2", "政务服务满意度连续三个月未达标（-12.0分）"]]
    # reporting status month by month: November and December are missing for every unit
    assert any(t.startswith("11月：应报单位5个，按时报送0个") for t in texts)
    # regions are compared on October, the quarter's latest month with returns
    assert any(t.startswith("从共性指标看（10月数据），3个区域中和平区达标率最高") for t in texts)


def test_quarter_work_information_names_the_month(fx):
    doc = _open(report.build(fx["path"], OFFICE, report.Edition.parse(quarter="2026Q3"), NOW))
    assert "南开区政务服务办（9月）：借鉴上海“一网通办”经验" in _texts(doc)


def test_typical_cases_and_supervision_appear_when_the_office_has_records(fx):
    cases = pd.DataFrame({"unit_name": ["和平区政务服务办"], "title": ["企业开办“一日办结”"],
                          "effect": ["开办时间由3个工作日压缩至1.5个工作日"]})
    items = pd.DataFrame({"number": ["督〔2026〕3号", "督〔2026〕4号"],
                          "problem": ["政务服务满意度连续三个月未达标", "网上办件占比低于全市平均"],
                          "units": ["河西区政务服务办", "南开区政务服务办"],
                          "status": ["整改中", "已销号"],
                          "due_on": [pd.Timestamp("2026-11-20"), pd.Timestamp("2026-11-10")]})
    doc = _open(report.build(fx["path"], OFFICE, report.Edition.parse("2026-10"), NOW,
                             office={"cases": cases, "supervision": items}))
    texts = _texts(doc)
    assert "七、典型案例" in texts and "八、督办情况" in texts
    assert "和平区政务服务办：“企业开办“一日办结””，开办时间由3个工作日压缩至1.5个工作日。" in texts
    assert "督办事项共2件，其中整改中1件、已销号1件。" in texts
    assert _rows(_table_with(doc, "办理时限")) == [
        ["督〔2026〕3号", "政务服务满意度连续三个月未达标", "河西区政务服务办", "整改中", "2026年11月20日"]]


def test_region_edition_keeps_to_that_regions_units(fx):
    doc = _open(report.build(fx["path"], OFFICE, report.Edition.parse("2026-10", region="hexi"), NOW))
    assert "河西区2026年10月营商环境工作情况" in _texts(doc)
    assert any(t.startswith("河西区优化营商环境工作领导小组办公室") for t in _texts(doc))
    flag_units = {r[0] for r in _rows(_table_with(doc, "原因"))}
    assert flag_units == {"河西区政务服务办", "河西区发展改革委"}
    assert "和平区政务服务办：" not in "".join(_texts(doc))


@pytest.mark.parametrize("period, quarter, message", [
    ("2026-13", None, "月份格式应为 2026-11"),
    (None, "2026Q5", "季度格式应为 2026Q3"),
    (None, None, "请给出 --period"),
])
def test_a_bad_period_is_refused_in_chinese(period, quarter, message):
    with pytest.raises(report.ReportError, match=message):
        report.Edition.parse(period, quarter)


def test_an_unknown_region_is_refused_in_chinese(fx):
    with pytest.raises(report.ReportError, match="区域“nowhere”不存在"):
        report.build(fx["path"], OFFICE, report.Edition.parse("2026-10", region="nowhere"), NOW)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", "report", *args], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_writes_the_monthly_report(fx, tmp_path):
    out = tmp_path / "专报.docx"
    done = _cli("--period", "2026-10", "--db", str(fx["path"]), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "已生成天津市2026年10月营商环境专报" in done.stdout
    doc = Document(str(out))
    assert "三、红灯预警" in _texts(doc) and len(doc.inline_shapes) == 2


def test_cli_refuses_a_bad_quarter_and_a_missing_database(fx, tmp_path):
    bad = _cli("--quarter", "2026Q7", "--db", str(fx["path"]), "--out", str(tmp_path / "x.docx"))
    assert bad.returncode == 2 and "季度格式应为 2026Q3" in bad.stderr
    gone = _cli("--period", "2026-10", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "y.docx"))
    assert gone.returncode == 2 and "不存在" in gone.stderr
    assert not (tmp_path / "x.docx").exists() and not (tmp_path / "y.docx").exists()


@pytest.mark.parametrize("now, before, kwargs, expected", [
    (86.7, 83.3, {}, "较上月上升3.4个百分点"),
    (80.0, 80.02, {}, "与上月持平"),
    (None, 80.0, {"than": "上季度"}, "上季度无可比数据"),
    (59, 65, {"unit": "项", "more": "增加", "less": "减少"}, "较上月减少6项"),
])
def test_the_change_from_last_month_is_worded_like_a_briefing(now, before, kwargs, expected):
    assert report.change_text(now, before, **kwargs) == expected


@pytest.mark.parametrize("text, expected", [
    ("  走访\n企业   5家 ", "走访 企业 5家"),
    ("无", ""), ("暂无", ""), (None, ""), (float("nan"), ""),
    ("甲" * 200, "甲" * 159 + "……"),
])
def test_a_liaisons_text_is_trimmed_and_nothing_answers_are_dropped(text, expected):
    from dashboard import work_info

    assert work_info.quotable(text) == expected


def test_region_totals_add_up_units_and_give_the_solve_rate():
    from dashboard import work_info

    totals = pd.DataFrame({"unit": ["a", "b", "c"], "unit_name": ["甲", "乙", "丙"],
                           "region_name": ["和平区", "和平区", "河西区"], "visits": [3, 4, 9],
                           "issues_collected": [2, 2, 0], "issues_solved": [1, 2, 0]})
    out = work_info.region_totals(totals)
    assert out.to_dict("records") == [
        {"region_name": "河西区", "units": 1, "visits": 9, "issues_collected": 0, "issues_solved": 0,
         "solve_rate": "—"},
        {"region_name": "和平区", "units": 2, "visits": 7, "issues_collected": 4, "issues_solved": 3,
         "solve_rate": "75.0%"}]


def test_ranking_bars_keep_the_ranking_order_among_equal_values():
    from dashboard import report_charts

    drawn = report_charts.bottom_up([("北辰区", 100.0), ("宁河区", 100.0), ("东丽区", 71.4)])
    assert [name for name, _ in reversed(drawn)] == ["北辰区", "宁河区", "东丽区"]   # top to bottom


def test_charts_are_pngs_drawn_with_a_cjk_font():
    from PIL import Image

    from dashboard import report_charts

    png = report_charts.ranking_bar(["甲区", "乙区"], [100.0, 100.0], "达标率")
    assert Image.open(io.BytesIO(png)).format == "PNG"
    assert report_charts.cjk_font() is not None, "缺少中文字体：scripts/test.sh 会安装 fonts-noto-cjk"


def test_hostile_or_broken_text_in_returns_never_breaks_the_report(tmp_path):
    import store

    fx = build_report_db(tmp_path / "hostile.duckdb")
    sid = fx["submission_ids"]["hexi.zwfw@2026-10"]
    dde = "=cmd|' /C calc'!A0"
    with store.write(fx["path"]) as con:
        con.executemany("insert into work_info values (?, 'hexi.zwfw', ?, ?, ?, ?, true)", [
            (sid, fx["period"], "innovation", None, "\x00\x01\x02"),          # nothing but control chars
            (sid, fx["period"], "publicity", None, dde),
            (sid, fx["period"], "activities", None, "😀 表情与\u200b零宽字符"),
            (sid, fx["period"], "visits", None, None),                          # a count left empty
        ])
        # a unit whose region is missing from the catalog mirror
        con.execute("update unit set region = 'gone' where id = 'hexi.fgw'")
    doc = _open(report.build(fx["path"], OFFICE, report.Edition.parse("2026-10"), NOW))
    texts = _texts(doc)
    assert "河西区政务服务办：" + dde in texts
    assert "河西区政务服务办：😀 表情与\u200b零宽字符" in texts
    assert not any(t.startswith("河西区政务服务办：") and not t[len("河西区政务服务办："):] for t in texts)
    assert "instrText" not in doc.element.body.xml
    regions = [r[0] for r in _rows(_table_with(doc, "走访企业数"))]
    assert "—" in regions                                                  # the unit without a region


def test_the_same_words_from_several_units_are_printed_once_with_every_name():
    from dashboard import work_info

    rows = pd.DataFrame({"unit": ["a", "b", "c"], "unit_name": ["甲局", "乙局", "丙局"],
                         "period": [NOW.date()] * 3, "text": ["开展政策宣讲", "召开座谈会", "开展政策宣讲"]})
    out = work_info.same_text_together(rows)
    assert out[["unit_names", "text"]].values.tolist() == [["甲局、丙局", "开展政策宣讲"],
                                                          ["乙局", "召开座谈会"]]


def test_a_quarter_quotes_each_units_latest_month_and_lists_flags_as_they_stand_at_its_end(fx):
    import store

    aug, sep = fx["submission_ids"]["hexi.fgw@2026-08"], fx["submission_ids"]["hexi.fgw@2026-09"]
    with store.write(fx["path"]) as con:
        con.executemany("insert into work_info values (?, 'hexi.fgw', ?, 'activities', null, ?, true)",
                        [(aug, fx["periods"][2], "八月的活动"), (sep, fx["periods"][1], "九月的活动")])
    try:
        doc = _open(report.build(fx["path"], OFFICE, report.Edition.parse(quarter="2026Q4"), DEC))
        q3 = _open(report.build(fx["path"], OFFICE, report.Edition.parse(quarter="2026Q3"), NOW))
    finally:
        with store.write(fx["path"]) as con:
            con.execute("delete from work_info where value_text in ('八月的活动', '九月的活动')")
    texts = _texts(q3)
    assert "河西区发展改革委（9月）：九月的活动" in texts
    assert not any("八月的活动" in t for t in texts)
    flags = q.red_flags(fx["path"], OFFICE, fx["period"], NOW)
    assert len(_rows(_table_with(doc, "原因"))) == len(flags)      # October's flags, once
    assert any(t.startswith(f"截至10月共有红灯预警{len(flags)}项") for t in _texts(doc))


def test_a_region_without_common_indicators_is_shown_as_dash_and_not_named_lowest():
    from types import SimpleNamespace

    from dashboard import word

    ranking = pd.DataFrame({
        "rank": [1, 2, 3], "region_name": ["和平区", "河西区", "东丽区"], "reported": [4, 5, 0],
        "met": [4, 3, 0], "attainment_rate": [100.0, 60.0, float("nan")], "above_avg": [2, 1, 0]})
    data = SimpleNamespace(ranking=ranking, latest=None,
                           edition=SimpleNamespace(quarter=None, period=datetime(2026, 10, 1).date()))
    doc = word.new_document("测试")
    report.section_regions(doc, data, "四、区域对比")
    texts = _texts(doc)
    assert "从共性指标看，2个区域中和平区达标率最高（100.0%），河西区最低（60.0%）；另有1个区域本期没有可评判的共性指标。" in texts
    rows = _rows(_table_with(doc, "达标率（%）"))
    assert [r[-2] for r in rows] == ["100.0", "60.0", "—"]
