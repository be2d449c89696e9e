"""Propose a plan's measures and numeric targets from its text (``python -m indicators extract``).

Pipeline, one small function per step: normalise the text (:mod:`indicators.textnorm`) ->
recognise numbered lines -> split the document into parts (main text, attachments) ->
split each part into numbered items -> find the numbering level that carries the unit
clauses (the measures) -> parse each measure's unit clause (:mod:`indicators.unitclause`)
and target phrases (:mod:`indicators.targetphrase`).

Plans nest differently: 000 and 002 number their measures （一）（二）…, 001 and 003 use
（一） or 一、 as group headings and number the measures 1. 2. … inside them. The measure
level is therefore chosen per part as the numbering style whose items most often end in
a unit clause, and the plan's measures come from the part with the most such items (001:
the 攻坚计划 in attachment 2). Nothing is dropped silently: numbered lines that cannot be
read, items with unit clauses outside the measure level or in another part, measures
without a unit clause and gaps in the numbering are listed under ``unparsed`` or
``warnings``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from indicators.targetphrase import find_targets
from indicators.textnorm import cn_to_int, normalise_text, read_plan_text
from indicators.unitclause import UnitClause, parse_unit_clause

CN = "一二三四五六七八九十百零〇"
# style -> (pattern, how the number is printed in canonical form)
NUMBERING: dict[str, re.Pattern[str]] = {
    "section": re.compile(rf"^(?P<n>[{CN}]{{1,4}})[、.](?P<rest>.*)$"),
    "paren_cn": re.compile(rf"^（(?P<n>[{CN}]{{1,4}})）[、.]?(?P<rest>.*)$"),
    "arabic": re.compile(r"^(?P<n>\d{1,3})(?P<sep>[.、])(?!\d)(?P<rest>.*)$"),
    "paren_ar": re.compile(r"^（(?P<n>\d{1,3})）[、.]?(?P<rest>.*)$"),
    "article": re.compile(rf"^第(?P<n>[{CN}]{{1,4}})条(?P<rest>.*)$"),
}
STYLE_LABELS = {
    "section": "一、",
    "paren_cn": "（一）",
    "arabic": "1.",
    "paren_ar": "（1）",
    "article": "第一条",
}
# a line that starts like a number but is not one of the styles above
_MALFORMED = re.compile(
    rf"^(?:（[{CN}]{{1,4}}(?![{CN}）])|[{CN}]{{1,4}}）|（\d{{1,3}}(?![\d）])(?!年)|\d{{1,3}}）|[{CN}]{{1,3}}[，,]\S)"
)
# "附件", "附件2", "附件：X", "附件2X" or "…方案的附件6"; not a sentence that starts with 附件
_ATTACHMENT = re.compile(r"^附件\s*(?:[\d一二三四五六七八九十]+\s*[：:]?|[：:]|$)|的附件\s*\d+$")
_SKIP_TITLE = re.compile(
    r"^(总体要求|指导思想|基本原则|工作原则|主要目标|工作目标|总体目标|发展目标|目标任务)"
)
_DIFFICULTY_SECTION = re.compile(r"难点|难题|堵点|痛点|卡点")
_END_PUNCT = "。；：，、！？"
TITLE_MAX = 24


@dataclass
class Numbered:
    """A line that starts with a number: its style, value, printed form and the rest."""

    style: str
    value: int
    printed: str
    rest: str


@dataclass
class Item:
    """One numbered block: its first line, the lines that follow it and where it sits."""

    numbered: Numbered
    line: int
    part: int
    section: str | None = None
    group: str | None = None
    body: list[str] = field(default_factory=list)
    clause: UnitClause | None = None

    @property
    def text(self) -> str:
        head = self.numbered.rest
        if self.body and head and head[-1] not in _END_PUNCT:
            head += "。"
        return head + "".join(self.body)


@dataclass
class Part:
    """A run of the document with its own numbering: the main text or one attachment."""

    index: int
    start: int  # 0-based line index
    end: int
    title: str = ""
    items: list[Item] = field(default_factory=list)
    loose: list[tuple[int, str]] = field(default_factory=list)  # text outside any numbered block
    measure_style: str | None = None
    score: int = 0


def parse_numbering(line: str) -> Numbered | None:
    """The numbering at the start of a normalised line, or None."""
    for style, pattern in NUMBERING.items():
        m = pattern.match(line)
        if not m:
            continue
        n = m.group("n")
        value = int(n) if n.isdigit() else cn_to_int(n)
        if value is None or value == 0:
            continue
        if style == "section" and not m.group("rest"):
            continue
        printed = {
            "section": f"{n}、",
            "paren_cn": f"（{n}）",
            "arabic": f"{n}{m.groupdict().get('sep', '.')}",
            "paren_ar": f"（{n}）",
            "article": f"第{n}条",
        }[style]
        return Numbered(style, value, printed, m.group("rest").strip())
    return None


def looks_malformed(line: str) -> bool:
    """A line that starts like a numbered item but matches no numbering style."""
    return parse_numbering(line) is None and bool(_MALFORMED.match(line))


def is_title_like(line: str) -> bool:
    """A short heading line: no sentence punctuation at its end, not numbered, not a clause."""
    return (
        0 < len(line) <= 40
        and line[-1] not in _END_PUNCT
        and parse_numbering(line) is None
        and "单位：" not in line
        and not re.fullmatch(r"[\d年月日\s（）()]+", line)
    )


def _title_before(lines: list[str], restart: int, floor: int) -> int:
    """Walk back from a restarted 一、 to the attachment's title lines; their first index."""
    boundary, found, paragraphs = restart, 0, 0
    j = restart - 1
    while j > floor:
        line = lines[j]
        if not line:
            if found:  # a title is one block of at most two lines
                break
            j -= 1
            continue
        if parse_numbering(line) is not None:
            break
        if is_title_like(line) and found < 2:
            boundary, found = j, found + 1
        elif found or paragraphs >= 2:
            break
        else:
            paragraphs += 1
        j -= 1
    return boundary


