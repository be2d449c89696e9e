"""Read a plan file and normalise its text before extraction.

Plans arrive as web copies and Word exports: full-width digits, half-width brackets,
stray spaces inside numbers and titles, page numbers ("- 2 -") and Word bookmarks
("[bookmark: _GoBack]"). The extractor matches one canonical form, so every variant is
mapped here: digits, Latin letters, %, . and + half-width; brackets, colon and semicolon
full-width.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

CN_DIGITS = "零一二三四五六七八九"

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^[-－—–]+\s*\d+\s*[-－—–]+$|^第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?$")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’《》（）【】、，。；：！？…"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[{_CJK}])")
_SPACE_IN_NUMBER = re.compile(r"(?<=[\d.%])[ \t\u00a0]+(?=[\d.%])")
# Word turns a "一、" heading into an auto-list "1、<tab>heading"; mapped back below.
_WORD_LIST_HEADING = re.compile(r"^(\d{1,2})、[ \t\u00a0\u3000]+(\S.{0,29})$")
_COMMA_NOT_IN_NUMBER = re.compile(r"(?<!\d),|,(?!\d{3})")
_BRACKETS = str.maketrans({"(": "（", ")": "）", ":": "：", ";": "；", "﹙": "（", "﹚": "）"})
_FULLWIDTH_KEEP = {"（", "）", "：", "；", "，", "！", "？"}


def read_plan_text(path: str | Path) -> str:
    """Text of a .txt (UTF-8, BOM tolerated) or .docx plan; paragraphs and table rows as lines."""
    path = Path(path)
    if path.suffix.lower() == ".docx":
        return _docx_text(path)
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _docx_text(path: Path) -> str:
    """Paragraphs in order, then table cells (plans sometimes put measures in a table)."""
    import docx  # python-docx; imported lazily: only .docx input needs it

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
            lines.append("".join(cells))
    return "\n".join(lines)


def cn_numeral(n: int) -> str:
    """1 -> 一, 12 -> 十二, 35 -> 三十五 (enough for plan numbering, 1..99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_DIGITS[tens]
    return head + "十" + (CN_DIGITS[ones] if ones else "")


def cn_to_int(text: str) -> int | None:
    """一 -> 1, 十二 -> 12, 三十五 -> 35, 一百零一 -> 101; None if not a numeral."""
    text = text.replace("〇", "零")
    if not text or any(ch not in CN_DIGITS + "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CN_DIGITS.index(ch)
    return total + current


def normalise_char_widths(line: str) -> str:
    """Full-width digits/letters/% to half-width; brackets, colon, semicolon to full-width."""
    out = []
    for ch in line:
        if ch in _FULLWIDTH_KEEP:
            out.append(ch)
            continue
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 and (folded.isascii() or ch == "\u3000") else ch)
    line = "".join(out).replace("\u3000", " ")
    line = line.replace("＜", "<").replace("＞", ">").replace("≦", "≤").replace("≧", "≥")
    line = line.replace("<=", "≤").replace(">=", "≥")
    line = _COMMA_NOT_IN_NUMBER.sub("，", line)
    return line.translate(_BRACKETS)


def normalise_line(line: str) -> str:
    """One line in canonical form; page numbers and bookmarks become empty."""
    line = _BOOKMARK.sub("", line).strip()
    if _PAGE_NUMBER.match(line):
        return ""
    heading = _WORD_LIST_HEADING.match(line)
    if heading and not re.search(r"[。；;]$", heading.group(2)) and "单位" not in heading.group(2):
        line = f"{cn_numeral(int(heading.group(1)))}、{heading.group(2)}"
    line = normalise_char_widths(line)
    line = _SPACE_NEAR_CJK.sub("", line)
    line = _SPACE_IN_NUMBER.sub("", line)
    return line.strip()


def normalise_text(text: str) -> list[str]:
    """The plan as a list of normalised lines (line numbers kept: blank lines stay)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return [normalise_line(line) for line in text.split("\n")]
