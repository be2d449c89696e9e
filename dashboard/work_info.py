"""The 工作信息 liaisons reported (plan 001 附件5): counts and texts of the current returns.

One query; the 专报 quotes the texts with the unit's name and sums the counts. Items and
their Chinese labels are the template's (``etl.template.WORK_ITEMS``), so the report names
exactly what the liaison was asked.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from accounts import scope
from accounts.access import User
from dashboard.word import clean_text
from etl.template import WORK_ITEMS
from rules.query import run

COUNT_ITEMS = tuple(key for key, _label, kind, _ in WORK_ITEMS if kind == "count")
TEXT_ITEMS = tuple(key for key, _label, kind, _ in WORK_ITEMS if kind == "text")
LABELS = {key: label for key, label, _kind, _ in WORK_ITEMS}

# Texts that say "nothing this month": not worth quoting to the leading group.
NOTHING = frozenset({"无", "暂无", "没有", "无。", "暂无。", "/", "-", "—", "——", "无相关情况", "本月无"})

_SQL = """
with cur as (
    select w.unit, w.period, w.item, w.value_num, w.value_text
    from work_info w join submission s on s.id = w.submission_id
    where w.is_current and s.is_current and s.status = 'accepted'
      and w.period between $p0 and $p1
),
final as (
    select c.unit, u.name as unit_name, u.region, r.name as region_name, c.period, c.item,
           c.value_num, c.value_text
    from cur c join unit u on u.id = c.unit left join region r on r.id = u.region
    where ($region is null or u.region = $region)
      and ($all_units or list_contains($units, c.unit))
)
select * from final order by region, unit, period, item
"""


def work_information(db: Any, user: User, period_from: date, period_to: date,
                     region: str | None = None) -> pd.DataFrame:
    """One row per unit × month × item: ``unit, unit_name, region, region_name, period, item,
    value_num, value_text`` (units ``user`` may read)."""
    prm = {"p0": period_from, "p1": period_to, "region": region} | scope.sql_units(user, db)
    return run(db, _SQL, prm)


def quotable(text: object, limit: int = 160) -> str:
    """The liaison's own words, whitespace collapsed and cut at ``limit`` characters with
    "……"; "" for blanks, control characters only, and "nothing this month" answers."""
    # control characters first: a text of nothing else would be quoted as an empty line
    s = " ".join(clean_text(text).split())
    if s in NOTHING:
        return ""
    return s if len(s) <= limit else s[: limit - 1].rstrip("，。、；,.; ") + "……"


def count_totals(df: pd.DataFrame) -> pd.DataFrame:
    """Per unit: ``unit, unit_name, region_name`` and one column per count item (summed over
    the months), units without any count left out."""
    counts = df[df["item"].isin(COUNT_ITEMS) & df["value_num"].notna()]
    # pivot_table drops rows whose index holds a null: a unit without a region would vanish
    counts = counts.assign(region_name=counts["region_name"].fillna("—"),
                           unit_name=counts["unit_name"].fillna(counts["unit"]))
    if counts.empty:
        return pd.DataFrame(columns=["unit", "unit_name", "region_name", *COUNT_ITEMS])
    wide = counts.pivot_table(index=["unit", "unit_name", "region_name"], columns="item",
                              values="value_num", aggfunc="sum").reset_index()
    for key in COUNT_ITEMS:
        if key not in wide.columns:
            wide[key] = 0
    wide.columns.name = None
    return wide[["unit", "unit_name", "region_name", *COUNT_ITEMS]]


def region_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """``count_totals`` summed by region: ``region_name, units`` (units reporting counts), the
    count items, and ``solve_rate`` as text (``80.0%``, ``—`` when nothing was collected)."""
    if totals.empty:
        return pd.DataFrame(columns=["region_name", "units", *COUNT_ITEMS, "solve_rate"])
    out = (totals.assign(region_name=totals["region_name"].fillna("—"))
           .groupby("region_name", as_index=False, sort=False)
           .agg(units=("unit", "nunique"), **{k: (k, "sum") for k in COUNT_ITEMS}))
    out = out.sort_values(["visits", "region_name"], ascending=[False, True], kind="stable")
    out["solve_rate"] = [f"{100 * s / c:.1f}%" if c else "—"
                         for s, c in zip(out["issues_solved"], out["issues_collected"])]
    return out.reset_index(drop=True)


def quotes(df: pd.DataFrame, item: str, limit: int = 160, latest_only: bool = False) -> pd.DataFrame:
    """``unit, unit_name, period, text`` of one text item, blanks and "无" left out;
    ``latest_only`` keeps each unit's latest month (a quarter's report)."""
    rows = df[df["item"] == item].assign(text=lambda d: d["value_text"].map(lambda t: quotable(t, limit)))
    rows = rows[rows["text"] != ""]
    if latest_only:
        rows = rows.sort_values(["unit", "period"]).drop_duplicates("unit", keep="last") \
                   .sort_values(["region", "unit"], kind="stable")
    return rows[["unit", "unit_name", "period", "text"]].reset_index(drop=True)


def same_text_together(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct text (and month): ``unit_names`` (joined with 、, in the order the
    units first appear), ``period``, ``text`` — so the same words are printed once."""
    if rows.empty:
        return pd.DataFrame(columns=["unit_names", "period", "text"])
    grouped = rows.groupby(["text", "period"], sort=False, as_index=False).agg(
        unit_names=("unit_name", lambda names: "、".join(dict.fromkeys(map(str, names)))))
    return grouped[["unit_names", "period", "text"]]
