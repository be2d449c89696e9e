"""Load the YAML catalog into typed objects and cross-check it.

Every problem is collected (not only the first) as an :class:`Issue` naming the file and the
key path in plain Chinese, so an office worker editing YAML can fix them all in one go.
Loading runs on every app start, so it is kept to one pass over ~30 small files with the
C YAML parser; the default catalog is cached per process.
"""

from __future__ import annotations

import calendar
import hashlib
import itertools
import os
import pickle
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from indicators.models import Dept, Indicator, Measure, Plan, Region, Unit
import indicators.assessment as assessment_rules
from indicators.spec import AssessmentFile, DeptsFile, IndicatorsFile, PlanFile, RegionsFile, UnitsFile

DATA_DIR = Path(__file__).resolve().parent / "data"
_PROJECT_ROOT = DATA_DIR.parents[1]

try:  # the C parser is ~10x faster; fall back when libyaml is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

F = TypeVar("F", bound=BaseModel)


@dataclass(frozen=True)
class Issue:
    """One catalog problem: where (file, key path) and what (Chinese message)."""

    code: str
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class CatalogError(Exception):
    """The catalog has problems; ``issues`` lists all of them."""

    def __init__(self, issues: Sequence[Issue]):
        self.issues = list(issues)
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"指标目录有 {len(self.issues)} 个问题："]
        lines += [f"  {issue}" for issue in self.issues]
        return "\n".join(lines)


@dataclass
class Catalog:
    """The whole catalog; see docs/architecture.md "Catalog API"."""

    version: str
    regions: dict[str, Region]
    depts: dict[str, Dept]
    units: dict[str, Unit]
    plans: dict[str, Plan]
    measures: list[Measure]
    indicators: dict[str, Indicator]
    generic_phrases: tuple[str, ...] = ()
    every_district_phrases: tuple[str, ...] = ()
    path: Path = DATA_DIR
    # quarterly assessment rules (assessment.yaml); None when the catalog folder has none
    assessment: AssessmentFile | None = None
    # version of what the database mirror holds (everything but NOT_MIRRORED); "" = unknown
    mirror_version: str = ""
    _by_unit: dict[str, list[Indicator]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for ind in self.indicators.values():
            for owner in ind.owners:
                self._by_unit.setdefault(owner, []).append(ind)

    def units_of_region(self, region_id: str) -> list[Unit]:
        return [u for u in self.units.values() if u.region == region_id]

    def indicators_for_unit(self, unit_id: str, period: date) -> list[Indicator]:
        """Indicators ``unit_id`` reports whose target is in force in the month of ``period``."""
        start = period.replace(day=1)
        end = period.replace(day=calendar.monthrange(period.year, period.month)[1])
        return [i for i in self._by_unit.get(unit_id, []) if i.in_force(start, end)]

    def measures_for_unit(self, unit_id: str) -> list[Measure]:
        """Measures the unit leads or shares (lead or responsible)."""
        return [
            m for m in self.measures if unit_id in m.lead_units or unit_id in m.responsible_units
        ]

    def measures_of_plan(self, plan_id: str) -> list[Measure]:
        return [m for m in self.measures if m.plan == plan_id]

    def districts(self) -> list[Region]:
        return [r for r in self.regions.values() if r.kind == "district"]

    def zones(self) -> list[Region]:
        return [r for r in self.regions.values() if r.kind == "zone"]

    def common_indicators(self) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.common]

    @cached_property
    def measure_by_key(self) -> dict[str, Measure]:
        return {m.key: m for m in self.measures}


# ---------------------------------------------------------------- loading


def _display(path: Path) -> str:
    """Path shown in messages: relative to the project (indicators/data/...) when inside it."""
    try:
        return str(path.relative_to(_PROJECT_ROOT))
    except ValueError:
        return str(path)


def _key_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_PYDANTIC_MESSAGES = {
    "missing": "缺少必填项",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "date_parsing": "应为日期（如 2025-01-01）",
    "date_type": "应为日期（如 2025-01-01）",
    "date_from_datetime_parsing": "应为日期（如 2025-01-01）",
    "date_from_datetime_inexact": "应为日期（如 2025-01-01）",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "dict_type": "应为键值表",
    "model_type": "应为键值表",
    "model_attributes_type": "应为键值表",
}


