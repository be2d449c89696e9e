"""督办 arithmetic: deadlines in working days, time left, colours, escalation proposals.

Pure functions over dates and the small rules file ``rules/supervise.yaml`` (levels, default
time limits, the 黄 threshold, how many months a flag may persist before escalation is
proposed). The records these numbers describe are written by ``office.supervision``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rules import workdays

RULES_FILE = Path(__file__).with_name("supervise.yaml")

STATUSES = ("待签收", "整改中", "申请销号", "已销号", "退回整改", "逾期")
OPEN_STATUSES = ("待签收", "整改中", "申请销号", "退回整改", "逾期")
# statuses the sweep turns into 逾期 once the deadline passed (an application waits for the office)
OVERDUE_FROM = ("待签收", "整改中", "退回整改")
SOURCES = {
    "flag": "红灯预警",
    "complaint": "企业投诉",
    "inspection": "督查发现",
    "survey": "营商环境调查",
    "instruction": "领导批示",
}
COLOURS = ("蓝", "黄", "红", "灰")
COLOUR_HEX = {"蓝": "#1565c0", "黄": "#f9a825", "红": "#c62828", "灰": "#9e9e9e"}
COLOUR_MEANING = {"蓝": "按期推进", "黄": "临近截止", "红": "已逾期", "灰": "已销号"}


class RulesError(ValueError):
    """The rules file does not make sense; the message names the key and how to fix it."""


@dataclass(frozen=True)
class Rules:
    levels: tuple[str, ...]
    default_workdays: dict[str, int]
    warn_workdays: int
    escalate_after_months: int


def parse_rules(doc: Any, where: str = str(RULES_FILE)) -> Rules:
    """Check the YAML document; every problem is a Chinese message naming file and key."""
    if not isinstance(doc, dict):
        raise RulesError(f"{where}: 内容应为映射（levels / default_workdays / warn_workdays / escalate_after_months）")
    unknown = set(doc) - {"levels", "default_workdays", "warn_workdays", "escalate_after_months"}
    if unknown:
        raise RulesError(f"{where}: 未知的键 {'、'.join(sorted(unknown))}")
    levels = doc.get("levels")
    if not isinstance(levels, list) or not levels or not all(isinstance(x, str) and x for x in levels):
        raise RulesError(f"{where}: levels 应为会议层级名称列表，由低到高，如 [会商会, 专题会, 领导小组会]")
    if len(set(levels)) != len(levels):
        raise RulesError(f"{where}: levels 中有重复的层级")
    limits = doc.get("default_workdays") or {}
    if not isinstance(limits, dict) or set(limits) != set(levels):
        raise RulesError(f"{where}: default_workdays 应为每个层级各给一个工作日数")
    for name, value in limits.items():
        if not isinstance(value, int) or value < 1:
            raise RulesError(f"{where}: default_workdays.{name} 应为正整数（工作日）")
    for key in ("warn_workdays", "escalate_after_months"):
        value = doc.get(key)
        if not isinstance(value, int) or value < 1:
            raise RulesError(f"{where}: {key} 应为正整数")
    return Rules(tuple(levels), dict(limits), doc["warn_workdays"], doc["escalate_after_months"])


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> Rules:
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise RulesError(f"{path}: 不是有效的 YAML：{err}") from None
    return parse_rules(doc, str(path))


def number_text(year: int, seq: int) -> str:
    """督〔2026〕17号: how the office writes an item's number."""
    return f"督〔{year}〕{seq}号"


def due_date(opened: date, limit_workdays: int) -> date:
    """The last day of the time limit: the ``limit_workdays``-th working day after ``opened``."""
    if limit_workdays < 1:
        raise ValueError("办理时限应至少为 1 个工作日")
    return workdays.add_workdays(opened, limit_workdays)


def workdays_left(due: date, today: date) -> int:
    """Working days from ``today`` to ``due`` (0 on the due day itself, negative once past)."""
    return workdays.workdays_between(today, due)


def is_overdue(due: date, today: date) -> bool:
    return today > due


