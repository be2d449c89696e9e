"""A local DuckDB copy of the PostgreSQL store, from which one app server's pages read.

Why: DuckDB's postgres scanner pushes filters down to PostgreSQL but not aggregates, so a
page-data function over the precomputed judgments moves every row of its months over the
wire: seconds per function at national scale (47 M observations), against the 200 ms the
DuckDB file gives. An app process started with ``YINGSHANG_READ_COPY=/path/copy.duckdb`` keeps
a DuckDB file of the same schema and content and serves the page-data functions
(``dashboard.queries``, ``dashboard.flags``) from it at the file mode's speed. Everything else
— logins and sessions, uploads, the audit log, 督办, 考核, every write — still goes to
PostgreSQL, which stays the system of record. One file per app process (DuckDB admits one
writer); it survives restarts, so a restarted server copies only what changed meanwhile.

How it stays current (``ReadCopy.sync``; a background thread calls it every
``POLL_SECONDS``): one small query that PostgreSQL answers from its indexes gives a
signature — newest submission id, submissions among the last ``LATE_WINDOW`` ids, the
months' judgment stamps (``unit_month_stats_state``), catalog and schema versions, and a
count/xmin signature of each small table. When it differs from the copy's, the copy takes,
in ONE DuckDB transaction (one PostgreSQL snapshot): every row of the months that received a
submission or whose stamp changed, in every table keyed by month; the findings of the new
submissions; the catalog tables when the catalog version changed; the small tables when their
signature changed. Pages keep reading the copy's last committed state meanwhile, and their
cache key is the copy's own version, so a cached result is never labelled with data it does
not hold. The copy's content is always at least as new as the signature it records, so a
change that lands during a sync shows up in the next comparison: the copy converges.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

import store
from store import catalog_sync, postgres
from store.connection import applied_versions, keep_open, open_connection
from store.transfer import quote, table_columns

log = logging.getLogger("yingshang.read_copy")

ENV = "YINGSHANG_READ_COPY"
SOURCE = "pg_source"  # the PostgreSQL database's catalog name on the copy's connection
POLL_SECONDS = 1.0
# Ids below the copy's newest that a slower importer may still commit (PostgreSQL hands out
# ids when a transaction asks, not when it commits): 4 importers x 250 returns a chunk leave
# gaps of ~1,000; a late one beyond the window still arrives with its month's new stamp.
LATE_WINDOW = 50_000

# Tables whose rows belong to one month: a changed month is copied whole, in each of them.
PERIOD_TABLES = ("submission", "observation", "task_progress", "work_info",
                 "judged_observation", "unit_month_stats", "unit_month_stats_state",
                 "return_month_counts", "task_month_counts", "month_counts_state")
# Rows of one submission, never changed afterwards: the new submissions' rows are added.
BY_SUBMISSION = ("finding",)
CATALOG_TABLES = catalog_sync.TABLE_NAMES  # rewritten together with meta.catalog_version
# Not read by the page-data functions, or not to be kept on an app server's disk.
NOT_COPIED = ("archived_file", "audit_log", "login_session", "login_throttle", "receipt",
              "schema_migrations", "read_copy_state")
# Small tables signed by row count only: a login updates app_user (failed_logins), and
# re-copying every page cache on every login would throw the caches away for nothing.
COUNT_ONLY = ("app_user",)
STATE = "read_copy_state"


@dataclass(frozen=True)
class Signature:
    """What the copy compares with PostgreSQL before deciding to sync."""

    sub_max: int      # newest submission id
    recent: int       # submissions with id in (sub_max - LATE_WINDOW, sub_max] of the copy
    stamps: str       # month=fingerprint of every stamped month
    catalog: str
    schema: int
    small: str        # table:count:xmin of every small table


def small_tables(tables: list[str]) -> list[str]:
    """Every copied table that is not keyed by month, by submission or part of the catalog."""
    big = set(PERIOD_TABLES) | set(BY_SUBMISSION) | set(CATALOG_TABLES) | set(NOT_COPIED)
    return sorted(t for t in tables if t not in big)


def _stamps_sql(period: str) -> str:
    return f"select coalesce(string_agg({period} || '=' || fingerprint, ',' order by period), '')" \
           " from unit_month_stats_state"


def _small_sql(tables: list[str]) -> str:
    parts = [f"'{t}:' || count(*)" + ("" if t in COUNT_ONLY else " || ':' || coalesce(max(xmin::text::bigint), 0)")
             + f" from {quote(t)}" for t in tables]  # names from the copy's schema, never from input
    return " union all ".join(f"select {p}" for p in parts) if parts else "select ''"


class ReadCopy:
    """The copy at ``path`` of the PostgreSQL database ``dsn``."""

    def __init__(self, dsn: str, path: str | os.PathLike) -> None:
        self.dsn = dsn
        self.path = Path(path).expanduser().resolve()
        self.version: str | None = None  # cache key of the content pages see; None: not ready
        self.last_sync: dict[str, Any] = {}  # what the last sync copied (for the log and tests)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._small: list[str] = []
        self._columns: dict[str, list[str]] = {}
        self._generation = 0
        self._lock = threading.Lock()
        self.closed = False

    # --- opening ------------------------------------------------------------------------

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self._con is not None:
            return self._con
        store.migrate(self.path)  # the code's schema, as on PostgreSQL
        store.close(self.path)
        con = open_connection(self.path, read_only=False, timeout=0)
        try:
            postgres._load_extension(con)
            literal = self.dsn.replace("'", "''")
            con.execute(f"attach '{literal}' as {SOURCE} (type postgres, read_only)")
            con.execute(f"create table if not exists {STATE} (k varchar primary key, v varchar not null)")
            local = table_columns(con, con.execute("select current_database()").fetchone()[0], "main")
            remote = table_columns(con, SOURCE, "public")
        except BaseException:
            con.close()
            raise
        self._columns = {t: cols for t, cols in local.items() if t not in NOT_COPIED and t in remote}
        self._small = small_tables(list(self._columns))
        self._con = con
        keep_open(self.path, con)
        if self._state(con).get("source") == postgres.safe_name(self.dsn):
            self._generation += 1
            self.version = self._version(con)  # a copy kept from before serves at once
        return con

    def close(self) -> None:
        """Release the file (the keeping-current thread, if any, stops)."""
        self.closed = True
        with self._lock:
            if self._con is not None:
                keep_open(self.path, None)
                self._con.close()
                self._con = None
                self.version = None

    # --- signatures -----------------------------------------------------------------------

    def _native(self, cur: Any, sql: str) -> list[tuple]:
        return cur.execute(f"select * from postgres_query('{SOURCE}', ?)", [sql]).fetchall()

    def _state(self, cur: Any) -> dict[str, str]:
        return dict(cur.execute(f"select k, v from {STATE}").fetchall())

    def _local_max(self, cur: Any) -> int:
        return int(cur.execute("select coalesce(max(id), 0) from submission").fetchone()[0])

    def source_signature(self, cur: Any, hi: int) -> Signature:
        lo = hi - LATE_WINDOW
        row = self._native(cur, f"""
            select coalesce((select max(id) from submission), 0) as sub_max,
                   (select count(*) from submission where id > {int(lo)} and id <= {int(hi)}) as recent,
                   ({_stamps_sql("period::text")}) as stamps,
                   coalesce((select max(value) from meta where key = 'catalog_version'), '') as catalog,
                   coalesce((select max(version) from schema_migrations), 0) as schema,
                   (select coalesce(string_agg(s, ',' order by s), '') from ({_small_sql(self._small)}) as t(s))
                   as small""")[0]
        return Signature(int(row[0]), int(row[1]), row[2], row[3], int(row[4]), row[5])

    def copy_signature(self, cur: Any, hi: int) -> Signature:
        lo = hi - LATE_WINDOW
        recent = cur.execute("select count(*) from submission where id > ? and id <= ?", [lo, hi]).fetchone()[0]
        stamps = cur.execute(_stamps_sql("strftime(period, '%Y-%m-%d')")).fetchone()[0]
        catalog = store.get_meta(cur, "catalog_version") or ""
        schema = max(applied_versions(cur), default=0)
        return Signature(hi, int(recent), stamps, catalog, schema, self._state(cur).get("small", ""))

    # --- syncing --------------------------------------------------------------------------

    def sync(self) -> bool:
        """Bring the copy up to PostgreSQL's content; True when it copied anything."""
        with self._lock:
            con = self._open()
            cur = con.cursor()
            try:
                return self._sync(cur)
            finally:
                cur.close()

    def _sync(self, cur: Any) -> bool:
        hi = self._local_max(cur)
        state = self._state(cur)
        src = self.source_signature(cur, hi)
        mine = self.copy_signature(cur, hi)
        if src.schema != mine.schema:
            self.version = None  # another code version migrated PostgreSQL: read it directly
            raise store.StoreError(
                f"只读副本 {self.path} 的结构版本（{mine.schema}）与 PostgreSQL（{src.schema}）不同，页面暂时直接读取 PostgreSQL。",
                "请让各应用服务器运行同一版本的程序，再重启本应用。")
        full = state.get("source") != postgres.safe_name(self.dsn) or src.catalog != mine.catalog
        if not full and src == mine:
            return False
        t0 = time.perf_counter()
        late: list[int] = []
        periods: set[date | None] = set()
        if not full:
            seen = {r[0] for r in cur.execute("select id from submission where id > ?", [hi - LATE_WINDOW]).fetchall()}
            for sid, period in self._native(cur, f"select id, period from submission where id > {int(hi - LATE_WINDOW)}"):
                if sid not in seen:
                    periods.add(period)
                    if sid <= hi:
                        late.append(sid)
            theirs, ours = _split(src.stamps), _split(mine.stamps)
            periods |= {date.fromisoformat(p) for p in set(theirs) | set(ours) if theirs.get(p) != ours.get(p)}
        cur.execute("begin transaction")
        try:
            copied = self._copy_all(cur) if full else self._copy_changes(cur, periods, hi, late,
                                                                            src.small != mine.small)
            cur.execute(f"insert or replace into {STATE} values ('source', ?), ('small', ?)",
                        [postgres.safe_name(self.dsn), src.small])
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
        self._generation += 1
        self.version = self._version(cur)
        self.last_sync = {"full": full, "months": sorted(p for p in periods if p), "rows": copied,
                          "seconds": round(time.perf_counter() - t0, 3)}
        log.info("read copy synced: %s", self.last_sync)
        return True

    def _version(self, cur: Any) -> str:
        return f"copy{self._generation}-s{self._local_max(cur)}"

    def _replace(self, cur: Any, table: str, where: str = "", params: list | None = None) -> int:
        """Delete the copy's rows of ``table`` matching ``where`` and copy PostgreSQL's."""
        cols = ", ".join(quote(c) for c in self._columns[table])
        cond = f" where {where}" if where else ""
        cur.execute(f"delete from {quote(table)}{cond}", params or [])
        return int(cur.execute(f"insert into {quote(table)} ({cols}) select {cols} from {SOURCE}.{quote(table)}{cond}",
                               params or []).fetchone()[0])

    def _copy_all(self, cur: Any) -> int:
        return sum(self._replace(cur, t) for t in self._columns)

    def _copy_changes(self, cur: Any, periods: set[date | None], hi: int, late: list[int], small: bool) -> int:
        n = 0
        for table in PERIOD_TABLES:
            if table not in self._columns:
                continue
            for p in sorted(periods, key=lambda d: d or date.min):
                # a constant in the filter: PostgreSQL finds the month's rows by its index
                n += self._replace(cur, table, "period is null" if p is None else "period = ?",
                                   None if p is None else [p])
        for table in BY_SUBMISSION:
            n += self._replace(cur, table, "submission_id > ?", [hi])
            if late:
                n += self._replace(cur, table, "submission_id between ? and ? and submission_id in "
                                   f"({store.placeholders(len(late))})", [min(late), max(late), *late])
        if small:
            n += sum(self._replace(cur, t) for t in self._small)
        return n


