"""Keep every received file, by content, next to the database.

Bytes go to ``<db dir>/archive/<sha[:2]>/<sha>.xlsx`` (content-addressed, so the same bytes
are stored once). The rows describing them (``archived_file``: one per distinct file;
``receipt``: one per time a file was received, duplicates included, with uploader, time and
outcome) are written by ``etl.load`` in the same transaction as the return's data.

On PostgreSQL (``YINGSHANG_DB`` is a DSN) the bytes are the ``content`` column (bytea) of
their ``archived_file`` row instead: written in the same transaction as the return, so no
orphan file and no half archive can exist, every app server and importer sees the same
archive without a shared folder, and a database backup holds the originals too.
``stored_path`` still names the relative path, where ``migrate --to`` found or
``read_bytes`` would write a copy.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import store


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_root(db: str | os.PathLike | None = None) -> Path:
    return store.db_path(db).parent / "archive"


def relative_path(sha: str, suffix: str = ".xlsx") -> str:
    """Where the bytes live, relative to the database directory (the folder can move).

    Returns are ``.xlsx``; other kept files (督办 evidence: PDF, scans) keep their own suffix."""
    return f"archive/{sha[:2]}/{sha}{suffix}"


def in_database(db: str | os.PathLike | None = None) -> bool:
    """True when archived bytes live in the database (PostgreSQL), not in a folder."""
    return store.is_postgres(db)


def save_bytes(db: str | os.PathLike | None, sha: str, data: bytes, suffix: str = ".xlsx") -> Path | None:
    """Write the bytes unless already archived; returns the path if this call created it.

    Written to a temporary name and renamed, so a crash never leaves a half file under the
    final name. The caller deletes a created file if its database transaction fails.
    On PostgreSQL nothing is written here (``etl.load`` puts the bytes in the row).
    """
    if in_database(db):
        return None
    target = store.db_path(db).parent / relative_path(sha, suffix)
    if target.exists():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def read_bytes(db: str | os.PathLike | None, sha: str, suffix: str = ".xlsx") -> bytes:
    """The archived bytes of a file (e.g. for the office to download the original)."""
    if in_database(db):
        with store.read(db) as con:
            row = con.execute("select content from archived_file where sha256 = ?", [sha]).fetchone()
        if row is None or row[0] is None:
            raise FileNotFoundError(f"archived_file {sha}")
        return bytes(row[0])
    return (store.db_path(db).parent / relative_path(sha, suffix)).read_bytes()


def accepted_files(con: Any, shas: list[str], periods: list[date] | None = None) -> set[str]:
    """Which of ``shas`` are the current accepted version of their month (one query per batch).

    Only those are duplicates: re-sending the bytes of an earlier version makes that version
    current again, as a new version (``etl.load`` records which one it restores). Bytes that were rejected before are checked again: the
    reason may not lie in the bytes (wrong uploader, wrong ``--as-unit``, a unit added to
    the catalog since), and a liaison re-sending a rejected file sees its findings again.
    The archive still keeps one copy of the bytes.

    ``periods``: the months the files report (known once they are read). Submissions arrive
    month by month, so the month skips all but a few of the table's row groups: at national
    scale (24 M submissions) the lookup takes 20 ms instead of 0.9 s.
    """
    if not shas:
        return set()
    wanted = sorted(set(shas))
    months = sorted(set(periods or []))
    in_months = f" and period in ({store.placeholders(len(months))})" if periods is not None else ""
    if periods is not None and not months:
        return set()
    rows = con.execute(  # one placeholder per value: PostgreSQL then filters (pushdown)
        "select distinct sha256 from submission where status = 'accepted' and is_current"
        f"{in_months} and sha256 in ({store.placeholders(len(wanted))})", months + wanted,
    ).fetchall()
    return {r[0] for r in rows}


# --- temporary files ---------------------------------------------------------------------

TEMP_RE = re.compile(r"^[0-9a-f]{64}\.tmp(\d+)$")
STALE_SECONDS = 3600  # a temp file (or an orphan) this old is nobody's work in progress


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def temp_files(db: str | os.PathLike | None = None) -> list[Path]:
    """Every ``<sha>.tmp<pid>`` file under the archive (written by ``save_bytes`` before its rename);
    none on PostgreSQL, where the bytes are written in the row."""
    if in_database(db):
        return []
    root = archive_root(db)
    if not root.exists():
        return []
    return sorted(p for p in root.glob("*/*.tmp*") if TEMP_RE.match(p.name))


def stale_temp_files(db: str | os.PathLike | None = None, now: float | None = None) -> list[Path]:
    """Temp files no running loader is writing: their process is gone, or they are over an hour old."""
    at = now or time.time()
    out = []
    for p in temp_files(db):
        pid = int(TEMP_RE.match(p.name).group(1))
        try:
            age = at - p.stat().st_mtime
        except FileNotFoundError:
            continue
        if not _alive(pid) or age > STALE_SECONDS:
            out.append(p)
    return out


def remove_stale_temp_files(db: str | os.PathLike | None = None) -> list[Path]:
    """Delete the leftovers of a loader killed between writing and renaming; returns them."""
    removed = []
    for p in stale_temp_files(db):
        try:
            p.unlink()
        except FileNotFoundError:
            continue
        removed.append(p)
    return removed


_cleaned: set[Path] = set()
_cleaned_lock = threading.Lock()


def clean_on_start(db: str | os.PathLike | None = None) -> None:
    """Once per process and archive: remove stale temp files (the loader calls it first)."""
    if in_database(db):
        return
    root = archive_root(db)
    with _cleaned_lock:
        if root in _cleaned:
            return
        _cleaned.add(root)
    try:
        remove_stale_temp_files(db)
    except OSError:  # housekeeping must never stop an import
        pass
