"""Map free text naming responsible units to unit ids, in the context of one region.

Plans name units loosely: "区市场监管局", "市场监督管理局（知识产权局）", "规建局等各相关部门",
"各区人民政府", "X牵头，Y按职责分工负责". The resolver never drops a name silently: every
piece ends up as a unit id, a *generic* phrase (各相关部门: a group the plan does not list,
kept visible for the office), or *unresolved* (reported so the catalog can learn the alias).
"各区人民政府" is expanded to the government unit (``<district>.gov``) of every district.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indicators.catalog import Catalog

_LABEL = re.compile(r"(牵头单位|牵头部门|责任单位|责任部门|配合单位|配合部门|协办单位)\s*[:：]")
_LEAD_PATTERN = re.compile(
    r"^(?P<lead>.+?)牵头[，,、]?(?P<rest>.*?)(按职责分工负责|按职责分工|配合|负责|参与)?$"
)
_ETC_GROUP = re.compile(r"等(?=各)")  # "规建局等各相关部门" -> "规建局、各相关部门"
_ETC_TAIL = re.compile(r"等(部门|单位|相关部门|有关部门)?$")
_SEPARATORS = re.compile(r"[、，,；;/]|以及|及各")
_BRACKETS = str.maketrans({"(": "（", ")": "）", ":": "：", ";": "；", ",": "，"})


@dataclass(frozen=True)
class Resolution:
    """What a piece of text named: unit ids, group phrases, and names that matched nothing."""

    units: tuple[str, ...] = ()
    generic: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.unresolved

    def __add__(self, other: Resolution) -> Resolution:
        return Resolution(
            tuple(dict.fromkeys(self.units + other.units)),
            tuple(dict.fromkeys(self.generic + other.generic)),
            tuple(dict.fromkeys(self.unresolved + other.unresolved)),
        )


@dataclass(frozen=True)
class ClauseResolution:
    """A unit clause split by role: 牵头 (lead) and 责任/配合 (responsible)."""

    lead: Resolution = field(default_factory=Resolution)
    responsible: Resolution = field(default_factory=Resolution)

    @property
    def unresolved(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.lead.unresolved + self.responsible.unresolved))

    @property
    def generic(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.lead.generic + self.responsible.generic))


def normalize(text: str) -> str:
    """Drop whitespace, use full-width brackets and colons."""
    return re.sub(r"\s+", "", text).translate(_BRACKETS)


def _index(catalog: Catalog, region: str) -> dict[str, str]:
    """name/alias (normalised) -> unit id for one region; names win over aliases."""
    cache: dict[str, dict[str, str]] = catalog.__dict__.setdefault("_resolve_index", {})
    if region not in cache:
        names: dict[str, str] = {}
        units = catalog.units_of_region(region)
        for u in units:
            names.setdefault(normalize(u.name), u.id)
        for u in units:
            for alias in u.aliases:
                names.setdefault(normalize(alias), u.id)
        cache[region] = names
    return cache[region]


def _candidates(name: str, catalog: Catalog, region: str) -> list[str]:
    """The name itself, then without the region's own prefix (宁河区 / 区 / 天津市)."""
    out = [name]
    reg = catalog.regions.get(region)
    prefixes = ["天津市"]
    if reg:
        prefixes += [reg.name] + ([reg.short_name] if reg.short_name else [])
    if reg and reg.kind != "city":
        prefixes.append("区")
    for prefix in prefixes:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            out.append(name[len(prefix) :])
    return out


def _lookup(name: str, catalog: Catalog, region: str) -> str | None:
    index = _index(catalog, region)
    for cand in _candidates(name, catalog, region):
        if cand in index:
            return index[cand]
    city = next((r.id for r in catalog.regions.values() if r.kind == "city"), None)
    if city and region != city and name.startswith("市") and not name.startswith("市场"):
        return _index(catalog, city).get(name)
    return None


def resolve_units(catalog: Catalog, text: str, region: str) -> Resolution:
    """Resolve a list of unit names ("市场监管局、税务局等部门") in ``region``'s context."""
    text = normalize(text).strip("。；")
    if text.startswith("（") and text.endswith("）"):
        text = text[1:-1]
    generic = sorted({normalize(p) for p in catalog.generic_phrases}, key=len, reverse=True)
    every = sorted({normalize(p) for p in catalog.every_district_phrases}, key=len, reverse=True)
    found: list[str] = []
    groups: list[str] = []
    unresolved: list[str] = []
    # protect multi-part phrases (各街、镇、园区) from the separator split
    protected: dict[str, str] = {}
    for i, phrase in enumerate(every + generic):
        if phrase in text:
            token = f"\x00{i}\x00"
            protected[token] = phrase
            text = text.replace(phrase, f"、{token}、")
    text = _ETC_GROUP.sub("、", text)
    for piece in _SEPARATORS.split(text):
        piece = _ETC_TAIL.sub("", piece.strip("。 "))
        if not piece:
            continue
        phrase = protected.get(piece)
        if phrase in every:
            found += [f"{d.id}.gov" for d in catalog.districts() if f"{d.id}.gov" in catalog.units]
        elif phrase is not None:
            groups.append(phrase)
        else:
            uid = _lookup(piece, catalog, region)
            if uid:
                found.append(uid)
            else:
                unresolved.append(piece)
    return Resolution(
        tuple(dict.fromkeys(found)), tuple(dict.fromkeys(groups)), tuple(dict.fromkeys(unresolved))
    )


def resolve_clause(catalog: Catalog, text: str, region: str) -> ClauseResolution:
    """Resolve a whole unit clause: "（牵头单位：A；责任单位：B）", "（责任部门：…）",
    "（牵头单位：A，配合单位：B）" or "A牵头，B按职责分工负责"."""
    body = normalize(text).strip()
    if body.startswith("（") and body.endswith("）"):
        body = body[1:-1]
    labels = list(_LABEL.finditer(body))
    lead, resp = Resolution(), Resolution()
    if labels:
        for k, m in enumerate(labels):
            end = labels[k + 1].start() if k + 1 < len(labels) else len(body)
            part = body[m.end() : end].strip("；，。 ")
            res = resolve_units(catalog, part, region)
            if m.group(1).startswith("牵头"):
                lead = lead + res
            else:
                resp = resp + res
        return ClauseResolution(lead, resp)
    m = _LEAD_PATTERN.match(body)
    if m and "牵头" in body:
        lead = resolve_units(catalog, m.group("lead"), region)
        rest = m.group("rest").strip("，、；。 ")
        if rest:
            resp = resolve_units(catalog, rest, region)
        return ClauseResolution(lead, resp)
    return ClauseResolution(Resolution(), resolve_units(catalog, body, region))
