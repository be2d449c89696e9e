"""Which units owe a monthly return (报送单位名单): the one definition.

A unit is expected to report when it owns an indicator or leads/shares a measure of the
catalog. While the office rolls the system out region by region it keeps a roster: when the
roster has any rows, only the units on it are expected (and chased as 逾期未报). The deadline
check, the dashboard and the template builder all read this module; changing the roster is
``etl.roster`` (it writes an audit entry).
"""

from __future__ import annotations

import os

import duckdb

import store

# CTE fragments (no leading WITH): ``candidate_units(unit)`` may be asked to report,
# ``expected_units(unit)`` are (candidates narrowed to the roster when it has rows).
# candidate_unit holds the units owning an indicator or sharing a measure, rewritten with the
# catalog mirror (store.catalog_sync.refresh_candidate_units)
CANDIDATE_UNITS = """
candidate_units as (
    select unit from candidate_unit
)"""
EXPECTED_UNITS = CANDIDATE_UNITS + """,
expected_units as (
    select c.unit from candidate_units c
    where not exists (select 1 from reporting_roster)
       or c.unit in (select unit from reporting_roster)
)"""


def candidates_in_region(con: duckdb.DuckDBPyConnection, region: str) -> list[str]:
    """Units of ``region`` that own an indicator or share a measure."""
    sql = f"with {CANDIDATE_UNITS} select c.unit from candidate_units c join unit u on u.id = c.unit where u.region = ? order by 1"
    return [r[0] for r in con.execute(sql, [region]).fetchall()]


def listed(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("select unit from reporting_roster order by unit").fetchall()]


def expected_units(db: str | os.PathLike | None = None) -> list[str]:
    with store.read(db) as con:
        return [r[0] for r in con.execute(f"with {EXPECTED_UNITS} select unit from expected_units order by unit").fetchall()]
