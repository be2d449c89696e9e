"""专报: the monthly 营商环境专报 (or, for a quarter, the assessment report) as a Word download."""

from __future__ import annotations

import streamlit as st

from dashboard import queries as q
from dashboard import report, ui
from accounts.access import AccessDenied, require_page

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

me = ui.user()
try:
    require_page(me, "report", "专报")
except AccessDenied as err:
    st.error(str(err))
    st.stop()

f = ui.filters()
qf = ui.query_filters(f)
edition = report.Edition(qf.span()[1], qf.quarter, qf.region)
scope = ui.region_names().get(f.region, "") if f.region else ""
ui.header(report.title_of(edition), f"{edition.label} · {ui.scope_label(f)}")

st.markdown(
    f"**{report.title_of(edition)}** 按领导小组办公室呈报格式（A4、公文字体、页码）生成 Word 文档，"
    "内容全部取自数据库，与各页面数字一致：")
parts = [f"总体情况（按时报送率、指标达标率、未关闭红灯及较{edition.previous_label}变化）",
         "报送情况（迟报、逾期未报单位）", "红灯预警（按单位列出原因）",
         "区域对比（图表与排名）", "任务推进（进度滞后的任务）",
         "工作信息（联络员报送的走访企业、问题收集解决、改革创新、学习宣传、活动开展、先进做法，注明单位）"]
if edition.quarter:
    parts.insert(1, "季度考核结果（各单位得分、排名与主要原因）")
if report._has("office.cases"):
    parts.append("典型案例（本期审核通过的案例）")
if report._has("office.supervision"):
    parts.append("督办情况（未销号及本期销号的督办事项）")
st.markdown("\n".join(f"{i}. {p}" for i, p in enumerate(parts, start=1)))
st.caption("在左侧选择月份生成月度专报，选择季度生成季度考核报告；选择区域则只汇总该区域。")

st.download_button(
    "下载专报",
    data=lambda: report.build(ui.db(), me, edition, q.now_local()),
    file_name=report.file_name(edition, scope),
    mime=DOCX_MIME,
    on_click="ignore",
    icon=":material/download:",
    type="primary",
    key="download_report",
)
