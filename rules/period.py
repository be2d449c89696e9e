"""Quarterly and yearly targets judged at their own frequency (issue 19).

A monthly target is judged every month. A quarterly or yearly target is judged once, in the
last month of its period, on the ``rollup`` of the period's months (sum, mean, latest, max,
min; ``ratio`` has no numerator data in the returns and reads as latest). In the months
before, the row shows progress instead of a verdict:

* cumulative targets (``rollup: sum``, or a return that asks for the figure since the period
  began, ``report: cumulative``): the running total against the schedule — time-proportional
  (target × months elapsed / months of the period) or the catalog's ``schedule`` of cumulative
  percentages at even checkpoints, interpolated between them — and what is still needed
  (还需 X 才能达标; for a ceiling, what the remaining months may still add);
* other targets (rates, levels): the running value against the target itself, and for a
  mean what the remaining months must average.

Progress is 进度正常 or 进度滞后; 进度滞后 is amber and never 未达标 before the period ends.

The SQL below is spliced into ``rules.judge.JUDGED_LIVE`` (CTE fragments, no WITH; same bound
parameters ``$p0``/``$p1``/``$region``/``$unit``/``$code``). It reads the observations from the
start of ``$p0``'s year, since a row depends on the earlier months of its period; the stored
judgments are fingerprinted over the year to date for the same reason (``rules.judge``).

``python -m etl judge --json`` (the trust branch's ``rules/verdict.record``) adds
``period_fields(row)`` to each record; its row query selects ``j.period_kind, j.actual,
j.expected, j.needed`` (and ``i.frequency`` for unreported rows), and ``STATUS_KEYS`` joins
``judge.STATUS_KEYS``.
"""

from __future__ import annotations

from typing import Any

from rules.format import sql_value_text

EPS = 1e-9
# Progress numbers are in the target's unit (percent for growth targets), as in rules.judge.
_TARGET_UOM = "case when comparator = 'growth' then '%' else uom end"

# Stored with every judged row (judged_observation, migration 0011), after judge.COLUMNS_ALL.
COLUMNS = "period_kind, actual, expected, needed"
# ... and what the reason needs besides (live rows only).
CARRIED = COLUMNS + ", pr_cumulative, pr_rollup, cum_target, ceiling, months_left"

# Quarterly/yearly indicators, every observation of their periods so far, and per judged row
# (``obs``) the rollup of its period up to its month.
ROLLUP = """
period_ind as (
    select i.code, i.rollup, coalesce(ip.report, 'month') as report, ip.schedule,
           case i.frequency when 'quarterly' then 'quarter' else 'year' end as period_kind,
           case i.frequency when 'quarterly' then 3 else 12 end as n_months,
           i.rollup = 'sum' or coalesce(ip.report, 'month') = 'cumulative' as cumulative
    from indicator i left join indicator_period ip on ip.code = i.code
    where i.frequency in ('quarterly', 'yearly')
),
period_hist as (
    select o.unit, o.code, o.period, o.value from observation o
    where o.is_current and o.value is not null
      and o.code in (select code from period_ind)
      and o.period between date_trunc('year', $p0::date)::date and $p1
      and ($region is null or o.region = $region)
      and ($unit is null or o.unit = $unit)
      and ($code is null or o.code = $code) /*scope:o.*/
),
period_rows as (
    select obs.unit, obs.code, obs.period, pi.* exclude (code),
           date_trunc(pi.period_kind, obs.period)::date as period_start
    from obs join period_ind pi on pi.code = obs.code
),
period_aggs as (
    select r.unit, r.code, r.period, any_value(r.period_kind) as period_kind,
           any_value(r.n_months) as n_months, any_value(r.rollup) as rollup,
           any_value(r.report) as report, any_value(r.schedule) as schedule,
           any_value(r.cumulative) as cumulative,
           date_diff('month', any_value(r.period_start), r.period) + 1 as months_in,
           -- sums in month order (a list), so every refresh adds the doubles the same way
           list_sum(list(h.value order by h.period)) as p_sum, list_avg(list(h.value order by h.period)) as p_mean,
           max(h.value) as p_max, min(h.value) as p_min,
           arg_max(h.value, h.period) as p_latest, count(h.value) as n_values
    from period_rows r
    left join period_hist h on h.unit = r.unit and h.code = r.code
         and h.period between r.period_start and r.period
    group by r.unit, r.code, r.period
),
rolled as (
    select unit, code, period, period_kind, n_months, months_in, cumulative, schedule, rollup,
           n_values, p_sum,
           case when rollup = 'sum' and report = 'month' then p_sum
                when rollup = 'mean' then p_mean
                when rollup = 'max' then p_max
                when rollup = 'min' then p_min
                else p_latest end as actual_value
    from period_aggs
)"""

