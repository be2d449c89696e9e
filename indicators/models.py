"""Typed objects of the indicator catalog.

The YAML under ``indicators/data/`` is parsed into these models; every other part of the
project (templates, validation, flags, pages) reads targets from here and never repeats a
number from the plans. ``extra="forbid"`` makes an unknown YAML key an error.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RegionKind = Literal["city", "district", "zone"]
MeasureKind = Literal["measure", "difficulty"]
# Plain comparators compare a value with a number. "city_avg" compares with the city
# average of the same indicator in the same period (003: 赶超全市平均水平); "growth"
# compares the growth over a baseline year with a percentage (003: 人才引进 +15%).
# For "city_avg" the target is the margin over the city average in the indicator's unit
# (0 = at least the average); for "growth" it is the growth in percent over ``baseline_year``.
Comparator = Literal["<=", "<", ">=", ">", "=", "city_avg", "growth"]
Direction = Literal["lower_better", "higher_better"]
Frequency = Literal["monthly", "quarterly", "yearly"]
Rollup = Literal["latest", "sum", "mean", "max", "min", "ratio"]
# What the monthly return asks for a quarterly or yearly indicator: the month's own figure
# ("month", rolled up over the period by ``rollup``) or the figure since the period began
# ("cumulative", 年内累计值: the latest one is the period's value).
Report = Literal["month", "cumulative"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(Strict):
    id: str
    name: str
    kind: RegionKind
    parent: str | None = None
    short_name: str | None = None


class Dept(Strict):
    """A department code (``zwfw``, ``scjg`` ...) shared by the same department in every region."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()


class Unit(Strict):
    """A responsible unit (责任单位) of one region."""

    id: str
    region: str
    name: str
    dept: str = Field(description="department code shared by the same department in every region")
    aliases: tuple[str, ...] = ()
    liaison: str | None = None
    phone: str | None = None
    demo: bool = Field(default=False, description="liaison and phone are fictional sample data")


class Plan(Strict):
    id: str
    title: str
    issuer: str
    region: str
    issued: date | None = None
    period_start: date | None = None
    period_end: date | None = None


class Measure(Strict):
    plan: str
    number: str = Field(description="number as printed, e.g. （一） or 1.")
    seq: int = Field(description="1-based position inside the plan and kind")
    kind: MeasureKind = "measure"
    section: str | None = None
    title: str
    lead_units: tuple[str, ...] = ()
    responsible_units: tuple[str, ...] = ()
    other_units: tuple[str, ...] = Field(
        default=(), description="unit phrases naming a group, not one unit (各相关部门): kept visible, not resolved"
    )

    @property
    def key(self) -> str:
        """Stable key used in the database and templates: ``plan:kind:seq``."""
        return f"{self.plan}:{'d' if self.kind == 'difficulty' else 'm'}{self.seq}"

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.lead_units + self.responsible_units))


class TargetVersion(Strict):
    """One target value in force from ``effective_from`` until ``effective_to`` (inclusive)."""

    comparator: Comparator
    value: float
    effective_from: date
    effective_to: date | None = None
    amber: float | None = Field(
        default=None, description="width of the warning band next to the target, in the indicator's unit"
    )
    source_plan: str | None = None
    source_measure: str | None = None
    # where the target applies: region ids (resolved by the catalog from the plan's region,
    # or from ``scope`` in the YAML: ids or the group words ``districts`` / ``zones``)
    scope: tuple[str, ...] = ()
    # the plan's own words, so a reviewer can check the number against the text
    source: str | None = None
    # where in the plan the rule stands when that is not the measure itself (an attachment's section)
    clause: str | None = None
    # 一般应当 (as a rule): a shortfall is 预警 to be explained, not 未达标
    soft: bool = False
    baseline: float | None = None
    baseline_year: int | None = None
    baseline_source: str | None = None


