"""The demo database carries two assessed quarters (the older locked) and plan 004's cases."""

from __future__ import annotations

from datetime import date

import pytest

import store
from etl.demo import build_demo
from etl.demo_cases import CASES
from rules import assess
from rules.assess import Quarter


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("assess_demo")
    return build_demo(root / "demo.duckdb", regions=2, units=3, months=6, end_period=date(2026, 9, 1), workers=1)


def test_demo_has_two_assessed_quarters_the_older_one_locked(demo):
    with store.read(demo.db) as con:
        q2, q3 = Quarter(2026, 2), Quarter(2026, 3)
        assert assess.lock_info(con, q2)["reason"].startswith("经领导小组")
        assert assess.lock_info(con, q3) is None
        locked = assess.assess(con, q2)
        open_ = assess.assess(con, q3)
    assert locked and all(s.locked for s in locked)
    assert open_ and not any(s.locked for s in open_)
    assert any(s.deductions > 0 for s in open_) and any(s.components["external"].max > 0 for s in open_)


def test_demo_carries_the_twelve_cases_of_plan_004_approved_for_their_units(demo):
    with store.read(demo.db) as con:
        rows = con.execute("select unit, quarter, title, status, is_demo from typical_case order by id").fetchall()
    assert len(rows) == len(CASES) == 12
    assert {r[3] for r in rows} == {"approved"} and all(r[4] for r in rows)
    assert [(r[0], r[2]) for r in rows] == [(c[1], c[3]) for c in CASES]
    assert {r[1] for r in rows} == {"2026Q2", "2026Q3"}
