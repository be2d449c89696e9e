"""季度考核: ranking per quarter, one unit's score with the rows behind every point,
the office's deductions/adjustments and the quarter's lock. Data: ``dashboard.assessment``."""

from __future__ import annotations

import streamlit as st

from accounts import access
from accounts.access import AccessDenied
from dashboard import assessment as a
from dashboard import queries as q
from dashboard import ui
from office import entries, locks


user = ui.user()
try:
    access.require_page(user, "assessment", "季度考核")
except AccessDenied as err:
    st.error(str(err))
    st.stop()
db = ui.db()
office = user.role == "office"
sees_all = access.readable_units(user, db) is None
ui.header("季度考核", "得分 = 各考核项得分 + 加分（典型案例、改革创新，封顶）− 扣分（经核实的投诉、督查问题）。"
          "无适用目标的指标不计分、不扣分，其分值按比例分配给其他考核项。")

if notice := st.session_state.pop("assess_notice", None):
    st.success(notice)


def _done(message: str) -> None:
    st.session_state["assess_notice"] = message
    st.rerun()


quarters = a.quarters(db)
top = st.columns([1, 1, 2])
quarter = top[0].selectbox("季度", quarters, format_func=a.quarter_label, key="assess_quarter")
lock, diff = a.lock_state(db, user, quarter)
if lock:
    st.info(f"{a.quarter_label(quarter)}已于 {lock['locked_at_local']} 由 {lock['locked_by']} "
            f"锁定（{lock['reason']}）。以下为锁定时保存的得分，此后的上传、更正和规则调整都不改变它。",
            icon=":material/lock:")
    if not diff.empty:
        with st.expander(f"按当前数据重新计算，有 {len(diff)} 处不同"):
            st.dataframe(diff, hide_index=True)

unit = user.unit
region = None
if sees_all:
    regions = ui.region_names()
    national = ui.many_units()  # ranking every unit of the country takes long: one region by default
    if national:  # the first region with units of its own (the city region may have none)
        own = set(ui.data(q.regions_with_units))
        first = next((i for i, r in enumerate(regions, start=1) if r in own), 1 if regions else 0)
    region = top[1].selectbox("区域", [None, *regions], format_func=lambda r: "全部单位" if r is None else regions[r],
                              index=first if national else 0, key="assess_region")
    if national:
        top[2].caption("单位较多，默认按区域排名；选“全部单位”计算全部单位的排名需要较长时间。")
    board = a.ranking(db, user, quarter, region)
    st.subheader("排名")
    if board.empty:
        st.info("该季度暂无可考核的单位。")
    else:
        shown = board.drop(columns=["unit", "region"]).rename(columns=a.RANKING_LABELS)
        ui.dataframe(shown, key="pg_assess_board")
        st.download_button("下载考核结果（Excel）", data=lambda: a.export_xlsx(db, user, quarter, region),
                           file_name=f"季度考核_{quarter}.xlsx", mime=ui.XLSX_MIME, on_click="ignore",
                           icon=":material/download:", key="assess_xlsx")
        names = dict(zip(board["unit"], board["unit_name"]))
        unit = st.selectbox("查看单位的得分构成", list(names), format_func=names.get, key="assess_unit")
    if user.role == "leader" and not board.empty:
        st.subheader("得分走势")
        history = a.trend(db, user, region=region)
        picked = st.multiselect("单位", list(names), default=list(names)[:5], format_func=names.get, key="assess_trend",
                                placeholder="选择单位", select_all=False)
        if picked:
            ui.chart(a.trend_figure(history, picked), key="assess_trend_chart")

