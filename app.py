"""营商环境指标监测系统: the Streamlit entry point.

Prepares the database once per process (migrations before the login form; the catalog mirror
after it, or in the background while the form is on screen: ``dashboard.startup``), obtains the
current user, renders the global filters (kept in the URL) and runs the chosen page. Pages live in
``pages/`` and stay thin; their data comes from ``dashboard.queries`` via ``dashboard.ui``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import streamlit as st

st.set_page_config(page_title="营商环境指标监测系统", page_icon="📊", layout="wide", initial_sidebar_state="auto")

import store
from accounts.access import ROLE_NAMES, User, may_open, readable_units
from dashboard import auth, startup, ui
from dashboard import filters as flt
from dashboard.session import current_user

HERE = Path(__file__).resolve().parent
log = logging.getLogger("yingshang.app")


@st.cache_resource(show_spinner="正在准备数据库……")
def prepare_database(path: str) -> str:
    """Apply migrations once per process: the login form reads the accounts tables."""
    store.migrate(path)
    return path


def page(user: User, file: str, title: str, icon: str, **kw) -> st.Page | None:
    """The page if it exists and ``user``'s role may open it (``accounts.access.may_open``);
    for a page the role may not open, a hidden page at the same address that says so (a
    shared link to it used to land silently on 总览)."""
    path = HERE / "pages" / file
    if not path.exists():
        return None
    if not may_open(user, path.stem):
        return st.Page(lambda: refused_page(user, title), title=title, icon=icon,
                       url_path=path.stem, visibility="hidden")
    return st.Page(str(path), title=title, icon=icon, **kw)


def refused_page(user: User, title: str) -> None:
    """What a link to a page the user's role may not open shows."""
    st.title(title)
    st.warning(f"您的账号（{ROLE_NAMES.get(user.role, user.role)}）无权访问“{title}”页面，"
               "链接未打开该页面。如需查看，请联系领导小组办公室。", icon=":material/block:")
    st.page_link(str(HERE / "pages" / "overview.py"), label="前往总览", icon=":material/dashboard:")


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
        "考核": [
            page(user, "assessment.py", "季度考核", ":material/military_tech:"),
            page(user, "cases.py", "典型案例", ":material/workspace_premium:"),
        ],
        "单位": [
            page(user, "unit.py", "责任单位", ":material/apartment:"),
            page(user, "upload.py", "数据上传", ":material/upload_file:"),
            page(user, "supervision.py", "督办", ":material/assignment_late:"),
        ],
        "领导": [
            page(user, "regions.py", "区域对比", ":material/compare_arrows:"),
            page(user, "indicator.py", "指标详情", ":material/query_stats:"),
        ],
    }
    # expanded: every page listed (the collapsed list says "View N more" in English)
    return st.navigation({g: [p for p in ps if p] for g, ps in groups.items() if any(ps)}, expanded=True)


def link_notices(user: User, asked: dict[str, str], chosen: flt.Filters, regions: dict[str, str],
                 units: dict[str, str]) -> list[str]:
    """Chinese notices for what a link asked and the page does not show as asked: another
    unit's details for a liaison, an unknown region or unit (a stale link)."""
    out = []
    unit, region = asked.get("unit"), asked.get("region")
    if unit and unit != chosen.unit:
        if unit not in units:
            out.append("链接中的责任单位不在目录中，已显示全部单位。")
        elif user.role == "liaison":
            mine = units.get(chosen.unit or "", "本单位")
            out.append(f"链接中的“{units[unit]}”不在您可查看明细的范围内，已改为显示“{mine}”。"
                       "其他单位可在“区域对比”页查看区域汇总。")
        else:
            out.append(f"链接中的“{units[unit]}”不属于所选区域，已显示全部单位。")
    if region and region != chosen.region:
        if user.role == "liaison":
            out.append("联络员账号不按区域筛选，链接中的区域条件未采用。")
        elif region not in regions:
            out.append("链接中的区域不在目录中，已显示全部区域。")
    return out


