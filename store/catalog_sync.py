"""Mirror the YAML catalog into the database's catalog tables.

The YAML stays the source of truth; the tables exist so SQL (page queries, joins with
observations) can use units, measures and the target then in force. Rows are replaced as a
whole, inside the caller's transaction, and inserted from DataFrames (one statement per
table) because DuckDB runs ``executemany`` row by row.
"""

from __future__ import annotations

import os
from datetime import date
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import store

if TYPE_CHECKING:
    import duckdb

    from indicators.catalog import Catalog

# table -> (columns, casts): columns in insert order; casts for the ones sent as ISO text
_TABLES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "region": (("id", "name", "kind", "parent", "short_name"), {}),
    "unit": (("id", "region", "name", "dept", "liaison", "phone"), {}),
    "plan": (
        ("id", "title", "issuer", "region", "issued", "period_start", "period_end"),
        {"issued": "date", "period_start": "date", "period_end": "date"},
    ),
    "measure": (("key", "plan", "number", "seq", "kind", "section", "title"), {"seq": "integer"}),
    "measure_unit": (("measure_key", "unit", "role"), {}),
    "indicator": (
        (
            "code",
            "name",
            "uom",
            "comparator",
            "target",
            "baseline",
            "baseline_year",
            "direction",
            "frequency",
            "rollup",
            "plan",
            "measure",
            "common",
            "amber",
            "effective_from",
            "effective_to",
        ),
        {
            "target": "double",
            "baseline": "double",
            "baseline_year": "integer",
            "common": "boolean",
            "amber": "double",
            "effective_from": "date",
            "effective_to": "date",
        },
    ),
    "indicator_target": (
        ("code", "comparator", "value", "amber", "effective_from", "effective_to"),
        {"value": "double", "amber": "double", "effective_from": "date", "effective_to": "date"},
    ),
    "indicator_owner": (("code", "unit"), {}),
    "indicator_period": (("code", "report", "schedule"), {"schedule": "double[]"}),
    "target_scope": (("code", "effective_from", "region"), {"effective_from": "date"}),
    "target_detail": (
        ("code", "effective_from", "plan", "measure", "clause", "source", "soft", "baseline",
         "baseline_year", "baseline_source"),
        {"effective_from": "date", "soft": "boolean", "baseline": "double", "baseline_year": "integer"},
    ),
    "demo_contact": (("unit",), {}),
}
TABLE_NAMES = tuple(_TABLES)  # every table the catalog sync rewrites (store.read_copy copies them)


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def catalog_rows(catalog: Catalog) -> dict[str, list[tuple[Any, ...]]]:
    """One list of row tuples per catalog table, in ``_TABLES`` column order."""
    measure_units = []
    for m in catalog.measures:
        measure_units += [(m.key, u, "lead") for u in dict.fromkeys(m.lead_units)]
        measure_units += [(m.key, u, "responsible") for u in dict.fromkeys(m.responsible_units)]
    targets, scopes, details = [], [], []
    for i in catalog.indicators.values():
        for t in i.timeline():
            day = _day(t.effective_from)
            targets.append((i.code, t.comparator, t.value, t.amber, day, _day(t.effective_to)))
            scopes += [(i.code, day, r) for r in dict.fromkeys(t.scope)]
            details.append((i.code, day, t.source_plan or i.plan, t.source_measure or i.measure, t.clause,
                            t.source, t.soft, t.baseline, t.baseline_year, t.baseline_source))
    return {
        "region": [
            (r.id, r.name, r.kind, r.parent, r.short_name) for r in catalog.regions.values()
        ],
        "unit": [
            (u.id, u.region, u.name, u.dept, u.liaison, u.phone) for u in catalog.units.values()
        ],
        "plan": [
            (
                p.id,
                p.title,
                p.issuer,
                p.region,
                _day(p.issued),
                _day(p.period_start),
                _day(p.period_end),
            )
            for p in catalog.plans.values()
        ],
        "measure": [
            (m.key, m.plan, m.number, m.seq, m.kind, m.section, m.title) for m in catalog.measures
        ],
        "measure_unit": measure_units,
        "indicator": [
            (
                i.code,
                i.name,
                i.unit,
                i.comparator,
                i.target,
                i.baseline,
                i.baseline_year,
                i.direction,
                i.frequency,
                i.rollup,
                i.plan,
                i.measure,
                i.common,
                i.amber,
                _day(i.effective_from),
                _day(i.effective_to),
            )
            for i in catalog.indicators.values()
        ],
        "indicator_target": targets,
        "indicator_owner": [(i.code, u) for i in catalog.indicators.values() for u in i.owners],
        # quarterly and yearly indicators only (rules.period); the schedule as a list literal
        "indicator_period": [
            (i.code, i.report, "[" + ", ".join(f"{x:g}" for x in i.schedule) + "]" if i.schedule else None)
            for i in catalog.indicators.values() if i.frequency != "monthly"
        ],
        "target_scope": scopes,
        "target_detail": details,
        "demo_contact": [(u.id,) for u in catalog.units.values() if u.demo],
    }


