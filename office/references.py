"""References the office enters for relative and growth targets, with their source, audited.

A 赶超全市平均 target needs the city average: when too few districts report the same code to
us, the office enters the figure for a span of months from a citable source (e.g. the city's
annual evaluation report). A growth target needs its baseline value: the plan names the year,
the office enters the number and where it comes from. Entries are never edited: a later entry
for the same key wins (``rules.judge`` reads the latest), earlier ones stay as history.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime

import store
from accounts import audit
from accounts.access import User, require_office
from rules import stats

KINDS = {"city_avg": "全市平均", "baseline": "基期值"}


@dataclass(frozen=True)
class Reference:
    id: int
    kind: str
    code: str
    unit: str | None
    period_from: date | None
    period_to: date | None
    value: float
    source: str
    entered_by: str
    entered_at: datetime


class ReferenceError_(ValueError):
    """A reference the office cannot enter as given (Chinese message)."""


def add(user: User, *, kind: str, code: str, value: float, source: str, unit: str | None = None,
        period_from: date | None = None, period_to: date | None = None, db: str | os.PathLike | None = None,
        now: datetime | None = None, is_demo: bool = False) -> int:
    """Record one reference (office only) and its audit entry in one transaction; returns its id."""
    require_office(user, "录入参照值")
    if kind not in KINDS:
        raise ReferenceError_(f"参照类型“{kind}”无效，应为 city_avg（全市平均）或 baseline（基期值）")
    if not (source or "").strip():
        raise ReferenceError_("请写明参照值的来源（如“天津市营商环境评价报告（2025）”），没有来源的数字不能用于评判")
    if kind == "city_avg" and (period_from is None or period_to is None or period_to < period_from):
        raise ReferenceError_("全市平均须写适用月份：--from YYYY-MM --to YYYY-MM（截止不早于起始）")
    at = now or datetime.now(UTC)
    with store.write(db) as con:
        row = con.execute("select comparator from indicator where code = ?", [code]).fetchone()
        if row is None:
            raise ReferenceError_(f"指标代码“{code}”不存在")
        wanted = "city_avg" if kind == "city_avg" else "growth"
        has = con.execute("select count(*) from indicator_target where code = ? and comparator = ?",
                          [code, wanted]).fetchone()[0]
        if not has:
            raise ReferenceError_(f"指标“{code}”没有{'赶超全市平均' if kind == 'city_avg' else '增长类'}目标，无需录入{KINDS[kind]}")
        if unit is not None and con.execute("select count(*) from indicator_owner where code = ? and unit = ?",
                                            [code, unit]).fetchone()[0] == 0:
            raise ReferenceError_(f"单位“{unit}”不报送指标“{code}”")
        [rid] = store.next_ids(con, "office_reference_id_seq", 1)  # no RETURNING in PostgreSQL mode
        con.execute(
            "insert into office_reference (id, kind, code, unit, period_from, period_to, value, source, entered_by,"
            " entered_at, is_demo) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [rid, kind, code, unit, period_from, period_to, float(value), source.strip(), user.username, at, is_demo],
        )
        span = f"{period_from:%Y-%m}至{period_to:%Y-%m}" if period_from and period_to else "各期"
        audit.record(con, user.username, "reference_add", "office_reference", rid, unit=unit,
                     after={"kind": kind, "code": code, "unit": unit, "value": float(value),
                            "period_from": f"{period_from:%Y-%m}" if period_from else None,
                            "period_to": f"{period_to:%Y-%m}" if period_to else None, "source": source.strip()},
                     detail=f"录入{KINDS[kind]}：{code} {span} {value:g}（来源：{source.strip()}）", at=at)
        # stored verdicts of the months it touches are re-judged in the same transaction (a
        # reference is not part of the freshness fingerprint)
        months = [r[0] for r in con.execute(
            "select distinct period from submission where period is not null"
            " and (? is null or period between ? and ?)", [period_from, period_from, period_to]).fetchall()]
        if months:
            stats.refresh(con, sorted(months))
    return int(rid)


def listed(db: str | os.PathLike | None = None, code: str | None = None) -> list[Reference]:
    """Every entry, newest first."""
    with store.read(db) as con:
        rows = con.execute(
            "select id, kind, code, unit, period_from, period_to, value, source, entered_by, entered_at"
            " from office_reference where ? is null or code = ? order by id desc", [code, code]).fetchall()
    return [Reference(*r) for r in rows]
