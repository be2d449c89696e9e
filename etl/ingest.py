"""Import monthly returns: read all files, validate them in one batch, load each file alone.

The pipeline for a batch: hash every file and spot duplicates (same bytes as a file already
received: no second copy, only a receipt) → refuse unsafe uploads (``etl.limits``) → read
(calamine) → normalise → validate the whole batch in ONE great-expectations call plus the
plain rules → check the uploader may report for the unit → compare with last month →
for each file, ONE transaction (:func:`write_file`) that archives it and writes its receipt,
submission, findings and values. A failure inside it leaves nothing of that file behind.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from etl import archive, store
from etl.catalog_sync import ensure_catalog
from etl import findings as F
from etl.access import SYSTEM_USER, AccessDenied, User, require_upload
from etl.deadline import Lateness, lateness
from etl.normalize import ReturnData, normalize_return
from etl.read_excel import RawReturn, read_return


HOLD_SECONDS = 2.0  # longest stretch the import keeps the database file to itself


@dataclass
class IngestResult:
    file: str
    status: str  # accepted | rejected | duplicate
    sha256: str
    unit: str | None = None
    period: date | None = None
    version: int | None = None
    submission_id: int | None = None
    lateness: Lateness | None = None
    findings: list[F.Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[F.Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[F.Finding]:
        return [f for f in self.findings if not f.is_error]

    def to_json(self) -> dict[str, Any]:
        late = self.lateness
        return {
            "file": self.file,
            "status": self.status,
            "unit": self.unit,
            "period": f"{self.period:%Y-%m}" if self.period else None,
            "version": self.version,
            "on_time": late.on_time if late else None,
            "days_late": late.days_late if late else None,
            "workdays_late": late.workdays_late if late else None,
            "errors": [_finding_json(f) for f in self.errors],
            "warnings": [_finding_json(f) for f in self.warnings],
        }


def _finding_json(f: F.Finding) -> dict[str, Any]:
    return {"code": f.code, "severity": f.severity, "sheet": f.sheet, "cell": f.cell,
            "message": f.message, "hint": f.hint}


@dataclass
class _Item:
    name: str
    data: bytes
    sha: str
    parsed: ReturnData | None = None  # None for a duplicate


def _default_catalog() -> Any:
    from indicators import load_catalog

    return load_catalog()


def ingest_files(
    paths: Iterable[str | os.PathLike],
    *,
    db: str | os.PathLike | None = None,
    user: User = SYSTEM_USER,
    as_unit: str | None = None,
    now: datetime | None = None,
    is_demo: bool = False,
    progress: Callable[[int, int], None] | None = None,
    catalog: Any = None,
) -> list[IngestResult]:
    """Import files from disk; one result per path, in order."""
    items = []
    for p in paths:
        path = Path(p)
        items.append((path.name, path.read_bytes()))
    return ingest_batch(items, db=db, user=user, as_unit=as_unit, now=now, is_demo=is_demo,
                        progress=progress, catalog=catalog)


def ingest_bytes(
    name: str,
    data: bytes,
    *,
    db: str | os.PathLike | None = None,
    user: User = SYSTEM_USER,
    as_unit: str | None = None,
    now: datetime | None = None,
    catalog: Any = None,
) -> IngestResult:
    """Import one uploaded file (the upload page)."""
    return ingest_batch([(name, data)], db=db, user=user, as_unit=as_unit, now=now, catalog=catalog)[0]


def ingest_batch(
    files: list[tuple[str, bytes]],
    *,
    db: str | os.PathLike | None = None,
    user: User = SYSTEM_USER,
    as_unit: str | None = None,
    now: datetime | None = None,
    is_demo: bool = False,
    progress: Callable[[int, int], None] | None = None,
    catalog: Any = None,
) -> list[IngestResult]:
    """Import ``(file name, bytes)`` pairs as one batch (see the module docstring)."""
    from etl import limits, validate

    catalog = catalog if catalog is not None else _default_catalog()
    received_at = now or datetime.now(timezone.utc)
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=timezone.utc)
    ensure_catalog(db, catalog)  # migrates, then mirrors the catalog if its version changed

    items = [_Item(name, data, archive.sha256(data)) for name, data in files]
    with store.read(db) as con:
        known = archive.known_files(con, [it.sha for it in items])
    seen: set[str] = set()
    to_check: list[ReturnData] = []
    for it in items:
        if it.sha in known or it.sha in seen:
            continue
        seen.add(it.sha)
        refused = limits.check_upload(it.name, it.data)
        raw = RawReturn(name=it.name, findings=refused) if refused else read_return(it.name, it.data)
        it.parsed = normalize_return(raw, it.sha, catalog)
        to_check.append(it.parsed)

    validate.validate_batch(to_check, catalog, as_unit)
    for data in to_check:
        _check_access(data, user, as_unit)
    _check_history(db, to_check)

    for data in to_check:
        data.findings.sort(key=F.sort_key)
    results: list[IngestResult] = []
    while len(results) < len(items):
        # keep the database open for a couple of seconds of writes, then let others in
        with store.hold(db):
            started = time.monotonic()
            while len(results) < len(items) and time.monotonic() - started < HOLD_SECONDS:
                it = items[len(results)]
                results.append(write_file(db, it, user=user, received_at=received_at, is_demo=is_demo))
                if progress:
                    progress(len(results), len(items))
    return results


def _check_access(data: ReturnData, user: User, as_unit: str | None) -> None:
    unit = data.raw.meta.get("unit_id") or as_unit
    if not unit:
        return
    try:
        require_upload(user, unit)
    except AccessDenied as err:
        data.findings.append(F.make("ACCESS_DENIED", reason=str(err)))


def _previous_month(period: date) -> date:
    return date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


def _check_history(db: Any, returns: list[ReturnData]) -> None:
    """Compare each passing return with the unit's last accepted month.

    Last month comes from the database or, when the batch itself holds that month for the
    unit (the demo imports a year at once), from the batch: returns are visited in period
    order and only the ones that will be accepted count.
    """
    from etl.validate import check_history

    passing = [d for d in returns if not d.has_errors]
    if not passing:
        return
    wanted = {(d.unit, _previous_month(d.period)) for d in passing}
    units = sorted({u for u, _ in wanted})
    periods = sorted({p for _, p in wanted})
    from_db: dict[tuple[str, date], dict[str, float | None]] = {}
    with store.read(db) as con:
        rows = con.execute(
            "select unit, period, code, value from observation"
            " where is_current and list_contains(?, unit) and list_contains(?, period)",
            [units, periods],
        ).fetchall()
    for unit, period, code, value in rows:
        from_db.setdefault((unit, period), {})[code] = value
    from_batch: dict[tuple[str, date], dict[str, float | None]] = {}
    for d in sorted(passing, key=lambda d: d.period):
        key = (d.unit, _previous_month(d.period))
        check_history(d, from_batch.get(key) or from_db.get(key) or {})
        from_batch[(d.unit, d.period)] = {v.code: v.value for v in d.indicators}


def write_file(db: Any, it: _Item, *, user: User, received_at: datetime, is_demo: bool) -> IngestResult:
    """Everything for one received file, in one transaction (archive, receipt, submission…).

    The bytes are written to the archive first (content-addressed); if the transaction fails
    and this call created the archive file, it is removed again, so nothing is left behind.
    """
    from etl.load import load_return

    created = archive.save_bytes(db, it.sha, it.data)
    try:
        with store.write(db) as con:
            if it.parsed is None or not archive.record_file(con, it.sha, len(it.data), received_at):
                return _write_duplicate(con, it, user=user, received_at=received_at, is_demo=is_demo)
            data = it.parsed
            late = lateness(data.period, received_at) if data.period else None
            loaded = load_return(con, data, uploader=user.username, received_at=received_at,
                                 lateness=late, is_demo=is_demo)
            status = "rejected" if data.has_errors else "accepted"
            archive.record_receipt(con, sha=it.sha, name=it.name, uploader=user.username,
                                   received_at=received_at, outcome=status,
                                   submission_id=loaded.submission_id, is_demo=is_demo)
    except BaseException:
        if created is not None:
            created.unlink(missing_ok=True)
        raise
    return IngestResult(it.name, status, it.sha, data.unit, data.period, loaded.version,
                        loaded.submission_id, late, list(data.findings))


def _write_duplicate(con: Any, it: _Item, *, user: User, received_at: datetime, is_demo: bool) -> IngestResult:
    """Same bytes as a file received before: a receipt pointing at the first submission."""
    row = con.execute(
        "select id, unit, period, version, on_time, days_late, workdays_late from submission"
        " where sha256 = ? order by id limit 1",
        [it.sha],
    ).fetchone()
    sid = row[0] if row else None
    archive.record_receipt(con, sha=it.sha, name=it.name, uploader=user.username, received_at=received_at,
                           outcome="duplicate", submission_id=sid, is_demo=is_demo)
    if row is None:
        return IngestResult(it.name, "duplicate", it.sha)
    late = Lateness(row[4], row[5], row[6]) if row[4] is not None else None
    return IngestResult(it.name, "duplicate", it.sha, row[1], row[2], row[3], sid, late)
