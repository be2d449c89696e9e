"""Judging a reported value against the target in force that month, in SQL.

One CTE chain (``JUDGED_LIVE``, ending in the CTE ``judged``) is the single definition of
达标 / 预警 / 未达标 and of the Chinese reason, used by the scorecard, the overview, the
region pages, the red flags and the precomputed tables. Queries embed the marker ``JUDGED``;
``resolve`` swaps in the live chain or, when every month of the span is fresh, the short
``JUDGED_STORED`` chain. Parameters (bound, DuckDB ``$name`` style): ``$p0``/``$p1`` first and
last month, ``$region``/``$unit``/``$code`` scope (NULL = all).

Rules:
* the target is the ``indicator_target`` version in force in the month (in force on some day
  of it; the latest ``effective_from`` wins) **whose scope (``target_scope``) holds the unit's
  region**: a plan sets targets for its own region only. A value without one is 无目标: shown,
  compared and ranked, never 未达标;
* ``city_avg``: the value is compared with the city average of the same indicator and month:
  the office's figure for the period (``office_reference``, with its source) or else the mean of
  the district means of every district reporting the code that month (``ref_n`` districts, at
  least one besides the unit's own); neither: 无参照. The target value is a margin;
* ``growth``: the unit reports the level; growth over the baseline value (office-entered, else
  the catalog's) in % is compared with the target by the indicator's direction (higher_better:
  at least, lower_better: at most); no baseline value: 无参照;
* a soft target (一般应当) turns a shortfall into 预警, not 未达标;
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


# Verdicts as stored and shown (Chinese) and their keys in ``python -m etl judge --json``.
STATUS_KEYS = {"达标": "met", "预警": "amber", "未达标": "missed", "未报": "missing",
               "无目标": "no_target", "无参照": "no_reference"}


def status_sql(value: str = "value", op: str = "op", margin: str = "margin", amber: str = "amber",
               soft: str = "false") -> str:
    """DuckDB expression: 未报 / 未达标 / 预警 / 达标 (NULL when it cannot be judged)."""
    return (
        f"case when {value} is null then '未报' "
        f"when {op} is null or {margin} is null then null "
        f"when ({op} in ('>=', '<=') and {margin} < -{EPS}) "
        f"or ({op} in ('>', '<') and {margin} <= {EPS}) "
        f"or ({op} = '=' and {margin} < -{EPS}) then case when {soft} then '预警' else '未达标' end "
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
            || ref_text
        when 'growth' then name || ' ' || value_text || ' 较基期 ' || baseline_text || ' 变化 ' || metric_text
            || ' 未达到目标 ' || target_text
        else name || ' ' || value_text
            || case when op in ('>=', '>') then ' 低于目标 ' when op in ('<=', '<') then ' 高于目标 '
                    else ' 不符合目标 ' end || target_text end
    when '预警' then case when margin < 0 then name || ' ' || value_text || ' 未达到 ' || target_text
            || '（方案为“一般应当”，属预警，请说明原因）'
        else name || ' ' || value_text || ' 接近目标 '
        || case comparator when 'city_avg' then '全市平均 ' || reference_text || ref_text else target_text end
        || '（预警区间 ' || amber_text || '）' end
    when '达标' then name || ' ' || value_text || ' 达到目标 '
        || case comparator when 'city_avg' then '全市平均 ' || reference_text || ref_text else target_text end
    when '无参照' then name || ' ' || value_text || case comparator
        when 'city_avg' then ' 暂无全市平均参照（报送该指标的其他区不足，办公室也未录入），不评判'
        else ' 暂无基期值（目录和办公室均未提供），无法计算增幅，不评判' end
    else name || ' ' || value_text || ' 本地区无方案设定的目标，仅作比较'
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
           {sql_value_text('amber', _TARGET_UOM)} as amber_text,
           {sql_value_text('baseline', 'uom')} as baseline_text,
           case when ref_n is not null then '（' || ref_n || ' 个区平均）'
                when ref_source is not null then '（' || ref_source || '）' else '' end as ref_text
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
           "comparator, target, amber, city_avg, reference, metric, op, margin, "
           "target_from, ref_kind, ref_n, ref_source, status")

# ... plus the texts shown to users and the 未达标 streak (stored rows only; NULL when live).
COLUMNS_ALL = COLUMNS + ", value_text, target_text, reason, streak, " + period.COLUMNS

# What a month's stored judgments were computed from (CTE fragment over ``months``): the
# submissions of its year up to the month (a quarterly or yearly row depends on the earlier
# months of its period, rules.period) and the catalog version.
FINGERPRINT_CTES = """fingerprint_subs as (
    select period, max(id) as max_id, count(*) as n from submission
    where period between date_trunc('year', $p0::date)::date and $p1 /*fp_exclude*/ group by period
),
fingerprints as (
    select m.period,
           coalesce(max(s.max_id), 0) || '-' || coalesce(sum(s.n), 0) || '-'
           || coalesce((select max(value) from meta where key = 'catalog_version'), '') as fingerprint
    from months m
    left join fingerprint_subs s on s.period between date_trunc('year', m.period)::date and m.period
    group by m.period
)"""

def target_region_month(name: str, regions: str) -> str:
    """CTE ``name``: per code, month and region of ``regions`` (a relation with ``id``), the
    target version in force on the month's first day (one effective mid-month applies from the
    next month), only where the region's plan set it. The live chain passes the regions it
    judges: the whole country's regions × codes × months is millions of rows."""
    return f"""{name} as (
    select t.code, m.period, g.id as region, t.comparator, t.value as target, t.amber, t.effective_from
    from targets t join months m
      on t.effective_from <= m.period and (t.effective_to is null or m.period <= t.effective_to)
    join {regions} g
      on not exists (select 1 from target_scope s where s.code = t.code and s.effective_from = t.effective_from)
      or exists (select 1 from target_scope s
                 where s.code = t.code and s.effective_from = t.effective_from and s.region = g.id)
    qualify row_number() over (partition by t.code, m.period, g.id order by t.effective_from desc) = 1
)"""


