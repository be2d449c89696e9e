"""督办: items under supervision with their time left; the office opens, reviews and escalates
them, liaisons sign, report progress and apply for 销号. Filters live in the address
(``?status=逾期&level=专题会&colour=红&item=3``; the unit is the sidebar's)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from accounts.access import AccessDenied, require_page
from dashboard import supervision as ds
from dashboard import ui
from office import supervision as sup

me = ui.user()
try:
    require_page(me, "supervision", "督办")
except AccessDenied as err:
    st.error(str(err))
    st.stop()

f = ui.filters()
db = ui.db()
today = sup.beijing_today()
rules = ds.load_rules()
ui.header("督办", "红灯和问题转为督办事项：限时办理（工作日），逾期提级（会商会 → 专题会 → 领导小组会），"
          "凭佐证销号。蓝：按期推进；黄：" + f"{rules.warn_workdays} 个工作日内到期；红：已逾期。")

qp = st.query_params
STATUS_CHOICES = ["", "未销号", *ds.STATUSES]


def _param(key: str, choices: list[str]) -> str:
    value = qp.get(key, "")
    return value if value in choices else ""


def _to_url(key: str) -> None:
    value = st.session_state[f"sup_{key}"]
    if value:
        qp[key] = value
    elif key in qp:
        del qp[key]


def _done(message: str, item_id: int | None = None) -> None:
    st.session_state["sup_notice"] = message
    if item_id is not None:
        qp["item"] = str(item_id)
    st.rerun()


if notice := st.session_state.pop("sup_notice", None):
    st.success(notice)

c1, c2, c3 = st.columns(3)
for col, key, label, choices in (
    (c1, "status", "状态", STATUS_CHOICES),
    (c2, "level", "会议层级", ["", *rules.levels]),
    (c3, "colour", "时限颜色", ["", "蓝", "黄", "红", "灰"]),
):
    st.session_state.setdefault(f"sup_{key}", _param(key, choices))
    col.selectbox(label, choices, key=f"sup_{key}", on_change=_to_url, args=(key,),
                  format_func=lambda v, k=key: "全部" if not v else (f"{v}（{ds.COLOUR_MEANING[v]}）" if k == "colour" else v))

listed = ds.items(db, me, status=st.session_state["sup_status"] or None, unit=f.unit,
                  level=st.session_state["sup_level"] or None, colour=st.session_state["sup_colour"] or None,
                  today=today)
counts = ds.colour_counts(db, me, unit=f.unit, today=today)
m1, m2, m3, m4 = st.columns(4)
m1.metric("未销号", f"{sum(counts.values())} 件", border=True)
m2.metric("蓝 · 按期推进", f"{counts['蓝']} 件", border=True)
m3.metric("黄 · 临近截止", f"{counts['黄']} 件", border=True)
m4.metric("红 · 已逾期", f"{counts['红']} 件", border=True)

if listed.empty:
    st.info("没有符合条件的督办事项。")
else:
    shown = ds.display_table(listed)
    ui.dataframe(shown, key="pg_supervision", style=ds.colour_style,
                 column_config={"存在问题": st.column_config.TextColumn(width="large")})
    from dashboard import export

    st.download_button("下载 Excel", data=lambda: export.to_excel_bytes(shown, "督办事项"),
                       file_name=f"督办事项_{today:%Y%m%d}.xlsx", mime=ui.XLSX_MIME, on_click="ignore",
                       icon=":material/download:", key="dl_supervision")

# --- one item ------------------------------------------------------------------------------
st.subheader("事项详情")
every = ds.items(db, me, unit=f.unit, today=today)
if every.empty:
    st.caption("暂无督办事项。")
else:
    ids = [int(i) for i in every["id"]]
    labels = {int(i): f"{n} · {s} · {p[:30]}" for i, n, s, p in zip(every["id"], every["number"], every["status"],
                                                                      every["problem"])}
    wanted = qp.get("item", "")
    if wanted.isdigit() and int(wanted) in ids:
        st.session_state["sup_item"] = int(wanted)
    elif st.session_state.get("sup_item") not in ids:
        st.session_state["sup_item"] = ids[0]

    def _item_to_url() -> None:
        qp["item"] = str(st.session_state["sup_item"])

    item_id = st.selectbox("督办事项", ids, format_func=labels.get, key="sup_item", on_change=_item_to_url)
    detail = sup.item_detail(db, me, item_id)
    item, row, names = detail["item"], detail["row"], detail["unit_names"]
    left = ds.workdays_left(item.due_on, today)
    colour = ds.colour_of(item.status, item.due_on, today)
    st.markdown(f"**{item.number}**　状态：**{item.status}**　层级：{item.level}　时限：**{colour}**"
                f"（{ds.COLOUR_MEANING[colour]}）")
    st.caption(f"牵头单位：{names.get(item.lead, item.lead)}"
               + (f"；配合单位：{'、'.join(names.get(u, u) for u in item.cooperating)}" if item.cooperating else "")
               + f"；立项 {item.opened_on:%Y-%m-%d}，{int(row['workdays'])} 个工作日，截止 {item.due_on:%Y-%m-%d}"
               + ("" if item.status == "已销号" else (f"，剩余 {left} 个工作日" if left >= 0 else f"，已逾期 {-left} 个工作日"))
               + f"；来源：{ds.SOURCES.get(row['source'], row['source'])}")
    st.markdown("**存在问题**")
    st.text(row["problem"])
    st.markdown("**整改要求**")
    st.text(row["requirement"])
    if not detail["flags"].empty:
        st.markdown("**红灯依据**")
        fl = detail["flags"]
        st.dataframe(fl.assign(period=fl["period"].map(lambda p: f"{pd.Timestamp(p).year}年{pd.Timestamp(p).month}月"))
                     [["period", "unit_name", "flag", "reason", "evidence"]]
                     .rename(columns={"period": "月份", "unit_name": "单位", "flag": "红灯", "reason": "原因",
                                      "evidence": "依据"}), hide_index=True, placeholder="—")
    proposals = detail["proposals"]
    open_props = proposals[proposals["decided"].isna()] if not proposals.empty else proposals
    for _, p in open_props.iterrows():
        st.warning(f"系统建议提级至{p['to_level']}：{p['reason']}（{pd.Timestamp(p['proposed_on']):%Y-%m-%d}）")
    events = detail["events"]
    if not events.empty:
        st.markdown("**办理记录**")
        st.dataframe(events.assign(on_day=events["on_day"].map(lambda d: f"{pd.Timestamp(d):%Y-%m-%d}"))
                     [["on_day", "kind_name", "actor_name", "status_after", "note", "evidence_name"]]
                     .rename(columns={"on_day": "日期", "kind_name": "事项", "actor_name": "办理人",
                                      "status_after": "办理后状态", "note": "说明", "evidence_name": "佐证材料"}),
                     hide_index=True, placeholder="—")
        files = events[events["evidence_sha256"].notna()]
        for _, ev in files.iterrows():
            name, data = sup.evidence_file(db, me, int(ev["id"]))
            st.download_button(f"下载佐证材料：{name}", data=data, file_name=name, key=f"ev_{int(ev['id'])}",
                               on_click="ignore", icon=":material/attach_file:")

    def _act(fn, message: str, *args, **kw) -> None:
        try:
            fn(me, item_id, *args, today=today, db=db, **kw)
        except (sup.SupervisionError, AccessDenied) as err:
            st.error(str(err))
        else:
            _done(message, item_id)

    is_lead = me.role == "liaison" and me.unit == item.lead
    involved = me.role == "liaison" and me.unit in {item.lead, *item.cooperating}
    if (is_lead and row["signed_at"] is None and item.status in ("待签收", "逾期")
            and st.button("签收", type="primary", key="sup_sign")):
        _act(sup.sign, f"已签收 {item.number}，请按期整改。")
    if involved and item.status in ("整改中", "退回整改", "逾期"):
        with st.form("sup_progress", clear_on_submit=True):
            note = st.text_area("本次整改进展", key="sup_progress_note")
            if st.form_submit_button("报告进展"):
                _act(sup.report_progress, f"已记录 {item.number} 的整改进展。", note)
    if is_lead and row["signed_at"] is not None and item.status in ("整改中", "退回整改", "逾期"):
        st.markdown("**申请销号**")
        offered = sup.offered_returns(db, item_id)
        choice = None
        if not offered.empty:
            opts = {int(r.submission_id): f"{pd.Timestamp(r.period).year}年{pd.Timestamp(r.period).month}月月报"
                    f"（报送编号 {int(r.submission_id)} 第{int(r.version)}版）：{r.reason}"
                    for r in offered.itertuples()}
            st.info("系统发现以下已通过的月报显示问题已解决，可作为销号佐证：")
            choice = st.radio("已达标月报", [None, *opts], format_func=lambda k: "不使用" if k is None else opts[k],
                              key="sup_offered")
        with st.form("sup_apply", clear_on_submit=True):
            note = st.text_area("整改说明", key="sup_apply_note", help="做了什么、结果如何；至少提供一种佐证")
            upload = st.file_uploader("佐证材料（可选）", type=[s.lstrip(".") for s in sup.EVIDENCE_SUFFIXES],
                                      key="sup_apply_file")
            if st.form_submit_button("申请销号", type="primary"):
                ev = sup.Evidence(note=note or "", file_name=upload.name if upload else None,
                                  file_bytes=upload.getvalue() if upload else None, submission_id=choice)
                _act(sup.apply_close, f"已提交 {item.number} 的销号申请，等待办公室审核。", ev)
    if me.role == "office":
        if item.status == "申请销号":
            with st.form("sup_review"):
                reason = st.text_area("审核意见", key="sup_review_reason", help="退回整改时必须写明理由")
                a, b = st.columns(2)
                ok = a.form_submit_button("同意销号", type="primary")
                back = b.form_submit_button("退回整改")
            if ok:
                _act(sup.approve, f"{item.number} 已销号。", reason)
            elif back:
                _act(sup.return_application, f"已将 {item.number} 退回整改。", reason)
        up = ds.next_level(item.level, rules)
        if item.status != "已销号" and up:
            with st.expander(f"提级至{up}", expanded=not open_props.empty), st.form("sup_escalate"):
                reason = st.text_area("提级理由", key="sup_escalate_reason")
                limit = st.number_input("重新确定办理时限（工作日，0 为不变）", min_value=0, max_value=250,
                                        value=rules.default_workdays[up], key="sup_escalate_limit")
                if st.form_submit_button(f"提请{up}"):
                    _act(sup.escalate, f"{item.number} 已提请{up}。", reason, up, int(limit) or None)
        st.download_button("打印督办单（Word）", data=lambda: ds.sheet_docx(db, me, item_id, today),
                           file_name=ds.sheet_filename(item.number), on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           icon=":material/print:", key="sup_docx")

# --- opening items (office) -----------------------------------------------------------------
if me.role == "office" and ui.many_units() and not f.region:
    # a national catalog: hundreds of thousands of units or red flags in one list freeze the browser
    st.subheader("督办立项")
    st.info("单位较多：请先在侧栏选择区域，再从该区域的红灯和单位中立项。")
elif me.role == "office":
    st.subheader("督办立项")
    units = ui.unit_names(f.region) if ui.many_units() else ui.unit_names()
    tab_flag, tab_hand = st.tabs(["从红灯立项", "手工立项"])
    from dashboard import queries as q

    with tab_flag:
        gen = st.session_state.setdefault("sup_flag_form", 0)  # bumped after 立项: fresh widgets
        choices = ds.flag_choices(db, me, f.month, q.now_local(), unit=f.unit, region=f.region)
        if choices.empty:
            st.info(f"{f.label}没有红灯。")
        else:
            picked = st.multiselect(f"{f.label}的红灯（可多选，同一单位）", list(choices.index),
                                    format_func=lambda i: choices.loc[i, "label"], key=f"sup_flags_{gen}",
                                    placeholder="选择红灯", select_all=False)
            rows = choices.loc[picked]
            lead_default = rows["unit"].iloc[0] if len(rows) else None
            ids = list(units)
            lead = st.selectbox("牵头单位", ids, format_func=units.get,
                                index=ids.index(lead_default) if lead_default in ids else 0,
                                key=f"sup_flag_lead_{gen}_{lead_default}")
            coop = st.multiselect("配合单位", [u for u in ids if u != lead], format_func=units.get,
                                  key=f"sup_flag_coop_{gen}", placeholder="可不选", select_all=False)
            level = st.selectbox("会议层级", list(rules.levels), key=f"sup_flag_level_{gen}")
            problem = st.text_area("存在问题", value=ds.problem_from_flags(rows.to_dict("records")),
                                   key=f"sup_flag_problem_{gen}_{'-'.join(map(str, picked))}")
            requirement = st.text_area("整改要求", key=f"sup_flag_requirement_{gen}",
                                       placeholder="如：11月底前满意度回升至95%以上，并报送整改报告")
            limit = st.number_input("办理时限（工作日）", min_value=1, max_value=250,
                                    value=rules.default_workdays[level], key=f"sup_flag_limit_{gen}_{level}")
            st.caption(f"截止日期：{ds.due_date(today, int(limit)):%Y年%m月%d日}（按工作日历，跳过节假日）")
            if st.button("立项", type="primary", key="sup_flag_open"):
                try:
                    new = sup.open_item(me, lead=lead, cooperating=coop, problem=problem, requirement=requirement,
                                        level=level, limit_workdays=int(limit), source="flag",
                                        flags=rows.to_dict("records"), today=today, db=db)
                except (sup.SupervisionError, AccessDenied) as err:
                    st.error(str(err))
                else:
                    st.session_state["sup_flag_form"] = gen + 1
                    _done(f"已立项：{new.number}，截止 {new.due_on:%Y年%m月%d日}。", new.id)
    with tab_hand, st.form("sup_hand", clear_on_submit=True):
        source = st.selectbox("来源", [s for s in ds.SOURCES if s != "flag"], format_func=ds.SOURCES.get)
        ids = list(units)
        lead = st.selectbox("牵头单位", ids, format_func=units.get)
        coop = st.multiselect("配合单位", ids, format_func=units.get, placeholder="可不选", select_all=False)
        level = st.selectbox("会议层级", list(rules.levels))
        problem = st.text_area("存在问题")
        requirement = st.text_area("整改要求")
        limit = st.number_input("办理时限（工作日，0 为按层级默认）", min_value=0, max_value=250, value=0)
        if st.form_submit_button("立项", type="primary"):
            try:
                new = sup.open_item(me, lead=lead, cooperating=coop, problem=problem, requirement=requirement,
                                    level=level, limit_workdays=int(limit) or None, source=source,
                                    today=today, db=db)
            except (sup.SupervisionError, AccessDenied) as err:
                st.error(str(err))
            else:
                _done(f"已立项：{new.number}，截止 {new.due_on:%Y年%m月%d日}。", new.id)
