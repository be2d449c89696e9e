"""A deterministic demo database built the way real data arrives.

For every chosen unit and month the real template is built (``etl.template``), its input
cells are filled with plausible values around each indicator's target, the workbook is
saved to disk and then imported through ``etl.ingest.ingest_files`` with a receipt time,
so the demo exercises the same reader, validation, archive and versioning as real returns.

The scenario (fixed seed): most returns on time, some late (after the 25th), some never
sent, a few rejected files followed by a corrected re-upload, a couple of duplicates, one
corrected resubmission of an accepted return, most indicators meeting their targets, some
near the target, some missing, and two units missing one indicator three months running.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from etl.demo_supervision import build_demo_supervision
from etl.normalize import uom_class
from etl.template import (
    FIRST_DATA_ROW,
    IND_COLS,
    SHEET_INDICATORS,
    SHEET_TASKS,
    SHEET_WORK,
    TASK_COLS,
    WORK_COLS,
    build_template,
    template_filename,
)

SEED = 20261123
TZ = ZoneInfo("Asia/Shanghai")


_PROGRESS = (
    "按计划推进，已完成阶段性工作并形成工作台账。",
    "召开专题推进会，细化任务分工和时间节点。",
    "完成流程梳理，线上办理功能已上线试运行。",
    "开展企业走访和需求调研，收集意见建议并逐项落实。",
    "配套制度文件已印发，正在组织业务培训。",
    "与相关部门会商，打通数据共享接口。",
)
_PROBLEMS = (
    "部门间数据共享尚未完全打通，影响办理时限。",
    "系统改造需要上级部门配合，进度慢于预期。",
    "专业人员不足，部分工作需协调支援。",
    "涉及跨部门审批事项，协调难度较大。",
)
_NEXT = (
    "下月完成系统联调并全面推开。",
    "加强督导调度，按月通报进展。",
    "提请会商会协调解决跨部门问题。",
    "总结经验做法，形成可复制推广的案例。",
)
_TEXTS = {
    "innovation": ("推行“一件事”集成办理，减少材料和环节。", "试点告知承诺制，审批时限进一步压缩。", "无"),
    "publicity": ("组织政策解读会，面向企业宣讲惠企政策。", "通过政务新媒体发布政策图解。", "开展业务学习一次。"),
    "activities": ("开展政企座谈会，现场解答企业诉求。", "举办专场服务活动，上门服务重点企业。", "无"),
    "practices": ("收集外地“高效办成一件事”做法，供参考借鉴。", "形成典型案例线索一条，拟报送评选。", "无"),
}
_CHANGE_NOTE = "本月数据波动较大，系统计口径调整及季节性因素所致。"
_BLANK_NOTE = "本月统计数据尚未出具，下月补报。"


@dataclass
class Upload:
    """One file the demo hands to the importer, and when it arrives."""

    path: Path
    received_at: datetime
    unit: str
    period: date
    kind: str  # on_time | late | error | corrected | duplicate | resubmit
    seq: int = 0  # order of arrival inside one receipt time


@dataclass
class DemoSummary:
    db: Path
    regions: list[str]
    units: list[str]
    periods: list[date]
    uploads: list[Upload] = field(default_factory=list)
    missing: list[tuple[str, date]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    late: int = 0
    seconds_generate: float = 0.0  # time the importer waited for workbooks to be written
    seconds_total: float = 0.0
    cpu_main: float = 0.0  # CPU seconds of this process (planning, importing)
    cpu_workers: float = 0.0  # CPU seconds of the worker processes that wrote the workbooks

    def text(self) -> str:
        """The summary the command prints (Chinese)."""
        p0, p1 = self.periods[0], self.periods[-1]
        o = self.outcomes
        return "\n".join([
            (f"演示数据已生成：{len(self.regions)} 个地区、{len(self.units)} 个单位、"
             f"{len(self.periods)} 个月（{p0:%Y-%m} 至 {p1:%Y-%m}）。"),
            (f"共导入文件 {len(self.uploads)} 个：接收 {o.get('accepted', 0)} 个，"
             f"退回 {o.get('rejected', 0)} 个（均已更正重报），重复 {o.get('duplicate', 0)} 个。"),
            f"迟报 {self.late} 份，逾期未报 {len(self.missing)} 份。",
            (f"用时 {self.seconds_total:.1f} 秒（其中等待生成 Excel {self.seconds_generate:.1f} 秒，"
             "其余为导入，生成与导入并行）；"
             f"CPU 时间：导入 {self.cpu_main:.1f} 秒，生成 Excel 的子进程 {self.cpu_workers:.1f} 秒。"),
            f"数据库：{self.db}（演示数据均标记为 is_demo）",
        ])


# --- choosing what to build ---------------------------------------------------------------


def default_end_period(today: date | None = None) -> date:
    """The last complete month: its returns were due on the 25th and are all in."""
    today = today or date.today()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_range(end: date, months: int) -> list[date]:
    out = [end.replace(day=1)]
    while len(out) < months:
        out.append((out[-1] - timedelta(days=1)).replace(day=1))
    return out[::-1]


def choose_units(catalog: Any, n_regions: int, n_units: int, period: date) -> dict[str, list[str]]:
    """The ``n_regions`` regions with the most units that have something to report (an
    indicator or a measure), and in each up to ``n_units`` of those, busiest first.

    A unit that owns nothing is never chosen: it is not expected to report, so its returns
    and its liaison account would show empty pages (districts have five such units each).
    """
    def load(unit_id: str) -> int:
        return len(catalog.indicators_for_unit(unit_id, period)) + len(catalog.measures_for_unit(unit_id))

    candidates = []
    for rid in sorted(catalog.regions):
        busy = [(load(u.id), u.id) for u in catalog.units_of_region(rid)]
        busy = sorted((-n, uid) for n, uid in busy if n > 0)
        if busy:
            candidates.append((-min(len(busy), n_units), -len(busy), rid, [uid for _n, uid in busy]))
    candidates.sort()
    return {rid: units[:n_units] for _full, _all, rid, units in candidates[:n_regions]}


# --- filling one workbook -----------------------------------------------------------------


def _round(value: float, uom: str) -> float:
    if uom_class(uom) == "count":
        return float(max(0, round(value)))
    return round(value, 1) if abs(value) >= 1 else round(value, 2)


def _meets(value: float, target: Any) -> bool:
    """Plain comparators only; relative targets count as met here."""
    v, comp = target.value, target.comparator
    return {"<=": value <= v, "<": value < v, ">=": value >= v, ">": value > v, "=": value == v}.get(comp, True)


def _untargeted_value(ind: Any, rng: random.Random) -> float:
    """A plausible value for an indicator the plans set no target for that month: a liaison
    fills it in all the same (an empty cell without a note is rejected)."""
    if uom_class(ind.unit) == "count":
        return float(rng.randint(0, 6))
    if ind.unit == "%":
        return _round(rng.uniform(80, 99), ind.unit)
    return _round(rng.uniform(1, 20), ind.unit)


def _level(ind: Any, target: Any, rng: random.Random) -> float:
    """A unit's usual value of an indicator: comfortably meeting the target."""
    v, uom = target.value, ind.unit
    comp = target.comparator
    if comp in ("<=", "<"):
        return v * rng.uniform(0.55, 0.9)
    if comp in (">=", ">"):
        if uom == "%":
            return min(100.0, v + (100 - v) * rng.uniform(0.3, 0.8)) if v < 100 else 100.0
        return v * rng.uniform(1.05, 1.4) if v else rng.uniform(5, 50)
    if comp == "=":
        return v
    if comp == "growth":
        if uom == "%":
            return v * rng.uniform(1.1, 1.6)
        base = ind.baseline or rng.uniform(50, 500)
        return base * (1 + v / 100) * rng.uniform(1.02, 1.2)
    # city_avg: a plausible level, compared with the other units later
    if uom == "%":
        return rng.uniform(88, 99)
    if ind.baseline:
        return ind.baseline * rng.uniform(0.8, 1.2)
    return rng.uniform(5, 60)


