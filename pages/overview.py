"""总览: how the reporting and the targets stand, and who is furthest behind."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, evidence_ui, flags, ui
from dashboard import queries as q

f = ui.filters()
qf = ui.query_filters(f)
now = q.today_start()  # the data's moment: its date (cached all day, not per minute)
ui.header("总览", f"{f.label} · {ui.scope_label(f)}")

me = ui.user()
kpis = ui.data(q.overview_kpis, me, qf, now)
c1, c2, c3, c4 = st.columns(4)
c1.metric(
    "按时报送率",
    ui.pct(kpis["on_time_rate"]),
    help="按时报送的月报数 ÷ 应报月报数（截止日为每月25日）",
    border=True,
)
c2.metric(
    "指标达标率",
    ui.pct(kpis["attainment_rate"]),
    help="达标（含预警）的指标数 ÷ 已报送数值的指标数",
    border=True,
)
c3.metric("未关闭红灯", f"{kpis['open_flags']:,} 项", border=True)
c4.metric(
    "报送进度",
    f"{kpis['submitted']:,} / {kpis['expected']:,}",
    help=f"迟报 {kpis['late']} 份，逾期未报 {kpis['missing']} 份，未到期 {kpis['pending']} 份",
    border=True,
)

left, right = st.columns([3, 2])
with left:
    trend = ui.data(q.overview_trend, me, qf)
    ui.chart(charts.trend_chart(trend), key="trend")
with right:
    per_month = [ui.data(flags.flag_counts, me, m, now, region=f.region, unit=f.unit) for m in f.months]
    counts = pd.concat(per_month).groupby("flag", as_index=False, sort=False)["n"].sum()
    ui.chart(charts.flag_bar(counts), key="flags")

# the month's indicator flags, each opening its evidence (value, file, cell, target clause)
red = ui.data(flags.red_flags, me, f.month, now, region=f.region, unit=f.unit, limit=300)
red = red[red["flag"].isin(["未达标", "连续三个月未达标", "预警"])] if not red.empty else red
if not red.empty:
    evidence_ui.picker(red.assign(code=red["subject"], text=red["flag"] + " · " + red["unit_name"].fillna(red["unit"])
                                  + " · " + red["reason"]), f.month, key="overview",
                       label="红灯依据（选择一项红灯查看其报送单元格和目标条款）")

st.subheader("进度最落后的单位")
if ui.readable_units() is not None:  # a liaison: a "ranking" of their own unit says nothing
    st.caption("落后单位排行只对办公室和领导显示。本单位各项指标与目标的差距见“责任单位”页，"
               "各区、各功能区的对比见“区域对比”页。")
    st.stop()
behind = ui.data(q.units_most_behind, me, qf, now)
if behind.empty:
    st.info("本期暂无可比较的单位数据。")
else:
    ui.chart(charts.behind_bar(behind), key="behind")
    st.caption("按差距分排序：每项未达标指标距目标的差距（占目标的百分比，单项最多 100），每项滞后任务、"
               "每份迟报或逾期未报的月报各计 10 分；差距分相同的并列，依次按未达标项数、滞后任务数、达标率排列。")
    ui.table(
        behind,
        name=f"落后单位_{f.label}",
        columns=["rank", "unit_name", "region_name", "gap", "failed", "amber_n", "reported", "attainment_rate",
                 "tasks_lagging", "return_status"],
        column_config={"attainment_rate": st.column_config.NumberColumn(format="%.1f%%"),
                       "gap": st.column_config.NumberColumn(format="%.1f")},
        status=("return_status",),
    )

st.subheader("督办事项")
from dashboard import supervision as ds

sup_counts = ds.colour_counts(ui.db(), me, unit=f.unit)
s1, s2, s3 = st.columns(3)
s1.metric("红 · 已逾期", f"{sup_counts['红']} 件", border=True)
s2.metric("黄 · 临近截止", f"{sup_counts['黄']} 件", border=True)
s3.metric("蓝 · 按期推进", f"{sup_counts['蓝']} 件", border=True)
st.page_link("pages/supervision.py", label="查看督办事项", icon=":material/assignment_late:")