def colour(status: str, due: date, today: date, rules: Rules | None = None) -> str:
    """蓝 on track, 黄 due within ``warn_workdays`` working days, 红 overdue, 灰 closed."""
    if status == "已销号":
        return "灰"
    if status == "逾期" or is_overdue(due, today):
        return "红"
    rules = rules or load_rules()
    return "黄" if workdays_left(due, today) <= rules.warn_workdays else "蓝"


def next_level(level: str, rules: Rules | None = None) -> str | None:
    """The meeting above ``level`` (None at the top: 领导小组会)."""
    levels = (rules or load_rules()).levels
    if level not in levels:
        raise ValueError(f"未知的会议层级：{level}")
    i = levels.index(level)
    return levels[i + 1] if i + 1 < len(levels) else None


def months_between(first: date, last: date) -> int:
    """Calendar months from ``first``'s month to ``last``'s (same month: 0)."""
    return (last.year - first.year) * 12 + last.month - first.month


@dataclass(frozen=True)
class Proposal:
    to_level: str
    reason: str


def escalation_proposal(level: str, status: str, due: date, today: date,
                        flag_months: int | None = None, rules: Rules | None = None) -> Proposal | None:
    """Whether the sweep should propose taking an item one meeting up.

    Proposed when the item is overdue, or when the flag it was opened from has stayed on for
    ``escalate_after_months`` months in a row (``flag_months``: how many months the flag was
    still on after the month it was opened from). Never for a closed item or at the top.
    """
    rules = rules or load_rules()
    if status in ("已销号", "申请销号"):  # closed, or waiting for the office's own decision
        return None
    up = next_level(level, rules)
    if up is None:
        return None
    if status == "逾期" or is_overdue(due, today):
        late = -workdays_left(due, today)
        return Proposal(up, f"已逾期 {late} 个工作日（截止 {due:%Y年%m月%d日}），建议提请{up}研究")
    if flag_months is not None and flag_months >= rules.escalate_after_months:
        return Proposal(up, f"红灯连续 {flag_months} 个月未消除，建议提请{up}研究")
    return None


def problem_from_flags(flags: list[dict[str, Any]]) -> str:
    """The default 问题 text of an item opened from flags: each flag's reason, numbered."""
    reasons = [str(f.get("reason") or f.get("flag") or "").strip() for f in flags]
    reasons = [r for r in dict.fromkeys(reasons) if r]
    if len(reasons) == 1:
        return reasons[0]
    return "；".join(f"{i}. {r}" for i, r in enumerate(reasons, start=1))


# What the assessment deducts for (``assessment.yaml`` deductions.supervision): per lead unit,
# one row per item that first went overdue in [$p0, $p1] and per 销号 application the office
# returned in it. The lead unit answers for an item, so cooperating units are not counted.
DEDUCTION_EVENTS = """
select su.unit, 'overdue' as kind, i.id as item_id, i.year, i.seq, i.problem, i.due_on,
       i.overdue_on as on_day, null::varchar as note
from supervision_item i join supervision_unit su on su.item_id = i.id and su.role = 'lead'
where i.overdue_on between $p0 and $p1
union all
select su.unit, 'returned', i.id, i.year, i.seq, i.problem, i.due_on, e.on_day, e.note
from supervision_event e
join supervision_item i on i.id = e.item_id
join supervision_unit su on su.item_id = e.item_id and su.role = 'lead'
where e.kind = 'return' and e.on_day between $p0 and $p1
order by unit, on_day, item_id
"""


def deduction_reason(kind: str, problem: str) -> str:
    """How a 督办 deduction reads in the assessment (the problem trimmed to one line)."""
    text = " ".join(str(problem).split())
    text = text if len(text) <= 40 else text[:39] + "…"
    return f"督办事项逾期未办结：{text}" if kind == "overdue" else f"销号申请被退回：{text}"


def deduction_evidence(kind: str, year: int, seq: int, due_on: date, on_day: date, note: str | None) -> str:
    """The record behind a 督办 deduction, as the office cites it."""
    number = number_text(year, seq)
    if kind == "overdue":
        return f"{number}，办理时限至 {due_on:%Y-%m-%d}，{on_day:%Y-%m-%d} 起逾期"
    return f"{number}，{on_day:%Y-%m-%d} 退回" + (f"，理由：{note}" if note else "")