# Share of a cumulative target due after ``months_in`` of ``n_months``: the schedule's
# checkpoints (cumulative %, evenly spaced) interpolated, or time-proportional without one.
_DUE_SHARE = """case when schedule is null or len(schedule) = 0 then months_in / n_months
    else (coalesce(schedule[floor(months_in * len(schedule) / n_months)::integer], 0)
          + (coalesce(schedule[floor(months_in * len(schedule) / n_months)::integer + 1], 100)
             - coalesce(schedule[floor(months_in * len(schedule) / n_months)::integer], 0))
            * (months_in * len(schedule) / n_months - floor(months_in * len(schedule) / n_months))
         ) / 100 end"""

# Over the judge's ``margins`` rows (joined with ``rolled`` as ``pr_*`` columns): progress of
# in-period rows. ``in_period`` rows get 进度正常/进度滞后 instead of a verdict.
PROGRESS = f"""{ROLLUP},
period_joined as (
    select m.*, pr.code as pr_code,
           case when m.comparator = 'growth' then (pr.actual_value - m.baseline) / nullif(m.baseline, 0) * 100
                else pr.actual_value end as pr_metric,
           pr.period_kind as pr_period_kind, pr.n_months as pr_n_months, pr.months_in as pr_months_in,
           pr.cumulative as pr_cumulative, pr.schedule as pr_schedule, pr.rollup as pr_rollup,
           pr.n_values as pr_n_values, pr.p_sum as pr_p_sum
    from margins m
    left join rolled pr on pr.unit = m.unit and pr.code = m.code and pr.period = m.period
),
period_margins as (
    -- a quarterly or yearly row is measured by its period's rollup, not the month's figure
    select * replace (
               case when pr_code is null then metric else pr_metric end as metric,
               case when pr_code is null then margin
                    when op in ('>=', '>') then pr_metric - reference
                    when op in ('<=', '<') then reference - pr_metric
                    when op = '=' then -abs(pr_metric - reference) end as margin)
    from period_joined
),
progress_base as (
    select *, coalesce(pr_period_kind, 'month') as period_kind,
           pr_period_kind is not null and pr_months_in < pr_n_months as in_period,
           pr_cumulative and op in ('>=', '>', '<=', '<') and comparator not in ('growth', 'city_avg')
               as cum_target,
           op in ('<=', '<') as ceiling
    from period_margins
),
progressed as (
    select *,
           case when pr_period_kind is null then null else metric end as actual,
           case when not in_period then null
                when cum_target then reference * ({_DUE_SHARE.replace('schedule', 'pr_schedule')
                                                  .replace('months_in', 'pr_months_in')
                                                  .replace('n_months', 'pr_n_months')})
                else reference end as expected,
           case when not in_period then null
                when cum_target and ceiling then reference - metric
                when cum_target then greatest(reference - metric, 0)
                when pr_rollup = 'mean' and op in ('>=', '>', '<=', '<') and comparator not in ('growth', 'city_avg')
                    then (reference * (pr_n_values + pr_n_months - pr_months_in) - pr_p_sum)
                         / (pr_n_months - pr_months_in)
                else reference end as needed,
           pr_n_months - pr_months_in as months_left
    from progress_base
),
progress_margins as (
    select *,
           case when not in_period then margin
                when cum_target and ceiling then expected - metric
                when cum_target then metric - expected
                else margin end as progress_margin
    from progressed
)"""


def in_period_status(verdict: str, lag: str) -> str:
    """The status expression: progress inside the period, ``verdict`` after it.

    ``verdict`` and ``lag`` are ``judge.status_sql`` over the row's margin and over its progress
    margin (without an amber band): progress lags exactly when that test fails. Rows the
    verdict cannot judge (未报, no target) keep the verdict's status inside the period too."""
    return (f"case when in_period and ({lag}) in ('未达标', '预警', '达标') "
            f"then case when ({lag}) = '未达标' then '进度滞后' else '进度正常' end else {verdict} end")


