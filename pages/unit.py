"""责任单位: one unit's scorecard, tasks, red flags and submission history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, evidence_ui, flags, ui
from dashboard import queries as q
from accounts import access
from dashboard.labels import measure_number, person_name, plan_label

f = ui.filters()
now = q.today_start()  # the data's moment: its date (cached all day, not per minute)
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
    if not card.empty:
        counts = card["status"].value_counts()
        shown = ["达标", "预警", "未达标", "未报"] + (["进度滞后"] if counts.get("进度滞后", 0) else [])
        cols = st.columns(len(shown))
        for col, status in zip(cols, shown):
            col.metric(status, f"{int(counts.get(status, 0))} 项", border=True)
    st.subheader("指标记分卡")
    ui.table(
        card,
        name=f"指标记分卡_{unit}_{f.label}",
        columns=["name", "value_text", "target_text", "status", "reason", "sheet", "cell"],
        column_config={"reason": st.column_config.TextColumn(width="large")},
        empty="该单位本月没有需要报送的指标。",
    )
    if not card.empty and card["status"].isin(charts.PROGRESS_STATUSES).any():
        st.caption("季度、年度目标在期末按全期汇总评判；期内显示进度：柱为当前完成占目标的比例，竖线为按进度应达到的位置。")
        ui.chart(charts.progress_chart(card), key="progress")
    if not card.empty:
        st.subheader("近12个月走势")
        st.caption("刻度均从 0 起：百分比指标统一为 0–100%，其他指标到本指标最大值或目标之上；"
                   "虚线为目标，最后一点的颜色为本月状态，空缺为当月未报。")
        months = [pd.Timestamp(f.month) - pd.DateOffset(months=11 - i) for i in range(12)]
        rows = list(card.itertuples())
        for start in range(0, len(rows), 3):
            for col, r in zip(st.columns(3), rows[start:start + 3]):
                target = r.target if r.comparator in (">=", ">", "<=", "<", "=") else None
                with col:
                    ui.chart(charts.sparkline(r.spark, r.uom, title=r.name, periods=months, target=target,
                                              status=r.status,
                                              y_range=charts.spark_range(r.uom, r.spark, target)),
                             key=f"spark_{r.code}")

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
    if not tasks.empty:
        titles = dict(zip(tasks["plan"], tasks["plan_title"]))
        tasks = tasks.assign(plan=[plan_label(p, titles, 18) for p in tasks["plan"]],
                             number=tasks["number"].map(measure_number))
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
    if not history.empty:
        people = ui.data(q.account_names)
        history = history.assign(uploader=[person_name(u, people) for u in history["uploader"]])
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

    st.subheader("督办事项")
    from dashboard import supervision as ds

    open_items = ds.open_items_of_unit(ui.db(), me, unit)
    if open_items.empty:
        st.info("该单位没有未销号的督办事项。")
    else:
        ui.dataframe(ds.display_table(open_items), key="pg_unit_supervision", style=ds.colour_style)
        st.page_link("pages/supervision.py", label="到督办页办理", icon=":material/assignment_late:")
