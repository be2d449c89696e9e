"""Login for the Streamlit app: a small form over ``etl.users`` (bcrypt, throttling, audit).

Why our own form and not a library: Streamlit's ``st.login`` needs an outside OIDC provider,
and streamlit-authenticator keeps accounts in a YAML file (we keep them in DuckDB next to the
audit trail) and is not installed here; the form below is ~100 lines and fully tested.

The session lives in ``st.session_state`` (per browser tab; a reload means a new login) and
expires after ``YINGSHANG_SESSION_HOURS`` (default 8) hours without activity. The account is
re-read on every run, so disabling it or changing its role takes effect at the next click.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import streamlit as st

from etl import users
from etl.access import ROLE_NAMES, User

SESSION_KEY = "auth"
NOTICE_KEY = "auth_notice"
PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
USER_KEY = "user"  # where app.py keeps the current User for the pages (dashboard.ui.user)


def session_seconds() -> float:
    return float(os.environ.get("YINGSHANG_SESSION_HOURS", "8")) * 3600


def _db():
    return os.environ.get("YINGSHANG_DB") or None


def start_session(user: User, now: float | None = None) -> None:
    """Mark ``user`` as logged in for this browser session."""
    st.session_state[SESSION_KEY] = {"username": user.username, "last_seen": now or time.time()}


def logout(notice: str | None = None) -> None:
    """Forget the logged-in user; ``notice`` is shown above the login form."""
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(USER_KEY, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def session_user(now: float | None = None) -> User | None:
    """The logged-in user, or None when nobody is, the session timed out or the account went away."""
    state = st.session_state.get(SESSION_KEY)
    if not state:
        return None
    now = now or time.time()
    if now - float(state.get("last_seen", 0)) > session_seconds():
        logout("登录已超时，请重新登录。")
        return None
    user = users.get_user(state["username"], _db())
    if user is None:
        logout("账号已停用或不存在，请联系领导小组办公室。")
        return None
    state["last_seen"] = now
    return user


def login_gate() -> User | None:
    """The current user; when nobody is logged in, render the login form and return None."""
    user = session_user()
    if user is not None:
        return user
    render_login_form()
    return None


def require_login() -> User:
    """The current user; otherwise show the login form and stop the run.

    A navigation with only the login is registered before stopping: without it Streamlit
    falls back to running ``pages/*.py`` directly when a visitor opens a page's URL.
    """
    user = login_gate()
    if user is None:
        _visitor_navigation()
        st.stop()
    return user


def _login_placeholder() -> None:
    """What every URL runs for a visitor; the form itself is rendered by ``login_gate``."""


def _visitor_navigation() -> None:
    """A hidden navigation in which every page URL runs only the login placeholder.

    Registering it matters twice: without any ``st.navigation`` Streamlit falls back to
    running ``pages/*.py`` directly for a page URL (bypassing app.py), and keeping each
    page's URL path means a bookmarked page opens again right after logging in.
    """
    pages = [st.Page(_login_placeholder, title="登录", url_path="login", default=True)]
    pages += [
        st.Page(_login_placeholder, title="登录", url_path=path.stem)
        for path in sorted(PAGES_DIR.glob("*.py"))
        if not path.name.startswith("_")
    ]
    st.navigation(pages, position="hidden")


def render_login_form() -> None:
    st.title("营商环境指标监测平台")
    st.subheader("用户登录")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice)
    # clear_on_submit: the password does not stay in the widget state after the attempt
    with st.form("login_form", clear_on_submit=True):
        username = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        result = users.authenticate(username, password, _db())
        if result.user is None:
            st.error(result.message)
        else:
            start_session(result.user)
            st.rerun()
    st.caption("账号由领导小组办公室统一分配；忘记密码或账号被锁定请联系办公室。")


def render_user_box(user: User) -> None:
    """Sidebar: who is logged in, and the logout button."""
    with st.sidebar:
        where = f" · {user.unit}" if user.unit else ""
        st.markdown(f"当前用户：**{user.label}**（{ROLE_NAMES.get(user.role, user.role)}{where}）")
        if st.button("退出登录", key="logout_button"):
            logout("您已退出登录。")
            st.rerun()
