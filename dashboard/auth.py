"""Login for the Streamlit app: a small form over ``accounts.users`` (bcrypt, throttling, audit).

``store.DatabaseBusy`` (an import holds the file) never reaches the user as a traceback: the
form answers with ``dashboard.ui.busy_notice`` and app.py does the same for the cookie check.

Why our own form and not a library: Streamlit's ``st.login`` needs an outside OIDC provider,
and streamlit-authenticator keeps accounts in a YAML file (we keep them in DuckDB next to the
audit trail) and is not installed here; the form below is ~100 lines and fully tested.

The login lives in ``st.session_state`` (per browser tab) and, so that it survives a reload or
a new tab of the same browser, in a server-side session (``accounts.sessions``): the login puts a
random token in the cookie ``yingshang_session`` (the database keeps only its SHA-256), and a
new tab or reload without a login in ``st.session_state`` resumes from that cookie. Either way
a login ends after ``YINGSHANG_SESSION_HOURS`` (default 8) hours without activity, 12 hours
after the login at the latest, or at logout, which ends the server-side session (audited) and
clears the cookie. The account is re-read on every run, so disabling it or changing its role
takes effect at the next click. The token is never put in the URL (links are shared).

Streamlit can read cookies (``st.context.cookies``, sent with the page's connection) but not
set them: the cookie is written by a short script in an ``st.html(...,
unsafe_allow_javascript=True)`` element hidden by a style rule that matches it. Under ``AppTest`` no script runs and
there are no cookies, so the login simply stays per session as before.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

import store
from accounts import sessions, users
from accounts.access import ROLE_NAMES, User
from dashboard import startup

SESSION_KEY = "auth"  # {"username", "last_seen" (time.time()), "token" (absent in tests' logins)}
NOTICE_KEY = "auth_notice"
COOKIE_KEY = "auth_cookie"       # cookie change for the browser at the next run: a token, or "" to clear
SPENT_KEY = "auth_spent_cookie"  # a cookie value this tab ended or saw refused: not looked up again
PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
USER_KEY = "user"  # where app.py keeps the current User for the pages (dashboard.ui.user)

COOKIE_NAME = "yingshang_session"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,128}")  # token_urlsafe(32) is 43 such characters

TIMEOUT_NOTICE = "登录已超时，请重新登录。"
GONE_NOTICE = "账号已停用或不存在，请联系领导小组办公室。"
LOGOUT_NOTICE = "您已退出登录。"
_NOTICES = {
    sessions.EXPIRED: TIMEOUT_NOTICE,
    sessions.ACCOUNT_GONE: GONE_NOTICE,
    sessions.ENDED: LOGOUT_NOTICE,  # logged out in another tab
    sessions.NO_SESSION: TIMEOUT_NOTICE,  # the row is gone (database replaced): log in again
}

log = logging.getLogger("yingshang.auth")


def session_seconds() -> float:
    """Inactivity after which a login ends; one setting for the tab and the server session."""
    return sessions.idle_seconds()


def _db():
    return os.environ.get("YINGSHANG_DB") or None


def _utc(now: float) -> datetime:
    return datetime.fromtimestamp(now, UTC)


def start_session(user: User, now: float | None = None, token: str | None = None) -> None:
    """Mark ``user`` as logged in for this browser tab; ``token`` (``accounts.sessions.create``)
    also goes into the browser's cookie at the next run, for reloads and new tabs."""
    state = {"username": user.username, "last_seen": now or time.time()}
    if token:
        state["token"] = token
        st.session_state[COOKIE_KEY] = token
    st.session_state[SESSION_KEY] = state


def logout(notice: str | None = None) -> None:
    """Forget the logged-in user in this tab and clear the cookie; ``notice`` is shown above
    the login form. The server-side session is ended by ``sign_out`` (the logout button)."""
    state = st.session_state.pop(SESSION_KEY, None) or {}
    st.session_state.pop(USER_KEY, None)
    if state.get("token"):
        st.session_state[SPENT_KEY] = state["token"]
        st.session_state[COOKIE_KEY] = ""
    if notice:
        st.session_state[NOTICE_KEY] = notice


