"""The quarterly assessment (季度考核): an explainable score per unit, computed by reading.

Scoring rules are data (``indicators/data/assessment.yaml``, :class:`indicators.spec.RuleSetSpec`).
Each component is ``max × earned ÷ possible`` over the rows behind it, and those rows are the
ones the evidence view lists (one CTE per component serves both):

* 指标达标 — every indicator-month a unit owns **with a target in force** (``judge.TARGET_MONTH``),
  judged by ``rules.judge`` (one home of judging). 达标 earns 1, 预警 ``amber_credit``, 未达标 /
  未报 / no return 0. Any other verdict (no target, no reference: 无目标 / 无参照, NULL) is left
  out, so it counts against nobody;
* 任务进展 — the latest progress reported in the quarter for each measure the unit leads or
  shares, credited by status;
* 报送质量 — each month due: first accepted version on time, first upload accepted, no correction;
* 第三方评价 — an office-entered external score (0–100) with its source;
* bonus — approved typical cases × ``per_case`` plus 改革创新 entries, capped; deductions —
  office entries (verified complaints, 督查 findings), capped.

A component with no rows for a unit does not apply: the maxima of those that do are scaled to
the rule set's total (a unit without targets is not penalised). ``score`` is exactly the sum
of the components' points plus bonus minus deductions (all rounded to 2 decimals first).

A locked quarter (``office.locks``) is read from ``assessment_score``, never recomputed.
The records (cases, entries, locks) are written by ``office/``; this module only reads them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from indicators.assessment import rules_version
from indicators.spec import AssessmentFile, RuleSetSpec
from rules import deadline, judge, supervise
from rules.query import bind, execute
from rules.returns import sql_local
from rules.roster import EXPECTED_UNITS

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
# verdicts that count in 指标达标 (everything else, e.g. no target / no reference, is left out)
COUNTED = ("达标", "预警", "未达标", "未报", "未报送")


class AssessError(ValueError):
    """A request the assessment cannot serve; ``str(err)`` is Chinese."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = re.fullmatch(r"\s*(\d{4})\s*[Qq]\s*([1-4])\s*", text or "")
        if not m:
            raise AssessError(f"季度“{text}”格式不对：应写作 年份Q季度，例如 2026Q3。")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{QUARTER_NAMES[self.q]}季度"

    @property
    def months(self) -> list[date]:
        return [date(self.year, 3 * (self.q - 1) + k, 1) for k in (1, 2, 3)]

    @property
    def first(self) -> date:
        return self.months[0]

    @property
    def last(self) -> date:
        return self.months[-1]

    def shift(self, n: int) -> Quarter:
        k = self.year * 4 + self.q - 1 + n
        return Quarter(k // 4, k % 4 + 1)

    def __str__(self) -> str:
        return self.key


@dataclass
class Component:
    """Points of one component and the items (per indicator / measure / month) behind them."""

    id: str
    name: str
    points: float
    max: float
    items: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"points": self.points, "max": self.max, "items": self.items}


@dataclass
class UnitScore:
    unit: str
    unit_name: str
    region: str
    region_name: str
    quarter: str
    score: float
    rank: int | None
    components: dict[str, Component]
    bonus: float
    deductions: float
    locked: bool
    on_roster: bool
    bonus_items: list[dict] = field(default_factory=list)
    deduction_items: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        """The contract of ``python -m etl assess --json`` (keys exactly these)."""
        return {
            "unit": self.unit, "region": self.region, "quarter": self.quarter, "score": self.score,
            "rank": self.rank, "components": {k: c.to_json() for k, c in self.components.items()},
            "bonus": self.bonus, "deductions": self.deductions, "locked": self.locked,
        }

    def to_record(self) -> dict:
        """Everything, for storing at lock time and rebuilding with :meth:`from_record`."""
        return asdict(self)

    @classmethod
    def from_record(cls, rec: dict) -> UnitScore:
        rec = dict(rec)
        rec["components"] = {k: Component(**c) for k, c in rec["components"].items()}
        return cls(**rec)


# --- rules ---------------------------------------------------------------------------------


