"""Precomputed judgments and monthly attainment per unit (migration 0003).

The overview aggregates over every unit and many months; judging tens of millions of values
on each page view is too slow, so the loader calls ``refresh`` for the months it touched:
``judged_observation`` keeps every current value with its verdict, ``unit_month_stats`` the
counts per unit and month.
A period's stats are used only while its fingerprint (max submission id, number of
submissions, catalog version) still matches; otherwise the same figures are computed live
from ``judge.JUDGED``, so a missed refresh costs speed, never correctness.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import store
from rules import judge, month_counts, period
from store import catalog_sync

LIVE = f"""
with {judge.JUDGED}
select period, unit, region,
       count(*) filter (where status in ('达标', '预警', '未达标')) as reported,
       count(*) filter (where status in ('达标', '预警')) as met,
       count(*) filter (where status = '预警') as amber,
       count(*) filter (where status = '未达标') as failed,
       null::integer as streak3
from judged group by period, unit, region
"""

_AGGREGATE = """
select period, unit, region,
       count(*) filter (where status in ('达标', '预警', '未达标')) as reported,
       count(*) filter (where status in ('达标', '预警')) as met,
       count(*) filter (where status = '预警') as amber,
       count(*) filter (where status = '未达标') as failed,
       count(*) filter (where status = '未达标' and streak >= 3) as streak3
from judged_observation where period = $p /*units*/ group by period, unit, region
"""

STORED = """
select period, unit, region, reported, met, amber, failed, streak3 from unit_month_stats
where period between $p0 and $p1
  and ($region is null or region = $region)
  and ($unit is null or unit = $unit)
"""


def is_fresh(con: Any, p0: date, p1: date) -> bool:
    """True when every month of [p0, p1] was refreshed since its last change."""
    return judge.all_fresh(con, p0, p1)


def unit_month_source(con: Any, p0: date, p1: date, region: str | None, unit: str | None) -> tuple[str, dict]:
    """SQL (a relation: period, unit, region, reported, met, amber, failed) and its parameters."""
    prm = judge.params(p0, p1, region, unit)
    if is_fresh(con, p0, p1):
        return STORED, prm
    return LIVE, prm


# The month's verdicts with their streak: JUDGED_LIVE over [$p0 = month - 2, $p1 = month]
# judges the month live (its state row is deleted first) and reads the two before from the
# table when they are fresh.
_JUDGE_MONTH = f"""
with {judge.JUDGED_LIVE},
fails as (
    select unit, code,
           bool_or(period = $p1) as f0,
           bool_or(period = ($p1::date - interval 1 month)::date) as f1,
           bool_or(period = $p0) as f2
    from judged where status = '未达标' group by unit, code
)
select {', '.join('j.' + c.strip() for c in judge.COLUMNS.split(','))},
       case when f.f0 then case when f.f1 then case when f.f2 then 3 else 2 end else 1 end else 0 end
           as streak,
       j.value_text, j.target_text, j.reason, {', '.join('j.' + c.strip() for c in period.COLUMNS.split(','))}
from judged j left join fails f on f.unit = j.unit and f.code = j.code
where j.period = $p1
order by j.unit, j.code
"""


# Several months at once (``refresh_batch``): the live chain over [$p0 = first month - 2, $p1 =
# last month], limited to the re-judged units and codes (``judge.scoped``); each row's streak
# from the same unit and code one and two months before. /*months*/ lists the months written.
_JUDGE_SPAN = f"""
with {judge.JUDGED_LIVE},
fails as (
    select distinct unit, code, period from judged where status = '未达标'
)
select {', '.join('j.' + c.strip() for c in judge.COLUMNS.split(','))},
       case when f0.unit is null then 0 when f1.unit is null then 1 when f2.unit is null then 2 else 3 end
           as streak,
       j.value_text, j.target_text, j.reason, {', '.join('j.' + c.strip() for c in period.COLUMNS.split(','))}
