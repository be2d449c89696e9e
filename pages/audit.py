"""审计日志: every write (uploads, account changes, logins) with who, when, before/after; office only."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard import ui
from accounts import audit, users
from accounts.access import AccessDenied, require_page
from dashboard.labels import audit_unit_ids, audit_view, person_name

user = ui.user()
try:
    require_page(user, "audit", "审计日志")
except AccessDenied as err:
    st.error(str(err))
    st.stop()

ui.header("审计日志", "每一次上传、退回、重新上报、账号变更和登录都记录在案：谁、何时、做了什么、变更前后。")

ALL = "（全部）"
today = datetime.now(ZoneInfo(audit.local_tz())).date()  # the log's calendar days are Beijing time
people = {a.username: a.display_name or a.username for a in users.list_users(user, ui.db())}


def _span(text: str) -> tuple[date, date]:
    a, _, b = text.partition("~")
    return date.fromisoformat(a), date.fromisoformat(b or a)


if "audit_span" not in st.session_state:
    st.session_state["audit_span"] = (today - timedelta(days=30), today)
ui.url_choice("audit_span", "span", parse=_span)
actors = [ALL, *audit.distinct_values("actor", ui.db())]
units = [ALL, *audit.distinct_values("unit", ui.db())]
unit_box = ui.names_of(units[1:])  # the units the log names, not every unit of the catalog
ui.url_choice("audit_actor", "actor", actors)
ui.url_choice("audit_action", "action", [ALL, *audit.ACTIONS])
ui.url_choice("audit_unit", "audit_unit", units)
c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
with c1:
    span = st.date_input("时间范围", key="audit_span")
since, until = (span if isinstance(span, (tuple, list)) and len(span) == 2 else (span, span)) if span else (None, None)
if isinstance(since, (tuple, list)):
    since, until = (since[0], since[0]) if since else (None, None)
with c2:
    actor = st.selectbox("操作人", actors, format_func=lambda a: a if a == ALL else person_name(a, people),
                         key="audit_actor")
with c3:
    action = st.selectbox(
        "操作", [ALL, *audit.ACTIONS], format_func=lambda a: audit.ACTIONS.get(a, a), key="audit_action"
    )
with c4:
    unit = st.selectbox("单位", units, format_func=lambda u: unit_box.get(u, u), key="audit_unit")
ui.to_url("span", f"{since}~{until}" if since and until else None)
ui.to_url("actor", None if actor == ALL else actor)
ui.to_url("action", None if action == ALL else action)
ui.to_url("audit_unit", None if unit == ALL else unit)

flt = audit.AuditFilter(
    since=since or None,
    until=until or None,
    actor=None if actor == ALL else actor,
    action=None if action == ALL else action,
    unit=None if unit == ALL else unit,
)
entries = audit.entries(user, flt, ui.db())  # not cached: logins change the log between clicks
names = ui.names_of(sorted(audit_unit_ids(entries)))
st.caption(f"共 {len(entries)} 条记录（最新在前）。")
ui.table(
    audit.for_display(audit_view(entries, names, ui.region_names(), people)),
    name="审计日志",
    file_name=f"审计日志_{since or ''}_{until or ''}",
    empty="所选条件下没有审计记录。",
    status=(),
    key="dl_audit",
    column_config={c: st.column_config.TextColumn(width="large") for c in ("变更前", "变更后", "说明")},
)
