"""Excel downloads of page tables, with Chinese headers, as bytes for ``st.download_button``.

Every cell goes through ``rules.celltext`` (``stream_value``, ``stream_cell``): user text is written as text,
never as a formula (issue 12).
"""

from __future__ import annotations

import io
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rules.celltext import stream_cell, stream_value
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


# rows of one sheet in Excel (1,048,576), less the header: a longer table goes on in 续 sheets
SHEET_ROWS = 1_048_575


def workbook_bytes(sheets: list[tuple[str, pd.DataFrame]], demo: bool = False) -> bytes:
    """Several sheets in one workbook (e.g. the assessment: 排名, 得分明细, 依据), each laid out
    like a page table's download; ``demo`` marks every sheet title 演示数据.

    Streamed (openpyxl's write-only mode): a national table of 350 k rows no longer holds every
    cell as an object (100 k rows took ~0.5 GB). A table longer than an Excel sheet continues
    on sheets named （续2）, （续3）…, each with the header, rather than being cut off."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for name, df in sheets:
        base = _BAD_SHEET_CHARS.sub("_", name) or "数据"
        keep = [c for c in df.columns
                if not df[c].map(lambda v: isinstance(v, (list, tuple)) or hasattr(v, "mask")).any()]
        widths = [_width(c, df[c]) for c in keep]  # from the whole table: 续 sheets look the same
        parts = range(0, max(len(df), 1), SHEET_ROWS)
        for n, start in enumerate(parts, start=1):
            part = base if n == 1 else f"{base[:25]}（续{n}）"
            title = (f"{DEMO_MARK}_{part}" if demo else part)[:31]
            while title in used:
                title = title[:29] + f"_{len(used)}"
            used.add(title)
            _fill_sheet(wb.create_sheet(title), df.iloc[start:start + SHEET_ROWS][keep], widths)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _width(column: str, values: pd.Series) -> float:
    """Column width from the header and the first 200 values."""
    header = COLUMN_LABELS.get(column, column)
    width = max([len(str(header))] + [len(str(v)) for v in values.head(200) if v is not None])
    return min(60, max(8, width * 2 + 2))


def _fill_sheet(ws, df: pd.DataFrame, widths: list[float]) -> None:
    """Header (bold, shaded, frozen) and the rows of ``df`` (its columns those to write)."""
    headers = [COLUMN_LABELS.get(c, c) for c in df.columns]
    for i, width in enumerate(widths, start=1):  # widths and panes go before the first row
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold, fill, centre = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), Alignment(horizontal="center")
    head = []
    for header in headers:
        cell = stream_cell(ws, header)
        cell.font, cell.fill, cell.alignment = bold, fill, centre
        head.append(cell)
    ws.append(head)
    formats = [("yyyy-mm" if name == "period" else "yyyy-mm-dd hh:mm")
               if pd.api.types.is_datetime64_any_dtype(df[name]) else None for name in df.columns]
    dated = [i for i, fmt in enumerate(formats) if fmt]
    for row in df.itertuples(index=False, name=None):
        cells = [stream_value(ws, _cell(v)) for v in row]
        for i in dated:
            if cells[i] is not None:
                cells[i] = stream_cell(ws, cells[i])
                cells[i].number_format = formats[i]
        ws.append(cells)
