"""PostgreSQL as the system of record, reached through DuckDB's ``postgres`` extension.

Why this way: every query of the project (judging, page data, the loader) is DuckDB SQL. When
``YINGSHANG_DB`` is a DSN (``postgresql://user:pass@host:port/db``) a process opens an
in-memory DuckDB, ATTACHes the PostgreSQL database as catalog ``ys`` and makes it the
default, so the same SQL and the same transactions run against PostgreSQL. DuckDB opens one
PostgreSQL transaction (REPEATABLE READ) per DuckDB transaction; concurrency between
processes is PostgreSQL's: writers of the same rows get a serialization or unique-key error
and the caller retries the whole transaction (:func:`is_conflict`).

DDL is the exception: the extension cannot create sequences, so migrations run in
PostgreSQL's own dialect with ``postgres_execute`` (same transaction as their
``schema_migrations`` row), translated from the DuckDB migration files by :func:`translate`,
plus the PostgreSQL-only constraints and indexes in :data:`EXTRA` (uniqueness of versions is
a constraint there, not a Python lock).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

CATALOG = "ys"  # the attached PostgreSQL database's name inside DuckDB
SCHEMES = ("postgresql://", "postgres://")


def is_dsn(db: object) -> bool:
    return isinstance(db, str) and db.startswith(SCHEMES)


def safe_name(dsn: str) -> str:
    """host:port/db without user or password, for messages."""
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path or '/'}"


class ConnectError(Exception):
    """Why PostgreSQL cannot be used (Chinese ``message`` and ``hint``); ``store.connection``
    turns it into a ``StoreError`` (this module imports nothing of the store)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message = message
        self.hint = hint


def _load_extension(con: Any) -> None:
    import duckdb

    try:
        con.execute("load postgres")  # installed before (~/.duckdb/extensions)
        return
    except duckdb.Error:
        pass  # not installed yet: copy it from the offline package
    from duckdb_extensions import import_extension  # the `multi` extra: offline extension files

    import_extension("postgres", con=con)
    con.execute("load postgres")


def connect(dsn: str) -> Any:
    """An in-memory DuckDB with the PostgreSQL database attached as the default catalog."""
    import duckdb

    con = duckdb.connect()
    try:
        _load_extension(con)
    except ImportError:
        con.close()
        raise ConnectError(
            "未安装 DuckDB 的 PostgreSQL 扩展，无法使用 PostgreSQL 数据库。",
            "请执行 pip install '.[multi]'（duckdb-extensions 与 duckdb-extension-postgres）后重试。",
        ) from None
    try:
        literal = dsn.replace("'", "''")
        con.execute(f"attach '{literal}' as {CATALOG} (type postgres)")
        con.execute(f"use {CATALOG}")
    except duckdb.Error as err:
        con.close()
        raise ConnectError(
            f"无法连接 PostgreSQL 数据库 {safe_name(dsn)}（{_reason(err, dsn)}）。",
            "请确认数据库已启动、地址与端口正确、账号有权访问，再重试。",
        ) from None
    return con


def _reason(err: BaseException, dsn: str) -> str:
    """The first line of a driver error without the DSN (it may hold the password)."""
    reason = str(err).splitlines()[0].replace(dsn, safe_name(dsn)) if str(err) else type(err).__name__
    reason = re.sub(r"postgres(?:ql)?://\S+", safe_name(dsn), reason)[:300]
    return "认证失败" if "password" in reason.lower() else reason


# How libpq and the extension word a connection that is gone (server stopped, restarted,
# network cut): the operation failed as a whole, and the next one reconnects by itself.
_LOST = (
    "unable to connect to postgres",
    "server closed the connection",
    "terminating connection",
    "connection to server",
    "could not receive data",
    "could not send data",
    "no connection to the server",
    "connection refused",
    "ssl syscall",
    "the database system is shutting down",
    "the database system is starting up",
)


def connection_lost(err: BaseException, dsn: str) -> ConnectError | None:
    """The Chinese explanation when ``err`` means PostgreSQL went away mid-operation, else None."""
    chain, seen = [], err
    while seen is not None and len(chain) < 5:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    lost = next((e for e in chain if any(m in str(e).lower() for m in _LOST)), None)
    if lost is None:
        return None
    err = lost
    return ConnectError(
        f"与 PostgreSQL 数据库 {safe_name(dsn)} 的连接中断（{_reason(err, dsn)}），本次操作没有完成，"
        "数据库中不会留下写了一半的内容。",
        "请确认数据库服务器已恢复后重试；如反复出现，请联系系统管理员。",
    )


def use(cur: Any) -> None:
    cur.execute(f"use {CATALOG}")


