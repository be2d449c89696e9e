"""督办 fixtures: the dashboard fixture database (tests/fixtures_dashboard.py) plus accounts,
and a way to add one more accepted return (a later month) the way the fixture writes them.

Story on top of the dashboard fixture: 河西区政务服务办 misses 政务服务满意度 in October (92%
against ≥95%); the office opens an item from that red flag; in November it reports 96%.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import store
from accounts.access import User
from tests.fixtures_dashboard import TZ

OFFICE = User("bgs01", "office")
HEXI = User("hexi.zwfw", "liaison", unit="hexi.zwfw")
NANKAI = User("nankai.zwfw", "liaison", unit="nankai.zwfw")
LEADER = User("leader1", "leader")


def add_return(path: str | Path, unit: str, period: date, values: dict[str, float],
               received: datetime | None = None) -> int:
    """One more accepted, current return of ``unit`` for ``period`` with indicator ``values``."""
    received = received or datetime(period.year, period.month, 20, 9, 0, tzinfo=TZ)
    due = datetime(period.year, period.month, 25, 23, 59, 59, tzinfo=TZ)
    region = unit.split(".")[0]
    with store.write(path) as con:
        sid = con.execute(
            "insert into submission (sha256, unit, region, period, status, version, is_current, uploader,"
            " received_at, due_at, on_time, days_late, workdays_late, template_version, catalog_version,"
            " n_errors, n_warnings) values (?, ?, ?, ?, 'accepted', 1, true, 'liaison', ?, ?, true, 0, 0,"
            " 't1', 'fixture1', 0, 0) returning id",
            [f"sha-{unit}-{period}-extra", unit, region, period, received, due],
        ).fetchone()[0]
        for row, (code, v) in enumerate(values.items(), start=4):
            con.execute("insert into observation values (?, ?, ?, ?, ?, ?, null, ?, true, false)",
                        [sid, unit, region, period, code, v, f"E{row}"])
    return int(sid)