def _split(stamps: str) -> dict[str, str]:
    return dict(s.split("=", 1) for s in stamps.split(",") if s)


# --- the app process's copy ---------------------------------------------------------------

_copies: dict[str, ReadCopy] = {}
_wake = threading.Event()
_started = threading.Lock()


def for_pages(db: str) -> ReadCopy | None:
    """The copy page-data functions read for the PostgreSQL ``db``: set up on first call (a
    background thread keeps it current) and returned once it holds a complete copy. None when
    ``YINGSHANG_READ_COPY`` is unset, ``db`` is a DuckDB file or the copy is not ready yet (the
    pages then read PostgreSQL directly)."""
    path = os.environ.get(ENV)
    if not path or not postgres.is_dsn(db):
        return None
    with _started:
        copy = _copies.get(db)
        if copy is None:
            copy = _copies[db] = ReadCopy(db, path)
            threading.Thread(target=_keep_current, args=(copy,), name="yingshang-read-copy", daemon=True).start()
    return copy if copy.version else None


def close_all() -> None:
    """Stop every copy of this process (tests; a database about to be dropped)."""
    with _started:
        copies = list(_copies.values())
        _copies.clear()
    for copy in copies:
        copy.close()
    _wake.set()


def wake() -> None:
    """Check PostgreSQL now (after this process wrote data) instead of at the next poll."""
    _wake.set()


def _keep_current(copy: ReadCopy) -> None:
    failures = 0
    while not copy.closed:
        try:
            copy.sync()
            failures = 0
        except Exception as err:  # noqa: BLE001 - pages go on reading the last copy, or PostgreSQL
            if copy.closed:
                return
            failures += 1
            if failures in (1, 10) or failures % 300 == 0:
                log.warning("read copy %s not synced: %s", copy.path, getattr(err, "message", err))
        _wake.wait(POLL_SECONDS * min(failures + 1, 30))
        _wake.clear()
