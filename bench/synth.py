"""Synthetic databases for the benchmarks, built through the loader's own schema and catalog.

Why this shape: a benchmark database must be one the real system can keep using. It is
migrated with ``store.migrate``, its catalog tables are the real catalog's mirror
(``store.catalog_sync.sync_catalog``, so ``meta.catalog_version`` is the real version and the
app does not re-mirror and re-judge on start), the sequences the loader draws from
(``submission_id_seq``, ``receipt_id_seq``) are advanced past every synthetic id, and the
precomputed judgments are written by the project's own ``rules.stats.refresh``. A real
``python -m etl ingest`` into it therefore works (issue 18).

Synthetic regions are children of the real city region. Each clones one real template region
(``Scale.templates``, taken in turn): it gets a copy of every unit of the template (same dept,
``<region>.<dept>`` ids), the template units' indicator ownership, ``measure_unit`` rows and
target scope, so every synthetic return carries real indicator codes and real measures, as
many as the real units carry. Only units that own an indicator or share a measure send returns
(the roster rule); ~2 % of unit-months are missing. The real catalog's own units get no returns
unless ``Scale.real_units``: their unit-months stay free, so returns written by the real template
(bench/ingest.py, ``python -m etl ingest``) land in it as first versions in months that are
already full, the way a new month's returns meet a national database.

Values are plausible against the target in force (``indicator_target``, latest version by
``effective_from``): about 1 in 10 misses; growth targets are met on the baseline, city-average
ones are spread around a level (half miss by definition); yearly ``sum`` indicators report a
twelfth (a third for quarterly) of the target a month, cumulative ones the time-proportional
share. Counts are whole numbers, percentages at most 100.

National scale (``NATIONAL``): the real catalog's units own far fewer indicators than the old
synthetic 40 (a standard district: 5 reporting units of 16, 2.0 indicators and 3.0 measures per
return; 经开区 teda: 29 of 30 units, 2.0 indicators and 3.4 measures; the demo's units 1.9 and
5.2). Reaching the old ≈ 50 M observations over 70 months (300 regions × 60 units × 40
indicators) with real returns therefore needs ≈ 25 M returns: 20,700 synthetic regions,
alternately clones of the district ``heping`` and the zone ``teda`` (34 returns and 69
observations per pair a month): ≈ 350 k returns a month. That is about twice the ~170 k
returns of a real national month over ~7× the ~2,800 real county-level regions: heavier than
the real country in returns and region count, equal to the old benchmark in observations.
``TENTH`` / ``TWENTIETH`` keep the same mix at a fraction; ``DEMO`` is small enough for tests.

Not written: ``work_info`` (工作信息; no page hot path reads it at scale), ``audit_log`` rows of the
uploads and ``archived_file`` rows (one per received file in real use; 25 M random SHA-256 keys
took 5 min of a national build, so the loader's archive-row check meets a small table here).
``receipt`` rows are written, one per return.
Rows are inserted in (period, unit) order so DuckDB's zone maps skip other months.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import store


@dataclass(frozen=True)
class Scale:
    regions: int                      # synthetic regions (the real catalog's 22 regions come on top)
    months: int
    templates: tuple[str, ...] = ("heping", "teda")   # real regions cloned in turn
    last_period: date = date(2026, 10, 1)
    real_units: bool = False          # the real catalog's units get returns too

    def template_of(self, i: int) -> str:
        """Template region of synthetic region number ``i`` (1-based)."""
        return self.templates[(i - 1) % len(self.templates)]


NATIONAL = Scale(regions=20_700, months=70)
TENTH = Scale(regions=2_070, months=70)
TWENTIETH = Scale(regions=1_036, months=70)
DEMO = Scale(regions=20, months=12)

# Units and codes the page benchmarks look at: a clone of teda (the template with most to report).
SAMPLE_REGION = "s00002"
SAMPLE_UNIT = "s00002.zwfw"
SAMPLE_CODE = "common.online_rate"
SAMPLE_PLAN = "001"          # 经开区 plan, whose measures the teda clones share


CHUNK_MONTHS = 6          # months of returns per transaction
MEMORY_LIMIT = "6GB"      # DuckDB spills beyond this (the first national build was OOM-killed at 19.7 GB)


def _add_months(p: date, n: int) -> date:
    k = p.year * 12 + p.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def region_id(i: int) -> str:
    return f"s{i:05d}"


# --- catalog: the real mirror plus cloned regions ------------------------------------------

_CLONE_SQL = """
insert into region
select r.id, printf('合成%s%05d', case when t.kind = 'zone' then '园区' else '区' end, r.n), t.kind,
       (select id from region where kind = 'city' order by id limit 1), printf('合成%05d', r.n)
