"""Counts per month kept beside the returns (migration 0013), so that pages do not join a
national month's or year's rows on every view.

* The overview's 报送 figures and trend: ``rules.returns.RETURN_MONTHS`` counts per month the
  expected units, those whose first accepted return arrived and those on time; at national
  scale 4 M first returns of a year against 352 k expected units (~450 ms of the trend).
  ``return_month_counts`` keeps the returned and on-time counts per month and region,
  ``return_region_units`` the expected units per region.
* 任务台账's counts: 1.17 M measure x unit keys against the month's 1.15 M progress rows
  (~270 ms). ``task_month_counts`` keeps the keys per month, plan, region, roster membership
  and status.

Both are written together, by the loader's refresh (``rules.stats``), the catalog mirror and
roster changes (``etl.roster``), and used only while ``month_counts_state`` still matches:
the month's submissions (number and newest id), the catalog version (which units exist,
their regions, who owns indicators and measures) and the roster (number of units and newest
addition). A month without any submission needs no return counts (nothing came in), but its
task counts must have been made. Otherwise pages count live, so a missed refresh costs speed,
never correctness.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import store
from rules import judge, returns
from rules.roster import EXPECTED_UNITS

# Who is expected (rules.roster): the catalog version (which units exist, their regions, who
# owns indicators) and the roster (its number of units and newest addition).
_UNITS_FINGERPRINT = """(
    select coalesce((select max(value) from meta where key = 'catalog_version'), '') || '-'
           || (select count(*) || '~' || coalesce(max(epoch_us(added_at)), 0) from reporting_roster)
)"""
UNITS_KEY = "return_region_units"  # meta: the fingerprint of return_region_units

# Per month of $months: its submissions (number, newest id) and the expected units.
FINGERPRINTS = f"""
with months as (
    select unnest($months)::date as period
),
subs as (
    select period, max(id) as max_id, count(*) as n from submission
    where period between $p0 and $p1 /*exclude*/ group by period
)
select m.period, coalesce(s.n, 0) as n,
       coalesce(s.max_id, 0) || '-' || coalesce(s.n, 0) || '-' || {_UNITS_FINGERPRINT} as fingerprint
from months m left join subs s using (period)
order by m.period
"""

_EXPECTED = f"""
with {EXPECTED_UNITS},
expected as (
    select u.id as unit, u.region from unit u semi join expected_units r on r.unit = u.id
)"""

_COUNT_UNITS = _EXPECTED + """
select region, count(*) as expected from expected group by region
"""

# The months' counts per region of the expected units' first accepted returns.
_COUNT_MONTHS = _EXPECTED + """
select s.period, e.region, count(*) as submitted, count(*) filter (where s.on_time) as on_time
from submission s join expected e on e.unit = s.unit
where s.status = 'accepted' and s.version = 1 and s.period between $p0 and $p1
  and s.period in (select unnest($months)::date)
