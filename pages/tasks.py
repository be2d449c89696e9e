"""任务台账: every measure of every plan with each responsible unit's reported progress.

Rows are measure × unit. By default only units on the reporting roster are shown: a unit off
the roster owes no monthly return, so its 未报 would say nothing (half the rows were such).
Every choice made here goes into the address, so a link shares the view.
"""

from __future__ import annotations

import streamlit as st

from dashboard import charts, ui
from dashboard import queries as q
from dashboard.labels import measure_number, plan_label

STATUSES = ["未启动", "推进中", "已完成", "滞后", "未报"]

f = ui.filters()
ui.header("任务台账", f"{f.month.year}年{f.month.month}月 · {ui.scope_label(f)}")

plans = ui.data(q.plans)
plan_titles = dict(zip(plans["id"], plans["title"]))
ui.url_choice("task_plan", "plan", ["", *plan_titles])
ui.url_choice("task_status", "status", STATUSES)
ui.url_choice("task_all_units", "all_units", [True, False], parse=lambda v: v == "1")
c1, c2 = st.columns([3, 2])
plan = c1.selectbox("行动方案", ["", *plan_titles], key="task_plan",
                    format_func=lambda p: plan_label(p, plan_titles) if p else "全部方案") or None
status = c2.segmented_control("进展状态", STATUSES, key="task_status")
everyone = st.toggle("包括报送名单以外的单位", key="task_all_units",
                     help="报送名单以外的单位不报送月报，其任务显示为“未报”并标注“名单外”。")
ui.to_url("plan", plan)
ui.to_url("status", status)
ui.to_url("all_units", "1" if everyone else None)

# counted in SQL, then one page of rows read in SQL: a national ledger has a million rows
counts = ui.data(q.task_ledger_counts, ui.user(), f.month, plan=plan, unit=f.unit, status=status,
                 region=f.region, everyone=everyone)
outside = int(counts["outside"].sum()) if not counts.empty else 0
total = int(counts["n"].sum()) if not counts.empty else 0
if outside and not everyone:
    st.caption(f"已隐藏报送名单以外单位的 {outside:,} 条任务（这些单位不报送月报）；打开上方开关可一并显示。")
if not total:
    st.info("没有符合条件的任务。")
    st.stop()

ui.chart(charts.task_status_bar(counts), key="taskbar")
columns = ["plan", "number", "title", "unit_name", "role", "status", "pct", "progress", "problems", "next_steps"]
if everyone:
    columns.insert(4, "on_roster")
name = f"任务台账_{f.month:%Y-%m}"
first, end = ui.page_controls(total, len(columns), key=f"pg_{name}", whole_download=total <= ui.PAGE_ROWS)
ledger = ui.data(q.task_ledger, ui.user(), f.month, plan=plan, unit=f.unit, status=status, region=f.region,
                 everyone=everyone, offset=first, limit=end - first)
ledger = ledger.assign(
    plan=[plan_label(p, plan_titles, 18) for p in ledger["plan"]],
    number=ledger["number"].map(measure_number),
    on_roster=ledger["on_roster"].map(lambda x: "名单内" if x else "名单外"),
)
ui.table(
    ledger,
    name=name,
    columns=columns,
    column_config={
        "pct": st.column_config.ProgressColumn(format="%.0f%%", min_value=0, max_value=100),
        "title": st.column_config.TextColumn(width="large"),
    },
    height=600,
    paged=False,
)
