"""Judging a reported value against the target in force that month, in SQL.

One CTE chain (``JUDGED_LIVE``, ending in the CTE ``judged``) is the single definition of
达标 / 预警 / 未达标 and of the Chinese reason, used by the scorecard, the overview, the
region pages, the red flags and the precomputed tables. Queries embed the marker ``JUDGED``;
``resolve`` swaps in the live chain or, when every month of the span is fresh, the short
``JUDGED_STORED`` chain. Parameters (bound, DuckDB ``$name`` style): ``$p0``/``$p1`` first and
last month, ``$region``/``$unit``/``$code`` scope (NULL = all).

Rules:
* the target is the ``indicator_target`` row in force in the month (latest ``effective_from``);
* ``city_avg``: the value is compared with the mean of the district means of the same
  indicator and month (direction from the indicator), the target value is a margin;
* ``growth``: growth over ``indicator.baseline`` in % must reach the target;
* amber: passing but within ``amber`` of the reference → 预警.

Months whose precomputed judgments are fresh (``rules.stats``, table
``judged_observation`` of migration 0003) are read from that table; the others are judged
live by the same SQL, so the two can never disagree.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rules import period
from rules.format import sql_target_text_from, sql_value_text

EPS = 1e-9


def status_sql(value: str = "value", op: str = "op", margin: str = "margin", amber: str = "amber") -> str:
    """DuckDB expression: 未报 / 未达标 / 预警 / 达标 (NULL when no target applies)."""
    return (
        f"case when {value} is null then '未报' "
        f"when {op} is null or {margin} is null then null "
        f"when ({op} in ('>=', '<=') and {margin} < -{EPS}) "
        f"or ({op} in ('>', '<') and {margin} <= {EPS}) "
        f"or ({op} = '=' and {margin} < -{EPS}) then '未达标' "
        f"when {amber} is not null and {op} <> '=' and {margin} < {amber} - {EPS} then '预警' "
        f"else '达标' end"
    )


# Chinese reason for a judged row, built from the text columns that ``texts`` adds.
REASON = """
case status
    when '未报' then name || ' 本月未填报'
    when '未达标' then case comparator
        when 'city_avg' then name || ' ' || value_text
            || case when direction = 'lower_better' then ' 高于' else ' 低于' end || '全市平均 ' || reference_text
        when 'growth' then name || ' 较基期增长 ' || metric_text || ' 低于目标 ' || target_text
        else name || ' ' || value_text
            || case when op in ('>=', '>') then ' 低于目标 ' when op in ('<=', '<') then ' 高于目标 '
                    else ' 不符合目标 ' end || target_text end
    when '预警' then name || ' ' || value_text || ' 接近目标 '
        || case comparator when 'city_avg' then '全市平均 ' || reference_text else target_text end
        || '（预警区间 ' || amber_text || '）'
    when '达标' then name || ' ' || value_text || ' 达到目标 '
        || case comparator when 'city_avg' then '全市平均 ' || reference_text else target_text end
    else name || ' 本月无适用目标'