group by s.period, e.region
"""

# One batch's part of its months' counts: its accepted first versions of expected units, by
# region (/*ids*/: the batch's submission ids), merged with the stored rows of those regions.
_ADD_BATCH = f"""
with {EXPECTED_UNITS},
batch as (
    select s.period, u.region, s.on_time from submission s
    join unit u on u.id = s.unit
    semi join expected_units r on r.unit = s.unit
    where s.id in (/*ids*/) and s.status = 'accepted' and s.version = 1
),
delta as (
    select period, region, count(*) as submitted, count(*) filter (where on_time) as on_time
    from batch group by period, region
)
select d.period, d.region, d.submitted + coalesce(c.submitted, 0), d.on_time + coalesce(c.on_time, 0)
from delta d left join return_month_counts c on c.period = d.period and c.region = d.region
"""

# 任务台账's keys of month $p counted (/*regions*/: only the units of some regions).
_COUNT_TASKS = f"""
with {EXPECTED_UNITS},
keys as (
    select m.plan, u.region, mu.unit, mu.measure_key, mu.unit in (select unit from expected_units) as on_roster
    from measure_unit mu
    join measure m on m.key = mu.measure_key
    left join unit u on u.id = mu.unit
    where true /*regions*/
),
reported as (
    select measure_key, unit, status from task_progress where is_current and period = $p
)
select $p::date as period, k.plan, k.region, k.on_roster, coalesce(t.status, '未报') as status, count(*) as n
from keys k left join reported t on t.measure_key = k.measure_key and t.unit = k.unit
group by k.plan, k.region, k.on_roster, coalesce(t.status, '未报')
"""

# 任务台账's counts per plan and status from the stored counts (``queries.task_ledger_counts``).
TASKS_STORED = """
with counted as (
    select plan, status, coalesce(sum(n) filter (where on_roster or not $only_roster), 0)::bigint as n,
           coalesce(sum(n) filter (where not on_roster), 0)::bigint as outside
    from task_month_counts
    where period = $period and ($plan is null or plan = $plan) and ($region is null or region = $region)
      and ($status is null or status = $status)
    group by plan, status
)"""

# ``RETURN_MONTHS`` from the stored counts (same columns; $region cuts to one region, as the
# live ``expected`` does). A month without any submission has no rows: nothing returned.
STORED = """
return_months as (
    select d.period,
           (select coalesce(sum(expected), 0) from return_region_units
            where $region is null or region = $region)::bigint as expected,
           coalesce(sum(c.submitted), 0)::bigint as submitted, coalesce(sum(c.on_time), 0)::bigint as on_time
    from due d
    left join return_month_counts c on c.period = d.period and ($region is null or c.region = $region)
    group by d.period
)"""


def _prm(months: list[date]) -> dict:
    return {"months": months, "p0": min(months), "p1": max(months)}


def _units_stale(con: Any) -> bool:
    """Do the expected units per region need counting? Also when the table is empty: a
    fingerprint left from counts that are gone (a restored or rebuilt table) is no count."""
    now = con.execute(f"select {_UNITS_FINGERPRINT}").fetchone()[0]
    if store.get_meta(con, UNITS_KEY) != now:
        return True
    return con.execute("select count(*) from (select 1 from return_region_units limit 1)").fetchone()[0] == 0


def stale(con: Any, months: list[date], tasks: bool = False) -> list[date]:
    """The months of ``months`` whose stored counts do not match the data now, all of them when
    the expected units changed. A month without submissions needs no return counts; its task
    counts (``tasks``) it does."""
    if not months:
        return []
    months = sorted(set(months))
    if _units_stale(con):
        return months
    now = con.execute(FINGERPRINTS, _prm(months)).fetchall()
    kept = {r[0]: r[1] for r in con.execute(
        "select period, fingerprint from month_counts_state where period between $p0 and $p1",
        {"p0": months[0], "p1": months[-1]}).fetchall()}
    return [p for p, n, fp in now if (n or tasks) and kept.get(p) != fp]


def is_fresh(con: Any, p0: date, p1: date, tasks: bool = False) -> bool:
    return not stale(con, returns.months_between(p0, p1), tasks)


def refresh(con: Any, months: list[date] | None = None, only_stale: bool = False) -> int:
    """Recount ``months`` (every month with submissions when None; with ``only_stale``, those
    whose counts are out of date) in the caller's transaction, and the expected units per
    region when they changed; returns the number of months recounted."""
    if months is None:
        months = [r[0] for r in con.execute(
            "select distinct period from submission where period is not null order by 1").fetchall()]
    months = sorted(set(months))
    if only_stale:
        months = stale(con, months)
    if _units_stale(con):
        con.execute("delete from return_region_units")
        con.execute(f"insert into return_region_units (region, expected) {_COUNT_UNITS}")
        store.set_meta(con, UNITS_KEY, con.execute(f"select {_UNITS_FINGERPRINT}").fetchone()[0])
    if not months:
        return 0
    prm = _prm(months)
    con.execute("delete from return_month_counts where period between $p0 and $p1"
                " and period in (select unnest($months)::date)", prm)
    con.execute(f"insert into return_month_counts (period, region, submitted, on_time) {_COUNT_MONTHS}", prm)
    for m in months:
        _count_tasks(con, m)
    _stamp(con, months)
    return len(months)


def _count_tasks(con: Any, period: date, regions: list[str] | None = None) -> None:
    """Rewrite month ``period``'s task counts: all of them, or those of ``regions``."""
    sql, where, prm = _COUNT_TASKS, "", {"p": period}
    if regions is not None:
        in_list, r_prm = judge.named_list("tc_r", regions)
        sql = sql.replace("/*regions*/", f"and u.region in ({in_list})")
        where, prm = f" and region in ({in_list})", prm | r_prm
    con.execute(f"delete from task_month_counts where period = $p{where}", prm)
    con.execute(f"insert into task_month_counts (period, plan, region, on_roster, status, n) {sql}", prm)


