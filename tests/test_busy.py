"""While an import holds the database file, every way into the app answers 数据库正忙 with a
retry button, never a traceback (issue 12, point 3)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import store
from tests.fixtures_auth import PASSWORD, _fast_bcrypt, log_in, make_user  # noqa: F401

APP = Path(__file__).resolve().parents[1] / "app.py"


def _busy(*args, **kwargs):
    raise store.DatabaseBusy("数据库正忙：另一个程序（如数据导入）正在使用数据库文件。", "请稍等片刻后重试。")


def _answers_busy(at: AppTest) -> None:
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("数据库正忙" in w.value for w in at.warning)
    assert any(b.label == "重试" for b in at.button)


@pytest.fixture
def app(db_path) -> AppTest:
    make_user(db_path, "bgs01", "office")
    return AppTest.from_file(str(APP), default_timeout=120)


def test_the_cookie_check_during_an_import_shows_busy_and_a_retry(app, monkeypatch):
    from accounts import sessions

    app.session_state["auth"] = {"username": "bgs01", "last_seen": time.time(), "token": "t" * 43}
    monkeypatch.setattr(sessions, "resume", _busy)
    app.run()
    _answers_busy(app)


def test_logging_in_during_an_import_shows_busy_and_logging_in_again_works(app, monkeypatch):
    from accounts import users

    real = users.authenticate
    monkeypatch.setattr(users, "authenticate", _busy)
    app.run()
    app.text_input[0].input("bgs01")
    app.text_input[1].input(PASSWORD)
    app.button[0].click().run()
    _answers_busy(app)
    monkeypatch.setattr(users, "authenticate", real)
    app.text_input[0].input("bgs01")
    app.text_input[1].input(PASSWORD)
    next(b for b in app.button if b.label == "登录").click().run()
    assert any("当前用户：**bgs01**" in m.value for m in app.sidebar.markdown)


def test_a_page_during_an_import_shows_busy_and_a_retry(app, monkeypatch):
    from accounts import access

    log_in(app, "bgs01")
    monkeypatch.setattr(access, "readable_units", _busy)
    app.run()
    _answers_busy(app)
