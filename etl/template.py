"""The monthly return workbook a unit's liaison fills in.

The layout is a contract with ``etl/read_excel.py`` (docs/architecture.md, "Return
workbook"): sheet names, header row 3, data from row 4 and the column letters below are
read by position, so change them only together with the reader and ``TEMPLATE_VERSION``.

Percent indicators are entered as plain numbers in percent points (95 means 95 %): the
value cells never carry a percent number format, so the reader never sees a fraction
produced by Excel's percent formatting from a cell we wrote.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from rules.celltext import write_cell

TEMPLATE_VERSION = "2026.11"

SHEET_GUIDE = "填报说明"
SHEET_INDICATORS = "指标"
SHEET_TASKS = "任务进展"
SHEET_WORK = "工作信息"
SHEET_META = "_meta"

HEADER_ROW = 3
FIRST_DATA_ROW = 4

STATUSES = ("未启动", "推进中", "已完成", "滞后")

# key, label, kind ("count" = whole number, "text" = free text), explanation for the liaison
WORK_ITEMS: tuple[tuple[str, str, str, str], ...] = (
    ("visits", "走访企业数", "count", "本月走访、服务企业的家数（整数）"),
    ("issues_collected", "收集问题数", "count", "本月走访及各渠道收集的企业问题诉求件数（整数）"),
    ("issues_solved", "解决问题数", "count", "本月已解决的问题件数（整数，不得大于收集问题数）"),
    ("innovation", "改革创新情况", "text", "本月推出的改革创新举措及成效"),
    ("publicity", "学习宣传情况", "text", "政策学习、宣传解读、媒体报道情况"),
    ("activities", "活动开展情况", "text", "政企座谈、专场服务等活动开展情况"),
    ("practices", "国内外先进做法/典型案例线索", "text", "可供借鉴的先进做法或可总结推广的典型案例线索"),
)

# Column letters: the reader depends on them.
IND_COLS = {"code": "A", "name": "B", "uom": "C", "target": "D", "value": "E", "note": "F", "previous": "G"}
TASK_COLS = {
    "key": "A", "plan": "B", "number": "C", "title": "D", "status": "E",
    "pct": "F", "progress": "G", "problems": "H", "next": "I",
}
WORK_COLS = {"key": "A", "label": "B", "value": "C", "explain": "D"}

_COMPARATOR_SIGNS = {"<=": "≤", "<": "<", ">=": "≥", ">": ">", "=": "="}

_FONT = "宋体"
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_UNLOCKED = Protection(locked=False)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_BODY_FONT = Font(name=_FONT, size=11)


# named style per column of the data rows (input columns are unlocked)
KEY_HEADER = "系统编码（勿改）"  # the greyed key column A of each data sheet
_IND_STYLES = ("yb_code", "yb_text", "yb_center", "yb_text", "yb_input_center", "yb_input", "yb_center")
_TASK_STYLES = ("yb_code", "yb_small", "yb_center", "yb_text", "yb_input_center", "yb_input_center",
                "yb_input", "yb_input", "yb_input")


def _named_styles() -> list[NamedStyle]:
    """Cell styles registered once per workbook: setting a named style is several times
    cheaper in openpyxl than setting font, border, fill and alignment cell by cell."""
    def style(name: str, **kw: Any) -> NamedStyle:
        kw.setdefault("font", _BODY_FONT)
        kw.setdefault("border", _BORDER)
        return NamedStyle(name=name, **kw)

    return [
        style("yb_text", alignment=_WRAP_TOP),
        # column A: keys the system reads back, greyed so that people read past them
        style("yb_code", alignment=Alignment(vertical="top"), font=Font(name=_FONT, size=8, color="A6A6A6"),
              fill=PatternFill("solid", fgColor="F2F2F2")),
        style("yb_center", alignment=_CENTER),
        style("yb_small", alignment=_WRAP_TOP, font=Font(name=_FONT, size=9)),
        style("yb_input", alignment=_WRAP_TOP, fill=_INPUT_FILL, protection=_UNLOCKED),
        style("yb_input_center", alignment=_CENTER, fill=_INPUT_FILL, protection=_UNLOCKED),
        style("yb_header", alignment=_CENTER, fill=_HEADER_FILL, font=Font(name=_FONT, size=11, bold=True)),
    ]


@dataclass(frozen=True)
class SheetRows:
    """Where the data rows of a sheet are, for callers that fill a template (demo, bench)."""

    first: int
    last: int  # inclusive; last < first when the sheet has no data rows


def parse_period(period: date | str) -> date:
    """``date`` or ``"YYYY-MM"`` -> the first day of that month."""
    if isinstance(period, date):
        return period.replace(day=1)
    year, month = str(period).strip().split("-")[:2]
    return date(int(year), int(month), 1)


def format_number(value: float) -> str:
    """70.0 -> "70", 0.5 -> "0.5": targets read as people write them."""
    return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _with_unit(value: float, uom: str) -> str:
    text = format_number(value)
    return f"{text}%" if uom == "%" else f"{text} {uom}".rstrip()


def _in_force_for(indicator: Any, region: str, period: date) -> Any:
    """The target in force for ``region``'s units on some day of ``period``'s month."""
    last = (period.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return indicator.applies_to(region, last) or indicator.applies_to(region, period.replace(day=1))


def target_text(indicator: Any, period: date, region: str | None = None) -> str:
    """The target in force in ``period`` in readable Chinese, e.g. "≤ 70 工作日", "≥ 95%".

    With ``region``: only a target a plan sets for that region (else 本地区无目标: the value is
    still reported and compared)."""
    if region is not None and hasattr(indicator, "applies_to"):
        target = _in_force_for(indicator, region, period)
        if target is None:
            return "本地区无目标（仅报送比较）"
    else:
        target = indicator.target_on(period)
    if target is None:
        return "本期无目标"
    comparator, value = target.comparator, target.value
    if comparator == "city_avg":
        return "不高于全市平均" if indicator.direction == "lower_better" else "不低于全市平均"
    if comparator == "growth":
        year = indicator.baseline_year or "基期"
        sign = "≥" if indicator.direction == "higher_better" else "≤"
        return f"较{year}年增长 {sign} {format_number(value)}%（填本期水平值，不填增幅）"
    return f"{_COMPARATOR_SIGNS.get(comparator, comparator)} {_with_unit(value, indicator.unit)}"


_ROLLUP_WORDS = {"sum": "累计", "mean": "平均", "max": "最高值", "min": "最低值", "latest": "期末值",
                 "ratio": "期末值"}


def fill_rule(indicator: Any, period: date) -> str | None:
    """What the return asks for a quarterly or yearly indicator (``rules.period`` judges it):
    the month's own figure, or the figure since the period began. None for monthly ones."""
    if indicator.frequency == "monthly":
        return None
    span = "全年" if indicator.frequency == "yearly" else "本季度"
    if indicator.report == "cumulative":
        first = 1 if indicator.frequency == "yearly" else (period.month - 1) // 3 * 3 + 1
        months = f"{first}月" if first == period.month else f"{first}-{period.month}月"
        return f"{span}目标；填{period.year}年{months}累计数"
    return f"{span}目标，按{_ROLLUP_WORDS.get(indicator.rollup, '期末值')}评判；填本月数"


