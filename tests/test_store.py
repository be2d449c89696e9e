"""The database: migrations, two programs on one file, and clear messages instead of raw errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

import store
import store.connection

ROOT = Path(__file__).resolve().parents[1]


def _tables(path: Path) -> set[str]:
    with store.read(path) as con:
        return {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}


def test_migrate_creates_schema_and_running_it_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.duckdb"
    first = store.migrate(path)
    assert first[0] == "0001_initial"
    assert {"submission", "observation", "finding", "schema_migrations"} <= _tables(path)
    assert store.migrate(path) == []
    assert store.schema_version(path) == store.shipped_migrations()[-1].version


def test_an_older_database_is_upgraded_in_place_and_keeps_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.duckdb"
    every = store.shipped_migrations()
    extra = store.Migration(every[-1].version + 1, "test_extra", "create table extra_thing (x integer);")
    monkeypatch.setattr(store.connection, "shipped_migrations", lambda: every)
    store.migrate(path)
    with store.write(path) as con:
        con.execute("insert into meta values ('kept', 'yes')")
    monkeypatch.setattr(store.connection, "shipped_migrations", lambda: [*every, extra])
    assert store.migrate(path) == [f"{extra.version:04d}_test_extra"]
    assert "extra_thing" in _tables(path)
    with store.read(path) as con:
        assert store.get_meta(con, "kept") == "yes"


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    store.migrate(path)
    with store.write(path) as con:
        con.execute("insert into schema_migrations values (999, 'future', now())")
    with pytest.raises(store.SchemaTooNew) as err:
        store.migrate(path)
    assert "999" in str(err.value) and "升级" in str(err.value)


def test_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    store.migrate(path)
    with pytest.raises(RuntimeError), store.write(path) as con:
        con.execute("insert into meta values ('half', 'written')")
        raise RuntimeError("boom")
    with store.read(path) as con:
        assert store.get_meta(con, "half") is None


def test_a_file_from_another_duckdb_version_gets_a_chinese_explanation(tmp_path: Path) -> None:
    path = tmp_path / "v2.duckdb"
    duckdb.connect(str(path)).close()
    raw = bytearray(path.read_bytes())
    assert raw[8:12] == b"DUCK"
    raw[12:20] = (69).to_bytes(8, "little")  # the storage number DuckDB 2.0 writes
    raw[0:8] = _header_checksum(bytes(raw[8:4096])).to_bytes(8, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(store.DatabaseVersionError) as err, store.read(path):
        pass
    text = str(err.value)
    assert "DuckDB 2.0" in text and duckdb.__version__ in text and "EXPORT DATABASE" in text
    assert path.read_bytes() == bytes(raw)  # the file is left untouched


def _header_checksum(block: bytes) -> int:
    """DuckDB's block checksum: xor of each 64-bit word times a constant, seeded with 5381."""
    import struct

    result = 5381
    for (word,) in struct.iter_unpack("<Q", block):
        result ^= (word * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    return result


def _script(body: str) -> str:
    return textwrap.dedent(body)


def test_the_app_keeps_reading_while_an_import_writes_to_the_same_file(tmp_path: Path) -> None:
    """Behaviour, not speed (bench/sharing.py times it): every read of the reader process
    succeeds while another process commits 40 transactions of two rows each, and each read
    sees a whole number of transactions (the old or the new state, never half of one)."""
    path = tmp_path / "shared.duckdb"
    store.migrate(path)
    done = tmp_path / "writer.done"
    env = {**os.environ, "YINGSHANG_DB": str(path), "PYTHONPATH": str(ROOT), "YINGSHANG_DB_TIMEOUT": "60"}
    reader = _script(
        f"""
        import json, pathlib, time
        import store
        done, seen = pathlib.Path({str(done)!r}), []
        while True:
            finished = done.exists()
            with store.read() as con:
                seen.append(con.execute("select count(*) from meta where key like 'k%'").fetchone()[0])
            if finished:
                break
            time.sleep(0.01)
        print(json.dumps(seen))
        """
    )
    writer = _script(
        f"""
        import pathlib, time
        import store
        for i in range(40):
            with store.write() as con:
                con.execute("insert into meta values (?, 'x')", [f"k{{i}}a"])
                con.execute("insert into meta values (?, 'x')", [f"k{{i}}b"])
            time.sleep(0.02)
        pathlib.Path({str(done)!r}).touch()
        print("done")
        """
    )
    r = subprocess.Popen([sys.executable, "-c", reader], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    w = subprocess.Popen([sys.executable, "-c", writer], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    w_out, w_err = w.communicate(timeout=300)
    r_out, r_err = r.communicate(timeout=300)
    assert w.returncode == 0, w_err
    assert r.returncode == 0, r_err  # no read failed (a DatabaseBusy would end the reader with an error)
    seen = json.loads(r_out)
    assert w_out.strip() == "done"
    assert all(n % 2 == 0 for n in seen), seen        # never half a transaction
    assert seen == sorted(seen)                        # never an older state after a newer one
    assert seen[-1] == 80                              # the read after the writer finished sees it all
    with store.read(path) as con:
        assert con.execute("select count(*) from meta where key like 'k%'").fetchone()[0] == 80


def test_a_long_lock_becomes_a_chinese_busy_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "busy.duckdb"
    store.migrate(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(20)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("YINGSHANG_DB_TIMEOUT", "0.5")
        with pytest.raises(store.DatabaseBusy) as err, store.read(path):
            pass
        assert "数据库正忙" in str(err.value) and "Conflicting lock" not in str(err.value)
    finally:
        holder.kill()
        holder.wait()


def test_threads_in_one_process_share_the_file_for_reading_and_writing(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "threads.duckdb"
    store.migrate(path)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(10):
                if j % 3 == 0:
                    with store.write(path) as con:
                        con.execute("insert into meta values (?, 'v')", [f"t{i}-{j}"])
                else:
                    with store.read(path) as con:
                        con.execute("select count(*) from meta").fetchone()
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with store.read(path) as con:
        assert con.execute("select count(*) from meta where key like 't%'").fetchone()[0] == 6 * 4


def test_database_path_comes_from_yingshang_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("YINGSHANG_DB", str(tmp_path / "x.duckdb"))
    assert store.db_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("YINGSHANG_DB")
    assert store.db_path() == ROOT / "data" / "yingshang.duckdb"


def test_migrate_cli_reports_in_chinese(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    db = tmp_path / "cli.duckdb"
    out = subprocess.run([sys.executable, "-m", "etl", "migrate", "--db", str(db)], env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode == 0 and "已应用迁移" in out.stdout
    again = subprocess.run([sys.executable, "-m", "etl", "migrate", "--db", str(db)], env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    assert "已是最新" in again.stdout
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_database_replaced_on_disk_is_read_at_once_not_from_the_previous_file(tmp_path: Path) -> None:
    """A restored backup moved into place between two page runs: the next read sees it (the
    app keeps an idle read connection open for a moment, but only for the same file)."""
    path, backup = tmp_path / "live.duckdb", tmp_path / "backup.duckdb"
    for p, value in ((path, "live"), (backup, "backup")):
        store.migrate(p)
        with store.write(p) as con:
            con.execute("insert into meta values ('which', ?)", [value])
    store.close(backup)
    with store.read(path) as con:
        assert store.get_meta(con, "which") == "live"
    os.replace(backup, path)
    with store.read(path) as con:
        assert store.get_meta(con, "which") == "backup"


def test_an_import_gets_the_file_a_moment_after_the_apps_last_read(tmp_path: Path) -> None:
    """The app's reads in a row share one opening of the file; once they stop, another
    process opens it read-write within the linger, without a busy message."""
    path = tmp_path / "shared.duckdb"
    store.migrate(path)
    for _ in range(5):
        with store.read(path) as con:
            con.execute("select count(*) from meta").fetchone()
    time.sleep(store.connection.READ_LINGER_SECONDS + 0.3)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YINGSHANG_DB": str(path), "YINGSHANG_DB_TIMEOUT": "0.05"}
    done = subprocess.run(
        [sys.executable, "-c", ("import store\nwith store.write() as con:\n"
                                "    con.execute(\"insert into meta values ('imported', 'yes')\")")],
        env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr  # DatabaseBusy after 0.05 s would fail it
    with store.read(path) as con:
        assert store.get_meta(con, "imported") == "yes"