def rules_for(quarter: Quarter, assessment: AssessmentFile | None = None) -> RuleSetSpec:
    """The rule set in force on the quarter's first day (from the shipped catalog by default)."""
    if assessment is None:
        from indicators import load_catalog

        assessment = load_catalog().assessment
    if assessment is None:
        raise AssessError("指标目录中没有考核规则文件 assessment.yaml：请先添加并运行 python -m indicators check。")
    rs = assessment.in_force(quarter.first)
    if rs is None:
        raise AssessError(f"{quarter.label}没有适用的考核规则：请在 assessment.yaml 中添加覆盖该季度的规则版本。")
    return rs


# --- SQL: one CTE per component; scores aggregate it, the evidence view lists it ------------

# $units: units assessed; $roster: those of them expected to report (a missing return counts
# against these only); $due: months of the quarter whose deadline has passed.
_SCOPE = """
assessed as (select unnest($units::varchar[]) as unit),
roster as (select unnest($roster::varchar[]) as unit),
due as (select unnest($due::date[]) as period)"""

# The verdict of every indicator-month counted (keys only: text columns are joined for the
# evidence view, never for scoring, where string work on millions of rows dominates).
INDICATOR_CORE = f"""with {judge.JUDGED},{_SCOPE},
expected as (
    select io.unit, tm.code, tm.period
    from indicator_owner io join target_month tm on tm.code = io.code
    where io.unit in (select unit from assessed)
),
ind_rows as (
    select e.unit, e.code, e.period, coalesce(j.status, case when j.unit is null then '未报送' end) as verdict
    from expected e
    left join judged j on j.unit = e.unit and j.code = e.code and j.period = e.period
    where j.unit is not null
       or (e.period in (select period from due) and e.unit in (select unit from roster))
),
final as (
    select *, (case verdict when '达标' then 1.0 when '预警' then $amber else 0.0 end)::double as earned
    from ind_rows where verdict in {COUNTED}
)"""

INDICATOR_ROWS = INDICATOR_CORE + """,
evidence as (
    select f.unit, f.period, f.code, i.name, j.value_text, j.target_text, f.verdict, f.earned,
           coalesce(j.reason, i.name || ' 本月未报送月报') as reason, j.submission_id, j.cell
    from final f join indicator i on i.code = f.code
    left join judged j on j.unit = f.unit and j.code = f.code and j.period = f.period
    where f.unit = $units[1]
)"""

# One row per indicator of a unit (the items of 指标达标).
INDICATOR_ITEMS = INDICATOR_CORE + """,
items as (
    select unit, code, count(*) as possible, sum(earned) as earned,
           count(*) filter (where verdict = '达标') as met,
           count(*) filter (where verdict = '预警') as amber,
           count(*) filter (where verdict = '未达标') as failed,
           count(*) filter (where verdict in ('未报', '未报送')) as missing
    from final group by unit, code
)
select t.unit, t.code as key, i.name as label, t.possible, t.earned, t.met, t.amber, t.failed, t.missing
from items t join indicator i on i.code = t.code order by t.unit, t.code"""

# One row per unit (scores without items: the ranking).
INDICATOR_TOTALS = INDICATOR_CORE + """
select unit, count(*)::double as possible, sum(earned)::double as earned from final group by unit"""

# task credits arrive as two parallel lists ($statuses, $credits) from the rule set
TASK_ROWS = f"""with {_SCOPE},
credit as (select unnest($statuses::varchar[]) as status, unnest($credits::double[]) as credit),
owed as (
    select distinct unit, measure_key from measure_unit where unit in (select unit from assessed)
),
latest as (
    select unit, measure_key, period, status, pct, progress, problems, submission_id
    from task_progress
    where is_current and period between $p0 and $p1 and unit in (select unit from assessed)
    qualify row_number() over (partition by unit, measure_key order by period desc) = 1
),
final as (
    select o.unit, o.measure_key, m.number, m.title, p.title as plan_title, l.period, l.submission_id,
           coalesce(l.status, '未报送') as status, l.pct, l.progress, l.problems,
           coalesce(c.credit, 0.0)::double as earned
    from owed o
    join measure m on m.key = o.measure_key
    join plan p on p.id = m.plan
    left join latest l on l.unit = o.unit and l.measure_key = o.measure_key
    left join credit c on c.status = l.status
    where l.unit is not null
       or (o.unit in (select unit from roster) and (select count(*) from due) > 0)
)"""

