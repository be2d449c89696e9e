"""Find numeric target candidates in a measure's text, each with the phrase it came from.

A candidate is a number with a unit of measure (7个工作日, 95%, 0.6小时, 2000万 …) and the
comparator its wording implies: 不超过/≤/压缩至/…内 -> <=, 小于/低于 -> <, 以上/不少于/达到 -> >=,
超过/突破 -> >, otherwise = (durations default to <=: a time limit). "提升15%" and "减少8%"
are changes: an increase is ``growth`` over a baseline, a decrease is a reduction rate of at
least N (``>=``, ``change: decrease``), as the catalog stores them; "赶超全市平均水平"
is relative to the city average (comparator ``city_avg``, no number). These are proposals
for a person to confirm; the catalog YAML holds the accepted targets.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from indicators.textnorm import cn_to_int

# longest spelling first; value = unit of measure stored in the catalog
UNITS = {
    "个工作日": "工作日",
    "工作日": "工作日",
    "个自然日": "自然日",
    "自然日": "自然日",
    "个小时": "小时",
    "小时": "小时",
    "分钟": "分钟",
    "个月": "月",
    "天": "天",
    "日": "天",
    "%": "%",
    "万人次": "万人次",
    "万人": "万人",
    "万户": "万户",
    "人次": "人次",
    "万元": "万元",
    "亿元": "亿元",
    "万": "万元",
    "微克/立方米": "微克/立方米",
    "个": "个",
    "件": "件",
    "项": "项",
    "家": "家",
    "所": "所",
    "名": "人",
    "人": "人",
    "户": "户",
    "次": "次",
    "倍": "倍",
    "元": "元",
}
DURATIONS = {"工作日", "自然日", "小时", "分钟", "月", "天"}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_NUMBER = re.compile(
    rf"(?P<low>\d+(?:\.\d+)?)?(?P<range>至|到|-|~|～)?(?<![\d.])(?P<num>\d+(?:\.\d+)?)(?P<unit>{_UNIT_RE})"
)
_LE_BEFORE = re.compile(
    r"(≤|不超过|不高于|不多于|最多|至多|控制在|(?:压缩|缩短|缩减|减少|降低|降|减|精简|优化|简化)(?:至|到|为))$"
)
_LT_BEFORE = re.compile(r"(<|小于|低于|少于|不足)$")
_GE_BEFORE = re.compile(r"(≥|不少于|不低于|至少|达到|达|(?:提高|提升|增加|增长|扩大)(?:至|到))$")
_GT_BEFORE = re.compile(r"(>|大于|超过|高于|突破|多于)$")
_DEC_BEFORE = re.compile(r"(减少|降低|下降|压缩|精简|缩短|压减)$")
_INC_BEFORE = re.compile(r"(提升|提高|增长|增加)$")
_DEC_LEAD = re.compile(r"^(?:实现|再|进一步)*(减少|降低|下降|压缩|精简|压减)[^\d]{0,12}$")
_INC_LEAD = re.compile(r"^(?:实现|再|进一步)*(提升|提高|增长|增加)[^\d]{0,12}$")
_LE_AFTER = re.compile(r"^(以内|之内|内|以下)")
_GE_AFTER = re.compile(r"^(以上)")
_APPROX_AFTER = re.compile(r"^(左右)")
_BASELINE_AFTER = re.compile(r"^(压缩|缩短|缩减|减少|降低|降|提高|提升|增加)(至|到|为)")
_NOT_TARGET_BEFORE = re.compile(r"([*×x+“]|第|前|每|近|过去|长度在|面积)$")
_NOT_TARGET_AFTER = re.compile(r"^(以下|及以下)?(电压|千伏|平方|米|号|年|楼|期|批)")
_CN_WITHIN = re.compile(
    r"(?P<num>[一二两三四五六七八九十]{1,3})(?P<unit>个工作日|工作日|个小时|小时|日|天|个月)(?:内|以内)"
)
_CITY_AVG = re.compile(r"(?:赶超|达到|高于|不低于)全市平均水平")
_DELIMS = "，；。：、（）！？"
_LEAD_VERBS = re.compile(
    r"^(?:并|且|要|将|力争|争取|确保|实现|保证|保持|推动|全年|每年|年度|其中|在|对|由|计划|预计|一般|应当|应|须|必须|均)+"
)
_TRAILING_WORDS = re.compile(
    r"(?:不超过|不高于|不多于|不少于|不低于|至少|达到|达|小于|低于|超过|高于|突破|控制在|压缩至|压缩到|缩短至|减少为|精简为|为|至|到|≤|≥|<|>|再|均|始终|在|提升|提高|增长|增加|减少|降低|压缩|精简)+$"
)


@dataclass(frozen=True)
class TargetCandidate:
    """One proposed indicator target; ``phrase`` is the clause of the plan it came from."""

    name: str
    unit: str
    comparator: str
    target: float | None
    phrase: str
    baseline: float | None = None
    baseline_year: int | None = None
    change: str | None = None
    explicit: bool = True  # the comparator came from the wording, not from a default

    def as_dict(self) -> dict:
        skip = {"explicit"}
        return {
            k: v
            for k, v in asdict(self).items()
            if k not in skip and (v is not None or k == "target")
        }


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end): from the previous to the next ，；。 (or bracket)."""
    left = max(text.rfind(ch, 0, start) for ch in "，；。（")
    right_candidates = [i for i in (text.find(ch, end) for ch in "，；。（）") if i >= 0]
    right = min(right_candidates) if right_candidates else len(text)
    return left + 1, right


