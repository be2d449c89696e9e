"""Locking a quarter's assessment: the scores as computed at that moment are stored
(``assessment_score``) and from then on read back unchanged, whatever later uploads,
corrections or rule changes do. Unlocking needs a reason. Both are audited."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import store
from accounts import audit
from accounts.access import User, require_office
from indicators.assessment import rules_version
from rules import assess
from rules.assess import Quarter

Db = str | os.PathLike | None


class LockError(ValueError):
    """The lock cannot change; ``str(err)`` is Chinese."""


def lock(user: User, quarter: str, reason: str, db: Db = None, *, at: datetime | None = None,
         now: datetime | None = None) -> int:
    """Store every unit's score of the quarter and lock it; returns the lock id."""
    require_office(user, "锁定季度考核")
    if not (reason or "").strip():
        raise LockError("锁定须写明原因（如：经领导小组审定）。")
    q = Quarter.parse(quarter)
    at = at or datetime.now(UTC)
    rules = assess.rules_for(q)
    with store.write(db) as con:
        held = assess.lock_info(con, q)
        if held:
            raise LockError(f"{q.label}已于 {held['locked_at']} 由 {held['locked_by']} 锁定。")
        scores = assess.compute(con, q, rules, now=now or at)
        [lock_id] = store.next_ids(con, "assessment_lock_id_seq", 1)  # no RETURNING in PostgreSQL mode
        con.execute(
            "insert into assessment_lock (id, quarter, locked_by, locked_at, reason, rules_version)"
            " values (?, ?, ?, ?, ?, ?)", [lock_id, q.key, user.username, at, reason.strip(), rules_version(rules)],
        )
        rows = [(lock_id, q.key, s.unit, s.region, s.score, json.dumps(s.to_record(), ensure_ascii=False, default=str))
                for s in scores]
        if rows:
            con.executemany("insert into assessment_score values (?, ?, ?, ?, ?, ?)", rows)
        audit.record(con, user.username, "assessment_lock", "assessment", q.key, None,
                     before={"quarter": q.key, "locked": False},
                     after={"quarter": q.key, "locked": True, "lock_id": lock_id, "units": len(rows),
                            "rules_version": rules_version(rules)},
                     detail=f"锁定{q.label}考核结果（{len(rows)} 个单位）：{reason.strip()}", at=at)
    return int(lock_id)


def unlock(user: User, quarter: str, reason: str, db: Db = None, *, at: datetime | None = None) -> None:
    """Open a locked quarter again (its stored scores stay on record under the old lock)."""
    require_office(user, "解锁季度考核")
    if not (reason or "").strip():
        raise LockError("解锁须写明原因。")
    q = Quarter.parse(quarter)
    at = at or datetime.now(UTC)
    with store.write(db) as con:
        held = assess.lock_info(con, q)
        if not held:
            raise LockError(f"{q.label}未锁定。")
        con.execute("update assessment_lock set unlocked_by = ?, unlocked_at = ?, unlock_reason = ? where id = ?",
                    [user.username, at, reason.strip(), held["id"]])
        audit.record(con, user.username, "assessment_unlock", "assessment", q.key, None,
                     before={"quarter": q.key, "locked": True, "lock_id": held["id"], "locked_by": held["locked_by"],
                             "locked_at": held["locked_at"]},
                     after={"quarter": q.key, "locked": False},
                     detail=f"解锁{q.label}考核结果：{reason.strip()}", at=at)