TASK_ITEMS = TASK_ROWS + """
select unit, measure_key as key, number || ' ' || title as label, 1 as possible, earned, status
from final order by unit, measure_key"""

REPORTING_ROWS = f"""with {_SCOPE},
accepted as (
    select id, unit, period, version, on_time, days_late, received_at from submission
    where status = 'accepted' and period between $p0 and $p1 and unit in (select unit from roster)
),
first_acc as (
    select * from accepted qualify row_number() over (partition by unit, period order by version) = 1
),
rejected_first as (
    select s.unit, s.period, count(*) as n from submission s
    join first_acc f on f.unit = s.unit and f.period = s.period
    where s.status = 'rejected' and s.received_at < f.received_at
    group by all
),
versions as (select unit, period, count(*) as n from accepted group by all),
months as (
    select r.unit, d.period from roster r cross join due d
    union
    select unit, period from first_acc
),
final as (
    select m.unit, m.period, f.id as submission_id, f.version, f.received_at, f.days_late,
           coalesce(f.on_time, false) as on_time,
           f.id is not null and coalesce(rf.n, 0) = 0 as first_pass,
           coalesce(v.n, 0) - 1 as corrections,
           f.id is not null and coalesce(v.n, 0) <= 1 as no_correction
    from months m
    left join first_acc f on f.unit = m.unit and f.period = m.period
    left join rejected_first rf on rf.unit = m.unit and rf.period = m.period
    left join versions v on v.unit = m.unit and v.period = m.period
)"""

REPORTING_ITEMS = REPORTING_ROWS + """
select unit, strftime(period, '%Y-%m') as key, strftime(period, '%Y年%-m月') as label, 1 as possible,
       ($w_on_time * on_time::int + $w_first_pass * first_pass::int + $w_no_correction * no_correction::int)::double
           as earned,
       on_time, first_pass, greatest(corrections, 0) as corrections, submission_id is null as missing
from final order by unit, period"""

ITEMS = {"indicators": INDICATOR_ITEMS, "tasks": TASK_ITEMS, "reporting": REPORTING_ITEMS}


def _totals_sql(items_sql: str) -> str:
    """Per-unit sums of an items query (its last SELECT becomes a CTE)."""
    head, _, tail = items_sql.rpartition("\nselect ")
    body = tail.rsplit(" order by ", 1)[0]
    return (f"{head},\nper_item as (select {body})\nselect unit, sum(possible)::double as possible, "
            "sum(earned)::double as earned from per_item group by unit")


TOTALS = {"indicators": INDICATOR_TOTALS, "tasks": _totals_sql(TASK_ITEMS), "reporting": _totals_sql(REPORTING_ITEMS)}

CASES = """
select id, unit, quarter, title, measures, indicators, effect, narrative, status,
       submitted_by, submitted_at, decided_by, decided_at, decision_reason
from typical_case where quarter = $quarter and status = 'approved'
  and unit in (select unnest($units::varchar[]))
order by unit, id"""

ENTRIES = """
select id, unit, quarter, kind, points, reason, evidence, entered_by, entered_at
from assessment_entry where quarter = $quarter and withdrawn_at is null
  and unit in (select unnest($units::varchar[]))
order by unit, id"""

UNITS = f"""with {EXPECTED_UNITS},
named as (
    select unit from expected_units
    union select unit from typical_case where quarter = $quarter and status = 'approved'
    union select unit from assessment_entry where quarter = $quarter and withdrawn_at is null
)
select u.id as unit, u.name as unit_name, u.region, r.name as region_name,
       u.id in (select unit from expected_units) as on_roster
from named n join unit u on u.id = n.unit join region r on r.id = u.region
where ($region is null or u.region = $region)
  and ($only is null or list_contains($only::varchar[], u.id))
order by u.region, u.id"""


# --- scores ----------------------------------------------------------------------------------


def due_months(quarter: Quarter, now: datetime | None = None) -> list[date]:
    """Months of the quarter whose return deadline has passed at ``now``."""
    now = now or datetime.now(UTC)
    return [m for m in quarter.months if deadline.due_at(m) <= now]


