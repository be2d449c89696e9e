"""The project's one Word writer: official-document layout, user text always written as text.

Every .docx people open (专报, 督办单, …) is built here so the layout rules live in one place:
A4 with the margins of GB/T 9704 official documents, a bold CJK title, a 仿宋-like body,
"— n —" page numbers in the footer, tables scaled to the text width. Text from returns and
users goes in only as plain runs (``w:t``) after control characters are stripped, so text such
as ``{ PAGE }`` or ``=1+1`` can never become a field or a formula. The footer's page number is
the only field in a document, and it is ours.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from docx import Document as _new_docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

__all__ = [
    "Document", "new_document", "heading", "paragraph", "table", "image", "to_bytes",
    "clean_text", "text_width_cm", "BODY_FONTS", "TITLE_FONTS", "HEADING_FONTS",
]

# Page: A4 portrait, GB/T 9704-2012 margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm).
PAGE_W_CM, PAGE_H_CM = 21.0, 29.7
MARGINS_CM = {"top": 3.7, "bottom": 3.5, "left": 2.8, "right": 2.6}

# Faces in order of preference; the first one installed on this machine is named in the file
# (LibreOffice and Word both render a face they do not have with an unrelated default, so a
# server without 仿宋 names Noto CJK, which the project's scripts install).
TITLE_FONTS = ("方正小标宋简体", "小标宋", "华文中宋", "宋体", "SimSun",
               "Noto Serif CJK SC", "Noto Sans CJK SC")
BODY_FONTS = ("仿宋_GB2312", "仿宋", "FangSong", "STFangsong",
              "Noto Serif CJK SC", "Noto Sans CJK SC")
HEADING_FONTS = ("黑体", "SimHei", "Noto Sans CJK SC", "Noto Serif CJK SC")
SUBHEADING_FONTS = ("楷体_GB2312", "楷体", "KaiTi", "STKaiti", "Noto Serif CJK SC",
                    "Noto Sans CJK SC")
LATIN_FONT = "Times New Roman"

TITLE_PT, BODY_PT, TABLE_PT, SMALL_PT = 22, 16, 10.5, 12   # 二号, 三号, 五号, 小四
KEEP_TOGETHER_ROWS = 8                                         # shorter tables are not split
LINE_PT = 28                                                   # fixed line pitch of 公文 body
RULE_COLOR = "C00000"

# XML 1.0 forbids these; Word/LibreOffice refuse a file that holds them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: object) -> str:
    """Plain text for a run: None/NaN -> "", control characters dropped, CR/LF unified."""
    if value is None:
        return ""
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


@functools.lru_cache(maxsize=1)
def _installed_families() -> frozenset[str]:
    """Font family names fontconfig knows (empty if fc-list is missing)."""
    if not shutil.which("fc-list"):
        return frozenset()
    try:
        out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


def pick_font(candidates: Sequence[str]) -> str:
    """The first installed face of ``candidates``; the first one if none is (Word's machine)."""
    installed = _installed_families()
    for name in candidates:
        if name in installed:
            return name
    return candidates[0]


def _set_fonts(rpr_owner: Any, east_asia: str, size_pt: float | None = None,
               bold: bool | None = None) -> None:
    """Name the CJK face (``w:eastAsia``) as well as the Latin one; python-docx sets only Latin."""
    font = rpr_owner.font
    font.name = LATIN_FONT
    if size_pt is not None:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _add_run(par: Paragraph, text: object, *, font: str | None = None,
             size_pt: float | None = None, bold: bool | None = None,
             color: str | None = None) -> None:
    """One plain run per line; python-docx turns "\\n" into w:br and "\\t" into w:tab."""
    run = par.add_run(clean_text(text))
    if font is not None or size_pt is not None or bold is not None:
        _set_fonts(run, font or pick_font(BODY_FONTS), size_pt, bold)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def _spacing(par: Paragraph, *, before: float = 0, after: float = 0,
             exact_pt: float | None = LINE_PT) -> None:
    fmt = par.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if exact_pt:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(exact_pt)
    else:  # single: the body's exact 28 pt would clip a picture or a table cell to one line
        fmt.line_spacing = 1.0


def text_width_cm() -> float:
    return PAGE_W_CM - MARGINS_CM["left"] - MARGINS_CM["right"]


def _setup_page(doc: Document) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(PAGE_W_CM), Cm(PAGE_H_CM)
    sec.top_margin, sec.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
    sec.left_margin, sec.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
    sec.footer_distance = Cm(2.5)
    normal = doc.styles["Normal"]
    _set_fonts(normal, pick_font(BODY_FONTS), BODY_PT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(LINE_PT)
    normal.paragraph_format.space_after = Pt(0)
    _page_number_footer(sec)


def _page_number_footer(section: Any) -> None:
    """Footer "— n —" centred: the one field a document holds (PAGE), written by us."""
    par = section.footer.paragraphs[0]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_run(par, "— ", font=pick_font(BODY_FONTS), size_pt=14)
    run = par.add_run()
    _set_fonts(run, pick_font(BODY_FONTS), 14)
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None),
                       ("text", "1"), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
    _add_run(par, " —", font=pick_font(BODY_FONTS), size_pt=14)


def _bottom_rule(par: Paragraph, color: str = RULE_COLOR, size_eighths: int = 12) -> None:
    ppr = par._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("val", "single"), ("sz", str(size_eighths)), ("space", "1"), ("color", color)):
        bottom.set(qn(f"w:{k}"), v)
    borders.append(bottom)
    ppr.append(borders)