def _pydantic_issues(err: ValidationError, file: str) -> list[Issue]:
    issues = []
    for e in err.errors():
        loc = tuple(e["loc"])
        kind = e["type"]
        if kind == "extra_forbidden":
            msg = f"未知的键「{loc[-1]}」（请检查拼写，或删除该项）"
        elif kind == "literal_error":
            msg = f"取值「{e.get('input')}」不在允许范围内，应为 {e.get('ctx', {}).get('expected', '')}"
        elif kind == "string_too_long":
            msg = f"过长（不超过 {e.get('ctx', {}).get('max_length')} 个字）"
        elif kind in _PYDANTIC_MESSAGES:
            msg = _PYDANTIC_MESSAGES[kind]
            if kind != "missing":
                msg += f"，实为「{e.get('input')}」"
        else:
            msg = f"格式错误（{e['msg']}）"
        issues.append(Issue("CAT_SCHEMA", file, _key_path(loc), msg))
    return issues


class _Reader:
    """Reads files, validates their shape and collects issues; hashes contents for the version."""

    def __init__(self, root: Path):
        self.root = root
        self.issues: list[Issue] = []

    def add(self, code: str, file: Path | str, path: str, message: str) -> None:
        shown = _display(file) if isinstance(file, Path) else file
        self.issues.append(Issue(code, shown, path, message))

    def read(self, path: Path, shape: type[F]) -> F | None:
        try:
            raw = path.read_bytes()
        except OSError as err:
            self.add("CAT_MISSING_FILE", path, "", f"无法读取文件（{err.strerror}）")
            return None
        try:
            data = yaml.load(raw, Loader=_Loader)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"第 {mark.line + 1} 行" if mark else ""
            self.add("CAT_YAML", path, where, f"YAML 格式错误：{getattr(err, 'problem', err)}")
            return None
        if not isinstance(data, dict):
            self.add("CAT_YAML", path, "", "文件内容应为键值表（顶层是 键: 值）")
            return None
        try:
            return shape.model_validate(data)
        except ValidationError as err:
            self.issues.extend(_pydantic_issues(err, _display(path)))
        return self._valid_part(data, shape)

    @staticmethod
    def _valid_part(data: dict, shape: type[F]) -> F | None:
        """The file without its invalid list items, so the rest is still cross-checked."""
        kept = dict(data)
        for name, info in shape.model_fields.items():
            args = typing.get_args(info.annotation)
            items = data.get(name)
            if not (
                args
                and isinstance(args[0], type)
                and issubclass(args[0], BaseModel)
                and isinstance(items, list)
            ):
                continue
            good = []
            for item in items:
                try:
                    good.append(args[0].model_validate(item))
                except ValidationError:
                    pass
            kept[name] = good
        try:
            return shape.model_validate(kept)
        except ValidationError:
            return None

    def files(self, sub: str) -> list[Path]:
        folder = self.root / sub
        if not folder.is_dir():
            self.add("CAT_MISSING_FILE", folder, "", "缺少目录")
            return []
        return sorted(folder.glob("*.yaml"))