from judged j
left join fails f0 on f0.unit = j.unit and f0.code = j.code and f0.period = j.period
left join fails f1 on f1.unit = j.unit and f1.code = j.code and f1.period = (j.period - interval 1 month)::date
left join fails f2 on f2.unit = j.unit and f2.code = j.code and f2.period = (j.period - interval 2 month)::date
where j.period in (/*months*/)
order by j.period, j.unit, j.code
"""


def _add_months(p: date, n: int) -> date:
    k = p.year * 12 + p.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def _reach(p: date) -> list[date]:
    """``p`` and the later months a change in ``p`` can alter for the same unit: streaks reach
    two months ahead, quarterly/yearly rollups (``rules.period``) to the end of the year."""
    return [_add_months(p, k) for k in range(max(3, 13 - p.month))]


def _stamp(con: Any, p: date) -> None:
    """Store the month's current fingerprint: its stored judgments match the data."""
    con.execute("delete from unit_month_stats_state where period = $p", {"p": p})
    fp = con.execute(judge.fingerprints_sql(), {"p0": p, "p1": p}).fetchone()[1]
    con.execute("insert into unit_month_stats_state values ($p, $fp)", {"p": p, "fp": fp})


def _refresh_month(con: Any, p: date) -> int:
    """Re-judge every row of month ``p``; returns the number of unit rows written."""
    con.execute("delete from unit_month_stats where period = $p", {"p": p})
    con.execute("delete from unit_month_stats_state where period = $p", {"p": p})
    con.execute("delete from judged_observation where period = $p", {"p": p})
    con.execute(f"insert into judged_observation ({judge.COLUMNS}, streak, value_text, target_text, reason, "
                f"{period.COLUMNS})"
                f" {_JUDGE_MONTH}", judge.params(_add_months(p, -2), p))
    con.execute(f"insert into unit_month_stats {_AGGREGATE}", {"p": p})
    written = con.execute("select count(*) from unit_month_stats where period = $p", {"p": p}).fetchone()[0]
    _stamp(con, p)
    return written


def _refresh_span(con: Any, months: list[date], units: set[str], codes: set[str]) -> int:
    """Re-judge, in ``months``, the rows of ``units`` (every code) and of ``codes`` (every unit)
    in ONE query, and the stats of the units those rows belong to; the other rows are kept.
    Only for months that were fresh before the change (``refresh_batch``).

    One execution of the live chain for the whole span, not one per month: planning it costs
    more than judging a chunk's rows. A row of these units or codes that did not change is
    judged again to the same verdict (the live chain is what a full refresh stores)."""
    months = sorted(months)
    mnames, mprm = judge.named_list("m", months)
    con.execute(f"delete from unit_month_stats_state where period in ({mnames})", mprm)  # judged live
    cond, prm = judge.scoped("/*scope:*/", sorted(units), sorted(codes))
    con.execute(f"delete from judged_observation where period in ({mnames}) {cond}", mprm | prm)
    sql, prm = judge.scoped(_JUDGE_SPAN.replace("/*months*/", mnames), sorted(units), sorted(codes))
    con.execute(f"insert into judged_observation ({judge.COLUMNS}, streak, value_text, target_text, reason, "
                f"{period.COLUMNS}) {sql}", judge.params(_add_months(months[0], -2), months[-1]) | mprm | prm)
    affected = set(units)
    if codes:
        names, prm = judge.named_list("c", sorted(codes))
        affected |= {r[0] for r in con.execute(
            f"select distinct unit from judged_observation where period in ({mnames}) and code in ({names})",
            mprm | prm).fetchall()}
    written = 0
    if affected:
        names, prm = judge.named_list("u", sorted(affected))
        con.execute(f"delete from unit_month_stats where period in ({mnames}) and unit in ({names})", mprm | prm)
        agg = _AGGREGATE.replace("where period = $p", f"where period in ({mnames})")
        con.execute(f"insert into unit_month_stats {agg.replace('/*units*/', f'and unit in ({names})')}",
                    mprm | prm)
        written = con.execute(f"select count(*) from unit_month_stats where period in ({mnames})"
                              f" and unit in ({names})", mprm | prm).fetchone()[0]
    for p in months:
        _stamp(con, p)
    return written


