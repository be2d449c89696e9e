"""Refreshing only what a chunk of returns changed gives the same stored judgments (and
counts per month, ``rules.month_counts``) as re-judging and recounting every month (issue 18:
imports whose cost does not grow with the database).

A small database built by INSERTs (three districts and a zone): 网上办件占比 (ZW03) is judged
against the city average, 满意度 (SAT) against 95 % (和平 fails it month after month: a streak),
经开区人社局's 用工 (JOBS) is a yearly running total and 经开区政务服务办's 一次办比例 (QRATE) a
quarterly mean. Returns arrive chunk by chunk as the loader writes them, each chunk followed
by ``stats.refresh_batch`` in the same transaction; after every chunk the stored tables must
equal what ``stats.refresh(con)`` (every month, from scratch) writes.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import store
from rules import judge, stats
from store.catalog_sync import refresh_candidate_units

TZ = ZoneInfo("Asia/Shanghai")
JAN, FEB, MAR, APR, MAY = (date(2026, m, 1) for m in range(1, 6))
REGIONS = [("heping", "和平区", "district"), ("hexi", "河西区", "district"), ("nankai", "南开区", "district"),
           ("teda", "经开区", "zone")]
ZWFW = ["heping.zwfw", "hexi.zwfw", "nankai.zwfw", "teda.zwfw"]
# code, uom, comparator, target, frequency, rollup, amber, owners
INDICATORS = [
    ("ZW03", "%", "city_avg", 0.0, "monthly", "latest", 2.0, ZWFW),
    ("SAT", "%", ">=", 95.0, "monthly", "latest", None, ZWFW),
    ("JOBS", "人", ">=", 20000.0, "yearly", "sum", 2000.0, ["teda.rsj"]),
    ("QRATE", "%", ">=", 90.0, "quarterly", "mean", 1.0, ["teda.zwfw"]),
]


def _build(path: Path) -> Path:
    store.migrate(path)
    with store.write(path) as con:
        for rid, name, kind in REGIONS:
            con.execute("insert into region values (?, ?, ?, null, ?)", [rid, name, kind, name[:2]])
        for u in ZWFW + ["teda.rsj"]:
            con.execute("insert into unit values (?, ?, ?, ?, null, null)", [u, u.split(".")[0], u, u.split(".")[1]])
        con.execute("insert into plan values ('001', '方案', '营商办', 'teda', null, null, null)")
        for code, uom, comp, target, freq, rollup, amber, owners in INDICATORS:
            con.execute(
                "insert into indicator (code, name, uom, comparator, target, direction, frequency, rollup,"
                " plan, measure, common, amber) values (?, ?, ?, ?, ?, 'higher_better', ?, ?, '001', '1.', false, ?)",
                [code, code, uom, comp, target, freq, rollup, amber])
            con.execute("insert into indicator_target values (?, ?, ?, ?, date '2026-01-01', null)",
                        [code, comp, target, amber])
            con.executemany("insert into indicator_owner values (?, ?)", [[code, o] for o in owners])
            if freq != "monthly":
                con.execute("insert into indicator_period values (?, 'month', null)", [code])
        refresh_candidate_units(con)
        con.execute("insert into meta values ('catalog_version', 'partial1')")
    return path


def _submit(con, unit: str, period: date, values: dict[str, float] | None) -> int:
    """One return as the loader writes it (values None: a rejected return); its submission id."""
    [sid] = store.next_ids(con, "submission_id_seq", 1)
    accepted = values is not None
    version = None
    if accepted:
        version = con.execute("select coalesce(max(version), 0) + 1 from submission where unit = ? and period = ?"
                              " and status = 'accepted'", [unit, period]).fetchone()[0]
        for table in ("submission", "observation"):
            con.execute(f"update {table} set is_current = false where unit = ? and period = ?", [unit, period])
    received = datetime(period.year, period.month, 20, 9, tzinfo=TZ)
    con.execute(
        "insert into submission (id, sha256, unit, region, period, status, version, is_current, uploader,"
        " received_at, due_at, on_time, days_late, workdays_late, template_version, catalog_version)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, 'liaison', ?, ?, true, 0, 0, 't1', 'partial1')",
        [sid, f"sha-{sid}", unit, unit.split(".")[0], period, "accepted" if accepted else "rejected", version,
         accepted, received, received])
    for row, (code, v) in enumerate((values or {}).items(), start=4):
        con.execute("insert into observation values (?, ?, ?, ?, ?, ?, null, ?, true, false)",
                    [sid, unit, unit.split(".")[0], period, code, v, f"E{row}"])
    return sid


def _load_chunk(db: Path, returns: list[tuple[str, date, dict | None]], refresh: bool = True) -> None:
    """One loader chunk: every return written, then the partial refresh, one transaction."""
    with store.write(db) as con:
        ids = [_submit(con, u, p, v) for u, p, v in returns]
        if refresh:
            stats.refresh_batch(con, ids)


def _tables(con) -> dict[str, list[tuple]]:
    return {t: con.execute(f"select * from {t} order by all").fetchall()
            for t in ("judged_observation", "unit_month_stats", "unit_month_stats_state",
                      "return_month_counts", "return_region_units", "task_month_counts", "month_counts_state")}


class _Rollback(Exception):
    pass


def _full_rejudge(db: Path) -> dict[str, list[tuple]]:
    """The tables as ``stats.refresh(con)`` of every month writes them (then rolled back)."""
    out: dict[str, list[tuple]] = {}
    spied = stats._refresh_month  # the test's spy (fixture ``calls``) does not count this one
    stats._refresh_month = getattr(spied, "original", spied)
    try:
        with store.write(db) as con:
            con.execute("delete from month_counts_state")  # counted again, from scratch
            stats.refresh(con)
            out = _tables(con)
            raise _Rollback
    except _Rollback:
        return out
    finally:
        stats._refresh_month = spied


def _assert_same_as_full(db: Path) -> None:
    with store.read(db) as con:
        partial = _tables(con)
    full = _full_rejudge(db)
    for table in full:
        assert partial[table] == full[table], table


def _zw(zw03: float, sat: float = 96.0) -> dict[str, float]:
    return {"ZW03": zw03, "SAT": sat}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Which months were re-judged in part (and for whom) and which whole."""
    seen: list[tuple] = []
    part, whole = stats._refresh_span, stats._refresh_month

    def spy_part(con, months, units, codes):
        seen.append(("part", tuple(sorted(months)), frozenset(units), frozenset(codes)))
        return part(con, months, units, codes)

    def spy_whole(con, p):
        seen.append(("whole", p))
        return whole(con, p)

    spy_whole.original = whole  # type: ignore[attr-defined]
    monkeypatch.setattr(stats, "_refresh_span", spy_part)
    monkeypatch.setattr(stats, "_refresh_month", spy_whole)
    return seen