# Months of the span; which months have fresh precomputed judgments; for the other months the
# targets in force per code × month, the city averages, then the verdict; both halves unioned.
# The target in force for each indicator and month of ``months`` (CTE fragment, no WITH).
# The regions a query's $region / $unit filters leave (all of them when neither is set): the
# per-region targets are expanded only for those. A unit's scorecard at national scale expanded
# every code × month × 20,722 regions (640 k rows) to keep one region's (~0.5 s of 0.53 s).
FILTERED_REGIONS = """filtered_regions as (
    select id from region
    where ($region is null or id = $region)
      and ($unit is null or id = (select u.region from unit u where u.id = $unit))
)"""

TARGET_MONTH = f"""{FILTERED_REGIONS},
targets as (
    select code, comparator, value, amber, effective_from, effective_to from indicator_target
    union all
    select code, comparator, target, amber, coalesce(effective_from, date '2000-01-01'), effective_to
    from indicator i where not exists (select 1 from indicator_target t where t.code = i.code)
),
target_month as (
    -- the indicator is collected that month (some version in force on some day of it)
    select t.code, m.period, t.comparator, t.value as target, t.amber, t.effective_from
    from targets t join months m
      on t.effective_from <= last_day(m.period) and (t.effective_to is null or m.period <= t.effective_to)
    qualify row_number() over (partition by t.code, m.period order by t.effective_from desc) = 1
),
{target_region_month("target_region_month", "filtered_regions")}"""

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
      and ($code is null or code = $code) /*scope:*/
),
{TARGET_MONTH},
district_means as (
    -- averages over a list in a fixed order: a hash aggregate over doubles sums in whatever
    -- order the threads meet the rows, and the last bit of a city average would differ between
    -- a whole-month and a partial refresh (rules.stats.refresh_batch) of the same data
    select o.code, o.period, o.region, list_avg(list(o.value order by o.unit, o.value)) as v
    from observation o
    join region r on r.id = o.region and r.kind = 'district'
    where o.is_current and o.value is not null and o.period between $p0 and $p1
      and o.period not in (select period from fresh_months)
      and o.code in (select code from target_month where comparator = 'city_avg')
      and ($code is null or o.code = $code)
    group by all
),
city_avg as (
    select code, period, list_avg(list(v order by region)) as city_avg, count(*) as n, list(region) as regions
    from district_means group by all
),
office_avg as (
    select r.code, m.period, arg_max(r.value, r.id) as value, arg_max(r.source, r.id) as source
    from office_reference r join months m on m.period between r.period_from and r.period_to
    where r.kind = 'city_avg' group by all
),
office_base as (
    select code, unit, arg_max(value, id) as value, arg_max(source, id) as source
    from office_reference where kind = 'baseline' group by all
),
obs as (
    select o.submission_id, o.unit, o.region, o.period, o.code, o.value, o.cell
    from observation o
    where o.is_current and o.period between $p0 and $p1
      and o.period not in (select period from fresh_months)
      and ($region is null or o.region = $region)
      and ($unit is null or o.unit = $unit)
      and ($code is null or o.code = $code) /*scope:o.*/
),
{target_region_month("obs_target", "(select distinct region as id from obs)")},
referenced as (
    select obs.*, i.name, i.uom, i.direction, tm.comparator, tm.target, tm.amber,
           tm.effective_from as target_from, coalesce(td.soft, false) as soft,
           -- the city average used: the office's figure, else the computed one when it covers
           -- at least one district besides the unit's own
           case when tm.comparator = 'city_avg' then coalesce(oa.value,
               case when ca.n - case when list_contains(ca.regions, obs.region) then 1 else 0 end >= 1
                    then ca.city_avg end) end as city_avg,
           case when tm.comparator = 'city_avg' and oa.value is null and ca.n is not null
                 and ca.n - case when list_contains(ca.regions, obs.region) then 1 else 0 end >= 1
                then ca.n end as ref_n,
           case when tm.comparator is null then null
                when tm.comparator = 'growth' then coalesce(bu.value, ba.value, td.baseline,
                    case when td.code is null then i.baseline end)
                when td.code is null then i.baseline else td.baseline end as baseline,
           case tm.comparator
               when 'city_avg' then case when oa.value is not null then oa.source end
               when 'growth' then coalesce(bu.source, ba.source, td.baseline_source,
                   case when coalesce(td.baseline, i.baseline) is not null then '目录基期值' end)
           end as ref_source_raw
    from obs
    join indicator i on i.code = obs.code
    left join obs_target tm on tm.code = obs.code and tm.period = obs.period and tm.region = obs.region
    left join target_detail td on td.code = tm.code and td.effective_from = tm.effective_from
    left join city_avg ca on ca.code = obs.code and ca.period = obs.period
    left join office_avg oa on oa.code = obs.code and oa.period = obs.period
    left join office_base bu on bu.code = obs.code and bu.unit = obs.unit
    left join office_base ba on ba.code = obs.code and ba.unit is null
),
measured as (
    select * exclude (ref_source_raw),
           case comparator when 'city_avg' then 'city_avg' when 'growth' then 'baseline' end as ref_kind,
           case when comparator in ('city_avg', 'growth') then ref_source_raw end as ref_source,
           case comparator
               when 'city_avg' then city_avg + coalesce(target, 0)
                   * (case when direction = 'lower_better' then -1 else 1 end)
               else target end as reference,
           case when comparator = 'growth'
               then (value - baseline) / nullif(baseline, 0) * 100
               else value end as metric,
           case comparator
               when 'city_avg' then case when direction = 'lower_better' then '<=' else '>=' end
               when 'growth' then case when direction = 'lower_better' then '<=' else '>=' end
               else comparator end as op
    from referenced
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
           {period.in_period_status(
               "case when value is null then '未报' when comparator is null then '无目标' "
               "when margin is null then '无参照' else " + status_sql(soft="soft") + " end",
               status_sql(margin="progress_margin", amber="null"))} as status,
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
# The same, for a query that reads ``judged`` several times with narrower filters each time
# (the red flags: one month's flags, the streak keys, three months of the streaks' history):
# the stored chain is then inlined, each read scanning only what it filters for, instead of
# materialising three months of wide judged rows first (national month, machine loaded: 2.6-2.9 s
# -> 1.8-2.3 s).
# The live chain stays materialised: it is computed, not read.
JUDGED_INLINE = "/*judged:inline*/"
_JUDGED_STORED_INLINE = JUDGED_STORED.replace("\njudged as (", "\njudged as not materialized (")
assert _JUDGED_STORED_INLINE != JUDGED_STORED

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


def named_list(prefix: str, values: list) -> tuple[str, dict]:
    """``$prefix0, $prefix1, …`` and their bound values, for an IN list in ``$name`` SQL.

    One named placeholder per value (never the values in the text, never a bound list): the
    constants are pushed down to PostgreSQL (docs/architecture.md, PostgreSQL mode)."""
    names = [f"{prefix}{i}" for i in range(len(values))]
    return ", ".join("$" + n for n in names) or "null", dict(zip(names, values))


def scoped(sql: str, units: list[str], codes: list[str]) -> tuple[str, dict]:
    """``sql`` (the live chain) limited to the rows of ``units`` (every code) or of ``codes``
    (every unit): what a partial refresh re-judges. Returns the SQL and its extra parameters.

    The city averages are left whole (``district_means`` is not scoped): a unit's verdict on a
    ``city_avg`` code depends on every district's value."""
    parts, prm = [], {}
    if units:
        names, p = named_list("scope_u", sorted(units))
        parts.append("{a}unit in (" + names + ")")
        prm |= p
    if codes:
        names, p = named_list("scope_c", sorted(codes))
        parts.append("{a}code in (" + names + ")")
        prm |= p
    cond = " or ".join(parts) or "false"
    for alias in ("o.", ""):
        sql = sql.replace(f"/*scope:{alias}*/", "and (" + cond.format(a=alias) + ")")
    return sql, prm


def fingerprints_excluding_sql(ids: list[int]) -> tuple[str, dict]:
    """``fingerprints_sql`` as if the submissions ``ids`` did not exist (and its parameters):
    equal to a month's stored fingerprint exactly when the month was fresh before them."""
    if not ids:
        return _FINGERPRINTS, {}
    names, prm = named_list("fp_x", sorted(ids))
    return _FINGERPRINTS.replace("/*fp_exclude*/", f"and id not in ({names})"), prm


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
    if JUDGED not in sql and JUDGED_INLINE not in sql:
        return sql
    fresh = all_fresh(con, params["p0"], params["p1"])
    sql = sql.replace(STREAK_KEYS, _STREAK_STORED if fresh else _STREAK_LIVE)
    sql = sql.replace(JUDGED_INLINE, _JUDGED_STORED_INLINE if fresh else JUDGED_LIVE)
    return sql.replace(JUDGED, JUDGED_STORED if fresh else JUDGED_LIVE)




def params(p0, p1, region: str | None = None, unit: str | None = None, code: str | None = None) -> dict:
    """Bound parameters of ``JUDGED``."""
    return {"p0": p0, "p1": p1, "region": region, "unit": unit, "code": code}