def split_parts(lines: list[str]) -> list[Part]:
    """Split at attachment markers and where 一、 numbering starts again (a new document)."""
    starts = [0]
    last_section = 0
    for i, line in enumerate(lines):
        if _ATTACHMENT.search(line) and i > 0:
            starts.append(i)
            last_section = 0
            continue
        numbered = parse_numbering(line)
        if numbered and numbered.style == "section":
            if last_section and numbered.value <= last_section:
                starts.append(max(_title_before(lines, i, starts[-1]), starts[-1] + 1))
            last_section = numbered.value
    starts = sorted(set(starts))
    parts = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        parts.append(
            Part(index=len(parts), start=start, end=end, title=_part_title(lines[start:end]))
        )
    return parts


def _part_title(lines: list[str]) -> str:
    """The title lines at the top of a part (a wrapped title spans two lines)."""
    title: list[str] = []
    for line in lines:
        if not line:
            continue
        marker = _ATTACHMENT.search(line)
        if marker:
            rest = _ATTACHMENT.sub("", line).strip()
            if rest and not title and marker.start() == 0:  # "附件2：X" names the attachment
                return rest
            continue  # "…方案的附件6": the attachment's own title follows
        if is_title_like(line) and len(title) < 2:
            title.append(line)
            continue
        break
    return "".join(title)


def split_items(lines: list[str], part: Part, unparsed: list[dict]) -> list[Item]:
    """Numbered blocks of one part; a unit clause closes its block (later lines are loose)."""
    items: list[Item] = []
    current: Item | None = None
    section = group = None
    for i in range(part.start, part.end):
        line = lines[i]
        if not line:
            continue
        numbered = parse_numbering(line)
        if numbered is None:
            if looks_malformed(line):
                unparsed.append(
                    _entry("malformed_number", i, line, "编号格式无法识别，未作为措施处理")
                )
                current = None
            elif current is not None and current.clause is None:
                current.body.append(line)
                current.clause = _clause_of(current)
            else:
                part.loose.append((i, line))
            continue
        if numbered.style == "section":
            section, group = numbered.rest.rstrip("。"), None
        elif numbered.style == "paren_cn":
            group = numbered.rest.rstrip("。")
        current = Item(
            numbered, i, part.index, section, group if numbered.style != "paren_cn" else None
        )
        current.clause = _clause_of(current)
        items.append(current)
    return items


def _clause_of(item: Item) -> UnitClause | None:
    clause = parse_unit_clause(item.text)
    return clause if clause and clause.names else None


def _excluded(item: Item) -> bool:
    """总体要求 and its subsections (指导思想, 基本原则, 主要目标 …) are not measures."""
    return bool(
        (item.section and _SKIP_TITLE.match(item.section)) or _SKIP_TITLE.match(item.numbered.rest)
    )


def _in_difficulty_section(item: Item) -> bool:
    return bool(item.section and _DIFFICULTY_SECTION.search(item.section))


