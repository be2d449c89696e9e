"""A big import streams (issue 18): each chunk of files is read, checked and written before
the next chunk's files are even opened, so memory does not grow with the number of files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from etl import ingest
from etl.ingest import ingest_files
from tests.fixtures_returns import tiny_catalog, write_return

NOW = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)


def test_a_chunk_is_written_before_the_next_files_are_read(tmp_path: Path, monkeypatch) -> None:
    paths = [write_return(tmp_path / f"r{m}.xlsx", period=f"2026-0{m}") for m in (5, 6, 7, 8)]
    monkeypatch.setattr(ingest, "CHUNK", 2)
    events: list[str] = []
    read_bytes, write_files = Path.read_bytes, ingest.write_files

    def reading(self: Path) -> bytes:
        if self in paths:
            events.append(f"read {self.name}")
        return read_bytes(self)

    def writing(db, items, **kw):
        events.append("write " + ",".join(it.name for it in items))
        return write_files(db, items, **kw)

    monkeypatch.setattr(Path, "read_bytes", reading)
    monkeypatch.setattr(ingest, "write_files", writing)
    results = ingest_files(paths, db=tmp_path / "s.duckdb", catalog=tiny_catalog(), now=NOW)
    assert [r.status for r in results] == ["accepted"] * 4
    assert events == ["read r5.xlsx", "read r6.xlsx", "write r5.xlsx,r6.xlsx",
                      "read r7.xlsx", "read r8.xlsx", "write r7.xlsx,r8.xlsx"]


def test_history_checks_see_last_month_from_an_earlier_chunk(tmp_path: Path, monkeypatch) -> None:
    """June in the second chunk is compared with May from the first (by then in the database)."""
    may = write_return(tmp_path / "may.xlsx", period="2026-05")
    june = write_return(tmp_path / "june.xlsx", period="2026-06")  # the same figures as May
    monkeypatch.setattr(ingest, "CHUNK", 1)
    _, res = ingest_files([may, june], db=tmp_path / "h.duckdb", catalog=tiny_catalog(), now=NOW)
    assert res.status == "accepted"
    assert [f.code for f in res.warnings] == ["SAME_AS_LAST_MONTH"], res.to_json()
