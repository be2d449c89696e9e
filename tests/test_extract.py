"""The plan-text extractor on small texts written here: numbering styles, unit clauses,
target phrases, Word/web noise, .docx input, the CLI, and nothing dropped silently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from indicators.extract import extract_text, parse_numbering, split_parts
from indicators.targetphrase import find_targets
from indicators.textnorm import cn_to_int, normalise_line, normalise_text
from indicators.unitclause import parse_unit_clause, split_unit_names

ROOT = Path(__file__).resolve().parents[1]

# A plan that numbers its measures （一）（二）… straight under 一、 sections.
PAREN_PLAN = """某区优化营商环境行动方案
一、总体要求
（一）指导思想
坚持问题导向。
（二）主要目标
到2026年营商环境明显改善。
二、提升政务服务
（一）压缩开办时间
企业开办时间压缩至1个工作日。（责任单位：市场监管局、税务局等）
（二）提升网办水平
网上办比例达到95%以上。（责任部门：政务服务办）
三、保障措施
（三）强化考核
将结果纳入季度考核。
"""

# A plan that uses （一） as group headings and numbers its measures 1. 2. inside them.
GROUPED_PLAN = """某区营商环境优化升级方案
一、实施三大工程
（一）政务环境工程
1.深化一件事改革。推出一批场景。（牵头单位：区政务服务办；责任单位：区发改委）
2.升级热线。诉求7个工作日内办结。（牵头部门：区网格中心；责任部门：区政务服务办）
（二）法治环境工程
3.规范行政检查。减少现场检查。（牵头单位：区司法局，配合单位：各区级行政执法部门）
"""


def measures(result: dict, kind: str = "measure") -> list[dict]:
    return [m for m in result["measures"] if m["kind"] == kind]


# --- normalise ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("（一）压缩至１２个工作日", "（一）压缩至12个工作日"),
        ("(一)提升网办比例达９５％", "（一）提升网办比例达95%"),
        ("1．设立企业", "1.设立企业"),
        ("（责任单位:市场监管局;税务局)", "（责任单位：市场监管局；税务局）"),
        ("[bookmark: _GoBack]二、主要任务", "二、主要任务"),
        ("市 场 监 管 局 负责 1 0 0 % 办结", "市场监管局负责100%办结"),
        ("- 2 -", ""),
        ("— 12 —", ""),
        ("6、 持续深化开放创新", "六、持续深化开放创新"),
        ("6、完善退出机制。推行简易注销。", "6、完善退出机制。推行简易注销。"),
        ("目录,汇总 1,000 家", "目录，汇总1,000家"),
    ],
)
def test_noise_from_web_and_word_copies_is_normalised(raw: str, clean: str) -> None:
    assert normalise_line(raw) == clean


def test_chinese_numerals_are_read_as_numbers() -> None:
    assert [cn_to_int(t) for t in ("一", "十", "十二", "二十六", "三十五", "一百零一")] == [
        1,
        10,
        12,
        26,
        35,
        101,
    ]


# --- numbering ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "style", "value", "printed"),
    [
        ("一、总体要求", "section", 1, "一、"),
        ("（十二）劳动就业", "paren_cn", 12, "（十二）"),
        ("（三十一）强化宣传推广", "paren_cn", 31, "（三十一）"),
        ("1.设立企业半天完成。", "arabic", 1, "1."),
        ("36.新闻宣传持续深入。", "arabic", 36, "36."),
        ("7、优化服务。", "arabic", 7, "7、"),
        ("（3）落实责任", "paren_ar", 3, "（3）"),
        ("第五条 报送时间", "article", 5, "第五条"),
    ],
)
def test_each_numbering_style_is_recognised(
    line: str, style: str, value: int, printed: str
) -> None:
    numbered = parse_numbering(normalise_line(line))
    assert (numbered.style, numbered.value, numbered.printed) == (style, value, printed)


@pytest.mark.parametrize(
    "line", ["2020年实现幼儿园竣工2所", "12345热线接诉即办", "一是加强领导", "3.5倍增长"]
)
def test_ordinary_sentences_are_not_numbered_items(line: str) -> None:
    assert parse_numbering(normalise_line(line)) is None


@pytest.mark.parametrize(
    "numbering", ["（一）{}", "(一){}", "1.{}", "1．{}", "1、{}", "(1){}", "（1）{}"]
)
def test_measures_are_found_whatever_their_numbering(numbering: str) -> None:
    lines = [
        numbering.format("压缩开办时间。企业开办1个工作日办结。（责任单位：市场监管局）"),
        numbering.replace("一", "二")
        .replace("1", "2")
        .format("提升网办。（责任单位：政务服务办）"),
    ]
    result = extract_text("\n".join(lines), "t")
    assert [m["title"] for m in measures(result)] == ["压缩开办时间", "提升网办"]
    assert measures(result)[1]["responsible_units"] == ["政务服务办"]


def test_sections_and_general_requirements_are_not_measures() -> None:
    result = extract_text(PAREN_PLAN, "t")
    assert [m["number"] for m in measures(result)] == ["（一）", "（二）", "（三）"]
    assert measures(result)[0]["section"] == "提升政务服务"
    assert all(
        "目标" not in m["title"] and "指导思想" not in m["title"] for m in result["measures"]
    )


def test_grouped_plan_takes_the_numbered_items_that_carry_unit_clauses() -> None:
    result = extract_text(GROUPED_PLAN, "t")
    got = [
        (m["number"], m["group"], m["lead_units"], m["responsible_units"]) for m in measures(result)
    ]
    assert got == [
        ("1.", "政务环境工程", ["区政务服务办"], ["区发改委"]),
        ("2.", "政务环境工程", ["区网格中心"], ["区政务服务办"]),
        ("3.", "法治环境工程", ["区司法局"], ["各区级行政执法部门"]),
    ]
    assert result["parts"][0]["measure_level"] == "1."


def test_attachment_with_its_own_numbered_list_is_not_taken_for_measures() -> None:
    text = (
        GROUPED_PLAN
        + "附件2\n联络员制度\n一、工作职责\n1.负责组织学习。\n2.负责报送信息。\n3.负责配合检查。\n4.负责对接企业。\n"
    )
    result = extract_text(text, "t")
    assert len(measures(result)) == 3
    assert [p["primary"] for p in result["parts"]] == [True, False]
    assert result["parts"][1]["title"] == "联络员制度"


def test_a_sentence_starting_with_attachment_does_not_split_the_plan() -> None:
    text = GROUPED_PLAN.replace("推出一批场景。", "推出一批场景。\n附件清单另行印发。")
    assert len(extract_text(text, "t")["parts"]) == 1


def test_a_restarted_section_numbering_begins_a_new_part() -> None:
    lines = normalise_text("总方案\n一、要求\n二、任务\n攻坚计划\n一、政务环境\n1.事项一。")
    parts = split_parts(lines)
    assert [(p.start, p.title) for p in parts] == [(0, "总方案"), (3, "攻坚计划")]


def test_difficulties_are_their_own_kind_with_lead_units() -> None:
    text = GROUPED_PLAN + (
        "二、主攻两大难点\n（一）电子证照领取率不足\n措施：加强宣传。（牵头单位：区市场监管局）\n"
        "（二）审批效率有待提高\n措施：压减隐形时间。（牵头单位：区政务服务办）\n"
    )
    result = extract_text(text, "t")
    difficulties = measures(result, "difficulty")
    assert [(d["number"], d["title"], d["lead_units"]) for d in difficulties] == [
        ("（一）", "电子证照领取率不足", ["区市场监管局"]),
        ("（二）", "审批效率有待提高", ["区政务服务办"]),
    ]
    assert len(measures(result)) == 3


def test_the_plan_title_comes_from_the_issuing_notice() -> None:
    text = "关于印发《某区营商环境优化方案》的通知\n各单位：\n" + GROUPED_PLAN
    assert extract_text(text, "t")["title"] == "某区营商环境优化方案"


# --- unit clauses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lead", "responsible"),
    [
        (
            "推进改革。（责任单位：发改局、商务局、市场监管局等）",
            [],
            ["发改局", "商务局", "市场监管局"],
        ),
        ("推进改革。（责任部门：城环局、规建局）。", [], ["城环局", "规建局"]),
        (
            "推进改革。（牵头单位：市场监管局；责任单位：政务服务办、税务局等部门）",
            ["市场监管局"],
            ["政务服务办", "税务局"],
        ),
        ("推进改革。（牵头部门：人社局；责任部门：政务服务办）", ["人社局"], ["政务服务办"]),
        (
            "推进改革。（牵头单位：区司法局，配合单位：各街、镇、园区）",
            ["区司法局"],
            ["各街、镇、园区"],
        ),
        ("推进改革。(牵头单位:区财政局;责任单位:区税务局)", ["区财政局"], ["区税务局"]),
        (
            "推进改革。（责任单位：市政务服务办等部门，各区人民政府）",
            [],
            ["市政务服务办", "各区人民政府"],
        ),
        ("推进改革。（责任单位：规建局等各相关部门）", [], ["规建局", "各相关部门"]),
        (
            "推进改革。（责任单位：市场监管局、规建局以及各相关执法部门）",
            [],
            ["市场监管局", "规建局", "各相关执法部门"],
        ),
        (
            "推进改革。（责任单位：区市场监督管理局（知识产权局）、区税务局）",
            [],
            ["区市场监督管理局（知识产权局）", "区税务局"],
        ),
        (
            "推进改革。（市发展改革委牵头，各有关部门按职责分工负责）",
            ["市发展改革委"],
            ["各有关部门"],
        ),
        (
            "推进改革。由市商务局牵头，市财政局、各区人民政府按职责分工负责。",
            ["市商务局"],
            ["市财政局", "各区人民政府"],
        ),
    ],
)
def test_each_unit_clause_style_is_parsed(
    text: str, lead: list[str], responsible: list[str]
) -> None:
    clause = parse_unit_clause(normalise_line(text))
    assert (clause.lead, clause.responsible + clause.cooperating) == (lead, responsible)


def test_text_without_a_unit_clause_has_none() -> None:
    assert parse_unit_clause("推进改革，各部门要加强协同。") is None


def test_unit_names_keep_their_inner_brackets_and_drop_fillers() -> None:
    assert split_unit_names("市场监督管理局（知识产权局）、税务局等单位") == [
        "市场监督管理局（知识产权局）",
        "税务局",
    ]


# --- target phrases -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "comparator", "target", "unit"),
    [
        ("政府投资项目≤70个工作日", "<=", 70, "工作日"),
        ("申请材料不超过3件", "<=", 3, "件"),
        ("受理时限压缩至1个工作日", "<=", 1, "工作日"),
        ("网上办比例达到95%以上", ">=", 95, "%"),
        ("政务服务满意度95%以上", ">=", 95, "%"),
        ("平均停电时间小于0.6小时", "<", 0.6, "小时"),
        ("安全利用率不低于95%", ">=", 95, "%"),
        ("每年安排不少于2000万元资金", ">=", 2000, "万元"),
        ("技术合同交易额突破135亿元", ">", 135, "亿元"),
        ("诉求一般在7个工作日内办结", "<=", 7, "工作日"),
        ("签发不超过15天的入境许可", "<=", 15, "天"),
        ("新增人才称号70人次", "=", 70, "人次"),
        ("孵化器数量达到23家", ">=", 23, "家"),
        ("排放量较2013年减少8%", ">=", 8, "%"),
        ("精简纳税人报送材料48%", ">=", 48, "%"),
        ("引进人才相较于2024年提升15%", "growth", 15, "%"),
        ("审核审批1至2个工作日内完成", "<=", 2, "工作日"),
    ],
)
def test_each_target_phrase_maps_to_comparator_and_unit(
    phrase: str, comparator: str, target: float, unit: str
) -> None:
    (candidate,) = find_targets(phrase)
    assert (candidate.comparator, candidate.target, candidate.unit) == (comparator, target, unit)
    assert candidate.phrase == phrase


def test_a_reduction_is_marked_as_a_decrease() -> None:
    (candidate,) = find_targets("精简同质化流程50%")
    assert (candidate.comparator, candidate.target, candidate.change) == (">=", 50, "decrease")


def test_a_limit_in_chinese_numerals_is_a_target() -> None:
    (candidate,) = find_targets("法官在三日内必须联络回复当事人")
    assert (candidate.comparator, candidate.target, candidate.unit) == ("<=", 3, "天")
    assert candidate.phrase == "法官在三日内必须联络回复当事人"


def test_a_baseline_before_compress_to_is_kept_with_the_target() -> None:
    (candidate,) = find_targets("由2019年平均办电时限77个工作日压缩至18个工作日")
    assert (candidate.name, candidate.target, candidate.baseline) == ("平均办电时限", 18, 77)


def test_relative_target_compares_with_the_city_average() -> None:
    (candidate,) = find_targets("实现用水报装网办率赶超全市平均水平")
    assert (candidate.name, candidate.comparator, candidate.target) == (
        "用水报装网办率",
        "city_avg",
        None,
    )


@pytest.mark.parametrize(
    "text", ["2025年5月28日印发", "提供7×24小时服务", "长度在200米及以下", "第28次会议"]
)
def test_dates_and_descriptions_are_not_targets(text: str) -> None:
    assert find_targets(text) == []


def test_targets_are_tied_to_their_measure_with_the_phrase() -> None:
    result = extract_text(PAREN_PLAN, "t")
    got = [
        (i["measure"], i["comparator"], i["target"], i["unit"], i["phrase"])
        for i in result["indicators"]
    ]
    assert got == [
        ("（一）", "<=", 1, "工作日", "企业开办时间压缩至1个工作日"),
        ("（二）", ">=", 95, "%", "网上办比例达到95%以上"),
    ]


# --- never drops silently -------------------------------------------------------------


def test_a_malformed_numbered_item_is_listed_as_unparsed() -> None:
    text = PAREN_PLAN.replace("（二）提升网办水平", "（二提升网办水平")
    result = extract_text(text, "t")
    assert [m["number"] for m in measures(result)] == ["（一）", "（三）"]
    malformed = [u for u in result["unparsed"] if u["code"] == "malformed_number"]
    assert [u["text"] for u in malformed] == ["（二提升网办水平"]
    assert any(w["code"] == "number_sequence" for w in result["warnings"])


def test_a_measure_without_unit_clause_is_kept_and_warned() -> None:
    result = extract_text(PAREN_PLAN, "t")
    assert measures(result)[2]["responsible_units"] == []
    assert [(w["code"], w["number"]) for w in result["warnings"]] == [
        ("measure_without_units", "（三）")
    ]


def test_items_with_unit_clauses_outside_the_measure_level_are_reported() -> None:
    text = GROUPED_PLAN + "二、打造亮点\n（一）“一站”\n深化驿站服务。（牵头单位：区工商联）\n"
    result = extract_text(text, "t")
    assert len(measures(result)) == 3
    assert [(u["code"], u["number"]) for u in result["unparsed"]] == [
        ("not_measure_level", "（一）")
    ]


def test_a_text_without_numbered_items_says_so() -> None:
    result = extract_text("这是一段没有编号的文字。", "t")
    assert result["measures"] == []
    assert {w["code"] for w in result["warnings"]} >= {"no_measures"}


# --- .docx and CLI --------------------------------------------------------------------


def test_docx_written_by_word_is_read_like_text(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in GROUPED_PLAN.splitlines():
        document.add_paragraph(line)
    document.add_paragraph("- 3 -")
    path = tmp_path / "方案.docx"
    document.save(str(path))

    from indicators.extract import extract_file

    result = extract_file(path, plan_id="p9")
    assert result["id"] == "p9"
    assert [m["lead_units"] for m in measures(result)] == [
        ["区政务服务办"],
        ["区网格中心"],
        ["区司法局"],
    ]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indicators", "extract", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_json_output_parses_and_has_the_export_keys(tmp_path: Path) -> None:
    path = tmp_path / "005_plan.txt"
    path.write_text(GROUPED_PLAN, encoding="utf-8")
    proc = _cli(str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert {"id", "title", "region", "measures", "indicators", "unparsed"} <= plan.keys()
    assert plan["id"] == "005"
    assert {"number", "title", "lead_units", "responsible_units", "kind"} <= plan["measures"][
        0
    ].keys()
    assert {"name", "unit", "comparator", "target", "measure", "phrase"} <= plan["indicators"][
        0
    ].keys()
    assert "措施 3 条" in proc.stderr


def test_cli_yaml_output_with_plan_id(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "plan.txt"
    path.write_text(PAREN_PLAN, encoding="utf-8")
    proc = _cli(str(path), "--plan-id", "zz", "--format", "yaml")
    plan = yaml.safe_load(proc.stdout)
    assert (plan["id"], len(plan["measures"])) == ("zz", 3)


def test_cli_reports_a_missing_file_in_chinese(tmp_path: Path) -> None:
    proc = _cli(str(tmp_path / "none.txt"))
    assert proc.returncode == 1
    assert "找不到文件" in proc.stderr


def test_cli_help_has_an_example() -> None:
    proc = _cli("--help")
    assert "Example:" in proc.stdout
