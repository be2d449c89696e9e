"""Precomputed judgments and monthly attainment per unit (migration 0003).

The overview aggregates over every unit and many months; judging tens of millions of values
on each page view is too slow, so the loader calls ``refresh`` for the months it touched:
``judged_observation`` keeps every current value with its verdict, ``unit_month_stats`` the
counts per unit and month.
A period's stats are used only while its fingerprint (max submission id, number of
submissions, catalog version) still matches; otherwise the same figures are computed live
from ``judge.JUDGED``, so a missed refresh costs speed, never correctness.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import store
from rules import judge
from store import catalog_sync

LIVE = f"""
with {judge.JUDGED}
select period, unit, region,
       count(*) filter (where status in ('达标', '预警', '未达标')) as reported,
       count(*) filter (where status in ('达标', '预警')) as met,
       count(*) filter (where status = '预警') as amber,
       count(*) filter (where status = '未达标') as failed,
       null::integer as streak3
from judged group by period, unit, region
"""

_AGGREGATE = """
select period, unit, region,
       count(*) filter (where status in ('达标', '预警', '未达标')) as reported,
       count(*) filter (where status in ('达标', '预警')) as met,
       count(*) filter (where status = '预警') as amber,
       count(*) filter (where status = '未达标') as failed,
       count(*) filter (where status = '未达标' and streak >= 3) as streak3
from judged_observation where period = $p group by period, unit, region
"""

STORED = """
select period, unit, region, reported, met, amber, failed, streak3 from unit_month_stats
where period between $p0 and $p1
  and ($region is null or region = $region)
  and ($unit is null or unit = $unit)
"""


def is_fresh(con: Any, p0: date, p1: date) -> bool:
    """True when every month of [p0, p1] was refreshed since its last change."""
    return judge.all_fresh(con, p0, p1)


def unit_month_source(con: Any, p0: date, p1: date, region: str | None, unit: str | None) -> tuple[str, dict]:
    """SQL (a relation: period, unit, region, reported, met, amber, failed) and its parameters."""
    prm = judge.params(p0, p1, region, unit)
    if is_fresh(con, p0, p1):
        return STORED, prm
    return LIVE, prm


# The month's verdicts with their streak: JUDGED_LIVE over [$p0 = month - 2, $p1 = month]
# judges the month live (its state row is deleted first) and reads the two before from the
# table when they are fresh.
_JUDGE_MONTH = f"""
with {judge.JUDGED_LIVE},
fails as (
    select unit, code,
           bool_or(period = $p1) as f0,
           bool_or(period = ($p1::date - interval 1 month)::date) as f1,
           bool_or(period = $p0) as f2
    from judged where status = '未达标' group by unit, code
)
select {', '.join('j.' + c.strip() for c in judge.COLUMNS.split(','))},
       case when f.f0 then case when f.f1 then case when f.f2 then 3 else 2 end else 1 end else 0 end
           as streak,
       j.value_text, j.target_text, j.reason
from judged j left join fails f on f.unit = j.unit and f.code = j.code
where j.period = $p1
order by j.unit, j.code
"""


def _add_months(p: date, n: int) -> date:
    k = p.year * 12 + p.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def refresh(con: Any, periods: list[date] | None = None) -> int:
    """Recompute the stored judgments and stats of ``periods`` (every month with submissions
    when None) in the caller's transaction; returns the number of unit × month rows written.

    Streaks reach two months ahead, so the two months after each given one are redone too
    when they have data. Months are processed oldest first."""
    months = {r[0] for r in con.execute(
        "select distinct period from submission where period is not null").fetchall()}
    wanted = set(months) if periods is None else {
        _add_months(date(p.year, p.month, 1), k) for p in periods for k in range(3)} & (months | set(periods))
    written = 0
    for p in sorted(wanted):
        con.execute("delete from unit_month_stats where period = $p", {"p": p})
        con.execute("delete from unit_month_stats_state where period = $p", {"p": p})
        con.execute("delete from judged_observation where period = $p", {"p": p})
        con.execute(f"insert into judged_observation ({judge.COLUMNS}, streak, value_text, target_text, reason)"
                    f" {_JUDGE_MONTH}", judge.params(_add_months(p, -2), p))
        con.execute(f"insert into unit_month_stats {_AGGREGATE}", {"p": p})
        written += con.execute("select count(*) from unit_month_stats where period = $p", {"p": p}).fetchone()[0]
        fp = con.execute(judge.fingerprints_sql(), {"p0": p, "p1": p}).fetchone()[1]
        con.execute("insert into unit_month_stats_state values ($p, $fp)", {"p": p, "fp": fp})
    return written


def refresh_db(db: Any = None, periods: list[date] | None = None) -> int:
    """``refresh`` in its own write transaction (for a CLI step or a loader without one open)."""
    with store.write(db) as con:
        return refresh(con, periods)


def ensure_catalog(db: Any = None, catalog: Any = None) -> bool:
    """Mirror the catalog if its version changed and, in the same transaction, re-judge every
    stored month (targets may have changed). Returns True when it wrote."""
    return catalog_sync.ensure_catalog(db, catalog, after_sync=refresh)
