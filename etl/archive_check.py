"""Archive against database: files without a row, rows without a file, temp leftovers.

A loader killed between writing archive files and committing its transaction leaves files
that no ``archived_file`` row names (up to a whole chunk of them) and perhaps a
``<sha>.tmp<pid>`` file. ``check`` lists both directions and removes stale temp files;
``repair`` also deletes orphan files older than an hour (a running import commits within
seconds of writing its files, so nothing in progress is touched) and audits the deletion.
Rows without a file are only reported: the bytes are gone and cannot be made up.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import store
from accounts import audit
from accounts.access import SYSTEM_USER, User
from store import archive


@dataclass(frozen=True)
class Orphan:
    path: Path
    sha256: str
    age_seconds: float


@dataclass
class Report:
    orphans: list[Orphan] = field(default_factory=list)          # archived file, no database row
    missing: list[tuple[str, str]] = field(default_factory=list)  # (sha256, stored_path): row, no file
    temps_removed: list[Path] = field(default_factory=list)
    orphans_removed: list[Orphan] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.missing and len(self.orphans) == len(self.orphans_removed)


def _archived_files(db) -> dict[str, Path]:
    root = archive.archive_root(db)
    if not root.exists():
        return {}
    return {p.stem: p for p in root.glob("*/*.xlsx") if len(p.stem) == 64}


def check(db: str | os.PathLike | None = None, now: float | None = None) -> Report:
    """Compare archive and database; removes stale temp files (nothing else)."""
    at = now or time.time()
    report = Report(temps_removed=archive.remove_stale_temp_files(db))
    files = _archived_files(db)
    with store.read(db) as con:
        rows = dict(con.execute("select sha256, stored_path from archived_file").fetchall())
    base = store.db_path(db).parent
    for sha, path in sorted(files.items()):
        if sha not in rows:
            try:
                age = at - path.stat().st_mtime
            except FileNotFoundError:
                continue
            report.orphans.append(Orphan(path, sha, age))
    report.missing = [(sha, stored) for sha, stored in sorted(rows.items()) if not (base / stored).exists()]
    return report


def repair(db: str | os.PathLike | None = None, actor: User = SYSTEM_USER, now: float | None = None,
           min_age: float = archive.STALE_SECONDS) -> Report:
    """``check``, then delete orphans older than ``min_age`` seconds; one audit entry lists them."""
    report = check(db, now)
    for orphan in report.orphans:
        if orphan.age_seconds < min_age:
            continue
        try:
            orphan.path.unlink()
        except FileNotFoundError:
            pass
        report.orphans_removed.append(orphan)
    if report.orphans_removed or report.temps_removed:
        with store.write(db) as con:
            audit.record(
                con, actor.username, "archive_repair", "archive", None,
                before={"orphans": [o.sha256 for o in report.orphans_removed],
                        "temp_files": [p.name for p in report.temps_removed]},
                detail=f"清理存档：删除无数据库记录的存档文件 {len(report.orphans_removed)} 个、"
                       f"临时文件 {len(report.temps_removed)} 个",
                at=datetime.fromtimestamp(now, UTC) if now else None,
            )
    return report
