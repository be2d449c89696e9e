"""督办 items: opened by the office, signed and worked on by the units, closed on evidence.

Every change is one ``store.write()`` transaction holding the item's rows, its event and its
audit entry (``accounts.audit.record``). Who may do what:

* the office opens items (from red flags or by hand), approves or returns 销号 applications,
  and escalates (会商会 → 专题会 → 领导小组会);
* the lead unit's liaison signs (签收) and applies for 销号 with evidence: a note, an attached
  file (archived by content next to the returns, ``store.archive``) or a later accepted
  return in which the flagged indicator is met (``offered_returns``);
* liaisons of the lead and cooperating units report progress; leaders only read.

``sweep`` (daily, ``python -m etl supervise sweep``) marks items past their deadline 逾期 and
records proposed escalations; running it again the same day changes nothing.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

import store
from accounts import audit
from accounts.access import (
    SYSTEM_USER,
    AccessDenied,
    User,
    readable_units,
    require_office,
    require_write,
    unit_name,
)
from rules import judge, returns
from rules import supervise as sv
from rules.format import is_missing
from rules.query import execute
from store import archive

TZ = ZoneInfo("Asia/Shanghai")
EVIDENCE_SUFFIXES = (".pdf", ".docx", ".doc", ".xlsx", ".xls", ".jpg", ".jpeg", ".png", ".ofd", ".zip")
ROLE_NAMES = {"lead": "牵头", "cooperating": "配合"}
EVENT_NAMES = {"open": "立项", "sign": "签收", "progress": "报告进展", "apply": "申请销号", "approve": "同意销号",
               "return": "退回整改", "escalate": "提级", "overdue": "逾期", "propose": "建议提级"}
# the flags whose subject is an indicator: a later return meeting the target is evidence
INDICATOR_FLAGS = ("未达标", "连续三个月未达标", "预警")


class SupervisionError(ValueError):
    """A refused 督办 action; ``str(err)`` is the Chinese message, ``code`` a stable key."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def beijing_today() -> date:
    return datetime.now(TZ).date()


@dataclass(frozen=True)
class Item:
    id: int
    number: str
    status: str
    level: str
    opened_on: date
    due_on: date
    lead: str
    cooperating: tuple[str, ...] = ()


@dataclass
class SweepResult:
    today: date
    overdue: list[str] = field(default_factory=list)      # numbers newly marked 逾期
    proposed: list[str] = field(default_factory=list)     # "督〔2026〕3号 → 专题会"

    def text(self) -> str:
        parts = [f"{self.today:%Y-%m-%d} 督办巡查：新标记逾期 {len(self.overdue)} 件，新建议提级 {len(self.proposed)} 件。"]
        parts += [f"  逾期：{n}" for n in self.overdue] + [f"  建议提级：{p}" for p in self.proposed]
        return "\n".join(parts)


# --- reading -----------------------------------------------------------------------------

_ITEM_SQL = """
select i.id, i.year, i.seq, i.source, i.problem, i.requirement, i.level, i.status, i.opened_on,
       i.workdays, i.due_on, i.overdue_on, i.signed_by, i.signed_at, i.closed_on, i.opened_by,
       (select unit from supervision_unit where item_id = i.id and role = 'lead') as lead,
       coalesce((select list(unit order by unit) from supervision_unit
         where item_id = i.id and role = 'cooperating'), []::varchar[]) as cooperating
from supervision_item i
"""


def _row_item(r: dict[str, Any]) -> Item:
    return Item(int(r["id"]), sv.number_text(int(r["year"]), int(r["seq"])), r["status"], r["level"],
                _as_date(r["opened_on"]), _as_date(r["due_on"]), r["lead"], tuple(r["cooperating"] or ()))


def _as_date(v: Any) -> date:
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, datetime):
        return v.date()
    return v


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecation noise from duckdb's converter
        return con.execute(sql, params).df() if params is not None else con.execute(sql).df()


