"""The audit trail: who changed what, when, with the state before and after.

``record`` takes the caller's cursor and must be called inside the same ``store.write()``
transaction as the write it describes: a rolled-back write then leaves no audit entry, and a
committed write always has one (002 (十九): 可查可评可追溯).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

from etl import store

# action -> Chinese label shown on the audit page and in exports
ACTIONS: dict[str, str] = {
    "upload_accepted": "月报通过",
    "upload_rejected": "月报退回",
    "upload_duplicate": "重复上传",
    "reupload": "重新上报（新版本）",
    "user_add": "新增账号",
    "user_disable": "停用账号",
    "user_reset_password": "重置密码",
    "login_ok": "登录成功",
    "login_failed": "登录失败",
    "login_locked": "账号锁定",
    "roster_change": "调整报送名单",
}

OBJECT_TYPES: dict[str, str] = {
    "submission": "月报",
    "receipt": "收件",
    "user": "账号",
    "session": "登录",
    "roster": "报送名单",
}

COLUMNS_ZH: dict[str, str] = {
    "id": "序号",
    "at": "时间",
    "actor": "操作人",
    "action": "操作",
    "object_type": "对象类型",
    "object_id": "对象",
    "unit": "单位",
    "before": "变更前",
    "after": "变更后",
    "detail": "说明",
}


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int | None,
    unit: str | None = None,
    before: Any = None,
    after: Any = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> int:
    """Insert one audit entry with ``con`` (the writer's cursor); returns its id.

    ``before`` / ``after`` are dicts (stored as JSON text) or ready JSON strings.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = con.execute(
        "insert into audit_log (\"at\", actor, action, object_type, object_id, unit, before, after, detail)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning id",
        [
            at or datetime.now(UTC),
            actor,
            action,
            object_type,
            None if object_id is None else str(object_id),
            unit,
            _json(before),
            _json(after),
            detail,
        ],
    ).fetchone()
    return int(row[0])


def record_upload(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    outcome: str,
    submission_id: int | None,
    file_name: str,
    sha256: str,
    at: datetime | None = None,
) -> int:
    """Audit one received file (call where its receipt is written, same transaction).

    ``outcome`` is the receipt's: accepted | rejected | duplicate. An accepted version above 1
    is logged as ``reupload`` with the replaced version as ``before``.
    """
    sub = None
    if submission_id is not None:
        sub = con.execute(
            "select id, unit, strftime(period, '%Y-%m'), status, version, n_errors, n_warnings"
            " from submission where id = ?",
            [submission_id],
        ).fetchone()
    unit = sub[1] if sub else None
    state = None
    if sub:
        state = {"submission_id": sub[0], "unit": sub[1], "period": sub[2], "status": sub[3],
                 "version": sub[4], "n_errors": sub[5], "n_warnings": sub[6]}
    file_info = f"文件“{file_name}”（SHA-256 {sha256[:12]}…）"
    if outcome == "duplicate":
        return record(con, actor, "upload_duplicate", "receipt", submission_id, unit=unit,
                      detail=f"{file_info}与已收文件相同，未重复导入", at=at)
    if outcome == "rejected":
        first = con.execute(
            "select message from finding where submission_id = ? and severity = 'error' limit 1", [submission_id]
        ).fetchone()
        reason = f"：{first[0]}" if first else ""
        return record(con, actor, "upload_rejected", "submission", submission_id, unit=unit, after=state,
                      detail=f"{file_info}未通过校验{reason}", at=at)
    before = None
    if sub and sub[4] and sub[4] > 1:
        prev = con.execute(
            "select id, version from submission where unit = ? and strftime(period, '%Y-%m') = ?"
            " and status = 'accepted' and version = ?",
            [sub[1], sub[2], sub[4] - 1],
        ).fetchone()
        if prev:
            before = {"submission_id": prev[0], "unit": sub[1], "period": sub[2], "version": prev[1], "is_current": True}
    action = "reupload" if before else "upload_accepted"
    return record(con, actor, action, "submission", submission_id, unit=unit, before=before, after=state,
                  detail=file_info, at=at)


@dataclass(frozen=True)
class AuditFilter:
    """What the office narrows the audit page to; ``None`` means no restriction."""

    since: date | None = None       # inclusive, local calendar day
    until: date | None = None       # inclusive, local calendar day
    actor: str | None = None
    action: str | None = None
    unit: str | None = None


def local_tz() -> str:
    """The zone whose calendar days the filters and display use (Beijing time)."""
    return os.environ.get("YINGSHANG_TZ", "Asia/Shanghai")


def entries(user, flt: AuditFilter = AuditFilter(), db=None, limit: int = 10_000) -> pd.DataFrame:
    """Audit entries matching ``flt``, newest first; only the office may read the trail."""
    from etl.access import require_office

    require_office(user, "查看审计日志")
    where, params = ["true"], []
    if flt.since:
        where.append('("at" at time zone ?)::date >= ?')
        params += [local_tz(), flt.since]
    if flt.until:
        where.append('("at" at time zone ?)::date <= ?')
        params += [local_tz(), flt.until]
    for column in ("actor", "action", "unit"):
        value = getattr(flt, column)
        if value:
            where.append(f"{column} = ?")  # column names are fixed above, never user input
            params.append(value)
    sql = (
        'select id, "at", actor,'
        " action, object_type, object_id, unit, before, after, detail"
        f" from audit_log where {' and '.join(where)} order by id desc limit ?"
    )
    with store.read(db) as con:
        return con.execute(sql, params + [limit]).df()


def distinct_values(column: str, db=None) -> list[str]:
    """Values present in ``column`` (actor / action / unit), for the page's filter boxes."""
    if column not in ("actor", "action", "unit"):
        raise ValueError(column)
    with store.read(db) as con:
        rows = con.execute(
            f"select distinct {column} from audit_log where {column} is not null order by 1"
        ).fetchall()
    return [r[0] for r in rows]


def for_display(df: pd.DataFrame) -> pd.DataFrame:
    """Chinese labels and column names, local time without zone: what the page and Excel show."""
    out = df.copy()
    if "at" in out and len(out):
        out["at"] = pd.to_datetime(out["at"], utc=True).dt.tz_convert(local_tz()).dt.tz_localize(None)
    out["action"] = out["action"].map(lambda a: ACTIONS.get(a, a))
    out["object_type"] = out["object_type"].map(lambda t: OBJECT_TYPES.get(t, t))
    return out.rename(columns=COLUMNS_ZH)
