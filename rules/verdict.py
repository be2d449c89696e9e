"""One verdict per unit × indicator in force, with its reference and its evidence.

The dashboard's evidence panel and ``python -m etl judge --json`` read the same rows: the
judged chain (``judge.JUDGED``, the one definition of the verdicts) joined to the units that
owe the indicator that month (so a value never sent is 未报 / missing), to the target version
in force for the unit's region and where it comes from (plan, measure number, clause, the
plan's words), and to the return the value came from (file name, SHA-256, version, uploader,
time received, sheet and cell). ``record`` turns a row into the JSON contract of issue 11;
other keys (e.g. a frequency's ``period_kind`` / ``progress``) are added to that one dict.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from rules import judge
from rules import period as period_rules
from rules.format import is_missing
from rules.query import run
from rules.returns import sql_local
from rules.roster import EXPECTED_UNITS

# every status a verdict row can carry, as the JSON names it
STATUS_KEYS = judge.STATUS_KEYS | period_rules.STATUS_KEYS

TZ = ZoneInfo("Asia/Shanghai")
SHEET = "指标"

VERDICTS = f"""
with {judge.JUDGED},
{EXPECTED_UNITS},
wanted as (
    -- who owes which indicator this month: owners on the roster × indicators collected
    select o.unit, u.name as unit_name, u.region, o.code, tm.period
    from indicator_owner o
    join unit u on u.id = o.unit
    join target_month tm on tm.code = o.code and tm.period = $p1
    where o.unit in (select unit from expected_units)
      and ($unit is null or o.unit = $unit)
      and ($region is null or u.region = $region)
      and ($code is null or o.code = $code)
),
rows as (
    select w.unit, w.unit_name, w.region, w.code, w.period, i.name, i.uom, i.direction,
           j.value, j.cell, j.submission_id,
           coalesce(j.status, '未报') as status,
           coalesce(j.reason, i.name || ' 本月未填报') as reason, j.value_text,
           coalesce(j.comparator, tr.comparator) as comparator,
           coalesce(j.target, tr.target) as target,
           coalesce(j.target_from, tr.effective_from) as target_from,
           j.target_text, j.city_avg, j.baseline, j.ref_kind, j.ref_n, j.ref_source, j.reference, j.metric,
           j.period_kind, j.actual, j.expected, j.needed, i.frequency
    from wanted w
    join indicator i on i.code = w.code
    left join judged j on j.unit = w.unit and j.code = w.code and j.period = w.period
    left join target_region_month tr on tr.code = w.code and tr.period = w.period and tr.region = w.region
),
final as (
    select r.*, g.name as region_name,
           t.effective_to as target_to, t.amber,
           case when r.comparator is not null then coalesce(td.plan, i.plan) end as plan,
           case when r.comparator is not null then coalesce(td.measure, i.measure) end as measure,
           td.clause, td.source, coalesce(td.soft, false) as soft,
           p.title as plan_title, p.region as plan_region, pr.name as plan_region_name,
           m.title as measure_title,
           s.version, s.sha256 as file_sha256, s.uploader,
           {sql_local('s.received_at')} as received_at,
           (select rc.original_name from receipt rc
            where rc.submission_id = s.id and rc.outcome = 'accepted' order by rc.id limit 1) as file_name
    from rows r
    join indicator i on i.code = r.code
    left join region g on g.id = r.region
    left join indicator_target t on t.code = r.code and t.effective_from = r.target_from
    left join target_detail td on td.code = r.code and td.effective_from = r.target_from
    left join plan p on p.id = case when r.comparator is not null then coalesce(td.plan, i.plan) end
    left join region pr on pr.id = p.region
    left join measure m on m.plan = p.id and m.kind = 'measure'
         and m.number = case when r.comparator is not null then coalesce(td.measure, i.measure) end
    left join submission s on s.id = r.submission_id
)
select * from final order by region, unit, code
"""


def _month(p: date) -> date:
    return date(p.year, p.month, 1)


def verdict_rows(db: Any, period: date, unit: str | None = None, region: str | None = None,
                 code: str | None = None) -> pd.DataFrame:
    """Every unit × indicator in force in ``period`` with verdict, target source and evidence."""
    p = _month(period)
    return run(db, VERDICTS, judge.params(p, p, region, unit, code))


def _num(v: Any) -> float | None:
    return None if is_missing(v) else float(v)


def _text(v: Any) -> str | None:
    return None if is_missing(v) else str(v)


def _time(v: Any) -> str | None:
    if is_missing(v):
        return None
    ts = pd.Timestamp(v)
    if ts.tzinfo is None:
        ts = ts.tz_localize(TZ)
    return ts.isoformat()


def reference(row: dict[str, Any]) -> dict[str, Any] | None:
    """What a relative or growth target was compared with: ``{"kind", "value", "n" | "source"}``."""
    kind = _text(row.get("ref_kind"))
    if kind == "city_avg" and _num(row.get("city_avg")) is not None:
        n = row.get("ref_n")
        if _num(n) is not None:
            return {"kind": "city_avg", "value": _num(row["city_avg"]), "n": int(n)}
        return {"kind": "city_avg", "value": _num(row["city_avg"]), "source": _text(row.get("ref_source"))}
    if kind == "baseline" and _num(row.get("baseline")) is not None:
        return {"kind": "baseline", "value": _num(row["baseline"]), "source": _text(row.get("ref_source"))}
    return None


def evidence(row: dict[str, Any]) -> dict[str, Any] | None:
    """Where the value came from, down to the cell; None when nothing was reported."""
    if _num(row.get("submission_id")) is None:
        return None
    version = row.get("version")
    return {
        "submission_id": int(row["submission_id"]),
        "version": None if _num(version) is None else int(version),
        "file_sha256": _text(row.get("file_sha256")),
        "sheet": SHEET,
        "cell": _text(row.get("cell")),
        "uploader": _text(row.get("uploader")),
        "received_at": _time(row.get("received_at")),
    }


def record(row: dict[str, Any]) -> dict[str, Any]:
    """One verdict as the JSON contract of ``python -m etl judge --json`` (issue 11), with the
    period it is judged over and, inside that period, the progress (issue 19)."""
    period = row["period"]
    return {
        "unit": row["unit"],
        "region": row["region"],
        "code": row["code"],
        "period": f"{pd.Timestamp(period):%Y-%m}",
        "value": _num(row.get("value")),
        "target": _num(row.get("target")),
        "comparator": _text(row.get("comparator")),
        "status": STATUS_KEYS[row["status"]],
        "reference": reference(row),
        "evidence": evidence(row),
        "plan": _text(row.get("plan")),
        "measure": _text(row.get("measure")),
    } | period_rules.period_fields(row)


def records(db: Any, period: date, unit: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
    """``record`` of every row of ``verdict_rows``."""
    df = verdict_rows(db, period, unit=unit, region=region)
    return [record(r) for r in df.to_dict("records")]


def evidence_of(db: Any, unit: str, code: str, period: date) -> dict[str, Any] | None:
    """Everything the evidence panel shows for one verdict (None: the unit does not owe it)."""
    df = verdict_rows(db, period, unit=unit, code=code)
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    out = {k: (None if (not isinstance(v, (list, dict)) and pd.isna(v)) else v) for k, v in row.items()}
    out["record"] = record(row)
    return out


def received_text(v: datetime | pd.Timestamp | None) -> str:
    """A receipt time as officials read it (Shanghai): 2026-10-18 09:00."""
    if v is None or pd.isna(v):
        return "—"
    return f"{pd.Timestamp(v):%Y-%m-%d %H:%M}"