def _fetch(con: duckdb.DuckDBPyConnection, item_id: int) -> dict[str, Any]:
    cur = con.execute(_ITEM_SQL + " where i.id = ?", [item_id])
    row = cur.fetchone()
    if row is None:
        raise SupervisionError("NOT_FOUND", f"督办事项（编号 {item_id}）不存在。")
    return dict(zip([d[0] for d in cur.description], row))


def get_item(db: Any, item_id: int) -> Item:
    with store.read(db) as con:
        return _row_item(_fetch(con, item_id))


def _visible(user: User, db: Any, r: dict[str, Any]) -> bool:
    allowed = readable_units(user, db)
    return allowed is None or bool({r["lead"], *(r["cooperating"] or ())} & set(allowed))


def list_items(db: Any, user: User, *, status: str | None = None, unit: str | None = None,
               level: str | None = None, colour: str | None = None, today: date | None = None) -> pd.DataFrame:
    """One row per item ``user`` may see (liaisons: items of their units), newest first, with
    working days left and colour; ``status`` also accepts 未销号 (every open status)."""
    today = today or beijing_today()
    allowed = readable_units(user, db)
    with store.read(db) as con:
        df = _df(con,
            f"""with items as ({_ITEM_SQL})
            select items.*, u.name as lead_name,
                   coalesce((select list(n.name order by n.id) from supervision_unit su join unit n on n.id = su.unit
                     where su.item_id = items.id and su.role = 'cooperating'), []::varchar[]) as cooperating_names,
                   (select count(*) from supervision_flag f where f.item_id = items.id) as n_flags,
                   (select count(*) from supervision_proposal p where p.item_id = items.id and p.decided is null)
                     as open_proposals
            from items left join unit u on u.id = items.lead
            order by year desc, seq desc""")
    if df.empty:
        return _empty_items()
    df["cooperating"] = df["cooperating"].map(lambda v: [str(x) for x in v])
    df["cooperating_names"] = df["cooperating_names"].map(lambda v: [str(x) for x in v])
    if allowed is not None:
        keep = df.apply(lambda r: r["lead"] in allowed or bool(set(r["cooperating"] or ()) & set(allowed)), axis=1)
        df = df[keep]
    if unit:
        df = df[df.apply(lambda r: r["lead"] == unit or unit in (r["cooperating"] or ()), axis=1)]
    if status == "未销号":
        df = df[df["status"] != "已销号"]
    elif status:
        df = df[df["status"] == status]
    if level:
        df = df[df["level"] == level]
    df = df.copy()
    df["opened_on"] = df["opened_on"].map(_as_date)
    df["due_on"] = df["due_on"].map(_as_date)
    df["number"] = [sv.number_text(int(y), int(s)) for y, s in zip(df["year"], df["seq"])]
    df["workdays_left"] = [None if st == "已销号" else sv.workdays_left(d, today)
                           for st, d in zip(df["status"], df["due_on"])]
    df["colour"] = [sv.colour(st, d, today) for st, d in zip(df["status"], df["due_on"])]
    df["source_name"] = df["source"].map(lambda s: sv.SOURCES.get(s, s))
    df["units_text"] = [
        "、".join([f"{ln or l}（牵头）"] + [f"{c}（配合）" for c in (cn if cn is not None else [])])
        for l, ln, cn in zip(df["lead"], df["lead_name"], df["cooperating_names"])
    ]
    if colour:
        df = df[df["colour"] == colour]
    return df.reset_index(drop=True)


def _empty_items() -> pd.DataFrame:
    return pd.DataFrame(columns=["id", "year", "seq", "number", "source", "source_name", "problem", "requirement",
                                 "level", "status", "opened_on", "workdays", "due_on", "overdue_on", "lead",
                                 "lead_name", "cooperating", "cooperating_names", "units_text", "n_flags",
                                 "open_proposals", "workdays_left", "colour", "signed_by", "signed_at",
                                 "closed_on", "opened_by"])