def _a_quarter_loaded(db: Path) -> None:
    """January to March, four chunks as they come in (months mixed within a chunk)."""
    _load_chunk(db, [("heping.zwfw", JAN, _zw(70, 90)), ("hexi.zwfw", JAN, _zw(80)),
                     ("nankai.zwfw", JAN, _zw(90)), ("teda.rsj", JAN, {"JOBS": 1500})])
    _load_chunk(db, [("teda.zwfw", JAN, _zw(85) | {"QRATE": 88}), ("heping.zwfw", FEB, _zw(72, 91)),
                     ("hexi.zwfw", FEB, _zw(81))])
    _load_chunk(db, [("nankai.zwfw", FEB, _zw(88)), ("teda.rsj", FEB, {"JOBS": 1600}),
                     ("teda.zwfw", FEB, _zw(86) | {"QRATE": 92}), ("heping.zwfw", MAR, _zw(75, 92))])
    _load_chunk(db, [("hexi.zwfw", MAR, _zw(79)), ("nankai.zwfw", MAR, _zw(91)), ("teda.rsj", MAR, {"JOBS": 1700}),
                     ("teda.zwfw", MAR, _zw(84) | {"QRATE": 85})])


def test_chunks_of_returns_refreshed_in_part_match_a_full_rejudge(tmp_path: Path, calls: list) -> None:
    db = _build(tmp_path / "p.duckdb")
    _load_chunk(db, [("heping.zwfw", JAN, _zw(70, 90)), ("hexi.zwfw", JAN, _zw(80))])
    _assert_same_as_full(db)
    _load_chunk(db, [("nankai.zwfw", JAN, _zw(90)), ("teda.rsj", JAN, {"JOBS": 1500})])
    _assert_same_as_full(db)
    # the January chunk after the first re-judged the new units plus every unit's ZW03 row
    assert ("part", (JAN,), frozenset({"nankai.zwfw", "teda.rsj"}), frozenset({"ZW03"})) in calls
    _load_chunk(db, [("teda.zwfw", JAN, _zw(85) | {"QRATE": 88}), ("heping.zwfw", FEB, _zw(72, 91))])
    _assert_same_as_full(db)


