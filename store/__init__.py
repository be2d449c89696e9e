"""The database floor: opening DuckDB, the busy/version policy, migrations, the archive of
received files and the catalog mirror.

Belongs here: anything that decides *how* data is kept (connections, schema, files on disk).
Not here: what the numbers mean (``rules``), who may see them (``accounts``), how returns are
read (``etl``), anything Streamlit. Imports only ``indicators`` of the project's packages.

``import store`` gives the connection API: ``store.read(db)``, ``store.write(db)``,
``store.migrate(db)``, ``store.db_path()``, ``store.DatabaseBusy`` …
"""

from store.connection import (
    DEFAULT_DB,
    DUCKDB_VERSION,
    PROJECT_ROOT,
    DatabaseBusy,
    DatabaseVersionError,
    Migration,
    SchemaTooNew,
    StoreError,
    Turns,
    applied_versions,
    next_ids,
    on_postgres,
    placeholders,
    close,
    display_name,
    exists,
    is_postgres,
    db_path,
    default_memory_limit,
    get_meta,
    hold,
    keep_open,
    memory_limit,
    migrate,
    others_waiting,
    shipped_migrations,
    open_connection,
    read,
    schema_version,
    set_meta,
    waiting_marker,
    write,
    yield_turn,
)

__all__ = [
    "DEFAULT_DB", "DUCKDB_VERSION", "PROJECT_ROOT", "DatabaseBusy", "DatabaseVersionError",
    "Migration", "SchemaTooNew", "StoreError", "Turns", "applied_versions", "db_path", "default_memory_limit", "get_meta", "hold", "keep_open",
    "memory_limit", "migrate", "shipped_migrations", "close", "display_name", "next_ids", "on_postgres", "placeholders", "exists", "is_postgres", "open_connection", "read", "schema_version", "set_meta", "write",
    "others_waiting", "waiting_marker", "yield_turn",
]