def catalog_version(root: Path, skip: tuple[str, ...] = ()) -> str:
    """Short hash of every YAML file under ``root`` (names and bytes): changes whenever the catalog does."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.yaml")):
        if path.relative_to(root).as_posix() in skip:
            continue
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


# Files the database mirror does not hold: a change to them alone (new scoring rules) needs no
# re-mirror and no re-judging of every stored month.
NOT_MIRRORED = ("assessment.yaml",)


def mirror_version(root: Path) -> str:
    """``catalog_version`` of the files the database mirror is built from."""
    return catalog_version(root, NOT_MIRRORED)


def _read_regions(r: _Reader) -> dict[str, Region]:
    path = r.root / "regions.yaml"
    spec = r.read(path, RegionsFile)
    regions: dict[str, Region] = {}
    if not spec:
        return regions
    for i, reg in enumerate(spec.regions):
        if reg.id in regions:
            r.add("CAT_DUPLICATE", path, f"regions[{i}].id", f"地区代码「{reg.id}」重复")
        regions[reg.id] = reg
    for i, reg in enumerate(spec.regions):
        if reg.parent and reg.parent not in regions:
            r.add("CAT_DANGLING", path, f"regions[{i}].parent", f"未知的上级地区「{reg.parent}」")
    return regions


def _read_depts(r: _Reader) -> tuple[dict[str, Dept], DeptsFile | None]:
    path = r.root / "depts.yaml"
    spec = r.read(path, DeptsFile)
    depts: dict[str, Dept] = {}
    if not spec:
        return depts, None
    for i, d in enumerate(spec.depts):
        if d.code in depts:
            r.add("CAT_DUPLICATE", path, f"depts[{i}].code", f"部门代码「{d.code}」重复")
        depts[d.code] = Dept(code=d.code, name=d.name, aliases=tuple(d.aliases))
    return depts, spec


def _read_units(r: _Reader, regions: dict[str, Region], depts: dict[str, Dept]) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for path in r.files("units"):
        spec = r.read(path, UnitsFile)
        if not spec:
            continue
        if spec.region not in regions:
            r.add("CAT_DANGLING", path, "region", f"未知的地区「{spec.region}」")
            continue
        if path.stem != spec.region:
            r.add(
                "CAT_FILE_NAME", path, "region", f"文件名应为 {spec.region}.yaml（与地区代码一致）"
            )
        for i, u in enumerate(spec.units):
            if u.dept not in depts:
                r.add(
                    "CAT_DANGLING",
                    path,
                    f"units[{i}].dept",
                    f"未知的部门代码「{u.dept}」（请先在 depts.yaml 中登记）",
                )
                continue
            uid = f"{spec.region}.{u.dept}"
            if uid in units:
                r.add(
                    "CAT_DUPLICATE",
                    path,
                    f"units[{i}].dept",
                    f"单位「{uid}」重复（同一地区每个部门代码只能出现一次）",
                )
                continue
            aliases = tuple(dict.fromkeys([*u.aliases, *depts[u.dept].aliases]))
            units[uid] = Unit(
                id=uid,
                region=spec.region,
                name=u.name,
                dept=u.dept,
                aliases=aliases,
                liaison=u.liaison,
                phone=u.phone,
                demo=u.demo,
            )
    return units


def _check_schedule(r: _Reader, path: Path, key: str, schedule: list[float], frequency: str) -> None:
    """A schedule rises to 100 % over checkpoints that divide the period evenly."""
    if not schedule:
        return
    months = {"quarterly": 3, "yearly": 12}.get(frequency)
    if months is None:
        r.add("CAT_SCHEMA", path, f"{key}.schedule", "只有季度或年度指标可以写进度安排 schedule")
    elif months % len(schedule) != 0:
        r.add("CAT_SCHEMA", path, f"{key}.schedule",
              f"进度安排须把{months}个月等分（如年度写4个季度节点），现有{len(schedule)}个节点")
    elif any(b < a for a, b in zip(schedule, schedule[1:])) or schedule[-1] != 100:
        r.add("CAT_SCHEMA", path, f"{key}.schedule", "进度安排须逐步递增并以100（%）结束")


def _check_units(
    r: _Reader, path: Path, key: str, ids: Sequence[str], units: dict[str, Unit]
) -> None:
    for j, uid in enumerate(ids):
        if uid not in units:
            r.add("CAT_DANGLING", path, f"{key}[{j}]", f"未知的责任单位「{uid}」")


def _every_district(
    r: _Reader,
    path: Path,
    key: str,
    codes: Sequence[str],
    regions: dict[str, Region],
    depts: dict[str, Dept],
    units: dict[str, Unit],
) -> list[str]:
    """Expand department codes to that department's unit in every district (error when one lacks it)."""
    out: list[str] = []
    for j, dept in enumerate(codes):
        if dept not in depts:
            r.add("CAT_DANGLING", path, f"{key}[{j}]", f"未知的部门代码「{dept}」")
            continue
        for reg in regions.values():
            if reg.kind != "district":
                continue
            uid = f"{reg.id}.{dept}"
            if uid in units:
                out.append(uid)
            else:
                r.add(
                    "CAT_DANGLING",
                    path,
                    f"{key}[{j}]",
                    f"{reg.name}没有部门「{dept}」的单位（units/{reg.id}.yaml 中缺少）",
                )
    return out


