"""The benchmark database is one the real system can keep using (issue 18).

Story: the lead builds a synthetic national database with bench/synth.py, points the app at it
and imports this month's real returns into it. The app must not re-mirror the catalog, the
import must not collide with synthetic ids, and the stored judgments must be trusted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import store
from bench import ingest as bench_ingest
from bench import synth
from indicators import load_catalog
from rules import stats

SMALL = synth.Scale(regions=4, months=3)


def test_a_real_import_into_the_synthetic_database_is_accepted(tmp_path: Path) -> None:
    catalog = load_catalog()
    db = synth.build(tmp_path / "synth.duckdb", SMALL)
    info = synth.summary(db)
    assert info["catalog_version"] == catalog.version  # the app does not re-mirror on start
    assert stats.ensure_catalog(db, catalog) is False
    assert info["submissions"] > 0 and info["observations"] > 0
    assert info["fresh_months"] == SMALL.months  # pages read the stored judgments

    with store.read(db) as con:
        codes = {r[0] for r in con.execute("select distinct code from observation").fetchall()}
        clone = con.execute("select count(*) from unit where region = 's00002'").fetchone()[0]
        real_returns = con.execute("select count(*) from submission where unit not like 's0%'").fetchone()[0]
    assert codes <= set(catalog.indicators)  # every synthetic value has a real indicator code
    assert clone == len(catalog.units_of_region("teda"))
    assert real_returns == 0  # the real units' months are left for real imports

    from etl.ingest import ingest_files

    paths = bench_ingest.generate(catalog, 2, tmp_path / "returns", workers=1)
    results = ingest_files(paths, db=db, now=datetime(2026, 12, 4, 8, tzinfo=UTC), catalog=catalog)
    assert [r.status for r in results] == ["accepted", "accepted"]
    assert min(r.submission_id for r in results) > info["max_submission_id"]


def test_the_generated_returns_carry_what_real_units_own(tmp_path: Path) -> None:
    catalog = load_catalog()
    paths = bench_ingest.generate(catalog, 3, tmp_path / "returns", workers=1)
    mean_indicators, _mean_measures = bench_ingest.content(catalog, tmp_path / "returns", 3)
    assert len(paths) == 3 and all(p.exists() for p in paths)
    assert mean_indicators >= 1  # never the units that own nothing
    again = bench_ingest.generate(catalog, 2, tmp_path / "returns", workers=1)
    assert again == paths[:2]  # a second call reuses the files
