"""Office entries that move a unit's quarterly score: 扣分 for a verified complaint or 督查
finding, 改革创新加分 (under the bonus cap with approved cases) and 第三方评价 (an external
evaluation's score, 0–100, with its source). Each carries a reason and evidence; adding and
withdrawing are audited with the unit's score before and after."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import store
from accounts import audit
from accounts.access import User, require_office
from rules import assess
from rules.assess import Quarter

Db = str | os.PathLike | None
KIND_NAMES = {"deduction": "扣分", "innovation": "改革创新加分", "external": "第三方评价"}


class EntryError(ValueError):
    """Bad entry input; ``str(err)`` is Chinese."""


def _score_of(con, quarter: Quarter, unit: str) -> float | None:
    found = assess.compute(con, quarter, assess.rules_for(quarter), only=[unit])
    return found[0].score if found else None


def _require_open(con, quarter: Quarter) -> None:
    lock = assess.lock_info(con, quarter)
    if lock:
        raise EntryError(f"{quarter.label}已由 {lock['locked_by']} 锁定，须先解锁（写明原因）才能修改扣分和加分。")


def add(user: User, unit: str, quarter: str, kind: str, points: float, reason: str, evidence: str,
        db: Db = None, *, at: datetime | None = None, is_demo: bool = False) -> int:
    """Record one entry; returns its id. The quarter must not be locked."""
    require_office(user, "录入考核扣分和加分")
    q = Quarter.parse(quarter)
    if kind not in KIND_NAMES:
        raise EntryError(f"未知的类别“{kind}”：应为 扣分、改革创新加分 或 第三方评价。")
    if not (reason or "").strip():
        raise EntryError(f"{KIND_NAMES[kind]}须写明原因。")
    if not (evidence or "").strip():
        raise EntryError(f"{KIND_NAMES[kind]}须写明依据（如投诉核实文号、督查通报、评价报告及来源）。")
    if kind == "external" and not 0 <= float(points) <= 100:
        raise EntryError("第三方评价得分应在 0 到 100 之间（按评价报告的百分制得分填写）。")
    if kind != "external" and not float(points) > 0:
        raise EntryError("分值应大于 0（扣分也填正数，系统按扣分计算）。")
    at = at or datetime.now(UTC)
    with store.write(db) as con:
        _require_open(con, q)
        if not con.execute("select 1 from unit where id = ?", [unit]).fetchone():
            raise EntryError(f"单位“{unit}”不在指标目录中。")
        before = _score_of(con, q, unit)
        [entry_id] = store.next_ids(con, "assessment_entry_id_seq", 1)  # no RETURNING in PostgreSQL mode
        con.execute(
            "insert into assessment_entry (id, unit, quarter, kind, points, reason, evidence, entered_by, entered_at,"
            " is_demo) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [entry_id, unit, q.key, kind, float(points), reason.strip(), evidence.strip(), user.username, at, is_demo],
        )
        after = _score_of(con, q, unit)
        audit.record(con, user.username, "assessment_entry_add", "assessment_entry", entry_id, unit,
                     before={"quarter": q.key, "score": before},
                     after={"quarter": q.key, "score": after, "kind": kind, "points": float(points),
                            "reason": reason.strip(), "evidence": evidence.strip()},
                     detail=f"{q.label}{KIND_NAMES[kind]} {float(points):g}：{reason.strip()}", at=at)
    return int(entry_id)


def withdraw(user: User, entry_id: int, reason: str, db: Db = None, *, at: datetime | None = None) -> None:
    """Withdraw an entry (kept on record, no longer counted); a reason is required."""
    require_office(user, "撤销考核扣分和加分")
    if not (reason or "").strip():
        raise EntryError("撤销须写明原因。")
    at = at or datetime.now(UTC)
    with store.write(db) as con:
        row = con.execute("select unit, quarter, kind, points, reason, withdrawn_at from assessment_entry"
                          " where id = ?", [entry_id]).fetchone()
        if not row:
            raise EntryError(f"没有编号为 {entry_id} 的扣分或加分记录。")
        unit, quarter, kind, points, why, gone = row
        if gone is not None:
            raise EntryError("该记录已撤销。")
        q = Quarter.parse(quarter)
        _require_open(con, q)
        before = _score_of(con, q, unit)
        con.execute("update assessment_entry set withdrawn_by = ?, withdrawn_at = ?, withdraw_reason = ?"
                    " where id = ?", [user.username, at, reason.strip(), entry_id])
        after = _score_of(con, q, unit)
        audit.record(con, user.username, "assessment_entry_withdraw", "assessment_entry", entry_id, unit,
                     before={"quarter": q.key, "score": before, "kind": kind, "points": points, "reason": why},
                     after={"quarter": q.key, "score": after, "withdrawn": True},
                     detail=f"撤销{KIND_NAMES[kind]}：{reason.strip()}", at=at)
