"""The one module that opens the DuckDB database.

Connection policy (DuckDB lets only one *process* hold a file read-write, and while it does,
no other process can open the file at all):

* Every operation opens the file, works, and closes it again (``read()`` / ``write()``), so
  the app and a command-line import can share one file: each waits its turn.
* Opening retries on the lock error with a bounded back-off; after ``YINGSHANG_DB_TIMEOUT``
  seconds (default 15) the caller gets :class:`DatabaseBusy`, a Chinese message, never
  DuckDB's raw error.
* Inside one process (the Streamlit server has one thread per session) all threads share one
  connection and each gets its own ``cursor()``; the connection is closed when the last user
  leaves, so other processes get their turn. A writer upgrades a read-only connection by
  waiting until its readers are done. A read-only connection lingers ``READ_LINGER_SECONDS``
  after its last reader (a page run makes a dozen reads in a row; opening the file costs
  ~17 ms each and starts DuckDB's cache empty), unless another process is waiting for it.
* The schema is created and evolved by numbered SQL migrations in ``store/migrations``,
  recorded in ``schema_migrations``; a database newer than the code is refused.
* ``YINGSHANG_DB`` may instead be a PostgreSQL DSN (``postgresql://…``): then the same
  ``read()`` / ``write()`` give cursors of an in-memory DuckDB with PostgreSQL attached as the
  default catalog (``store.postgres``); nothing waits for a file lock, the connection stays
  open for the process's life and PostgreSQL arbitrates between processes.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

import store.postgres as postgres

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = PROJECT_ROOT / "data" / "yingshang.duckdb"
DUCKDB_VERSION = duckdb.__version__

# DuckDB storage format numbers -> the DuckDB releases that write them (from DuckDB's docs).
_STORAGE_VERSIONS = {
    64: "0.9–1.1",
    65: "1.2",
    66: "1.3",
    67: "1.4",
    68: "1.5",
    69: "2.0",
}


class StoreError(Exception):
    """A database problem explained in Chinese for the user (``str(err)`` is the message)."""

    code = "DB_ERROR"

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}{('　' + self.hint) if self.hint else ''}"


class DatabaseBusy(StoreError):
    code = "DB_BUSY"


class DatabaseVersionError(StoreError):
    code = "DB_VERSION"


class SchemaTooNew(StoreError):
    code = "DB_SCHEMA_TOO_NEW"


def db_path(path: str | os.PathLike | None = None) -> Path | str:
    """The database: ``path``, else ``$YINGSHANG_DB``, else ``data/yingshang.duckdb``.

    A file becomes an absolute ``Path``; a PostgreSQL DSN is returned unchanged (a ``str``).
    """
    chosen = path or os.environ.get("YINGSHANG_DB") or DEFAULT_DB
    if postgres.is_dsn(chosen):
        return str(chosen)
    return Path(chosen).expanduser().resolve()


def is_postgres(path: str | os.PathLike | None = None) -> bool:
    """True when the database is PostgreSQL (a DSN), not a DuckDB file."""
    return postgres.is_dsn(db_path(path))


def exists(path: str | os.PathLike | None = None) -> bool:
    """A file that exists, or a PostgreSQL database (created by its administrator)."""
    p = db_path(path)
    return True if isinstance(p, str) else p.exists()


def display_name(path: str | os.PathLike | None = None) -> str:
    """The database for messages: the file's path, or host:port/db without credentials."""
    p = db_path(path)
    return postgres.safe_name(p) if isinstance(p, str) else str(p)


def _timeout() -> float:
    return float(os.environ.get("YINGSHANG_DB_TIMEOUT", "15"))


def _is_lock_error(err: Exception) -> bool:
    text = str(err)
    return "Could not set lock" in text or "Conflicting lock" in text


def _version_error(path: Path, err: Exception) -> DatabaseVersionError | None:
    text = str(err)
    m = re.search(r"version number (\d+)", text)
    if not m or "database file" not in text:
        return None
    number = int(m.group(1))
    writer = _STORAGE_VERSIONS.get(number, "未知版本")
    return DatabaseVersionError(
        f"数据库文件 {path} 由 DuckDB {writer} 写入（存储格式编号 {number}），"
        f"本系统使用 DuckDB {DUCKDB_VERSION}，无法打开该文件。",
        "请用写入该文件的 DuckDB 版本执行 EXPORT DATABASE 导出，再用本系统导入；"
        "或将环境变量 YINGSHANG_DB 指向其他数据库文件。原文件未做任何修改。",
    )