def _miss(ind: Any, target: Any, rng: random.Random, near: bool) -> float:
    """A value missing the target: ``near`` just past it (amber), else clearly."""
    v, comp = target.value, target.comparator
    band = target.amber or (abs(v) * 0.05 if v else 1.0)
    step = band * rng.uniform(0.2, 0.9) if near else max(band * 2, abs(v) * rng.uniform(0.15, 0.4))
    if comp in ("<=", "<"):
        return v + step
    if comp in (">=", ">", "="):
        return max(0.0, v - step)
    if comp == "growth":
        return v - step if ind.unit == "%" else (ind.baseline or 100) * (1 + (v - step * 2) / 100)
    return _level(ind, target, rng) * (0.85 if ind.direction == "higher_better" else 1.15)


_MONTHS_OF = {"quarterly": 3, "yearly": 12}
_PLAIN = ("<=", "<", ">=", ">")


def _month_share(ind: Any, target: Any) -> Any:
    """The target a month's figure is filled against: for a quarterly or yearly sum reported
    month by month (rules.period), the period's target spread evenly over its months."""
    n = _MONTHS_OF.get(ind.frequency)
    if n is None or ind.rollup != "sum" or target.comparator not in _PLAIN:
        return target
    amber = target.amber / n if target.amber else target.amber
    return target.model_copy(update={"value": target.value / n, "amber": amber})