def _name_before(text: str, start: int, end: int) -> str:
    """Short indicator name: the words before the number back to a delimiter, minus verbs;
    when nothing is left ("实现156个事项…") the words after the number."""
    left = max(text.rfind(ch, 0, start) for ch in _DELIMS)
    raw = text[left + 1 : start]
    name = _TRAILING_WORDS.sub("", raw)
    name = re.sub(r"(?:相)?较(?:于)?\d{4}年$", "", name)
    name = re.sub(r"\d{4}年(?:底|末|内)?", "", name)
    name = _LEAD_VERBS.sub("", name)
    name = _TRAILING_WORDS.sub("", name)
    if not name or name.endswith("等"):  # "…等13个重点领域": the noun follows the number
        after = re.split(rf"[{_DELIMS}]", text[end:], maxsplit=1)[0]
        name = re.sub(r"^(?:以内|之内|内|以上|以下)", "", after) or name
    return (name or raw)[-24:]


def _as_number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


def _comparator(before: str, after: str, unit: str, lead: str = "") -> tuple[str, str | None, bool]:
    """Comparator, change kind and whether the wording said so (``lead``: the clause so far)."""
    comp, change = _worded_comparator(before, after, unit, lead)
    if comp is not None:
        return comp, change, True
    return ("<=" if unit in DURATIONS else "="), None, False


def _worded_comparator(
    before: str, after: str, unit: str, lead: str
) -> tuple[str | None, str | None]:
    if _APPROX_AFTER.match(after):
        return "=", None
    # 不少于/不低于 before 少于/低于, 不超过/不高于 before 超过/高于
    for pattern, comp in (
        (_LE_BEFORE, "<="),
        (_GE_BEFORE, ">="),
        (_LT_BEFORE, "<"),
        (_GT_BEFORE, ">"),
    ):
        if pattern.search(before):
            return comp, None
    if unit == "%" and (_DEC_BEFORE.search(before) or _DEC_LEAD.match(lead)):
        return ">=", "decrease"  # the reduction rate, at least N
    if unit == "%" and (_INC_BEFORE.search(before) or _INC_LEAD.match(lead)):
        return "growth", "increase"
    if _LE_AFTER.match(after):
        return "<=", None
    if _GE_AFTER.match(after):
        return ">=", None
    return None, None


def _base_year(lead: str) -> int | None:
    """ "较2013年减少8%" -> 2013: the year a change is measured from."""
    m = re.search(r"较(?:于)?(\d{4})年", lead)
    return int(m.group(1)) if m else None


def find_targets(text: str) -> list[TargetCandidate]:
    """All target candidates in ``text`` in reading order (baselines folded into the next one)."""
    found: list[TargetCandidate] = []
    pending_baseline: float | None = None
    baseline_start = 0
    for m in _NUMBER.finditer(text):
        if m.group("low") and not m.group("range"):
            continue
        start = m.start("low") if m.group("low") else m.start("num")
        before, after = text[max(0, start - 8) : start], text[m.end() : m.end() + 6]
        if m.group("unit") == "日" and re.match(r"^\d", after) or re.search(r"月$", before):
            continue  # a date such as 9月16日
        if _NOT_TARGET_BEFORE.search(before) or _NOT_TARGET_AFTER.match(after):
            continue
        if re.match(r"^\d{4}$", m.group("num")) and m.group("unit") in ("年",):
            continue
        unit = UNITS[m.group("unit")]
        value = _as_number(m.group("num"))
        if _BASELINE_AFTER.match(after):
            pending_baseline, baseline_start = value, start
            continue
        c0, c1 = _clause_bounds(text, start, m.end())
        comparator, change, explicit = _comparator(before, after, unit, text[c0:start])
        if m.group("low") and comparator == "=":
            comparator = "<=" if unit in DURATIONS else "="
        found.append(
            TargetCandidate(
                name=_name_before(
                    text, baseline_start if pending_baseline is not None else start, m.end()
                ),
                unit=unit,
                comparator=comparator,
                target=value,
                phrase=text[c0:c1],
                baseline=pending_baseline,
                baseline_year=_base_year(text[c0:start]) if change else None,
                change=change,
                explicit=explicit,
            )
        )
        pending_baseline = None
    for m in _CN_WITHIN.finditer(text):  # "三日内必须回复": a limit written in Chinese numerals
        value = cn_to_int(m.group("num").replace("两", "二"))
        c0, c1 = _clause_bounds(text, m.start(), m.end())
        found.append(
            TargetCandidate(
                name=_name_before(text, m.start(), m.end()),
                unit=UNITS[m.group("unit")],
                comparator="<=",
                target=value,
                phrase=text[c0:c1],
            )
        )
    for m in _CITY_AVG.finditer(text):
        c0, c1 = _clause_bounds(text, m.start(), m.end())
        found.append(
            TargetCandidate(
                name=_name_before(text, m.start(), m.end()),
                unit="",
                comparator="city_avg",
                target=None,
                phrase=text[c0:c1],
            )
        )
    return found
