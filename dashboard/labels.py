"""Names people read in place of the codes machines keep: finding codes, audit keys, the
importing robot, plan ids, measure numbers.

The codes stay in the database and in machine-read output (``--json``); every page, chart and
Excel export a person reads shows the names below. ``tests/test_labels.py`` checks that every
finding code the validator can raise has a name here.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

# finding code (``etl.findings.RULES``) -> short Chinese name of the problem
FINDING_NAMES: dict[str, str] = {
    "FILE_UNREADABLE": "文件无法读取",
    "FILE_NOT_XLSX": "不是 Excel 文件",
    "FILE_TOO_LARGE": "文件过大",
    "FILE_TOO_MANY_PARTS": "文件结构异常",
    "FILE_EXPANDS_TOO_MUCH": "解压后过大",
    "FILE_RATIO_SUSPICIOUS": "压缩比异常",
    "FILE_ENCRYPTED": "文件设有打开密码",
    "FILE_HAS_MACROS": "文件含宏",
    "SHEET_TOO_LARGE": "工作表超出模板范围",
    "FINDINGS_TRUNCATED": "问题过多（仅列出部分）",
    "SHEET_MISSING": "缺少工作表",
    "META_MISSING": "模板信息缺失",
    "TEMPLATE_OUTDATED": "模板版本过旧",
    "UNIT_UNKNOWN": "单位不在目录中",
    "UNIT_MISMATCH": "单位与上报单位不符",
    "PERIOD_INVALID": "填报月份无效",
    "PERIOD_IN_FUTURE": "填报月份未开始",
    "CATALOG_CHANGED": "指标目录已更新",
    "ACCESS_DENIED": "无权上报",
    "INDICATOR_ROW_MISSING": "缺少指标行",
    "INDICATOR_UNKNOWN": "多出的指标",
    "INDICATOR_DUPLICATE": "指标重复",
    "VALUE_NOT_NUMBER": "数值不是数字",
    "VALUE_UNIT_MISMATCH": "计量单位不符",
    "VALUE_MISSING_NO_NOTE": "数值为空且未说明",
    "PERCENT_OUT_OF_RANGE": "百分比超出 0–100",
    "VALUE_NEGATIVE": "数值为负",
    "VALUE_NOT_INTEGER": "数值不是整数",
    "PERCENT_AMBIGUOUS": "百分比写法存疑",
    "PERCENT_AS_DECIMAL": "百分比填成了小数",
    "CHANGE_OVER_50": "较上月变化超过 50%",
    "SAME_AS_LAST_MONTH": "与上月完全相同",
    "MEASURE_ROW_MISSING": "缺少措施行",
    "MEASURE_UNKNOWN": "多出的措施",
    "MEASURE_DUPLICATE": "措施重复",
    "STATUS_MISSING": "进展状态未填",
    "STATUS_INVALID": "进展状态无效",
    "PCT_NOT_NUMBER": "完成百分比不是数字",
    "PCT_OUT_OF_RANGE": "完成百分比超出 0–100",
    "LAG_WITHOUT_REASON": "滞后未写原因",
    "WORK_ITEM_MISSING": "缺少工作信息项",
    "WORK_COUNT_MISSING": "工作信息未填",
    "WORK_COUNT_NOT_NUMBER": "工作信息不是数字",
    "WORK_COUNT_INVALID": "工作信息数值无效",
    "ISSUES_SOLVED_EXCEEDS": "解决数大于收集数",
}


def finding_name(code: str | None) -> str:
    """The Chinese name of a finding code; an unknown code reads as 其他问题, never raw."""
    return FINDING_NAMES.get(code or "", "其他问题")


# accounts that are not people: who they stand for
ACTOR_NAMES: dict[str, str] = {"system": "系统导入", "": "—"}


def person_name(username: str | None, names: Mapping[str, str] | None = None) -> str:
    """A username as a person reads it: the account's display name, 系统导入 for the robot."""
    username = username or ""
    if username in ACTOR_NAMES:
        return ACTOR_NAMES[username]
    return (names or {}).get(username) or username