def _cumulative_value(ind: Any, target: Any, period: date, rng: random.Random, state: "UnitState") -> float:
    """A figure reported as the total since the period began (report: cumulative): the
    period's usual level times the share of the period gone, never below last month's."""
    n = _MONTHS_OF[ind.frequency]
    months_in = (period.month - 1) % n + 1
    if ind.code not in state.levels:
        state.levels[ind.code] = _level(ind, target, rng)
    value = _round(state.levels[ind.code] * months_in / n * rng.uniform(0.9, 1.1), ind.unit)
    prev = state.last.get(ind.code) if months_in > 1 else None
    value = max(value, prev) if prev is not None else value
    state.last[ind.code] = value
    return value


@dataclass
class UnitState:
    """What a unit reported last month, so months follow on from each other."""

    levels: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    pct: dict[str, float] = field(default_factory=dict)


def fill_return(wb: Workbook, catalog: Any, period: date, rng: random.Random, state: UnitState,
                *, miss_codes: frozenset[str] = frozenset(), defect: str | None = None) -> None:
    """Fill the input cells of a built template as a careful liaison would.

    ``miss_codes`` must miss their target this month. ``defect`` plants one error the
    importer must reject: ``solved_exceeds`` (解决问题数 > 收集问题数), ``bad_status``
    (a status outside the list) or ``text_value`` (words in a number cell).
    """
    ws = wb[SHEET_INDICATORS]
    filled_any = False
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        code = ws[f"{IND_COLS['code']}{r}"].value
        ind = catalog.indicators.get(code) if code else None
        if ind is None:
            continue
        target = ind.target_on(period)
        if target is None:  # collected without a target (无目标): still reported, never judged
            ws[f"{IND_COLS['value']}{r}"] = _untargeted_value(ind, rng)
            filled_any = True
            continue
        if ind.frequency != "monthly" and ind.report == "cumulative" and target.comparator in _PLAIN:
            value = _cumulative_value(ind, target, period, rng, state)
            ws[f"{IND_COLS['value']}{r}"] = value
            filled_any = True
            continue
        shared = _month_share(ind, target)
        spread, target = shared is not target, shared
        if code not in state.levels:
            state.levels[code] = _level(ind, target, rng)
        roll = rng.random()
        note = None
        if code in miss_codes or roll < 0.06:
            value = _miss(ind, target, rng, near=False)
        elif roll < 0.14:
            value = _miss(ind, target, rng, near=True)
        elif roll < 0.15 and filled_any:
            value = None
            note = _BLANK_NOTE
        else:
            value = state.levels[code] * rng.uniform(0.97, 1.03)
            if uom_class(ind.unit) == "count":  # whole numbers: move by a few, not by 3 %
                step = rng.randint(0, max(1, round(state.levels[code] * 0.3)))
                value = state.levels[code] + (step if ind.direction == "higher_better" else -step)
            if ind.unit == "%":
                value = min(value, 100.0)
            if not _meets(_round(value, ind.unit), target):  # jitter must not turn a pass into a miss
                value = state.levels[code]
        if value is not None and spread and uom_class(ind.unit) == "count" and abs(value) < 5:
            value = int(value) + (1 if rng.random() < value - int(value) else 0)  # small counts: 0, 1, 2 ...
        if value is not None:
            value = _round(value, ind.unit)
            if ind.unit == "%" and value <= 1:
                value = 1.5  # a percent below 1 reads like a fraction to the importer
            prev = state.last.get(code)
            if prev and abs(value - prev) / abs(prev) > 0.45:
                note = _CHANGE_NOTE
            state.last[code] = value
            filled_any = True
        ws[f"{IND_COLS['value']}{r}"] = value
        ws[f"{IND_COLS['note']}{r}"] = note
    planted = False
    first_code = ws[f"{IND_COLS['code']}{FIRST_DATA_ROW}"].value if ws.max_row >= FIRST_DATA_ROW else None
    if defect == "text_value" and first_code in catalog.indicators:
        ws[f"{IND_COLS['value']}{FIRST_DATA_ROW}"] = "基本达标"
        planted = True
    planted = _fill_tasks(wb, rng, state, defect) or planted
    # a unit without indicators or measures still gets a defect the importer must catch
    _fill_work(wb, rng, "solved_exceeds" if defect and not planted else defect)