def due_date(period: date) -> date:
    """The return's due day: from rules.deadline when built, else the working-day calendar."""
    try:
        from rules.deadline import due_at

        return due_at(period).date()
    except ImportError:
        pass
    try:
        from rules.workdays import due_date as calendar_due

        return calendar_due(period)
    except ImportError:
        return period.replace(day=25)


def previous_values(db: str | os.PathLike | None, unit_id: str, period: date) -> dict[str, float | None]:
    """Last month's current accepted values of ``unit_id``, by indicator code.

    Reference only: a database without the schema yet gives an empty column, not an error.
    """
    if db is None:
        return {}
    import duckdb

    import store

    prev = (period.replace(day=1) - timedelta(days=1)).replace(day=1)
    try:
        with store.read(db) as con:
            rows = con.execute(
                "select code, value from observation where unit = ? and period = ? and is_current",
                [unit_id, prev],
            ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {code: value for code, value in rows}


def build_template(unit_id: str, period: date | str, *, catalog: Any = None, db: Any = None,
                   user: Any = None) -> Workbook:
    """The return workbook of ``unit_id`` for ``period`` (see the module docstring).

    With ``user``, a liaison may only build their own unit's workbook (``accounts.access``).
    """
    if user is not None:
        from accounts.access import require_template

        require_template(user, unit_id)
    if catalog is None:
        from indicators import load_catalog

        catalog = load_catalog()
    month = parse_period(period)
    unit = catalog.units[unit_id]
    region = catalog.regions[unit.region]
    indicators = list(catalog.indicators_for_unit(unit_id, month))
    measures = list(catalog.measures_for_unit(unit_id))
    previous = previous_values(db, unit_id, month)

    wb = Workbook()
    for named in _named_styles():
        wb.add_named_style(named)
    guide = wb.active
    guide.title = SHEET_GUIDE
    _guide_sheet(guide, unit, region, month, len(indicators), len(measures))
    name = unit_display_name(unit, region)
    _indicator_sheet(wb.create_sheet(SHEET_INDICATORS), name, month, indicators, previous, unit.region)
    _task_sheet(wb.create_sheet(SHEET_TASKS), unit, name, month, measures, catalog)
    _work_sheet(wb.create_sheet(SHEET_WORK), name, month)
    _meta_sheet(wb.create_sheet(SHEET_META), unit, month, catalog)
    return wb


def write_template(unit_id: str, period: date | str, out_path: str | os.PathLike, *,
                   catalog: Any = None, db: Any = None) -> Path:
    """Build and save the workbook; returns the path written."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    build_template(unit_id, period, catalog=catalog, db=db).save(out)
    return out


def unit_display_name(unit: Any, region: Any) -> str:
    """Unit name with its region in front when the name does not already say it."""
    prefixes = [p for p in (getattr(region, "short_name", None), region.name) if p]
    if any(unit.name.startswith(p) for p in prefixes) or region.kind == "city" and unit.name.startswith("市"):
        return unit.name
    return f"{prefixes[0]}{unit.name}"


def template_filename(unit: Any, region: Any, period: date) -> str:
    """``2026-11_经开区政务服务办_月报.xlsx``; characters a file system refuses become ``_``."""
    name = unit_display_name(unit, region)
    for ch in '\\/:*?"<>|':
        name = name.replace(ch, "_")
    return f"{period:%Y-%m}_{name}_月报.xlsx"


def data_rows(ws: Worksheet) -> SheetRows:
    """The data rows of a sheet written by this module."""
    return SheetRows(FIRST_DATA_ROW, ws.max_row if ws.max_row >= FIRST_DATA_ROW else FIRST_DATA_ROW - 1)


# --- sheets -----------------------------------------------------------------------------


def _guide_sheet(ws: Worksheet, unit: Any, region: Any, month: date, n_ind: int, n_tasks: int) -> None:
    due = due_date(month)
    name = unit_display_name(unit, region)
    contact = "、".join(x for x in (unit.liaison, unit.phone) if x)
    lines: list[tuple[str, str]] = [
        ("title", f"{name} {month.year}年{month.month}月营商环境工作月报"),
        ("", ""),
        ("head", "一、报送要求"),
        ("text", f"报送单位：{name}（{region.name}）"),
        ("text", f"报送月份：{month.year}年{month.month}月"),
        ("text", (f"报送截止：{due.year}年{due.month}月{due.day}日 24时前。逾期报送记为迟报，"
                  "截止后仍未报送记为逾期未报，均纳入季度考核。")),
        ("text", "报送方式：将本表上传至营商环境指标监测系统（月报上传页面），或按办公室通知报送。"),
        ("", ""),
        ("head", "二、填写方法"),
        ("text", "1. 只需填写浅黄色单元格，其余单元格已锁定，请勿修改表格结构、工作表名称或顺序。"),
        ("text", (f"2. “指标”表（本月共 {n_ind} 项）：在“本月值”列填写数字，不要带单位；百分比指标填百分数，"
                  "如 95 表示 95%；时限类指标按“计量单位”列填写（如 0.5 表示 0.5 天）。")),
        ("text", "3. 本月无法提供的数值请留空，并在“备注”中说明原因；与上月相比变化超过 50% 的，请在“备注”中说明。"),
        ("text", ("4. 季度、年度指标在季末、年末按全期评判，期内只看进度。“目标”列写明口径：写“填本月数”的只填"
                  "本月发生数（系统按期累计或平均），写“填……累计数”的填本期开始至本月的累计数。")),
        ("text", (f"5. “任务进展”表（本月共 {n_tasks} 项）：从下拉列表选择进展状态（未启动、推进中、已完成、滞后），"
                  "填写完成百分比（0–100 的数字）、本月进展、存在问题和下步计划；状态为“滞后”的须写明存在问题。")),
        ("text", ("6. “工作信息”表：走访企业数、收集问题数、解决问题数填整数（解决问题数不得大于收集问题数），"
                  "其余各项用文字简述，没有的填“无”。")),
        ("", ""),
        ("head", "三、校验与更正"),
        ("text", ("上传后系统自动校验。有错误的文件不予接收，系统列出错误所在的工作表和单元格（如 指标!E7）"
                  "及修改方法，请修改后重新上传；只有提示的文件照常接收。")),
        ("text", "已接收的月报如需更正，直接上传修改后的文件即可，以最后一次接收的版本为准，历史版本均留存。"),
        ("", ""),
        ("head", "四、联系方式"),
        ("text", f"填报问题请咨询{region.name}营商环境办公室（领导小组办公室）。"),
    ]
    if contact:
        lines.append(("text", f"本单位联络员：{contact}"))
    ws.column_dimensions["A"].width = 80
    for row, (kind, text) in enumerate(lines, start=1):
        cell = write_cell(ws, row, 1, text or None)
        if kind == "title":
            cell.font = Font(name=_FONT, size=16, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center")
            ws.row_dimensions[row].height = 30
        elif kind == "head":
            cell.font = Font(name=_FONT, size=12, bold=True)
        else:
            cell.font = Font(name=_FONT, size=11)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if len(text) > 48:  # LibreOffice/Excel do not grow rows of a saved file by themselves
                ws.row_dimensions[row].height = 15 * (len(text) // 48 + 1)
    _protect(ws)
    _print_setup(ws, landscape=False)


def _indicator_sheet(ws: Worksheet, name: str, month: date, indicators: list, previous: dict,
                     region: str | None = None) -> None:
    headers = [KEY_HEADER, "指标名称", "计量单位", "目标", "本月值", "备注", "上期值（参考）"]
    widths = [22, 40, 10, 22, 14, 32, 14]
    _title(ws, f"{name} {month.year}年{month.month}月 指标完成情况", len(headers))
    _note(ws, "只填浅黄色的“本月值”“备注”两列。本月值只填数字、不带单位，百分比指标填百分数（95 表示 95%）；"
              "留空须在备注中说明原因。", len(headers))
    _header(ws, headers, widths)
    value_dv = DataValidation(
        type="decimal", operator="between", formula1="-1000000000", formula2="1000000000000",
        allow_blank=True, showInputMessage=True, showErrorMessage=True, errorStyle="warning",
        promptTitle="本月值", prompt="只填数字，不带单位。百分比指标填百分数：95 表示 95%。",
        errorTitle="请填写数字", error="本月值应为数字（不带单位、不带 % 号）。",
    )
    note_dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="500", allow_blank=True,
                             showInputMessage=True, promptTitle="备注",
                             prompt="数值留空、或与上月相比变化超过 50% 时，请在此说明原因。")
    ws.add_data_validation(value_dv)
    ws.add_data_validation(note_dv)
    for i, ind in enumerate(indicators):
        r = FIRST_DATA_ROW + i
        prev = previous.get(ind.code)
        rule = fill_rule(ind, month)
        target = target_text(ind, month, region) + (f"（{rule}）" if rule else "")
        values = [ind.code, ind.name, ind.unit, target, None, None,
                  None if prev is None else prev]
        for col, value in enumerate(values, start=1):
            cell = write_cell(ws, r, col, value)
            cell.style = _IND_STYLES[col - 1]
        ws.row_dimensions[r].height = max(_row_height(ind.name, widths[1]), _row_height(target, widths[3]))
    if indicators:
        last = FIRST_DATA_ROW + len(indicators) - 1
        value_dv.add(f"E{FIRST_DATA_ROW}:E{last}")
        note_dv.add(f"F{FIRST_DATA_ROW}:F{last}")
    else:  # said in the note row: the data rows stay empty for the reader
        ws["A2"] = "本单位本月无需填报指标，本表不用填写。"
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    _protect(ws)
    _print_setup(ws)


def _task_sheet(ws: Worksheet, unit: Any, name: str, month: date, measures: list, catalog: Any) -> None:
    headers = [KEY_HEADER, "所属方案", "措施编号", "措施名称", "进展状态", "完成百分比", "本月进展", "存在问题", "下步计划"]
    widths = [10, 26, 9, 40, 11, 10, 34, 26, 26]
    _title(ws, f"{name} {month.year}年{month.month}月 任务推进落实情况", len(headers))
    _note(ws, "“进展状态”从下拉列表选择；“完成百分比”填 0–100 的数字；状态为“滞后”的须在“存在问题”中说明原因。",
          len(headers))
    _header(ws, headers, widths)
    status_dv = DataValidation(
        type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True,
        showInputMessage=True, showErrorMessage=True,
        promptTitle="进展状态", prompt="请从下拉列表选择：未启动、推进中、已完成、滞后。",
        errorTitle="进展状态无效", error="只能选择：未启动、推进中、已完成、滞后。",
    )
    pct_dv = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
        showInputMessage=True, showErrorMessage=True,
        promptTitle="完成百分比", prompt="填 0–100 的数字，如 60 表示完成 60%。",
        errorTitle="完成百分比无效", error="完成百分比应为 0 到 100 之间的数字。",
    )
    ws.add_data_validation(status_dv)
    ws.add_data_validation(pct_dv)
    for i, m in enumerate(measures):
        r = FIRST_DATA_ROW + i
        plan = catalog.plans.get(m.plan) if hasattr(catalog, "plans") else None
        plan_title = plan.title if plan is not None else m.plan
        role = "牵头" if unit.id in m.lead_units else "责任"
        title = f"{m.title}（{role}）"
        values = [m.key, plan_title, m.number, title, None, None, None, None, None]
        for col, value in enumerate(values, start=1):
            write_cell(ws, r, col, value).style = _TASK_STYLES[col - 1]
        ws.row_dimensions[r].height = max(_row_height(title, widths[3]), _row_height(plan_title, widths[1] * 1.2), 45)
    if measures:
        last = FIRST_DATA_ROW + len(measures) - 1
        status_dv.add(f"E{FIRST_DATA_ROW}:E{last}")
        pct_dv.add(f"F{FIRST_DATA_ROW}:F{last}")
    else:
        ws["A2"] = "本单位无牵头或承担的措施，本表不用填写。"
    ws.freeze_panes = f"E{FIRST_DATA_ROW}"
    _protect(ws)
    _print_setup(ws)


def _work_sheet(ws: Worksheet, name: str, month: date) -> None:
    headers = [KEY_HEADER, "项目", "填报内容", "说明"]
    widths = [16, 28, 56, 46]
    _title(ws, f"{name} {month.year}年{month.month}月 工作信息", len(headers))
    _note(ws, "前三项填整数（解决问题数不得大于收集问题数）；其余各项用文字简述，没有的填“无”。", len(headers))
    _header(ws, headers, widths)
    count_dv = DataValidation(
        type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showInputMessage=True, showErrorMessage=True,
        promptTitle="数量", prompt="填不小于 0 的整数。",
        errorTitle="请填写整数", error="此项应为不小于 0 的整数。",
    )
    ws.add_data_validation(count_dv)
    for i, (key, label, kind, explain) in enumerate(WORK_ITEMS):
        r = FIRST_DATA_ROW + i
        for col, value in enumerate((key, label, None, explain), start=1):
            write_cell(ws, r, col, value).style = "yb_code" if col == 1 else "yb_text"
        value_cell = ws[f"{WORK_COLS['value']}{r}"]
        value_cell.style = "yb_input_center" if kind == "count" else "yb_input"
        if kind == "count":
            count_dv.add(value_cell.coordinate)
            ws.row_dimensions[r].height = 34
        else:
            ws.row_dimensions[r].height = 60
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    _protect(ws)
    _print_setup(ws)


def _meta_sheet(ws: Worksheet, unit: Any, month: date, catalog: Any) -> None:
    rows = [
        ("template_version", TEMPLATE_VERSION),
        ("unit_id", unit.id),
        ("region_id", unit.region),
        ("period", f"{month:%Y-%m}"),
        ("catalog_version", str(getattr(catalog, "version", ""))),
        ("generated_at", datetime.now(UTC).isoformat(timespec="seconds")),
    ]
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=value)
    ws.sheet_state = "veryHidden"
    _protect(ws)


# --- helpers ----------------------------------------------------------------------------


def _title(ws: Worksheet, text: str, n_cols: int) -> None:
    """Row 1: centred across the table without merging (merged cells are slow to write and
    get in the way of readers)."""
    cell = ws.cell(row=1, column=1, value=text)
    cell.font = Font(name=_FONT, size=14, bold=True)
    cell.alignment = Alignment(horizontal="centerContinuous", vertical="center")
    for col in range(2, n_cols + 1):
        ws.cell(row=1, column=col).alignment = Alignment(horizontal="centerContinuous")
    ws.row_dimensions[1].height = 26


def _note(ws: Worksheet, text: str, n_cols: int) -> None:
    """Row 2: one line of guidance that runs across the empty cells to its right."""
    cell = ws.cell(row=2, column=1, value=text)
    cell.font = Font(name=_FONT, size=10, color="7F3F00")
    cell.alignment = Alignment(vertical="center")
    ws.row_dimensions[2].height = 20


def _header(ws: Worksheet, headers: list[str], widths: list[float]) -> None:
    for col, (text, width) in enumerate(zip(headers, widths), start=1):
        ws.cell(row=HEADER_ROW, column=col, value=text).style = "yb_header"
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 30


def _row_height(text: str, width: float) -> float:
    """Rough height for wrapped CJK text: a CJK character is about two width units."""
    per_line = max(int(width / 2) - 1, 1)
    lines = max(1, -(-len(text or "") // per_line))
    return max(20.0, 16.0 * lines + 4)


def _protect(ws: Worksheet) -> None:
    """Protect the sheet without a password; rows and columns may still be resized."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def _print_setup(ws: Worksheet, landscape: bool = True) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if ws.title != SHEET_GUIDE:
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