def _read_plans(
    r: _Reader, regions: dict[str, Region], depts: dict[str, Dept], units: dict[str, Unit]
) -> tuple[dict[str, Plan], list[Measure], dict[str, Path]]:
    plans: dict[str, Plan] = {}
    measures: list[Measure] = []
    where: dict[str, Path] = {}
    for path in r.files("plans"):
        spec = r.read(path, PlanFile)
        if not spec:
            continue
        p = spec.plan
        if p.id in plans:
            r.add(
                "CAT_DUPLICATE",
                path,
                "plan.id",
                f"方案编号「{p.id}」重复（另见 {_display(where[p.id])}）",
            )
            continue
        if path.stem != p.id:
            r.add("CAT_FILE_NAME", path, "plan.id", f"文件名应为 {p.id}.yaml（与方案编号一致）")
        if p.region not in regions:
            r.add("CAT_DANGLING", path, "plan.region", f"未知的地区「{p.region}」")
        plans[p.id] = Plan(**p.model_dump())
        where[p.id] = path
        seq = {"measure": 0, "difficulty": 0}
        seen: set[tuple[str, str]] = set()
        for i, m in enumerate(spec.measures):
            if (m.kind, m.number) in seen:
                r.add("CAT_DUPLICATE", path, f"measures[{i}].number", f"措施编号「{m.number}」重复")
            seen.add((m.kind, m.number))
            seq[m.kind] += 1
            _check_units(r, path, f"measures[{i}].lead_units", m.lead_units, units)
            _check_units(r, path, f"measures[{i}].responsible_units", m.responsible_units, units)
            everywhere = _every_district(
                r, path, f"measures[{i}].district_depts", m.district_depts, regions, depts, units
            )
            measures.append(
                Measure(
                    plan=p.id,
                    number=m.number,
                    seq=seq[m.kind],
                    kind=m.kind,
                    section=m.section,
                    title=m.title,
                    lead_units=tuple(m.lead_units),
                    responsible_units=tuple(dict.fromkeys([*m.responsible_units, *everywhere])),
                    other_units=tuple(m.other_units),
                )
            )
    return plans, measures, where


# group words a target's ``scope`` may use besides region ids
SCOPE_GROUPS = {"districts": "district", "zones": "zone"}


def _inside(region: str, top: str, regions: dict[str, Region]) -> bool:
    """True when ``region`` is ``top`` or lies inside it (following ``parent``)."""
    seen: set[str] = set()
    cur: str | None = region
    while cur is not None and cur not in seen:
        if cur == top:
            return True
        seen.add(cur)
        cur = regions[cur].parent if cur in regions else None
    return False


def default_scope(plan: Plan, regions: dict[str, Region]) -> tuple[str, ...]:
    """A plan's targets apply to its own region; a city plan's to the city and every district
    (zones only where the text says 各区 or names them: written as ``scope`` in the YAML)."""
    if plan.region in regions and regions[plan.region].kind == "city":
        return (plan.region, *[g.id for g in regions.values() if g.kind == "district"])
    return (plan.region,)


def resolve_scope(
    r: _Reader, path: Path, key: str, words: Sequence[str], plan: Plan, regions: dict[str, Region]
) -> tuple[str, ...]:
    """Region ids a target applies to; an id outside the plan's region is a catalog error."""
    if not words:
        return default_scope(plan, regions)
    out: list[str] = []
    for j, w in enumerate(words):
        if w in SCOPE_GROUPS:
            out += [g.id for g in regions.values() if g.kind == SCOPE_GROUPS[w]]
        elif w in regions:
            out.append(w)
        else:
            r.add("CAT_DANGLING", path, f"{key}[{j}]", f"未知的地区「{w}」（可写地区代码，或 districts、zones）")
    outside = [g for g in dict.fromkeys(out) if not _inside(g, plan.region, regions)]
    if outside:
        home = regions[plan.region].name if plan.region in regions else plan.region
        names = "、".join(regions[g].name for g in outside)
        r.add("CAT_SCOPE", path, key,
              f"目标适用地区「{names}」不在方案 {plan.id}（{home}）的地区范围内：方案只能为本地区设定目标")
    return tuple(dict.fromkeys(out))