def global_filters(user: User) -> flt.Filters:
    """The sidebar filters, cut to what ``user`` may read (``flt.scope_to``)."""
    import pandas as pd

    from dashboard import queries as q

    regions = ui.data(q.regions)
    months = ui.data(q.periods)
    readable = readable_units(user, ui.db())
    fresh = "f_period" not in st.session_state  # the link's filters are read on the first run only
    asked = {k: v for k, v in st.query_params.to_dict().items() if k in ("unit", "region")}
    if readable is not None:  # a liaison: their own unit first, then the granted ones
        units = ui.data(q.units_by_id, tuple(sorted(readable)))
        units = units.assign(own=units["id"] != user.unit).sort_values(["own", "region", "id"])
    elif ui.many_units():  # a national catalog: the chosen (or linked) region's units only
        region = asked.get("region") if fresh else st.session_state.get("f_region")
        unit = asked.get("unit") if fresh else st.session_state.get("f_unit")  # kept without a region
        units = ui.data(q.units, region) if region else ui.data(q.units_by_id, ())
        if unit:
            units = pd.concat([units, ui.data(q.units_by_id, (unit,))]).drop_duplicates("id")
    else:
        units = ui.data(q.units)
    chosen = flt.sidebar(
        data_months=months,
        regions=dict(zip(regions["id"], regions["name"])),
        units={u: (n, r) for u, n, r in zip(units["id"], units["name"], units["region"])},
        restricted=readable is not None,
        partial=readable is None and ui.many_units(),
    )
    scoped = flt.scope_to(user, chosen, readable)
    if fresh:
        named = tuple(sorted({asked["unit"], scoped.unit} - {None})) if asked.get("unit") else ()
        everyone = ui.data(q.units_by_id, named) if named else units  # the linked unit and the one shown
        for text in link_notices(user, asked, scoped, dict(zip(regions["id"], regions["name"])),
                                 dict(zip(everyone["id"], everyone["name"]))):
            st.warning(text, icon=":material/link_off:")
    return scoped


def stop_busy(err: store.DatabaseBusy) -> NoReturn:
    """The database was busy before the pages are known: keep the address asked for (so that
    重试 reruns that page, not 总览), say so in Chinese and stop the run."""
    auth.keep_page_addresses(ui.BUSY_TITLE)
    ui.busy_notice(err)
    st.stop()


@contextmanager
def database_or_stop() -> Iterator[None]:
    """Run a database step of the start; busy or broken, say so in Chinese and stop the run."""
    try:
        yield
    except store.DatabaseBusy as err:
        stop_busy(err)
    except store.StoreError as err:
        st.error(f"数据库无法打开：{err}")
        st.stop()


def main() -> None:
    path = ui.db()
    with database_or_stop():
        prepare_database(path)

    # --- current user: the ONE place the app learns who is using it (login: issue 6) ---
    try:  # the cookie check reads the database before any page runs
        user = current_user()
    except store.DatabaseBusy as err:
        stop_busy(err)
    finally:  # the login form (if any) is drawn: warm up for the first page meanwhile
        startup.warm_up(path)
    if user is None:  # the login form has been shown
        st.session_state.pop("user", None)
        st.stop()
    st.session_state["user"] = user
    with database_or_stop():
        if not startup.catalog_ready(path):
            with st.spinner("正在准备数据库……"):
                startup.prepare_catalog(path)
    auth.render_user_box(user)  # who is logged in + 退出登录
    # ------------------------------------------------------------------------------------

    nav = navigation(user)
    ui.chinese_widgets_style()
    try:
        st.session_state["filters"] = global_filters(user)
        nav.run()
    except store.DatabaseBusy as err:
        ui.busy_notice(err)
    except store.StoreError as err:
        st.error(f"数据库错误：{err}")
    except Exception:  # a bug: a Chinese message here, the traceback in the server log
        log.exception("page %s failed", nav.url_path)
        st.error("页面出错，错误详情已记录在服务器日志中。请稍后重试，或联系领导小组办公室。")


main()