def _fill_tasks(wb: Workbook, rng: random.Random, state: UnitState, defect: str | None) -> bool:
    """Fill the measure rows; True when the ``bad_status`` defect was planted."""
    ws = wb[SHEET_TASKS]
    first = True
    planted = False
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        key = ws[f"{TASK_COLS['key']}{r}"].value
        if not key or ":" not in str(key):
            continue
        pct = state.pct.get(key)
        if pct is None:
            pct = rng.choice((0, 10, 20, 30, 40))
        lagging = rng.random() < 0.08
        if pct < 100 and not lagging:
            pct = min(100, pct + rng.choice((0, 5, 10, 10, 15, 20)))
        state.pct[key] = pct
        if pct >= 100:
            status = "已完成"
        elif lagging:
            status = "滞后"
        elif pct == 0:
            status = "未启动"
        else:
            status = "推进中"
        if defect == "bad_status" and first:
            status = "进行中"
            planted = True
        first = False
        ws[f"{TASK_COLS['status']}{r}"] = status
        ws[f"{TASK_COLS['pct']}{r}"] = pct
        ws[f"{TASK_COLS['progress']}{r}"] = "已完成全部任务。" if pct >= 100 else rng.choice(_PROGRESS)
        ws[f"{TASK_COLS['problems']}{r}"] = rng.choice(_PROBLEMS) if status == "滞后" else "无"
        ws[f"{TASK_COLS['next']}{r}"] = "巩固成效，做好常态化运行。" if pct >= 100 else rng.choice(_NEXT)
    return planted


def _fill_work(wb: Workbook, rng: random.Random, defect: str | None) -> None:
    ws = wb[SHEET_WORK]
    visits = rng.randint(3, 40)
    collected = rng.randint(0, visits)
    solved = rng.randint(0, collected)
    if defect == "solved_exceeds":
        solved = collected + rng.randint(1, 5)
    counts = {"visits": visits, "issues_collected": collected, "issues_solved": solved}
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        key = ws[f"{WORK_COLS['key']}{r}"].value
        if key in counts:
            ws[f"{WORK_COLS['value']}{r}"] = counts[key]
        elif key in _TEXTS:
            ws[f"{WORK_COLS['value']}{r}"] = rng.choice(_TEXTS[key])


# --- the scenario -------------------------------------------------------------------------


def _receipt(period: date, day: int, hour: int) -> datetime:
    """A receipt time ``day`` days into the reporting month (may run into the next month)."""
    return datetime(period.year, period.month, 1, hour, 0, tzinfo=TZ) + timedelta(days=day - 1)


