"""The validation report a liaison reads after an upload: one row per finding, naming the
indicator, measure or work item of the row it points at (sheet and cell alone made people
count rows), with no machine code in it.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pandas as pd

SEVERITY = {"error": "错误", "warning": "提示"}
COLUMNS = ["级别", "工作表", "单元格", "指标或事项", "问题", "修改建议"]
# sheet -> the column that names the row's subject (template layout, etl.template)
NAME_COLUMN = {"指标": "B", "任务进展": "D", "工作信息": "B"}
_CELL = re.compile(r"^[A-Z]+(\d+)$")


def row_names(data: bytes | None) -> dict[tuple[str, int], str]:
    """(sheet, row) -> the name written in that row of the uploaded workbook; empty when the
    file cannot be read (its findings then say so themselves)."""
    if not data:
        return {}
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file: no names, the findings explain
        return {}
    out: dict[tuple[str, int], str] = {}
    try:
        for sheet, letter in NAME_COLUMN.items():
            if sheet not in wb.sheetnames:
                continue
            col = ord(letter) - ord("A")
            for i, row in enumerate(wb[sheet].iter_rows(values_only=True), start=1):
                if col < len(row) and isinstance(row[col], str) and row[col].strip():
                    out[(sheet, i)] = row[col].strip()
    finally:
        wb.close()
    return out


def report_frame(result: dict, data: bytes | None = None) -> pd.DataFrame:
    """One row per finding of an ingest result (``IngestResult.to_json()``), in the words
    the liaison reads; ``data`` (the uploaded bytes) lets each row name its indicator."""
    names = row_names(data) if (result.get("errors") or result.get("warnings")) else {}
    rows = []
    for sev, items in (("error", result.get("errors", [])), ("warning", result.get("warnings", []))):
        for x in items:
            sheet, cell = x.get("sheet"), x.get("cell")
            m = _CELL.match(cell or "")
            subject = names.get((sheet, int(m.group(1)))) if (sheet and m) else None
            rows.append({"级别": SEVERITY.get(sev, sev), "工作表": sheet or "—", "单元格": cell or "—",
                         "指标或事项": subject or "—", "问题": x.get("message", ""),
                         "修改建议": x.get("hint") or ""})
    return pd.DataFrame(rows, columns=COLUMNS)


def proposed_month(now: datetime, due_at) -> date:
    """The month to report now: the month whose deadline comes next among months already
    begun. On 2 December November's deadline (25 November) has passed and December's is the
    next: December. ``due_at(month)`` is the deadline of a month's return."""
    this = date(now.year, now.month, 1)
    last = date(this.year - (this.month == 1), (this.month - 2) % 12 + 1, 1)
    return last if now <= due_at(last) else this
