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


def test_new_scoring_rules_keep_the_stored_judgments_fresh(tmp_path: Path) -> None:
    """Changing only assessment.yaml must not turn every month stale: the pages would judge
    live and the next import would re-judge whole months (an hour at national scale)."""
    import shutil

    import yaml

    from indicators.catalog import DATA_DIR

    catalog = load_catalog()
    db = tmp_path / "s.duckdb"
    ensure_catalog(db, catalog)
    path = fill_template(tmp_path / "r.xlsx", catalog, "teda.zwfw", "2026-10")
    [res] = ingest_files([path], db=db, catalog=catalog, now=datetime(2026, 10, 20, tzinfo=SH))
    assert res.status == "accepted", res.to_json()
    root = tmp_path / "catalog"
    shutil.copytree(DATA_DIR, root)
    rules = root / "assessment.yaml"
    data = yaml.safe_load(rules.read_text(encoding="utf-8"))
    data["rule_sets"][-1]["bonus"]["cap"] = 6
    rules.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    new_rules = load_catalog(root)
    assert new_rules.version != catalog.version
    assert ensure_catalog(db, new_rules) is False  # nothing re-mirrored
    with store.read(db) as con:
        assert store.get_meta(con, "catalog_version") == new_rules.version
        assert stats.is_fresh(con, OCT, OCT)