def refresh(con: Any, periods: list[date] | None = None) -> int:
    """Recompute the stored judgments and stats of ``periods`` (every month with submissions
    when None) in the caller's transaction; returns the number of unit × month rows written.

    Streaks reach two months ahead and quarterly/yearly rows to the end of the year
    (``rules.period``), so those later months are redone too when they have data. Months are
    processed oldest first."""
    months = _months_with_data(con)
    wanted = set(months) if periods is None else {
        m for p in periods for m in _reach(date(p.year, p.month, 1))} & (months | set(periods))
    written = sum(_refresh_month(con, p) for p in sorted(wanted))
    month_counts.refresh(con, sorted(wanted | set(periods or [])), only_stale=True)
    return written


def _months_with_data(con: Any, among: list[date] | None = None) -> set[date]:
    """Months with submissions (``among`` these: one placeholder each, pushed down to PostgreSQL)."""
    if among is None:
        return {r[0] for r in con.execute(
            "select distinct period from submission where period is not null").fetchall()}
    if not among:
        return set()
    return {r[0] for r in con.execute(
        f"select distinct period from submission where period in ({store.placeholders(len(among))})",
        among).fetchall()}


def _city_avg_codes(con: Any) -> set[str]:
    """Codes judged against the city average in some target version (a superset is safe)."""
    return {r[0] for r in con.execute(
        "select code from indicator_target where comparator = 'city_avg'"
        " union select code from indicator where comparator = 'city_avg'").fetchall()}


def _fingerprints(con: Any, months: list[date], ids: list[int] | None = None) -> dict[date, str]:
    sql, prm = judge.fingerprints_excluding_sql(ids or [])
    return {r[0]: r[1] for r in con.execute(sql, {"p0": min(months), "p1": max(months)} | prm).fetchall()}


def refresh_batch(con: Any, submission_ids: list[int]) -> int:
    """``refresh_judgments_batch``, then the batch's part of the counts kept per month
    (``rules.month_counts.refresh_batch``), in the caller's transaction."""
    written = refresh_judgments_batch(con, submission_ids)
    month_counts.refresh_batch(con, submission_ids)
    return written