from synth_regions r join region t on t.id = r.template;

insert into unit
select r.id || '.' || u.dept, r.id,
       printf('合成%05d', r.n) || coalesce(nullif(replace(u.name, t.name, ''), u.name), u.name),
       u.dept, printf('联络员%05d%s', r.n, u.dept), printf('138%08d', (r.n * 37 + hash(u.dept) % 97) % 100000000)
from synth_regions r join unit u on u.region = r.template join region t on t.id = r.template;

insert into indicator_owner
select o.code, r.id || '.' || u.dept
from synth_regions r join unit u on u.region = r.template join indicator_owner o on o.unit = u.id;

insert into measure_unit
select m.measure_key, r.id || '.' || u.dept, m.role
from synth_regions r join unit u on u.region = r.template join measure_unit m on m.unit = u.id;

insert into target_scope
select s.code, s.effective_from, r.id
from synth_regions r join target_scope s on s.region = r.template;

insert into demo_contact select r.id || '.' || u.dept from synth_regions r join unit u on u.region = r.template
on conflict do nothing;
"""

# --- facts ----------------------------------------------------------------------------------

_FACTS_SQL = """
create or replace temp table months as
select (date_trunc('month', $last::date) - to_months(($months - 1 - m)::int))::date as period
from range(0, $months) t(m)
where (date_trunc('month', $last::date) - to_months(($months - 1 - m)::int))::date between $p0 and $p1;

-- units expected to report: they own an indicator or share a measure (real ones with $real_units)
create or replace temp table reporters as
select u.id, u.region
from unit u where u.id in (select unit from indicator_owner union select unit from measure_unit)
  and ($real_units or regexp_full_match(u.region, 's[0-9]{5}'));

create or replace temp table subs as
select $offset + row_number() over (order by mo.period, u.id) as id, u.id as unit, u.region, mo.period,
       (9 + hash(u.id, mo.period) % 19)::int as day, sha256(u.id || mo.period::varchar) as sha
from months mo, reporters u
where hash(u.id, mo.period, 'm') % 50 <> 0
order by mo.period, u.id;

insert into submission (id, sha256, unit, region, period, status, version, is_current, uploader,
                        received_at, due_at, on_time, days_late, workdays_late, template_version,
                        catalog_version, n_errors, n_warnings)
select id, sha, unit, region, period, 'accepted', 1, true, 'bench',
       (period::timestamp + to_days(day - 1) + interval 10 hour) at time zone 'Asia/Shanghai',
       (period::timestamp + interval 24 day + interval '23:59:59') at time zone 'Asia/Shanghai',
       day <= 25, greatest(0, day - 25), greatest(0, day - 25),
       $template_version, $catalog_version, 0, (hash(id, 'w') % 20 = 0)::int
from subs;

insert into receipt (id, sha256, original_name, uploader, received_at, outcome, submission_id)
select id, sha, unit || '-' || strftime(period, '%Y-%m') || '.xlsx', 'bench',
       (period::timestamp + to_days(day - 1) + interval 10 hour) at time zone 'Asia/Shanghai', 'accepted', id
