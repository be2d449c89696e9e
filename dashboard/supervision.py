"""督办 as the pages read it: item lists scoped to the user, colour counts, the red flags the
office may open items from, and the 督办单 as a Word document (``dashboard.word``).

The records and their rules live in ``office.supervision`` and ``rules.supervise``; this module
only shapes them for display (Chinese headers, colours, names instead of ids).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from accounts.access import User
from dashboard import flags as user_flags
from dashboard import word
from office import supervision as sup
from rules import supervise as sv
from rules.supervise import (  # noqa: F401 (re-exported for the page)
    COLOUR_MEANING,
    SOURCES,
    STATUSES,
    due_date,
    load_rules,
    next_level,
    problem_from_flags,
    workdays_left,
)
from rules.supervise import colour as colour_of  # noqa: F401 (re-exported for the page)

ISSUER = "营商环境领导小组办公室"

# column of office.supervision.list_items -> header people read
TABLE_COLUMNS = {
    "number": "督办编号", "colour": "时限", "status": "状态", "level": "会议层级", "units_text": "承办单位",
    "problem": "存在问题", "opened_on": "立项日期", "due_on": "截止日期", "workdays_left": "剩余工作日",
    "source_name": "来源",
}


def items(db: Any, user: User, status: str | None = None, unit: str | None = None, level: str | None = None,
          colour: str | None = None, today: date | None = None) -> pd.DataFrame:
    """Items ``user`` may see (liaisons: their units'), filtered, newest first."""
    return sup.list_items(db, user, status=status, unit=unit, level=level, colour=colour, today=today)


def display_table(df: pd.DataFrame) -> pd.DataFrame:
    """The list with Chinese headers; dates as dates, 剩余工作日 blank once closed."""
    out = df[list(TABLE_COLUMNS)].copy()
    out["workdays_left"] = out["workdays_left"].map(lambda v: None if pd.isna(v) else int(v)).astype("Int64")
    return out.rename(columns=TABLE_COLUMNS)


def colour_style(df: pd.DataFrame, column: str = "时限") -> Any:
    """Colour the 时限 cells: 蓝 on track, 黄 due soon, 红 overdue, 灰 closed."""
    def paint(v: Any) -> str:
        c = sv.COLOUR_HEX.get(v) if isinstance(v, str) else None
        return f"background-color: {c}; color: white; font-weight: 600" if c else ""

    return df.style.map(paint, subset=[column]) if column in df.columns else df


def colour_counts(db: Any, user: User, unit: str | None = None, today: date | None = None) -> dict[str, int]:
    """Open items per colour (蓝/黄/红) for the overview and the unit page."""
    df = items(db, user, status="未销号", unit=unit, today=today)
    counts = df["colour"].value_counts() if not df.empty else pd.Series(dtype=int)
    return {c: int(counts.get(c, 0)) for c in ("蓝", "黄", "红")}


def open_items_of_unit(db: Any, user: User, unit: str, today: date | None = None) -> pd.DataFrame:
    """The unit's open items for its page, most urgent first."""
    df = items(db, user, status="未销号", unit=unit, today=today)
    if df.empty:
        return df
    return df.sort_values("workdays_left", kind="stable").reset_index(drop=True)


def flag_choices(db: Any, user: User, period: date, now: datetime, unit: str | None = None,
                 region: str | None = None, limit: int = 500) -> pd.DataFrame:
    """The month's red flags the office may open an item from, each with a label, and the
    number of an open item already made from the same flag (``open_number``)."""
    df = user_flags.red_flags(db, user, period, now, unit=unit, region=region, limit=limit)
    if df.empty:
        return df.assign(label=pd.Series(dtype=str), open_number=pd.Series(dtype=str))
    taken = sup.flags_on_open_items(db)
    df = df.copy()
    df["open_number"] = pd.Series([taken.get((u, pd.Timestamp(p).date(), f, s if isinstance(s, str) else ""))
                                   for u, p, f, s in zip(df["unit"], df["period"], df["flag"], df["subject"])],
                                  index=df.index, dtype=object)
    df["label"] = [f"{n}｜{f}｜{r}" + (f"（已立项 {o}）" if isinstance(o, str) else "")
                   for n, f, r, o in zip(df["unit_name"], df["flag"], df["reason"], df["open_number"])]
    return df.reset_index(drop=True)


def _date_text(d: Any) -> str:
    d = pd.Timestamp(d).date() if d is not None and not isinstance(d, date) else d
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def sheet_docx(db: Any, user: User, item_id: int, today: date | None = None) -> bytes:
    """The 督办单 of an item (plan 001 附件6: 以督办单形式下发，明确时间节点) as .docx bytes."""
    detail = sup.item_detail(db, user, item_id)
    item, row, names = detail["item"], detail["row"], detail["unit_names"]
    today = today or sup.beijing_today()
    doc = word.new_document("督 办 单", issuer=ISSUER, date_line=_date_text(item.opened_on), number=item.number)
    left = sv.workdays_left(item.due_on, today)
    facts = [
        ("事项来源", sv.SOURCES.get(row["source"], row["source"])),
        ("牵头单位", names.get(item.lead, item.lead)),
        ("配合单位", "、".join(names.get(u, u) for u in item.cooperating) or "无"),
        ("会议层级", item.level),
        ("立项日期", _date_text(item.opened_on)),
        ("办理时限", f"{int(row['workdays'])} 个工作日，{_date_text(item.due_on)}前办结"),
        ("当前状态", item.status + ("" if item.status == "已销号"
                                    else f"（{'剩余 ' + str(left) + ' 个工作日' if left >= 0 else '已逾期 ' + str(-left) + ' 个工作日'}）")),
    ]
    word.table(doc, facts, ["项目", "内容"], widths=[1, 3])
    numerals = iter("一二三四五六")

    def section(title: str) -> None:
        word.heading(doc, f"{next(numerals)}、{title}")

    section("存在问题")
    word.paragraph(doc, row["problem"])
    section("整改要求")
    word.paragraph(doc, row["requirement"])
    flags = detail["flags"]
    if not flags.empty:
        section("红灯依据")
        shown = flags.assign(month=flags["period"].map(lambda p: f"{pd.Timestamp(p).year}年{pd.Timestamp(p).month}月"),
                             unit_name=flags["unit_name"].fillna(flags["unit"]))
        word.table(doc, shown, {"month": "月份", "unit_name": "单位", "flag": "红灯", "reason": "原因",
                                "evidence": "依据"}, widths=[1.2, 2, 1.3, 4, 2.5])
    section("办理要求")
    word.paragraph(doc, f"请牵头单位收到本单后在系统中签收，会同配合单位抓紧整改，于{_date_text(item.due_on)}前"
                        "报送整改情况并申请销号，附整改说明、佐证材料或已达标的月报；逾期未办结的，"
                        "按程序提请上一级会议研究，并纳入季度考核。")
    events = detail["events"]
    if not events.empty:
        section("办理记录")
        shown = events.assign(day=events["on_day"].map(_date_text), note=events["note"].fillna(""))
        word.table(doc, shown, {"day": "日期", "kind_name": "事项", "actor_name": "办理人", "note": "说明"},
                   widths=[2, 1.2, 1.6, 5])
    word.paragraph(doc, ISSUER, indent=False, align="right")
    return word.to_bytes(doc)


def sheet_filename(number: str) -> str:
    return f"督办单_{number}.docx"