def refresh_judgments_batch(con: Any, submission_ids: list[int]) -> int:
    """Bring the stored judgments up to date after the new submissions ``submission_ids``
    (accepted and rejected) were written, re-judging only what they can change; in the
    caller's transaction. Returns the number of unit × month stats rows written.

    What a new current return of unit U for month M changes: U's rows of M; U's later months
    that its streaks (2 months) and quarterly/yearly rollups (to December) reach; and, for a
    ``city_avg`` code U reports, the city average of M, hence every unit's rows of that code
    in M and the two months its streak reaches. Office references, baselines and targets do
    not change with a return (their writers refresh on their own).

    A month is re-judged in part only when it was fresh before these submissions: its stored
    fingerprint equals the fingerprint computed as if they did not exist. Otherwise (a bulk
    load without refresh, another importer's returns in between) the whole month is redone,
    as ``refresh`` does. A month another importer already refreshed with these submissions
    is left alone. Every month handled gets its new fingerprint."""
    ids = sorted(set(submission_ids))
    if not ids:
        return 0
    rows = con.execute(
        f"select unit, period, status from submission where id in ({store.placeholders(len(ids))})"
        " and period is not null", ids).fetchall()
    touched: dict[date, set[str]] = {}
    moved: set[date] = set()  # months whose fingerprint counts these submissions
    for unit, p, status in rows:
        moved |= {_add_months(p, k) for k in range(13 - p.month)}
        if status == "accepted":
            touched.setdefault(p, set()).add(unit)
    units_at: dict[date, set[str]] = {}
    codes_at: dict[date, set[str]] = {}
    city = sorted(_city_avg_codes(con))
    for p, units in touched.items():
        for m in _reach(p):
            units_at.setdefault(m, set()).update(units)
        if city:
            codes = {r[0] for r in con.execute(  # old and new versions: a dropped value counts too
                f"select distinct code from observation where period = ? and unit in ({store.placeholders(len(units))})"
                f" and code in ({store.placeholders(len(city))})", [p, *sorted(units), *city]).fetchall()}
            for k in range(3):
                codes_at.setdefault(_add_months(p, k), set()).update(codes)
    todo = sorted(_months_with_data(con, sorted(moved | set(units_at) | set(codes_at))))
    if not todo:
        return 0
    now = _fingerprints(con, todo)
    before = _fingerprints(con, todo, ids)
    state = {r[0]: r[1] for r in con.execute(
        "select period, fingerprint from unit_month_stats_state where period between ? and ?",
        [todo[0], todo[-1]]).fetchall()}
    plan: dict[date, str] = {}
    for p in todo:
        if p in moved and state.get(p) == now[p]:
            continue  # refreshed already, with these submissions (another importer)
        if state.get(p) != (before[p] if p in moved else now[p]):
            plan[p] = "whole"  # stale before: only the whole month is safe
        else:
            plan[p] = "part" if units_at.get(p) or codes_at.get(p) else "stamp"
    if "whole" in plan.values():  # month by month, oldest first: each reads the one before
        written = 0
        for p, how in plan.items():
            if how == "whole":
                written += _refresh_month(con, p)
            elif how == "part":
                written += _refresh_span(con, [p], units_at.get(p, set()), codes_at.get(p, set()))
            else:
                _stamp(con, p)
        return written
    part = [p for p, how in plan.items() if how == "part"]
    for p, how in plan.items():
        if how == "stamp":
            _stamp(con, p)  # only rejected returns: nothing to re-judge
    if not part:
        return 0
    return _refresh_span(con, part, set().union(*(units_at.get(p, set()) for p in part)),
                         set().union(*(codes_at.get(p, set()) for p in part)))


def refresh_db(db: Any = None, periods: list[date] | None = None) -> int:
    """``refresh`` in its own write transaction (for a CLI step or a loader without one open)."""
    with store.write(db) as con:
        return refresh(con, periods)


def carry_stamps(con: Any, old_version: str, new_version: str) -> int:
    """Re-stamp the months that were fresh under catalog ``old_version`` for ``new_version``,
    when the new version changed nothing the judgments read (only unmirrored files such as
    the scoring rules). A month's fingerprint ends in the catalog version (``judge``); without
    this every month would turn stale, the pages would judge live and the next import would
    re-judge whole months. Returns the number of months carried over."""
    rows = con.execute("select period, fingerprint from unit_month_stats_state").fetchall()
    suffix = "-" + old_version
    carried = [(fp.removesuffix(suffix) + "-" + new_version, p) for p, fp in rows if fp.endswith(suffix)]
    for fp, p in carried:
        con.execute("update unit_month_stats_state set fingerprint = ? where period = ?", [fp, p])
    month_counts.refresh(con, only_stale=True)  # their fingerprints name the catalog version too
    return len(carried)


def ensure_catalog(db: Any = None, catalog: Any = None) -> bool:
    """Mirror the catalog if its version changed and, in the same transaction, re-judge every
    stored month (targets may have changed); a version that changed only the scoring rules
    keeps the stored judgments fresh (``carry_stamps``). Returns True when it wrote."""
    return catalog_sync.ensure_catalog(db, catalog, after_sync=refresh, after_version=carry_stamps)
