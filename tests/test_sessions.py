"""Server-side login sessions (etl/sessions.py) and the app resuming a login from the cookie.

The unit tests pass ``now=`` instead of sleeping. The AppTest ones stand in for the browser's
cookie by patching ``dashboard.auth._cookie`` (AppTest has no cookies and runs no script).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth
import store
from accounts import sessions, users
from accounts.access import SYSTEM_USER
from tests.fixtures_auth import PASSWORD, _fast_bcrypt, make_user  # noqa: F401

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"


def _rows(db) -> list[tuple]:
    with store.read(db) as con:
        return con.execute(
            "select token_hash, username, epoch_ms(created_at), epoch_ms(last_seen), epoch_ms(ended_at)"
            " from login_session order by created_at"
        ).fetchall()


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _logouts(db) -> list[tuple]:
    with store.read(db) as con:
        return con.execute(
            "select actor, object_type, object_id, unit, detail from audit_log where action = 'logout'"
        ).fetchall()


# --- accounts.sessions -------------------------------------------------------------------------


def test_the_migration_creates_the_table_and_only_the_tokens_hash_is_stored(db_path):
    make_user(db_path, "bgs01", "office")
    token = sessions.create("bgs01", db_path, now=T0)
    assert len(token) >= 43
    [(stored, username, created, seen, ended)] = _rows(db_path)
    assert stored == hashlib.sha256(token.encode()).hexdigest() != token
    assert (username, created, seen, ended) == ("bgs01", _ms(T0), _ms(T0), None)
    with store.read(db_path) as con:
        everything = con.execute("select * from login_session").fetchall() + con.execute("select * from audit_log").fetchall()
    assert token not in repr(everything)
    assert sessions.create("bgs01", db_path, now=T0) != token  # random, one row per login
    assert len(_rows(db_path)) == 2


def test_a_session_resumes_as_its_active_account(db_path):
    make_user(db_path, "ly01", "liaison", "teda.zwfw")
    token = sessions.create("ly01", db_path, now=T0)
    check = sessions.resume(token, db_path, now=T0 + timedelta(hours=1))
    assert check.code == sessions.OK
    assert (check.user.username, check.user.role, check.user.unit) == ("ly01", "liaison", "teda.zwfw")


def test_unknown_and_malformed_tokens_are_refused(db_path):
    make_user(db_path, "bgs01", "office")
    token = sessions.create("bgs01", db_path, now=T0)
    for other in ("", "x", token[:-1] + ("A" if token[-1] != "A" else "B"), sessions.token_hash(token)):
        assert sessions.resume(other, db_path, now=T0) == sessions.Resumed(None, sessions.NO_SESSION)


def test_after_logout_the_token_is_refused_and_one_logout_is_audited(db_path):
    make_user(db_path, "ly01", "liaison", "teda.zwfw")
    token = sessions.create("ly01", db_path, now=T0)
    assert sessions.end(token, db_path, now=T0 + timedelta(minutes=30)) is True
    assert sessions.resume(token, db_path, now=T0 + timedelta(minutes=31)) == sessions.Resumed(None, sessions.ENDED)
    assert _rows(db_path)[0][4] == _ms(T0 + timedelta(minutes=30))
    assert sessions.end(token, db_path, now=T0 + timedelta(minutes=32)) is False  # already ended
    assert sessions.end("never-issued-token-" + "x" * 30, db_path) is False
    [(actor, object_type, object_id, unit, detail)] = _logouts(db_path)
    assert (actor, object_type, object_id, unit) == ("ly01", "session", "ly01", "teda.zwfw")
    assert "2026-11-20 17:00" in detail  # the login time, Beijing time
    assert token not in detail and sessions.token_hash(token) not in detail


def test_logout_and_its_audit_entry_are_one_transaction(db_path, monkeypatch):
    make_user(db_path, "bgs01", "office")
    token = sessions.create("bgs01", db_path, now=T0)

    def broken(*args, **kwargs):
        raise RuntimeError("audit failed")

    monkeypatch.setattr(sessions.audit, "record", broken)
    with pytest.raises(RuntimeError):
        sessions.end(token, db_path, now=T0)
    assert _rows(db_path)[0][4] is None  # not ended without its audit entry
    assert sessions.resume(token, db_path, now=T0).code == sessions.OK


def test_an_idle_session_expires_after_the_session_hours(db_path, monkeypatch):
    make_user(db_path, "bgs01", "office")
    token = sessions.create("bgs01", db_path, now=T0)
    assert sessions.resume(token, db_path, now=T0 + timedelta(hours=8, seconds=-1)).code == sessions.OK
    other = sessions.create("bgs01", db_path, now=T0)
    assert sessions.resume(other, db_path, now=T0 + timedelta(hours=8, seconds=1)) == sessions.Resumed(None, sessions.EXPIRED)
    # the limit is YINGSHANG_SESSION_HOURS, counted from the last activity, not from the login
    monkeypatch.setenv("YINGSHANG_SESSION_HOURS", "1")
    third = sessions.create("bgs01", db_path, now=T0)
    assert sessions.resume(third, db_path, now=T0 + timedelta(minutes=50)).code == sessions.OK
    assert sessions.resume(third, db_path, now=T0 + timedelta(minutes=50 + 59)).code == sessions.OK
    assert sessions.resume(third, db_path, now=T0 + timedelta(minutes=50 + 59 + 61)).code == sessions.EXPIRED


def test_an_active_session_still_ends_12_hours_after_the_login(db_path):
    make_user(db_path, "bgs01", "office")
    token = sessions.create("bgs01", db_path, now=T0)
    for hours in range(1, 12):  # a click every hour keeps it alive ...
        assert sessions.resume(token, db_path, now=T0 + timedelta(hours=hours)).code == sessions.OK
    assert sessions.resume(token, db_path, now=T0 + timedelta(hours=12)).code == sessions.OK
    # ... until the absolute limit, however recent the last click
    assert sessions.resume(token, db_path, now=T0 + timedelta(hours=12, seconds=1)).code == sessions.EXPIRED
    assert sessions.absolute_seconds() == 12 * 3600


def test_a_disabled_account_cannot_resume_its_session(db_path):
    make_user(db_path, "bgs01", "office")
    make_user(db_path, "ld01", "leader")
    token = sessions.create("ld01", db_path, now=T0)
    assert sessions.resume(token, db_path, now=T0).code == sessions.OK
    users.disable_user(SYSTEM_USER, "ld01", db=db_path)
    assert sessions.resume(token, db_path, now=T0) == sessions.Resumed(None, sessions.ACCOUNT_GONE)
    ghost = sessions.create("nobody", db_path, now=T0)  # no such account at all
    assert sessions.resume(ghost, db_path, now=T0).code == sessions.ACCOUNT_GONE


def test_last_seen_is_written_at_most_every_few_minutes(db_path, monkeypatch):
    make_user(db_path, "bgs01", "office")
    token = sessions.create("bgs01", db_path, now=T0)
    writes: list[object] = []
    real_write = store.write

    def counting_write(*args, **kwargs):
        writes.append(args)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(sessions.store, "write", counting_write)
    for seconds in (1, 60, sessions.TOUCH_SECONDS - 1):
        assert sessions.resume(token, db_path, now=T0 + timedelta(seconds=seconds)).code == sessions.OK
    assert writes == [] and _rows(db_path)[0][3] == _ms(T0)  # reruns within the interval: reads only
    due = T0 + timedelta(seconds=sessions.TOUCH_SECONDS)
    assert sessions.resume(token, db_path, now=due).code == sessions.OK
    assert len(writes) == 1 and _rows(db_path)[0][3] == _ms(due)
    assert sessions.touch(token, db_path, now=due + timedelta(seconds=10)) is False  # not due: no row changed
    assert _rows(db_path)[0][3] == _ms(due)
    assert sessions.end(token, db_path, now=due) is True
    assert sessions.touch(token, db_path, now=due + timedelta(hours=1)) is False  # an ended session stays ended
    assert _rows(db_path)[0][3] == _ms(due)


def test_old_rows_are_deleted_at_a_later_login(db_path):
    make_user(db_path, "bgs01", "office")
    sessions.create("bgs01", db_path, now=T0)
    sessions.create("bgs01", db_path, now=T0 + timedelta(days=sessions.KEEP_DAYS + 1))
    assert [r[2] for r in _rows(db_path)] == [_ms(T0 + timedelta(days=sessions.KEEP_DAYS + 1))]


# --- the login in Streamlit: form, reload (cookie), logout ---------------------------------
# AppTest re-runs only the page script once app.py has registered its navigation, so these
# tests drive dashboard.auth through a small script; one test runs the real app.py.


def _gate_script() -> None:
    import streamlit as st

    from dashboard import auth

    user = auth.login_gate()
    if user is not None:
        st.title("总览")
        auth.render_user_box(user)


def shows_login(at: AppTest) -> bool:
    return [t.label for t in at.text_input] == ["用户名", "密码"] and any(b.label == "登录" for b in at.button)


def _cookie_scripts(at: AppTest) -> list[str]:
    return [h.value for h in at.html if auth.COOKIE_NAME in h.value]


def _fresh_tab(monkeypatch, cookie: str | None, script=_gate_script) -> AppTest:
    """A new browser tab (or a reload): empty session_state, ``cookie`` sent by the browser."""
    monkeypatch.setattr(auth, "_cookie", lambda: cookie)
    at = AppTest.from_function(script, default_timeout=120) if callable(script) else AppTest.from_file(str(script), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _log_out(at: AppTest) -> None:
    next(b for b in at.sidebar.button if b.label == "退出登录").click().run()
    assert not at.exception


def test_logging_in_opens_a_server_session_and_sends_its_token_to_the_cookie_once(db_path, monkeypatch):
    make_user(db_path, "bgs01", "office")
    at = _fresh_tab(monkeypatch, None)
    assert shows_login(at) and _cookie_scripts(at) == []
    at.text_input[0].input("bgs01")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not shows_login(at) and [t.value for t in at.title] == ["总览"]
    [(stored, username, _, _, ended)] = _rows(db_path)
    token = at.session_state["auth"]["token"]
    assert (stored, username, ended) == (hashlib.sha256(token.encode()).hexdigest(), "bgs01", None)
    [script] = _cookie_scripts(at)
    assert f"yingshang_session={token}; Max-Age={12 * 3600}" in script
    assert "SameSite=Strict" in script and "location.protocol === 'https:'" in script
    at.run()  # the next click: nothing more to send, still logged in
    assert _cookie_scripts(at) == [] and not shows_login(at)
    assert len(_rows(db_path)) == 1


def test_a_reload_of_the_app_with_the_cookie_is_still_logged_in(db_path, monkeypatch):
    make_user(db_path, "bgs01", "office")
    app = _fresh_tab(monkeypatch, sessions.create("bgs01", db_path), script=APP)
    assert not shows_login(app)
    assert any("当前用户：**bgs01**" in m.value for m in app.sidebar.markdown)
    assert [t.value for t in app.title] == ["总览"]
    visitor = _fresh_tab(monkeypatch, None, script=APP)  # no cookie: the login, as before
    assert shows_login(visitor)


def test_a_reload_with_the_cookie_is_still_logged_in_and_logout_ends_it_everywhere(db_path, monkeypatch):
    make_user(db_path, "ly01", "liaison", "teda.zwfw")
    token = sessions.create("ly01", db_path)
    tab = _fresh_tab(monkeypatch, token)  # a reload: no session_state, the cookie only
    assert not shows_login(tab)
    assert any("当前用户：**ly01**" in m.value for m in tab.sidebar.markdown)
    other = _fresh_tab(monkeypatch, token)  # a second tab of the same browser
    assert not shows_login(other)

    _log_out(tab)
    assert shows_login(tab)
    assert [i.value for i in tab.info] == ["您已退出登录。"]
    [script] = _cookie_scripts(tab)
    assert "yingshang_session=; Max-Age=0" in script and token not in script
    assert _rows(db_path)[0][4] is not None
    assert [r[:3] for r in _logouts(db_path)] == [("ly01", "session", "ly01")]

    other.run()  # the other tab's next click: its session ended too
    assert shows_login(other)
    assert [i.value for i in other.info] == ["您已退出登录。"]

    again = _fresh_tab(monkeypatch, token)  # the old cookie (or a copy of it) is refused
    assert shows_login(again)
    assert not again.info  # a refused, ended cookie is just cleared
    assert any("Max-Age=0" in s for s in _cookie_scripts(again))
    assert len(_logouts(db_path)) == 1


def test_a_reload_after_the_idle_limit_asks_for_a_new_login(db_path, monkeypatch):
    make_user(db_path, "bgs01", "office")
    token = sessions.create("bgs01", db_path, now=datetime.now(UTC) - timedelta(hours=9))
    tab = _fresh_tab(monkeypatch, token)
    assert shows_login(tab)
    assert [i.value for i in tab.info] == ["登录已超时，请重新登录。"]
    assert any("Max-Age=0" in s for s in _cookie_scripts(tab))


def test_a_tab_resumed_from_the_cookie_keeps_the_idle_timeout_and_account_checks(db_path, monkeypatch):
    make_user(db_path, "bgs01", "office")
    make_user(db_path, "ld01", "leader")
    tab = _fresh_tab(monkeypatch, sessions.create("bgs01", db_path))
    assert not shows_login(tab)
    state = tab.session_state["auth"]
    tab.session_state["auth"] = {**state, "last_seen": state["last_seen"] - 9 * 3600}
    tab.run()
    assert shows_login(tab)
    assert [i.value for i in tab.info] == ["登录已超时，请重新登录。"]

    leader = _fresh_tab(monkeypatch, sessions.create("ld01", db_path))
    assert not shows_login(leader)
    users.disable_user(SYSTEM_USER, "ld01", db=db_path)
    leader.run()  # the open tab: out at the next click
    assert shows_login(leader)
    assert any("账号已停用" in i.value for i in leader.info)
    gone = _fresh_tab(monkeypatch, leader.session_state["auth_spent_cookie"])  # and on a reload
    assert shows_login(gone)
    assert any("账号已停用" in i.value for i in gone.info)


def test_a_cookie_that_is_not_a_token_is_ignored_without_a_lookup(db_path, monkeypatch):
    make_user(db_path, "bgs01", "office")
    called: list[str] = []
    monkeypatch.setattr(auth.sessions, "resume", lambda *a, **k: called.append(a[0]))
    for junk in ("", "abc", "x' or 1=1 --" + "y" * 40, "a" * 500):
        tab = _fresh_tab(monkeypatch, junk)
        assert shows_login(tab) and not tab.info
    assert called == []