from subs;

-- the target version in force per code and month (latest effective_from), and the cell row
-- of each code in its unit's return (codes in order, as the template lists them)
create or replace temp table target_month as
select mo.period, i.code, coalesce(t.comparator, i.comparator) as comparator, coalesce(t.value, i.target) as target,
       case when t.code is null then i.amber else t.amber end as amber,
       coalesce(td.baseline, i.baseline, 100) as baseline,
       i.direction, i.uom, i.frequency, i.rollup, coalesce(ip.report, 'month') as report
from months mo cross join indicator i
left join indicator_period ip on ip.code = i.code
asof left join indicator_target t on t.code = i.code and mo.period >= t.effective_from
left join target_detail td on td.code = t.code and td.effective_from = t.effective_from
where coalesce(i.effective_from, date '1900-01-01') <= mo.period
  and coalesce(i.effective_to, date '9999-12-31') >= mo.period;

create or replace temp table owned as
select unit, code, row_number() over (partition by unit order by code) as rn
from indicator_owner where unit in (select id from reporters);

create or replace temp table obs_src as
select s.id, s.unit, s.region, s.period, o.code, o.rn, tm.* exclude (period, code),
       (hash(s.id, o.code) % 1000) / 1000.0 as h
from subs s join owned o on o.unit = s.unit
join target_month tm on tm.code = o.code and tm.period = s.period;

insert into observation
select id, unit, region, period, code,
       case when uom in ('个', '家', '所', '人', '件', '项', '次', '人次') then round(v) else round(v, 2) end,
       null, 'E' || (3 + rn)::varchar, true, false
from (
    select *, case when uom = '%' then least(raw, 100) else greatest(raw, 0) end as v
    from (
        select *, case
            -- 1 in 10 on the wrong side (just), the rest past the target by 0.5-3 amber widths
            when comparator in ('>=', '>', '<=', '<') then t + sgn * case when h < 0.1
                then -(greatest(abs(t) * (0.005 + 0.1 * h), 0.01))
                else coalesce(amber, greatest(abs(t) * 0.05, 0.5)) * (0.5 + 2.5 * (h - 0.1) / 0.9) + 0.01 end
            when comparator = '=' then t + case when h < 0.1 then 1 else 0 end
            when comparator = 'growth' then baseline * (1 + (t + sgn * case when h < 0.1 then -(0.5 + 10 * h)
                else coalesce(amber, 1) * (0.5 + 2.5 * (h - 0.1) / 0.9) + 0.01 end) / 100)
            when comparator = 'city_avg' then case when uom = '%' then 80 + 15 * h else baseline * (0.9 + 0.2 * h) end
            else t end as raw
        from (
            select *, case
                when frequency <> 'monthly' and rollup = 'sum' and report = 'month'
                    then target / case frequency when 'quarterly' then 3 else 12 end
                when frequency <> 'monthly' and report = 'cumulative'
                    then target * case frequency
                        when 'quarterly' then ((month(period) - 1) % 3 + 1) / 3.0
                        else month(period) / 12.0 end
                else target end as t,
                case when comparator in ('<=', '<') or (comparator = 'growth' and direction = 'lower_better')
                     then -1 else 1 end as sgn
            from obs_src
        )
    )
)
order by period, unit, code;

insert into task_progress
select s.id, s.unit, s.period, mu.measure_key,
       case hash(s.id, mu.measure_key) % 10 when 0 then '滞后' when 1 then '未启动' when 2 then '已完成' else '推进中' end,
       (hash(s.id, mu.measure_key) % 100)::double, '按计划推进', null, null,
       3 + row_number() over (partition by s.id order by mu.measure_key), true
from subs s join (select distinct measure_key, unit from measure_unit) mu on mu.unit = s.unit
order by s.period, s.unit, mu.measure_key;

