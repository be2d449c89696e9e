"""Write validated returns into the database, inside the caller's transaction.

An accepted return becomes the next version for its unit and month and the current one:
``is_current`` flips on submission, observation, task_progress and work_info, earlier
versions stay queryable. A rejected return keeps a submission row and its findings. Every
received file gets a receipt; a file whose bytes were accepted before is a ``duplicate``.

Several files can be written by one call (the caller decides the transaction): a commit
costs a WAL flush, and with one statement per table for the whole group, 1,000 returns load
in about the time 50 did one by one (measured). Rows go in with ``insert … select
unnest(?)`` (measured ~10x faster than ``executemany`` for 20 rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import store
from store import archive
from accounts import audit
from rules.deadline import Lateness, due_at
from etl.normalize import ReturnData

CURRENT_TABLES = ("submission", "observation", "task_progress", "work_info")


def bulk_insert(con: Any, table: str, columns: dict[str, str], rows: list[tuple]) -> None:
    """Insert ``rows`` into ``table`` in one statement; ``columns`` maps name -> SQL type.

    ``table`` and column names are code constants, never user input.
    """
    if not rows:
        return
    names = list(columns)
    select = ", ".join(f"unnest(?::{columns[c]}[])" for c in names)
    con.execute(
        f"insert into {table} ({', '.join(names)}) select {select}",
        [[row[i] for row in rows] for i in range(len(names))],
    )


@dataclass
class FileToLoad:
    """One received file: its bytes' identity, and the checked return (None: known duplicate)."""

    name: str
    sha256: str
    size: int
    data: ReturnData | None
    lateness: Lateness | None = None
    content: bytes | None = None  # the file's bytes, kept in the row when the archive is the database


@dataclass
class Loaded:
    status: str  # accepted | rejected | duplicate
    submission_id: int | None
    version: int | None
    unit: str | None = None
    period: date | None = None
    lateness: Lateness | None = None
    replaced_version: int | None = None  # the accepted version this one made non-current
    restores_version: int | None = None  # the earlier version whose bytes were sent again


def _record_files(con: Any, files: list[FileToLoad], received_at: datetime) -> None:
    """``archived_file`` rows for bytes not archived before (re-sent rejected bytes have one)."""
    fresh = {f.sha256: f for f in files if f.data is not None}
    if not fresh:
        return
    if all(f.content is not None for f in fresh.values()):  # PostgreSQL: bytes in the row
        import pandas as pd

        # bytes go in as a DataFrame: a Python list of bytes as a bound parameter costs ~12 ms
        # a file to convert, a DataFrame ~0.3 ms (measured, 250 files of 20 KB)
        incoming = pd.DataFrame({
            "sha256": list(fresh), "size_bytes": [f.size for f in fresh.values()],
            "stored_path": [archive.relative_path(s) for s in fresh], "content": [f.content for f in fresh.values()],
        })
        view = f"incoming_files_{id(incoming)}"
        con.register(view, incoming)
        try:
            con.execute(
                "insert into archived_file (sha256, size_bytes, stored_path, first_received_at, content)"
                f" select sha256, size_bytes, stored_path, ?::timestamptz, content::blob from {view}"
                " on conflict do nothing",
                [received_at],
            )
        finally:
            con.unregister(view)
        return
    con.execute(
        "insert or ignore into archived_file (sha256, size_bytes, stored_path, first_received_at)"
        " select unnest(?::varchar[]), unnest(?::bigint[]), unnest(?::varchar[]), ?::timestamptz",
        [list(fresh), [f.size for f in fresh.values()], [archive.relative_path(s) for s in fresh], received_at],
    )


def _versions(con: Any, accepted: list[ReturnData]) -> tuple[list[int], list[bool], set[tuple[str, date]]]:
    """Version number and is_current for each accepted return, in order; pairs to retire."""
    pairs = {(d.unit, d.period) for d in accepted}
    latest: dict[tuple[str, date], int] = {}
    if pairs:
        units, periods = sorted({u for u, _ in pairs}), sorted({p for _, p in pairs})
        rows = con.execute(  # one placeholder per value: pushed down to PostgreSQL
            "select unit, period, max(version) from submission where status = 'accepted'"
            f" and unit in ({store.placeholders(len(units))}) and period in ({store.placeholders(len(periods))})"
            " group by 1, 2",
            units + periods,
        ).fetchall()
        latest = {(u, p): v for u, p, v in rows if (u, p) in pairs}
    retire = set(latest)
    versions = []
    for d in accepted:
        key = (d.unit, d.period)
        latest[key] = latest.get(key, 0) + 1
        versions.append(latest[key])
    current = [versions[i] == latest[(d.unit, d.period)] for i, d in enumerate(accepted)]
    return versions, current, retire


