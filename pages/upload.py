"""数据上传: download a unit's template; upload returns and see the validation report at once."""

from __future__ import annotations

import io

import streamlit as st

from dashboard import ui
from dashboard.filters import parse_period, period_label, period_options
from accounts.access import User
from dashboard.upload_report import proposed_month, report_frame

f = ui.filters()
user = ui.user()
ui.header("数据上传", "下载本单位月报模板，填写后上传；系统立即校验并给出逐单元格的修改建议。")

TIMELINESS = {True: "按时", False: "迟报"}


@st.cache_data(show_spinner="正在生成模板……", max_entries=64)
def template_bytes(unit_id: str, period: str, ver: str, user: User) -> bytes:
    """The filled-in template workbook (previous values change with the data version)."""
    from etl.template import build_template

    buf = io.BytesIO()
    build_template(unit_id, period, db=ui.db(), user=user).save(buf)
    return buf.getvalue()


def template_name(unit_id: str, month) -> str:
    from etl.template import template_filename
    from indicators import load_catalog

    cat = load_catalog()
    unit = cat.units[unit_id]
    return template_filename(unit, cat.regions[unit.region], month)


def show_result(result: dict, index: int, data: bytes | None = None) -> None:
    name = result.get("file", "")
    status = result.get("status")
    unit, period = result.get("unit"), parse_period(result.get("period"))
    unit_name = ui.names_of([unit]).get(unit, unit) if unit else None
    where = " · ".join(x for x in (unit_name, period and period_label(period[1])) if x)
    if status == "accepted":
        timing = TIMELINESS.get(result.get("on_time"), "")
        if result.get("on_time") is False:
            timing += f"（晚 {result.get('days_late', 0)} 天，{result.get('workdays_late', 0)} 个工作日）"
        st.success(f"**{name}**：已采用（{where}），第 {result.get('version')} 版，{timing}。")
    elif status == "duplicate":
        st.info(f"**{name}**：与已收到的文件完全相同，未重复导入。")
    else:
        n = len(result.get("errors", []))
        st.error(f"**{name}**：未通过校验，发现 {n} 个错误，请按下表修改后重新上传。")
    report = report_frame(result, data)
    if not report.empty:
        # a wrapping table that fits the page: every word of 问题 and 修改建议 stays readable
        st.table(report.set_index("级别"))
        from dashboard import export

        st.download_button("下载校验报告（Excel）", data=lambda: export.to_excel_bytes(report, "校验报告"),
                           file_name=f"校验报告_{name}.xlsx", mime=ui.XLSX_MIME, on_click="ignore",
                           icon=":material/download:", key=f"dl_report_{index}")


st.subheader("1. 下载月报模板")
if user.role == "leader":
    st.info("领导账号为只读，不能下载模板或上传月报。")
    st.stop()
c1, c2 = st.columns(2)
with c1:
    if user.role == "liaison" and user.unit:
        unit = user.unit
        st.text_input("单位", ui.names_of([unit]).get(unit, unit), disabled=True)
    else:
        unit = ui.pick_unit(f)
with c2:
    from dashboard import queries as q

    months = period_options([], "month")
    proposed = proposed_month(q.now_local(), q.due_at)
    if proposed not in months:
        months.insert(0, proposed)
    ui.url_choice("upload_month", "month", months, parse=lambda t: parse_period(t)[1])
    if st.session_state.get("upload_month") not in months:
        st.session_state["upload_month"] = proposed
    month = st.selectbox("报送月份", months, format_func=period_label, key="upload_month",
                         help="默认为截止日期最近的月份（每月 25 日截止）。")
    ui.to_url("month", f"{month:%Y-%m}")
if unit:
    st.download_button(
        f"下载 {period_label(month)} 月报模板",
        data=lambda: template_bytes(unit, f"{month:%Y-%m}", ui.version(), user),
        file_name=template_name(unit, month),
        mime=ui.XLSX_MIME,
        on_click="ignore",
        type="primary",
        icon=":material/download:",
    )

st.subheader("2. 上传填好的月报")
files = st.file_uploader(
    "选择一个或多个 Excel 月报（.xlsx）",
    type=["xlsx"],
    accept_multiple_files=True,
    key="returns",
    help="可一次选择多个单位或多个月份的月报；每个文件单独校验。",
)
reason = st.text_input("更正原因（同一月份再次报送时填写）", key="correction_reason",
                       help="当月已报送过的，再次报送记为“更正”，不算迟报；原因随新版本保存。未填写时取“备注”列的内容。")

done: dict[str, dict] = st.session_state.setdefault("upload_results", {})
new = [up for up in files or [] if up.file_id not in done]
if new:
    from etl.ingest import ingest_batch

    # one batch: validation costs about the same for one file or many
    with st.spinner(f"正在校验 {len(new)} 个文件……"):
        results = ingest_batch([(up.name, up.getvalue()) for up in new], db=ui.db(), user=user,
                               reason=reason or None)
    ui.forget_version()
    for up, result in zip(new, results):
        done[up.file_id] = result.to_json()

current = [(done[up.file_id], up) for up in files or [] if up.file_id in done]
if current:
    st.subheader("校验结果")
    for i, (result, up) in enumerate(current):
        show_result(result, i, up.getvalue())
else:
    st.caption("上传后这里立即显示校验结果：工作表、单元格、问题和修改建议。")