if unit:
    s = a.unit_score(db, user, quarter, unit, region=region)
    if s:
        parts = a.breakdown_rows(s)
        st.subheader(f"{s.unit_name} · {a.quarter_label(quarter)}")
        cols = st.columns(4)
        where = f"{regions[region]}内" if region and not lock else ""  # a locked quarter keeps its stored ranks
        cols[0].metric("总分", f"{s.score:g}", f"{where}第 {s.rank} 名" if s.rank else "不排名", delta_color="off",
                       delta_arrow="off", border=True)  # a rank, not a rise: no arrow
        cols[1].metric("考核项合计", f"{sum(c.points for c in s.components.values()):g}", border=True)
        cols[2].metric("加分", f"{s.bonus:g}", border=True)
        cols[3].metric("扣分", f"{s.deductions:g}", border=True)
        kinds = [(c.id, c.name, f"{c.points:g} / {c.max:g} 分") for c in s.components.values() if c.max]
        kinds += [("bonus", "加分", f"{s.bonus:g} 分"), ("deductions", "扣分", f"{s.deductions:g} 分")]
        for kind, name, pts in kinds:
            with st.expander(f"{name}：{pts}", expanded=False):
                items = parts[parts["kind"] == kind]
                if items.empty:
                    st.caption("本项没有记录。")
                    continue
                st.dataframe(items[["item", "detail", "points"]].rename(
                    columns={"item": "项目", "detail": "情况", "points": "得分"}), hide_index=True, placeholder="—")
                keys = dict(zip(items["key"], items["item"]))
                pick = st.selectbox("查看依据", [None, *keys], format_func=lambda k: "本项全部" if k is None else keys[k],
                                    key=f"ev_{kind}")
                rows = a.evidence(db, user, quarter, unit, kind, key=None if kind in ("bonus", "deductions") else pick)
                st.caption(f"依据 {len(rows)} 条（按当前记录）")
                st.dataframe(rows, hide_index=True, placeholder="—")

if office:
    st.subheader("办公室操作")
    # a national catalog: the region's units (a choice box of every unit of the country is slow)
    names = ui.unit_names(region) if region and ui.many_units() else ui.unit_names()
    t_add, t_withdraw, t_lock = st.tabs(["录入扣分/加分", "撤销记录", "锁定/解锁"])
    with t_add, st.form("assess_entry", clear_on_submit=True):
        who = st.selectbox("单位", list(names), format_func=names.get,
                           index=list(names).index(unit) if unit in names else 0)
        kind = st.radio("类别", list(entries.KIND_NAMES), format_func=entries.KIND_NAMES.get, horizontal=True)
        points = st.number_input("分值（扣分填正数；第三方评价填百分制得分）", min_value=0.0, max_value=100.0, step=0.5)
        reason = st.text_input("原因", help="如：企业投诉经核实属实（办理超时未告知）")
        evidence = st.text_input("依据", help="如：投诉核实单编号、督查通报文号、评价报告及来源")
        if st.form_submit_button("录入", type="primary"):
            try:
                entries.add(user, who, quarter, kind, points, reason, evidence, db)
                _done(f"已为{names[who]}录入{entries.KIND_NAMES[kind]} {points:g}。")
            except (entries.EntryError, AccessDenied) as err:
                st.error(str(err))
    with t_withdraw, st.form("assess_withdraw", clear_on_submit=True):
        entry_id = st.number_input("记录编号（见“加分”“扣分”的依据表）", min_value=1, step=1)
        why = st.text_input("撤销原因")
        if st.form_submit_button("撤销"):
            try:
                entries.withdraw(user, int(entry_id), why, db)
                _done(f"已撤销记录 {int(entry_id)}。")
            except (entries.EntryError, AccessDenied) as err:
                st.error(str(err))
    with t_lock, st.form("assess_lock", clear_on_submit=True):
        why = st.text_input("原因", help="锁定：如“经领导小组会议审定”；解锁：写明需要更正的内容")
        if st.form_submit_button("解锁本季度" if lock else "锁定本季度", type="primary"):
            try:
                if lock:
                    locks.unlock(user, quarter, why, db)
                    _done(f"已解锁{a.quarter_label(quarter)}。")
                else:
                    locks.lock(user, quarter, why, db)
                    _done(f"已锁定{a.quarter_label(quarter)}，得分已保存。")
            except (locks.LockError, AccessDenied) as err:
                st.error(str(err))
