"""Shapes of the YAML files under ``indicators/data/`` (what a file may contain).

These differ from :mod:`indicators.models` where the YAML is kept compact: a unit file
names its region once, a plan file carries its measures, an indicator file names its plan
once and a common indicator lists department codes (``owner_depts``) instead of sixteen
unit ids. :mod:`indicators.catalog` turns these into the models. ``extra="forbid"``
everywhere, so a misspelt key is an error with its path.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from indicators.models import (
    Comparator,
    Direction,
    Frequency,
    MeasureKind,
    Region,
    Report,
    Rollup,
    TargetVersion,
)


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionsFile(Spec):
    regions: list[Region]


class DeptSpec(Spec):
    """A department code shared by the same department in every region."""

    code: str
    name: str
    aliases: list[str] = []


class DeptsFile(Spec):
    depts: list[DeptSpec]
    # phrases that name a group of units rather than one (各相关部门): reported, never dropped
    generic_phrases: list[str] = []
    # phrases that mean "the government of every district" (各区人民政府)
    every_district_phrases: list[str] = []


class UnitSpec(Spec):
    dept: str
    name: str
    aliases: list[str] = []
    liaison: str | None = None
    phone: str | None = None
    # the liaison and phone are fictional sample data (exports of them say 演示数据)
    demo: bool = False


class UnitsFile(Spec):
    region: str
    units: list[UnitSpec]


class PlanSpec(Spec):
    id: str
    title: str
    issuer: str
    region: str
    issued: date | None = None
    period_start: date | None = None
    period_end: date | None = None


class MeasureSpec(Spec):
    number: str
    kind: MeasureKind = "measure"
    section: str | None = None
    title: str = Field(max_length=24)
    lead_units: list[str] = []
    responsible_units: list[str] = []
    # department codes whose unit in every district is responsible (各区人民政府 -> [gov])
    district_depts: list[str] = []
    other_units: list[str] = []


class PlanFile(Spec):
    plan: PlanSpec
    measures: list[MeasureSpec]


class IndicatorDefaults(Spec):
    frequency: Frequency | None = None
    rollup: Rollup | None = None
    report: Report | None = None
    effective_from: date | None = None
    effective_to: date | None = None


class IndicatorSpec(Spec):
    code: str
    name: str
    unit: str
    comparator: Comparator
    target: float
    baseline: float | None = None
    baseline_year: int | None = None
    direction: Direction
    frequency: Frequency | None = None
    rollup: Rollup | None = None
    report: Report | None = None
    schedule: list[float] = []
    numerator: str | None = None
    denominator: str | None = None
    plan: str | None = None
    measure: str
    owners: list[str] = []
    owner_depts: list[str] = []
    common: bool = False
    amber: float | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    targets: list[TargetVersion] = []
    description: str | None = None
    # regions whose units the target applies to: region ids or ``districts`` / ``zones``;
    # empty = the plan's region (a city plan: the city and every district)
    scope: list[str] = []
    source: str | None = None
    clause: str | None = None
    soft: bool = False
    baseline_source: str | None = None


class IndicatorsFile(Spec):
    plan: str | None = None
    defaults: IndicatorDefaults = IndicatorDefaults()
    indicators: list[IndicatorSpec]


# --- assessment.yaml: the quarterly assessment's scoring rules -----------------------------

ComponentId = Literal["indicators", "tasks", "reporting", "external"]
TaskStatus = Literal["未启动", "推进中", "已完成", "滞后"]
ReportingPart = Literal["on_time", "first_pass", "no_correction"]


class ComponentSpec(Spec):
    """One scored component; ``max`` points before scaling to the rule set's total."""

    id: ComponentId
    name: str
    max: float = Field(gt=0)
    amber_credit: float | None = Field(default=None, ge=0, le=1)          # indicators
    status_credit: dict[TaskStatus, float] | None = None                  # tasks
    parts: dict[ReportingPart, float] | None = None                      # reporting


class BonusSpec(Spec):
    name: str
    per_case: float = Field(gt=0)
    cap: float = Field(gt=0)


class SupervisionDeductionSpec(Spec):
    """Points the lead unit of a 督办 item loses: once when the item first goes overdue, and for
    each 销号 application the office returns (counted in the quarter it happened)."""

    per_overdue_item: float = Field(ge=0)
    per_returned_application: float = Field(default=0, ge=0)


class DeductionSpec(Spec):
    name: str
    cap: float | None = Field(default=None, gt=0)
    supervision: SupervisionDeductionSpec | None = None


class RuleSetSpec(Spec):
    version: str
    effective_from: date
    effective_to: date | None = None
    total: float = Field(gt=0)
    components: list[ComponentSpec]
    bonus: BonusSpec
    deductions: DeductionSpec

    def component(self, cid: str) -> ComponentSpec | None:
        return next((c for c in self.components if c.id == cid), None)


class AssessmentFile(Spec):
    rule_sets: list[RuleSetSpec]

    def in_force(self, day: date) -> RuleSetSpec | None:
        """The rule set whose span holds ``day`` (the quarter's first day)."""
        for rs in sorted(self.rule_sets, key=lambda r: r.effective_from, reverse=True):
            if rs.effective_from <= day and (rs.effective_to is None or day <= rs.effective_to):
                return rs
        return None