# Arrival slots. ``ingest_files`` stamps every file of one call with the same receipt time
# and each call pays a fixed validation cost (~0.1–1 s), so each month's returns arrive in two
# calls: an on-time batch (a day between the 18th and the 24th) and a late batch (after the
# 25th, up to early next month). Rejected files, their corrections and resubmissions ride in
# the on-time batch in that order; duplicates arrive with the late batch.
_ON_TIME_DAYS = (18, 20, 22, 24)
_LATE_DAYS = (27, 29, 33, 36)


@dataclass(frozen=True)
class FileJob:
    """One workbook to write: ``defect`` set for a file the importer must reject."""

    path: Path
    unit: str
    period: date
    miss_codes: frozenset[str] = frozenset()
    defect: str | None = None


@dataclass
class Scenario:
    """Every decision of the demo, before any file is written."""

    uploads: list[Upload]
    missing: list[tuple[str, date]]
    jobs: dict[date, list[FileJob]]  # per month, in unit order
    resubmits: dict[date, list[tuple[Path, Path]]]  # (accepted file, corrected copy) per month


def plan_scenario(catalog: Any, units: list[str], periods: list[date], workdir: Path,
                  rng: random.Random) -> Scenario:
    """Decide who sends what when; decisions come from ``rng`` in one fixed order."""
    uploads: list[Upload] = []
    missing: list[tuple[str, date]] = []
    jobs: dict[date, list[FileJob]] = {p: [] for p in periods}
    resubmits: dict[date, list[tuple[Path, Path]]] = {p: [] for p in periods}
    n = len(units)
    # two units miss one indicator three months running (a red flag for the dashboard)
    chronic: dict[str, tuple[str, set[date]]] = {}
    for u in units[: min(2, n)]:
        owned = sorted(i.code for i in catalog.indicators_for_unit(u, periods[-1]))
        if owned and len(periods) >= 3:
            chronic[u] = (rng.choice(owned), set(periods[-3:]))
    late_unit = units[-1] if n > 2 else None  # one habitually late unit
    duplicates_left, resubmits_left = 2, 1
    defects = ("solved_exceeds", "bad_status", "text_value")
    seq = 0

    def arrive(path: Path, at: datetime, unit_id: str, period: date, kind: str) -> None:
        nonlocal seq
        seq += 1
        uploads.append(Upload(path, at, unit_id, period, kind, seq))

    for pi, period in enumerate(periods):
        month_dir = workdir / f"{period:%Y-%m}"
        on_time_at = _receipt(period, rng.choice(_ON_TIME_DAYS), 15)
        late_at = _receipt(period, rng.choice(_LATE_DAYS), 10)
        for ui, unit_id in enumerate(units):
            roll = rng.random()
            # a small demo still shows one missing, one late and one rejected return
            if (pi == len(periods) - 1 and ui == 1 % n) or roll < 0.04:
                missing.append((unit_id, period))
                continue
            unit = catalog.units[unit_id]
            name = template_filename(unit, catalog.regions[unit.region], period)
            code, months = chronic.get(unit_id, ("", set()))
            miss = frozenset({code}) if period in months else frozenset()
            forced_late = pi == 0 and ui == 0
            forced_bad = pi == 0 and ui == min(2, n - 1) and not forced_late
            late = forced_late or (not forced_bad and ((unit_id == late_unit and rng.random() < 0.6) or roll > 0.9))
            bad = forced_bad or (not late and roll < 0.075)
            if bad:
                path = month_dir / name.replace("_月报", "_月报_有误")
                jobs[period].append(FileJob(path, unit_id, period, defect=defects[(pi + ui) % len(defects)]))
                arrive(path, on_time_at, unit_id, period, "error")
            path = month_dir / (name.replace("_月报", "_月报_更正") if bad else name)
            jobs[period].append(FileJob(path, unit_id, period, miss_codes=miss))
            kind = "corrected" if bad else ("late" if late else "on_time")
            arrive(path, late_at if late else on_time_at, unit_id, period, kind)
            if duplicates_left and roll > 0.5 and pi >= 1 and not bad:
                duplicates_left -= 1
                arrive(path, late_at, unit_id, period, "duplicate")
            elif (resubmits_left and pi >= 2 and not bad and not late and 0.3 < roll < 0.5
                  and catalog.indicators_for_unit(unit_id, period)):
                resubmits_left -= 1
                fix = month_dir / name.replace("_月报", "_月报_修订")
                resubmits[period].append((path, fix))
                arrive(fix, on_time_at, unit_id, period, "resubmit")
    uploads.sort(key=lambda u: (u.received_at, u.seq))
    return Scenario(uploads, missing, jobs, resubmits)


