"""Every write leaves exactly one audit entry, written in the same transaction as the write."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

import store
from accounts import audit, sessions, users
from accounts.access import SYSTEM_USER, AccessDenied, User
from tests.fixtures_auth import PASSWORD, _fast_bcrypt, add_units, make_user  # noqa: F401


def log(db) -> list[tuple]:
    with store.read(db) as con:
        return con.execute(
            "select actor, action, object_type, object_id, unit, before, after from audit_log order by id"
        ).fetchall()


def test_a_scripted_session_leaves_one_audit_entry_per_write(db_path, tmp_path):
    from etl.ingest import ingest_bytes
    from tests.fixtures_returns import UNIT, tiny_catalog, write_return

    cat = tiny_catalog()
    add_units(db_path, UNIT)
    users.add_user(SYSTEM_USER, "bgs01", "office", PASSWORD, db=db_path)
    office = users.authenticate("bgs01", PASSWORD, db_path).user
    users.add_user(office, "lly", "liaison", PASSWORD, unit=UNIT, display_name="联络员甲", db=db_path)
    liaison = User("lly", "liaison", UNIT)
    first = write_return(tmp_path / "v1.xlsx").read_bytes()
    second = write_return(tmp_path / "v2.xlsx", values={"T01": (97, None), "T02": (11, None), "T03": (130, None),
                                                         "T04": (2, None)}).read_bytes()
    broken = write_return(tmp_path / "bad.xlsx", values={"T01": ("很好", None), "T02": (11, None),
                                                          "T03": (130, None), "T04": (2, None)}).read_bytes()
    results = [
        ingest_bytes("v1.xlsx", first, db=db_path, user=liaison, catalog=cat),
        ingest_bytes("v2.xlsx", second, db=db_path, user=liaison, catalog=cat),
        ingest_bytes("v2-again.xlsx", second, db=db_path, user=liaison, catalog=cat),
        ingest_bytes("bad.xlsx", broken, db=db_path, user=liaison, catalog=cat),
    ]
    assert [r.status for r in results] == ["accepted", "accepted", "duplicate", "rejected"]
    users.grant_read(office, "lly", "all", db=db_path)
    users.revoke_read(office, "lly", "all", db=db_path)
    users.disable_user(office, "lly", db=db_path)
    sessions.end(sessions.create("bgs01", db=db_path), db=db_path)  # 退出登录

    entries = log(db_path)
    assert [(e[0], e[1]) for e in entries] == [
        ("system", "user_add"),
        ("bgs01", "login_ok"),
        ("bgs01", "user_add"),
        ("lly", "upload_accepted"),
        ("lly", "reupload"),
        ("lly", "upload_duplicate"),
        ("lly", "upload_rejected"),
        ("bgs01", "user_grant"),
        ("bgs01", "user_revoke"),
        ("bgs01", "user_disable"),
        ("bgs01", "logout"),
    ]
    reupload = entries[4]
    assert reupload[4] == UNIT
    assert json.loads(reupload[5])["version"] == 1 and json.loads(reupload[6])["version"] == 2
    assert json.loads(entries[9][5])["disabled"] is False and json.loads(entries[9][6])["disabled"] is True
    assert json.loads(entries[7][6]) == {"grants": ["all"]} and json.loads(entries[8][6]) == {"grants": []}
    assert "本月值" in (log_detail := _details(db_path)[6]) or "不是数字" in log_detail


def _details(db) -> list[str]:
    with store.read(db) as con:
        return [r[0] or "" for r in con.execute("select detail from audit_log order by id").fetchall()]


def test_a_rolled_back_write_leaves_no_audit_entry(db_path):
    with pytest.raises(RuntimeError), store.write(db_path) as con:
        audit.record(con, "bgs01", "user_add", "user", "ghost", after={"username": "ghost"})
        raise RuntimeError("the write failed after its audit entry")
    assert log(db_path) == []


def test_a_refused_account_change_leaves_no_audit_entry(db_path):
    make_user(db_path, "bgs01", "office")
    with pytest.raises(users.UserError):
        users.add_user(SYSTEM_USER, "bgs01", "leader", PASSWORD, db=db_path)  # name taken
    with pytest.raises(users.UserError):
        users.disable_user(SYSTEM_USER, "bgs01", db=db_path)  # the last office account
    assert [e[1] for e in log(db_path)] == ["user_add"]


def test_password_resets_are_logged_without_the_password(db_path):
    make_user(db_path, "bgs01", "office")
    users.reset_password(SYSTEM_USER, "bgs01", "Brand-new-77", db=db_path)
    entry = log(db_path)[-1]
    assert entry[1] == "user_reset_password" and "Brand-new-77" not in repr(entry)


def test_the_office_filters_the_log_and_others_may_not_read_it(db_path):
    add_units(db_path, "teda.zwfw", "teda.sw")
    users.add_user(SYSTEM_USER, "bgs01", "office", PASSWORD, db=db_path)
    users.add_user(SYSTEM_USER, "a1", "liaison", PASSWORD, unit="teda.zwfw", db=db_path)
    users.add_user(SYSTEM_USER, "b1", "liaison", PASSWORD, unit="teda.sw", db=db_path)
    users.authenticate("a1", "wrong-pass-1", db_path)
    office = User("bgs01", "office")
    assert len(audit.entries(office, db=db_path)) == 4
    assert audit.entries(office, audit.AuditFilter(unit="teda.sw"), db_path)["object_id"].tolist() == ["b1"]
    assert audit.entries(office, audit.AuditFilter(action="login_failed"), db_path)["actor"].tolist() == ["a1"]
    assert len(audit.entries(office, audit.AuditFilter(actor="system", action="user_add"), db_path)) == 3
    assert audit.entries(office, audit.AuditFilter(since=date(2020, 1, 1), until=date(2020, 1, 31)), db_path).empty
    for user in (User("a1", "liaison", "teda.zwfw"), User("ld", "leader")):
        with pytest.raises(AccessDenied, match="查看审计日志仅限领导小组办公室"):
            audit.entries(user, db=db_path)


def test_the_day_filter_uses_beijing_time(db_path):
    late_evening_utc = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # 01:30 on the 24th in Beijing
    with store.write(db_path) as con:
        audit.record(con, "bgs01", "login_ok", "session", "bgs01", at=late_evening_utc)
    office = User("bgs01", "office")
    assert len(audit.entries(office, audit.AuditFilter(since=date(2026, 11, 24), until=date(2026, 11, 24)), db_path)) == 1
    assert audit.entries(office, audit.AuditFilter(until=date(2026, 11, 23)), db_path).empty
    shown = audit.for_display(audit.entries(office, db=db_path))
    assert list(shown.columns)[:4] == ["序号", "时间", "操作人", "操作"]
    assert shown["时间"].iloc[0] == datetime(2026, 11, 24, 1, 30) and shown["操作"].iloc[0] == "登录成功"


def test_the_audit_export_is_an_excel_file_with_chinese_headers(db_path):
    from dashboard.export import to_excel_bytes

    make_user(db_path, "bgs01", "office")
    data = to_excel_bytes(audit.for_display(audit.entries(User("bgs01", "office"), db=db_path)), "审计日志")
    sheet = load_workbook(io.BytesIO(data)).active
    headers = [c.value for c in sheet[1]]
    assert "操作人" in headers and "变更后" in headers
    assert "新增账号" in [c.value for c in sheet[2]]