insert into finding
select id, 'W_OUTLIER', 'warning', '指标', 'E4', '本月值较上月变化超过50%，请核实', '核实后在备注中说明原因'
from subs where hash(id, 'w') % 20 = 0;
"""


def _fill(sql: str, params: dict[str, object]) -> str:
    # Generator-owned constants only (never user input), so textual substitution is safe here.
    for key, value in sorted(params.items(), key=lambda kv: -len(kv[0])):
        sql = sql.replace(f"${key}", f"'{value}'" if isinstance(value, (date, str)) else str(value))
    return sql


def _statements(sql: str) -> list[str]:
    """The script's statements (no ';' inside the generator's literals), for timing each."""
    return [s for s in sql.split(";\n") if s.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in s.splitlines())]


def _restart(con: Any, sequence: str, table: str, start: int) -> None:
    """Make ``sequence`` (the default of ``table.id``) hand out ``start`` next. DuckDB has no
    setval and drawing 25 M values takes minutes, so the sequence is re-created with the same
    name and the column default re-attached, as migration 0001 declares it."""
    con.execute(f"alter table {table} alter column id drop default")
    con.execute(f"drop sequence {sequence}")
    con.execute(f"create sequence {sequence} start with {int(start)}")
    con.execute(f"alter table {table} alter column id set default nextval('{sequence}')")


def build(path: Path, scale: Scale, threads: int = 2, refresh: bool = True, catalog: Any = None,
          progress: Any = None) -> Path:
    """Create a migrated database at ``path``: the real catalog, ``scale.regions`` cloned regions,
    ``scale.months`` months of returns, sequences advanced and (``refresh``) judgments stored."""
    from etl.template import TEMPLATE_VERSION
    from indicators import load_catalog
    from store.catalog_sync import refresh_candidate_units, sync_catalog

    say = progress or (lambda _msg: None)
    cat = catalog or load_catalog()
    missing = [t for t in scale.templates if t not in cat.regions]
    if missing:
        raise ValueError(f"template regions not in the catalog: {missing}")
    path.parent.mkdir(parents=True, exist_ok=True)
    for p in (path, path.with_suffix(path.suffix + ".wal")):
        p.unlink(missing_ok=True)
    store.migrate(path)
    with store.write(path) as con:
        con.execute(f"set threads = {int(threads)}")
        sync_catalog(con, cat)
        con.execute("create temp table synth_regions (n integer, id varchar, template varchar)")
        con.execute("insert into synth_regions select i, printf('s%05d', i), list_extract(?::varchar[], "
                    "((i - 1) % ?)::integer + 1) from range(1, ? + 1) t(i)",
                    [list(scale.templates), len(scale.templates), scale.regions])
        con.execute(_CLONE_SQL)
        refresh_candidate_units(con)  # the cloned units are owners too
    say("catalog mirrored and regions cloned")
    params = {"months": scale.months, "last": scale.last_period, "real_units": bool(scale.real_units),
              "template_version": TEMPLATE_VERSION, "catalog_version": cat.version}
    offset = 0
    first = months_back(scale)
    for k in range(0, scale.months, CHUNK_MONTHS):  # one transaction per chunk: bounded memory
        p0, p1 = _add_months(first, k), _add_months(first, min(k + CHUNK_MONTHS, scale.months) - 1)
        with store.write(path) as con:
            con.execute(f"set threads = {int(threads)}")
            con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
            con.execute("set preserve_insertion_order = true")
            for statement in _statements(_fill(_FACTS_SQL, params | {"p0": p0, "p1": p1, "offset": offset})):
                t = time.perf_counter()
                con.execute(statement)
                took = time.perf_counter() - t
                if took > 1:
                    say(f"  {took:6.1f} s  {statement.strip().splitlines()[-1][:60]}")
            offset += con.execute("select count(*) from subs").fetchone()[0]
        say(f"returns of {p0:%Y-%m} … {p1:%Y-%m} written ({offset:,} so far)")
    with store.write(path) as con:  # the loader's ids start after the synthetic ones
        _restart(con, "submission_id_seq", "submission", offset + 1)
        _restart(con, "receipt_id_seq", "receipt", offset + 1)
        top = con.execute("select coalesce(max(id), 0) from submission").fetchone()[0]
        if con.execute("select nextval('submission_id_seq')").fetchone()[0] <= top:
            raise RuntimeError("submission_id_seq not past the synthetic ids")
    say("returns written, sequences advanced")
    if refresh:
        refresh_all(path, threads, say)
    with store.write(path) as con:
        con.execute("checkpoint")
    return path


def refresh_all(path: Path, threads: int = 2, say: Any = None) -> None:
    """Store every month's judgments with ``rules.stats.refresh``, one year per transaction
    (oldest first: a month's streak reads the stored months before it). ``refresh(con, [Jan])``
    redoes exactly that January and the rest of its year."""
    from rules import stats

    with store.read(path) as con:
        years = [r[0] for r in con.execute(
            "select distinct year(period) from submission where period is not null order by 1").fetchall()]
        first = con.execute("select min(period) from submission").fetchone()[0]
    for y in years:
        start = max(date(y, 1, 1), first) if first else date(y, 1, 1)
        with store.write(path) as con:
            con.execute(f"set threads = {int(threads)}")
            stats.refresh(con, [start])
        if say:
            say(f"judged {y}")


def months_back(scale: Scale) -> date:
    """First month of the synthetic history."""
    k = scale.last_period.year * 12 + scale.last_period.month - 1 - (scale.months - 1)
    return date(k // 12, k % 12 + 1, 1)


def summary(path: Path) -> dict[str, Any]:
    """Counts that say what a built database holds (for READY files and result tables)."""
    with store.read(path) as con:
        def one(sql: str) -> object:
            return con.execute(sql).fetchone()[0]

        return {
            "observations": one("select count(*) from observation"),
            "submissions": one("select count(*) from submission"),
            "judged": one("select count(*) from judged_observation"),
            "regions": one("select count(*) from region"),
            "units": one("select count(*) from unit"),
            "months": one("select count(distinct period) from submission"),
            "max_submission_id": one("select max(id) from submission"),
            "catalog_version": store.get_meta(con, "catalog_version"),
            "fresh_months": one("select count(*) from unit_month_stats_state"),
            "mib": round(path.stat().st_size / 2**20),
        }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import sys

    ap = argparse.ArgumentParser(description="生成与导入程序兼容的合成数据库")
    ap.add_argument("db", type=Path)
    ap.add_argument("--scale", choices=["national", "tenth", "twentieth", "demo"], default="demo")
    ap.add_argument("--regions", type=int, help="合成区域数（覆盖 --scale）")
    ap.add_argument("--months", type=int)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--real-units", action="store_true", help="目录中的真实单位也生成月报")
    ap.add_argument("--no-refresh", action="store_true", help="不预先计算判定（页面走实时判定）")
    args = ap.parse_args(argv)
    scale = {"national": NATIONAL, "tenth": TENTH, "twentieth": TWENTIETH, "demo": DEMO}[args.scale]
    if args.regions or args.months:
        scale = Scale(args.regions or scale.regions, args.months or scale.months, scale.templates, scale.last_period)
    if args.real_units:
        scale = Scale(scale.regions, scale.months, scale.templates, scale.last_period, real_units=True)
    t0 = time.perf_counter()
    build(args.db, scale, args.threads, not args.no_refresh,
          progress=lambda m: print(f"[{time.perf_counter() - t0:7.1f} s] {m}", file=sys.stderr, flush=True))
    info = summary(args.db) | {"build_s": round(time.perf_counter() - t0, 1), "scale": scale.__dict__ | {
        "last_period": scale.last_period.isoformat()}}
    print(json.dumps(info, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    import sys

    ROOT = Path(__file__).resolve().parents[1]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