_WORKER_CATALOG: Any = None


def write_files(jobs: list[FileJob], states: dict[str, UnitState], seed: int,
                catalog: Any = None) -> dict[str, UnitState]:
    """Build, fill and save each job's workbook; returns the units' states after it.

    Values come from a generator seeded by (seed, unit, month), and what a unit reported
    before travels in its ``UnitState``, so files do not depend on which process wrote them.
    """
    catalog = catalog or _WORKER_CATALOG
    out: dict[str, UnitState] = {}
    for job in jobs:
        wb = build_template(job.unit, job.period, catalog=catalog)
        rng = random.Random(f"{seed}:{job.unit}:{job.period:%Y-%m}:{job.defect or ''}")
        if job.defect:
            fill_return(wb, catalog, job.period, rng, UnitState(), defect=job.defect)
        else:
            state = out.get(job.unit) or states.get(job.unit) or UnitState()
            fill_return(wb, catalog, job.period, rng, state, miss_codes=job.miss_codes)
            out[job.unit] = state
        job.path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(job.path)
    return out


class Writer:
    """Writes one month of workbooks at a time, in forked worker processes when asked,
    so the next month is written while the current one is imported."""

    def __init__(self, catalog: Any, seed: int, workers: int):
        self.catalog, self.seed, self.workers = catalog, seed, workers
        self.states: dict[str, UnitState] = {}
        self.pool = None
        if workers > 1:
            import multiprocessing

            global _WORKER_CATALOG
            _WORKER_CATALOG = catalog  # inherited by the forked workers, never pickled
            self.pool = multiprocessing.get_context("fork").Pool(workers)
            _WORKER_CATALOG = None

    def start(self, jobs: list[FileJob]) -> Callable[[], None]:
        """Begin writing ``jobs``; the returned function waits for them (and keeps the states)."""
        if self.pool is None:
            self.states.update(write_files(jobs, self.states, self.seed, self.catalog))
            return lambda: None
        by_unit: dict[str, list[FileJob]] = {}
        for job in jobs:
            by_unit.setdefault(job.unit, []).append(job)
        units = list(by_unit)
        chunks = [units[i :: self.workers * 2] for i in range(self.workers * 2)]
        pending = [
            self.pool.apply_async(write_files, ([j for u in chunk for j in by_unit[u]],
                                                {u: self.states[u] for u in chunk if u in self.states}, self.seed))
            for chunk in chunks if chunk
        ]

        def wait() -> None:
            for result in pending:
                self.states.update(result.get())

        return wait

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None


def plan_uploads(catalog: Any, units: list[str], periods: list[date], workdir: Path, rng: random.Random,
                 *, seed: int = SEED, workers: int = 1) -> tuple[list[Upload], list[tuple[str, date]], float]:
    """Plan the scenario and write all its workbooks (no import); returns uploads, missing, seconds."""
    t0 = time.perf_counter()
    scenario = plan_scenario(catalog, units, periods, workdir, rng)
    writer = Writer(catalog, seed, workers)
    try:
        for period in periods:
            writer.start(scenario.jobs[period])()
            for original, fix in scenario.resubmits[period]:
                _resubmit(original, fix)
    finally:
        writer.close()
    return scenario.uploads, scenario.missing, time.perf_counter() - t0


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _resubmit(original: Path, out: Path) -> None:
    """A unit corrects one value of an accepted return and sends it again."""
    from openpyxl import load_workbook

    wb = load_workbook(original)
    ws = wb[SHEET_INDICATORS]
    cell = ws[f"{IND_COLS['value']}{FIRST_DATA_ROW}"]
    if isinstance(cell.value, (int, float)):  # +1 keeps a count a whole number
        cell.value = cell.value + 1 if cell.value < 99 else cell.value - 1
    ws[f"{IND_COLS['note']}{FIRST_DATA_ROW}"] = "更正：原报数据有误，以本次为准。"
    wb.save(out)