def _read_indicators(
    r: _Reader,
    regions: dict[str, Region],
    depts: dict[str, Dept],
    units: dict[str, Unit],
    plans: dict[str, Plan],
    measures: list[Measure],
) -> dict[str, Indicator]:
    numbers = {(m.plan, m.number) for m in measures}
    districts = [g.id for g in regions.values() if g.kind == "district"]
    zones = [g.id for g in regions.values() if g.kind == "zone"]
    indicators: dict[str, Indicator] = {}
    where: dict[str, Path] = {}
    for path in r.files("indicators"):
        spec = r.read(path, IndicatorsFile)
        if not spec:
            continue
        if spec.plan is not None and spec.plan not in plans:
            r.add("CAT_DANGLING", path, "plan", f"未知的方案「{spec.plan}」")
            continue
        d = spec.defaults
        for i, s in enumerate(spec.indicators):
            key = f"indicators[{i}]"
            before = len(r.issues)
            if s.code in indicators:
                r.add(
                    "CAT_DUPLICATE",
                    path,
                    f"{key}.code",
                    f"指标代码「{s.code}」重复（另见 {_display(where[s.code])}）",
                )
                continue
            plan_id = s.plan or spec.plan
            if plan_id is None:
                r.add(
                    "CAT_SCHEMA", path, f"{key}.plan", "缺少来源方案（在文件顶层或本指标写 plan）"
                )
                continue
            if plan_id not in plans:
                r.add("CAT_DANGLING", path, f"{key}.plan", f"未知的方案「{plan_id}」")
                continue
            if (plan_id, s.measure) not in numbers and not s.clause:
                r.add(
                    "CAT_DANGLING",
                    path,
                    f"{key}.measure",
                    f"方案 {plan_id} 中没有编号为「{s.measure}」的措施（规定在附件等处时请写 clause）",
                )
            _check_units(r, path, f"{key}.owners", s.owners, units)
            owners = list(s.owners)
            owners += _every_district(
                r, path, f"{key}.owner_depts", s.owner_depts, regions, depts, units
            )
            # zones report a common indicator too when they have that department
            owners += [
                f"{z}.{dept}"
                for dept in s.owner_depts
                if dept in depts
                for z in zones
                if f"{z}.{dept}" in units
            ]
            owners = list(dict.fromkeys(owners))
            if not owners:
                r.add("CAT_SCHEMA", path, f"{key}.owners", "缺少责任单位（owners 或 owner_depts）")
            if s.common:
                owned = {units[o].region for o in owners if o in units}
                missing = [regions[rid].name for rid in districts if rid not in owned]
                if missing:
                    r.add(
                        "CAT_COMMON_OWNER",
                        path,
                        f"{key}.owners",
                        "通用指标在以下区没有责任单位：" + "、".join(missing),
                    )
            if s.comparator == "growth" and s.baseline_year is None:
                r.add(
                    "CAT_SCHEMA",
                    path,
                    f"{key}.baseline_year",
                    "增长类目标（growth）须写基期年份 baseline_year",
                )
            _check_schedule(r, path, key, s.schedule, s.frequency or d.frequency or "monthly")
            if s.amber is not None and s.amber < 0:
                r.add("CAT_SCHEMA", path, f"{key}.amber", "预警带宽 amber 不能为负数")
            for j, t in enumerate(s.targets):
                if t.source_plan and t.source_plan not in plans:
                    r.add(
                        "CAT_DANGLING",
                        path,
                        f"{key}.targets[{j}].source_plan",
                        f"未知的方案「{t.source_plan}」",
                    )
                elif (
                    t.source_measure and (t.source_plan or plan_id, t.source_measure) not in numbers
                ):
                    r.add(
                        "CAT_DANGLING",
                        path,
                        f"{key}.targets[{j}].source_measure",
                        f"来源方案中没有编号为「{t.source_measure}」的措施",
                    )
                if t.effective_to and t.effective_to < t.effective_from:
                    r.add(
                        "CAT_SCHEMA",
                        path,
                        f"{key}.targets[{j}].effective_to",
                        "失效日期早于生效日期",
                    )
            scope = resolve_scope(r, path, f"{key}.scope", s.scope, plans[plan_id], regions)
            versions = []
            for j, t in enumerate(s.targets):
                owner_plan = plans.get(t.source_plan or plan_id)
                if owner_plan is None:
                    continue
                words = list(t.scope)
                t_scope = resolve_scope(r, path, f"{key}.targets[{j}].scope", words, owner_plan, regions) \
                    if words or t.source_plan else scope
                versions.append(t.model_copy(update={"scope": t_scope,
                                                     "source_plan": t.source_plan or plan_id}))
            ordered = sorted(s.targets, key=lambda t: t.effective_from)
            for a, b in itertools.pairwise(ordered):
                if a.effective_to is None or a.effective_to >= b.effective_from:
                    r.add(
                        "CAT_SCHEMA",
                        path,
                        f"{key}.targets",
                        f"目标版本的有效期重叠（{a.effective_from} 与 {b.effective_from}）",
                    )
            if len(r.issues) > before:
                continue
            plan = plans[plan_id]
            eff_from = s.effective_from or d.effective_from or plan.period_start or plan.issued
            eff_to = s.effective_to or d.effective_to or plan.period_end
            indicators[s.code] = Indicator(
                **s.model_dump(
                    exclude={
                        "owner_depts",
                        "plan",
                        "owners",
                        "frequency",
                        "rollup",
                        "report",
                        "effective_from",
                        "effective_to",
                        "scope",
                        "targets",
                    }
                ),
                targets=tuple(versions),
                scope=scope,
                plan=plan_id,
                owners=tuple(owners),
                frequency=s.frequency or d.frequency or "monthly",
                rollup=s.rollup or d.rollup or "latest",
                report=s.report or d.report or "month",
                effective_from=eff_from,
                effective_to=eff_to,
            )
            where[s.code] = path
    return indicators