def item_detail(db: Any, user: User, item_id: int) -> dict[str, Any]:
    """The item, its flags, its events and open escalation proposals, for one reader."""
    with store.read(db) as con:
        r = _fetch(con, item_id)
        if not _visible(user, db, r):
            raise AccessDenied("您只能查看本单位承办或配合的督办事项。")
        flags = _df(con, "select f.*, u.name as unit_name from supervision_flag f left join unit u on u.id = f.unit"
                    " where item_id = ? order by period, flag", [item_id])
        events = _df(con, "select e.*, coalesce(a.display_name, case e.actor when 'system' then '系统'"
                          " else e.actor end) as actor_name from supervision_event e"
                          " left join app_user a on a.username = e.actor where item_id = ? order by e.id", [item_id])
        proposals = _df(con, "select * from supervision_proposal where item_id = ? order by proposed_on",
                        [item_id])
        names = dict(con.execute("select id, name from unit").fetchall())
    events["kind_name"] = events["kind"].map(lambda k: EVENT_NAMES.get(k, k))
    return {"item": _row_item(r), "row": r, "flags": flags, "events": events, "proposals": proposals,
            "unit_names": names}


def flags_on_open_items(db: Any) -> dict[tuple[str, date, str, str], str]:
    """(unit, period, flag, subject) of every flag behind an open item -> that item's number,
    so the office sees which flags are already under supervision."""
    with store.read(db) as con:
        rows = con.execute(
            "select f.unit, f.period, f.flag, coalesce(f.subject, ''), i.year, i.seq from supervision_flag f"
            " join supervision_item i on i.id = f.item_id where i.status <> '已销号'").fetchall()
    return {(u, p, f, s): sv.number_text(y, q) for u, p, f, s, y, q in rows}


# --- writing -----------------------------------------------------------------------------

def _now() -> datetime:
    return datetime.now(UTC)


def _event(con: duckdb.DuckDBPyConnection, item_id: int, kind: str, actor: User, on_day: date, *,
           note: str | None = None, before: dict | None = None, after: dict | None = None,
           evidence_sha256: str | None = None, evidence_name: str | None = None,
           evidence_submission_id: int | None = None, number: str = "", unit: str | None = None) -> None:
    """One event row and its audit entry, in the caller's transaction."""
    before, after = before or {}, after or {}
    con.execute(
        "insert into supervision_event (item_id, \"at\", on_day, actor, unit, kind, note, status_before,"
        " status_after, level_before, level_after, evidence_sha256, evidence_name, evidence_submission_id)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [item_id, _now(), on_day, actor.username, actor.unit, kind, note, before.get("status"),
         after.get("status"), before.get("level"), after.get("level"), evidence_sha256, evidence_name,
         evidence_submission_id],
    )
    detail = f"{number} {EVENT_NAMES[kind]}" + (f"：{note}" if note else "")
    audit.record(con, actor.username, f"supervise_{kind}", "supervision", item_id, unit=unit,
                 before=before or None, after=after or None, detail=detail)


def _check_units(con: duckdb.DuckDBPyConnection, units: list[str]) -> None:
    known = {r[0] for r in con.execute("select id from unit where list_contains(?, id)", [units]).fetchall()}
    unknown = [u for u in units if u not in known]
    if unknown:
        raise SupervisionError("UNKNOWN_UNIT", f"未知的责任单位：{'、'.join(unknown)}。请从单位列表中选择。")


_FLAG_COLUMNS = ("flag", "unit", "period", "subject", "subject_name", "reason", "submission_id", "version",
                 "sheet", "cell", "evidence")


def _clean(v: Any) -> Any:
    if is_missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if hasattr(v, "item"):
        return v.item()
    return v


