"""The catalog mirrored into the database: same counts as the YAML, refreshed only when it changes."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

import store
from store.catalog_sync import ensure_catalog, refresh_candidate_units, sync_catalog
from indicators import load_catalog
from indicators.catalog import DATA_DIR

TABLES = [
    "region",
    "unit",
    "plan",
    "measure",
    "measure_unit",
    "indicator",
    "indicator_target",
    "indicator_owner",
]


def _counts(db: Path) -> dict[str, int]:
    with store.read(db) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}


def _catalog_with_new_target(tmp_path: Path):
    root = tmp_path / "catalog"
    shutil.copytree(DATA_DIR, root)
    path = root / "indicators" / "common.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["indicators"][0]["targets"] = [
        {"comparator": ">=", "value": 98, "effective_from": date(2026, 1, 1)}
    ]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_catalog(root)


def test_database_holds_exactly_the_catalog(db_path: Path):
    cat = load_catalog()
    assert ensure_catalog(db_path) is True
    counts = _counts(db_path)
    assert counts["region"] == len(cat.regions) == 22
    assert counts["unit"] == len(cat.units)
    assert counts["plan"] == len(cat.plans)
    assert counts["measure"] == len(cat.measures) == 130
    assert counts["measure_unit"] == sum(
        len(set(m.lead_units)) + len(set(m.responsible_units)) for m in cat.measures
    )
    assert counts["indicator"] == len(cat.indicators)
    assert counts["indicator_target"] == sum(len(i.timeline()) for i in cat.indicators.values())
    assert counts["indicator_owner"] == sum(len(i.owners) for i in cat.indicators.values())
    with store.read(db_path) as con:
        assert store.get_meta(con, "catalog_version") == cat.version
        heping = con.execute(
            "select count(*) from indicator_owner o join indicator i using (code) where i.common and o.unit like 'heping.%'"
        ).fetchone()[0]
    assert heping == len(cat.common_indicators())


def test_second_ensure_changes_nothing_and_a_new_catalog_replaces_rows(
    db_path: Path, tmp_path: Path
):
    assert ensure_catalog(db_path) is True
    before = _counts(db_path)
    assert ensure_catalog(db_path) is False
    assert _counts(db_path) == before
    changed = _catalog_with_new_target(tmp_path)
    assert ensure_catalog(db_path, changed) is True
    after = _counts(db_path)
    assert after["indicator_target"] == before["indicator_target"] + 1
    assert after["indicator"] == before["indicator"]


def test_target_in_force_is_looked_up_by_month(db_path: Path, tmp_path: Path):
    ensure_catalog(db_path, _catalog_with_new_target(tmp_path))
    sql = """
        select value from indicator_target
        where code = ? and effective_from <= ? and (effective_to is null or effective_to >= ?)
    """
    with store.read(db_path) as con:
        assert con.execute(
            sql, ["common.online_rate", date(2025, 6, 1), date(2025, 6, 1)]
        ).fetchall() == [(95.0,)]
        assert con.execute(
            sql, ["common.online_rate", date(2026, 3, 1), date(2026, 3, 1)]
        ).fetchall() == [(98.0,)]


def test_sync_runs_inside_the_callers_transaction(db_path: Path):
    ensure_catalog(db_path)
    with pytest.raises(RuntimeError), store.write(db_path) as con:
        con.execute("delete from unit")
        sync_catalog(con, load_catalog())
        con.execute("delete from indicator")
        raise RuntimeError("import failed later")
    counts = _counts(db_path)
    assert counts["indicator"] == len(load_catalog().indicators)


def test_new_scoring_rules_alone_do_not_rewrite_the_mirror_or_rejudge_every_month(db_path: Path, tmp_path: Path):
    """assessment.yaml is not mirrored: when only it changes, the stored judgments stay (at
    national scale re-judging 70 months takes most of an hour); a target change still redoes them."""
    assert ensure_catalog(db_path) is True
    root = tmp_path / "catalog"
    shutil.copytree(DATA_DIR, root)
    rules = root / "assessment.yaml"
    data = yaml.safe_load(rules.read_text(encoding="utf-8"))
    data["rule_sets"][-1]["bonus"]["cap"] = 6
    rules.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    new_rules = load_catalog(root)
    assert new_rules.version != load_catalog().version and new_rules.mirror_version == load_catalog().mirror_version
    rejudged = []
    assert ensure_catalog(db_path, new_rules, after_sync=rejudged.append) is False
    assert rejudged == []
    with store.read(db_path) as con:
        assert store.get_meta(con, "catalog_version") == new_rules.version
    changed = _catalog_with_new_target(tmp_path / "other")
    assert ensure_catalog(db_path, changed, after_sync=rejudged.append) is True
    assert len(rejudged) == 1


def test_the_units_asked_for_a_return_follow_the_catalog_mirror(tmp_path: Path) -> None:
    """Owners of an indicator or of a measure share, as the catalog says, after every sync."""
    catalog = load_catalog()
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    owners = {u for i in catalog.indicators.values() for u in i.owners}
    sharers = {u for m in catalog.measures for u in (*m.lead_units, *m.responsible_units)}
    with store.read(db) as con:
        listed = {r[0] for r in con.execute("select unit from candidate_unit").fetchall()}
    assert listed == owners | sharers and len(listed) > 100
    with store.write(db) as con:  # a mirror that names nobody: nobody is asked ...
        con.execute("delete from indicator_owner")
        con.execute("delete from measure_unit")
        refresh_candidate_units(con)
        assert con.execute("select count(*) from candidate_unit").fetchone()[0] == 0
        sync_catalog(con, catalog)  # ... until the sync writes the catalog's owners again
        assert {r[0] for r in con.execute("select unit from candidate_unit").fetchall()} == listed