# keys of the audit log's before/after JSON -> Chinese
AUDIT_KEYS: dict[str, str] = {
    "period": "月份",
    "status": "状态",
    "submission_id": "报送编号",
    "unit": "单位",
    "units": "单位",
    "version": "版本",
    "is_current": "当前版本",
    "username": "用户名",
    "display_name": "姓名",
    "role": "角色",
    "disabled": "已停用",
    "grants": "查看权限",
    "grant": "查看权限",
    "locked_until": "锁定至",
    "failed_logins": "连续失败",
    "region": "区域",
    "file": "文件",
    "sha256": "文件指纹",
    # office records: references, assessment entries and locks, typical cases, supervision
    "code": "指标代码",
    "kind": "类别",
    "period_from": "起始月份",
    "period_to": "截止月份",
    "source": "来源",
    "value": "数值",
    "quarter": "季度",
    "score": "得分",
    "points": "分值",
    "reason": "理由",
    "evidence": "依据",
    "locked": "已锁定",
    "lock_id": "锁定编号",
    "rules_version": "规则版本",
    "title": "标题",
    "decision_reason": "审核意见",
    "number": "督办编号",
    "lead": "牵头单位",
    "cooperating": "协办单位",
    "level": "会议层级",
    "proposed_level": "建议会议层级",
    "due": "办结时限",
    "workdays": "办理时限（工作日）",
    "flags": "关联红灯数",
}
_VALUES: dict[str, str] = {
    "accepted": "已采用", "rejected": "被退回", "duplicate": "重复",
    "office": "办公室", "leader": "领导", "liaison": "联络员",
    "True": "是", "False": "否",
}
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def _value(v: Any, units: Mapping[str, str], regions: Mapping[str, str]) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, list):
        shown = [_value(x, units, regions) for x in v]
        if len(shown) > 8:
            return "、".join(shown[:8]) + f" 等 {len(shown)} 个"
        return "、".join(shown) or "（无）"
    text = str(v)
    if text in units:
        return units[text]
    if text in regions:
        return regions[text]
    if m := _PERIOD.match(text):
        return f"{m.group(1)}年{int(m.group(2))}月"
    if text.startswith("region:") and text[7:] in regions:
        return f"{regions[text[7:]]}全部单位"
    if text.startswith("unit:") and text[5:] in units:
        return units[text[5:]]
    if text == "all":
        return "全部单位"
    return _value_names().get(text, text)


@functools.cache
def _value_names() -> dict[str, str]:
    """Coded values an audit entry may hold, in Chinese: each from the module that owns it
    (imported here, on the audit page's first use, not when the app starts)."""
    from office.cases import STATUS_NAMES
    from office.entries import KIND_NAMES
    from office.references import KINDS
    from rules.supervise import SOURCES

    return {**STATUS_NAMES, **KIND_NAMES, **KINDS, **SOURCES, **_VALUES}


def readable_change(raw: str | None, units: Mapping[str, str], regions: Mapping[str, str]) -> str:
    """An audit before/after JSON as 键：值；… in Chinese, unit and region ids as names."""
    if raw is None or (isinstance(raw, float) and raw != raw):
        return ""
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return _value(raw, units, regions)
    if not isinstance(data, dict):
        return _value(data, units, regions)
    return "；".join(f"{AUDIT_KEYS.get(k, k)}：{_value(v, units, regions)}" for k, v in data.items())


def plan_label(plan_id: str | None, titles: Mapping[str, str], width: int = 0) -> str:
    """A plan as people know it: its title (shortened to ``width`` characters if given)."""
    title = titles.get(plan_id or "", "") or (plan_id or "—")
    return title if not width or len(title) <= width else title[: width - 1] + "…"


def measure_number(number: str | None) -> str:
    """``12.`` / ``12`` → 第12条; Chinese ordinals such as （三） → 第三条."""
    text = (number or "").strip()
    if re.fullmatch(r"\d+\.?", text):
        return f"第{text.rstrip('.')}条"
    if m := re.fullmatch(r"[（(]([一二三四五六七八九十百]+)[）)]", text):
        return f"第{m.group(1)}条"
    return text or "—"


def _strings(v: Any) -> list[str]:
    if isinstance(v, dict):
        return [x for item in v.values() for x in _strings(item)]
    if isinstance(v, list):
        return [x for item in v for x in _strings(item)]
    return [v] if isinstance(v, str) else []


def audit_unit_ids(df: Any) -> set[str]:
    """Every text the audit entries could name a unit by (their unit, the values of their
    before/after, ``unit:…`` grants): the names to read, instead of every unit of a national
    catalog for a page of a few entries."""
    if df is None or df.empty:
        return set()
    out = {u for u in df["unit"] if isinstance(u, str)}
    for raw in [*df["before"], *df["after"]]:
        if not isinstance(raw, str):
            continue
        try:
            texts = _strings(json.loads(raw))
        except ValueError:
            texts = [raw]
        out.update(t.removeprefix("unit:") for t in texts)
    return out


def audit_view(df: Any, units: Mapping[str, str], regions: Mapping[str, str],
               people: Mapping[str, str]) -> Any:
    """Audit entries as people read them: names for accounts, units and regions, before and
    after as 键：值 in Chinese (``readable_change``) instead of JSON with English keys."""
    if df is None or df.empty:
        return df
    out = df.copy()
    out["actor"] = [person_name(a, people) for a in out["actor"]]
    out["unit"] = [units.get(u, u) if isinstance(u, str) else "" for u in out["unit"]]
    for col in ("before", "after"):
        out[col] = [readable_change(v, units, regions) for v in out[col]]
    people_objects = out["object_type"].isin(["user", "session"])
    out.loc[people_objects, "object_id"] = [person_name(o, people) for o in out.loc[people_objects, "object_id"]]
    for kind, word in (("submission", "报送编号"), ("receipt", "收件编号")):
        rows = out["object_type"] == kind
        out.loc[rows, "object_id"] = [f"{word} {o}" if o else "—" for o in out.loc[rows, "object_id"]]
    roster = out["object_type"] == "roster"
    out.loc[roster, "object_id"] = "报送单位名单"
    return out
