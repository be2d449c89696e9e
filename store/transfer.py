"""Copy a DuckDB database file, and its archive of received files, into PostgreSQL.

So an office that started on one machine can move to the shared store without losing
history (``python -m etl migrate --db FILE --to postgresql://…``). Why it is safe:

* The target must be empty and is migrated to the code's schema first (PostgreSQL dialect,
  ``store.postgres``); the source is brought to the same schema version.
* Every table is copied in ONE PostgreSQL transaction through a DuckDB connection that has
  both databases attached, together with the archived bytes (read from the source's
  ``archive/`` folder, each checked against its SHA-256 before it is written). A failure
  leaves the target as empty as it was.
* Afterwards each table is compared: row count and an order-independent checksum
  (sum of DuckDB's row hash) computed the same way over the source and the target, and
  every archived file's bytes are hashed again inside PostgreSQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import store
import store.postgres as postgres

SOURCE = "src"  # the source file's catalog name on the copying connection
SEQUENCES = {"receipt": "receipt_id_seq", "submission": "submission_id_seq", "audit_log": "audit_log_id_seq"}
ARCHIVE_BATCH = 200  # archived files per insert statement (bounded memory)


@dataclass
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    source_sum: int | None
    target_sum: int | None

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


@dataclass
class CopyReport:
    source: str
    target: str
    tables: list[TableCheck] = field(default_factory=list)
    archived: int = 0           # files copied into archived_file.content
    archive_mismatch: int = 0   # files whose bytes in PostgreSQL do not hash to their name

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables) and self.archive_mismatch == 0


def table_columns(con: Any, database: str, schema: str) -> dict[str, list[str]]:
    """Every table of ``database.schema`` on ``con`` with its columns in order."""
    rows = con.execute(
        "select table_name, column_name from duckdb_columns() where database_name = ? and schema_name = ?"
        " order by table_name, column_index", [database, schema]).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _tables(con: Any, catalog: str) -> dict[str, list[str]]:
    return table_columns(con, catalog, "main" if catalog == SOURCE else "public")


def quote(name: str) -> str:
    """``name`` as an SQL identifier (table and column names come from the schema)."""
    return '"' + name.replace('"', '""') + '"'



def _checksum(con: Any, catalog: str, table: str, columns: list[str]) -> tuple[int, int | None]:
    cols = ", ".join(quote(c) for c in columns)
    row = con.execute(f"select count(*), sum(hash({cols})::hugeint) from {catalog}.{quote(table)}").fetchone()
    return int(row[0]), None if row[1] is None else int(row[1])


def copy_database(source: str | Path, target: str) -> CopyReport:
    """Copy the DuckDB file ``source`` (and its archive folder) into the PostgreSQL ``target``."""
    src = store.db_path(source)
    if not isinstance(src, Path) or not src.exists():
        raise store.StoreError(f"找不到要迁移的 DuckDB 数据库文件 {source}。", "请用 --db 指定已有的数据库文件。")
    if not postgres.is_dsn(target):
        raise store.StoreError(f"迁移目标 {target} 不是 PostgreSQL 连接串。",
                               "格式：postgresql://用户名:密码@主机:端口/数据库名")
    store.migrate(src)
    store.migrate(target)
    report = CopyReport(str(src), postgres.safe_name(target))
    with store.read(target) as con:
        literal = str(src).replace("'", "''")
        con.execute(f"attach '{literal}' as {SOURCE} (read_only)")
        try:
            _copy(con, src, report)
        finally:
            con.execute("use " + postgres.CATALOG)
            con.execute(f"detach {SOURCE}")
    return report


def _copy(con: Any, src: Path, report: CopyReport) -> None:
    source_tables = _tables(con, SOURCE)
    target_tables = _tables(con, postgres.CATALOG)
    tables = [t for t in sorted(source_tables) if t != "schema_migrations"]
    missing = [t for t in tables if t not in target_tables]
    if missing:
        raise store.StoreError(f"目标 PostgreSQL 数据库缺少表：{'、'.join(missing)}。",
                               "请确认源文件与本程序版本一致（先执行 python -m etl migrate）。")
    busy = [t for t in tables if t != "meta" and
            con.execute(f"select count(*) from {postgres.CATALOG}.{quote(t)}").fetchone()[0]]
    if busy:
        raise store.StoreError(
            f"目标 PostgreSQL 数据库不是空库（{'、'.join(busy[:5])} 已有数据），未做任何修改。",
            "请指定一个新建的空数据库，以免数据重复。",
        )
    archive_rows = con.execute(
        f"select sha256, size_bytes, stored_path, first_received_at from {SOURCE}.archived_file order by sha256"
    ).fetchall()
    absent = [p for _, _, p, _ in archive_rows if not (src.parent / p).is_file()]
    if absent:
        raise store.StoreError(
            f"源数据库的归档文件缺失 {len(absent)} 个（如 {absent[0]}），未做任何修改。",
            f"请把归档目录 {src.parent / 'archive'} 恢复完整后重试。",
        )

    con.execute("begin transaction")
    try:
        con.execute(f"delete from {postgres.CATALOG}.meta")
        for t in tables:
            if t == "archived_file":
                continue
            cols = ", ".join(quote(c) for c in source_tables[t])
            con.execute(f"insert into {postgres.CATALOG}.{quote(t)} ({cols}) select {cols} from {SOURCE}.{quote(t)}")
        for start in range(0, len(archive_rows), ARCHIVE_BATCH):
            batch = archive_rows[start:start + ARCHIVE_BATCH]
            contents = []
            for sha, _, path, _ in batch:
                data = (src.parent / path).read_bytes()
                if hashlib.sha256(data).hexdigest() != sha:
                    raise store.StoreError(f"归档文件 {path} 的内容与其 SHA-256 不符（文件已损坏），未做任何修改。",
                                           "请从备份恢复该文件后重试。")
                contents.append(data)
            con.execute(
                f"insert into {postgres.CATALOG}.archived_file"
                " (sha256, size_bytes, stored_path, first_received_at, content)"
                " select unnest(?::varchar[]), unnest(?::bigint[]), unnest(?::varchar[]),"
                " unnest(?::timestamptz[]), unnest(?::blob[])",
                [[r[0] for r in batch], [r[1] for r in batch], [r[2] for r in batch], [r[3] for r in batch],
                 contents],
            )
        for table, seq in SEQUENCES.items():  # new rows continue after the copied ids
            if table in tables:
                postgres.execute_native(
                    con, f"select setval('{seq}', coalesce((select max(id) from {table}), 0) + 1, false)")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    report.archived = len(archive_rows)

    for t in tables:
        cols = source_tables[t]
        n_src, s_src = _checksum(con, SOURCE, t, cols)
        n_dst, s_dst = _checksum(con, postgres.CATALOG, t, cols)
        report.tables.append(TableCheck(t, n_src, n_dst, s_src, s_dst))
    report.archive_mismatch = con.execute(
        f"select * from postgres_query('{postgres.CATALOG}', 'select count(*) from archived_file"
        " where content is null or encode(sha256(content), ''hex'') <> sha256')"
    ).fetchone()[0]