def choose_measure_style(part: Part) -> None:
    """The numbering style whose items most often carry a unit clause is the measure level."""
    counts: dict[str, int] = {}
    for item in part.items:
        style = item.numbered.style
        if style == "section" or _excluded(item) or _in_difficulty_section(item):
            continue
        counts.setdefault(style, 0)
        counts[style] += item.clause is not None
    if counts and max(counts.values()) > 0:
        part.measure_style = max(counts, key=lambda s: (counts[s], -list(STYLE_LABELS).index(s)))
        part.score = counts[part.measure_style]


def _fallback_style(part: Part) -> str | None:
    """Without any unit clause: the style whose items carry the most text (the substance)."""
    sizes: dict[str, int] = {}
    for item in part.items:
        if item.numbered.style != "section" and not _excluded(item):
            sizes[item.numbered.style] = sizes.get(item.numbered.style, 0) + len(item.text)
    return max(sizes, key=sizes.get) if sizes else None


def short_title(item: Item) -> str:
    """A short title: the heading line, else the first sentence, cut to the catalog's limit."""
    head = item.numbered.rest
    if not (item.body and head and len(head) <= 30):
        head = re.split(r"[。；：]", item.text, maxsplit=1)[0]
    if item.clause and item.clause.text in head:
        head = head.replace(item.clause.text, "")
    head = re.sub(r"^措施：", "", head).strip("。；，、 ")
    return head if len(head) <= TITLE_MAX else head[: TITLE_MAX - 1] + "…"


def _entry(code: str, line_index: int, text: str, message: str, number: str | None = None) -> dict:
    entry = {"code": code, "line": line_index + 1, "text": text[:80], "message": message}
    if number is not None:
        entry["number"] = number
    return entry


def _measure_dict(item: Item, kind: str, seq: int, plan_id: str) -> dict:
    clause = item.clause
    result = {
        "number": item.numbered.printed,
        "seq": seq,
        "kind": kind,
        "section": item.section,
        "title": short_title(item),
        "lead_units": clause.lead if clause else [],
        "responsible_units": (clause.responsible + clause.cooperating) if clause else [],
        "line": item.line + 1,
    }
    if item.group and item.numbered.style != "paren_cn":
        result["group"] = item.group
    if clause:
        result["cooperating_units"] = clause.cooperating
        result["units_text"] = clause.text
    return result


def _targets_of(item: Item, plan_id: str, kind: str) -> list[dict]:
    text = item.text
    if item.clause and item.clause.text in text:
        text = text.replace(item.clause.text, "")
    out = []
    for candidate in find_targets(text):
        entry = candidate.as_dict()
        entry.update(plan=plan_id, measure=item.numbered.printed, measure_kind=kind)
        out.append(entry)
    return out


def check_sequence(items: list[Item], kind: str) -> list[dict]:
    """Numbers must run 1, 2, 3 … (restarting at 1 under a new group is fine)."""
    warnings = []
    previous = 0
    for item in items:
        value = item.numbered.value
        if value != previous + 1 and value != 1:
            what = "重复" if value <= previous else f"跳号（上一条为第{previous}条）"
            warnings.append(
                _entry(
                    "number_sequence",
                    item.line,
                    item.numbered.rest,
                    f"{'难点' if kind == 'difficulty' else '措施'}编号{item.numbered.printed}{what}",
                    item.numbered.printed,
                )
            )
        previous = value
    return warnings


def find_plan_title(lines: list[str]) -> str:
    """The document title: 《X》 of a 印发 notice, else the first title block at the top."""
    head = [line for line in lines[:20] if line]
    for line in head:
        m = re.search(r"《([^》]{4,80})》", line)
        if m and "印发" in line:
            return m.group(1)
    block: list[str] = []
    for line in head:
        if is_title_like(line):
            block.append(line)
            if re.search(
                r"(方案|措施|计划|意见|办法|通知|规划|细则|制度)(（[^）]*）)?$", "".join(block)
            ):
                break
        elif block:
            break
    title = "".join(block)
    m = re.search(r"关于印发(.+?)的通知$", title)
    return m.group(1) if m else title


def plan_id_from_path(path: Path) -> str:
    """000_da85cfb50fdfcd00.txt -> 000; otherwise the file name without its suffix."""
    m = re.match(r"^(\d{3})_", path.name)
    return m.group(1) if m else path.stem


