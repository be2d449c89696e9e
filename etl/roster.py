"""Which units owe a monthly return (报送单位名单).

A unit is expected to report when it owns an indicator or leads/shares a measure of the
catalog. While the office rolls the system out region by region it keeps a roster: when the
roster has any rows, only the units on it are expected (and chased as 逾期未报). This module
holds the one SQL definition that the deadline check and the dashboard both use.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime

import duckdb

from etl import store
from etl.access import User, require_office

# CTE fragments (no leading WITH): ``candidate_units(unit)`` may be asked to report,
# ``expected_units(unit)`` are (candidates narrowed to the roster when it has rows).
CANDIDATE_UNITS = """
candidate_units as (
    select unit from indicator_owner
    union
    select unit from measure_unit
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


def add(con: duckdb.DuckDBPyConnection, units: Iterable[str], actor: str) -> list[str]:
    """Put ``units`` on the roster (in the caller's transaction); returns the ones newly added."""
    units = list(dict.fromkeys(units))
    known = {r[0] for r in con.execute("select id from unit where id in (select unnest(?))", [units]).fetchall()}
    unknown = [u for u in units if u not in known]
    if unknown:
        raise ValueError(f"未知的责任单位：{'、'.join(unknown)}")
    present = set(listed(con))
    new = [u for u in units if u not in present]
    now = datetime.now(UTC)
    if new:
        from etl import audit

        con.executemany("insert into reporting_roster values (?, ?, ?)", [(u, now, actor) for u in new])
        audit.record(con, actor, "roster_change", "roster", "reporting_roster",
                     before={"units": sorted(present)}, after={"units": sorted(present | set(new))},
                     detail=f"加入报送名单 {len(new)} 个单位")
    return new


def remove(con: duckdb.DuckDBPyConnection, units: Iterable[str], actor: str) -> list[str]:
    """Take ``units`` off the roster; returns the ones that were on it."""
    present = set(listed(con))
    gone = [u for u in dict.fromkeys(units) if u in present]
    if gone:
        from etl import audit

        con.execute("delete from reporting_roster where unit in (select unnest(?))", [gone])
        audit.record(con, actor, "roster_change", "roster", "reporting_roster",
                     before={"units": sorted(present)}, after={"units": sorted(present - set(gone))},
                     detail=f"移出报送名单 {len(gone)} 个单位")
    return gone


def add_units(user: User, units: Iterable[str], db: str | os.PathLike | None = None) -> list[str]:
    """Office-only: enrol units in their own transaction."""
    require_office(user, "维护报送单位名单")
    with store.write(db) as con:
        return add(con, units, user.username)


def remove_units(user: User, units: Iterable[str], db: str | os.PathLike | None = None) -> list[str]:
    require_office(user, "维护报送单位名单")
    with store.write(db) as con:
        return remove(con, units, user.username)


def expected_units(db: str | os.PathLike | None = None) -> list[str]:
    with store.read(db) as con:
        return [r[0] for r in con.execute(f"with {EXPECTED_UNITS} select unit from expected_units order by unit").fetchall()]
