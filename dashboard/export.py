"""Excel downloads of page tables, with Chinese headers, as bytes for ``st.download_button``.

Every cell goes through ``rules.celltext.write_cell``: user text is written as text,
never as a formula (issue 12).
"""

from __future__ import annotations

import io
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rules.celltext import write_cell
from dashboard.format import COLUMN_LABELS

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _cell(v: object) -> object:
    """A value openpyxl can write: no NaN/NaT, no numpy scalars, naive datetimes."""
    if v is None:
        return None
    if isinstance(v, (list, tuple, dict)):
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return str(v)
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
        return v.replace(tzinfo=None) if v.tzinfo else v
    if hasattr(v, "item"):
        return v.item()
    return v


DEMO_MARK = "演示数据"


def to_excel_bytes(df: pd.DataFrame, sheet_name: str, demo: bool = False) -> bytes:
    """One sheet with Chinese headers (``format.COLUMN_LABELS``); list columns are left out.

    ``demo``: the database holds fictional people or returns; the sheet title says 演示数据 so
    a copy passed on is never mistaken for real contacts or figures."""
    return workbook_bytes([(sheet_name, df)], demo=demo)


def workbook_bytes(sheets: list[tuple[str, pd.DataFrame]], demo: bool = False) -> bytes:
    """Several sheets in one workbook (e.g. the assessment: 排名, 得分明细, 依据), each laid out
    like a page table's download; ``demo`` marks every sheet title 演示数据."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for name, df in sheets:
        base = _BAD_SHEET_CHARS.sub("_", name) or "数据"
        title = (f"{DEMO_MARK}_{base}" if demo else base)[:31]
        while title in used:
            title = title[:29] + f"_{len(used)}"
        used.add(title)
        _fill_sheet(wb.create_sheet(title), df)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fill_sheet(ws, df: pd.DataFrame) -> None:
    keep = [c for c in df.columns
            if not df[c].map(lambda v: isinstance(v, (list, tuple)) or hasattr(v, "mask")).any()]
    headers = [COLUMN_LABELS.get(c, c) for c in keep]
    for col, header in enumerate(headers, start=1):
        write_cell(ws, 1, col, header)
    for r, row in enumerate(df[keep].itertuples(index=False, name=None), start=2):
        for col, v in enumerate(row, start=1):
            write_cell(ws, r, col, _cell(v))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for i, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(horizontal="center")
        width = max([len(str(header))] + [len(str(v)) for v in df[keep[i - 1]].head(200) if v is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width * 2 + 2))
    for col, name in enumerate(keep, start=1):
        if pd.api.types.is_datetime64_any_dtype(df[name]):
            fmt = "yyyy-mm" if name == "period" else "yyyy-mm-dd hh:mm"
            for r in range(2, ws.max_row + 1):
                ws.cell(row=r, column=col).number_format = fmt
    ws.freeze_panes = "A2"
