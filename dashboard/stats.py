"""Precomputed monthly attainment per unit (``unit_month_stats``, migration 0003).

The overview aggregates over every unit and many months; judging tens of millions of values
on each page view is too slow, so the loader calls ``refresh`` for the months it touched.
A period's stats are used only while its fingerprint (max submission id, number of
submissions, catalog version) still matches; otherwise the same figures are computed live
from ``judge.JUDGED``, so a missed refresh costs speed, never correctness.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dashboard import judge

_FINGERPRINTS = """
with months as (
    select unnest(generate_series($p0::date, $p1::date, interval 1 month))::date as period
),
subs as (
    select period, max(id) as max_id, count(*) as n from submission
    where period between $p0 and $p1 group by period
)
select m.period,
       coalesce(s.max_id, 0) || '-' || coalesce(s.n, 0) || '-'
       || coalesce((select max(value) from meta where key = 'catalog_version'), '') as fingerprint
from months m left join subs s using (period)
"""

LIVE = f"""
with {judge.JUDGED}
select period, unit, region,
       count(*) filter (where status in ('达标', '预警', '未达标')) as reported,
       count(*) filter (where status in ('达标', '预警')) as met,
       count(*) filter (where status = '预警') as amber,
       count(*) filter (where status = '未达标') as failed
from judged group by period, unit, region
"""

STORED = """
select period, unit, region, reported, met, amber, failed from unit_month_stats
where period between $p0 and $p1
  and ($region is null or region = $region)
  and ($unit is null or unit = $unit)
"""


def is_fresh(con: Any, p0: date, p1: date) -> bool:
    """True when every month of [p0, p1] was refreshed since its last change."""
    tables = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_name = 'unit_month_stats_state'"
    ).fetchall()}
    if not tables:
        return False
    row = con.execute(
        f"with fp as ({_FINGERPRINTS}) "
        "select count(*) filter (where st.fingerprint is distinct from fp.fingerprint) "
        "from fp left join unit_month_stats_state st using (period)",
        {"p0": p0, "p1": p1},
    ).fetchone()
    return row[0] == 0


def unit_month_source(con: Any, p0: date, p1: date, region: str | None, unit: str | None) -> tuple[str, dict]:
    """SQL (a relation: period, unit, region, reported, met, amber, failed) and its parameters."""
    prm = judge.params(p0, p1, region, unit)
    if is_fresh(con, p0, p1):
        return STORED, prm
    return LIVE, prm


def refresh(con: Any, periods: list[date] | None = None) -> int:
    """Recompute the stats of ``periods`` (all months with submissions when None) in the
    caller's transaction; returns the number of unit × month rows written."""
    if periods is None:
        periods = [r[0] for r in con.execute(
            "select distinct period from submission where period is not null").fetchall()]
    written = 0
    for p in sorted(set(periods)):
        prm = judge.params(p, p)
        con.execute("delete from unit_month_stats where period = $p", {"p": p})
        con.execute("delete from unit_month_stats_state where period = $p", {"p": p})
        con.execute("delete from city_month_avg where period = $p", {"p": p})
        con.execute(f"insert into city_month_avg with {judge.JUDGED} select code, period, city_avg from city_avg",
                    prm)
        con.execute(f"insert into unit_month_stats {LIVE}", prm)
        written += con.execute("select count(*) from unit_month_stats where period = $p", {"p": p}).fetchone()[0]
        fp = con.execute(_FINGERPRINTS, {"p0": p, "p1": p}).fetchone()[1]
        con.execute("insert into unit_month_stats_state values ($p, $fp)", {"p": p, "fp": fp})
    return written