def _params(quarter: Quarter, rules: RuleSetSpec, units: pd.DataFrame, now: datetime | None,
            region: str | None = None) -> dict[str, Any]:
    ind, task, rep = (rules.component(c) for c in ("indicators", "tasks", "reporting"))
    credits = task.status_credit if task else {}
    parts = rep.parts if rep else {}
    prm = judge.params(quarter.first, quarter.last, region)
    prm.update({
        "units": list(units["unit"]), "roster": list(units.loc[units["on_roster"], "unit"]),
        "due": due_months(quarter, now), "quarter": quarter.key,
        "amber": float(ind.amber_credit) if ind and ind.amber_credit is not None else 0.0,
        "statuses": list(credits), "credits": [float(v) for v in credits.values()],
        "w_on_time": parts.get("on_time", 0.0), "w_first_pass": parts.get("first_pass", 0.0),
        "w_no_correction": parts.get("no_correction", 0.0),
    })
    return prm


def assessed_units(con: Any, quarter: Quarter, region: str | None = None,
                   only: list[str] | None = None) -> pd.DataFrame:
    """Units assessed in the quarter: the reporting roster plus any unit with an approved case or
    an office entry that quarter (those off the roster are scored but not ranked)."""
    return execute(con, UNITS, {"quarter": quarter.key, "region": region, "only": only})


def _by_unit(con: Any, sql: str, prm: dict[str, Any]) -> dict[str, list[dict]]:
    """Rows of ``sql`` grouped by their ``unit`` column, as plain Python dicts (no pandas: at
    national scale turning ~1 M item rows into DataFrame records costs seconds)."""
    sql = judge.resolve(con, sql, prm)
    cur = con.execute(sql, bind(sql, prm))
    names = [d[0] for d in cur.description]
    at = names.index("unit")
    out: dict[str, list[dict]] = {}
    for row in cur.fetchall():
        rec = dict(zip(names, row))
        del rec["unit"]
        out.setdefault(row[at], []).append(rec)
    return out


def _clean(rec: dict) -> dict:
    """JSON-ready item: numpy scalars to Python, NaN/NaT to None, dates to ISO text."""
    out = {}
    for k, v in rec.items():
        if v is None or (not isinstance(v, (list, tuple, str)) and pd.isna(v)):
            out[k] = None
        elif hasattr(v, "isoformat"):
            out[k] = v.isoformat()
        elif hasattr(v, "item"):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def compute(con: Any, quarter: Quarter, rules: RuleSetSpec, *, region: str | None = None,
            only: list[str] | None = None, now: datetime | None = None, items: bool = True) -> list[UnitScore]:
    """Live scores of the quarter (no lock consulted), ranked; ``only`` narrows to those units.
    ``items=False`` leaves the components' item lists empty (the ranking needs totals only:
    building a million item dicts is most of the cost at national scale)."""
    units = assessed_units(con, quarter, region, only)
    if units.empty:
        return []
    prm = _params(quarter, rules, units, now, region)
    ids = [c.id for c in rules.components if c.id in ITEMS]
    if items:
        rows = {cid: {u: {"possible": float(sum(r["possible"] for r in rs)),
                          "earned": float(sum(r["earned"] for r in rs)), "items": rs}
                      for u, rs in _by_unit(con, ITEMS[cid], prm).items()} for cid in ids}
    else:
        rows = {cid: _totals(con, TOTALS[cid], prm) for cid in ids}
    cases = _by_unit(con, CASES, prm)
    entries = _by_unit(con, ENTRIES, prm)
    if rules.deductions.supervision:
        for unit, recs in supervision_deductions(con, quarter, rules, prm["units"]).items():
            entries.setdefault(unit, []).extend(recs)
    cols = ["unit", "unit_name", "region", "region_name", "on_roster"]
    records = (dict(zip(cols, r)) for r in zip(*(units[c].tolist() for c in cols)))  # to_dict: 10x slower
    scores = [
        _score(u, quarter, rules, {k: v.get(u["unit"]) for k, v in rows.items()},
               cases.get(u["unit"], []), entries.get(u["unit"], []))
        for u in records
    ]
    return rank(scores)