def enrol_units(path: Path, catalog: Any, unit_ids: list[str]) -> None:
    """Put the simulated units on the reporting roster, so only they are chased as 逾期未报."""
    import store
    from etl import roster
    from accounts.access import SYSTEM_USER
    from rules.stats import ensure_catalog

    ensure_catalog(path, catalog)
    with store.write(path) as con:
        roster.add(con, unit_ids, SYSTEM_USER.username)
    from accounts.users import create_demo_accounts

    create_demo_accounts(path, units=unit_ids)  # office, leader, one liaison per unit (docs/accounts.md)


def enter_demo_references(path: Path, catalog: Any, periods: list[date], unit_ids: list[str]) -> int:
    """The office's references a real office would enter, as demo data: the city average of the
    first relative indicator the demo reports (the others stay 无参照: only one district reports
    them) and the baseline of every growth indicator. Sources say they are fictional."""
    from accounts.access import SYSTEM_USER
    from office import references

    owned = {i.code: i for u in unit_ids for p in periods for i in catalog.indicators_for_unit(u, p)}
    n = 0
    relative = sorted(c for c, i in owned.items() if i.comparator == "city_avg")
    if relative:
        references.add(SYSTEM_USER, kind="city_avg", code=relative[0], value=90.0, source="演示数据（虚构的全市平均）",
                       period_from=periods[0], period_to=periods[-1], db=path, is_demo=True)
        n += 1
    for code in sorted(c for c, i in owned.items() if i.comparator == "growth" and i.baseline is None):
        references.add(SYSTEM_USER, kind="baseline", code=code, value=100.0, source="演示数据（虚构的基期值）",
                       db=path, is_demo=True)
        n += 1
    return n


def build_demo(db: str | os.PathLike | None = None, *, regions: int = 8, units: int = 10, months: int = 12,
               seed: int = SEED, end_period: date | None = None, catalog: Any = None,
               workdir: str | os.PathLike | None = None,
               progress: Callable[[int, int], None] | None = None,
               workers: int | None = None) -> DemoSummary:
    """Write and import the demo returns into ``db`` (migrated first), month by month:
    while month M is imported, month M+1 is being written by the worker processes."""
    import store
    from accounts.access import SYSTEM_USER
    from etl.ingest import ingest_files

    if catalog is None:
        from indicators import load_catalog

        catalog = load_catalog()
    path = store.db_path(db)
    store.migrate(path)
    periods = month_range(end_period or default_end_period(), months)
    chosen = choose_units(catalog, regions, units, periods[-1])
    unit_ids = [u for rid in chosen for u in chosen[rid]]
    enrol_units(path, catalog, unit_ids)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    own_dir = workdir is None
    work = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="yingshang-demo-"))
    scenario = plan_scenario(catalog, unit_ids, periods, work, random.Random(seed))
    summary = DemoSummary(path, list(chosen), unit_ids, periods, scenario.uploads, scenario.missing)
    by_month: dict[date, dict[datetime, list[Upload]]] = {p: defaultdict(list) for p in periods}
    for up in scenario.uploads:
        by_month[up.period][up.received_at].append(up)
    outcomes: dict[str, int] = defaultdict(int)
    cpu0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    writer = Writer(catalog, seed, workers)
    t_start = time.perf_counter()
    try:
        wait = writer.start(scenario.jobs[periods[0]])
        done = 0
        for i, period in enumerate(periods):
            t0 = time.perf_counter()
            wait()
            for original, fix in scenario.resubmits[period]:
                _resubmit(original, fix)
            summary.seconds_generate += time.perf_counter() - t0
            if i + 1 < len(periods):
                wait = writer.start(scenario.jobs[periods[i + 1]])
            for received_at in sorted(by_month[period]):
                batch = by_month[period][received_at]
                results = ingest_files([u.path for u in batch], db=path, user=SYSTEM_USER,
                                       now=received_at, is_demo=True, catalog=catalog,
                                       refresh_stats=False)
                for res in results:
                    outcomes[res.status] += 1
                done += len(batch)
                if progress:
                    progress(done, len(scenario.uploads))
        enter_demo_references(path, catalog, periods, unit_ids)
        from rules import stats

        stats.refresh_db(path)  # the dashboard's precomputed judgments, once for all months
        add_assessment(path, periods, unit_ids)
        build_demo_supervision(path, unit_ids, periods[-1])  # 督办 items in every status
        summary.seconds_total = time.perf_counter() - t_start
        writer.close()  # reaps the workers, so their CPU time is counted
        summary.cpu_main = _cpu(resource.RUSAGE_SELF) - cpu0[0]
        summary.cpu_workers = _cpu(resource.RUSAGE_CHILDREN) - cpu0[1]
        summary.outcomes = dict(outcomes)
        with store.read(path) as con:
            summary.late = con.execute(
                "select count(*) from submission where status = 'accepted' and is_current and not on_time"
            ).fetchone()[0]
        return summary
    finally:
        writer.close()
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)


