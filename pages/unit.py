"""责任单位: one unit's scorecard, tasks, red flags and submission history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import evidence_ui, flags, ui
from dashboard import queries as q
from accounts import access

f = ui.filters()
now = q.now_local()
ui.header("责任单位")
me = ui.user()
behind = ui.data(q.units_most_behind, me, ui.query_filters(f), now, n=1)
pick_col, _ = st.columns([2, 3])
with pick_col:
    unit = ui.pick_unit(f, default=None if behind.empty else behind["unit"].iloc[0])
if unit:
    try:
        access.require_read_unit(me, unit, ui.db())  # the data layer's rule, before any figure
    except access.AccessDenied as err:
        st.error(str(err))
        st.stop()
    info = ui.data(q.unit_info, me, unit) or {}
    contact = " · ".join(x for x in (info.get("liaison"), info.get("phone")) if x)
    st.caption(f"{info.get('region_name', '')} · {info.get('name', unit)} · {f.label}"
               + (f" · 联络员：{contact}" if contact else ""))

    card = ui.data(q.unit_scorecard, me, unit, f.month)
    if not card.empty:  # sparklines cannot draw gaps: keep the months that were reported
        card["spark"] = card["spark"].map(
            lambda xs: [float(x) for x in (xs if xs is not None else []) if pd.notna(x)])
    if not card.empty:
        counts = card["status"].value_counts()
        cols = st.columns(4)
        for col, status in zip(cols, ["达标", "预警", "未达标", "未报"]):
            col.metric(status, f"{int(counts.get(status, 0))} 项", border=True)
    st.subheader("指标记分卡")
    ui.table(
        card,
        name=f"指标记分卡_{unit}_{f.label}",
        columns=["name", "value_text", "target_text", "status", "spark", "reason", "sheet", "cell"],
        column_config={
            "spark": st.column_config.LineChartColumn("近12个月", width="medium"),
            "reason": st.column_config.TextColumn(width="large"),
        },
        empty="该单位本月没有需要报送的指标。",
    )

    st.subheader("红灯与预警")
    red = ui.data(flags.red_flags, me, f.month, now, unit=unit)
    ui.table(
        red,
        name=f"红灯_{unit}_{f.label}",
        columns=["flag", "severity", "subject_name", "reason", "evidence"],
        column_config={"reason": st.column_config.TextColumn(width="large")},
        status=("flag",),
        empty="本月该单位没有红灯。",
    )
    # every verdict above opens its evidence: the flagged ones first, then the scorecard
    choices = []
    if not red.empty and not card.empty:
        hit = red[red["subject"].isin(card["code"])]
        choices.append(pd.DataFrame({"unit": unit, "code": hit["subject"], "text": hit["flag"] + " · " + hit["reason"]}))
    if not card.empty:
        choices.append(pd.DataFrame({"unit": unit, "code": card["code"],
                                     "text": card["status"] + " · " + card["name"] + " · " + card["value_text"]}))
    if choices:
        evidence_ui.picker(pd.concat(choices), f.month, key="unit", label="查看依据（红灯和记分卡中的任一评判）")

    st.subheader("任务进展")
    tasks = ui.data(q.unit_tasks, me, unit, f.month)
    ui.table(
        tasks,
        name=f"任务进展_{unit}_{f.label}",
        columns=["plan", "number", "title", "role", "status", "pct", "progress", "problems", "next_steps"],
        column_config={
            "pct": st.column_config.ProgressColumn(format="%.0f%%", min_value=0, max_value=100),
            "title": st.column_config.TextColumn(width="large"),
        },
        empty="该单位没有牵头或参与的措施。",
    )

    st.subheader("报送记录")
    history = ui.data(q.unit_submissions, me, unit)
    ui.table(
        history,
        name=f"报送记录_{unit}",
        columns=["period", "version", "status", "timeliness", "received_at", "days_late",
                 "workdays_late", "correction_reason", "n_errors", "n_warnings", "uploader"],
        column_config={
            "period": st.column_config.DateColumn(format="YYYY年M月"),
            "received_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
        status=("timeliness",),
        empty="该单位尚未报送过月报。",
    )
