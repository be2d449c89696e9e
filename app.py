"""营商环境监测: the Streamlit entry point.

Prepares the database once per process (migrations + catalog mirror), obtains the current
user, renders the global filters (kept in the URL) and runs the chosen page. Pages live in
``pages/`` and stay thin; their data comes from ``dashboard.queries`` via ``dashboard.ui``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

st.set_page_config(page_title="营商环境监测", page_icon="📊", layout="wide", initial_sidebar_state="expanded")

from dashboard import auth, ui
from dashboard import filters as flt
from dashboard.session import current_user
import store
from accounts.access import User, may_open, readable_units

HERE = Path(__file__).resolve().parent
log = logging.getLogger("yingshang.app")


@st.cache_resource(show_spinner="正在准备数据库……")
def prepare_database(path: str) -> str:
    """Apply migrations and mirror the indicator catalog into the database, once per process."""
    from rules.stats import ensure_catalog

    store.migrate(path)
    ensure_catalog(path)
    return path


def page(user: User, file: str, title: str, icon: str, **kw) -> st.Page | None:
    """The page if it exists and ``user``'s role may open it (``accounts.access.may_open``)."""
    path = HERE / "pages" / file
    if not path.exists() or not may_open(user, path.stem):
        return None
    return st.Page(str(path), title=title, icon=icon, **kw)


def navigation(user: User):
    """Pages grouped by who uses them, the overview first; only those the user's role may open."""
    groups = {
        "总览": [page(user, "overview.py", "总览", ":material/dashboard:", default=True),
               page(user, "report.py", "专报", ":material/description:")],
        "办公室": [
            page(user, "submissions.py", "报送情况", ":material/assignment_turned_in:"),
            page(user, "quality.py", "数据质量", ":material/rule:"),
            page(user, "tasks.py", "任务台账", ":material/checklist:"),
            page(user, "audit.py", "审计日志", ":material/history:"),
            page(user, "users.py", "账号管理", ":material/manage_accounts:"),
        ],
        "单位": [
            page(user, "unit.py", "责任单位", ":material/apartment:"),
            page(user, "upload.py", "数据上传", ":material/upload_file:"),
        ],
        "领导": [
            page(user, "regions.py", "区域对比", ":material/compare_arrows:"),
            page(user, "indicator.py", "指标详情", ":material/query_stats:"),
        ],
    }
    return st.navigation({g: [p for p in ps if p] for g, ps in groups.items() if any(ps)})


def global_filters(user: User) -> flt.Filters:
    """The sidebar filters, cut to what ``user`` may read (``flt.scope_to``)."""
    from dashboard import queries as q

    regions = ui.data(q.regions)
    units = ui.data(q.units)
    months = ui.data(q.periods)
    readable = readable_units(user, ui.db())
    if readable is not None:  # a liaison: their own unit first, then the granted ones
        units = units[units["id"].isin(readable)]
        units = units.assign(own=units["id"] != user.unit).sort_values(["own", "region", "id"])
    chosen = flt.sidebar(
        data_months=months,
        regions=dict(zip(regions["id"], regions["name"])),
        units={u: (n, r) for u, n, r in zip(units["id"], units["name"], units["region"])},
        restricted=readable is not None,
    )
    return flt.scope_to(user, chosen, readable)


def main() -> None:
    path = ui.db()
    try:
        prepare_database(path)
    except store.StoreError as err:
        st.error(f"数据库无法打开：{err}")
        st.stop()

    # --- current user: the ONE place the app learns who is using it (login: issue 6) ---
    user = current_user()
    if user is None:  # the login form has been shown
        st.session_state.pop("user", None)
        st.stop()
    st.session_state["user"] = user
    auth.render_user_box(user)  # who is logged in + 退出登录
    # ------------------------------------------------------------------------------------

    nav = navigation(user)
    ui.chinese_widgets_style()
    try:
        st.session_state["filters"] = global_filters(user)
        nav.run()
    except store.StoreError as err:
        st.error(f"数据库错误：{err}")
    except Exception:  # a bug: a Chinese message here, the traceback in the server log
        log.exception("page %s failed", nav.url_path)
        st.error("页面出错，错误详情已记录在服务器日志中。请稍后重试，或联系领导小组办公室。")


main()
