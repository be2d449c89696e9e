"""The app behind the login: visitors see only the form, each role sees its own pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import store
from accounts import users
from tests.fixtures_auth import PASSWORD, _fast_bcrypt, log_in, make_user  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
UNIT_A, UNIT_B = "teda.zwfw", "teda.scjg"
APP = ROOT / "app.py"


@pytest.fixture
def app(db_path) -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=120)


def shows_login(at: AppTest) -> bool:
    return [t.label for t in at.text_input] == ["用户名", "密码"] and any(b.label == "登录" for b in at.button)


def test_a_visitor_who_is_not_logged_in_sees_only_the_login(app):
    app.run()
    assert not app.exception
    assert shows_login(app)
    assert [t.value for t in app.title] == ["营商环境指标监测系统"]
    assert len(app.sidebar.children) == 0 or not any(app.sidebar.selectbox)  # no filters, no pages' content
    assert not app.file_uploader and not app.dataframe
    # the visitor's navigation runs no page script: every page URL leads to the login
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/upload.py")


def test_logging_in_opens_the_app_and_a_wrong_password_is_refused_in_chinese(app, db_path):
    make_user(db_path, "bgs01", "office")
    app.run()
    app.text_input[0].input("bgs01")
    app.text_input[1].input("wrong-pass-1")
    app.button[0].click().run()
    assert shows_login(app)
    assert any("用户名或密码错误" in e.value for e in app.error)
    app.text_input[0].input("bgs01")
    app.text_input[1].input(PASSWORD)
    app.button[0].click().run()
    assert not shows_login(app)
    assert any("当前用户：**bgs01**" in m.value for m in app.sidebar.markdown)
    with store.read(db_path) as con:
        actions = [r[0] for r in con.execute("select action from audit_log where actor = 'bgs01' order by id").fetchall()]
    assert actions == ["login_failed", "login_ok"]


def test_the_session_expires_after_the_idle_timeout(app, db_path, monkeypatch):
    make_user(db_path, "bgs01", "office")
    log_in(app, "bgs01")
    app.session_state["auth"]["last_seen"] -= 9 * 3600
    app.run()
    assert shows_login(app)
    assert any("登录已超时" in i.value for i in app.info)


def test_a_disabled_account_is_logged_out_at_its_next_click(app, db_path):
    make_user(db_path, "bgs01", "office")
    make_user(db_path, "bgs02", "office")
    log_in(app, "bgs02")
    app.run()
    assert not shows_login(app)
    from accounts.access import SYSTEM_USER

    users.disable_user(SYSTEM_USER, "bgs02", db=db_path)
    # a fresh run of app.py with the same session state (AppTest re-runs a page alone otherwise)
    again = AppTest.from_file(str(APP), default_timeout=120)
    again.session_state["auth"] = app.session_state["auth"]
    again.run()
    assert shows_login(again)
    assert any("账号已停用" in i.value for i in again.info)


def test_a_leader_has_no_upload_page_and_no_administration(app, db_path):
    make_user(db_path, "ld01", "leader")
    log_in(app, "ld01")
    app.run()
    assert not shows_login(app)
    for page in ("pages/upload.py", "pages/audit.py", "pages/users.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(page)
    app.switch_page("pages/regions.py")  # read-only pages stay open to leaders


def test_the_office_sees_the_audit_log_and_account_pages(app, db_path):
    make_user(db_path, "bgs01", "office")
    log_in(app, "bgs01")
    app.run()
    app.switch_page("pages/audit.py").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["审计日志"]
    assert "user_add" not in str(app.dataframe[0].value)  # labels are Chinese
    assert "新增账号" in app.dataframe[0].value.to_string()
    app.switch_page("pages/users.py").run()
    assert not app.exception
    assert "bgs01" in app.dataframe[0].value.to_string()


def test_a_liaison_uploading_another_units_return_is_refused_by_the_page(app, db_path):
    make_user(db_path, "lly", "liaison", UNIT_A)
    log_in(app, "lly")
    app.run()
    with pytest.raises(ValueError):
        app.switch_page("pages/audit.py")
    app.switch_page("pages/upload.py").run()
    assert not app.exception
    from etl.template import build_template

    buf = io.BytesIO()
    build_template(UNIT_B, "2026-09", db=db_path).save(buf)
    app.file_uploader[0].upload("其他单位.xlsx", buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    app.run()
    assert not app.exception
    assert any("未通过校验" in e.value for e in app.error)
    report = app.table[0].value.to_string()
    assert "ACCESS_DENIED" not in report and "不能代报其他单位（经开区市场监管局）" in report and UNIT_B not in report
    with store.read(db_path) as con:
        assert con.execute("select count(*) from observation where unit = ?", [UNIT_B]).fetchone()[0] == 0


def test_the_office_adds_an_account_on_the_accounts_page(app, db_path):
    make_user(db_path, "bgs01", "office")
    log_in(app, "bgs01")
    app.run()
    app.switch_page("pages/users.py").run()
    form_inputs = {t.label: t for t in app.text_input}
    form_inputs["用户名"].input("ld02")
    form_inputs["姓名"].input("王领导")
    app.selectbox[0].select("leader")
    form_inputs["初始密码"].input("Lead-2026-pw")
    next(b for b in app.button if b.label == "新增").click().run()
    assert not app.exception
    assert any("已新增领导账号 ld02" in s.value for s in app.success)
    assert users.authenticate("ld02", "Lead-2026-pw", db_path).user.role == "leader"
    with store.read(db_path) as con:
        assert con.execute("select actor from audit_log where action = 'user_add' and object_id = 'ld02'").fetchall() == [("bgs01",)]


def test_the_office_lets_a_liaison_read_a_region_on_the_accounts_page(app, db_path):
    make_user(db_path, "bgs01", "office")
    make_user(db_path, "lly", "liaison", UNIT_A)
    make_user(db_path, "other", "liaison", UNIT_B)  # its region "teda" is in the catalog mirror
    log_in(app, "bgs01")
    app.run()
    app.switch_page("pages/users.py").run()
    next(s for s in app.selectbox if s.label == "联络员账号").select("lly").run()
    next(r for r in app.radio if r.label == "开通范围").set_value("region").run()
    next(s for s in app.selectbox if s.label == "区域").select("teda").run()
    next(b for b in app.button if b.label == "开通查看权限").click().run()
    assert not app.exception
    name = users.get_user("lly", db_path).label
    assert any(f"已为账号“{name}”开通查看权限" in s.value for s in app.success), [s.value for s in app.success]
    assert users.get_user("lly", db_path).grants == {"region:teda"}
    assert "区域：" in app.dataframe[0].value.to_string()
    next(b for b in app.button if b.label == "收回所选权限").click().run()
    assert users.get_user("lly", db_path).grants == frozenset()
    with store.read(db_path) as con:
        rows = con.execute("select actor, action from audit_log where action like 'user_%ke' or action = 'user_grant'"
                           " order by id").fetchall()
    assert rows == [("bgs01", "user_grant"), ("bgs01", "user_revoke")]


def test_the_office_sees_failed_logins_on_the_accounts_page_and_clears_them(app, db_path):
    make_user(db_path, "bgs01", "office")
    for _ in range(4):
        users.authenticate("bgs01", "wrong-pass-1", db_path)
    users.authenticate("=HYPERLINK(1)", "x-1234567", db_path)  # a name that is no account
    log_in(app, "bgs01")
    app.run()
    app.switch_page("pages/users.py").run()
    assert not app.exception
    assert any("近期登录失败（2 条）" in e.label for e in app.expander)
    shown = next(d.value for d in app.dataframe if "失败次数" in d.value.columns)
    assert set(zip(shown["名称"], shown["失败次数"])) == {("bgs01", 4), ("=HYPERLINK(1)（无此账号）", 1)}
    next(b for b in app.button if b.label.startswith("清除登录失败记录")).click().run()
    assert any("已清除 2 条登录失败记录" in s.value for s in app.success)
    assert users.authenticate("bgs01", PASSWORD, db_path).user is not None


def test_a_national_catalog_binds_a_new_liaison_by_region_then_unit(app, db_path, monkeypatch):
    """47 万 units in one choice box took 账号管理 13 s: with a national catalog the office picks
    the region first, then one of its units, and the account is bound to that unit."""
    from dashboard import ui

    monkeypatch.setattr(ui, "UNITS_LISTED", 2)  # the fixture's catalog counts as national
    make_user(db_path, "bgs01", "office")
    log_in(app, "bgs01")
    app.run()
    app.switch_page("pages/users.py").run()
    assert not app.exception
    unit_box = next(s for s in app.selectbox if s.label == "所属单位（仅联络员）")
    assert unit_box.options == ["—"]  # nothing listed before a region is chosen
    next(s for s in app.selectbox if s.label == "单位所在区域").select("hexi").run()
    unit_box = next(s for s in app.selectbox if s.label == "所属单位（仅联络员）")
    assert "河西区发改委" in unit_box.options and "经开区政务服务办" not in unit_box.options
    form_inputs = {t.label: t for t in app.text_input}
    form_inputs["用户名"].input("hx01")
    form_inputs["姓名"].input("河西联络员")
    next(s for s in app.selectbox if s.label == "角色").select("liaison")
    unit_box.select("hexi.fgw")
    form_inputs["初始密码"].input("Liaison-2026-pw")
    next(b for b in app.button if b.label == "新增").click().run()
    assert not app.exception
    assert any("已新增联络员账号 hx01" in s.value for s in app.success), [s.value for s in app.success]
    assert users.get_user("hx01", db_path).unit == "hexi.fgw"
    assert "河西区发改委" in app.dataframe[0].value.to_string()  # the table names the unit