def sign_out() -> None:
    """The user logs out: the server-side session ends (audited), so the cookie is useless
    even where it was copied, and this tab forgets the login."""
    token = (st.session_state.get(SESSION_KEY) or {}).get("token")
    if token:
        sessions.end(token, _db())
    logout(LOGOUT_NOTICE)


def _cookie() -> str | None:
    """The session cookie as the browser sent it when this tab connected (reload = reconnect).

    Under ``AppTest`` the runtime is a mock whose "cookies" are not strings: no cookie.
    """
    value = st.context.cookies.get(COOKIE_NAME)
    return value if isinstance(value, str) else None


def _client_address() -> str | None:
    """The browser's IP address as the server sees it (None under ``AppTest``), for throttling."""
    try:
        value = st.context.ip_address
    except Exception:  # noqa: BLE001 - older runtimes or no connection: throttle by name only
        return None
    return value if isinstance(value, str) and value else None


def _browser_token() -> str | None:
    """The session token in the browser's cookie, if it looks like one and is not spent."""
    value = _cookie()
    if not value or not _TOKEN_RE.fullmatch(value) or value == st.session_state.get(SPENT_KEY):
        return None
    return value


def _resume_from_cookie(now: float) -> User | None:
    """A reload or new tab: the login from the cookie's server-side session, if still valid."""
    token = _browser_token()
    if token is None:
        return None
    check = sessions.resume(token, _db(), now=_utc(now))
    if check.user is None:
        st.session_state[SPENT_KEY] = token
        st.session_state[COOKIE_KEY] = ""
        if check.code in (sessions.EXPIRED, sessions.ACCOUNT_GONE):
            st.session_state[NOTICE_KEY] = _NOTICES[check.code]
        return None
    st.session_state[SESSION_KEY] = {"username": check.user.username, "last_seen": now, "token": token}
    return check.user


def session_user(now: float | None = None) -> User | None:
    """The logged-in user, or None when nobody is, the session timed out or the account went away."""
    now = now or time.time()
    state = st.session_state.get(SESSION_KEY)
    if not state:
        return _resume_from_cookie(now)
    if now - float(state.get("last_seen", 0)) > session_seconds():
        logout(TIMEOUT_NOTICE)
        return None
    if state.get("token"):  # also ends this tab when the session ended in another tab
        check = sessions.resume(state["token"], _db(), now=_utc(now))
        user, notice = check.user, _NOTICES.get(check.code, GONE_NOTICE)
    else:  # a login without a server-side session (tests put one in session_state)
        user, notice = users.get_user(state["username"], _db()), GONE_NOTICE
    if user is None:
        logout(notice)
        return None
    state["last_seen"] = now
    return user


def _cookie_script(token: str) -> str:
    """A script that sets (``token``) or clears (``""``) the session cookie and hides its own
    element. ``Secure`` only over https: a browser refuses a Secure cookie from a plain http
    address (an intranet server without TLS)."""
    if token:
        cookie = f"{COOKIE_NAME}={token}; Max-Age={int(sessions.absolute_seconds())}"
    else:
        cookie = f"{COOKIE_NAME}=; Max-Age=0"
    # Hidden by a style rule that matches only while the script is inside the container: an
    # inline style on the container stayed when Streamlit reused that container for the next
    # run's element, and the page title vanished after the first click.
    return (
        "<style>[data-testid=\"stElementContainer\"]:has(script[data-yingshang-cookie])"
        "{display:none}</style>"
        "<script data-yingshang-cookie>(function () {"
        f" document.cookie = {json.dumps(cookie)} + '; Path=/; SameSite=Strict'"
        " + (location.protocol === 'https:' ? '; Secure' : '');"
        " })();</script>"
    )


