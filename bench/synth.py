"""Synthetic databases for the page benchmark, generated inside DuckDB (range() SQL, no pandas).

National scale: ~300 regions × 60 units × 40 indicators × 70 months ≈ 50 M observations.
Rows are inserted in (period, unit) order so DuckDB's zone maps skip other months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import store


@dataclass(frozen=True)
class Scale:
    regions: int          # districts (one extra city row is added)
    units: int            # units per region
    indicators: int
    months: int
    measures_per_unit: int = 5
    last_period: date = date(2026, 10, 1)

    @property
    def observations(self) -> int:
        return self.regions * self.units * self.indicators * self.months


NATIONAL = Scale(regions=300, units=60, indicators=40, months=70)
DEMO = Scale(regions=21, units=8, indicators=12, months=12)

# Comparators cycled over the indicator codes: 1 in 5 are relative to the city average.
_CATALOG_SQL = """
insert into region select 'city', '全国样例市', 'city', null, '样例市';
insert into region
select printf('r%03d', i), printf('样例区%03d', i), case when i % 10 = 0 then 'zone' else 'district' end,
       'city', printf('区%03d', i)
from range(1, $regions + 1) t(i);

insert into unit
select printf('r%03d.d%02d', r, d), printf('r%03d', r), printf('样例区%03d第%02d部门', r, d), printf('d%02d', d),
       printf('联络员%03d%02d', r, d), printf('1380000%02d%02d', r % 100, d)
from range(1, $regions + 1) a(r), range(0, $units) b(d);

insert into plan
select printf('p%02d', p), printf('样例行动方案%02d', p), '样例市营商环境办', 'city',
       date '2020-01-01', date '2020-01-01', date '2027-12-31'
from range(0, 4) t(p);

insert into measure
select printf('p%02d:m%d', m % 4, m), printf('p%02d', m % 4), printf('%d.', m), m, 'measure', null,
       printf('样例措施%03d', m)
from range(0, 200) t(m);

insert into measure_unit
select printf('p%02d:m%d', (u.rn * 7 + k * 41) % 200 % 4, (u.rn * 7 + k * 41) % 200), u.id,
       case when k = 0 then 'lead' else 'responsible' end
from (select id, row_number() over (order by id) as rn from unit) u, range(0, $measures) t(k);

insert into indicator
select printf('I%02d', i), printf('样例指标%02d', i),
       case i % 4 when 0 then '%' when 1 then '工作日' when 2 then '万元' else '件' end,
       case when i % 5 = 4 then 'city_avg' when i % 4 in (0, 2, 3) then '>=' else '<=' end,
       case i % 4 when 0 then 95 when 1 then 5 when 2 then 1000 else 50 end,
       case i % 4 when 2 then 900 else null end, 2023,
       case when i % 4 = 1 then 'lower_better' else 'higher_better' end,
       'monthly', 'latest', printf('p%02d', i % 4), printf('%d.', i), i % 2 = 0,
       case i % 4 when 0 then 2 when 1 then 1 else null end, null, null
from range(0, $indicators) t(i);

insert into indicator_target
select code, comparator, target, amber, date '2000-01-01', date '2024-12-31' from indicator;
insert into indicator_target
select code, comparator, case comparator when '<=' then target - 1 when 'city_avg' then 0 else target + 1 end,
       amber, date '2025-01-01', null from indicator;

insert into indicator_owner select i.code, u.id from indicator i, unit u;
"""

_FACTS_SQL = """
create temp table months as
select (date_trunc('month', $last::date) - to_months(($months - 1 - m)::int))::date as period, m
from range(0, $months) t(m);

create temp table units_n as select id, region, row_number() over (order by id) as n from unit;

-- ~2 % of returns missing, the rest accepted; hash() keeps the data repeatable
insert into submission (id, sha256, unit, region, period, status, version, is_current, uploader,
                        received_at, due_at, on_time, days_late, workdays_late, template_version,
                        catalog_version, n_errors, n_warnings)
select row_number() over (order by mo.period, u.n), md5(u.id || mo.period::varchar), u.id, u.region, mo.period,
       'accepted', 1, true, 'bench',
       (mo.period::timestamp + to_days(9 + (hash(u.id, mo.period) % 19)::int) + interval 10 hour) at time zone 'Asia/Shanghai',
       (mo.period::timestamp + interval 24 day + interval '23:59:59') at time zone 'Asia/Shanghai',
       9 + (hash(u.id, mo.period) % 19) <= 24,
       greatest(0, 9 + (hash(u.id, mo.period) % 19)::int - 24),
       greatest(0, 9 + (hash(u.id, mo.period) % 19)::int - 24),
       'bench', 'bench', 0, (hash(u.id, mo.period, 'w') % 20 = 0)::int
from months mo, units_n u
where hash(u.id, mo.period, 'm') % 50 <> 0
order by mo.period, u.n;

insert into observation
select s.id, s.unit, s.region, s.period, i.code,
       -- about 1 value in 10 misses a plain target (1 in 2 for city-average ones, by definition)
       round(i.target * case when i.direction = 'lower_better'
                             then 1.02 - (hash(s.id, i.code) % 1000) / 5000.0
                             else 0.98 + (hash(s.id, i.code) % 1000) / 5000.0 end, 2),
       null, printf('E%d', 4 + i.n), true, false
from submission s,
     (select code, target, direction, row_number() over (order by code) - 1 as n from indicator) i
order by s.period, s.unit, i.code;

insert into task_progress
select s.id, s.unit, s.period, mu.measure_key,
       case hash(s.id, mu.measure_key) % 10 when 0 then '滞后' when 1 then '未启动' when 2 then '已完成' else '推进中' end,
       (hash(s.id, mu.measure_key) % 100)::double, '按计划推进', null, null,
       4 + row_number() over (partition by s.id order by mu.measure_key), true
from submission s join measure_unit mu on mu.unit = s.unit
order by s.period, s.unit;

insert into finding
select s.id, 'W_OUTLIER', 'warning', '指标', 'E5', '本月值较上月变化超过50%，请核实', '核实后在备注中说明原因'
from submission s where s.n_warnings > 0;

insert into meta values ('catalog_version', 'bench') on conflict do nothing;
"""


def _fill(sql: str, params: dict[str, object]) -> str:
    # Generator-owned constants only (never user input), so textual substitution is safe here.
    for key, value in sorted(params.items(), key=lambda kv: -len(kv[0])):
        sql = sql.replace(f"${key}", f"'{value}'" if isinstance(value, date) else str(value))
    return sql


def build(path: Path, scale: Scale, threads: int = 1) -> Path:
    """Create a migrated database at ``path`` filled with synthetic data of ``scale``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for p in (path, path.with_suffix(path.suffix + ".wal")):
        p.unlink(missing_ok=True)
    store.migrate(path)
    params = {
        "regions": scale.regions, "units": scale.units, "indicators": scale.indicators,
        "months": scale.months, "measures": scale.measures_per_unit, "last": scale.last_period,
    }
    with store.write(path) as con:
        con.execute(f"set threads = {int(threads)}")
        con.execute(_fill(_CATALOG_SQL, params))
    with store.write(path) as con:
        con.execute(f"set threads = {int(threads)}")
        con.execute(_fill(_FACTS_SQL, params))
    return path


def months_back(scale: Scale) -> date:
    """First month of the synthetic history."""
    k = scale.last_period.year * 12 + scale.last_period.month - 1 - (scale.months - 1)
    return date(k // 12, k % 12 + 1, 1)
