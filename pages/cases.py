"""典型案例: liaisons submit their unit's cases, the office approves or returns them (with a
reason), everyone reads the approved cases of a quarter. Records: ``office.cases``."""

from __future__ import annotations

import streamlit as st

from accounts import access
from accounts.access import AccessDenied
from dashboard import assessment as a
from dashboard import ui
from office import cases


user = ui.user()
try:
    access.require_page(user, "cases", "典型案例")
except AccessDenied as err:
    st.error(str(err))
    st.stop()
db = ui.db()
ui.header("典型案例", "联络员提交本单位的典型案例（涉及的措施和指标、数量变化、简要经过），办公室审核通过后计入当季考核加分。")

if notice := st.session_state.pop("cases_notice", None):
    st.success(notice)


def _done(message: str) -> None:
    st.session_state["cases_notice"] = message
    st.rerun()


quarter = st.selectbox("季度", a.quarters(db), format_func=a.quarter_label, key="cases_quarter")
COLUMNS = {"quarter": "季度", "unit_name": "单位", "title": "标题", "effect": "数量变化", "narrative": "简要经过",
           "status_name": "状态", "decision_reason": "审核意见", "submitted_by": "提交人", "submitted_at": "提交时间"}

approved = cases.listing(user, quarter, status="approved", db=db)
st.subheader(f"已通过的典型案例（{len(approved)} 项）")
if approved.empty:
    st.info("该季度暂无通过审核的典型案例。")
else:
    st.dataframe(approved[list(COLUMNS)].rename(columns=COLUMNS), hide_index=True)

if user.role == "office":
    pending = cases.listing(user, quarter, status="submitted", db=db)
    st.subheader(f"待审核（{len(pending)} 项）")
    if pending.empty:
        st.caption("没有待审核的案例。")
    else:
        st.dataframe(pending[list(COLUMNS)].rename(columns=COLUMNS), hide_index=True)
        labels = dict(zip(pending["id"], pending["unit_name"] + "：" + pending["title"]))
        with st.form("case_decide"):
            case_id = st.selectbox("案例", list(labels), format_func=labels.get)
            reason = st.text_input("审核意见（退回时必填）")
            ok, back = st.columns(2)
            approve = ok.form_submit_button("通过", type="primary")
            send_back = back.form_submit_button("退回")
            if approve or send_back:
                try:
                    cases.decide(user, int(case_id), approve, reason, db)
                    _done("案例已审核通过，计入当季加分。" if approve else "案例已退回，联络员可查看退回原因。")
                except (cases.CaseError, AccessDenied) as err:
                    st.error(str(err))

if user.role == "liaison":
    mine = cases.listing(user, db=db)
    st.subheader("本单位提交的案例")
    if mine.empty:
        st.caption("尚未提交案例。")
    else:
        st.dataframe(mine[list(COLUMNS)].rename(columns=COLUMNS), hide_index=True)
    measures, inds = a.case_choices(db, user.unit)
    with st.form("case_submit", clear_on_submit=True):
        title = st.text_input("标题", max_chars=60)
        picked_m = st.multiselect("涉及的措施", list(measures), format_func=measures.get,
                                  placeholder="选择措施", select_all=False)
        picked_i = st.multiselect("涉及的指标", list(inds), format_func=inds.get,
                                  placeholder="选择指标", select_all=False)
        effect = st.text_area("数量变化", help="如：办理时间由 5 个工作日压缩至 2 个工作日", max_chars=300)
        narrative = st.text_area("简要经过", max_chars=800)
        if st.form_submit_button("提交", type="primary"):
            try:
                cases.submit(user, cases.CaseInput(user.unit, quarter, title, effect, narrative,
                                                   measures=tuple(picked_m), indicators=tuple(picked_i)), db)
                _done("案例已提交，等待办公室审核。")
            except (cases.CaseError, AccessDenied) as err:
                st.error(str(err))