def extract_lines(lines: list[str], plan_id: str, region: str | None = None) -> dict:
    """The plan in the export shape, from normalised lines."""
    unparsed: list[dict] = []
    warnings: list[dict] = []
    parts = split_parts(lines)
    for part in parts:
        part.items = split_items(lines, part, unparsed)
        choose_measure_style(part)
    primary = max(parts, key=lambda p: (p.score, -p.index))
    if primary.score == 0:
        primary = max(parts, key=lambda p: (len(p.items), -p.index))
        primary.measure_style = _fallback_style(primary)
        warnings.append(
            _entry(
                "no_unit_clauses",
                primary.start,
                primary.title or "",
                "全文未找到责任单位条款，按正文最多的编号层级推断措施",
            )
        )

    measures = [
        i
        for i in primary.items
        if i.numbered.style == primary.measure_style
        and not _excluded(i)
        and not _in_difficulty_section(i)
    ]
    difficulty_items = _difficulty_items(primary)
    chosen = {id(i) for i in measures + difficulty_items}

    for part in parts:
        for item in part.items:
            if id(item) in chosen or item.clause is None or item.numbered.style == "section":
                continue
            if part is primary:
                unparsed.append(
                    _entry(
                        "not_measure_level",
                        item.line,
                        item.numbered.rest,
                        f"带责任单位条款，但编号层级{STYLE_LABELS[item.numbered.style]}不是本方案的措施层级"
                        f"{STYLE_LABELS.get(primary.measure_style or '', '')}，未计入措施",
                        item.numbered.printed,
                    )
                )
            else:
                unparsed.append(
                    _entry(
                        "other_part",
                        item.line,
                        item.numbered.rest,
                        f"带责任单位条款，位于另一部分「{part.title or '第' + str(part.index + 1) + '部分'}」，未计入措施",
                        item.numbered.printed,
                    )
                )

    out_measures, indicators = [], []
    for kind, items in (("measure", measures), ("difficulty", difficulty_items)):
        warnings.extend(check_sequence(items, kind))
        for seq, item in enumerate(items, start=1):
            out_measures.append(_measure_dict(item, kind, seq, plan_id))
            indicators.extend(_targets_of(item, plan_id, kind))
            if item.clause is None:
                warnings.append(
                    _entry(
                        "measure_without_units",
                        item.line,
                        item.numbered.rest,
                        f"措施{item.numbered.printed}没有责任单位条款",
                        item.numbered.printed,
                    )
                )
    other_targets = _other_targets(parts, chosen, plan_id)
    if not out_measures:
        warnings.append(_entry("no_measures", 0, "", "未识别出任何措施"))

    return {
        "id": plan_id,
        "title": find_plan_title(lines),
        "region": region,
        "measures": out_measures,
        "indicators": indicators,
        "other_targets": other_targets,
        "unparsed": sorted(unparsed, key=lambda e: e["line"]),
        "warnings": sorted(warnings, key=lambda e: e["line"]),
        "parts": [_part_summary(p, p is primary) for p in parts],
    }


def _other_targets(parts: list[Part], chosen: set[int], plan_id: str) -> list[dict]:
    """Explicitly worded targets outside the measures (e.g. 7个工作日内办结 in an attachment)."""
    out = []
    for part in parts:
        texts = [(i.line, i.text) for i in part.items if id(i) not in chosen] + part.loose
        for line_index, text in sorted(texts):
            for candidate in find_targets(text):
                if candidate.explicit:
                    entry = candidate.as_dict()
                    entry.update(
                        plan=plan_id, measure=None, line=line_index + 1, part=part.index + 1
                    )
                    out.append(entry)
    return out


def _difficulty_items(part: Part) -> list[Item]:
    """Items of the first numbering level under a 难点 section (003: （一）…（九）)."""
    chosen: list[Item] = []
    level_of: dict[str, str] = {}
    for item in part.items:
        if item.numbered.style == "section" or not _in_difficulty_section(item):
            continue
        level = level_of.setdefault(item.section or "", item.numbered.style)
        if item.numbered.style == level:
            chosen.append(item)
    return chosen


def _part_summary(part: Part, primary: bool) -> dict:
    return {
        "index": part.index + 1,
        "line": part.start + 1,
        "title": part.title,
        "numbered_items": sum(i.numbered.style != "section" for i in part.items),
        "items_with_units": sum(i.clause is not None for i in part.items),
        "measure_level": STYLE_LABELS.get(part.measure_style or ""),
        "primary": primary,
    }


def extract_text(text: str, plan_id: str, region: str | None = None) -> dict:
    """Extract from raw plan text (normalised here)."""
    return extract_lines(normalise_text(text), plan_id, region)


def extract_file(path: str | Path, plan_id: str | None = None, region: str | None = None) -> dict:
    """Extract from a .txt or .docx file; the plan id defaults to the file name."""
    path = Path(path)
    return extract_text(read_plan_text(path), plan_id or plan_id_from_path(path), region)
