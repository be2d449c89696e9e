"""Checks of ``assessment.yaml`` (the quarterly assessment's scoring rules) beyond its shape.

The shape is :class:`indicators.spec.AssessmentFile`; here are the rules a shape cannot say:
spans of rule sets do not overlap, each component carries exactly the setting it is scored
with, reporting parts add up to 1. Each check is one small function returning issues as
(code, key path, Chinese message); :mod:`indicators.catalog` files them under the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import date

from indicators.spec import AssessmentFile, RuleSetSpec

FILE_NAME = "assessment.yaml"
# which setting each component is scored with (the others must be absent)
SETTING_OF = {"indicators": "amber_credit", "tasks": "status_credit", "reporting": "parts", "external": None}
SETTINGS = ("amber_credit", "status_credit", "parts")
TASK_STATUSES = ("未启动", "推进中", "已完成", "滞后")

Found = tuple[str, str, str]


def _spans(spec: AssessmentFile) -> Iterator[Found]:
    sets = sorted(enumerate(spec.rule_sets), key=lambda x: x[1].effective_from)
    for i, rs in sets:
        if rs.effective_to is not None and rs.effective_to < rs.effective_from:
            yield ("ASSESS_DATES", f"rule_sets[{i}].effective_to", "失效日期早于生效日期")
    for (i, a), (j, b) in zip(sets, sets[1:]):
        end = a.effective_to or date.max
        if b.effective_from <= end:
            yield ("ASSESS_OVERLAP", f"rule_sets[{j}].effective_from",
                   f"与版本「{a.version}」的适用期重叠：同一季度只能适用一套考核规则")


def _versions(spec: AssessmentFile) -> Iterator[Found]:
    seen: set[str] = set()
    for i, rs in enumerate(spec.rule_sets):
        if rs.version in seen:
            yield ("ASSESS_DUPLICATE", f"rule_sets[{i}].version", f"版本号「{rs.version}」重复")
        seen.add(rs.version)


def _components(spec: AssessmentFile) -> Iterator[Found]:
    for i, rs in enumerate(spec.rule_sets):
        ids = [c.id for c in rs.components]
        for k, c in enumerate(rs.components):
            where = f"rule_sets[{i}].components[{k}]"
            if ids.count(c.id) > 1 and ids.index(c.id) != k:
                yield ("ASSESS_DUPLICATE", f"{where}.id", f"组成部分「{c.id}」重复")
            wanted = SETTING_OF[c.id]
            for setting in SETTINGS:
                present = getattr(c, setting) is not None
                if setting == wanted and not present:
                    yield ("ASSESS_MISSING", f"{where}.{setting}", f"「{c.name}」缺少计分设置 {setting}")
                elif setting != wanted and present:
                    yield ("ASSESS_UNUSED", f"{where}.{setting}", f"「{c.name}」不使用设置 {setting}，请删除")
        if not any(c.id != "external" for c in rs.components):
            yield ("ASSESS_MISSING", f"rule_sets[{i}].components",
                   "至少需要一个按数据计分的组成部分（indicators / tasks / reporting）")


def _credits(spec: AssessmentFile) -> Iterator[Found]:
    for i, rs in enumerate(spec.rule_sets):
        for k, c in enumerate(rs.components):
            where = f"rule_sets[{i}].components[{k}]"
            if c.status_credit is not None:
                missing = [s for s in TASK_STATUSES if s not in c.status_credit]
                if missing:
                    yield ("ASSESS_MISSING", f"{where}.status_credit", f"缺少进展状态：{'、'.join(missing)}")
                for s, v in c.status_credit.items():
                    if not 0 <= v <= 1:
                        yield ("ASSESS_RANGE", f"{where}.status_credit.{s}", "得分比例应在 0 到 1 之间")
            if c.parts is not None:
                if abs(sum(c.parts.values()) - 1) > 1e-9:
                    yield ("ASSESS_PARTS_SUM", f"{where}.parts",
                           f"各项权重之和应为 1，实际为 {sum(c.parts.values()):g}")
                for s, v in c.parts.items():
                    if v < 0:
                        yield ("ASSESS_RANGE", f"{where}.parts.{s}", "权重不能为负数")


CHECKS: list[Callable[[AssessmentFile], Iterator[Found]]] = [_spans, _versions, _components, _credits]


def problems(spec: AssessmentFile) -> list[Found]:
    """Every problem of a shape-valid assessment file, each check looped over."""
    return [found for check in CHECKS for found in check(spec)]


def rules_version(rs: RuleSetSpec) -> str:
    """Short hash of one rule set's content: stored with a lock, shown when rules changed since."""
    text = json.dumps(rs.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    return f"{rs.version}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
