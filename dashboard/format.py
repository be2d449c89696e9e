"""Numbers and labels the way officials read them (95.0%, 18 个工作日, 1,234.5 万元).

The same rules exist once more as a DuckDB expression (``sql_value_text``) because flag
reasons are built inside the query; tests check that both agree.
"""

from __future__ import annotations

import pandas as pd

# Units of measure spoken with a measure word before them.
_COUNTED = {"工作日": "个工作日", "自然日": "个自然日", "小时": "小时", "个": "个", "件": "件",
            "家": "家", "人次": "人次", "项": "项", "次": "次", "人": "人", "天": "天"}
_MONEY = {"万元", "亿元", "元"}

STATUS_COLORS = {
    "达标": "#2e7d32",
    "预警": "#f9a825",
    "未达标": "#c62828",
    "未报": "#9e9e9e",
    "按时报送": "#2e7d32",
    "迟报": "#f9a825",
    "逾期未报": "#c62828",
    "未到期": "#90a4ae",
    "已完成": "#2e7d32",
    "推进中": "#1565c0",
    "未启动": "#9e9e9e",
    "滞后": "#c62828",
}

COMPARATOR_TEXT = {">=": "≥", ">": "＞", "<=": "≤", "<": "＜", "=": "＝"}


def _number(v: float) -> str:
    """Thousands separators, at most two decimals, no trailing zeros."""
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def fmt_value(v: float | None, uom: str | None) -> str:
    """One value with its unit: ``95.0%``, ``18 个工作日``, ``1,234.5 万元``; ``—`` when missing."""
    if v is None or pd.isna(v):
        return "—"
    uom = uom or ""
    if uom == "%":
        return f"{v:.1f}%"
    if uom in _COUNTED:
        return f"{_number(v)} {_COUNTED[uom]}"
    return f"{_number(v)} {uom}".strip()


def fmt_pct(v: float | None) -> str:
    """A rate already in percent points: ``95.0%``."""
    return fmt_value(v, "%")


def fmt_target(comparator: str | None, value: float | None, uom: str | None) -> str:
    """A target as printed in a plan: ``≥95.0%``, ``优于全市平均``, ``增长≥15.0%``."""
    if comparator is None:
        return "—"
    if comparator == "city_avg":
        return "不低于全市平均" if value is None or value == 0 else f"优于全市平均 {fmt_value(value, uom)}"
    if comparator == "growth":
        return f"较基期增长≥{fmt_value(value, '%')}"
    return f"{COMPARATOR_TEXT.get(comparator, comparator)}{fmt_value(value, uom)}"


def sql_value_text(value: str, uom: str) -> str:
    """DuckDB expression formatting column ``value`` with unit column ``uom`` like ``fmt_value``.

    Kept small on purpose: it is repeated inside reasons, and DuckDB's planning time grows with
    the size of the expression. ``value``/``uom`` are column expressions, never user input.
    """
    suffix = " ".join(f"when '{k}' then ' {w}'" for k, w in _COUNTED.items())
    return (
        f"case when {value} is null then '—' when {uom} = '%' then format('{{:.1f}}%', {value}) "
        f"else rtrim(rtrim(format('{{:,.2f}}', {value}), '0'), '.') "
        f"|| case {uom} {suffix} when '' then '' else ' ' || coalesce({uom}, '') end end"
    )


def sql_target_text_from(comparator: str, target: str, num_text: str) -> str:
    """DuckDB expression for ``fmt_target`` given the formatted target number ``num_text``
    (formatted in % for ``growth``)."""
    ops = " ".join(f"when '{k}' then '{v}'" for k, v in COMPARATOR_TEXT.items())
    return (
        f"case when {comparator} is null then '—' "
        f"when {comparator} = 'city_avg' then case when coalesce({target}, 0) = 0 then '不低于全市平均' "
        f"else '优于全市平均 ' || {num_text} end "
        f"when {comparator} = 'growth' then '较基期增长≥' || {num_text} "
        f"else (case {comparator} {ops} else {comparator} end) || {num_text} end"
    )


def sql_target_text(comparator: str, target: str, uom: str) -> str:
    """DuckDB expression for ``fmt_target``."""
    num = sql_value_text(target, f"case when {comparator} = 'growth' then '%' else {uom} end")
    return sql_target_text_from(comparator, target, num)


COLUMN_LABELS: dict[str, str] = {
    "unit": "单位代码", "unit_name": "责任单位", "region": "区域代码", "region_name": "区域",
    "region_kind": "区域类型", "dept": "部门", "liaison": "联络员", "phone": "联系电话",
    "period": "月份", "code": "指标代码", "name": "指标名称", "uom": "计量单位",
    "comparator": "比较方式", "target": "目标值", "amber": "预警区间", "reference": "对照值",
    "value": "数值", "value_text": "本月值", "target_text": "目标", "status": "状态",
    "reason": "原因", "rank": "排名", "city_avg": "全市平均", "diff": "与全市平均之差",
    "submission_id": "报送编号", "version": "版本", "sheet": "工作表", "cell": "单元格",
    "evidence": "依据", "flag": "预警类型", "severity": "严重程度", "subject": "对象代码",
    "subject_name": "指标/任务", "received_at": "报送时间", "due_at": "截止时间",
    "days_late": "迟报天数", "workdays_late": "迟报工作日", "days_left": "距截止（天）",
    "workdays_left": "距截止（工作日）", "timeliness": "是否按时", "n_errors": "错误数",
    "n_warnings": "警告数", "uploader": "报送人", "measure_key": "措施键", "plan": "方案",
    "plan_title": "所属方案", "number": "措施编号", "title": "措施名称", "role": "角色",
    "pct": "完成百分比", "progress": "本月进展", "problems": "存在问题", "next_steps": "下步计划",
    "row_no": "行号", "failed": "未达标指标数", "amber_n": "预警指标数", "reported": "已报指标数",
    "met": "达标指标数", "attainment_rate": "达标率", "tasks_lagging": "滞后任务数",
    "return_status": "本月报送", "score": "落后分", "expected": "应报数", "submitted": "已报数",
    "on_time": "按时数", "on_time_rate": "按时报送率", "above_avg": "优于全市平均指标数",
    "n": "次数", "units": "涉及单位数", "example_message": "示例说明", "example_hint": "修改建议",
    "example_sheet": "示例工作表", "example_cell": "示例单元格", "direction": "方向",
    "effective_from": "生效日期", "effective_to": "失效日期", "common": "共性指标",
}


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with Chinese column headers (unknown columns keep their name)."""
    return df.rename(columns={c: COLUMN_LABELS.get(c, c) for c in df.columns})