end"""

_TARGET_UOM = "case when comparator = 'growth' then '%' else uom end"


def texts(src: str, out: str) -> str:
    """CTEs named ``out`` adding value_text, target_text, reason (and helpers) to ``src``'s rows.

    Each number is formatted once in its own column and the reason is assembled from those
    columns: inlining the formatting into the reason makes DuckDB's planner slow.
    """
    return f"""{out}_num as (
    select *, {sql_value_text('value', 'uom')} as value_text,
           {sql_value_text('target', _TARGET_UOM)} as target_num_text,
           {sql_value_text('reference', 'uom')} as reference_text,
           {sql_value_text('metric', "'%'")} as metric_text,
           {sql_value_text('amber', _TARGET_UOM)} as amber_text
    from {src}
),
{out}_tt as (
    select *, {sql_target_text_from('comparator', 'target', 'target_num_text')} as target_text from {out}_num
),
{out} as (
    select *, {REASON} as reason from {out}_tt
)"""


# Columns of a judged row, in order (also the layout of the judged_observation table).
COLUMNS = ("submission_id, unit, region, period, code, value, cell, name, uom, direction, baseline, "
           "comparator, target, amber, city_avg, reference, metric, op, margin, status")

# ... plus the texts shown to users and the 未达标 streak (stored rows only; NULL when live).
COLUMNS_ALL = COLUMNS + ", value_text, target_text, reason, streak, " + period.COLUMNS

# What a month's stored judgments were computed from (CTE fragment over ``months``): the
# submissions of its year up to the month (a quarterly or yearly row depends on the earlier
# months of its period, rules.period) and the catalog version.
FINGERPRINT_CTES = """fingerprint_subs as (
    select period, max(id) as max_id, count(*) as n from submission
    where period between date_trunc('year', $p0::date)::date and $p1 group by period
),
fingerprints as (
    select m.period,
           coalesce(max(s.max_id), 0) || '-' || coalesce(sum(s.n), 0) || '-'
           || coalesce((select max(value) from meta where key = 'catalog_version'), '') as fingerprint
    from months m
    left join fingerprint_subs s on s.period between date_trunc('year', m.period)::date and m.period
    group by m.period
)"""

# Months of the span; which months have fresh precomputed judgments; for the other months the
# targets in force per code × month, the city averages, then the verdict; both halves unioned.
# The target in force for each indicator and month of ``months`` (CTE fragment, no WITH).
TARGET_MONTH = """targets as (
    select code, comparator, value, amber, effective_from, effective_to from indicator_target
    union all
    select code, comparator, target, amber, coalesce(effective_from, date '2000-01-01'), effective_to
    from indicator i where not exists (select 1 from indicator_target t where t.code = i.code)
),
target_month as (
    select t.code, m.period, t.comparator, t.value as target, t.amber
    from targets t join months m
      on t.effective_from <= m.period and (t.effective_to is null or m.period <= t.effective_to)
    qualify row_number() over (partition by t.code, m.period order by t.effective_from desc) = 1
)"""

JUDGED_LIVE = f"""
months as (
    select unnest(generate_series($p0::date, $p1::date, interval 1 month))::date as period
),
{FINGERPRINT_CTES},
fresh_months as (
    select f.period from fingerprints f
    join unit_month_stats_state st on st.period = f.period and st.fingerprint = f.fingerprint
),
stored as (
    select {COLUMNS_ALL} from judged_observation
    where period between $p0 and $p1 and period in (select period from fresh_months)
      and ($region is null or region = $region)
      and ($unit is null or unit = $unit)
      and ($code is null or code = $code)
),
{TARGET_MONTH},
district_means as (
    select o.code, o.period, o.region, avg(o.value) as v
    from observation o
    join region r on r.id = o.region and r.kind = 'district'
    where o.is_current and o.value is not null and o.period between $p0 and $p1
      and o.period not in (select period from fresh_months)
      and o.code in (select code from target_month where comparator = 'city_avg')
      and ($code is null or o.code = $code)
    group by all
),
city_avg as (
    select code, period, avg(v) as city_avg from district_means group by all
),
obs as (
    select o.submission_id, o.unit, o.region, o.period, o.code, o.value, o.cell
    from observation o
    where o.is_current and o.period between $p0 and $p1
      and o.period not in (select period from fresh_months)
      and ($region is null or o.region = $region)
      and ($unit is null or o.unit = $unit)
      and ($code is null or o.code = $code)
),
measured as (
    select obs.*, i.name, i.uom, i.direction, i.baseline, tm.comparator, tm.target, tm.amber,
           ca.city_avg,
           case tm.comparator
               when 'city_avg' then ca.city_avg + coalesce(tm.target, 0)
                   * (case when i.direction = 'lower_better' then -1 else 1 end)
               else tm.target end as reference,
           case when tm.comparator = 'growth'
               then (obs.value - i.baseline) / nullif(i.baseline, 0) * 100
               else obs.value end as metric,
           case tm.comparator
               when 'city_avg' then case when i.direction = 'lower_better' then '<=' else '>=' end
               when 'growth' then '>='
               else tm.comparator end as op
    from obs
    join indicator i on i.code = obs.code
    left join target_month tm on tm.code = obs.code and tm.period = obs.period
    left join city_avg ca on ca.code = obs.code and ca.period = obs.period
),
margins as (
    select *,
           case when op in ('>=', '>') then metric - reference
                when op in ('<=', '<') then reference - metric
                when op = '=' then -abs(metric - reference) end as margin
    from measured
),
{period.PROGRESS},
verdicts as (
    select {COLUMNS.removesuffix("status")}
           {period.in_period_status(status_sql(), status_sql(margin="progress_margin", amber="null"))} as status,
           {period.CARRIED} from progress_margins
),
{texts('verdicts', 'live_month')},
{period.texts('live_month', 'live')},
judged as (
    select {COLUMNS_ALL} from stored
    union all
    select {COLUMNS_ALL.replace("streak", "null::integer as streak")} from live
)"""

# When every month of the span is fresh (the normal case) the whole live chain is dead
# weight that DuckDB still has to plan (~100 ms); this short chain reads the stored verdicts.
JUDGED_STORED = f"""
months as (
    select unnest(generate_series($p0::date, $p1::date, interval 1 month))::date as period
),
{TARGET_MONTH},
judged as (
    select {COLUMNS_ALL} from judged_observation
    where period between $p0 and $p1
      and ($region is null or region = $region)
      and ($unit is null or unit = $unit)
      and ($code is null or code = $code)
)"""

# Queries embed this marker; ``resolve`` swaps in the stored or the live chain.
JUDGED = "/*judged*/"

# (unit, code) failing this month and the two before; the judged span must be those 3 months.
STREAK_KEYS = "/*streak_keys*/"
_STREAK_STORED = "select unit, code from judged where period = $p1 and status = '未达标' and streak >= 3"
_STREAK_LIVE = """select unit, code from judged where status = '未达标'
    group by unit, code having count(*) = 3 and bool_or(period = $p1)"""

_FINGERPRINTS = f"""
with months as (
    select unnest(generate_series($p0::date, $p1::date, interval 1 month))::date as period
),
{FINGERPRINT_CTES}
select period, fingerprint from fingerprints order by period
"""


def fingerprints_sql() -> str:
    """Per month of [$p0, $p1]: what its stored judgments must have been computed from."""
    return _FINGERPRINTS


def all_fresh(con: Any, p0: date, p1: date) -> bool:
    """True when every month of [p0, p1] has stored judgments matching the current data."""
    row = con.execute(
        f"with fp as ({_FINGERPRINTS}) "
        "select count(*) filter (where st.fingerprint is distinct from fp.fingerprint) "
        "from fp left join unit_month_stats_state st using (period)",
        {"p0": p0, "p1": p1},
    ).fetchone()
    return row[0] == 0


def resolve(con: Any, sql: str, params: dict) -> str:
    """``sql`` with the judged chain that fits the span's freshness."""
    if JUDGED not in sql:
        return sql
    fresh = all_fresh(con, params["p0"], params["p1"])
    sql = sql.replace(STREAK_KEYS, _STREAK_STORED if fresh else _STREAK_LIVE)
    return sql.replace(JUDGED, JUDGED_STORED if fresh else JUDGED_LIVE)




def params(p0, p1, region: str | None = None, unit: str | None = None, code: str | None = None) -> dict:
    """Bound parameters of ``JUDGED``."""
    return {"p0": p0, "p1": p1, "region": region, "unit": unit, "code": code}