def _stamp(con: Any, months: list[date]) -> None:
    prm = _prm(months)
    con.execute("delete from month_counts_state where period between $p0 and $p1"
                " and period in (select unnest($months)::date)", prm)
    con.execute("insert into month_counts_state (period, fingerprint) "
                f"select period, fingerprint from ({FINGERPRINTS})", prm)


def refresh_batch(con: Any, submission_ids: list[int]) -> int:
    """After the new submissions ``submission_ids`` were written (in the caller's transaction):
    a month that was fresh before them gets their part added (a few rows, whatever the size of
    the month); a month that was not is recounted whole; a month already counted with them
    (another importer's refresh) is left alone. Returns the number of months written."""
    ids = sorted(set(submission_ids))
    if not ids:
        return 0
    names, id_prm = judge.named_list("rc_id", ids)
    months = sorted({r[0] for r in con.execute(
        f"select distinct period from submission where id in ({names}) and period is not null", id_prm).fetchall()})
    if not months:
        return 0
    if _units_stale(con):
        return refresh(con, months)
    prm = _prm(months)
    now = {r[0]: r[2] for r in con.execute(FINGERPRINTS, prm).fetchall()}
    before = {r[0]: r[2] for r in con.execute(
        FINGERPRINTS.replace("/*exclude*/", f"and id not in ({names})"), prm | id_prm).fetchall()}
    kept = {r[0]: r[1] for r in con.execute(
        "select period, fingerprint from month_counts_state where period between $p0 and $p1",
        {"p0": months[0], "p1": months[-1]}).fetchall()}
    add, whole = [], []
    for m in months:
        if kept.get(m) == now[m]:
            continue
        # counted before the batch: only the batch's part changes (a month's first batch, with
        # nothing counted, is counted whole: its task counts cover every unit's keys)
        (add if kept.get(m) == before[m] else whole).append(m)
    if add:
        rows = con.execute(_ADD_BATCH.replace("/*ids*/", names), id_prm).fetchall()
        rows = [r for r in rows if r[0] in add]
        for m in add:  # the regions the batch touched, month by month
            regions = sorted({r[1] for r in rows if r[0] == m})
            if regions:
                in_list, r_prm = judge.named_list("rc_r", regions)
                con.execute(f"delete from return_month_counts where period = $p and region in ({in_list})",
                            {"p": m} | r_prm)
        if rows:
            con.executemany("insert into return_month_counts (period, region, submitted, on_time)"
                            " values (?, ?, ?, ?)", rows)
        touched = con.execute(  # accepted versions change the units' task progress
            f"select distinct s.period, u.region from submission s join unit u on u.id = s.unit"
            f" where s.id in ({names}) and s.status = 'accepted'", id_prm).fetchall()
        for m in add:
            regions = sorted({r for p, r in touched if p == m})
            if regions:
                _count_tasks(con, m, regions)
        _stamp(con, add)
    return len(add) + (refresh(con, whole) if whole else 0)


def return_months(con: Any, sql: str, p0: date, p1: date, unit: str | None) -> str:
    """``sql`` with ``RETURN_MONTHS`` read from the stored counts when they serve: no unit
    filter (the counts are per region) and every month of [p0, p1] fresh."""
    if unit is None and returns.RETURN_MONTHS in sql and is_fresh(con, p0, p1):
        return sql.replace(returns.RETURN_MONTHS, STORED)
    return sql
