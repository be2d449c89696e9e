"""Import monthly returns, chunk by chunk: read, validate and write ``CHUNK`` files at a time.

The pipeline for a chunk: hash every file and spot duplicates (same bytes as a file already
accepted: no second copy, only a receipt; rejected bytes are checked again) → refuse unsafe uploads (``etl.limits``) → read
(calamine) → normalise → validate the chunk in ONE great-expectations call plus the
plain rules → check the uploader may report for the unit → compare with last month →
write (:func:`write_files`): archive the bytes, then receipts, submissions, findings and
values in one transaction, with the precomputed judgments of what the chunk changed
(``rules.stats.refresh_batch``), releasing the database file between chunks (the app gets
its turn during a long import). Files are read when their chunk comes up and dropped after
it, so memory does not grow with the number of files. At most ``findings.MAX_FINDINGS``
findings are kept per file, plus one with the total. Every file is all or nothing: a failure
rolls the chunk back and it is retried file by file, so the error is raised for the file
that caused it, the files before it are kept and nothing of that file is left behind.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import store
from store import archive
from etl import findings as F
from accounts.access import SYSTEM_USER, AccessDenied, User, require_upload, require_write
from rules.stats import ensure_catalog
from rules.deadline import Lateness, lateness, local_day
from etl.normalize import ReturnData, normalize_return
from etl.read_excel import RawReturn, read_return

Progress = Callable[[str, int, int], None]  # (stage "read" | "write", done, total)
# Files written per transaction (see etl/load.py); a failing chunk is retried file by file.
# The database file is held across chunks and handed over when another process waited
# (``store.Turns``: before a chunk's reading, before each file it reads and each check, and
# before its writing), so a chunk's writing is how long a page may have to wait during an
# import: at national scale a chunk of 250 writes in ~1-2 s. Each chunk pays one validation call and
# one judgments refresh: 5,000 returns into the national database took 13.5 ms a return in
# chunks of 100 and 7.7 ms in chunks of 250.
CHUNK = int(os.environ.get("YINGSHANG_IMPORT_CHUNK", "250"))


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
    progress: Progress | None = None,
    catalog: Any = None,
    refresh_stats: bool = True,
    reason: str | None = None,
) -> list[IngestResult]:
    """Import files from disk; one result per path, in order (``reason``: why a later version
    of a month is sent, shown beside the correction).

    ``progress(stage, done, total)`` is called while files are read and checked (stage
    ``"read"``, per file) and while they are written (``"write"``, per group of files).
    """
    items: list[tuple[str, bytes | Path]] = [(Path(p).name, Path(p)) for p in paths]  # read chunk by chunk
    return ingest_batch(items, db=db, user=user, as_unit=as_unit, now=now, is_demo=is_demo,
                        progress=progress, catalog=catalog, refresh_stats=refresh_stats, reason=reason)


def ingest_bytes(
    name: str,
    data: bytes,
    *,
    db: str | os.PathLike | None = None,
    user: User = SYSTEM_USER,
    as_unit: str | None = None,
    now: datetime | None = None,
    catalog: Any = None,
    reason: str | None = None,
) -> IngestResult:
    """Import one uploaded file (the upload page)."""
    return ingest_batch([(name, data)], db=db, user=user, as_unit=as_unit, now=now, catalog=catalog,
                        reason=reason)[0]


def ingest_batch(
    files: list[tuple[str, bytes | Path]],
    *,
    db: str | os.PathLike | None = None,
    user: User = SYSTEM_USER,
    as_unit: str | None = None,
    now: datetime | None = None,
    is_demo: bool = False,
    progress: Progress | None = None,
    catalog: Any = None,
    refresh_stats: bool = True,
    reason: str | None = None,
) -> list[IngestResult]:
    """Import ``(file name, bytes or path)`` pairs as one batch (see the module docstring); a
    path is read only when its chunk comes up, so memory does not grow with the batch.

    ``refresh_stats=False`` skips updating the dashboard's precomputed judgments (a bulk
    loader such as the demo refreshes once at the end with ``rules.stats.refresh_db``).
    """
    received = now or datetime.now(UTC)
    try:
        require_write(user)
    except AccessDenied as err:  # a leader: nothing of the files is kept, only the attempt is audited
        return _refuse_all(files, db=db, user=user, reason=str(err), at=received)
    catalog = catalog if catalog is not None else _default_catalog()
    # The file is not held over the batch: reading and validating need no database, and it is
    # given up between write chunks, so the app is never locked out for a whole import.
    return _ingest(files, db=db, user=user, as_unit=as_unit, now=now, is_demo=is_demo,
                   progress=progress, catalog=catalog, refresh_stats=refresh_stats, reason=reason)


def _ingest(files: list[tuple[str, bytes | Path]], *, db: Any, user: User, as_unit: str | None,
            now: datetime | None, is_demo: bool, progress: Progress | None, catalog: Any,
            refresh_stats: bool, reason: str | None = None) -> list[IngestResult]:
    """Chunk by chunk: read, check and write ``CHUNK`` files, then let them go.

    Peak memory is one chunk's bytes and parsed returns, whatever the number of files. A
    return is compared with last month from the database (earlier chunks are written by then)
    or from its own chunk."""
    received_at = now or datetime.now(UTC)
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    seen: set[str] = set()
    results: list[IngestResult] = []
    # the file is held across chunks, handed over when a page waits, renewed every 4 chunks (memory)
    with store.Turns(db, renew_every=8) as turns:
        ensure_catalog(db, catalog)  # migrates, then mirrors the catalog if its version changed
        archive.clean_on_start(db)  # temp files a killed loader left behind
        for start in range(0, len(files), CHUNK):
            if start:
                turns.between()
            chunk = [_Item(name, data, archive.sha256(data))
                     for name, data in ((n, _read(src)) for n, src in files[start : start + CHUNK])]
            _check_chunk(chunk, db=db, user=user, as_unit=as_unit, received_at=received_at, catalog=catalog,
                         seen=seen, progress=progress, done=start, total=len(files), poll=turns.poll)
            turns.between()  # reading and checking took a while: a page that waited goes first
            results += write_files(db, chunk, user=user, received_at=received_at, is_demo=is_demo,
                                   refresh_stats=refresh_stats, reason=reason)
            del chunk
            if progress:
                progress("write", len(results), len(files))
    return results


def _read(src: bytes | Path) -> bytes:
    return src if isinstance(src, bytes) else Path(src).read_bytes()


def _check_chunk(items: list[_Item], *, db: Any, user: User, as_unit: str | None, received_at: datetime,
                 catalog: Any, seen: set[str], progress: Progress | None, done: int, total: int,
                 poll: Callable[[], bool] = lambda: False) -> None:
    """Parse and check a chunk's files in place (``it.parsed``; None for a duplicate): limits,
    reading, normalising, ONE great-expectations call for the chunk, access, history.

    ``poll`` is called before each file and each check: a process waiting for the database
    gets it then, not after the whole chunk (``store.Turns.poll``)."""
    from etl import limits, validate

    for n, it in enumerate(items, start=done + 1):
        poll()
        if progress:
            progress("read", n, total)
        if it.sha in seen:
            continue
        seen.add(it.sha)
        refused = limits.check_upload(it.name, it.data)
        raw = RawReturn(name=it.name, findings=refused) if refused else read_return(it.name, it.data)
        it.parsed = normalize_return(raw, it.sha, catalog)
    # Duplicates are looked up once the files are read: their months narrow the lookup (the
    # same bytes always read as the same month). Reading a duplicate costs a millisecond.
    read = [it for it in items if it.parsed is not None]
    months = {validate.parse_period(it.parsed.raw.meta.get("period")) for it in read}
    with store.read(db) as con:
        known = archive.accepted_files(con, [it.sha for it in read], [m for m in months if m])
    to_check: list[ReturnData] = []
    for it in read:
        if it.sha in known:
            it.parsed = None
        else:
            to_check.append(it.parsed)

    poll()
    validate.validate_batch(to_check, catalog, as_unit, today=local_day(received_at))
    poll()
    for data in to_check:
        _check_access(data, user, as_unit, db)
    poll()
    _check_history(db, to_check, catalog)
    for data in to_check:
        _file_under_uploader(data, user, catalog)
    for data in to_check:
        data.findings.sort(key=F.sort_key)
        data.findings = F.capped(data.findings)


def _check_access(data: ReturnData, user: User, as_unit: str | None, db: Any = None) -> None:
    unit = data.raw.meta.get("unit_id") or as_unit
    if not unit:
        return
    try:
        require_upload(user, unit, db)
    except AccessDenied as err:
        data.findings.append(F.make("ACCESS_DENIED", reason=str(err)))


def _file_under_uploader(data: ReturnData, user: User, catalog: Any) -> None:
    """A liaison's refused return is kept under the liaison's own unit, never the claimed one.

    Otherwise a file claiming another unit (refused: ACCESS_DENIED) would show up in that
    unit's 报送记录 and 数据质量 as if it had sent something. The claimed unit stays visible in
    the finding's message.
    """
    if user.role != "liaison" or not data.has_errors or data.unit == user.unit:
        return
    data.unit = user.unit
    unit = catalog.units.get(user.unit) if user.unit and hasattr(catalog, "units") else None
    data.region = unit.region if unit is not None else None


def _refuse_all(files: list[tuple[str, bytes | Path]], *, db: Any, user: User, reason: str,
                at: datetime) -> list[IngestResult]:
    """Someone who may not upload at all: one audit entry per file, no archive, submission or receipt."""
    from accounts import audit

    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    finding = F.make("ACCESS_DENIED", reason=reason)
    results, sizes = [], []
    for name, src in files:
        data = _read(src)
        results.append(IngestResult(name, "rejected", archive.sha256(data), findings=[finding]))
        sizes.append(len(data))
    store.migrate(db)
    with store.write(db) as con:
        for r, size in zip(results, sizes):
            audit.record(con, user.username, "upload_refused", "receipt", None, unit=user.unit,
                         detail=f"文件“{r.file}”（SHA-256 {r.sha256[:12]}…，{size} 字节）未接收：{reason}", at=at)
    return results


def _previous_month(period: date) -> date:
    return date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


def _check_history(db: Any, returns: list[ReturnData], catalog: Any = None) -> None:
    """Compare each return with the unit's last accepted month.

    Every return is checked for percentages typed as decimals (an error); the passing ones
    also get the change warnings. Last month comes from the database (earlier chunks of the
    same import are written by then) or, when the chunk itself holds that month for the unit
    (the demo imports a year at once), from the chunk: returns are visited in period order
    and only the ones that will be accepted count.
    """
    from etl.validate import check_history, check_percent_decimals

    known = [d for d in returns if d.unit and d.period]
    if not known:
        return
    wanted = {(d.unit, _previous_month(d.period)) for d in known}
    units = sorted({u for u, _ in wanted})
    periods = sorted({p for _, p in wanted})
    from_db: dict[tuple[str, date], dict[str, float | None]] = {}
    with store.read(db) as con:
        rows = con.execute(  # one placeholder per value: pushed down to PostgreSQL
            "select unit, period, code, value from observation"
            f" where is_current and unit in ({store.placeholders(len(units))})"
            f" and period in ({store.placeholders(len(periods))})",
            units + periods,
        ).fetchall()
    for unit, period, code, value in rows:
        from_db.setdefault((unit, period), {})[code] = value
    from_batch: dict[tuple[str, date], dict[str, float | None]] = {}
    for d in sorted(known, key=lambda d: d.period):
        key = (d.unit, _previous_month(d.period))
        previous = from_batch.get(key) or from_db.get(key) or {}
        passing = not d.has_errors
        if catalog is not None:
            check_percent_decimals(d, catalog, previous)
        if not passing:
            continue
        check_history(d, previous)
        if not d.has_errors:
            from_batch[(d.unit, d.period)] = {v.code: v.value for v in d.indicators}


@lru_cache(maxsize=256)
def _lateness(period: date, received_at: datetime) -> Lateness:
    """A batch shares one receipt time and a few months: count working days once per month."""
    return lateness(period, received_at)


def _new_submissions(loaded: list[Any]) -> list[int]:
    """Ids of the submissions this chunk created (accepted and rejected; not duplicates)."""
    return sorted({d.submission_id for d in loaded if d.status != "duplicate" and d.submission_id is not None})


def _refresh_stats(con: Any, loaded: list[Any]) -> None:
    """Keep the dashboard's precomputed judgments current (same transaction): only what the
    chunk's returns can change is re-judged (``rules.stats.refresh_batch``)."""
    from rules import stats

    stats.refresh_batch(con, _new_submissions(loaded))


