"""Numbers and targets the way officials read them (95.0%, 18 个工作日, ≥95.0%).

Judging builds flag reasons inside DuckDB, so the same rules exist once more as SQL
expressions (``sql_value_text``, ``sql_target_text``); tests check that both agree.
"""

from __future__ import annotations

import pandas as pd

# Units of measure spoken with a measure word before them.
_COUNTED = {"工作日": "个工作日", "自然日": "个自然日", "小时": "小时", "个": "个", "件": "件",
            "家": "家", "人次": "人次", "项": "项", "次": "次", "人": "人", "天": "天"}
_MONEY = {"万元", "亿元", "元"}

COMPARATOR_TEXT = {">=": "≥", ">": "＞", "<=": "≤", "<": "＜", "=": "＝"}


def is_missing(v: object) -> bool:
    """None, NaN, NaT or pd.NA: a cell with no value (a list or other non-scalar is not missing)."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # pd.isna of a list is an array: not one missing value
        return False


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