def send_cookie() -> None:
    """Write the cookie change the login or logout left for this run into the page."""
    token = st.session_state.pop(COOKIE_KEY, None)
    if token is None or (token and not _TOKEN_RE.fullmatch(token)):
        return
    st.html(_cookie_script(token), width="content", unsafe_allow_javascript=True)


def login_gate(navigation: bool = False) -> User | None:
    """The current user; when nobody is logged in, render the login form and return None.

    ``navigation``: register the visitors' navigation (``keep_page_addresses``) before the
    form, as the app must.
    """
    user = session_user()
    send_cookie()
    if user is not None:
        return user
    if navigation:
        keep_page_addresses()
    render_login_form()
    return None


def require_login() -> User:
    """The current user; otherwise show the login form and stop the run.

    A navigation with only the login is registered before the form: without it Streamlit
    falls back to running ``pages/*.py`` directly when a visitor opens a page's URL. It must
    come *before* the form: on a just-started server the first run has no navigation yet, and
    a form drawn before the navigation belongs to a page the browser then leaves, so the
    first click on 登录 was lost.
    """
    user = login_gate(navigation=True)
    if user is None:
        st.stop()
    return user


def _placeholder() -> None:
    """What every URL runs in a hidden navigation; the run's own content (the login form, the
    busy notice) is rendered by the app script around it."""


def keep_page_addresses(title: str = "登录") -> None:
    """A hidden navigation in which every page URL runs only a placeholder, for a run that
    stops before the pages are known (nobody logged in, or the database busy at the start).

    Registering it matters twice: without any ``st.navigation`` Streamlit falls back to
    running ``pages/*.py`` directly for a page URL (bypassing app.py), and keeping each
    page's URL path means the page asked for opens right after logging in, or after 重试
    (without it a rerun lands on 总览).
    """
    pages = [st.Page(_placeholder, title=title, url_path="login", default=True)]
    pages += [
        st.Page(_placeholder, title=title, url_path=path.stem)
        for path in sorted(PAGES_DIR.glob("*.py"))
        if not path.name.startswith("_")
    ]
    st.navigation(pages, position="hidden")


def render_login_form() -> None:
    st.title("营商环境指标监测系统")
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
        try:
            result = users.authenticate(username, password, _db(), client=_client_address())
            token = sessions.create(result.user.username, _db()) if result.user is not None else None
        except store.DatabaseBusy as err:  # an import holds the file: nothing was checked, try again
            from dashboard import ui

            ui.busy_notice(err, key="login_busy_retry")
        else:
            if result.user is None:
                st.error(result.message)
            else:
                start_session(result.user, token=token)
                st.rerun()
    st.caption("账号由领导小组办公室统一分配；忘记密码请联系办公室。多次登录失败后须稍等片刻再试。")
    preload = startup.preload_html()  # the overview's scripts load while the password is typed
    if preload:
        st.html(preload, width="content", unsafe_allow_javascript=True)


def _unit_name(unit: str) -> str:
    """The unit's name for the user box (people read names, not ids such as teda.zwfw)."""
    from dashboard import ui

    try:
        return ui.names_of([unit]).get(unit, "本单位")  # one unit: not the whole list (national)
    except store.StoreError:
        return "本单位"


def render_user_box(user: User) -> None:
    """Sidebar: who is logged in, and the logout button."""
    with st.sidebar:
        where = f" · {_unit_name(user.unit)}" if user.unit else ""
        st.markdown(f"当前用户：**{user.label}**（{ROLE_NAMES.get(user.role, user.role)}{where}）")
        if st.button("退出登录", key="logout_button"):
            try:
                sign_out()
            except store.DatabaseBusy as err:  # nothing happened yet: the user can simply retry
                st.warning(f"数据库正忙，退出登录未完成：{err}　请再点一次“退出登录”。")
            except store.StoreError as err:  # no silent half-logout: the server session stays open
                log.warning("logout failed: %s", err)
                st.error(f"退出登录未完成：{err}")
            else:
                st.rerun()
