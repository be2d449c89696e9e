"""Turn what liaisons type into numbers, and a read workbook into typed rows.

Handles "95%", "95．5", full-width digits (NFKC), thousands separators, trailing units
("15个工作日", "0.5天", "3 小时"), blank versus 0, and percent cells stored as fractions:
0.95 from a %-formatted cell of a % indicator means 95; the same 0.95 from a plain cell is
ambiguous, so it is kept as given and flagged (``PERCENT_AMBIGUOUS``, a warning naming the
cell). Text that is not a number is an error naming the cell.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from etl import findings as F
from etl.read_excel import RawReturn, Row
from etl.template import (
    IND_COLS,
    SHEET_INDICATORS,
    SHEET_TASKS,
    SHEET_WORK,
    TASK_COLS,
    WORK_COLS,
    WORK_ITEMS,
)

UomClass = Literal["percent", "duration", "count", "other"]

# Placeholders liaisons type for "no value"; treated like an empty cell (then a 备注 is needed).
BLANK_TOKENS = {"", "-", "--", "—", "——", "/", "无", "n/a", "na", "暂无"}

_PERCENT = {"%", "百分比", "百分点"}
_DURATION = {"工作日", "天", "小时", "分钟", "月", "年"}
_COUNT = {"个", "件", "家", "项", "人", "人次", "户", "次", "台", "场", "笔", "条", "份", "套", "所", "座"}
_MONEY = {"元", "万元", "亿元"}
# spellings of the same unit of measure -> one canonical spelling
_ALIASES = {
    "％": "%",
    "日": "天",
    "自然日": "天",
    "日历日": "天",
    "个工作日": "工作日",
    "个自然日": "天",
    "个小时": "小时",
    "h": "小时",
    "min": "分钟",
    "分": "分钟",
    "个月": "月",
}

_NUMBER = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*(.*)$")

WORK_COUNT_KEYS = tuple(key for key, _label, kind, _ in WORK_ITEMS if kind == "count")
WORK_LABELS = {key: label for key, label, _kind, _ in WORK_ITEMS}


def canonical_uom(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip().lower()
    return _ALIASES.get(text, text)


def uom_class(uom: str | None) -> UomClass:
    """The range rule an indicator's unit of measure implies (see validate.py)."""
    canon = canonical_uom(uom)
    if canon in _PERCENT:
        return "percent"
    if canon in _DURATION:
        return "duration"
    if canon in _COUNT:
        return "count"
    return "other"


def range_class(indicator: Any) -> str:
    """The range rule for an indicator: by unit of measure, except that a growth rate
    (comparator ``growth``, e.g. 较2013年变化 -8 %) may be negative or above 100."""
    if indicator is None:
        return "other"
    if getattr(indicator, "comparator", None) == "growth":
        return "growth"
    return uom_class(indicator.unit)


@dataclass(frozen=True)
class Number:
    """A parsed cell: ``value`` None means blank; ``problem`` names why it could not be read."""

    value: float | None
    problem: Literal["not_number", "unit_mismatch"] | None = None
    unit_text: str | None = None
    ambiguous_percent: bool = False

    @property
    def blank(self) -> bool:
        return self.value is None and self.problem is None


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return unicodedata.normalize("NFKC", raw).strip().lower() in BLANK_TOKENS
    return False


def parse_number(raw: Any, *, uom: str | None = None, percent_cell: bool = False) -> Number:
    """Read one cell as a number in the indicator's unit of measure (percent points for %)."""
    if is_blank(raw):
        return Number(None)
    percent = uom_class(uom) == "percent"
    if isinstance(raw, bool):
        return Number(None, "not_number")
    if isinstance(raw, (int, float)):
        value = float(raw)
        if percent and percent_cell:
            return Number(round(value * 100, 10))
        return Number(value, ambiguous_percent=percent and 0 < value <= 1)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    m = _NUMBER.match(text)
    if not m:
        return Number(None, "not_number")
    value = float(m.group(1).replace(",", ""))
    unit_text = m.group(2).strip()
    if not unit_text:
        return Number(value, ambiguous_percent=percent and 0 < value <= 1)
    found = canonical_uom(unit_text)
    if uom is not None and found != canonical_uom(uom):
        if any(found in known for known in (_PERCENT, _DURATION, _COUNT, _MONEY)):
            return Number(None, "unit_mismatch", unit_text)
        return Number(None, "not_number", unit_text)
    return Number(value, unit_text=unit_text)


def parse_count(raw: Any) -> Number:
    """A work-information count (走访企业数 …): a plain number, "12家" / "12件" accepted."""
    if is_blank(raw):
        return Number(None)
    if isinstance(raw, bool):
        return Number(None, "not_number")
    if isinstance(raw, (int, float)):
        return Number(float(raw))
    m = _NUMBER.match(unicodedata.normalize("NFKC", str(raw)).strip())
    if not m or (m.group(2).strip() and canonical_uom(m.group(2)) not in _COUNT):
        return Number(None, "not_number")
    return Number(float(m.group(1).replace(",", "")))