def clear_cache(con: Any) -> None:
    """Forget the extension's cached table list (after DDL through ``postgres_execute``)."""
    con.execute("call pg_clear_cache()")


def execute_native(con: Any, sql: str) -> None:
    """Run PostgreSQL SQL in the current transaction (DDL; no result)."""
    con.execute(f"call postgres_execute('{CATALOG}', ?)", [sql])


# DuckDB type names that PostgreSQL spells differently (word-bounded, case-insensitive).
_TYPES = [
    (r"\bdouble\b(?!\s+precision)", "double precision"),
    (r"\bblob\b", "bytea"),
    (r"\btinyint\b", "smallint"),
    (r"\b(?:hugeint|ubigint|uhugeint)\b", "numeric"),
    (r"\b(?:uinteger)\b", "bigint"),
    (r"\b(?:usmallint|utinyint)\b", "integer"),
    (r"\bcreate\s+or\s+replace\s+table\b", "create table"),
]


def translate(sql: str) -> str:
    """A DuckDB migration in PostgreSQL's dialect (the migrations use the common subset)."""
    out = sql
    for pattern, repl in _TYPES:
        out = re.sub(pattern, repl, out, flags=re.IGNORECASE)
    return out


# PostgreSQL-only parts of a migration, run right after it (keyed by migration number).
# Why each: versions and the one current return per unit and month are enforced by the
# database, so two importers racing for the same unit and month cannot both win; the
# indexes serve the loader's and the pages' filtered reads; archived bytes live in the
# same row as their record (one transaction, no orphan file).
EXTRA: dict[int, list[str]] = {
    1: [
        "alter table archived_file add column content bytea",
        ("create unique index submission_accepted_version on submission (unit, period, version)"
         " where status = 'accepted'"),
        "create unique index submission_one_current on submission (unit, period) where is_current",
        "create index submission_sha on submission (sha256)",
        "create index submission_period on submission (period)",
        "create index observation_unit_period on observation (period, unit) where is_current",
        "create index observation_submission on observation (submission_id)",
        "create index task_progress_unit_period on task_progress (period, unit) where is_current",
        "create index work_info_unit_period on work_info (period, unit) where is_current",
        "create index finding_submission on finding (submission_id)",
        "create index receipt_submission on receipt (submission_id)",
    ],
    3: [
        "create index judged_observation_period on judged_observation (period, unit)",
        "create index unit_month_stats_period on unit_month_stats (period)",
    ],
    # two recounts of one month that raced (a roster change beside an import's refresh): the
    # second fails and is retried instead of doubling the month's counts. Not in DuckDB, where
    # one writer holds the file and deleting a month's rows from the key index cost ~0.6 s
    13: [
        "create unique index return_month_counts_key on return_month_counts (period, region)",
        "create index task_month_counts_period on task_month_counts (period, plan)",
    ],
}


def migration_sql(version: int, sql: str) -> str:
    return ";\n".join([translate(sql).rstrip().rstrip(";")] + EXTRA.get(version, [])) + ";"


def next_ids(con: Any, sequence: str, n: int) -> list[int]:
    """``n`` values of a PostgreSQL sequence (DuckDB's ``nextval`` knows only its own)."""
    if n <= 0:
        return []
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", sequence):
        raise ValueError(sequence)
    rows = con.execute(
        f"select * from postgres_query('{CATALOG}', "
        f"'select nextval(''{sequence}'') from generate_series(1, {int(n)})')"
    ).fetchall()
    return [r[0] for r in rows]


def native_rows(con: Any, sql: str) -> list[tuple]:
    """Rows of a fixed statement (no user input) run by PostgreSQL itself: an aggregate that
    PostgreSQL answers from an index, which DuckDB's scanner would answer by reading every row
    (``max(id)`` of 24 M submissions: instant natively, ~8 s through the scanner)."""
    return con.execute(f"select * from postgres_query('{CATALOG}', ?)", [sql]).fetchall()


REFRESH_LOCK = 17_017  # advisory lock key: one refresh of the precomputed judgments at a time


def try_lock(con: Any, key: int) -> bool:
    """Take a transaction-scoped advisory lock if free (never waits); held until commit."""
    return bool(con.execute(
        f"select * from postgres_query('{CATALOG}', 'select pg_try_advisory_xact_lock({int(key)})')"
    ).fetchone()[0])


_CONFLICTS = (
    "could not serialize access",
    "duplicate key value violates unique constraint",
    "deadlock detected",
)


def is_conflict(err: BaseException) -> bool:
    """A concurrent writer won: retrying the whole transaction is the remedy."""
    text = str(err)
    return any(c in text for c in _CONFLICTS)