SUPERVISION_BY = "系统（督办记录）"


def supervision_deductions(con: Any, quarter: Quarter, rules: RuleSetSpec,
                           units: list[str]) -> dict[str, list[dict]]:
    """Deduction entries from the 督办 records of the quarter (``deductions.supervision``), per
    lead unit, shaped like the office's own entries (kind ``deduction``) so they share the cap,
    the breakdown and the export. Empty when the rule set does not deduct for 督办."""
    spec = rules.deductions.supervision
    if spec is None or not units:
        return {}
    points = {"overdue": spec.per_overdue_item, "returned": spec.per_returned_application}
    out: dict[str, list[dict]] = {}
    wanted = set(units)
    for unit, recs in _by_unit(con, supervise.DEDUCTION_EVENTS, {"p0": quarter.first, "p1": quarter.last}).items():
        if unit not in wanted:
            continue
        for r in recs:
            if not points[r["kind"]]:
                continue
            out.setdefault(unit, []).append({
                "id": f"督办-{r['item_id']}-{r['kind']}-{r['on_day']:%Y%m%d}", "kind": "deduction",
                "points": float(points[r["kind"]]), "reason": supervise.deduction_reason(r["kind"], r["problem"]),
                "evidence": supervise.deduction_evidence(r["kind"], r["year"], r["seq"], r["due_on"],
                                                         r["on_day"], r["note"]),
                "entered_by": SUPERVISION_BY, "entered_at": None})
    return out


def _totals(con: Any, sql: str, prm: dict[str, Any]) -> dict[str, dict]:
    """``unit -> {"possible", "earned"}`` of a TOTALS query (plain tuples: a national ranking
    has hundreds of thousands of units)."""
    sql = judge.resolve(con, sql, prm)
    return {u: {"possible": p, "earned": e} for u, p, e in con.execute(sql, bind(sql, prm)).fetchall()}


def _score(u: dict, quarter: Quarter, rules: RuleSetSpec, rows: dict[str, dict],
           cases: list[dict], entries: list[dict]) -> UnitScore:
    external = [e for e in entries if e["kind"] == "external"] if entries else []
    possible, earned, items = {}, {}, {}
    for c in rules.components:
        if c.id == "external":
            latest = external[-1:]  # the office's latest evaluation counts
            possible[c.id] = 1.0 if latest else 0.0
            earned[c.id] = min(100.0, max(0.0, latest[0]["points"])) / 100 if latest else 0.0
            items[c.id] = [_clean({"key": str(e["id"]), "label": e["reason"], "possible": 1,
                                   "earned": e["points"] / 100, "evidence": e["evidence"]}) for e in latest]
        else:
            found = rows.get(c.id)
            possible[c.id] = found["possible"] if found else 0.0
            earned[c.id] = found["earned"] if found else 0.0
            items[c.id] = found.get("items", []) if found else []
    applicable = sum(c.max for c in rules.components if possible[c.id] > 0)
    scale = rules.total / applicable if applicable else 0.0
    components = {}
    for c in rules.components:
        mx = round(c.max * scale, 2) if possible[c.id] > 0 else 0.0
        pts = round(c.max * scale * earned[c.id] / possible[c.id], 2) if possible[c.id] > 0 else 0.0
        components[c.id] = Component(c.id, c.name, pts, mx, items[c.id])
    if not cases and not entries:  # most units: nothing to add or take away
        return UnitScore(u["unit"], u["unit_name"], u["region"], u["region_name"], quarter.key,
                         round(sum(c.points for c in components.values()), 2), None, components, 0.0, 0.0,
                         False, bool(u["on_roster"]), [], [])
    bonus_items = [_clean({"kind": "case", "id": k["id"], "title": k["title"], "points": rules.bonus.per_case,
                           "effect": k["effect"]}) for k in cases]
    bonus_items += [_clean({"kind": "innovation", "id": e["id"], "title": e["reason"], "points": e["points"],
                            "effect": e["evidence"]}) for e in entries if e["kind"] == "innovation"]
    bonus = round(min(rules.bonus.cap, sum(b["points"] for b in bonus_items)), 2)
    deduction_items = [_clean({"id": e["id"], "reason": e["reason"], "points": e["points"],
                               "evidence": e["evidence"], "entered_by": e["entered_by"]})
                       for e in entries if e["kind"] == "deduction"]
    total_ded = sum(d["points"] for d in deduction_items)
    deductions = round(min(rules.deductions.cap, total_ded) if rules.deductions.cap else total_ded, 2)
    score = round(sum(c.points for c in components.values()) + bonus - deductions, 2)
    return UnitScore(u["unit"], u["unit_name"], u["region"], u["region_name"], quarter.key, score, None,
                     components, bonus, deductions, False, bool(u["on_roster"]), bonus_items, deduction_items)


