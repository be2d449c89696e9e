"""Page data: one function per table or figure a page shows, each one SQL query in DuckDB.

Every function is a pure function of its arguments and the database content (cache it keyed
by ``data_version(db)``); each opens the database through ``store.read`` for one query
and returns a DataFrame or a dict. SQL is a CTE chain with bound ``$name`` parameters; the
shared pieces are ``judge.JUDGED`` (value vs target in force) and ``returns.RETURNS``
(expected returns and their timeliness). See dashboard/API.md for the columns.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

import store
from accounts import scope
from accounts.access import User
from dashboard.flags import flag_counts, red_flags  # noqa: F401  (re-exported for pages)
from rules import judge, month_counts, returns, stats
from rules import query as db_
from rules.format import sql_target_text, sql_value_text
from rules.returns import days_left, due_at, now_local, today_start  # noqa: F401
from rules.roster import EXPECTED_UNITS
from store.postgres import native_rows

Db = Any  # str | os.PathLike | None, passed to store.read


_bind = db_.bind
_exec = db_.execute
run = db_.run


def _run_with_stats(db: Db, sql: str, p0: date, p1: date, region: str | None, unit: str | None,
                    params: dict[str, Any]) -> pd.DataFrame:
    """Run ``sql`` whose ``unit_month_stats_view`` is the precomputed or the live monthly stats
    (and whose ``return_months``, if any, the stored or the live counts: ``rules.month_counts``)."""
    with store.read(db) as con:
        src, prm = stats.unit_month_source(con, p0, p1, region, unit)
        sql = month_counts.return_months(con, sql, p0, p1, unit)
        return _exec(con, sql.replace("unit_month_stats_view", f"({src})"), params | prm)


def _plain_list(xs: Any) -> list[float | None]:
    """A list column cell (masked array, list or None) as floats with None for gaps."""
    if xs is None:
        return []
    items = xs.tolist() if hasattr(xs, "tolist") else list(xs)
    return [None if v is None or math.isnan(v) else float(v) for v in items]


def _month(d: date | datetime | pd.Timestamp) -> date:
    return date(d.year, d.month, 1)


# --- filters and housekeeping -----------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Global filters of the dashboard; hashable so it can be a cache key."""

    period: date
    quarter: str | None = None  # "2026Q3"
    region: str | None = None
    unit: str | None = None

    def span(self) -> tuple[date, date]:
        if self.quarter:
            m = re.fullmatch(r"(\d{4})Q([1-4])", self.quarter)
            if not m:
                raise ValueError(f"季度格式应为 2026Q3，实际为 {self.quarter}")
            first = date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
            return first, returns.add_months(first, 2)
        p = _month(self.period)
        return p, p

    def to_params(self) -> dict[str, str]:
        out = {"period": f"{self.period:%Y-%m}"}
        for key in ("quarter", "region", "unit"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_params(cls, params: dict[str, str], default_period: date) -> Filters:
        try:
            y, m = str(params.get("period", "")).split("-")[:2]
            period = date(int(y), int(m), 1)
        except ValueError:
            period = default_period
        return cls(period, params.get("quarter") or None, params.get("region") or None,
                   params.get("unit") or None)


_VERSION = """
    select (select coalesce(max(id), 0) from submission) as sub_max,
           (select count(*) from submission) as sub_n,
           (select coalesce(max(value), '') from meta where key = 'catalog_version') as catalog,
           (select coalesce(max(version), 0) from schema_migrations) as schema
"""
# On PostgreSQL, run by PostgreSQL: max(id) from the primary key. No count(*): PostgreSQL counts
# by reading the table (~2 s for a national 24 M rows on every page run), and it only ever
# caught deleted submissions, which the system never deletes (the DuckDB file keeps the count,
# which it reads from its metadata).
_VERSION_PG = """
    select coalesce((select max(id) from submission), 0) as sub_max,
           coalesce((select max(value) from meta where key = 'catalog_version'), '') as catalog,
           coalesce((select max(version) from schema_migrations), 0) as schema
"""


def data_version(db: Db) -> str:
    """Changes whenever a return lands, the catalog is re-synced or the schema changes."""
    with store.read(db) as con:
        if store.on_postgres(con):
            sub_max, catalog, schema = native_rows(con, _VERSION_PG)[0]
            return f"s{sub_max}-pg-c{catalog}-m{schema}"
        r = _exec(con, _VERSION).iloc[0]
    return f"s{r.sub_max}-{r.sub_n}-c{r.catalog}-m{r.schema}"


def is_demo(db: Db) -> bool:
    """True when the database holds demo returns, demo accounts or fictional contacts
    (``demo: true`` in the catalog): exports then say 演示数据."""
    df = run(db, """
        select exists (select 1 from demo_contact) or exists (select 1 from submission where is_demo)
               or exists (select 1 from app_user where is_demo) as demo
    """)
    return bool(df["demo"].iloc[0])


# PostgreSQL walks its index on submission.period month by month (a loose index scan) instead
# of reading every submission: ~70 index probes for a national database
_PERIODS_PG = """
    with recursive p(period) as (
        select max(period) from submission
        union all
        select (select max(s.period) from submission s where s.period < p.period) from p where p.period is not null
    )
    select period from p where period is not null
"""


def periods(db: Db) -> list[date]:
    """Months with any submission, newest first."""
    with store.read(db) as con:
        if store.on_postgres(con):
            return [_month(p) for (p,) in native_rows(con, _PERIODS_PG)]
        df = _exec(con, "select distinct period from submission where period is not null order by period desc")
    return [_month(p) for p in df["period"]]


def default_period(db: Db, today: date | None = None) -> date:
    found = periods(db)
    return found[0] if found else _month(today or now_local().date())


def regions(db: Db) -> pd.DataFrame:
    return run(db, """
        select id, name, kind, parent, short_name from region
        order by case kind when 'city' then 0 when 'district' then 1 else 2 end, id
    """)


def units(db: Db, region: str | None = None) -> pd.DataFrame:
    return run(db, """
        select u.id, u.name, u.region, r.name as region_name, u.dept, u.liaison, u.phone
        from unit u left join region r on r.id = u.region
        where $region is null or u.region = $region
        order by u.region, u.id
    """, {"region": region})


def regions_with_units(db: Db) -> list[str]:
    """Ids of the regions that have units of their own (a city region may have none)."""
    return run(db, "select distinct region from unit where region is not null order by region")["region"].tolist()


def unit_count(db: Db) -> int:
    """How many units the catalog holds (a national catalog: too many to list without a region)."""
    return int(run(db, "select count(*) as n from unit")["n"].iloc[0])


def units_by_id(db: Db, ids: tuple[str, ...]) -> pd.DataFrame:
    """The ``units`` rows of the given unit ids (a link's unit, the chosen unit), in id order."""
    if not ids:
        return units(db, "\x00none")
    names = [f"$u{i}" for i in range(len(ids))]
    return run(db, f"""
        select u.id, u.name, u.region, r.name as region_name, u.dept, u.liaison, u.phone
        from unit u left join region r on r.id = u.region
        where u.id in ({', '.join(names)})
        order by u.region, u.id
    """, {f"u{i}": v for i, v in enumerate(ids)})


def indicators(db: Db) -> pd.DataFrame:
    return run(db, """
        select code, name, uom, comparator, target, direction, plan, common from indicator order by code
    """)


def plans(db: Db) -> pd.DataFrame:
    return run(db, "select id, title, region from plan order by id")


# --- 总览 -------------------------------------------------------------------------------

_KPIS = f"""
with {returns.RETURNS},{returns.RETURN_MONTHS},
ret as (
    -- 按时报送 / 迟报 from each month's first accepted returns; the rest of the expected units
    -- are 逾期未报 once the month's deadline has passed, else 未到期
    select coalesce(sum(expected), 0)::bigint as expected, coalesce(sum(submitted), 0)::bigint as submitted,
           coalesce(sum(on_time), 0)::bigint as on_time, coalesce(sum(submitted - on_time), 0)::bigint as late,
           coalesce(sum(expected - submitted) filter (where $now > due_at), 0)::bigint as missing,
           coalesce(sum(expected - submitted) filter (where not ($now > due_at)), 0)::bigint as pending,
           coalesce(max(expected), 0)::bigint as units
    from return_months join due using (period)
),
ind as (
    select coalesce(sum(reported), 0) as reported, coalesce(sum(met), 0) as met,
           coalesce(sum(amber), 0) as amber, coalesce(sum(failed), 0) as failed,
           sum(streak3) as streaks
    from unit_month_stats_view
),
tasks as (
    select count(*) as tasks_lagging from task_progress t
    where t.is_current and t.status = '滞后' and t.period between $p0 and $p1
      and ($unit is null or t.unit = $unit)
      and ($region is null or t.unit in (select id from unit where region = $region))
),
warned as (
    select s.id from submission s
    where s.status = 'accepted' and s.is_current and s.period between $p0 and $p1
      and ($unit is null or s.unit = $unit)
      and ($region is null or s.region = $region)
),
warnings as (
    select count(*) as doubtful from finding f join warned s on s.id = f.submission_id
    where f.severity = 'warning' and {db_.id_span('f.submission_id', 'warned')}
)
select * from ret, ind, tasks, warnings
"""


def overview_kpis(db: Db, user: User, f: Filters, now: datetime) -> dict:
    """Reporting and attainment figures of the filtered scope (an aggregate: open to every
    role for a region or the city; one unit only if ``user`` may read it)."""
    scope.check_unit(user, db, f.unit)
    p0, p1 = f.span()
    prm = returns.params(p0, p1, now, f.region, f.unit)
    row = _run_with_stats(db, _KPIS, p0, p1, f.region, f.unit, prm).iloc[0].to_dict()
    out = {k: (None if pd.isna(v) else int(v)) for k, v in row.items()}
    out["on_time_rate"] = round(100 * out["on_time"] / out["expected"], 1) if out["expected"] else None
    out["attainment_rate"] = round(100 * out["met"] / out["reported"], 1) if out["reported"] else None
    # every flag type is counted above except 连续三个月未达标, which the stats hold when fresh
    streaks = out.pop("streaks")
    if streaks is None:  # stats stale: count the streaks month by month
        streaks = 0
        for m in returns.months_between(p0, p1):
            counts = flag_counts(db, user, m, now, region=f.region, unit=f.unit)
            streaks += int(counts.loc[counts["flag"] == "连续三个月未达标", "n"].sum())
    doubtful = out.pop("doubtful")
    out["open_flags"] = (out["failed"] + out["amber"] + out["missing"] + out["late"]
                         + out["tasks_lagging"] + doubtful + streaks)
    return out


_TREND = f"""
with {returns.RETURNS},{returns.RETURN_MONTHS},
ret as (
    select period, expected, submitted, on_time from return_months
),
ind as (
    select period, sum(reported) as reported, sum(met) as met
    from unit_month_stats_view group by period
),
final as (
    select r.period, r.expected, r.submitted, r.on_time,
           round(100.0 * r.on_time / nullif(r.expected, 0), 1) as on_time_rate,
           coalesce(i.reported, 0)::integer as reported, coalesce(i.met, 0)::integer as met,
           round(100.0 * i.met / nullif(i.reported, 0), 1) as attainment_rate
    from ret r left join ind i using (period)
    -- months before the first return ever received are not "0 % on time", they are no data
    where r.period >= (select min(period) from submission)
)
select * from final order by period
"""


def overview_trend(db: Db, user: User, f: Filters, months: int = 12) -> pd.DataFrame:
    """Monthly on-time and attainment rates (an aggregate, like ``overview_kpis``)."""
    scope.check_unit(user, db, f.unit)
    _, p1 = f.span()
    p0 = returns.add_months(p1, -(months - 1))
    # "now" only separates 逾期未报 from 未到期, which the trend does not show.
    prm = returns.params(p0, p1, returns.due_at(p1), f.region, f.unit)
    return _run_with_stats(db, _TREND, p0, p1, f.region, f.unit, prm)


_BEHIND = f"""
with {judge.JUDGED},
{returns.RETURNS},
ret as (
    select unit, any_value(unit_name) as unit_name, any_value(region) as region,
           count(*) filter (where status in ('逾期未报', '迟报')) as bad_returns,
           case when count(*) filter (where status = '逾期未报') > 0 then '逾期未报'
                when count(*) filter (where status = '迟报') > 0 then '迟报'
                when count(*) filter (where status = '未到期') > 0 then '未到期'
                else '按时报送' end as return_status
    from return_status group by unit
),
ind as (
    select unit, sum(reported) as reported, sum(met) as met, sum(amber) as amber_n, sum(failed) as failed
    from unit_month_stats_view group by unit
),
tasks as (
    select unit, count(*) as tasks_lagging from task_progress
    where is_current and status = '滞后' and period between $p0 and $p1
      and ($unit is null or unit = $unit)
    group by unit
),
gaps as (
    -- how far the failed indicators fall short: the shortfall in % of the reference (target,
    -- city average or target growth), capped at 100 per indicator
    select unit, sum(least(100.0, coalesce(100.0 * abs(margin) / nullif(abs(reference), 0), 100.0))) as gap
    from judged where status = '未达标' group by unit
),
scored as (
    select r.unit, r.unit_name, r.region, g.name as region_name,
           coalesce(i.failed, 0)::integer as failed, coalesce(i.amber_n, 0)::integer as amber_n,
           coalesce(i.reported, 0)::integer as reported,
           round(100.0 * i.met / nullif(i.reported, 0), 1) as attainment_rate,
           coalesce(t.tasks_lagging, 0) as tasks_lagging, r.return_status,
           (coalesce(i.failed, 0) + coalesce(t.tasks_lagging, 0) + 2 * r.bad_returns)::integer as score,
           round_even(coalesce(gp.gap, 0.0) + $gap_task * coalesce(t.tasks_lagging, 0)
                      + $gap_return * r.bad_returns, 1) as gap
    from ret r
    left join ind i using (unit)
    left join tasks t using (unit)
    left join gaps gp using (unit)
    left join region g on g.id = r.region
),
eligible as materialized (
    -- list_contains, not "unit = any($units)" as where the units are cut at a scan: here the
    -- scalar filter is pushed down below the joins into the scans, "= any" would be a join left
    -- up here (a liaison granted a region, national: ~120 vs ~310 ms)
    select * from scored where score > 0 and ($all_units or list_contains($units, unit))
),
shown as (
    select * from eligible
    order by gap desc, failed desc, tasks_lagging desc, attainment_rate asc nulls first, unit_name, unit
    limit $n
),
-- rank and ties among all eligible units, worked out for the shown ones only: a national month
-- has ~140 k units with a gap, and two window functions over all of them cost ~90 ms to show 10
gap_n as (
    select gap, count(*) as n from eligible group by gap
),
ranked as (
    select s.*, (1 + coalesce((select sum(g.n) from gap_n g where g.gap > s.gap), 0))::bigint as rank,
           (select g.n from gap_n g where g.gap = s.gap) > 1 as tied
    from shown s
)
select * from ranked
order by gap desc, failed desc, tasks_lagging desc, attainment_rate asc nulls first, unit_name, unit
"""

# points per lagging task and per late or missing return in the gap score
GAP_TASK, GAP_RETURN = 10.0, 10.0


def units_most_behind(db: Db, user: User, f: Filters, now: datetime, n: int = 10) -> pd.DataFrame:
    """The ``n`` units furthest behind, among those ``user`` may read, ranked by ``gap``.

    Counting failed indicators left most units on the same score (ten equal bars), so the
    rank is the size of the gap: each failed indicator's shortfall in % of its target
    (capped at 100), plus ``GAP_TASK`` per lagging task and ``GAP_RETURN`` per late or missing
    return. Equal gaps are ordered by failed indicators, lagging tasks, attainment and name,
    and share a ``rank`` (``tied`` says so, the chart writes 并列).
    """
    scope.check_unit(user, db, f.unit)
    p0, p1 = f.span()
    prm = (judge.params(p0, p1, f.region, f.unit) | returns.params(p0, p1, now, f.region, f.unit)
           | scope.sql_units(user, db) | {"gap_task": GAP_TASK, "gap_return": GAP_RETURN, "n": int(n)})
    # ranked in SQL: a national month has ~140 k units with a gap, and only ``n`` are shown
    return _run_with_stats(db, _BEHIND, p0, p1, f.region, f.unit, prm)


# --- 责任单位 ---------------------------------------------------------------------------


def unit_info(db: Db, user: User, unit: str) -> dict | None:
    scope.check_unit(user, db, unit)
    df = run(db, """
        select u.id, u.name, u.region, r.name as region_name, u.dept, u.liaison, u.phone
        from unit u left join region r on r.id = u.region where u.id = $unit
    """, {"unit": unit})
    return None if df.empty else df.iloc[0].to_dict()


_SCORECARD = f"""
with {judge.JUDGED},
owned as (
    -- collected this month; the target only where the unit's region has one (else 无目标)
    select o.code, i.name, i.uom, tr.comparator, tr.target, tr.amber
    from indicator_owner o
    join indicator i on i.code = o.code
    join target_month tm on tm.code = o.code and tm.period = $p1
    left join target_region_month tr on tr.code = o.code and tr.period = $p1
         and tr.region = (select region from unit where id = $unit)
    where o.unit = $unit
),
spark_months as (
    select unnest(generate_series($s0::date, $p1::date, interval 1 month))::date as period
),
spark_values as (
    select code, period, value from observation
    where is_current and unit = $unit and period between $s0 and $p1
),
spark as (
    select ow.code, list(sv.value order by m.period) as spark
    from owned ow cross join spark_months m
    left join spark_values sv on sv.code = ow.code and sv.period = m.period
    group by ow.code
),
rows as (
    select ow.code, ow.name, ow.uom, ow.comparator, ow.target, ow.amber, j.reference, j.value,
           coalesce(j.status, '未报') as status,
           coalesce(j.reason, ow.name || ' 本月未填报') as reason,
           coalesce(j.value_text, '—') as value_text,
           coalesce(j.target_text, case when ow.comparator is null then '无目标' else
               {sql_target_text('ow.comparator', 'ow.target', 'ow.uom')} end) as target_text,
           j.submission_id, j.cell, j.period_kind, j.actual, j.expected, j.needed
    from owned ow left join judged j on j.code = ow.code
),
final as (
    select r.code, r.name, r.uom, r.comparator, r.target, r.amber, r.reference, r.value, r.status,
           r.reason, r.value_text, r.target_text,
           s.spark, r.submission_id, sub.version,
           case when r.cell is not null then '指标' end as sheet, r.cell,
           r.period_kind, r.actual, r.expected, r.needed
    from rows r
    left join spark s using (code)
    left join (select id, version from submission where period = $p1) sub on sub.id = r.submission_id
)
select * from final
order by case status when '未达标' then 0 when '预警' then 1 when '进度滞后' then 2 when '未报' then 3 else 4 end,
         code
"""


def unit_scorecard(db: Db, user: User, unit: str, period: date) -> pd.DataFrame:
    scope.check_unit(user, db, unit)
    p = _month(period)
    prm = judge.params(p, p, unit=unit) | {"s0": returns.add_months(p, -11)}
    df = run(db, _SCORECARD, prm)
    # list columns arrive as masked arrays; pages and charts want plain lists with None
    df["spark"] = [_plain_list(xs) for xs in df["spark"]]
    return df


_TASKS = """
with mine as (
    select mu.measure_key, string_agg(distinct case mu.role when 'lead' then '牵头' else '责任' end, '、')
               as role
    from measure_unit mu where mu.unit = $unit group by mu.measure_key
),
reported as (
    select * from task_progress where is_current and unit = $unit and period = $period
),
final as (
    select m.key as measure_key, m.plan, p.title as plan_title, m.number, m.title, mine.role,
           coalesce(t.status, '未报') as status, t.pct, t.progress, t.problems, t.next_steps,
           t.submission_id, t.row_no
    from mine
    join measure m on m.key = mine.measure_key
    left join plan p on p.id = m.plan
    left join reported t on t.measure_key = m.key
)
select * from final
order by case status when '滞后' then 0 when '未报' then 1 when '未启动' then 2 when '推进中' then 3 else 4 end,
         plan, measure_key
"""


def unit_tasks(db: Db, user: User, unit: str, period: date) -> pd.DataFrame:
    scope.check_unit(user, db, unit)
    return run(db, _TASKS, {"unit": unit, "period": _month(period)})


def unit_submissions(db: Db, user: User, unit: str) -> pd.DataFrame:
    scope.check_unit(user, db, unit)
    return run(db, f"""
        with final as (
            select id as submission_id, period, version,
                   case when status = 'rejected' then '被退回' when is_current then '已采用' else '已替换' end
                       as status,
                   {returns.sql_local('received_at')} as received_at,
                   {returns.sql_local('due_at')} as due_at,
                   case when status <> 'accepted' then '—' when version > 1 then '更正'
                        when on_time then '按时' else '迟报' end as timeliness,
                   correction_reason,
                   days_late, workdays_late, n_errors, n_warnings, uploader
            from submission where unit = $unit
        )
        select * from final order by period desc, received_at desc, submission_id desc
    """, {"unit": unit})


# --- 指标详情 ---------------------------------------------------------------------------


def indicator_detail(db: Db, code: str) -> dict | None:
    df = run(db, f"""
        with owners as (
            select o.code, list(u.name order by u.region, u.id) as owners
            from indicator_owner o join unit u on u.id = o.unit where o.code = $code group by o.code
        ),
        final as (
            select i.code, i.name, i.uom, i.comparator, i.target,
                   {sql_target_text('i.comparator', 'i.target', 'i.uom')} as target_text,
                   i.amber, i.baseline, i.baseline_year, i.direction, i.frequency, i.rollup, i.plan,
                   p.title as plan_title, i.measure, m.title as measure_title, i.common,
                   coalesce(ow.owners, []) as owners, i.effective_from, i.effective_to,
                   coalesce(ip.report, 'month') as report, ip.schedule
            from indicator i
            left join indicator_period ip on ip.code = i.code
            left join plan p on p.id = i.plan
            left join measure m on m.plan = i.plan and m.number = i.measure and m.kind = 'measure'
            left join owners ow on ow.code = i.code
            where i.code = $code
        )
        select * from final limit 1
    """, {"code": code})
    if df.empty:
        return None
    out = df.iloc[0].to_dict()
    out["owners"] = list(out["owners"])
    return out


def indicator_targets(db: Db, code: str) -> pd.DataFrame:
    return run(db, f"""
        select t.effective_from, t.effective_to, t.comparator, t.value, t.amber,
               {sql_target_text('t.comparator', 't.value', 'i.uom')} as target_text
        from indicator_target t join indicator i on i.code = t.code
        where t.code = $code order by t.effective_from
    """, {"code": code})


_VALUES = f"""
with {judge.JUDGED},
texts as (
    select * from judged where value is not null
),
final as (
    select j.unit, u.name as unit_name, j.region, r.name as region_name, r.kind as region_kind,
           j.value, j.value_text, j.reference, j.status, j.reason,
           rank() over (order by case when j.direction = 'lower_better' then j.value else -j.value end)
               as rank,
           avg(j.value) filter (where r.kind = 'district') over () as city_avg
    from texts j
    join unit u on u.id = j.unit
    left join region r on r.id = j.region
)
select * from final order by rank, unit
"""


def indicator_values(db: Db, user: User, code: str, period: date) -> pd.DataFrame:
    """Every unit's value of ``code`` (those ``user`` may read), ranked among all units."""
    p = _month(period)
    return scope.rows(user, db, run(db, _VALUES, judge.params(p, p, code=code)))


# --- 报送情况 ---------------------------------------------------------------------------

_STATUS_ORDER = "case status when '逾期未报' then 0 when '迟报' then 1 when '未到期' then 2 else 3 end, region, unit"


_STATUS = f"""
with {returns.RETURNS},
final as (
    select r.unit, r.unit_name, r.region, g.name as region_name, r.liaison, r.phone, r.status,
           r.submission_id, r.version, r.received_at, r.due_at, r.days_late, r.workdays_late,
           r.first_attempt_at, r.corrections, r.corrected_at, r.correction_reason,
           case when r.submission_id is null then $days_left end as days_left,
           case when r.submission_id is null then $workdays_left end as workdays_left
    from returns r left join region g on g.id = r.region
    where $any_status or list_contains($statuses, r.status)
)
select * from final
order by {_STATUS_ORDER}
"""

# the units of one page of ``_STATUS``, chosen from the statuses alone (``return_status``)
_STATUS_UNITS = f"""
with {returns.RETURNS}
select unit from return_status where $any_status or list_contains($statuses, status)
order by {_STATUS_ORDER}
"""

_STATUS_COUNTS = f"""
with {returns.RETURNS}
select status, count(*)::integer as n from return_status group by status
"""

# the 催报 list: units still owing the month's return, and what it shows of them
CHASE_STATUSES = ("逾期未报", "未到期")
CHASE_COLUMNS = ["unit_name", "region_name", "liaison", "phone", "status", "days_left", "workdays_left"]


def _status_params(db: Db, user: User, period: date, now: datetime, region: str | None,
                   unit: str | None) -> dict[str, Any]:
    scope.check_unit(user, db, unit)
    p = _month(period)
    days, workdays_ = returns.days_left(p, now)
    return (returns.params(p, p, now, region, unit) | {"days_left": days, "workdays_left": workdays_}
            | scope.sql_units(user, db))


def submission_status(db: Db, user: User, period: date, now: datetime, region: str | None = None,
                      unit: str | None = None, statuses: tuple[str, ...] | None = None,
                      offset: int = 0, limit: int | None = None) -> pd.DataFrame:
    """Each expected unit's return of ``period``: missing first, then late, not yet due, on time.

    ``statuses`` keeps those statuses only; ``offset``/``limit`` cut one page in SQL, and the
    units ``user`` may not read are left out in SQL before it (a national month is ~350 k units,
    ~90 MB as a DataFrame: a page reads its counts, ``submission_counts``, and one page)."""
    prm = _status_params(db, user, period, now, region, unit) | {
        "any_status": statuses is None, "statuses": list(statuses or [""])}
    if limit is None:
        return run(db, returns.for_units(_STATUS), prm)
    # a page: its units first, then the returns of those units only (a national month's list
    # worked out dates, versions and corrections for all ~350 k units to show 100), both in
    # one snapshot so an import between them cannot change the page
    with db_.snapshot(db) as con:
        units = _exec(con, returns.for_units(_STATUS_UNITS) + f"limit {int(limit)} offset {int(offset)}", prm)
        return _exec(con, returns.for_units(_STATUS),
                     prm | {"all_units": False, "units": list(units["unit"]) or [""]})


def submission_counts(db: Db, user: User, period: date, now: datetime, region: str | None = None,
                      unit: str | None = None) -> dict[str, int]:
    """How many of the units ``user`` may read are in each status (按时报送, 迟报, 逾期未报,
    未到期; statuses nobody is in are 0): the page's figures, counted in SQL."""
    df = run(db, returns.for_units(_STATUS_COUNTS), _status_params(db, user, period, now, region, unit))
    counts = dict(zip(df["status"], df["n"].astype(int)))
    return {s: counts.get(s, 0) for s in ("按时报送", "迟报", "逾期未报", "未到期")}


def chase_list(db: Db, user: User, period: date, now: datetime, region: str | None = None,
               unit: str | None = None, offset: int = 0, limit: int | None = None) -> pd.DataFrame:
    """The 催报 list: units still owing the month's return, with liaison and phone."""
    df = submission_status(db, user, period, now, region, unit, statuses=CHASE_STATUSES, offset=offset,
                           limit=limit)
    return df[CHASE_COLUMNS].reset_index(drop=True)


# --- 区域对比 ---------------------------------------------------------------------------

_REGIONS_ORDER = """select * from final
order by code, case region_kind when 'district' then 0 else 1 end, rank, region
"""

_REGIONS = f"""
with {judge.JUDGED},
per_region as (
    select j.region, any_value(r.kind) as region_kind, j.code, any_value(j.name) as name,
           any_value(j.uom) as uom,
           any_value(j.direction) as direction, avg(j.value) as value, avg(j.metric) as metric,
           any_value(j.op) as op, any_value(j.reference) as reference, any_value(j.amber) as amber
    from judged j
    join region r on r.id = j.region and r.kind in ('district', 'zone')
    join indicator i on i.code = j.code and i.common
    where j.value is not null
    group by j.region, j.code
),
code_avg as (
    -- the city average is the districts' mean (zones lie inside 滨海新区); a grouped join, not a
    -- filtered window: DuckDB took seconds over the windows of 20,000 regions (issue 18)
    select code, avg(value) filter (where region_kind = 'district') as city_avg,
           count(*) filter (where region_kind = 'district') as avg_of
    from per_region group by code
),
region_margins as (
    select p.*,
           case when p.op in ('>=', '>') then p.metric - p.reference
                when p.op in ('<=', '<') then p.reference - p.metric
                when p.op = '=' then -abs(p.metric - p.reference) end as margin,
           c.city_avg, c.avg_of
    from per_region p left join code_avg c on c.code = p.code
),
final as (
    select m.region, r.name as region_name, coalesce(r.short_name, r.name) as short_name, m.region_kind,
           case m.region_kind when 'district' then '各区' else '功能区' end as region_group,
           m.code, m.name, m.uom, m.direction, m.value,
           {sql_value_text('m.value', 'm.uom')} as value_text, m.city_avg, m.avg_of,
           m.value - m.city_avg as diff,
           case when m.op is null then '无目标' when m.margin is null then '无参照'
                else {judge.status_sql('m.value', 'm.op', 'm.margin', 'm.amber')} end as status,
           rank() over (partition by m.code, m.region_kind
                        order by case when m.direction = 'lower_better' then m.value else -m.value end) as rank
    from region_margins m join region r on r.id = m.region
)
{_REGIONS_ORDER}"""


def region_comparison(db: Db, period: date, code: str | None = None) -> pd.DataFrame:
    """Each region's mean of every common indicator (or of ``code`` only: the same rows, read
    for that code alone, as a page at national scale needs)."""
    p = _month(period)
    return run(db, _REGIONS, judge.params(p, p, code=code))


def region_status_counts(db: Db, period: date) -> pd.DataFrame:
    """Per common indicator and status, how many regions (the 区域对比 summary when there are
    too many regions for one heatmap column each); ``avg_of`` as in ``region_comparison``."""
    p = _month(period)
    sql = _REGIONS.replace(_REGIONS_ORDER, """, counts as (
            select code, any_value(name) as name, any_value(uom) as uom, status, count(*) as n,
                   max(avg_of) as avg_of
            from final group by code, status
        )
        select * from counts order by code, status
""")
    return run(db, sql, judge.params(p, p))


def region_ranking(db: Db, period: date) -> pd.DataFrame:
    p = _month(period)
    sql = _REGIONS.replace(
        _REGIONS_ORDER,
        """, ranking as (
            select region, any_value(region_name) as region_name, any_value(region_kind) as region_kind,
                   any_value(region_group) as region_group,
                   count(*) filter (where status in ('达标', '预警', '未达标')) as reported,
                   count(*) filter (where status in ('达标', '预警')) as met,
                   round(100.0 * count(*) filter (where status in ('达标', '预警'))
                         / nullif(count(*) filter (where status in ('达标', '预警', '未达标')), 0), 1)
                       as attainment_rate,
                   count(*) filter (where (direction = 'lower_better' and value <= city_avg)
                                       or (direction <> 'lower_better' and value >= city_avg)) as above_avg
            from final group by region
        )
        select *, rank() over (partition by region_kind order by attainment_rate desc, above_avg desc) as rank
        from ranking order by case region_kind when 'district' then 0 else 1 end, rank, region
""",
    )
    return run(db, sql, judge.params(p, p))


# Each district's and zone's mean of $code per month in [$p0, $p1]: the trend and its summary.
_PER_REGION = """
        with per_region as (
            select o.period, o.region, any_value(r.kind) as region_kind, avg(o.value) as value
            from observation o join region r on r.id = o.region and r.kind in ('district', 'zone')
            where o.is_current and o.code = $code and o.period between $p0 and $p1 and o.value is not null
            group by o.period, o.region
        )"""


def region_trend(db: Db, code: str, regions: list[str] | None = None, months: int = 12,
                 period: date | None = None) -> pd.DataFrame:
    p1 = _month(period) if period else default_period(db)
    p0 = returns.add_months(p1, -(months - 1))
    return run(db, _PER_REGION + """,
        month_avg as (
            select period, avg(value) filter (where region_kind = 'district') as city_avg,
                   count(*) filter (where region_kind = 'district') as avg_of
            from per_region group by period
        ),
        final as (
            select pr.period, pr.region, r.name as region_name, pr.region_kind,
                   case pr.region_kind when 'district' then '各区' else '功能区' end as region_group,
                   pr.value, ma.city_avg, ma.avg_of
            from per_region pr join region r on r.id = pr.region
            left join month_avg ma on ma.period = pr.period
        )
        select * from final
        where $all_regions or list_contains($regions, region)
        order by period, region
    """, {"code": code, "p0": p0, "p1": p1, "all_regions": regions is None,
          "regions": list(regions or [""])})


def region_trend_summary(db: Db, code: str, months: int = 12, period: date | None = None) -> pd.DataFrame:
    """Per month, the spread of the regions' means of ``code`` (lowest, quartiles, highest) and
    the city average: ``region_trend`` summed in SQL for a page with thousands of regions."""
    p1 = _month(period) if period else default_period(db)
    p0 = returns.add_months(p1, -(months - 1))
    return run(db, _PER_REGION + """
        select period, min(value) as lo, quantile_cont(value, 0.25) as q1, quantile_cont(value, 0.75) as q3,
               max(value) as hi, avg(value) filter (where region_kind = 'district') as city_avg,
               count(*) filter (where region_kind = 'district') as avg_of, count(*) as regions
        from per_region group by period order by period
    """, {"code": code, "p0": p0, "p1": p1})


# --- 任务台账 ---------------------------------------------------------------------------


# Measure × responsible unit, in three steps so that a national plan's million rows are joined
# to names and progress only where a page shows them: ``keys`` (who owes which measure, cut by
# plan, unit, region and the reader's units), then the rows to show, then their details.
_LEDGER_KEYS = f"""
with {EXPECTED_UNITS},
keys as (
    select mu.measure_key, m.plan, m.number, m.title, mu.unit, mu.role,
           mu.unit in (select unit from expected_units) as on_roster
    from measure_unit mu
    join measure m on m.key = mu.measure_key
    where ($plan is null or m.plan = $plan) and ($unit is null or mu.unit = $unit)
      and ($region is null or mu.unit in (select id from unit where region = $region))
      and ($all_units or mu.unit = any($units))
),
reported as (
    select * from task_progress where is_current and period = $period
),
keyed as (
    -- the keys with the month's progress status only (未报 without progress): what a status
    -- filter and the counts need before any name is read
    select k.*, coalesce(t.status, '未报') as status
    from keys k left join reported t on t.measure_key = k.measure_key and t.unit = k.unit
)"""

_LEDGER_ORDER = "plan, measure_key, role desc, unit"


def _ledger_details(rows: str) -> str:
    """The ledger's columns for the key rows of CTE ``rows``: titles, names, the month's progress."""
    return f"""
final as (
    select k.measure_key, k.plan, p.title as plan_title, k.number, k.title,
           k.unit, u.name as unit_name, r.name as region_name,
           case k.role when 'lead' then '牵头' else '责任' end as role,
           coalesce(t.status, '未报') as status, t.pct, t.progress, t.problems, t.next_steps,
           k.on_roster
    from {rows} k
    left join plan p on p.id = k.plan
    left join unit u on u.id = k.unit
    left join region r on r.id = u.region
    left join reported t on t.measure_key = k.measure_key and t.unit = k.unit
)"""


def _ledger_params(db: Db, user: User, period: date, plan: str | None, unit: str | None, status: str | None,
                   region: str | None, everyone: bool) -> dict[str, Any]:
    scope.check_unit(user, db, unit)
    return {"period": _month(period), "plan": plan, "unit": unit, "status": status, "region": region,
            "everyone": everyone} | scope.sql_units(user, db)


def task_ledger(db: Db, user: User, period: date, plan: str | None = None, unit: str | None = None,
                status: str | None = None, region: str | None = None, everyone: bool = True,
                offset: int = 0, limit: int | None = None) -> pd.DataFrame:
    """Measure × responsible unit with the month's progress; ``on_roster`` says whether the
    unit is on the reporting roster (a unit off it owes no return, so its 未报 means nothing).

    ``everyone=False`` keeps roster units only; ``offset``/``limit`` cut one page in SQL (a
    national ledger has a million rows: they never go to pandas at once). Rows the user may
    not read are left out in SQL, before the page is cut."""
    prm = _ledger_params(db, user, period, plan, unit, status, region, everyone)
    page = "" if limit is None else f"limit {int(limit)} offset {int(offset)}"
    # the page is cut from the keys (with the progress status only when filtered by it), then
    # only its rows get their names and progress
    if status is None:
        rows = f"""shown as (
    select * from keys where $everyone or on_roster order by {_LEDGER_ORDER} {page}
),"""
    elif status == "未报":
        rows = f"""shown as (
    select * exclude (status) from keyed where status = $status and ($everyone or on_roster)
    order by {_LEDGER_ORDER} {page}
),"""
    else:  # a reported status: from the month's progress rows of that status (a tenth of the keys)
        rows = f"""shown as (
    select k.* from keys k join task_progress t on t.measure_key = k.measure_key and t.unit = k.unit
    where t.is_current and t.period = $period and t.status = $status and ($everyone or k.on_roster)
    order by {_LEDGER_ORDER} {page}
),"""
    return run(db, _LEDGER_KEYS + ",\n" + rows + _ledger_details("shown")
               + f"\nselect * from final order by {_LEDGER_ORDER}", prm)


def task_ledger_counts(db: Db, user: User, period: date, plan: str | None = None, unit: str | None = None,
                       status: str | None = None, region: str | None = None, everyone: bool = True
                       ) -> pd.DataFrame:
    """The ledger counted in SQL: tasks per plan and status (``n``) and, per plan, the tasks of
    units off the roster hidden when ``everyone`` is False (``outside``). Only the progress
    status is joined to the keys; names and titles are not needed to count."""
    prm = _ledger_params(db, user, period, plan, unit, status, region, True) | {"only_roster": not everyone}
    shown = """
select c.plan, p.title as plan_title, c.status, c.n, c.outside
from counted c left join plan p on p.id = c.plan
order by c.plan, c.status"""
    with store.read(db) as con:
        # the month's stored counts (rules.month_counts) serve a ledger not cut to one unit or
        # to a reader's units, while fresh
        if unit is None and prm["all_units"] and month_counts.is_fresh(con, prm["period"], prm["period"], tasks=True):
            return _exec(con, month_counts.TASKS_STORED + shown, prm)
        return _exec(con, _LEDGER_KEYS + """,
counted as (
    select plan, status, count(*) filter (where on_roster or not $only_roster) as n,
           count(*) filter (where not on_roster) as outside
    from keyed where $status is null or status = $status
    group by plan, status
)""" + shown, prm)


# --- 数据质量 ---------------------------------------------------------------------------

_FINDINGS_BASE = """
with scoped as (
    select f.*, s.unit, s.id as sid
    from finding f join submission s on s.id = f.submission_id
    where (s.is_current or s.status = 'rejected') and s.period between $p0 and $p1
      and ($unit is null or s.unit = $unit)
      and ($all_units or s.unit = any($units))
)
"""


def quality_findings(db: Db, user: User, period_from: date, period_to: date,
                     unit: str | None = None) -> pd.DataFrame:
    scope.check_unit(user, db, unit)
    return run(db, _FINDINGS_BASE + """,
        final as (
            select f.unit, u.name as unit_name, r.name as region_name, f.code, f.severity, count(*) as n,
                   arg_max(f.message, f.sid) as example_message, arg_max(f.sheet, f.sid) as example_sheet,
                   arg_max(f.cell, f.sid) as example_cell
            from scoped f left join unit u on u.id = f.unit left join region r on r.id = u.region
            group by f.unit, u.name, r.name, f.code, f.severity
        )
        select * from final order by n desc, severity, unit, code
    """, {"p0": _month(period_from), "p1": _month(period_to), "unit": unit} | scope.sql_units(user, db))


def quality_top(db: Db, user: User, period_from: date, period_to: date, n: int = 10) -> pd.DataFrame:
    """The most frequent findings, counted over the units ``user`` may read."""
    return run(db, _FINDINGS_BASE + """,
        final as (
            select code, severity, count(*) as n, count(distinct unit) as units,
                   mode(message) as example_message, mode(hint) as example_hint
            from scoped group by code, severity
        )
        select * from final order by n desc, code limit $n
    """, {"p0": _month(period_from), "p1": _month(period_to), "unit": None, "n": int(n)}
        | scope.sql_units(user, db))


def account_names(db: Db) -> dict[str, str]:
    """Username -> display name, so that pages show who sent a return by name (报送人)."""
    df = run(db, "select username, coalesce(display_name, username) as name from app_user")
    return dict(zip(df["username"], df["name"]))