class Indicator(Strict):
    code: str
    name: str
    unit: str = Field(description="unit of measure: %, 工作日, 自然日, 小时, 个, 件, 家, 人次, 万元, 亿元 ...")
    comparator: Comparator
    target: float
    baseline: float | None = None
    baseline_year: int | None = None
    direction: Direction
    frequency: Frequency = "monthly"
    rollup: Rollup = "latest"
    report: Report = "month"
    schedule: tuple[float, ...] = Field(
        default=(), description="cumulative % of the target due at even checkpoints of the period "
        "(季度进度 25/50/75/100); empty = time-proportional"
    )
    numerator: str | None = None
    denominator: str | None = None
    plan: str
    measure: str = Field(description="measure number as printed in the plan")
    owners: tuple[str, ...] = Field(description="unit ids that report this indicator")
    common: bool = False
    amber: float | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    targets: tuple[TargetVersion, ...] = ()
    description: str | None = None
    scope: tuple[str, ...] = ()
    source: str | None = None
    clause: str | None = None
    soft: bool = False
    baseline_source: str | None = None

    def _base(self, lo: date, hi: date | None) -> TargetVersion:
        """The indicator's own target as a version (plan, measure, scope, words, baseline)."""
        return TargetVersion(
            comparator=self.comparator, value=self.target, effective_from=lo, effective_to=hi,
            amber=self.amber, source_plan=self.plan, source_measure=self.measure, scope=self.scope,
            source=self.source, clause=self.clause, soft=self.soft, baseline=self.baseline,
            baseline_year=self.baseline_year, baseline_source=self.baseline_source,
        )

    def applies_to(self, region: str, day: date) -> TargetVersion | None:
        """The target in force on ``day`` for a unit of ``region`` (None: no plan sets one there).

        An empty scope (an indicator built by hand, not by the catalog) applies everywhere, as a
        target without ``target_scope`` rows does in SQL."""
        for t in sorted(self.timeline(), key=lambda t: t.effective_from, reverse=True):
            in_time = t.effective_from <= day and (t.effective_to is None or day <= t.effective_to)
            if in_time and (not t.scope or region in t.scope):
                return t
        return None

    def target_on(self, day: date) -> TargetVersion | None:
        """The target in force on ``day``: a versioned one if any, else the base target."""
        for t in sorted(self.targets, key=lambda t: t.effective_from, reverse=True):
            if t.effective_from <= day and (t.effective_to is None or day <= t.effective_to):
                return t
        if self.effective_from and day < self.effective_from:
            return None
        if self.effective_to and day > self.effective_to:
            return None
        return self._base(self.effective_from or date(2000, 1, 1), self.effective_to)

    def timeline(self) -> list[TargetVersion]:
        """Non-overlapping target periods that give the same answer as :meth:`target_on` on every
        day: the versions, plus the base target on the days no version covers. The database
        stores these rows so past months stay judged by the target then in force."""
        start = self.effective_from or date(2000, 1, 1)
        end = self.effective_to

        base_row = self._base

        if not self.targets:
            return [base_row(start, end)]
        pieces: list[TargetVersion] = []
        cursor: date | None = start
        for v in sorted(self.targets, key=lambda t: t.effective_from):
            if cursor is None:
                break
            if v.effective_from > cursor and (end is None or cursor <= end):
                hi = v.effective_from - timedelta(days=1)
                pieces.append(base_row(cursor, hi if end is None else min(hi, end)))
            if v.effective_to is None:
                cursor = None
            else:
                cursor = max(cursor, v.effective_to + timedelta(days=1))
        if cursor is not None and (end is None or cursor <= end):
            pieces.append(base_row(cursor, end))
        return sorted([*pieces, *self.targets], key=lambda t: t.effective_from)

    def in_force(self, start: date, end: date) -> bool:
        """True when a target of this indicator is in force on some day of ``[start, end]``."""
        spans = [(t.effective_from, t.effective_to) for t in self.targets]
        spans.append((self.effective_from or date.min, self.effective_to))
        return any(lo <= end and (hi is None or hi >= start) for lo, hi in spans)
