"""Find and parse the unit clause of a measure: who leads it and who shares it.

Plans name units in a bracketed clause at the end of a measure, in several spellings:
（责任单位：A、B等）, （牵头单位：A；责任单位：B）, （牵头部门：A；责任部门：B）,
（牵头单位：A，配合单位：B）, or in prose "A牵头，B按职责分工负责". Text is expected
normalised (full-width brackets and colons, see :mod:`indicators.textnorm`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROLES = {
    "牵头": "lead",
    "主责": "lead",
    "责任": "responsible",
    "配合": "cooperating",
    "协办": "cooperating",
}
_LABEL = re.compile(r"(牵头|主责|责任|配合|协办)(?:单位|部门)：")
_PROSE = re.compile(
    r"(?:^|[。；（])(?:由)?(?P<lead>[^，。；（）：]{2,80}?)牵头(?:负责)?"
    r"(?:[，、](?P<resp>[^。；（）：]{2,200}?)(?:按职责分工负责|按职责分工落实|按职责负责|配合|参与))?"
    r"[。；）]?$"
)
_FILLER_TAIL = re.compile(
    r"等(?:(?:各|其他)?[^、，等]{0,6}(?:部门|单位|机构))?$|(?:按职责分工)?负责$|共同$"
)
_COLLECTIVE_LIST = re.compile(r"各[^、，；]{1,2}(?:、[^、，；]{1,2})+")
_SPLIT = re.compile(r"[、，；]|以及|等(?=各)")  # "规建局等各相关部门": two names


@dataclass(frozen=True)
class UnitClause:
    """A parsed unit clause: names as printed, split into a list per role."""

    text: str
    start: int
    end: int
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(self.lead + self.responsible + self.cooperating))


def split_unit_names(text: str) -> list[str]:
    """ "A、B等部门，各区人民政府" -> ["A", "B", "各区人民政府"]; fillers like 等/等部门 dropped,
    a named group kept ("规建局等各相关部门" -> ["规建局", "各相关部门"])."""
    # "各街、镇、园区" is one collective name: shield its 、 from the split
    text = _COLLECTIVE_LIST.sub(lambda m: m.group(0).replace("、", "\x00"), text.strip("。；，、 "))
    names = []
    for part in _SPLIT.split(text):
        part = part.replace("\x00", "、")
        part = part.strip(" 。")
        part = re.sub(r"^由", "", part)
        stripped = _FILLER_TAIL.sub("", part).strip()
        part = stripped if len(stripped) >= 2 else part
        if len(part) >= 2 and part not in names:
            names.append(part)
    return names


def _enclosing_brackets(text: str, pos: int) -> tuple[int, int] | None:
    """Span (start, end) of the （…） group that contains ``pos``, nested brackets balanced."""
    depth = 0
    start = None
    for i in range(pos - 1, -1, -1):
        if text[i] == "）":
            depth += 1
        elif text[i] == "（":
            if depth == 0:
                start = i
                break
            depth -= 1
    if start is None:
        return None
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "（":
            depth += 1
        elif text[j] == "）":
            depth -= 1
            if depth == 0:
                return start, j + 1
    return start, len(text)


def _parse_labelled(body: str) -> dict[str, list[str]]:
    """ "牵头单位：A；责任单位：B、C" -> {"lead": [A], "responsible": [B, C]}."""
    roles: dict[str, list[str]] = {"lead": [], "responsible": [], "cooperating": []}
    labels = list(_LABEL.finditer(body))
    for k, label in enumerate(labels):
        end = labels[k + 1].start() if k + 1 < len(labels) else len(body)
        role = ROLES[label.group(1)]
        for name in split_unit_names(body[label.end() : end]):
            if name not in roles[role]:
                roles[role].append(name)
    return roles


def find_unit_clauses(text: str) -> list[UnitClause]:
    """Every labelled clause in ``text``, bracketed or running to the end of the sentence."""
    clauses: list[UnitClause] = []
    pos = 0
    while True:
        label = _LABEL.search(text, pos)
        if not label:
            break
        span = _enclosing_brackets(text, label.start())
        if span is None:
            stop = re.search(r"[。]|$", text[label.start() :])
            span = (label.start(), label.start() + stop.start())
            body = text[span[0] : span[1]]
        else:
            body = text[span[0] + 1 : span[1] - 1]
        roles = _parse_labelled(body)
        clauses.append(UnitClause(text[span[0] : span[1]], span[0], span[1], **roles))
        pos = span[1]
    return clauses


def find_prose_clause(text: str) -> UnitClause | None:
    """ "X牵头，Y按职责分工负责" at the end of a measure (bracketed or as its last sentence)."""
    tail = text.rstrip("。 ")
    cut = max(tail.rfind("。"), tail.rfind("（"))
    candidate = tail[cut:] if cut >= 0 else tail
    m = _PROSE.search(candidate)
    if not m or _LABEL.search(candidate):
        return None
    start = len(tail) - len(candidate) + (m.start("lead"))
    lead = split_unit_names(m.group("lead"))
    resp = split_unit_names(m.group("resp") or "")
    return UnitClause(candidate, start, len(tail), lead=lead, responsible=resp)


def parse_unit_clause(text: str) -> UnitClause | None:
    """The unit clause of one measure's text: all labelled clauses merged, else the prose form."""
    clauses = find_unit_clauses(text)
    if not clauses:
        return find_prose_clause(text)
    merged = {"lead": [], "responsible": [], "cooperating": []}
    for clause in clauses:
        for role, names in merged.items():
            names.extend(n for n in getattr(clause, role) if n not in names)
    return UnitClause("".join(c.text for c in clauses), clauses[0].start, clauses[-1].end, **merged)