def retire_current(con: Any, pairs: set[tuple[str, date]]) -> None:
    """The current versions of these (unit, period) pairs stop being current, in every table."""
    if not pairs:
        return
    by_period: dict[date, list[str]] = {}
    for u, p in sorted(pairs):
        by_period.setdefault(p, []).append(u)
    for p, units in by_period.items():  # constants in the filter: PostgreSQL finds the rows by index
        for table in CURRENT_TABLES:  # table names are code constants
            con.execute(
                f"update {table} set is_current = false"
                f" where period = ? and unit in ({store.placeholders(len(units))}) and is_current",
                [p, *units],
            )


def _restored(con: Any, accepted: list[ReturnData]) -> dict[tuple[str, str, date], int]:
    """(sha, unit, period) -> version, for accepted returns whose bytes an earlier version had."""
    if not accepted:
        return {}
    shas = sorted({d.sha256 for d in accepted})
    periods = sorted({d.period for d in accepted})  # the month prunes the table (archive.accepted_files)
    rows = con.execute(  # one placeholder per value: pushed down to PostgreSQL
        "select sha256, unit, period, max(version) from submission where status = 'accepted'"
        f" and period in ({store.placeholders(len(periods))})"
        f" and sha256 in ({store.placeholders(len(shas))}) group by all", periods + shas).fetchall()
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def correction_reason(d: ReturnData, given: str | None) -> str | None:
    """Why a later version was sent: the uploader's words, else the return's own 备注."""
    if given and given.strip():
        return given.strip()
    notes = list(dict.fromkeys(v.note for v in d.indicators if v.note))
    return "；".join(notes)[:500] if notes else None


def load_files(
    con: Any,
    files: list[FileToLoad],
    *,
    uploader: str,
    received_at: datetime,
    is_demo: bool = False,
    reason: str | None = None,
) -> list[Loaded]:
    """Archive rows, submissions, findings, values and receipts of ``files``, in order.

    Runs in the caller's transaction: a failure anywhere leaves none of these rows.
    """
    _record_files(con, files, received_at)
    submit = [f for f in files if f.data is not None]
    accepted = [f.data for f in submit if not f.data.has_errors]
    versions, current, retire = _versions(con, accepted)
    restored = _restored(con, accepted)
    retire_current(con, retire)
    ids = store.next_ids(con, "submission_id_seq", len(submit))

    outcome: dict[str, Loaded] = {}
    sub_rows, finding_rows, obs_rows, task_rows, work_rows = [], [], [], [], []
    version_of = dict(zip(map(id, accepted), zip(versions, current)))
    for sid, f in zip(ids, submit):
        d = f.data
        errors = sum(1 for x in d.findings if x.is_error)
        version, is_current = version_of.get(id(d), (None, False))
        replaced = version - 1 if version and version > 1 else None
        status = "accepted" if version else "rejected"
        late = f.lateness
        restores = restored.get((d.sha256, d.unit, d.period)) if status == "accepted" else None
        why = None
        if version and version > 1:
            why = correction_reason(d, reason)
            if restores:
                why = f"恢复第 {restores} 版（重新报送其原文件）" + (f"：{why}" if why else "")
        sub_rows.append((
            sid, d.sha256, d.unit, d.region, d.period, status, version, is_current, uploader, received_at,
            due_at(d.period) if d.period else None, late.on_time if late else None,
            late.days_late if late else None, late.workdays_late if late else None,
            d.template_version, d.catalog_version, errors, len(d.findings) - errors, is_demo, why, restores,
        ))
        finding_rows += [(sid, x.code, x.severity, x.sheet, x.cell, x.message, x.hint) for x in d.findings]
        if status == "accepted":
            obs_rows += [(sid, d.unit, d.region, d.period, v.code, v.value, v.note, v.cell, is_current, is_demo)
                         for v in d.indicators]
            task_rows += [(sid, d.unit, d.period, t.key, t.status, t.pct, t.progress, t.problems, t.next_steps,
                           t.row, is_current) for t in d.tasks]
            work_rows += [(sid, d.unit, d.period, w.key, w.value_num, w.value_text, is_current) for w in d.work]
        outcome[f.sha256] = Loaded(status, sid, version, d.unit, d.period, late, replaced, restores)

    insert_submissions(con, sub_rows)
    insert_findings(con, finding_rows)
    insert_values(con, obs_rows, task_rows, work_rows)
    _known_duplicates(con, [f.sha256 for f in files if f.sha256 not in outcome], outcome)

    results, receipts, first = [], [], set()
    for f in files:
        loaded = outcome[f.sha256]
        if f.sha256 in first or loaded.status == "duplicate":
            loaded = Loaded("duplicate", loaded.submission_id, loaded.version, loaded.unit, loaded.period,
                            loaded.lateness)
        first.add(f.sha256)
        results.append(loaded)
        receipts.append((f.sha256, f.name, uploader, received_at, loaded.status, loaded.submission_id, is_demo))
    bulk_insert(con, "receipt",
                {"sha256": "varchar", "original_name": "varchar", "uploader": "varchar",
                 "received_at": "timestamptz", "outcome": "varchar", "submission_id": "bigint",
                 "is_demo": "boolean"}, receipts)
    audit.record_uploads(con, uploader, files, results, received_at)  # one entry per file, same transaction
    return results


