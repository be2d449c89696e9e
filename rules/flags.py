"""Red-flag rules (红旗预警), one place, no Streamlit.

Eight rules, all evaluated in one DuckDB query for a month:

* 未达标 — a value worse than the target in force that month (``judge.JUDGED``);
* 预警 — passing, but inside the amber band next to the target;
* 进度滞后 — a quarterly or yearly target behind its schedule inside its period
  (``rules.period``; amber, never 未达标 before the period ends);
* 逾期未报 — no accepted return once the deadline (``rules.deadline.due_at``) has passed;
* 迟报 — the current accepted return arrived after the deadline (days late from the row);
* 任务滞后 — a measure reported with status 滞后;
* 连续三个月未达标 — the same indicator of the same unit failed this month and the two before;
* 数据存疑 — validation warnings (``finding``) on the current return.

Every flag carries a Chinese reason and its evidence: submission id and version, sheet, cell.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from rules import judge, returns
from rules.query import id_span, run

FLAG_TYPES = ["未达标", "连续三个月未达标", "逾期未报", "预警", "进度滞后", "迟报", "任务滞后", "数据存疑"]
SEVERITY = {"未达标": "高", "连续三个月未达标": "高", "逾期未报": "高", "预警": "中", "进度滞后": "中", "迟报": "中",
            "任务滞后": "中", "数据存疑": "低"}

_ORDER = " ".join(f"when '{f}' then {i}" for i, f in enumerate(FLAG_TYPES))
_SEV = " ".join(f"when '{f}' then '{s}'" for f, s in SEVERITY.items())

_FLAGS = f"""
with {judge.JUDGED_INLINE},
{returns.RETURNS},
month_rows as (
    select * from judged where period = $p1 and status in ('未达标', '预警', '进度滞后')
      and ($all_units or unit = any($units))
    order by status desc, region, unit, code
    limit $limit
),
indicator_flags as (
    select status as flag, unit, period, code as subject, name as subject_name,
           reason, submission_id, '指标' as sheet, cell
    from month_rows
),
streak_keys as (
    select * from ({judge.STREAK_KEYS}) where $all_units or unit = any($units)
    order by unit, code limit $limit
),
streak_rows as (
    select j.* from judged j semi join streak_keys k on k.unit = j.unit and k.code = j.code
),
streaks as (
    select unit, code, any_value(name) as name,
           string_agg(month(period) || '月 ' || value_text, '、' order by period) as history,
           arg_max(submission_id, period) as submission_id, arg_max(cell, period) as cell,
           arg_max(target_text, period) as target_text
    from streak_rows
    group by unit, code
),
streak_flags as (
    select '连续三个月未达标' as flag, unit, $p1::date as period, code as subject, name as subject_name,
           name || ' 连续三个月未达标：' || history || '，目标 ' || target_text as reason,
           submission_id, '指标' as sheet, cell
    from streaks
),
return_flags as (
    select status as flag, unit, period, '' as subject, '月度报表' as subject_name,
           case status
               when '逾期未报' then year(period) || '年' || month(period) || '月报表逾期未报（截止 '
                   || strftime(due_at, '%m月%d日 %H:%M') || '），已逾期 '
                   || greatest(date_diff('day', due_at::date, $now::date), 0) || ' 天'
               else year(period) || '年' || month(period) || '月报表迟报 ' || days_late || ' 天（'
                   || workdays_late || ' 个工作日），' || strftime(received_at, '%m月%d日 %H:%M') || ' 报送'
           end as reason,
           submission_id, null as sheet, null as cell
    from returns where status in ('逾期未报', '迟报')
    -- at most $limit, in the order of the final cut (severity, type, region, unit)
    order by case status when '逾期未报' then 0 else 1 end, region, unit
    limit $limit
),
task_flags as (
    select '任务滞后' as flag, t.unit, t.period, t.measure_key as subject, m.title as subject_name,
           '任务「' || m.title || '」（方案' || m.plan || ' ' || m.number || '）进展滞后'
               || coalesce('，完成 ' || round(t.pct, 0)::integer || '%', '')
               || coalesce('：' || nullif(t.problems, ''), '') as reason,
           t.submission_id, '任务进展' as sheet, 'E' || t.row_no as cell
    from task_progress t join measure m on m.key = t.measure_key join unit u on u.id = t.unit
    where t.is_current and t.status = '滞后' and t.period = $p1
      and ($unit is null or t.unit = $unit)
      and ($region is null or u.region = $region)
      and ($all_units or t.unit = any($units))
    order by u.region, t.unit, t.measure_key
    limit $limit
),
warned as (
    select s.id, s.unit, s.period from submission s
    where s.status = 'accepted' and s.is_current and s.period = $p1
      and ($unit is null or s.unit = $unit)
      and ($region is null or s.region = $region)
      and ($all_units or s.unit = any($units))
),
warning_flags as (
    select '数据存疑' as flag, s.unit, s.period, f.code as subject, '数据校验' as subject_name,
           f.message || coalesce('（' || nullif(f.hint, '') || '）', '') as reason,
           s.id as submission_id, f.sheet, f.cell
    from finding f join warned s on s.id = f.submission_id join unit u on u.id = s.unit
    where f.severity = 'warning' and {id_span('f.submission_id', 'warned')}
    order by u.region, s.unit, f.code, f.sheet, f.cell
    limit $limit
),
all_flags as (
    select * from indicator_flags
    union all select * from streak_flags
    union all select * from return_flags
    union all select * from task_flags
    union all select * from warning_flags
),
final as (
    select a.flag, case a.flag {_SEV} end as severity, a.unit, u.name as unit_name, u.region,
           r.name as region_name, a.period, a.subject, a.subject_name, a.reason, a.submission_id,
           s.version, a.sheet, a.cell,
           case when a.submission_id is null then ''
                else '报送编号 ' || a.submission_id || coalesce(' 第' || s.version || '版', '')
                     || coalesce(' · ' || a.sheet || coalesce('!' || a.cell, ''), '') end as evidence
    from all_flags a
    left join unit u on u.id = a.unit
    left join region r on r.id = u.region
    left join (select id, version from submission where period between $p0 and $p1) s
           on s.id = a.submission_id
)
"""


def _params(period: date, now: datetime, unit: str | None, region: str | None,
            limit: int | None = None) -> dict[str, Any]:
    p1 = date(period.year, period.month, 1)
    p0 = returns.add_months(p1, -2)
    # judged spans three months (for the streak rule); returns only the month itself
    prm = judge.params(p0, p1, region, unit) | returns.params(p1, p1, now, region, unit)
    prm["p0"] = p0
    prm["limit"] = None if limit is None else int(limit)
    return prm


def _run(db: Any, sql: str, prm: dict[str, Any]) -> pd.DataFrame:
    return run(db, sql, prm)


_SELECT = returns.for_units(_FLAGS) + f"""
select * from final
where $all_units or unit = any($units)
order by case severity when '高' then 0 when '中' then 1 else 2 end, case flag {_ORDER} end,
         region, unit, subject, sheet, cell
