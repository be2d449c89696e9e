"""Write one validated return into the database, inside the caller's transaction.

An accepted return becomes the next version for its unit and month and the current one:
``is_current`` flips on submission, observation, task_progress and work_info, earlier
versions stay queryable. A rejected return keeps a submission row and its findings.

Rows go in bulk: one ``insert … select unnest(?)`` per table (measured ~10x faster than
``executemany`` for a return's 20 rows, and faster than registering a DataFrame).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from etl.deadline import Lateness, due_at
from etl.findings import Finding
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


@dataclass(frozen=True)
class Loaded:
    submission_id: int
    version: int | None


def next_version(con: Any, unit: str, period: date) -> int:
    row = con.execute(
        "select coalesce(max(version), 0) + 1 from submission where unit = ? and period = ? and status = 'accepted'",
        [unit, period],
    ).fetchone()
    return int(row[0])


def retire_current(con: Any, unit: str, period: date) -> None:
    """The previous current version of (unit, period) stops being current, in every table."""
    for table in CURRENT_TABLES:
        con.execute(f"update {table} set is_current = false where unit = ? and period = ? and is_current", [unit, period])


def insert_submission(
    con: Any,
    data: ReturnData,
    *,
    status: str,
    version: int | None,
    uploader: str,
    received_at: datetime,
    lateness: Lateness | None,
    n_errors: int,
    n_warnings: int,
    is_demo: bool,
) -> int:
    row = con.execute(
        """
        insert into submission (sha256, unit, region, period, status, version, is_current, uploader,
            received_at, due_at, on_time, days_late, workdays_late, template_version, catalog_version,
            n_errors, n_warnings, is_demo)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        returning id
        """,
        [
            data.sha256, data.unit, data.region, data.period, status, version, status == "accepted", uploader,
            received_at, due_at(data.period) if data.period else None,
            lateness.on_time if lateness else None,
            lateness.days_late if lateness else None,
            lateness.workdays_late if lateness else None,
            data.template_version, data.catalog_version, n_errors, n_warnings, is_demo,
        ],
    ).fetchone()
    return int(row[0])


def insert_findings(con: Any, submission_id: int, findings: list[Finding]) -> None:
    bulk_insert(
        con, "finding",
        {"submission_id": "bigint", "code": "varchar", "severity": "varchar", "sheet": "varchar",
         "cell": "varchar", "message": "varchar", "hint": "varchar"},
        [(submission_id, f.code, f.severity, f.sheet, f.cell, f.message, f.hint) for f in findings],
    )


def insert_values(con: Any, submission_id: int, data: ReturnData, is_demo: bool) -> None:
    """The indicator values, task progress and work information of an accepted return."""
    unit, region, period = data.unit, data.region, data.period
    bulk_insert(
        con, "observation",
        {"submission_id": "bigint", "unit": "varchar", "region": "varchar", "period": "date", "code": "varchar",
         "value": "double", "note": "varchar", "cell": "varchar", "is_current": "boolean", "is_demo": "boolean"},
        [(submission_id, unit, region, period, v.code, v.value, v.note, v.cell, True, is_demo)
         for v in data.indicators],
    )
    bulk_insert(
        con, "task_progress",
        {"submission_id": "bigint", "unit": "varchar", "period": "date", "measure_key": "varchar",
         "status": "varchar", "pct": "double", "progress": "varchar", "problems": "varchar",
         "next_steps": "varchar", "row_no": "integer", "is_current": "boolean"},
        [(submission_id, unit, period, t.key, t.status, t.pct, t.progress, t.problems, t.next_steps, t.row, True)
         for t in data.tasks],
    )
    bulk_insert(
        con, "work_info",
        {"submission_id": "bigint", "unit": "varchar", "period": "date", "item": "varchar",
         "value_num": "double", "value_text": "varchar", "is_current": "boolean"},
        [(submission_id, unit, period, w.key, w.value_num, w.value_text, True) for w in data.work],
    )


def load_return(
    con: Any,
    data: ReturnData,
    *,
    uploader: str,
    received_at: datetime,
    lateness: Lateness | None,
    is_demo: bool = False,
) -> Loaded:
    """All rows of one return (accepted or rejected), in the caller's transaction."""
    errors = [f for f in data.findings if f.is_error]
    status = "rejected" if errors else "accepted"
    version = None
    if status == "accepted":
        version = next_version(con, data.unit, data.period)
        retire_current(con, data.unit, data.period)
    sid = insert_submission(
        con, data, status=status, version=version, uploader=uploader, received_at=received_at,
        lateness=lateness, n_errors=len(errors), n_warnings=len(data.findings) - len(errors), is_demo=is_demo,
    )
    insert_findings(con, sid, data.findings)
    if status == "accepted":
        insert_values(con, sid, data, is_demo)
    return Loaded(sid, version)
