"""An accepted return updates the dashboard's precomputed judgments in the same write."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rules import stats
import store
from rules.stats import ensure_catalog
from etl.ingest import ingest_files
from indicators import load_catalog
from tests.fixtures_returns import fill_template

SH = ZoneInfo("Asia/Shanghai")
OCT = date(2026, 10, 1)


def test_an_accepted_return_is_judged_at_once_for_the_dashboard(tmp_path: Path) -> None:
    catalog = load_catalog()
    db = tmp_path / "s.duckdb"
    ensure_catalog(db, catalog)
    code = "common.satisfaction"  # TEDA's own target (plan 001): judged for TEDA's unit
    path = fill_template(tmp_path / "r.xlsx", catalog, "teda.zwfw", "2026-10", overrides={code: 90})
    [res] = ingest_files([path], db=db, catalog=catalog, now=datetime(2026, 10, 20, tzinfo=SH))
    assert res.status == "accepted", res.to_json()
    with store.read(db) as con:
        assert stats.is_fresh(con, OCT, OCT)
        row = con.execute(
            "select status from judged_observation where unit = 'teda.zwfw' and code = ? and period = ?",
            [code, OCT],
        ).fetchone()
    assert row == ("未达标",)


def test_a_bulk_load_may_defer_the_refresh_and_the_month_is_then_judged_live(tmp_path: Path) -> None:
    catalog = load_catalog()
    db = tmp_path / "s.duckdb"
    ensure_catalog(db, catalog)
    path = fill_template(tmp_path / "r.xlsx", catalog, "heping.zwfw", "2026-10")
    ingest_files([path], db=db, catalog=catalog, now=datetime(2026, 10, 20, tzinfo=SH), refresh_stats=False)
    with store.read(db) as con:
        assert not stats.is_fresh(con, OCT, OCT)
    stats.refresh_db(db)
    with store.read(db) as con:
        assert stats.is_fresh(con, OCT, OCT)
