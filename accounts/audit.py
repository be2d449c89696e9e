"""The audit trail: who changed what, when, with the state before and after.

``record`` takes the caller's cursor and must be called inside the same ``store.write()``
transaction as the write it describes: a rolled-back write then leaves no audit entry, and a
committed write always has one (002 (十九): 可查可评可追溯).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a table is built: the login form needs none
    import pandas as pd

import duckdb

import store

# action -> Chinese label shown on the audit page and in exports
ACTIONS: dict[str, str] = {
    "upload_accepted": "月报通过",
    "upload_rejected": "月报退回",
    "upload_duplicate": "重复上传",
    "upload_refused": "拒收上传（无上传权限）",
    "reupload": "重新上报（新版本）",
    "user_add": "新增账号",
    "user_disable": "停用账号",
    "user_reset_password": "重置密码",
    "user_grant": "开通查看权限",
    "user_revoke": "收回查看权限",
    "login_ok": "登录成功",
    "login_failed": "登录失败",
    "login_locked": "账号锁定",
    "login_throttle_clear": "清除登录失败记录",
    "logout": "退出登录",
    "roster_change": "调整报送名单",
    "case_submit": "提交典型案例",
    "case_approve": "典型案例通过",
    "case_return": "典型案例退回",
    "assessment_entry_add": "录入考核扣分/加分",
    "assessment_entry_withdraw": "撤销考核扣分/加分",
    "assessment_lock": "锁定季度考核",
    "assessment_unlock": "解锁季度考核",
    "archive_repair": "清理存档",
    "supervise_open": "督办立项",
    "supervise_sign": "督办签收",
    "supervise_progress": "督办进展",
    "supervise_apply": "申请销号",
    "supervise_approve": "同意销号",
    "supervise_return": "退回整改",
    "supervise_escalate": "督办提级",
    "supervise_overdue": "督办逾期",
    "supervise_propose": "建议提级",
    "reference_add": "录入参照值",
    "restore_version": "恢复早期版本（新版本）",
}

OBJECT_TYPES: dict[str, str] = {
    "submission": "月报",
    "receipt": "收件",
    "user": "账号",
    "session": "登录",
    "roster": "报送名单",
    "typical_case": "典型案例",
    "assessment_entry": "考核扣分/加分",
    "assessment": "季度考核",
    "archive": "存档文件",
    "supervision": "督办事项",
    "office_reference": "参照值",
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
    [entry_id] = store.next_ids(con, "audit_log_id_seq", 1)  # no RETURNING in PostgreSQL mode
    con.execute(
        "insert into audit_log (id, \"at\", actor, action, object_type, object_id, unit, before, after, detail)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entry_id,
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
    )
    return int(entry_id)


def record_uploads(con: duckdb.DuckDBPyConnection, actor: str, files: list, results: list, at: datetime) -> int:
    """Audit a batch of received files in one statement: exactly one entry per file.

    ``files`` are ``etl.load.FileToLoad`` and ``results`` the matching ``etl.load.Loaded``;
    call it where the batch's receipts are written (same transaction). Returns the count.
    """
    rows = []
    for f, r in zip(files, results, strict=True):
        period = f"{r.period:%Y-%m}" if r.period else None
        state = {"submission_id": r.submission_id, "unit": r.unit, "period": period,
                 "status": r.status, "version": r.version}
        file_info = f"文件“{f.name}”（SHA-256 {f.sha256[:12]}…）"
        before = None
        if r.status == "duplicate":
            action, object_type, after = "upload_duplicate", "receipt", None
            detail = f"{file_info}与已收文件相同，未重复导入"
        elif r.status == "rejected":
            action, object_type, after = "upload_rejected", "submission", state
            first = next((x.message for x in (f.data.findings if f.data else []) if x.is_error), "")
            detail = f"{file_info}未通过校验" + (f"：{first}" if first else "")
        else:
            after, object_type, detail = state, "submission", file_info
            if getattr(r, "restores_version", None):
                action = "restore_version"
                before = {"unit": r.unit, "period": period, "version": r.replaced_version, "is_current": True}
                detail = f"{file_info}与第 {r.restores_version} 版相同：恢复为当前版本（第 {r.version} 版）"
            elif r.replaced_version:
                action = "reupload"
                before = {"unit": r.unit, "period": period, "version": r.replaced_version, "is_current": True}
            else:
                action = "upload_accepted"
        rows.append((at, actor, action, object_type,
                     None if r.submission_id is None else str(r.submission_id),
                     r.unit, _json(before), _json(after), detail))
    if rows:
        columns = ['"at"', "actor", "action", "object_type", "object_id", "unit", "before", "after", "detail"]
        types = ["timestamptz"] + ["varchar"] * 8
        select = ", ".join(f"unnest(?::{t}[])" for t in types)
        con.execute(
            f"insert into audit_log ({', '.join(columns)}) select {select}",
            [[row[i] for row in rows] for i in range(len(columns))],
        )
    return len(rows)


@dataclass(frozen=True)
class AuditFilter:
    """What the office narrows the audit page to; ``None`` means no restriction."""

    since: date | None = None       # inclusive, local calendar day
    until: date | None = None       # inclusive, local calendar day
    actor: str | None = None
    action: str | None = None
    unit: str | None = None


def local_tz() -> str:
    """The zone whose calendar days the filters and display use: Beijing time."""
    return "Asia/Shanghai"


def entries(user, flt: AuditFilter = AuditFilter(), db=None, limit: int = 10_000) -> pd.DataFrame:
    """Audit entries matching ``flt``, newest first; only the office may read the trail."""
    from accounts.access import require_office

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
    import pandas as pd

    out = df.copy()
    if "at" in out and len(out):
        out["at"] = pd.to_datetime(out["at"], utc=True).dt.tz_convert(local_tz()).dt.tz_localize(None)
    out["action"] = out["action"].map(lambda a: ACTIONS.get(a, a))
    out["object_type"] = out["object_type"].map(lambda t: OBJECT_TYPES.get(t, t))
    return out.rename(columns=COLUMNS_ZH)