def _read_assessment(r: _Reader) -> AssessmentFile | None:
    """The scoring rules beside the catalog (optional file), shape and rules checked."""
    path = r.root / assessment_rules.FILE_NAME
    if not path.exists():
        return None
    spec = r.read(path, AssessmentFile)
    if spec is None:
        return None
    for code, key, message in assessment_rules.problems(spec):
        r.add(code, path, key, message)
    return spec


def check_catalog(path: Path | str | None = None) -> tuple[Catalog | None, list[Issue]]:
    """Load and cross-check; returns the catalog (None when there are issues) and every issue."""
    root = Path(path) if path else DATA_DIR
    r = _Reader(root)
    if not root.is_dir():
        r.add("CAT_MISSING_FILE", root, "", "目录不存在")
        return None, r.issues
    regions = _read_regions(r)
    depts, dept_file = _read_depts(r)
    units = _read_units(r, regions, depts)
    plans, measures, _ = _read_plans(r, regions, depts, units)
    indicators = _read_indicators(r, regions, depts, units, plans, measures)
    assessment = _read_assessment(r)
    if r.issues:
        return None, r.issues
    catalog = Catalog(
        version=catalog_version(root),
        regions=regions,
        depts=depts,
        units=units,
        plans=plans,
        measures=measures,
        indicators=indicators,
        generic_phrases=tuple(dept_file.generic_phrases) if dept_file else (),
        every_district_phrases=tuple(dept_file.every_district_phrases) if dept_file else (),
        path=root,
        assessment=assessment,
        mirror_version=mirror_version(root),
    )
    return catalog, []


def _cache_dir() -> Path:
    return Path(
        os.environ.get("YINGSHANG_CATALOG_CACHE")
        or _PROJECT_ROOT / "data" / "tmp" / "catalog-cache"
    )


def _load_cached(root: Path) -> Catalog:
    """Load the catalog, reusing a pickle of an earlier load of the same YAML bytes.

    Parsing the YAML costs ~150 ms (PyYAML builds Python objects slowly); the pickle, keyed by
    the content hash, loads in a few ms, so the app starts fast and any YAML edit is seen.
    """
    version = catalog_version(root)
    # the pickle holds model objects: a change to the code that builds them invalidates it too
    code = hashlib.sha256()
    for name in ("models.py", "spec.py", "catalog.py", "assessment.py"):
        code.update((Path(__file__).parent / name).read_bytes())
    cache = _cache_dir() / f"catalog-{version}-{code.hexdigest()[:8]}.pickle"
    try:
        with cache.open("rb") as fh:
            catalog = pickle.load(fh)
        if isinstance(catalog, Catalog) and catalog.version == version:
            catalog.path = root
            return catalog
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
        pass
    catalog, issues = check_catalog(root)
    if catalog is None:
        raise CatalogError(issues)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        for old in cache.parent.glob("catalog-*.pickle"):
            old.unlink(missing_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(catalog, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:  # a read-only checkout still works, only slower
        pass
    return catalog


@lru_cache(maxsize=1)
def _default_catalog() -> Catalog:
    return _load_cached(DATA_DIR)


def load_catalog(path: Path | str | None = None) -> Catalog:
    """The catalog at ``path`` (default: the shipped one, cached); raises :class:`CatalogError`."""
    if path is None or Path(path).resolve() == DATA_DIR:
        return _default_catalog()
    catalog, issues = check_catalog(path)
    if catalog is None:
        raise CatalogError(issues)
    return catalog


load_catalog.cache_clear = _default_catalog.cache_clear  # type: ignore[attr-defined]