def new_document(title: str, *, issuer: str | None = None, date_line: str | None = None,
                 number: str | None = None) -> Document:
    """A4 document with its masthead: title, optional "第 n 期", issuer (left) and date (right)
    over a red rule. Everything after it is added with ``heading``/``paragraph``/``table``."""
    doc = _new_docx()
    _setup_page(doc)
    doc.core_properties.title = clean_text(title)
    doc.core_properties.author = clean_text(issuer) or ""
    head = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(head, before=0, after=6, exact_pt=None)
    _add_run(head, title, font=pick_font(TITLE_FONTS), size_pt=TITLE_PT, bold=True)
    if number:
        par = doc.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _spacing(par, after=6)
        _add_run(par, number, font=pick_font(BODY_FONTS), size_pt=BODY_PT)
    if issuer or date_line:
        par = doc.add_paragraph()
        par.paragraph_format.tab_stops.add_tab_stop(Cm(text_width_cm()), WD_TAB_ALIGNMENT.RIGHT)
        _spacing(par, after=0)
        _add_run(par, issuer or "", font=pick_font(BODY_FONTS), size_pt=SMALL_PT + 2)
        if date_line:
            par.add_run("\t")
            _add_run(par, date_line, font=pick_font(BODY_FONTS), size_pt=SMALL_PT + 2)
        _bottom_rule(par)
    else:
        _bottom_rule(head)
    spacer = doc.add_paragraph()
    _spacing(spacer, exact_pt=12)
    return doc


def heading(doc: Document, text: str, level: int = 1) -> Paragraph:
    """一级 in 黑体, 二级 in 楷体 bold, both in the body size (公文 headings are not larger)."""
    par = doc.add_paragraph()
    par.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    par.paragraph_format.keep_with_next = True
    _spacing(par, before=6 if level == 1 else 0)
    faces = HEADING_FONTS if level <= 1 else SUBHEADING_FONTS
    _add_run(par, text, font=pick_font(faces), size_pt=BODY_PT, bold=level > 1)
    return par


def paragraph(doc: Document, text: str, *, lead: str | None = None, indent: bool = True,
              size_pt: float = BODY_PT, align: str | None = None) -> Paragraph:
    """A body paragraph (first line indented two characters); ``lead`` is a bold opening phrase
    such as a unit's name before its quoted text."""
    par = doc.add_paragraph()
    if indent:
        par.paragraph_format.first_line_indent = Pt(size_pt * 2)
    if align == "center":
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    else:
        par.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _spacing(par, exact_pt=LINE_PT if size_pt >= BODY_PT else size_pt * 1.6)
    body = pick_font(BODY_FONTS)
    if lead:
        _add_run(par, lead, font=body, size_pt=size_pt, bold=True)
    _add_run(par, text, font=body, size_pt=size_pt)
    return par


def _columns_and_rows(data: pd.DataFrame | Sequence[Sequence[object]],
                      columns: Sequence[str] | Mapping[str, str]) -> tuple[list[str], list[list[str]]]:
    """Headers and text cells. A DataFrame with a mapping {column: header} keeps those columns in
    that order; with a list, the list names the columns (and is the header)."""
    if isinstance(data, pd.DataFrame):
        keys = list(columns.keys()) if isinstance(columns, Mapping) else list(columns)
        headers = list(columns.values()) if isinstance(columns, Mapping) else list(columns)
        missing = [k for k in keys if k not in data.columns]
        if missing:
            raise KeyError(f"表格缺少列：{'、'.join(missing)}")
        rows = [[_cell_text(v) for v in r] for r in data[keys].itertuples(index=False, name=None)]
        return [clean_text(h) for h in headers], rows
    headers = list(columns.values()) if isinstance(columns, Mapping) else list(columns)
    rows = [[_cell_text(v) for v in r] for r in data]
    for i, r in enumerate(rows):
        if len(r) != len(headers):
            raise ValueError(f"表格第 {i + 1} 行有 {len(r)} 列，表头有 {len(headers)} 列")
    return [clean_text(h) for h in headers], rows


