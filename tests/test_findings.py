"""Findings are values every screen renders the same way: code, severity, place, Chinese text."""

from __future__ import annotations

import re

import pytest

from etl import findings as F

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("code", sorted(F.RULES))
def test_every_finding_code_has_a_chinese_message_and_hint(code: str) -> None:
    rule = F.RULES[code]
    assert rule.severity in ("error", "warning")
    assert HAN.search(rule.hint), code
    assert HAN.search(rule.message) or rule.message == "{reason}", code


def test_finding_names_sheet_and_cell_and_serialises_for_json() -> None:
    f = F.make("VALUE_NOT_NUMBER", "指标", "E7", raw="约九十")
    assert f.location == "指标!E7"
    assert f.is_error
    assert f.to_dict() == {
        "code": "VALUE_NOT_NUMBER",
        "severity": "error",
        "sheet": "指标",
        "cell": "E7",
        "message": "本月值“约九十”不是数字。",
        "hint": f.hint,
    }


def test_warnings_pass_and_errors_block() -> None:
    found = [F.make("PERCENT_AMBIGUOUS", "指标", "E4", value="0.9", pct="90"), F.make("STATUS_MISSING", "任务进展", "E5")]
    assert [f.code for f in F.errors(found)] == ["STATUS_MISSING"]
    assert [f.code for f in F.warnings(found)] == ["PERCENT_AMBIGUOUS"]


def test_findings_sort_in_workbook_order() -> None:
    found = [
        F.make("STATUS_MISSING", "任务进展", "E5"),
        F.make("VALUE_NOT_NUMBER", "指标", "E12", raw="x"),
        F.make("VALUE_NOT_NUMBER", "指标", "E9", raw="x"),
        F.make("TEMPLATE_OUTDATED", "_meta", found="1", current="2"),
    ]
    assert [f.location for f in sorted(found, key=F.sort_key)] == ["_meta", "指标!E9", "指标!E12", "任务进展!E5"]