def test_a_streak_across_months_is_carried_by_the_partial_refresh(tmp_path: Path, calls: list) -> None:
    db = _build(tmp_path / "p.duckdb")
    _a_quarter_loaded(db)
    _assert_same_as_full(db)
    with store.read(db) as con:
        streak = con.execute("select streak from judged_observation where unit = 'heping.zwfw' and code = 'SAT'"
                             " and period = ?", [MAR]).fetchone()
        assert stats.is_fresh(con, JAN, MAR)
    assert streak == (3,)  # 和平 has missed 满意度 in January, February and March
    # a month is judged whole once, by the chunk that brings its first return; later chunks
    # re-judge only their units and the city-average code
    assert sorted(c[1] for c in calls if c[0] == "whole") == [JAN, FEB, MAR], calls


def test_partial_refresh_matches_full_rejudge_after_a_correction(tmp_path: Path, calls: list) -> None:
    """河西 corrects February's ZW03 (February's city average moves for everyone) and 经开区人社局
    corrects February's jobs (March's running total moves); a rejected file comes along."""
    db = _build(tmp_path / "p.duckdb")
    _a_quarter_loaded(db)
    calls.clear()
    _load_chunk(db, [("hexi.zwfw", FEB, _zw(60)), ("teda.rsj", FEB, {"JOBS": 9000}),
                     ("nankai.zwfw", MAR, None)])
    _assert_same_as_full(db)
    # February and March (running totals, streaks) in one go, for the two units and ZW03 only
    assert calls == [("part", (FEB, MAR), frozenset({"hexi.zwfw", "teda.rsj"}), frozenset({"ZW03"}))]
    with store.read(db) as con:
        actual = con.execute("select actual from judged_observation where unit = 'teda.rsj' and code = 'JOBS'"
                             " and period = ?", [MAR]).fetchone()
        ref = con.execute("select reference from judged_observation where unit = 'heping.zwfw' and code = 'ZW03'"
                          " and period = ?", [FEB]).fetchone()
    assert actual == (1500 + 9000 + 1700,)
    assert ref == (pytest.approx((72 + 60 + 88) / 3),)  # the districts' mean, with 河西's new figure


def test_a_month_stale_before_the_chunk_is_redone_whole(tmp_path: Path, calls: list) -> None:
    """April's first returns came in by a bulk load that skipped the refresh: the next chunk
    cannot trust April's stored rows and re-judges the whole month."""
    db = _build(tmp_path / "p.duckdb")
    _a_quarter_loaded(db)
    _load_chunk(db, [("heping.zwfw", APR, _zw(65, 90)), ("hexi.zwfw", APR, _zw(82))], refresh=False)
    with store.read(db) as con:
        assert not stats.is_fresh(con, APR, APR)
    calls.clear()
    _load_chunk(db, [("nankai.zwfw", APR, _zw(90)), ("teda.rsj", MAY, {"JOBS": 2000})])
    assert ("whole", APR) in calls
    _assert_same_as_full(db)
    with store.read(db) as con:
        assert stats.is_fresh(con, JAN, MAY)
        assert judge.all_fresh(con, APR, APR)


def test_another_importers_returns_in_between_force_a_whole_month(tmp_path: Path, calls: list) -> None:
    """PostgreSQL refreshes after the commit: when someone else's return of the month landed
    since the last refresh, the month is not fresh 'but for our returns' and is redone whole."""
    db = _build(tmp_path / "p.duckdb")
    _a_quarter_loaded(db)
    with store.write(db) as con:
        other = _submit(con, "nankai.zwfw", MAR, _zw(50))
        ours = _submit(con, "hexi.zwfw", MAR, _zw(70))
    calls.clear()
    with store.write(db) as con:
        stats.refresh_batch(con, [ours])
    assert ("whole", MAR) in calls
    with store.write(db) as con:  # the other importer's turn: nothing left to do
        calls.clear()
        stats.refresh_batch(con, [other])
    assert calls == []
    _assert_same_as_full(db)