def _known_duplicates(con: Any, shas: list[str], outcome: dict[str, Loaded]) -> None:
    """Files accepted before: point at the first accepted submission of the same bytes."""
    if not shas:
        return
    wanted = sorted(set(shas))
    rows = con.execute(
        "select distinct on (sha256) sha256, id, unit, period, version, on_time, days_late, workdays_late"
        f" from submission where status = 'accepted' and sha256 in ({store.placeholders(len(wanted))})"
        " order by sha256, id",
        wanted,
    ).fetchall()
    found = {r[0]: r for r in rows}
    for sha in shas:
        r = found.get(sha)
        if r is None:
            outcome[sha] = Loaded("duplicate", None, None)
        else:
            late = Lateness(r[5], r[6], r[7]) if r[5] is not None else None
            outcome[sha] = Loaded("duplicate", r[1], r[4], r[2], r[3], late)


def insert_submissions(con: Any, rows: list[tuple]) -> None:
    bulk_insert(
        con, "submission",
        {"id": "bigint", "sha256": "varchar", "unit": "varchar", "region": "varchar", "period": "date",
         "status": "varchar", "version": "integer", "is_current": "boolean", "uploader": "varchar",
         "received_at": "timestamptz", "due_at": "timestamptz", "on_time": "boolean", "days_late": "integer",
         "workdays_late": "integer", "template_version": "varchar", "catalog_version": "varchar",
         "n_errors": "integer", "n_warnings": "integer", "is_demo": "boolean",
         "correction_reason": "varchar", "restores_version": "integer"},
        rows,
    )


def insert_findings(con: Any, rows: list[tuple]) -> None:
    bulk_insert(
        con, "finding",
        {"submission_id": "bigint", "code": "varchar", "severity": "varchar", "sheet": "varchar",
         "cell": "varchar", "message": "varchar", "hint": "varchar"},
        rows,
    )


def insert_values(con: Any, obs_rows: list[tuple], task_rows: list[tuple], work_rows: list[tuple]) -> None:
    """Indicator values, task progress and work information of accepted returns."""
    bulk_insert(
        con, "observation",
        {"submission_id": "bigint", "unit": "varchar", "region": "varchar", "period": "date", "code": "varchar",
         "value": "double", "note": "varchar", "cell": "varchar", "is_current": "boolean", "is_demo": "boolean"},
        obs_rows,
    )
    bulk_insert(
        con, "task_progress",
        {"submission_id": "bigint", "unit": "varchar", "period": "date", "measure_key": "varchar",
         "status": "varchar", "pct": "double", "progress": "varchar", "problems": "varchar",
         "next_steps": "varchar", "row_no": "integer", "is_current": "boolean"},
        task_rows,
    )
    bulk_insert(
        con, "work_info",
        {"submission_id": "bigint", "unit": "varchar", "period": "date", "item": "varchar",
         "value_num": "double", "value_text": "varchar", "is_current": "boolean"},
        work_rows,
    )
