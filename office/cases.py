"""典型案例 registry: a liaison submits a case for their unit, the office approves it (bonus
points in that quarter, ``rules.assess``) or returns it with a reason (the liaison may then
submit a revised case). Every step is audited with the state before and after."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

import store
from accounts import audit
from accounts.access import AccessDenied, User, require_office, require_write, unit_name
from rules.assess import Quarter
from rules.returns import sql_local

Db = str | os.PathLike | None
STATUS_NAMES = {"submitted": "待审核", "approved": "已通过", "returned": "已退回"}


class CaseError(ValueError):
    """Bad case input; ``str(err)`` says in Chinese what is wrong and how to fix it."""


@dataclass(frozen=True)
class CaseInput:
    unit: str
    quarter: str
    title: str
    effect: str
    narrative: str
    measures: tuple[str, ...] = field(default_factory=tuple)
    indicators: tuple[str, ...] = field(default_factory=tuple)


def _check(con, case: CaseInput) -> None:
    Quarter.parse(case.quarter)
    for name, value, limit in (("标题", case.title, 60), ("数量变化", case.effect, 300), ("简要经过", case.narrative, 800)):
        if not value or not value.strip():
            raise CaseError(f"典型案例的“{name}”不能为空。")
        if len(value) > limit:
            raise CaseError(f"典型案例的“{name}”不超过 {limit} 字（现为 {len(value)} 字），请精简后再提交。")
    if not case.measures and not case.indicators:
        raise CaseError("请至少选择一项案例涉及的措施或指标。")
    if not con.execute("select 1 from unit where id = ?", [case.unit]).fetchone():
        raise CaseError(f"单位“{case.unit}”不在指标目录中。")
    for key in case.measures:
        if not con.execute("select 1 from measure where key = ?", [key]).fetchone():
            raise CaseError(f"措施“{key}”不在指标目录中，请从列表中选择。")
    for code in case.indicators:
        if not con.execute("select 1 from indicator where code = ?", [code]).fetchone():
            raise CaseError(f"指标“{code}”不在指标目录中，请从列表中选择。")


def _row(con, case_id: int) -> dict:
    cur = con.execute("select * from typical_case where id = ?", [case_id])
    row = cur.fetchone()
    if row is None:
        raise CaseError(f"没有编号为 {case_id} 的典型案例。")
    return dict(zip([d[0] for d in cur.description], row))


def _state(rec: dict) -> dict:
    return {k: rec.get(k) for k in ("unit", "quarter", "title", "status", "decision_reason")}


def submit(user: User, case: CaseInput, db: Db = None, *, at: datetime | None = None,
           is_demo: bool = False) -> int:
    """A liaison (or the office on a unit's behalf) submits a case; returns its id."""
    require_write(user)
    if user.role == "liaison" and user.unit != case.unit:
        raise AccessDenied(f"您只能为本单位（{unit_name(user.unit, db)}）提交典型案例。")
    at = at or datetime.now(UTC)
    with store.write(db) as con:
        _check(con, case)
        [case_id] = store.next_ids(con, "typical_case_id_seq", 1)  # no RETURNING in PostgreSQL mode
        con.execute(
            "insert into typical_case (id, unit, quarter, title, measures, indicators, effect, narrative, status,"
            " submitted_by, submitted_at, is_demo) values (?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?)",
            [case_id, case.unit, Quarter.parse(case.quarter).key, case.title.strip(), list(case.measures),
             list(case.indicators), case.effect.strip(), case.narrative.strip(), user.username, at, is_demo],
        )
        audit.record(con, user.username, "case_submit", "typical_case", case_id, case.unit,
                     after=_state(_row(con, case_id)), detail=f"提交典型案例“{case.title.strip()}”", at=at)
    return int(case_id)


def decide(user: User, case_id: int, approve: bool, reason: str = "", db: Db = None,
           *, at: datetime | None = None) -> None:
    """The office approves a submitted case, or returns it (a reason is required)."""
    require_office(user, "审核典型案例")
    if not approve and not (reason or "").strip():
        raise CaseError("退回典型案例须写明退回原因。")
    at = at or datetime.now(UTC)
    with store.write(db) as con:
        before = _row(con, case_id)
        if before["status"] != "submitted":
            raise CaseError(f"该案例当前为“{STATUS_NAMES[before['status']]}”，只有待审核的案例可以审核。")
        status = "approved" if approve else "returned"
        con.execute("update typical_case set status = ?, decided_by = ?, decided_at = ?, decision_reason = ?"
                    " where id = ?", [status, user.username, at, (reason or "").strip() or None, case_id])
        after = _row(con, case_id)
        audit.record(con, user.username, "case_approve" if approve else "case_return", "typical_case", case_id,
                     before["unit"], before=_state(before), after=_state(after),
                     detail=f"典型案例“{before['title']}”" + ("审核通过" if approve else f"退回：{reason.strip()}"),
                     at=at)


def listing(user: User, quarter: str | None = None, unit: str | None = None, status: str | None = None,
            db: Db = None) -> pd.DataFrame:
    """Cases the user may see: the office and leaders all, a liaison their own unit's."""
    if user.role == "liaison":
        unit = user.unit
    q = Quarter.parse(quarter).key if quarter else None
    with store.read(db) as con:
        df = con.execute(
            "select c.id, c.quarter, c.unit, u.name as unit_name, c.title, c.effect, c.narrative,"
            " c.measures, c.indicators, c.status, c.submitted_by,"
            f" {sql_local('c.submitted_at')} as submitted_at, c.decided_by,"
            f" {sql_local('c.decided_at')} as decided_at, c.decision_reason"
            " from typical_case c join unit u on u.id = c.unit"
            " where (? is null or c.quarter = ?) and (? is null or c.unit = ?) and (? is null or c.status = ?)"
            " order by c.quarter desc, c.unit, c.id",
            [q, q, unit, unit, status, status]).df()
    df["status_name"] = df["status"].map(STATUS_NAMES)
    return df