_default_memory: str | None = None  # the cap when YINGSHANG_DUCKDB_MEMORY is unset (default_memory_limit)


@contextmanager
def default_memory_limit(limit: str | None) -> Iterator[None]:
    """DuckDB's memory cap (e.g. ``1GB``) for the files opened inside the block, unless
    ``YINGSHANG_DUCKDB_MEMORY`` sets one. Enter it before the block's first connection: DuckDB
    fixes a file's settings when it opens (a connection still pooled keeps its own)."""
    global _default_memory
    before, _default_memory = _default_memory, limit
    try:
        yield
    finally:
        _default_memory = before


def memory_limit() -> str | None:
    """The DuckDB memory cap a file opened now gets: ``YINGSHANG_DUCKDB_MEMORY`` (e.g. ``1GB``),
    else the enclosing ``default_memory_limit``; None: DuckDB's own (80 % of the machine's
    memory, keeping what it read cached)."""
    return os.environ.get("YINGSHANG_DUCKDB_MEMORY", "").strip() or _default_memory


def _duckdb_config() -> dict[str, str]:
    """DuckDB settings: the memory cap (``memory_limit``), so an importer on a large database
    stays within a known memory budget."""
    limit = memory_limit()
    return {"memory_limit": limit} if limit else {}


def open_connection(path: Path, read_only: bool, timeout: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open ``path``, retrying while another process holds the lock."""
    deadline = time.monotonic() + (_timeout() if timeout is None else timeout)
    delay = 0.02
    if read_only and not path.exists():
        read_only = False  # a fresh database must be created read-write once
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=_duckdb_config())
        except (duckdb.IOException, duckdb.Error) as err:
            version = _version_error(path, err)
            if version:
                raise version from None
            if not _is_lock_error(err):
                raise
            _mark_waiting(path)
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    "数据库正忙：另一个程序（如数据导入）正在使用数据库文件。",
                    "请稍等片刻后重试。",
                ) from None
            time.sleep(delay)
            delay = min(delay * 1.6, 0.25)


# --- taking turns with other processes ---------------------------------------------------
#
# DuckDB gives no queue: whoever retries at the right moment gets the file. A process that
# finds the file locked touches ``<db>.waiting``; a long writer (a command-line import) calls
# ``yield_turn`` between its transactions and, when someone waited recently, pauses longer
# than the waiter's retry step, so the app gets the file between two chunks instead of
# timing out behind a whole import.

WAITING_FRESH_SECONDS = 2.0
YIELD_SECONDS = 0.5  # > the longest retry step (0.25 s) in open_connection


def waiting_marker(path: Path) -> Path:
    return path.with_name(path.name + ".waiting")


def _mark_waiting(path: Path) -> None:
    marker = waiting_marker(path)
    try:
        if time.time() - marker.stat().st_mtime < 0.2:
            return
    except FileNotFoundError:
        pass
    try:
        marker.touch()
    except OSError:  # a read-only directory: fairness is a courtesy, never a failure
        pass


def others_waiting(path: str | os.PathLike | None = None) -> bool:
    """Did another process find the file locked in the last couple of seconds? (Never on
    PostgreSQL: it has no file lock to share.)"""
    if is_postgres(path):
        return False
    try:
        return time.time() - waiting_marker(db_path(path)).stat().st_mtime < WAITING_FRESH_SECONDS
    except FileNotFoundError:
        return False


def yield_turn(path: str | os.PathLike | None = None) -> bool:
    """Between two write transactions of a long job: let a waiting process in; returns whether it paused."""
    if not others_waiting(path):
        return False
    time.sleep(YIELD_SECONDS)
    return True


# how long an idle read-only connection stays open for the next read of the same page run;
# a process waiting for the file (``others_waiting``) cuts it short
READ_LINGER_SECONDS = 0.3


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of ``path``: a lingering connection is reused only for the same file,
    never for a database that replaced it at the same path."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


@dataclass
class _Shared:
    con: duckdb.DuckDBPyConnection
    read_only: bool
    users: int = 0
    file: tuple[int, int] | None = None
    released: int = 0  # times the last user left: a linger timer closes only its own idle spell


class _Pool:
    """One shared connection per database file inside this process, closed when idle."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._open: dict[Path, _Shared] = {}
        self._pg: dict[str, duckdb.DuckDBPyConnection] = {}
        self._resident: dict[Path, duckdb.DuckDBPyConnection] = {}

    def keep(self, path: Path, con: duckdb.DuckDBPyConnection | None) -> None:
        """Serve every cursor for ``path`` from ``con`` (a file this process owns for its whole
        life, e.g. the pages' read copy: ``store.read_copy``); ``None`` stops that."""
        with self._cond:
            if con is None:
                self._resident.pop(path, None)
            else:
                self._resident[path] = con

    @contextmanager
    def cursor(self, path: Path | str, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        if isinstance(path, str):  # PostgreSQL: one attached connection for the process
            with self._cond:
                con = self._pg.get(path)
                if con is None:
                    try:
                        con = self._pg[path] = postgres.connect(path)
                    except postgres.ConnectError as err:
                        raise StoreError(err.message, err.hint) from None
                cur = con.cursor()
            try:
                postgres.use(cur)  # a cursor starts in DuckDB's own catalog
                yield cur
            except duckdb.Error as err:
                lost = postgres.connection_lost(err, path)
                if lost is None:
                    raise
                raise StoreError(lost.message, lost.hint) from None
            finally:
                try:
                    cur.close()
                except duckdb.Error:
                    pass  # the server is gone; the cursor goes with it
            return
        with self._cond:
            resident = self._resident.get(path)
        if resident is not None:
            cur = resident.cursor()
            try:
                yield cur
            finally:
                cur.close()
            return
        with self._cond:
            while True:
                shared = self._open.get(path)
                if shared is not None and shared.users == 0 and shared.file != _file_id(path):
                    self._drop(path, shared)  # lingering on a file that was replaced or deleted
                    continue
                if shared is None:
                    con = open_connection(path, read_only=not write)
                    shared = _Shared(con, read_only=not write, file=_file_id(path))
                    self._open[path] = shared
                    break
                if not write or not shared.read_only:
                    break
                if shared.users == 0:  # upgrade: reopen read-write
                    self._drop(path, shared)
                    continue
                self._cond.wait(timeout=0.05)
            shared.users += 1
            cur = shared.con.cursor()
        try:
            yield cur
        finally:
            cur.close()
            with self._cond:
                shared.users -= 1
                if shared.users == 0:
                    self._release(path, shared)
                self._cond.notify_all()

    def _drop(self, path: Path, shared: _Shared) -> None:
        """Close ``shared`` and forget it (caller holds the lock, nobody uses it)."""
        shared.con.close()
        if self._open.get(path) is shared:
            del self._open[path]

    def _release(self, path: Path, shared: _Shared) -> None:
        """The last user left: close now, or (read-only, nobody waiting) a moment later."""
        if not shared.read_only or READ_LINGER_SECONDS <= 0 or others_waiting(path):
            self._drop(path, shared)
            return
        shared.released += 1
        timer = threading.Timer(READ_LINGER_SECONDS, self._close_idle, (path, shared, shared.released))
        timer.daemon = True
        timer.start()

    def _close_idle(self, path: Path, shared: _Shared, spell: int) -> None:
        with self._cond:
            if shared.users == 0 and shared.released == spell and self._open.get(path) is shared:
                self._drop(path, shared)
                self._cond.notify_all()

    def close(self, path: Path | str | None = None) -> None:
        """Close this process's PostgreSQL connections and idle (lingering) file connections:
        all, or the one for ``path``."""
        with self._cond:
            for key in [k for k in self._pg if path is None or k == path]:
                self._pg.pop(key).close()
            for key, shared in list(self._open.items()):
                if (path is None or key == path) and shared.users == 0:
                    self._drop(key, shared)


_pool = _Pool()
# Before the interpreter tears down: a read connection still lingering (READ_LINGER_SECONDS)
# when a process ended was destroyed during finalisation, and DuckDB aborted the process
# ("terminate called without an active exception", exit code 134) after its work was done.
atexit.register(_pool.close)


def keep_open(path: Path, con: duckdb.DuckDBPyConnection | None) -> None:
    """``store.read(path)``/``store.write(path)`` use ``con`` from now on (``None``: no longer)."""
    _pool.keep(path, con)


def close(path: str | os.PathLike | None = None) -> None:
    """Drop this process's idle connection(s), e.g. before the database is dropped or the file
    handed to another process."""
    _pool.close(db_path(path) if path is not None else None)


@contextmanager
def hold(path: str | os.PathLike | None = None) -> Iterator[None]:
    """Keep this process's read-write connection open across several read()/write() blocks.

    For one import batch: reopening the file for every step costs more than the work. Other
    processes wait (and retry) meanwhile, so hold it for seconds, never for a session.
    """
    p = db_path(path)
    with _pool.cursor(p, write=True):
        yield


class Turns:
    """A long job's hold on the file, handed over only when another process waits.

    Closing DuckDB's read-write connection checkpoints it: ~0.6 s on the national database,
    paid after every chunk of an import that released the file between chunks. Holding it
    across chunks and releasing at ``between()`` when another process has found the file
    locked (``others_waiting``) pays that once, and a waiting page still gets the file at the
    next step. On PostgreSQL (no file lock) nothing is held.

    The held connection keeps what DuckDB read cached (~60 MB a chunk of 250 returns into the
    national database: 1.8 GB after 5,000), so every ``renew_every`` steps it is closed and
    opened again: memory stays that of a few chunks, whatever the number of files.
    """

    def __init__(self, path: str | os.PathLike | None = None, renew_every: int = 8) -> None:
        self._path = path
        self._held: contextlib.AbstractContextManager | None = None
        self._renew_every = max(1, renew_every)
        self._steps = 0

    def __enter__(self) -> Turns:
        self._take()
        return self

    def __exit__(self, *exc: object) -> None:
        self._give()

    def poll(self) -> bool:
        """Inside a step that needs the file only now and then (reading and checking files):
        if another process waits, release the file at once; the next ``between()`` takes it
        again. Returns whether it released. A chunk's reading takes seconds under load, longer
        than a page waits for the file."""
        if self._held is None or not others_waiting(self._path):
            return False
        self._give()
        return True

    def between(self) -> bool:
        """Between two steps: if another process waits, release the file, pause for it
        (``yield_turn``) and take the file again (every ``renew_every`` steps, or after
        ``poll()`` released it: take it again at once); returns whether it paused."""
        self._steps += 1
        waiting = others_waiting(self._path)
        if self._held is not None and not waiting and self._steps % self._renew_every:
            return False
        self._give()
        paused = yield_turn(self._path) if waiting else False
        self._take()
        return paused

    def _take(self) -> None:
        if self._held is None and not is_postgres(self._path):
            self._held = hold(self._path)
            self._held.__enter__()

    def _give(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.__exit__(None, None, None)


@contextmanager
def read(path: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read cursor for one operation; the file is released when the block ends."""
    p = db_path(path)
    with _pool.cursor(p, write=False) as cur:
        yield cur


@contextmanager
def write(path: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor inside one transaction: committed when the block ends, rolled back on error."""
    p = db_path(path)
    with _pool.cursor(p, write=True) as cur:
        cur.execute("begin transaction")
        try:
            yield cur
        except BaseException:
            try:
                cur.execute("rollback")
            except duckdb.Error:
                if not isinstance(p, str):
                    raise
                # PostgreSQL dropped the connection and with it the transaction: the error
                # that caused the rollback says why, not the failed ROLLBACK
            raise
        else:
            cur.execute("commit")


# --- migrations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def shipped_migrations() -> list[Migration]:
    """The numbered migrations shipped with the code, oldest first."""
    found = []
    for entry in resources.files("store.migrations").iterdir():
        m = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def applied_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    found = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'schema_migrations'"
        " and database_name = current_database()"
    ).fetchone()[0]
    if not found:
        return []
    return [r[0] for r in con.execute("select version from schema_migrations order by version").fetchall()]


def migrate(path: str | os.PathLike | None = None) -> list[str]:
    """Bring the database to the code's schema; returns the names of migrations applied.

    Each migration runs in its own transaction together with its record, so a crash leaves
    the database at the previous version. Re-running is a no-op.
    """
    known = shipped_migrations()
    latest = known[-1].version if known else 0
    done: list[str] = []
    pg = is_postgres(path)
    with write(path) as con:
        create = ("create table if not exists schema_migrations ("
                  " version integer primary key, name varchar not null, applied_at timestamptz not null)")
        if pg:
            postgres.execute_native(con, create)
        else:
            con.execute(create)
    if pg:
        with read(path) as con:
            postgres.clear_cache(con)
    with read(path) as con:
        applied = set(applied_versions(con))
    if applied and max(applied) > latest:
        raise SchemaTooNew(
            f"数据库结构版本为 {max(applied)}，高于本程序支持的 {latest}：该数据库由更新版本的程序创建。",
            "请升级本程序后再打开，或将 YINGSHANG_DB 指向其他数据库文件。",
        )
    for mig in known:
        if mig.version in applied:
            continue
        if pg:
            if not _migrate_postgres(path, mig):
                continue  # another process applied it meanwhile
        else:
            with write(path) as con:
                con.execute(mig.sql)
                con.execute(
                    "insert into schema_migrations values (?, ?, ?)",
                    [mig.version, mig.name, datetime.now(UTC)],
                )
        done.append(f"{mig.version:04d}_{mig.name}")
    if done and not pg:  # fold the schema changes into the file: else every later open replays them from the WAL
        con = open_connection(db_path(path), read_only=False)
        try:
            con.execute("checkpoint")
        finally:
            con.close()
    return done


def _migrate_postgres(path: str | os.PathLike | None, mig: Migration) -> bool:
    """One migration in PostgreSQL's dialect, in one transaction with its record.

    Two processes migrating at once: the loser's DDL or record clashes, its transaction rolls
    back, and it finds the version applied (returns False).
    """
    try:
        with write(path) as con:
            postgres.execute_native(con, postgres.migration_sql(mig.version, mig.sql))
            postgres.execute_native(
                con,
                f"insert into schema_migrations values ({int(mig.version)}, "
                f"'{mig.name}', now())",  # name is \w+ (see shipped_migrations)
            )
    except duckdb.Error as err:
        with read(path) as con:
            postgres.clear_cache(con)
            if mig.version in applied_versions(con):
                return False
        raise StoreError(
            f"数据库结构升级 {mig.version:04d}_{mig.name} 在 PostgreSQL 上失败：{str(err).splitlines()[0][:300]}",
            "数据库未做任何修改（整个迁移已回滚）。请将此信息交给系统管理员。",
        ) from None
    finally:
        with read(path) as con:
            postgres.clear_cache(con)
    return True


def schema_version(path: str | os.PathLike | None = None) -> int:
    with read(path) as con:
        versions = applied_versions(con)
    return max(versions) if versions else 0


def placeholders(n: int) -> str:
    """``?, ?, …`` for an IN list: bound values are constants DuckDB pushes down to PostgreSQL
    (a bound list with ``list_contains`` makes it read the whole table)."""
    return ", ".join("?" * max(n, 1)) if n else "null"


def on_postgres(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the cursor's default catalog is an attached PostgreSQL database."""
    return con.execute("select current_database()").fetchone()[0] == postgres.CATALOG


def next_ids(con: duckdb.DuckDBPyConnection, sequence: str, n: int) -> list[int]:
    """``n`` new ids from a sequence of the database (DuckDB's or PostgreSQL's)."""
    if on_postgres(con):
        return postgres.next_ids(con, sequence, n)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", sequence):
        raise ValueError(sequence)
    return [r[0] for r in con.execute(f"select nextval('{sequence}') from range(?)", [n]).fetchall()]


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "insert into meta values (?, ?) on conflict (key) do update set value = excluded.value", [key, value]
    )
