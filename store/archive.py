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
from pathlib import Path
from typing import Any

import store


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_root(db: str | os.PathLike | None = None) -> Path:
    return store.db_path(db).parent / "archive"


def relative_path(sha: str) -> str:
    """Where the bytes live, relative to the database directory (the folder can move)."""
    return f"archive/{sha[:2]}/{sha}.xlsx"


def in_database(db: str | os.PathLike | None = None) -> bool:
    """True when archived bytes live in the database (PostgreSQL), not in a folder."""
    return store.is_postgres(db)


def save_bytes(db: str | os.PathLike | None, sha: str, data: bytes) -> Path | None:
    """Write the bytes unless already archived; returns the path if this call created it.

    Written to a temporary name and renamed, so a crash never leaves a half file under the
    final name. The caller deletes a created file if its database transaction fails.
    On PostgreSQL nothing is written here (``etl.load`` puts the bytes in the row).
    """
    if in_database(db):
        return None
    target = store.db_path(db).parent / relative_path(sha)
    if target.exists():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def read_bytes(db: str | os.PathLike | None, sha: str) -> bytes:
    """The archived bytes of a file (e.g. for the office to download the original)."""
    if in_database(db):
        with store.read(db) as con:
            row = con.execute("select content from archived_file where sha256 = ?", [sha]).fetchone()
        if row is None or row[0] is None:
            raise FileNotFoundError(f"archived_file {sha}")
        return bytes(row[0])
    return (store.db_path(db).parent / relative_path(sha)).read_bytes()


def accepted_files(con: Any, shas: list[str]) -> set[str]:
    """Which of ``shas`` were accepted before (one query for the whole batch).

    Only those are duplicates. Bytes that were rejected before are checked again: the
    reason may not lie in the bytes (wrong uploader, wrong ``--as-unit``, a unit added to
    the catalog since), and a liaison re-sending a rejected file sees its findings again.
    The archive still keeps one copy of the bytes.
    """
    if not shas:
        return set()
    wanted = sorted(set(shas))
    rows = con.execute(  # one placeholder per value: PostgreSQL then filters (pushdown)
        "select distinct sha256 from submission where status = 'accepted'"
        f" and sha256 in ({store.placeholders(len(wanted))})", wanted,
    ).fetchall()
    return {r[0] for r in rows}