limit $limit
"""

_COUNTS = f"""
with {judge.JUDGED},
{returns.RETURNS},
warned as (
    select s.id from submission s
    where s.status = 'accepted' and s.is_current and s.period = $p1
      and ($unit is null or s.unit = $unit)
      and ($region is null or s.region = $region)
),
counted as (
    select status as flag, count(*) as n from judged
    where period = $p1 and status in ('未达标', '预警', '进度滞后') group by status
    union all
    select '连续三个月未达标', count(*) from ({judge.STREAK_KEYS})
    union all
    select status, count(*) from return_status where status in ('逾期未报', '迟报') group by status
    union all
    select '任务滞后', count(*) from task_progress t
    where t.is_current and t.status = '滞后' and t.period = $p1
      and ($unit is null or t.unit = $unit)
      and ($region is null or t.unit in (select id from unit where region = $region))
    union all
    select '数据存疑', count(*) from finding f join warned s on s.id = f.submission_id
    where f.severity = 'warning' and {id_span('f.submission_id', 'warned')}
)
select flag, sum(n)::bigint as n from counted where n > 0 group by flag order by case flag {_ORDER} end
"""


def _units(units: list[str] | None) -> dict[str, Any]:
    """SQL parameters for a unit filter: ``None`` reads every unit."""
    return {"all_units": units is None, "units": list(units or [""])}


def red_flags(db: Any, period: date, now: datetime, unit: str | None = None,
              region: str | None = None, limit: int | None = None,
              units: list[str] | None = None) -> pd.DataFrame:
    """The red flags of ``period``, worst first, optionally for one unit or region and only
    for ``units`` (``None``: all).

    ``limit`` caps the rows (a national month can have hundreds of thousands of flags;
    each rule then contributes at most ``limit`` rows before the final cut)."""
    return _run(db, _SELECT, _params(period, now, unit, region, limit) | _units(units))


def flag_counts(db: Any, period: date, now: datetime, region: str | None = None,
                unit: str | None = None) -> pd.DataFrame:
    """How many flags of each type ``period`` has (types without flags are left out)."""
    return _run(db, _COUNTS, _params(period, now, unit, region))
