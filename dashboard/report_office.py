"""The office's own records (典型案例, 督办, 季度考核) shaped for the 专报's sections.

The records and their rules live elsewhere (``office.cases``, ``office.supervision``,
``rules.assess``); these functions only pick the rows of the report's period and scope and
word them, so the report shows the same scores and statuses as the office's pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd

CASE_COLUMNS = ["unit_name", "title", "effect"]
SUPERVISION_COLUMNS = ["number", "problem", "units", "status", "due_on"]
ASSESSMENT_COLUMNS = ["rank", "unit_name", "region_name", "score", "reasons"]
REASONS = 3              # the main reasons listed per unit


def _in_units(df: pd.DataFrame, column: str, units: Iterable[str] | None) -> pd.Series:
    if units is None:
        return pd.Series(True, index=df.index)
    allowed = set(units)
    return df[column].map(lambda u: u in allowed)


def cases_frame(listing: pd.DataFrame, span: tuple[date, date], quarter: str | None,
                units: Iterable[str] | None = None) -> pd.DataFrame:
    """Approved cases of the period: for a quarter, those of that quarter; for a month, those
    the office approved during the month. ``listing`` is ``office.cases.listing``'s frame."""
    if listing is None or listing.empty:
        return pd.DataFrame(columns=CASE_COLUMNS)
    df = listing[listing["status"] == "approved"]
    if quarter:
        df = df[df["quarter"] == quarter]
    else:
        decided = pd.to_datetime(df["decided_at"]).dt.date
        last = (pd.Timestamp(span[1]) + pd.offsets.MonthEnd(0)).date()
        df = df[(decided >= span[0]) & (decided <= last)]
    df = df[_in_units(df, "unit", units)]
    return df[CASE_COLUMNS].reset_index(drop=True)


def supervision_frame(items: pd.DataFrame, span: tuple[date, date],
                      units: Iterable[str] | None = None) -> pd.DataFrame:
    """督办 items still open, or closed during the period (``office.supervision.list_items``'s
    frame); ``units`` keeps items led by or involving those units."""
    if items is None or items.empty:
        return pd.DataFrame(columns=SUPERVISION_COLUMNS)
    closed = pd.to_datetime(items["closed_on"]).dt.date
    opened = pd.to_datetime(items["opened_on"]).dt.date
    last = (pd.Timestamp(span[1]) + pd.offsets.MonthEnd(0)).date()
    keep = (opened <= last) & ((items["status"] != "已销号") | ((closed >= span[0]) & (closed <= last)))
    if units is not None:
        allowed = set(units)
        keep &= pd.Series([lead in allowed or bool(allowed & set(coop or ()))
                           for lead, coop in zip(items["lead"], items["cooperating"])], index=items.index)
    df = items[keep]
    return pd.DataFrame({"number": df["number"], "problem": df["problem"], "units": df["units_text"],
                         "status": df["status"], "due_on": df["due_on"]}).reset_index(drop=True)


def _reasons(score: Any) -> str:
    """The main reasons of a unit's score: the components that lost most points, then the
    office's deductions and bonuses, each with its points."""
    parts: list[tuple[float, str]] = []
    for c in score.components.values():
        lost = round(float(c.max) - float(c.points), 2)
        if c.max and lost > 0:
            parts.append((lost, f"{c.name}得{float(c.points):.1f}分（满分{float(c.max):.1f}）"))
    for d in getattr(score, "deduction_items", []) or []:
        parts.append((float(d["points"]), f"扣分：{d['reason']}（-{float(d['points']):g}分）"))
    parts.sort(key=lambda p: -p[0])
    out = [text for _, text in parts[:REASONS]]
    for b in getattr(score, "bonus_items", []) or []:
        out.append(f"加分：{b['title']}（+{float(b['points']):g}分）")
        break  # the first bonus names the kind; the score holds the total
    return "；".join(out) or "各项均得满分"


def assessment_frame(scores: Iterable[Any], units: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per assessed unit in rank order (``rules.assess.UnitScore`` objects); units
    without a rank (not on the reporting roster) come last with "—"."""
    allowed = None if units is None else set(units)
    rows = [{"rank": "—" if s.rank is None else str(s.rank), "unit_name": s.unit_name,
             "region_name": s.region_name, "score": float(s.score), "reasons": _reasons(s)}
            for s in scores if allowed is None or s.unit in allowed]
    return pd.DataFrame(rows, columns=ASSESSMENT_COLUMNS)