def add_assessment(path: Path, periods: list[date], unit_ids: list[str], seed: int = SEED) -> list[str]:
    """Two assessed quarters (the last two complete ones): plan 004's twelve typical cases as
    approved cases of their units, a few office deductions, innovation points and external
    evaluations for simulated units, and the older quarter locked. Returns the quarter keys."""
    from accounts.access import SYSTEM_USER, User
    from office import cases, entries, locks
    from rules.assess import Quarter
    from rules import deadline

    from etl.demo_cases import CASES

    months = set(periods)
    complete = sorted({Quarter.of(p) for p in periods if all(m in months for m in Quarter.of(p).months)})
    quarters = complete[-2:]
    if len(quarters) < 2:
        return [q.key for q in quarters]
    rng = random.Random(seed + 14)
    for slot, unit, measures, title, effect, narrative in CASES:
        q = quarters[slot]
        sent = deadline.due_at(q.months[1]) - timedelta(days=rng.randint(3, 12))
        case_id = cases.submit(User(unit, "liaison", unit), cases.CaseInput(unit, q.key, title, effect, narrative,
                                                                            measures=measures), path,
                               at=sent, is_demo=True)
        cases.decide(SYSTEM_USER, case_id, True, "经办公室审核，成效数据有据可查", path, at=sent + timedelta(days=5))
    picks = rng.sample(sorted(unit_ids), 6)
    for q in quarters:
        when = deadline.due_at(q.last) + timedelta(days=2)
        entries.add(SYSTEM_USER, picks[0], q.key, "deduction", 2, "企业投诉经核实属实（办理超时未告知）",
                    f"12345 工单核实意见（{q.label}）", path, at=when, is_demo=True)
        entries.add(SYSTEM_USER, picks[1], q.key, "deduction", 3, "市级督查发现承诺时限未落实",
                    f"督查通报（{q.label}）", path, at=when, is_demo=True)
        entries.add(SYSTEM_USER, picks[2], q.key, "innovation", 2, "“一件事”集成办理改革经验被全市推广",
                    "全市推广通知", path, at=when, is_demo=True)
        for unit, value in zip(picks[3:], (92.5, 88.0, 95.0)):
            entries.add(SYSTEM_USER, unit, q.key, "external", value, "营商环境第三方评价（演示）",
                        "第三方评估机构评价报告（演示数据）", path, at=when, is_demo=True)
    older = quarters[0]
    locked_at = deadline.due_at(older.last) + timedelta(days=15)
    locks.lock(SYSTEM_USER, older.key, "经领导小组会议审定（演示）", path, at=locked_at, now=locked_at)
    return [q.key for q in quarters]