def clean_text(raw: Any) -> str | None:
    """Free text as typed (numbers calamine gave as floats shown without a trailing .0)."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    return text or None


# --- a whole return -----------------------------------------------------------------------


@dataclass
class IndicatorValue:
    code: str | None
    row: int
    value: float | None
    note: str | None
    raw: Any
    uom: str | None
    range_class: str = "other"

    @property
    def cell(self) -> str:
        return f"{IND_COLS['value']}{self.row}"


@dataclass
class TaskValue:
    key: str | None
    row: int
    status: str | None
    pct: float | None
    progress: str | None
    problems: str | None
    next_steps: str | None


@dataclass
class WorkValue:
    key: str | None
    row: int
    value_num: float | None
    value_text: str | None


@dataclass
class ReturnData:
    """One return after normalising: typed rows plus every finding so far."""

    name: str
    sha256: str
    raw: RawReturn
    unit: str | None = None
    region: str | None = None
    period: date | None = None
    template_version: str | None = None
    catalog_version: str | None = None
    indicators: list[IndicatorValue] = field(default_factory=list)
    tasks: list[TaskValue] = field(default_factory=list)
    work: list[WorkValue] = field(default_factory=list)
    findings: list[F.Finding] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)


def normalize_return(raw: RawReturn, sha256: str, catalog: Any) -> ReturnData:
    """Type every input cell of ``raw``; unparseable cells become findings with their cell."""
    data = ReturnData(name=raw.name, sha256=sha256, raw=raw, findings=list(raw.findings))
    if not raw.readable:
        return data
    for row in raw.sheets.get(SHEET_INDICATORS, []):
        data.indicators.append(_indicator(row, raw, catalog, data.findings))
    for row in raw.sheets.get(SHEET_TASKS, []):
        data.tasks.append(_task(row, data.findings))
    for row in raw.sheets.get(SHEET_WORK, []):
        data.work.append(_work(row, data.findings))
    return data


def _indicator(row: Row, raw: RawReturn, catalog: Any, out: list[F.Finding]) -> IndicatorValue:
    code = clean_text(row.get(IND_COLS["code"]))
    ind = catalog.indicators.get(code) if code else None
    uom = ind.unit if ind is not None else None
    cell = f"{IND_COLS['value']}{row.number}"
    value_raw = row.get(IND_COLS["value"])
    num = parse_number(value_raw, uom=uom, percent_cell=cell in raw.percent_cells)
    shown = clean_text(value_raw)
    if num.problem == "not_number":
        out.append(F.make("VALUE_NOT_NUMBER", SHEET_INDICATORS, cell, raw=shown))
    elif num.problem == "unit_mismatch":
        out.append(F.make("VALUE_UNIT_MISMATCH", SHEET_INDICATORS, cell, raw=shown, found=num.unit_text, uom=uom))
    elif num.ambiguous_percent:
        out.append(F.make("PERCENT_AMBIGUOUS", SHEET_INDICATORS, cell, value=fmt_number(num.value),
                          pct=fmt_number(round(num.value * 100, 10))))
    return IndicatorValue(code, row.number, num.value, clean_text(row.get(IND_COLS["note"])), value_raw, uom,
                          range_class(ind))


def _task(row: Row, out: list[F.Finding]) -> TaskValue:
    cell = f"{TASK_COLS['pct']}{row.number}"
    pct_raw = row.get(TASK_COLS["pct"])
    pct = parse_number(pct_raw, uom="%", percent_cell=False)
    if pct.problem:
        out.append(F.make("PCT_NOT_NUMBER", SHEET_TASKS, cell, raw=clean_text(pct_raw)))
    return TaskValue(
        key=clean_text(row.get(TASK_COLS["key"])),
        row=row.number,
        status=clean_text(row.get(TASK_COLS["status"])),
        pct=pct.value,
        progress=clean_text(row.get(TASK_COLS["progress"])),
        problems=clean_text(row.get(TASK_COLS["problems"])),
        next_steps=clean_text(row.get(TASK_COLS["next"])),
    )


def _work(row: Row, out: list[F.Finding]) -> WorkValue:
    key = clean_text(row.get(WORK_COLS["key"]))
    raw_value = row.get(WORK_COLS["value"])
    if key in WORK_COUNT_KEYS:
        num = parse_count(raw_value)
        if num.problem:
            out.append(F.make("WORK_COUNT_NOT_NUMBER", SHEET_WORK, f"{WORK_COLS['value']}{row.number}",
                              label=WORK_LABELS[key], raw=clean_text(raw_value)))
        return WorkValue(key, row.number, num.value, None)
    return WorkValue(key, row.number, None, clean_text(raw_value))


def fmt_number(value: float | None) -> str:
    """A number as a liaison would write it: 95, 95.5 (no trailing .0)."""
    if value is None:
        return ""
    return f"{value:.10g}"
