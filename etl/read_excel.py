"""Read a return workbook fast, keeping every value's sheet and cell address.

Values come from python-calamine (about 10x faster than openpyxl). Calamine cannot tell
whether a number was shown with a percent format (95 % is stored as 0.95), so the number
formats of the 本月值 column are read straight from the xlsx XML: openpyxl's read-only mode
costs ~8 ms per small file (measured), the XML scan well under 1 ms, and for a batch of
1,000 returns that is the difference between fitting the 10 s budget and not.

A file that is not a readable xlsx workbook becomes a ``FILE_UNREADABLE`` finding.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from etl import findings as F
from etl.template import (
    FIRST_DATA_ROW,
    IND_COLS,
    SHEET_INDICATORS,
    SHEET_META,
    SHEET_TASKS,
    SHEET_WORK,
)

DATA_SHEETS = (SHEET_INDICATORS, SHEET_TASKS, SHEET_WORK)

# Excel's built-in number formats 9 ("0%") and 10 ("0.00%").
_BUILTIN_PERCENT = {9, 10}
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


@dataclass
class Row:
    """One data row of a sheet: its 1-based row number and the cell values from column A."""

    number: int
    values: list[Any]

    def get(self, letter: str) -> Any:
        i = ord(letter) - ord("A")
        return self.values[i] if i < len(self.values) else None


@dataclass
class RawReturn:
    """What was read from one file, before normalising and validation."""

    name: str
    meta: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, list[Row]] = field(default_factory=dict)
    percent_cells: frozenset[str] = frozenset()  # addresses like "E7" on the 指标 sheet
    findings: list[F.Finding] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """Findings at this stage are all file-level errors (unsafe, unreadable, sheets missing)."""
        return not self.findings


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_return(name: str, data: bytes) -> RawReturn:
    """Read the four sheets of a return; problems become findings, never exceptions."""
    raw = RawReturn(name=name)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = set(wb.sheet_names)
    except Exception:  # noqa: BLE001 - calamine raises several error types for non-xlsx input
        raw.findings.append(F.make("FILE_UNREADABLE", name=name))
        return raw
    for sheet in (*DATA_SHEETS, SHEET_META):
        if sheet not in names:
            raw.findings.append(F.make("SHEET_MISSING", sheet=sheet))
    if raw.findings:
        return raw
    try:
        for sheet in DATA_SHEETS:
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            raw.sheets[sheet] = [
                Row(n, values)
                for n, values in enumerate(rows[FIRST_DATA_ROW - 1 :], start=FIRST_DATA_ROW)
                if not all(_blank(v) for v in values)
            ]
        for values in wb.get_sheet_by_name(SHEET_META).to_python(skip_empty_area=False):
            if len(values) >= 2 and not _blank(values[0]):
                raw.meta[str(values[0]).strip()] = _meta_text(values[1])
        raw.percent_cells = percent_cells(data, SHEET_INDICATORS, IND_COLS["value"])
    except Exception:  # noqa: BLE001 - a damaged workbook must become a finding, not a crash
        raw.findings.append(F.make("FILE_UNREADABLE", name=name))
    return raw


def _meta_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


# --- number formats straight from the xlsx XML --------------------------------------------


def _is_percent_code(code: str) -> bool:
    """A format code shows a percent when it has a % outside quoted text and escapes."""
    code = re.sub(r'"[^"]*"', "", code)
    code = re.sub(r"\\.", "", code)
    return "%" in code


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    """Indexes of cell styles (``cellXfs``) whose number format is a percent."""
    try:
        xml = zf.read("xl/styles.xml")
    except KeyError:
        return set()
    if b"%" not in xml and not _BUILTIN_PERCENT_REF.search(xml):
        return set()  # the common case (our template): no percent format at all, skip parsing
    root = ElementTree.fromstring(xml)
    custom = {
        int(el.get("numFmtId")): el.get("formatCode", "")
        for el in root.iterfind("m:numFmts/m:numFmt", _NS)
    }
    found = set()
    for i, xf in enumerate(root.iterfind("m:cellXfs/m:xf", _NS)):
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in _BUILTIN_PERCENT or (fmt in custom and _is_percent_code(custom[fmt])):
            found.add(i)
    return found


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding ``sheet``'s cells, via workbook.xml and its relationships."""
    wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rid = None
    for el in wb.iterfind("m:sheets/m:sheet", _NS):
        if el.get("name") == sheet:
            rid = el.get(f"{{{_NS['r']}}}id")
    if rid is None:
        return None
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for el in rels.iterfind("rel:Relationship", _NS):
        if el.get("Id") == rid:
            target = el.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


_BUILTIN_PERCENT_REF = re.compile(rb'numFmtId="(?:9|10)"')
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\s([^>]*)>")
_ATTR = re.compile(rb'\b(r|s)="([^"]*)"')


def percent_cells(data: bytes, sheet: str, column: str) -> frozenset[str]:
    """Addresses in ``column`` of ``sheet`` whose number format shows a percent."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        styles = _percent_styles(zf)
        if not styles:
            return frozenset()
        part = _sheet_part(zf, sheet)
        if part is None:
            return frozenset()
        xml = zf.read(part)
    col = column.encode()
    found = set()
    for m in _CELL_TAG.finditer(xml):
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = attrs.get(b"r", b"")
        in_column = ref[: len(col)] == col and ref[len(col) : len(col) + 1].isdigit()
        if in_column and int(attrs.get(b"s", b"0")) in styles:
            found.add(ref.decode())
    return frozenset(found)