def rank(scores: list[UnitScore]) -> list[UnitScore]:
    """Rank units on the roster by score (ties share a rank); others get none. Sorted by rank."""
    ranked = sorted((s for s in scores if s.on_roster), key=lambda s: (-s.score, s.unit))
    prev, r = None, 0
    for i, s in enumerate(ranked, start=1):
        if s.score != prev:
            r, prev = i, s.score
        s.rank = r
    others = sorted((s for s in scores if not s.on_roster), key=lambda s: (-s.score, s.unit))
    for s in others:
        s.rank = None
    return ranked + others


# --- locks (written by office.locks) ----------------------------------------------------------


def lock_info(con: Any, quarter: Quarter) -> dict | None:
    """The open lock of the quarter (who, when, why, rules version), or None."""
    df = execute(con, "select id, quarter, locked_by, locked_at, reason, rules_version from assessment_lock"
                      " where quarter = $quarter and unlocked_at is null order by id desc limit 1",
                 {"quarter": quarter.key})
    return _clean(df.iloc[0].to_dict()) if len(df) else None


def stored(con: Any, lock_id: int, region: str | None = None, only: list[str] | None = None) -> list[UnitScore]:
    """The scores stored when the quarter was locked (re-ranked within the asked scope)."""
    df = execute(con, "select result from assessment_score where lock_id = $lock"
                      " and ($region is null or region = $region)"
                      " and ($only is null or list_contains($only::varchar[], unit))",
                 {"lock": lock_id, "region": region, "only": only})
    scores = [UnitScore.from_record(json.loads(r)) for r in df["result"]]
    for s in scores:
        s.locked = True
    return rank(scores) if (region or only) else sorted(scores, key=lambda s: (s.rank is None, s.rank or 0, s.unit))


def assess(con: Any, quarter: Quarter, rules: RuleSetSpec | None = None, *, region: str | None = None,
           only: list[str] | None = None, now: datetime | None = None, items: bool = True) -> list[UnitScore]:
    """The quarter's scores: stored ones when it is locked, otherwise computed now."""
    lock = lock_info(con, quarter)
    if lock:
        return stored(con, lock["id"], region, only)
    return compute(con, quarter, rules or rules_for(quarter), region=region, only=only, now=now, items=items)


def differences(con: Any, quarter: Quarter, rules: RuleSetSpec | None = None,
                now: datetime | None = None) -> pd.DataFrame:
    """For a locked quarter: units whose score computed now differs from the stored one."""
    lock = lock_info(con, quarter)
    cols = ["unit", "unit_name", "locked_score", "score_now", "delta", "changed"]
    if not lock:
        return pd.DataFrame(columns=cols)
    rules = rules or rules_for(quarter)
    then = {s.unit: s for s in stored(con, lock["id"])}
    now_scores = {s.unit: s for s in compute(con, quarter, rules, now=now)}
    out = []
    for unit in sorted(set(then) | set(now_scores)):
        a, b = then.get(unit), now_scores.get(unit)
        sa, sb = (a.score if a else None), (b.score if b else None)
        if sa == sb:
            continue
        changed = [name for name in _parts(a) | _parts(b) if _parts(a).get(name) != _parts(b).get(name)]
        out.append({"unit": unit, "unit_name": (a or b).unit_name, "locked_score": sa, "score_now": sb,
                    "delta": None if sa is None or sb is None else round(sb - sa, 2),
                    "changed": "、".join(sorted(changed))})
    if lock["rules_version"] != rules_version(rules):
        out.insert(0, {"unit": "", "unit_name": "（考核规则）", "locked_score": None, "score_now": None,
                       "delta": None, "changed": f"规则版本由 {lock['rules_version']} 变为 {rules_version(rules)}"})
    return pd.DataFrame(out, columns=cols)


