"""Changing the reporting roster (报送单位名单), office only and audited.

The definition of who owes a return is ``rules.roster``; this module only adds and removes
units, each change with its audit entry in the same transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime

import duckdb

import store
from accounts import audit
from accounts.access import User, require_office
from rules import month_counts
from rules.roster import listed


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
        con.executemany("insert into reporting_roster values (?, ?, ?)", [(u, now, actor) for u in new])
        audit.record(con, actor, "roster_change", "roster", "reporting_roster",
                     before={"units": sorted(present)}, after={"units": sorted(present | set(new))},
                     detail=f"加入报送名单 {len(new)} 个单位")
        month_counts.refresh(con, only_stale=True)  # who is expected changed: every month's counts
    return new


def remove(con: duckdb.DuckDBPyConnection, units: Iterable[str], actor: str) -> list[str]:
    """Take ``units`` off the roster; returns the ones that were on it."""
    present = set(listed(con))
    gone = [u for u in dict.fromkeys(units) if u in present]
    if gone:
        con.execute("delete from reporting_roster where unit in (select unnest(?))", [gone])
        audit.record(con, actor, "roster_change", "roster", "reporting_roster",
                     before={"units": sorted(present)}, after={"units": sorted(present - set(gone))},
                     detail=f"移出报送名单 {len(gone)} 个单位")
        month_counts.refresh(con, only_stale=True)
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