CONFLICT_RETRIES = 8  # PostgreSQL: another importer won the same unit and month; redo the group


def write_files(db: Any, items: list[_Item], *, user: User, received_at: datetime,
                is_demo: bool, refresh_stats: bool = True, reason: str | None = None) -> list[IngestResult]:
    """Everything for these received files in ONE transaction: archive, receipts, submissions…

    The bytes are written to the archive first (content-addressed); if the transaction fails,
    archive files this call created are removed, so nothing is left behind. A failing group
    is retried file by file: the files before the culprit are kept and the error is raised
    for the culprit (a database or disk problem, not a mistake in the return).

    On PostgreSQL the bytes go into the same transaction (``archived_file.content``), and a
    transaction that lost a race with another importer (serialization failure, or the unique
    version / current-return constraint) is redone from a fresh snapshot, so versions are
    numbered by the database's order of commits, none lost or doubled. The precomputed
    judgments are then refreshed in a transaction of their own (:func:`_refresh_after`).
    """
    from etl.load import FileToLoad, load_files

    in_db = archive.in_database(db)
    files = [
        FileToLoad(it.name, it.sha, len(it.data), it.parsed,
                   _lateness(it.parsed.period, received_at) if it.parsed and it.parsed.period else None,
                   it.data if in_db and it.parsed is not None else None)
        for it in items
    ]
    created = [p for it in items if it.parsed is not None
               if (p := archive.save_bytes(db, it.sha, it.data)) is not None]
    try:
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                with store.write(db) as con:
                    loaded = load_files(con, files, uploader=user.username, received_at=received_at,
                                        is_demo=is_demo, reason=reason)
                    if refresh_stats and not in_db:
                        _refresh_stats(con, loaded)
                break
            except Exception as err:
                from store import postgres

                if not (in_db and postgres.is_conflict(err)) or attempt == CONFLICT_RETRIES:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    except Exception:
        for path in created:
            path.unlink(missing_ok=True)
        if len(items) == 1:
            raise
        return [r for it in items for r in write_files(db, [it], user=user, received_at=received_at,
                                                         is_demo=is_demo, refresh_stats=refresh_stats,
                                                         reason=reason)]
    if refresh_stats and in_db:
        _refresh_after(db, loaded)
    return [
        IngestResult(it.name, done.status, it.sha, done.unit, done.period, done.version, done.submission_id,
                     done.lateness, list(it.parsed.findings) if it.parsed and done.status != "duplicate" else [])
        for it, done in zip(items, loaded)
    ]