def open_item(user: User, *, lead: str, problem: str, requirement: str, level: str | None = None,
              limit_workdays: int | None = None, cooperating: list[str] | tuple[str, ...] = (),
              source: str = "flag", flags: list[dict[str, Any]] | None = None,
              today: date | None = None, db: Any = None) -> Item:
    """Open an item (office only): numbered 督〔年〕N号 in the year it is opened, status 待签收,
    due ``limit_workdays`` working days later (default: the level's limit in the rules file).

    ``flags`` are red-flag rows (``rules.flags.red_flags``); their reasons and evidence are kept
    with the item. ``source`` is ``flag`` for those and a key of ``rules.supervise.SOURCES``."""
    require_office(user, "督办立项")
    rules = sv.load_rules()
    today = today or beijing_today()
    level = level or rules.levels[0]
    flags = [dict(f) for f in (flags or [])]
    if level not in rules.levels:
        raise SupervisionError("BAD_LEVEL", f"会议层级“{level}”不存在，应为：{'、'.join(rules.levels)}。")
    if source not in sv.SOURCES:
        raise SupervisionError("BAD_SOURCE", f"事项来源“{source}”不存在，应为：{'、'.join(sv.SOURCES.values())}。")
    if source == "flag" and not flags:
        raise SupervisionError("NO_FLAG", "由红灯立项时请至少选择一条红灯。")
    problem = (problem or "").strip() or sv.problem_from_flags(flags)
    requirement = (requirement or "").strip()
    if not problem:
        raise SupervisionError("NO_PROBLEM", "请填写存在的问题。")
    if not requirement:
        raise SupervisionError("NO_REQUIREMENT", "请填写整改要求（做到什么、如何证明）。")
    limit = int(limit_workdays or rules.default_workdays[level])
    if not 1 <= limit <= 250:
        raise SupervisionError("BAD_LIMIT", "办理时限应为 1–250 个工作日。")
    cooperating = [u for u in dict.fromkeys(cooperating) if u and u != lead]
    due = sv.due_date(today, limit)
    with store.write(db) as con:
        _check_units(con, [lead, *cooperating])
        seq = con.execute("select coalesce(max(seq), 0) + 1 from supervision_item where year = ?",
                          [today.year]).fetchone()[0]
        [item_id] = store.next_ids(con, "supervision_item_seq", 1)  # no RETURNING in PostgreSQL mode
        con.execute(
            "insert into supervision_item (id, year, seq, source, problem, requirement, level, status, opened_on,"
            " workdays, due_on, opened_by, opened_at) values (?, ?, ?, ?, ?, ?, ?, '待签收', ?, ?, ?, ?, ?)",
            [item_id, today.year, seq, source, problem, requirement, level, today, limit, due, user.username, _now()],
        )
        con.executemany("insert into supervision_unit values (?, ?, ?)",
                        [(item_id, lead, "lead")] + [(item_id, u, "cooperating") for u in cooperating])
        for f in flags:
            con.execute(f"insert into supervision_flag values (?, {', '.join('?' * len(_FLAG_COLUMNS))})",
                        [item_id, *[_clean(f.get(c)) for c in _FLAG_COLUMNS]])
        number = sv.number_text(today.year, seq)
        _event(con, item_id, "open", user, today, number=number, unit=lead,
               after={"number": number, "status": "待签收", "level": level, "lead": lead,
                      "cooperating": cooperating, "due": due.isoformat(), "workdays": limit,
                      "source": source, "flags": len(flags)},
               note=f"{sv.SOURCES[source]}，{level}，{limit} 个工作日内（{due:%m月%d日}前）办结")
    return Item(int(item_id), number, "待签收", level, today, due, lead, tuple(cooperating))


def _require_lead_liaison(user: User, r: dict[str, Any], what: str) -> None:
    require_write(user)
    if user.role != "liaison" or user.unit != r["lead"]:
        raise AccessDenied(f"{what}由牵头单位联络员办理；本事项牵头单位为{r.get('lead_name') or unit_name(r['lead'])}。")


def _require_involved(user: User, r: dict[str, Any], what: str) -> None:
    require_write(user)
    if user.role == "office":
        return
    if user.role != "liaison" or user.unit not in {r["lead"], *(r["cooperating"] or ())}:
        raise AccessDenied(f"{what}仅限本事项牵头或配合单位的联络员。")


