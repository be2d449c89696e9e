"""People read names, not codes: finding names, audit changes, accounts, plans, measures."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dashboard import labels
from dashboard.upload_report import proposed_month
from etl.findings import RULES

TZ = ZoneInfo("Asia/Shanghai")
UNITS = {"beichen.gov": "北辰区人民政府", "teda.zwfw": "经开区政务服务办"}
REGIONS = {"teda": "天津经济技术开发区"}


def test_every_finding_the_validator_can_raise_has_a_chinese_name():
    missing = [code for code in RULES if code not in labels.FINDING_NAMES]
    assert not missing
    assert labels.finding_name("SAME_AS_LAST_MONTH") == "与上月完全相同"
    assert labels.finding_name("SOMETHING_NEW") == "其他问题"  # never the raw code


def test_an_audit_change_reads_in_chinese_with_unit_names():
    after = json.dumps({"period": "2025-12", "status": "accepted", "submission_id": 1, "unit": "beichen.gov",
                        "version": 1})
    text = labels.readable_change(after, UNITS, REGIONS)
    assert text == "月份：2025年12月；状态：已采用；报送编号：1；单位：北辰区人民政府；版本：1"
    roster = labels.readable_change(json.dumps({"units": ["beichen.gov", "teda.zwfw"]}), UNITS, REGIONS)
    assert roster == "单位：北辰区人民政府、经开区政务服务办"
    grant = labels.readable_change(json.dumps({"grants": ["region:teda"], "disabled": False}), UNITS, REGIONS)
    assert grant == "查看权限：天津经济技术开发区全部单位；已停用：否"


def test_the_importing_robot_and_accounts_read_as_names():
    assert labels.person_name("system") == "系统导入"
    assert labels.person_name("teda.zwfw", {"teda.zwfw": "演示·经开区政务服务办联络员"}) == "演示·经开区政务服务办联络员"


def test_plans_and_measures_read_as_people_write_them():
    titles = {"000": "天津港保税区打造市场化法治化国际化营商环境三年行动方案（2024-2026年）"}
    assert labels.plan_label("000", titles) == titles["000"]
    assert labels.plan_label("000", titles, 10) == "天津港保税区打造市…"
    assert labels.measure_number("12.") == "第12条"
    assert labels.measure_number("（三十五）") == "第三十五条"


def test_on_2_december_the_upload_page_proposes_december_whose_deadline_is_next():
    def due(m: date) -> datetime:
        return datetime(m.year, m.month, 25, 23, 59, 59, tzinfo=TZ)

    assert proposed_month(datetime(2026, 12, 2, 9, 0, tzinfo=TZ), due) == date(2026, 12, 1)
    assert proposed_month(datetime(2026, 11, 20, 9, 0, tzinfo=TZ), due) == date(2026, 11, 1)
    assert proposed_month(datetime(2027, 1, 3, 9, 0, tzinfo=TZ), due) == date(2027, 1, 1)

    def due_next_month(m: date) -> datetime:  # a deadline in the following month
        n = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        return datetime(n.year, n.month, 5, 23, 59, 59, tzinfo=TZ)

    assert proposed_month(datetime(2026, 12, 2, 9, 0, tzinfo=TZ), due_next_month) == date(2026, 11, 1)


def test_office_records_in_the_audit_log_read_in_chinese():
    """References, assessment entries and locks, typical cases and 督办 items write their own
    keys and coded values into the log; the page showed them as level：会商会, kind：city_avg."""
    import re

    records = [
        {"code": "teda.heavy_metal_cut", "kind": "city_avg", "period_from": "2026-01", "period_to": "2026-06",
         "source": "演示数据", "value": 92.5},
        {"quarter": "2026Q3", "score": 88.5, "kind": "innovation", "points": 2.0, "reason": "改革创新",
         "evidence": "全市推广通知"},
        {"quarter": "2026Q3", "locked": True, "lock_id": 3, "rules_version": "2026.1"},
        {"quarter": "2026Q3", "title": "一网通办", "status": "approved", "decision_reason": "同意"},
        {"number": 8, "lead": "teda.zwfw", "cooperating": ["beichen.gov"], "level": "会商会", "source": "complaint",
         "due": "2026-12-08", "workdays": 10, "flags": 1, "proposed_level": "专题会", "status": "整改中"},
    ]
    for record in records:
        text = labels.readable_change(json.dumps(record, ensure_ascii=False), UNITS, REGIONS)
        assert not re.search(r"[A-Za-z_]+：", text), text  # no English key left
    supervision = labels.readable_change(json.dumps(records[-1], ensure_ascii=False), UNITS, REGIONS)
    assert "会议层级：会商会" in supervision and "来源：企业投诉" in supervision
    assert "牵头单位：经开区政务服务办" in supervision and "协办单位：北辰区人民政府" in supervision
    assert "类别：全市平均" in labels.readable_change(json.dumps(records[0]), UNITS, REGIONS)
    assert "状态：已通过" in labels.readable_change(json.dumps(records[3]), UNITS, REGIONS)
