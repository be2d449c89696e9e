"""报送情况: who has sent this month's return on time, late or not at all; the 催报 list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import queries as q


def deadline_text(days: float, workdays: float) -> str:
    """已逾期 3 天 / 还剩 5 天（4 个工作日）."""
    if pd.isna(days):
        return "—"
    if days < 0:
        return f"已逾期 {-int(days)} 天"
    return f"还剩 {int(days)} 天" + ("" if pd.isna(workdays) else f"（{int(workdays)} 个工作日）")


f = ui.filters()
now = q.today_start()  # the data's moment: its date (cached all day, not per minute)
month = f.month
due = q.due_at(month)
ui.header("报送情况", f"{ui.scope_label(f)} · {month.year}年{month.month}月月报 · 截止 {due:%Y-%m-%d %H:%M}")

me = ui.user()
# counted in SQL, then one page of each list read in SQL: a national month is ~350 k units
counts = ui.data(q.submission_counts, me, month, now, region=f.region, unit=f.unit)
total = sum(counts.values())
if not total:
    st.info("所选范围内没有需要报送月报的单位。")
    st.stop()

days, workdays_left = q.days_left(month, now)
cols = st.columns(5)
cols[0].metric("按时报送", f"{counts['按时报送']:,} 家", border=True)
cols[1].metric("迟报", f"{counts['迟报']:,} 家", border=True)
cols[2].metric("逾期未报", f"{counts['逾期未报']:,} 家", border=True)
cols[3].metric("未到期", f"{counts['未到期']:,} 家", border=True)
cols[4].metric(
    "距截止",
    f"{days} 天" if days >= 0 else "已截止",
    help=f"剩余 {workdays_left} 个工作日" if days >= 0 else None,
    border=True,
)

chart_col, chase_col = st.columns([2, 3])
with chart_col:
    ui.chart(charts.submission_donut(counts), key="donut")
with chase_col:
    st.subheader("催报名单")
    owing = sum(counts[s] for s in q.CHASE_STATUSES)
    if not owing:
        st.success("所有单位均已报送，无需催报。")
    else:
        name = "催报名单"
        first, end = ui.page_controls(owing, len(q.CHASE_COLUMNS), key=f"pg_{name}",
                                      whole_download=owing <= ui.PAGE_ROWS)
        chase = ui.data(q.chase_list, me, month, now, region=f.region, unit=f.unit, offset=first,
                        limit=end - first)
        chase = chase.assign(截止情况=[deadline_text(d, w) for d, w in zip(chase["days_left"], chase["workdays_left"])])
        ui.table(
            chase,
            name=name,
            file_name=f"催报名单_{month:%Y-%m}",
            columns=["unit_name", "region_name", "liaison", "phone", "status", "截止情况"],
            download_label="下载催报名单（Excel）",
            paged=False,
        )

st.subheader("各单位报送明细")
columns = ["region_name", "unit_name", "status", "version", "received_at", "days_late", "workdays_late",
           "first_attempt_at", "corrections", "corrected_at", "correction_reason", "liaison", "phone"]
name = f"报送情况_{month:%Y-%m}"
first, end = ui.page_controls(total, len(columns), key=f"pg_{name}", whole_download=total <= ui.PAGE_ROWS)
status = ui.data(q.submission_status, me, month, now, region=f.region, unit=f.unit, offset=first,
                 limit=end - first)
ui.table(
    status,
    name=name,
    columns=columns,
    column_config={"received_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                   "first_attempt_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                   "corrected_at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    paged=False,
)
st.caption("是否按时以当月第一份通过校验的月报为准；之后再次报送记为“更正”（次数、时间和原因），不算迟报。"
           "“首次报送尝试”含被退回的文件。")