def _transition(user: User, item_id: int, kind: str, today: date | None, db: Any, *,
                allowed_from: tuple[str, ...], check, to_status: str | None = None, note: str | None = None,
                extra: dict[str, Any] | None = None, updates: dict[str, Any] | None = None,
                evidence: dict[str, Any] | None = None, on_write=None) -> Item:
    """Common shape of an action: check, move the status, one event + audit, one transaction."""
    today = today or beijing_today()
    with store.write(db) as con:
        r = _fetch(con, item_id)
        check(user, r)
        number = sv.number_text(int(r["year"]), int(r["seq"]))
        if r["status"] not in allowed_from:
            raise SupervisionError(
                "BAD_STATUS", f"{number} 当前状态为“{r['status']}”，不能{EVENT_NAMES[kind]}。")
        if on_write:
            on_write(con, r)
        new_status = to_status or r["status"]
        sets = {"status": new_status, **(updates or {})}
        con.execute(f"update supervision_item set {', '.join(f'{k} = ?' for k in sets)} where id = ?",
                    [*sets.values(), item_id])
        _event(con, item_id, kind, user, today, note=note, number=number, unit=r["lead"],
               before={"status": r["status"], "level": r["level"]},
               after={"status": new_status, "level": sets.get("level", r["level"]), **(extra or {})},
               **(evidence or {}))
        return _row_item(_fetch(con, item_id))


def sign(user: User, item_id: int, today: date | None = None, db: Any = None) -> Item:
    """The lead unit's liaison signs for the item: 待签收 → 整改中 (an overdue item stays 逾期)."""
    with store.read(db) as con:
        r = _fetch(con, item_id)
    if r["signed_at"] is not None:
        raise SupervisionError("SIGNED", f"{sv.number_text(int(r['year']), int(r['seq']))} 已于此前签收。")
    to = "逾期" if r["status"] == "逾期" else "整改中"
    return _transition(user, item_id, "sign", today, db, allowed_from=("待签收", "逾期"),
                       check=lambda u, row: _require_lead_liaison(u, row, "签收"), to_status=to,
                       updates={"signed_by": user.username, "signed_at": _now()})


def report_progress(user: User, item_id: int, note: str, today: date | None = None, db: Any = None) -> Item:
    """A liaison of the lead or a cooperating unit reports what was done (status unchanged)."""
    note = (note or "").strip()
    if not note:
        raise SupervisionError("NO_NOTE", "请填写本次整改进展。")
    return _transition(user, item_id, "progress", today, db, allowed_from=("整改中", "退回整改", "逾期"),
                       check=lambda u, row: _require_involved(u, row, "报告进展"), note=note)


@dataclass(frozen=True)
class Evidence:
    """What a 销号 application rests on; at least one part must be given."""

    note: str = ""
    file_name: str | None = None
    file_bytes: bytes | None = None
    submission_id: int | None = None

    def empty(self) -> bool:
        return not self.note.strip() and not self.file_bytes and self.submission_id is None


def _max_file_bytes() -> int:
    return int(float(os.environ.get("YINGSHANG_MAX_UPLOAD_MB", "10")) * 1024 * 1024)


def apply_close(user: User, item_id: int, evidence: Evidence, today: date | None = None,
                db: Any = None) -> Item:
    """The lead unit's liaison applies for 销号 with evidence: → 申请销号.

    Without evidence the application is refused. An attached file is archived by content
    (``store.archive``) before the transaction and removed again if it fails; a return given
    as evidence must be one ``offered_returns`` offers for this item."""
    if evidence.empty():
        raise SupervisionError(
            "NO_EVIDENCE", "申请销号须提供整改佐证：填写整改说明、上传佐证材料，或选择系统推荐的已达标月报。")
    sha = suffix = None
    created: Path | None = None
    if evidence.file_bytes:
        suffix = Path(evidence.file_name or "").suffix.lower()
        if suffix not in EVIDENCE_SUFFIXES:
            raise SupervisionError(
                "BAD_FILE", f"佐证材料“{evidence.file_name}”的类型不支持，请上传 {'、'.join(EVIDENCE_SUFFIXES)} 文件。")
        if len(evidence.file_bytes) > _max_file_bytes():
            raise SupervisionError(
                "FILE_TOO_LARGE", f"佐证材料“{evidence.file_name}”超过 {_max_file_bytes() // 1024 // 1024} MB，请压缩后再上传。")
        sha = archive.sha256(evidence.file_bytes)
    if evidence.submission_id is not None:
        offered = offered_returns(db, item_id)
        if int(evidence.submission_id) not in set(offered["submission_id"].astype(int)):
            raise SupervisionError(
                "NOT_OFFERED", f"报送编号 {evidence.submission_id} 的月报未显示该问题已解决，不能作为销号佐证。")
    parts = [p for p in (evidence.note.strip().rstrip("。；;"),
                         f"佐证材料：{evidence.file_name}" if sha else "",
                         f"已达标月报：报送编号 {evidence.submission_id}" if evidence.submission_id else "") if p]
    if sha:
        created = archive.save_bytes(db, sha, evidence.file_bytes, suffix)
    try:
        return _transition(
            user, item_id, "apply", today, db, allowed_from=("整改中", "退回整改", "逾期"),
            check=lambda u, row: _require_lead_liaison(u, row, "申请销号"), to_status="申请销号",
            note="；".join(parts),
            evidence={"evidence_sha256": sha, "evidence_name": evidence.file_name if sha else None,
                      "evidence_submission_id": evidence.submission_id})
    except BaseException:
        if created is not None:
            created.unlink(missing_ok=True)
        raise