def _cell_text(v: object) -> str:
    if isinstance(v, float) and not pd.isna(v) and v.is_integer():
        return str(int(v))
    return clean_text(v)


def _fixed_layout(tbl: Table, widths_cm: list[float]) -> None:
    """Fixed layout and explicit widths: Word and LibreOffice otherwise size columns by content
    and a long name pushes the table past the margin."""
    tbl.autofit = False
    tpr = tbl._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tpr.append(layout)
    tblw = tpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(int(sum(widths_cm) * 567)))
    for col, w in zip(tbl.columns, widths_cm):
        col.width = Cm(w)
    for row in tbl.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)


def _fit_widths(headers: list[str], rows: list[list[str]],
                widths: Sequence[float] | None) -> list[float]:
    """Column widths in cm summing to the text width: given weights scaled, else by text length."""
    total = text_width_cm()
    if widths is None:
        def longest(i: int) -> int:
            cells = [headers[i]] + [r[i] for r in rows[:200]]
            return max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in c) for c in cells)
        widths = [min(max(longest(i), 6), 40) for i in range(len(headers))]
    if len(widths) != len(headers):
        raise ValueError(f"列宽 {len(widths)} 个，表头 {len(headers)} 列")
    weight = sum(widths) or 1
    return [total * w / weight for w in widths]


def table(doc: Document, rows_or_dataframe: pd.DataFrame | Sequence[Sequence[object]],
          columns: Sequence[str] | Mapping[str, str], widths: Sequence[float] | None = None,
          *, font_pt: float = TABLE_PT) -> Table:
    """A grid table as wide as the text: bold header row repeated on every page, text cells."""
    headers, rows = _columns_and_rows(rows_or_dataframe, columns)
    widths_cm = _fit_widths(headers, rows, widths)
    tbl = doc.add_table(rows=1 + len(rows), cols=len(headers))
    tbl.style = doc.styles["Table Grid"]
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    face = pick_font(BODY_FONTS)
    keep = len(rows) <= KEEP_TOGETHER_ROWS
    # one pass over the rows: ``tbl.rows[r]`` walks the table from its start each time
    for r, (row, values) in enumerate(zip(tbl.rows, [headers] + rows)):
        if r == 0:
            trpr = row._tr.get_or_add_trPr()
            header = OxmlElement("w:tblHeader")
            header.set(qn("w:val"), "true")
            trpr.append(header)
        for cell, value in zip(row.cells, values):
            par = cell.paragraphs[0]
            par.alignment = WD_ALIGN_PARAGRAPH.CENTER if r == 0 else WD_ALIGN_PARAGRAPH.LEFT
            _spacing(par, exact_pt=None)
            # a short table stays on one page (as long as it fits)
            par.paragraph_format.keep_with_next = keep and r < len(rows)
            if r == 0:
                _add_run(par, value, font=pick_font(HEADING_FONTS), size_pt=font_pt, bold=False)
            else:
                _add_run(par, value, font=face, size_pt=font_pt)
    _fixed_layout(tbl, widths_cm)
    after = doc.add_paragraph()          # breathing space; a table may not end the document
    _spacing(after, exact_pt=10)
    return tbl


def image(doc: Document, png_bytes: bytes, width_cm: float, *,
          caption: str | None = None) -> Paragraph:
    """A centred picture no wider than the text, with an optional caption under it."""
    par = doc.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(par, before=6, after=0, exact_pt=None)
    par.paragraph_format.keep_with_next = bool(caption)
    width = Emu(int(Cm(min(width_cm, text_width_cm()))))
    par.add_run().add_picture(io.BytesIO(png_bytes), width=width)
    if caption:
        cap = doc.add_paragraph()
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _spacing(cap, after=6, exact_pt=None)
        _add_run(cap, caption, font=pick_font(BODY_FONTS), size_pt=SMALL_PT)
    return par


def to_bytes(doc: Document) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
