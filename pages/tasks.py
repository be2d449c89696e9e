"""任务台账: every measure of every plan with each responsible unit's reported progress."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, ui
from dashboard import queries as q

f = ui.filters()
ui.header("任务台账", f"{f.month.year}年{f.month.month}月 · {ui.scope_label(f)}")

plans = ui.data(q.plans)
plan_titles = dict(zip(plans["id"], plans["title"]))
c1, c2 = st.columns([3, 2])
plan = c1.selectbox("行动方案", ["", *plan_titles], key="task_plan",
                    format_func=lambda p: f"{p} {plan_titles[p]}" if p else "全部方案") or None
status = c2.segmented_control("进展状态", ["未启动", "推进中", "已完成", "滞后", "未报"], key="task_status")

ledger = ui.data(q.task_ledger, ui.user(), f.month, plan=plan, unit=f.unit, status=status)
if f.region and not ledger.empty:
    names = set(ui.unit_names(f.region).values())
    ledger = ledger[ledger["unit_name"].isin(names)]
if ledger.empty:
    st.info("没有符合条件的任务。")
    st.stop()

# long plan titles, wrapped and level, so the bars keep their height (see API.md requests)
wrapped = ledger.assign(plan_title=ledger["plan_title"].fillna(ledger["plan"]).map(
    lambda t: "<br>".join(t[i:i + 14] for i in range(0, len(t), 14))))
fig = charts.task_status_bar(wrapped)
fig.update_xaxes(tickangle=0, title_text=None)
fig.update_layout(legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"})
ui.chart(fig, key="taskbar")
ui.table(
    ledger,
    name=f"任务台账_{f.month:%Y-%m}",
    columns=["plan", "number", "title", "unit_name", "role", "status", "pct", "progress", "problems", "next_steps"],
    column_config={
        "pct": st.column_config.ProgressColumn(format="%.0f%%", min_value=0, max_value=100),
        "title": st.column_config.TextColumn(width="large"),
    },
    height=600,
)