def evidence_file(db: Any, user: User, event_id: int) -> tuple[str, bytes]:
    """The archived evidence file of an application (name, bytes) for someone who may see the item."""
    with store.read(db) as con:
        row = con.execute("select item_id, evidence_sha256, evidence_name from supervision_event where id = ?",
                          [event_id]).fetchone()
        if row is None or row[1] is None:
            raise SupervisionError("NO_FILE", "该记录没有佐证材料。")
        r = _fetch(con, row[0])
    if not _visible(user, db, r):
        raise AccessDenied("您只能查看本单位承办或配合的督办事项。")
    return row[2], archive.read_bytes(db, row[1], Path(row[2]).suffix.lower())


def approve(user: User, item_id: int, reason: str = "", today: date | None = None, db: Any = None) -> Item:
    """The office accepts the evidence: 申请销号 → 已销号."""
    today = today or beijing_today()
    return _transition(user, item_id, "approve", today, db, allowed_from=("申请销号",),
                       check=lambda u, row: require_office(u, "审核销号"), to_status="已销号",
                       note=(reason or "").strip() or "佐证属实，同意销号", updates={"closed_on": today})


def return_application(user: User, item_id: int, reason: str, today: date | None = None,
                       db: Any = None) -> Item:
    """The office returns the application with a reason: 申请销号 → 退回整改 (逾期 if already past due)."""
    reason = (reason or "").strip()
    if not reason:
        raise SupervisionError("NO_REASON", "退回整改须写明理由（哪里不足、还需补充什么）。")
    today = today or beijing_today()
    with store.read(db) as con:
        r = _fetch(con, item_id)
    to = "逾期" if r["overdue_on"] is not None and sv.is_overdue(_as_date(r["due_on"]), today) else "退回整改"
    return _transition(user, item_id, "return", today, db, allowed_from=("申请销号",),
                       check=lambda u, row: require_office(u, "审核销号"), to_status=to, note=reason)


def escalate(user: User, item_id: int, reason: str, to_level: str | None = None,
             limit_workdays: int | None = None, today: date | None = None, db: Any = None) -> Item:
    """The office takes an item one meeting up (or to ``to_level``); a new time limit, if
    given, counts from today and lifts 逾期 (the overdue mark stays on record)."""
    rules = sv.load_rules()
    today = today or beijing_today()
    reason = (reason or "").strip()
    with store.read(db) as con:
        r = _fetch(con, item_id)
    up = to_level or sv.next_level(r["level"], rules)
    if up is None:
        raise SupervisionError("TOP_LEVEL", "已是领导小组会层级，不能再提级。")
    if up not in rules.levels or rules.levels.index(up) <= rules.levels.index(r["level"]):
        raise SupervisionError("BAD_LEVEL", f"只能提级到高于“{r['level']}”的层级。")
    updates: dict[str, Any] = {"level": up}
    status = r["status"]
    if limit_workdays:
        due = sv.due_date(today, int(limit_workdays))
        updates |= {"due_on": due, "workdays": int(limit_workdays)}
        if status == "逾期":
            status = "整改中" if r["signed_at"] is not None else "待签收"

    def decide(con: duckdb.DuckDBPyConnection, row: dict[str, Any]) -> None:
        con.execute("update supervision_proposal set decided = 'escalated' where item_id = ? and decided is null",
                    [item_id])

    return _transition(user, item_id, "escalate", today, db, allowed_from=sv.OPEN_STATUSES,
                       check=lambda u, row: require_office(u, "督办提级"), to_status=status,
                       note=f"提请{up}" + (f"：{reason}" if reason else ""), updates=updates,
                       extra={"due": updates["due_on"].isoformat()} if "due_on" in updates else None,
                       on_write=decide)