# Chinese text of the period a row covers so far: 2026年1-7月, 2026年全年, 2026年第三季度.
_QUARTERS = "['一', '二', '三', '四']"
PERIOD_LABEL = f"""case period_kind
    when 'year' then year(period) || '年' || case month(period) when 12 then '全年' when 1 then '1月'
        else '1-' || month(period) || '月' end
    when 'quarter' then year(period) || '年第' || {_QUARTERS}[quarter(period)] || '季度'
        || case when month(period) % 3 = 0 then '' else '（截至' || month(period) || '月）' end
    end"""

ROLLUP_WORD = """case when pr_cumulative then '累计' when pr_rollup = 'mean' then '平均'
    when pr_rollup = 'max' then '最高' when pr_rollup = 'min' then '最低' else '最新值' end"""

# Reason of an in-period row (status 进度正常 / 进度滞后), from the text columns judge.texts adds.
PROGRESS_REASON = """name || ' ' || period_label || rollup_word || ' ' || actual_text
    || case when cum_target then case when ceiling then '，按进度不超过 ' else '，按进度应达 ' end || expected_text
            else '，目标 ' || target_text end
    || '，' || status || '；'
    || case when cum_target and ceiling then case when needed < 0 then '已超出全期目标 ' || target_text
                 else '剩余 ' || months_left || ' 个月合计不超过 ' || needed_text || ' 才能达标' end
            when cum_target then case when needed <= 0 then '已完成全期目标 ' || target_text
                 else '还需 ' || needed_text || ' 才能达标（全期目标 ' || target_text || '）' end
            when pr_rollup = 'mean' and needed is not null and comparator not in ('growth', 'city_avg')
                then '剩余 ' || months_left || ' 个月平均需'
                     || case when ceiling then '不高于 ' else '达到 ' end || needed_text || ' 才能达标'
            else '期末需达到 ' || target_text end"""

# The judged figure in a verdict's reason: the month's value, or the period's rollup.
JUDGED_TEXT = "case when period_kind = 'month' then value_text else period_label || rollup_word || ' ' || actual_text end"


def texts(src: str, out: str) -> str:
    """CTEs named ``out``: ``src``'s rows (``judge.texts`` output) with the progress texts and,
    for quarterly and yearly rows, a reason about the period (its progress inside the period,
    its rollup in the verdict) instead of the month's figure."""
    return f"""{out}_pnum as (
    select *, {sql_value_text('actual', _TARGET_UOM)} as actual_text,
           {sql_value_text('expected', _TARGET_UOM)} as expected_text,
           {sql_value_text('needed', _TARGET_UOM)} as needed_text,
           {PERIOD_LABEL} as period_label, {ROLLUP_WORD} as rollup_word
    from {src}
),
{out}_ptext as (
    select *, {JUDGED_TEXT} as judged_text from {out}_pnum
),
{out} as (
    select * replace (
        case when status in ('进度正常', '进度滞后') then {PROGRESS_REASON}
             when period_kind <> 'month' then replace(reason, name || ' ' || value_text, name || ' ' || judged_text)
             else reason end as reason)
    from {out}_ptext
)"""


# Keys of the progress statuses in ``python -m etl judge --json`` (beside the verdicts' keys).
STATUS_KEYS = {"进度正常": "on_track", "进度滞后": "behind"}

_KIND_OF_FREQUENCY = {"monthly": "month", "quarterly": "quarter", "yearly": "year"}


def period_fields(row: Any) -> dict[str, Any]:
    """``period_kind`` and ``progress`` of a judged row, as ``python -m etl judge --json``
    prints them: ``progress`` is ``{"expected", "actual", "needed"}`` for rows inside their
    period (status 进度正常 / 进度滞后), else None.

    ``row`` is a mapping with the columns of ``COLUMNS`` and ``status``; a row with no judged
    value (未报) falls back to its indicator's ``frequency`` when the mapping has one."""
    kind = row.get("period_kind")
    if not isinstance(kind, str):
        kind = _KIND_OF_FREQUENCY.get(row.get("frequency"), "month")
    progress = None
    if row.get("status") in STATUS_KEYS:
        progress = {k: _number(row.get(k)) for k in ("expected", "actual", "needed")}
    return {"period_kind": kind, "progress": progress}


def _number(v: Any) -> float | None:
    if v is None or v != v:  # NaN from pandas
        return None
    return float(v)