def sync_catalog(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> None:
    """Replace every catalog table's rows with ``catalog`` (no commit: the caller's transaction)."""
    import pandas as pd

    rows = catalog_rows(catalog)
    for table, (columns, casts) in _TABLES.items():
        con.execute(f"delete from {table}")  # table names come from _TABLES, never from input
        if not rows[table]:
            continue
        frame = pd.DataFrame(rows[table], columns=list(columns), dtype=object)
        select = ", ".join(
            f"cast({c} as {casts[c]})" if c in casts else f"cast({c} as varchar)" for c in columns
        )
        view = f"_catalog_sync_{table}"
        con.register(view, frame)
        try:
            con.execute(f"insert into {table} ({', '.join(columns)}) select {select} from {view}")
        finally:
            con.unregister(view)
    refresh_candidate_units(con)
    store.set_meta(con, "catalog_version", catalog.version)
    if getattr(catalog, "mirror_version", ""):
        store.set_meta(con, "mirror_version", catalog.mirror_version)


# Who may be asked for a monthly return (rules.roster reads it; migration 0012 fills it once).
_CANDIDATES = "insert into candidate_unit select unit from indicator_owner union select unit from measure_unit"


def refresh_candidate_units(con: duckdb.DuckDBPyConnection) -> None:
    """Rewrite ``candidate_unit`` from the owner tables; whoever writes ``indicator_owner`` or
    ``measure_unit`` calls it in the same transaction (the catalog sync; test fixtures)."""
    con.execute("delete from candidate_unit")
    con.execute(_CANDIDATES)


def ensure_catalog(db: str | os.PathLike | None = None, catalog: Catalog | None = None,
                   after_sync: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
                   after_version: Callable[[duckdb.DuckDBPyConnection, str, str], object] | None = None,
                   ) -> bool:
    """Migrate, then mirror the catalog unless the database already holds this version.

    ``after_sync`` runs in the same transaction when the tables were rewritten (the judging
    floor passes its re-judge, ``rules.stats.ensure_catalog``, so derived tables never lag the
    targets). When only unmirrored files changed, ``after_version(con, old, new)`` runs in the
    transaction that records the new version (the judging floor carries its stored judgments'
    stamps over: they were computed from the same mirror). Returns True when the tables were
    (re)written. Cheap when nothing changed: one read.
    """
    from indicators.catalog import load_catalog

    store.migrate(db)
    cat = catalog or load_catalog()
    mirrored = getattr(cat, "mirror_version", "")
    with store.read(db) as con:
        old = store.get_meta(con, "catalog_version")
        if old == cat.version:
            return False
        same_mirror = bool(mirrored) and store.get_meta(con, "mirror_version") == mirrored
    if same_mirror:  # only files the mirror does not hold changed (scoring rules): nothing to redo
        with store.write(db) as con:
            store.set_meta(con, "catalog_version", cat.version)
            if after_version is not None and old:
                after_version(con, old, cat.version)
        return False
    with store.write(db) as con:
        sync_catalog(con, cat)
        if after_sync is not None:
            after_sync(con)
    return True