# --- evidence the system offers ------------------------------------------------------------

_OFFERED = f"""
with {judge.JUDGED},
item_flags as (
    select unnest($f_units) as unit, unnest($f_subjects) as subject, unnest($f_periods) as period,
           unnest($f_flags) as flag
),
met_indicators as (
    select j.submission_id, j.period, j.unit, j.code as subject, j.name as subject_name, j.status,
           j.reason, '指标' as sheet, j.cell
    from judged j join item_flags f on f.unit = j.unit and f.subject = j.code and j.period > f.period
    where (f.flag = '预警' and j.status = '达标')
       or (f.flag in ('未达标', '连续三个月未达标') and j.status in ('达标', '预警'))
),
done_tasks as (
    select t.submission_id, t.period, t.unit, t.measure_key as subject, m.title as subject_name,
           t.status, '任务「' || m.title || '」进展：' || t.status as reason, '任务进展' as sheet,
           'E' || t.row_no as cell
    from task_progress t join item_flags f on f.unit = t.unit and f.subject = t.measure_key
         and f.flag = '任务滞后' and t.period > f.period
    join measure m on m.key = t.measure_key
    where t.is_current and t.status in ('推进中', '已完成')
),
final as (
    select o.*, s.version, s.received_at from (select * from met_indicators union all select * from done_tasks) o
    join submission s on s.id = o.submission_id and s.status = 'accepted' and s.is_current
)
select distinct * from final order by period, subject
"""

_OFFERED_EMPTY = ["submission_id", "period", "unit", "subject", "subject_name", "status", "reason", "sheet", "cell",
                  "version", "received_at"]


def offered_for_flags(db: Any, flags: list[dict[str, Any]]) -> pd.DataFrame:
    """Later accepted returns in which what ``flags`` were about is met: the flagged indicator
    reaches its target (达标, or 预警 for a failure) or the lagging task moves on."""
    flags = [f for f in flags if f.get("subject")]
    if not flags:
        return pd.DataFrame(columns=_OFFERED_EMPTY)
    periods = [_as_date(_clean(f["period"])) for f in flags]
    with store.read(db) as con:
        last = con.execute("select max(period) from submission where status = 'accepted'").fetchone()[0]
        first = min(periods)
        if last is None or last <= first:
            return pd.DataFrame(columns=_OFFERED_EMPTY)
        p0 = returns.add_months(date(first.year, first.month, 1), 1)
        return execute(con, _OFFERED, judge.params(p0, last) | {
            "f_units": [f["unit"] for f in flags], "f_subjects": [str(f["subject"]) for f in flags],
            "f_periods": periods, "f_flags": [f["flag"] for f in flags]})


def offered_returns(db: Any, item_id: int) -> pd.DataFrame:
    """``offered_for_flags`` for the flags an item was opened from: what the liaison may pick
    as evidence instead of writing it up."""
    with store.read(db) as con:
        flags = _df(con, "select unit, subject, period, flag from supervision_flag where item_id = ?", [item_id])
    return offered_for_flags(db, flags.to_dict("records"))


# --- the daily sweep ---------------------------------------------------------------------

_PERSISTS = f"""
with {judge.JUDGED}
select j.period, j.status from judged j
where j.unit = $unit and j.code = $code and j.period > $since
order by j.period
"""