REFRESH_WAIT = 120.0  # seconds an importer waits for another importer's refresh of its months


def _refresh_after(db: Any, loaded: list[Any]) -> None:
    """PostgreSQL: refresh the loaded months' judgments after the returns are committed.

    Refreshes take turns: each runs in a transaction holding PostgreSQL's transaction-scoped
    advisory lock ``REFRESH_LOCK`` (tried, never waited for inside the transaction, so the
    snapshot is taken after our own commit). An importer that does not get the lock checks
    again shortly after: when the refresh that held it saw our returns, the months are fresh
    and there is nothing left to do (measured: 4 importers that all re-judged the same month
    and retried on conflict took 5x the time of one). After ``REFRESH_WAIT`` it stops: the
    months' fingerprints then differ, and the pages judge them live (slower, never wrong)
    until the next refresh. The refresh is ``stats.refresh_batch`` over our submission ids: a
    month that holds another importer's unrefreshed returns is redone whole, one already
    refreshed with ours is skipped.
    """
    from rules import judge, stats
    from store import postgres

    ids = _new_submissions(loaded)
    periods = sorted({d.period for d in loaded if d.status != "duplicate" and d.period})
    if not periods:
        return
    deadline = time.monotonic() + REFRESH_WAIT
    while True:
        try:
            with store.write(db) as con:
                turn = postgres.try_lock(con, postgres.REFRESH_LOCK)
                stale = [p for p in periods if not judge.all_fresh(con, p, p)]
                if not stale:
                    return
                if turn:
                    stats.refresh_batch(con, ids)
            if turn:
                return
        except Exception as err:
            if not postgres.is_conflict(err):
                raise
        if time.monotonic() > deadline:
            return
        time.sleep(random.uniform(0.1, 0.3))