def _parts(s: UnitScore | None) -> dict[str, float]:
    if s is None:
        return {}
    out = {c.name: c.points for c in s.components.values()}
    out.update({"加分": s.bonus, "扣分": s.deductions})
    return out


# --- evidence: the rows behind one point ------------------------------------------------------

EVIDENCE_KINDS = ("indicators", "tasks", "reporting", "bonus", "deductions", "external")


def evidence(con: Any, quarter: Quarter, unit: str, kind: str, rules: RuleSetSpec | None = None,
             key: str | None = None, now: datetime | None = None) -> pd.DataFrame:
    """The rows behind one component of one unit (optionally one item ``key``): indicator-months,
    task reports, returns, cases, entries. Always computed from the records as they are now."""
    if kind not in EVIDENCE_KINDS:
        raise AssessError(f"未知的考核项“{kind}”。")
    rules = rules or rules_for(quarter)
    units = assessed_units(con, quarter, only=[unit])
    if units.empty:
        units = pd.DataFrame({"unit": [unit], "on_roster": [False]})
    prm = _params(quarter, rules, units, now)
    prm["key"] = key
    if kind == "indicators":
        sql = INDICATOR_ROWS + """
select period, code, name, value_text, target_text, verdict, earned, reason, submission_id, cell
from evidence where $key is null or code = $key order by code, period"""
    elif kind == "tasks":
        sql = TASK_ROWS + """,
reports as (
    select t.measure_key, t.period, t.status, t.pct, t.progress, t.problems, t.submission_id
    from task_progress t where t.is_current and t.unit = $units[1] and t.period between $p0 and $p1
)
select f.measure_key, f.number, f.title, f.plan_title, r.period, coalesce(r.status, f.status) as status,
       r.pct, r.progress, r.problems, r.submission_id,
       case when r.period is null or r.period = f.period then f.earned end as earned
from final f left join reports r on r.measure_key = f.measure_key
where f.unit = $units[1] and ($key is null or f.measure_key = $key)
order by f.measure_key, r.period"""
    elif kind == "reporting":
        sql = REPORTING_ROWS + f"""
select f.period, s.id as submission_id, s.status, s.version, s.is_current,
       {sql_local('s.received_at')} as received_at, s.on_time, s.days_late, s.n_errors,
       f.on_time as first_on_time, f.first_pass, greatest(f.corrections, 0) as corrections
from final f left join submission s on s.unit = f.unit and s.period = f.period
where f.unit = $units[1] and ($key is null or strftime(f.period, '%Y-%m') = $key)
order by f.period, s.received_at"""
    elif kind == "bonus":
        sql = """
select '典型案例' as kind, id, title, effect as detail, decided_by as by, decided_at as at, $per_case as points
from typical_case where quarter = $quarter and unit = $units[1] and status = 'approved'
union all
select '改革创新', id, reason, evidence, entered_by, entered_at, points
from assessment_entry where quarter = $quarter and unit = $units[1] and kind = 'innovation'
  and withdrawn_at is null
order by 1, 2"""
        prm["per_case"] = rules.bonus.per_case
    else:
        entry_kind = "deduction" if kind == "deductions" else "external"
        sql = f"""
select id, points, reason, evidence, entered_by, {sql_local('entered_at')} as entered_at
from assessment_entry where quarter = $quarter and unit = $units[1] and kind = $entry_kind
  and withdrawn_at is null order by id"""
        prm["entry_kind"] = entry_kind
        found = execute(con, sql, prm)
        if kind == "deductions":
            extra = supervision_deductions(con, quarter, rules, [unit]).get(unit, [])
            if extra:
                cols = list(found.columns)
                found = pd.concat([found, pd.DataFrame([{c: e.get(c) for c in cols} for e in extra])],
                                  ignore_index=True)
        return found
    return execute(con, sql, prm)