def flag_months(con: duckdb.DuckDBPyConnection, item_id: int) -> int | None:
    """How many months in a row after its month the item's indicator flag stayed on (the
    longest over its flags); None when it has no indicator flag."""
    rows = con.execute("select unit, subject, period, flag from supervision_flag where item_id = ?"
                       " and list_contains(?, flag)", [item_id, list(INDICATOR_FLAGS)]).fetchall()
    if not rows:
        return None
    last = con.execute("select max(period) from submission where status = 'accepted'").fetchone()[0]
    best = 0
    for unit, code, since, flag in rows:
        if last is None or last <= since:
            continue
        df = execute(con, _PERSISTS, judge.params(returns.add_months(since, 1), last, unit=unit, code=code)
                     | {"since": since})
        bad = ("未达标", "预警") if flag != "预警" else ("预警", "未达标")
        n = 0
        for status in df["status"]:
            if status not in bad:
                break
            n += 1
        best = max(best, n)
    return best


def sweep(today: date | None = None, db: Any = None, actor: User = SYSTEM_USER) -> SweepResult:
    """Mark items past their deadline 逾期 and record proposed escalations, in one transaction.

    Idempotent: an item already 逾期 is not marked again and a proposal exists once per item
    and target level, so a second run on the same day writes nothing."""
    rules = sv.load_rules()
    today = today or beijing_today()
    result = SweepResult(today)
    with store.write(db) as con:
        cur = con.execute(_ITEM_SQL + " where i.status <> '已销号' order by i.year, i.seq")
        cols = [d[0] for d in cur.description]
        items = [dict(zip(cols, r)) for r in cur.fetchall()]
        for r in items:
            number = sv.number_text(int(r["year"]), int(r["seq"]))
            due = _as_date(r["due_on"])
            status = r["status"]
            if status in sv.OVERDUE_FROM and sv.is_overdue(due, today):
                con.execute("update supervision_item set status = '逾期', overdue_on = coalesce(overdue_on, ?)"
                            " where id = ?", [today, r["id"]])
                _event(con, r["id"], "overdue", actor, today, number=number, unit=r["lead"],
                       before={"status": status}, after={"status": "逾期"},
                       note=f"超过办理时限（截止 {due:%Y年%m月%d日}）")
                result.overdue.append(number)
                status = "逾期"
            prop = sv.escalation_proposal(r["level"], status, due, today, flag_months(con, r["id"]), rules)
            if prop is None:
                continue
            exists = con.execute("select 1 from supervision_proposal where item_id = ? and to_level = ?",
                                 [r["id"], prop.to_level]).fetchone()
            if exists:
                continue
            con.execute("insert into supervision_proposal values (?, ?, ?, ?, ?, null)",
                        [r["id"], prop.to_level, r["level"], today, prop.reason])
            _event(con, r["id"], "propose", actor, today, number=number, unit=r["lead"],
                   before={"level": r["level"]}, after={"proposed_level": prop.to_level}, note=prop.reason)
            result.proposed.append(f"{number} → {prop.to_level}")
    return result


# --- for the assessment ------------------------------------------------------------------

def supervision_deductions(db: Any = None, year: int | None = None) -> pd.DataFrame:
    """Per lead unit × quarter (``2026Q4``): items that went overdue in the quarter
    (``overdue_items``, counted once, in the quarter the sweep first found them past due) and
    销号 applications the office returned in the quarter (``returned_applications``).

    The assessment turns these counts into points with its own rules file; the lead unit
    answers for an item, so cooperating units are not counted."""
    span = (date(year, 1, 1), date(year, 12, 31)) if year else (date(1900, 1, 1), date(9999, 12, 31))
    with store.read(db) as con:
        rows = execute(con, sv.DEDUCTION_EVENTS, {"p0": span[0], "p1": span[1]})
    cols = ["unit", "quarter", "overdue_items", "returned_applications"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rows["quarter"] = [f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in pd.to_datetime(rows["on_day"])]
    out = (rows.assign(overdue_items=rows["kind"].eq("overdue").astype(int),
                       returned_applications=rows["kind"].eq("returned").astype(int))
           .groupby(["unit", "quarter"], as_index=False)[["overdue_items", "returned_applications"]].sum())
    return out.sort_values(["quarter", "unit"], ignore_index=True)[cols]
