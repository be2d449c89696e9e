"""账号管理: the office lists, adds and disables accounts and resets passwords (all audited)."""

from __future__ import annotations

import streamlit as st

from accounts import access, users
from accounts.access import ROLE_NAMES, AccessDenied, require_page
from dashboard import ui

user = ui.user()
try:
    require_page(user, "users", "账号管理")
except AccessDenied as err:
    st.error(str(err))
    st.stop()

ui.header("账号管理", "办公室统一分配账号：联络员绑定本单位，领导只读；如确有需要，可为联络员开通查看其他单位明细的权限。"
          "每次变更都记入审计日志。")


def _done(message: str) -> None:
    st.session_state["users_notice"] = message
    st.rerun()


if notice := st.session_state.pop("users_notice", None):
    st.success(notice)

regions = ui.region_names()
table = users.users_table(user, ui.db())
grants = users.all_grants(user, ui.db())
if ui.many_units():  # a national catalog: names of the units accounts and grants name, not of all
    held = [access.split_grant(g) for gs in grants.values() for g in gs]
    named = [u for u in table["单位"] if u] + [target for kind, target in held if kind == "unit"]
    names = ui.names_of(named)
else:
    names = ui.unit_names()
table["单位"] = [names.get(u, u) for u in table["单位"]]  # people read the unit's name, not its id
st.dataframe(table, hide_index=True)
people = {a.username: a.display_name or a.username for a in users.list_users(user, ui.db())}


def who_label(username: str) -> str:
    """An account in the choice boxes: the person's name (the username is in the table)."""
    return people.get(username, username)


failures = users.login_failures(user, ui.db())
with st.expander(f"近期登录失败（{len(failures)} 条）", expanded=not failures.empty):
    st.caption(f"{users.window_minutes():.0f} 分钟内的登录失败，按用户名和客户端地址分别统计。连续失败 "
               f"{users.free_tries()} 次后，每次再失败须等待的时间加倍（最长 {users.max_delay_seconds():.0f} 秒），"
               "不会锁定账号；每次尝试都记入审计日志。")
    if failures.empty:
        st.info("近期没有登录失败。")
    else:
        st.dataframe(failures, hide_index=True)
        if st.button("清除登录失败记录（解除等待）", key="clear_login_failures"):
            n = users.clear_login_failures(user, ui.db())
            _done(f"已清除 {n} 条登录失败记录。")

def unit_choices(key: str) -> dict[str, str]:
    """Units to choose from: every unit, or (a national catalog: a choice box of 47 万 units
    took the page 13 s) those of a region chosen first."""
    if not ui.many_units():
        return names
    region = st.selectbox("单位所在区域", list(regions), format_func=regions.get, index=None, key=f"{key}_region",
                          placeholder="先选择区域，再选择单位")
    return ui.unit_names(region) if region else {}


tab_add, tab_reset, tab_disable, tab_grant = st.tabs(["新增账号", "重置密码", "停用账号", "查看权限"])
with tab_add:
    add_units = unit_choices("add")  # outside the form: choosing the region updates the unit list
with tab_add, st.form("user_add", clear_on_submit=True):
    username = st.text_input("用户名", help="字母、数字或 . _ -，如 jingkai01")
    display = st.text_input("姓名")
    role = st.selectbox("角色", list(users.ROLES), format_func=ROLE_NAMES.get)
    unit = st.selectbox("所属单位（仅联络员）", [None, *add_units],
                        format_func=lambda u: "—" if u is None else add_units.get(u, u))
    password = st.text_input("初始密码", type="password", help="至少 8 位，含字母和数字")
    if st.form_submit_button("新增", type="primary"):
        try:
            acc = users.add_user(user, username.strip(), role, password, unit=unit if role == "liaison" else None,
                                 display_name=display.strip() or None, db=ui.db())
            _done(f"已新增{ROLE_NAMES[acc.role]}账号 {acc.username}。")
        except (users.UserError, AccessDenied) as err:
            st.error(str(err))

accounts = [a.username for a in users.list_users(user, ui.db())]
with tab_reset, st.form("user_reset", clear_on_submit=True):
    who = st.selectbox("账号", accounts, key="reset_who", format_func=who_label)
    password = st.text_input("新密码", type="password", help="至少 8 位，含字母和数字；同时解除该账号的登录等待")
    if st.form_submit_button("重置密码"):
        try:
            users.reset_password(user, who, password, db=ui.db())
            _done(f"已重置账号“{who_label(who)}”的密码。")
        except (users.UserError, AccessDenied) as err:
            st.error(str(err))

with tab_disable, st.form("user_disable"):
    active = [a.username for a in users.list_users(user, ui.db()) if not a.disabled]
    who = st.selectbox("账号", active, key="disable_who", format_func=who_label)
    if st.form_submit_button("停用"):
        try:
            users.disable_user(user, who, db=ui.db())
            _done(f"已停用账号“{who_label(who)}”。")
        except (users.UserError, AccessDenied) as err:
            st.error(str(err))

GRANT_KINDS = {"region": "某区域的全部单位", "unit": "某个单位", "all": "全部单位"}
liaisons = [a.username for a in users.list_users(user, ui.db()) if a.role == "liaison" and not a.disabled]
with tab_grant:
    st.caption("联络员默认只能查看本单位的明细，其他单位只能看区域汇总。开通后可查看所选范围内各单位的明细（只读，"
               "仍只能为本单位上传月报）。")
    if not liaisons:
        st.info("暂无可开通查看权限的联络员账号。")
    else:
        who = st.selectbox("联络员账号", liaisons, key="grant_who", format_func=who_label)
        kind = st.radio("开通范围", list(GRANT_KINDS), format_func=GRANT_KINDS.get, horizontal=True, key="grant_kind")
        target = None
        if kind == "region":
            target = st.selectbox("区域", list(regions), format_func=regions.get, key="grant_region")
        elif kind == "unit":
            grant_units = unit_choices("grant")
            target = st.selectbox("单位", list(grant_units), format_func=grant_units.get, key="grant_unit")
            names = {**names, **grant_units}
        if st.button("开通查看权限", key="grant_button", type="primary"):
            try:
                users.grant_read(user, who, kind, target, db=ui.db())
                _done(f"已为账号“{who_label(who)}”开通查看权限：{users.grant_label(access.grant_scope(kind, target), regions, names)}。")
            except (users.UserError, AccessDenied) as err:
                st.error(str(err))
        held = grants.get(who, [])
        if held:
            scope = st.selectbox("已开通的权限", held, format_func=lambda g: users.grant_label(g, regions, names),
                                 key="revoke_scope")
            if st.button("收回所选权限", key="revoke_button"):
                try:
                    users.revoke_read(user, who, *access.split_grant(scope), db=ui.db())
                    _done(f"已收回账号“{who_label(who)}”的查看权限：{users.grant_label(scope, regions, names)}。")
                except (users.UserError, AccessDenied) as err:
                    st.error(str(err))
        else:
            st.caption(f"账号“{who_label(who)}”目前只能查看本单位明细。")
