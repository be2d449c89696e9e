"""Which units owe a return for which month, and whether it came on time, late or not at all.

On time or late is decided by the month's first accepted version: a later version is a
correction (更正), counted with its time and reason (``corrections``, ``corrected_at``,
``correction_reason``: reporting quality for the assessment), never lateness. The first
attempt, even a rejected one, is kept beside it (``first_attempt_at``).

``RETURNS`` is a CTE chain with one row per expected unit × month of the span. A unit is
expected to report as ``etl.roster`` defines it (owners of indicators and measures,
narrowed to the office's roster when it has one). Due moments come from
``rules.deadline.due_at`` (computed in Python, bound as a list) so the dashboard and the
loader agree on the deadline.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from rules import deadline, workdays
from rules.roster import EXPECTED_UNITS

TZ = ZoneInfo("Asia/Shanghai")

# China Standard Time is UTC+8 all year (no daylight saving since 1991), so the Shanghai wall
# clock of a stored TIMESTAMPTZ is its microseconds plus eight hours: the same timestamps as
# ``timezone('Asia/Shanghai', x)`` (equal on all 24 M synthetic national submissions) for a
# seventh of the cost; ICU's conversion was half of a national month's return list (~150 ms).
UTC_OFFSET_US = 8 * 3600 * 1_000_000


def sql_local(expr: str) -> str:
    """SQL for the Shanghai wall-clock (naive) timestamp of the TIMESTAMPTZ ``expr``."""
    return f"make_timestamp(epoch_us({expr}) + {UTC_OFFSET_US})"


RETURNS = f"""
due as (
    select unnest($months)::date as period, unnest($dues)::timestamp as due_at
),{EXPECTED_UNITS},
expected as (
    select u.id as unit, u.name as unit_name, u.region, u.liaison, u.phone
    from unit u
    semi join expected_units r on r.unit = u.id
    where ($region is null or u.region = $region)
      and ($unit is null or u.id = $unit) /*units:u.id*/
),
first_sub as (
    -- on time or late is decided by the first accepted version; later ones are 更正. Versions
    -- count a unit-month's accepted returns from 1 and the current one is the last
    -- (etl.load, in the write transaction; on PostgreSQL also unique indexes), so version 1
    -- holds what the first decides and the current version says how many corrections
    -- followed: read by version, not grouped by unit (a national month)
    select unit, period, on_time, days_late, workdays_late, received_at
    from submission
    where status = 'accepted' and version = 1 and period between $r0 and $r1
      and ($region is null or region = $region)
      and ($unit is null or unit = $unit) /*units:unit*/
),
refused as (
    -- the first rejected file of the month: an attempt before (or without) any accepted one
    select unit, period, min(received_at) as first_at from submission
    where status <> 'accepted' and period between $r0 and $r1 and unit is not null
      and ($region is null or region = $region)
      and ($unit is null or unit = $unit) /*units:unit*/
    group by unit, period
),
current_sub as (
    select s.unit, s.period, s.id as submission_id, s.version, a.on_time, a.days_late,
           a.workdays_late, {sql_local('a.received_at')} as received_at,
           s.version - 1 as corrections,
           case when s.version > 1 then {sql_local('s.received_at')} end as corrected_at,
           case when s.version > 1 then coalesce(s.correction_reason, '未说明原因') end as correction_reason,
           {sql_local('least(a.received_at, t.first_at)')} as first_attempt_at
    from submission s
    join first_sub a on a.unit = s.unit and a.period = s.period
    left join refused t on t.unit = s.unit and t.period = s.period
    where s.status = 'accepted' and s.is_current and s.period between $r0 and $r1
      and ($region is null or s.region = $region)
      and ($unit is null or s.unit = $unit) /*units:s.unit*/
),
returns as (
    select e.unit, e.unit_name, e.region, e.liaison, e.phone, d.period, d.due_at,
           c.submission_id, c.version, c.received_at, c.days_late, c.workdays_late,
           coalesce(c.corrections, 0) as corrections, c.corrected_at, c.correction_reason,
           coalesce(c.first_attempt_at, t.first_attempt_at) as first_attempt_at,
           case when c.submission_id is not null
                     then case when c.on_time then '按时报送' else '迟报' end
                when $now > d.due_at then '逾期未报'
                else '未到期' end as status
    from expected e
    cross join due d
    left join current_sub c on c.unit = e.unit and c.period = d.period
    left join (select unit, period, {sql_local('first_at')} as first_attempt_at
               from refused) t on t.unit = e.unit and t.period = d.period
),
return_status as (
    -- "returns" cut to what counts need (unit, month, status): a national month's counts
    -- without the dates and corrections of every return (same statuses)
    select e.unit, e.unit_name, e.region, d.period,
           case when c.unit is not null then case when c.on_time then '按时报送' else '迟报' end
                when $now > d.due_at then '逾期未报'
                else '未到期' end as status
    from expected e
    cross join due d
    left join first_sub c on c.unit = e.unit and c.period = d.period  -- one per unit-month with a current return
)"""


# After ``RETURNS``: per month of the span, how many units are expected (the same units every
# month), how many of them returned (their first accepted version) and how many on time. The
# counts of ``return_status`` without its unit × month rows, which a national quarter has 1 M
# of (joining them cost ~160 ms of the overview's ~280).
RETURN_MONTHS = """
return_months as (
    select d.period, (select count(*) from expected) as expected,
           count(c.unit) as submitted, count(*) filter (where c.on_time) as on_time
    from due d
    left join (select * from first_sub semi join expected e on e.unit = first_sub.unit) c
           on c.period = d.period
    group by d.period
)"""


_UNITS_MARK = re.compile(r"/\*units:([a-z_.]+)\*/")


def for_units(sql: str) -> str:
    """``sql`` with ``RETURNS`` cut to the units of ``$all_units``/``$units``
    (``accounts.scope.sql_units``) at its scans, not after: a liaison granted one region reads
    that region's returns, not the whole country's month (national red flags of a liaison
    granted one region: 355 -> ~260 ms; the rest is the roster of expected units).
    ``= any`` is a hash lookup; ``list_contains`` compared each row with every listed unit
    (a page's 100 units against a national unit table: ~48 vs ~4 ms)."""
    return _UNITS_MARK.sub(r"and ($all_units or \1 = any($units))", sql)


def local_naive(moment: datetime) -> datetime:
    """``moment`` as a naive Shanghai wall-clock time (naive input is taken as Shanghai)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(TZ).replace(tzinfo=None)


def now_local() -> datetime:
    """Now in Shanghai, rounded down to the minute so cached page data is reused."""
    return datetime.now(UTC).astimezone(TZ).replace(second=0, microsecond=0)


def today_start(now: datetime | None = None) -> datetime:
    """The start of today in Shanghai (aware, like ``now_local``): ``now`` for cached page data.

    Whatever page data takes from the moment depends on the date alone: a return is overdue
    once its deadline (23:59:59 of the due date, ``rules.deadline``) has passed, which for a
    time rounded down to the minute (``now_local``) means from the next day on; days overdue
    and days left count dates. Keyed by the day, a national overview's data is computed once a
    day (or after each import), not again every minute (~2 s each time)."""
    day = local_naive(now or now_local()).date()
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


def due_at(period: date) -> datetime:
    """Deadline of a month's return (Shanghai time), from ``rules.deadline``."""
    return deadline.due_at(period)


def months_between(p0: date, p1: date) -> list[date]:
    out, cur = [], date(p0.year, p0.month, 1)
    while cur <= p1:
        out.append(cur)
        cur = date(cur.year + cur.month // 12, cur.month % 12 + 1, 1)
    return out


def add_months(p: date, n: int) -> date:
    k = p.year * 12 + p.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def params(p0: date, p1: date, now: datetime, region: str | None = None, unit: str | None = None) -> dict:
    """Bound parameters of ``RETURNS``."""
    months = months_between(p0, p1)
    return {
        "months": months,
        "dues": [local_naive(due_at(m)) for m in months],
        "p0": p0,
        "p1": p1,
        # the submissions RETURNS reads: its own span, so a query whose judged span is wider
        # (the red flags' three months, for the streak rule) reads one month of returns
        "r0": months[0],
        "r1": months[-1],
        "now": local_naive(now),
        "region": region,
        "unit": unit,
    }


def days_left(period: date, now: datetime) -> tuple[int, int]:
    """Calendar and working days from today to the due date (negative once past)."""
    today = local_naive(now).date()
    due = due_at(period).date()
    if today <= due:
        return (due - today).days, workdays.workdays_between(today, due)
    return (due - today).days, -workdays.workdays_between(due, today)
