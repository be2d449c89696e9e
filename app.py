"""营商环境监测: the Streamlit entry point.

Prepares the database once per process (migrations + catalog mirror), obtains the current
user, renders the global filters (kept in the URL) and runs the chosen page. Pages live in
``pages/`` and stay thin; their data comes from ``dashboard.queries`` via ``dashboard.ui``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

st.set_page_config(page_title="营商环境监测", page_icon="📊", layout="wide", initial_sidebar_state="expanded")

from dashboard import filters as flt
from dashboard import ui
from dashboard.session import current_user
from etl import store

HERE = Path(__file__).resolve().parent


@st.cache_resource(show_spinner="正在准备数据库……")
def prepare_database(path: str) -> str:
    """Apply migrations and mirror the indicator catalog into the database, once per process."""
    from etl.catalog_sync import ensure_catalog

    store.migrate(path)
    ensure_catalog(path)
    return path


def page(file: str, title: str, icon: str, **kw) -> st.Page:
    return st.Page(str(HERE / "pages" / file), title=title, icon=icon, **kw)


def navigation():
    """Pages grouped by who uses them; the overview first."""
    office = [
        page("submissions.py", "报送情况", ":material/assignment_turned_in:"),
        page("quality.py", "数据质量", ":material/rule:"),
        page("tasks.py", "任务台账", ":material/checklist:"),
    ]
    if (HERE / "pages" / "audit.py").exists():
        office.append(page("audit.py", "操作日志", ":material/history:"))
    return st.navigation(
        {
            "总览": [page("overview.py", "总览", ":material/dashboard:", default=True)],
            "办公室": office,
            "单位": [
                page("unit.py", "责任单位", ":material/apartment:"),
                page("upload.py", "数据上传", ":material/upload_file:"),
            ],
            "领导": [
                page("regions.py", "区域对比", ":material/compare_arrows:"),
                page("indicator.py", "指标详情", ":material/query_stats:"),
            ],
        }
    )


def global_filters() -> flt.Filters:
    from dashboard import queries as q

    regions = ui.data(q.regions)
    units = ui.data(q.units)
    months = ui.data(q.periods)
    return flt.sidebar(
        data_months=months,
        regions=dict(zip(regions["id"], regions["name"])),
        units={u: (n, r) for u, n, r in zip(units["id"], units["name"], units["region"])},
    )


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
        st.stop()
    st.session_state["user"] = user
    # ------------------------------------------------------------------------------------

    nav = navigation()
    ui.chinese_widgets_style()
    try:
        st.session_state["filters"] = global_filters()
        nav.run()
    except store.StoreError as err:
        st.error(f"数据库错误：{err}")


main()
