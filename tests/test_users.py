"""Accounts: bcrypt hashes only, office-only administration, throttled logins, the CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import store
from accounts import users
from accounts.access import SYSTEM_USER, AccessDenied, User
from tests.fixtures_auth import PASSWORD, _fast_bcrypt, add_units, make_user  # noqa: F401

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def test_stored_passwords_are_bcrypt_hashes_and_the_plaintext_is_nowhere_in_the_db_file(db_path):
    secret = "Unusual-Secret-4711"
    users.add_user(SYSTEM_USER, "bgs01", "office", secret, db=db_path)
    users.reset_password(SYSTEM_USER, "bgs01", secret + "b", db=db_path)
    with store.read(db_path) as con:
        (hashed,) = con.execute("select password_hash from app_user where username = 'bgs01'").fetchone()
        logged = con.execute("select coalesce(before,'') || coalesce(after,'') || coalesce(detail,'') from audit_log").fetchall()
    assert hashed.startswith("$2b$")
    assert secret not in "".join(r[0] for r in logged)
    raw = db_path.read_bytes() + (db_path.with_suffix(".duckdb.wal").read_bytes() if db_path.with_suffix(".duckdb.wal").exists() else b"")
    assert secret.encode() not in raw
    assert users.authenticate("bgs01", secret + "b", db_path).user is not None


def test_a_liaison_account_must_name_a_unit_from_the_catalog(db_path):
    add_units(db_path, "teda.zwfw")
    with pytest.raises(users.UserError, match="必须指定所属单位"):
        users.add_user(SYSTEM_USER, "li", "liaison", PASSWORD, db=db_path)
    with pytest.raises(users.UserError, match="不在指标目录中"):
        users.add_user(SYSTEM_USER, "li", "liaison", PASSWORD, unit="nowhere.x", db=db_path)
    acc = users.add_user(SYSTEM_USER, "li", "liaison", PASSWORD, unit="teda.zwfw", db=db_path)
    assert acc.as_user() == User("li", "liaison", "teda.zwfw", "li")


@pytest.mark.parametrize("password,reason", [("short1", "至少 8 位"), ("onlyletters", "字母和数字"), ("a1" * 40, "过长")])
def test_weak_passwords_are_refused_with_a_chinese_reason(db_path, password, reason):
    with pytest.raises(users.UserError, match=reason):
        users.add_user(SYSTEM_USER, "bgs01", "office", password, db=db_path)
    assert users.count_users(db_path) == 0


@pytest.mark.parametrize("role", ["liaison", "leader"])
def test_only_the_office_manages_accounts(db_path, role):
    actor = make_user(db_path, "someone", role, "teda.zwfw" if role == "liaison" else None)
    for call in (
        lambda: users.add_user(actor, "x1", "leader", PASSWORD, db=db_path),
        lambda: users.disable_user(actor, "someone", db=db_path),
        lambda: users.reset_password(actor, "someone", PASSWORD, db=db_path),
        lambda: users.list_users(actor, db=db_path),
    ):
        with pytest.raises(AccessDenied, match="仅限领导小组办公室"):
            call()


def test_unknown_wrong_password_and_disabled_accounts_get_one_and_the_same_message(db_path):
    make_user(db_path, "bgs01", "office")
    make_user(db_path, "bgs02", "office")
    users.disable_user(SYSTEM_USER, "bgs02", db=db_path)
    answers = [users.authenticate(name, pw, db_path, now=T0)
               for name, pw in (("nobody", PASSWORD), ("bgs01", "wrong-pass-1"), ("bgs02", PASSWORD))]
    assert {(a.user, a.message, a.code) for a in answers} == {(None, users.LOGIN_FAILED, "BAD_CREDENTIALS")}
    assert users.get_user("bgs02", db_path) is None
    with store.read(db_path) as con:  # the office still sees the real reason
        details = [r[0] for r in con.execute(
            "select detail from audit_log where action = 'login_failed' order by id").fetchall()]
    assert [d.split("（")[0] for d in details] == ["用户名不存在", "密码错误", "账号已停用"]


def test_failures_slow_down_the_next_attempt_progressively_but_never_lock(db_path):
    make_user(db_path, "bgs01", "office")
    t = T0
    for _ in range(3):  # the free tries
        assert users.authenticate("bgs01", "wrong-pass-1", db_path, now=t).retry_after == 0
    delays = []
    for _ in range(6):
        r = users.authenticate("bgs01", "wrong-pass-1", db_path, now=t)
        if r.code == "THROTTLED":  # too early: the password was not even checked
            assert "秒后再试" in r.message
            t += timedelta(seconds=r.retry_after)
            r = users.authenticate("bgs01", "wrong-pass-1", db_path, now=t)
        delays.append(r.retry_after)
    assert delays == [2, 4, 8, 16, 32, 60]  # doubling, capped at a minute
    early = users.authenticate("bgs01", PASSWORD, db_path, now=t + timedelta(seconds=59))
    assert early.code == "THROTTLED" and early.user is None
    ok = users.authenticate("bgs01", PASSWORD, db_path, now=t + timedelta(seconds=60))
    assert ok.user is not None  # the right password works as soon as the wait is over


def test_someone_hammering_a_colleagues_name_keeps_them_out_for_at_most_a_minute(db_path):
    make_user(db_path, "bgs01", "office")
    t = T0
    for i in range(40):  # an attacker from another address, as fast as allowed
        r = users.authenticate("bgs01", f"guess-{i}x", db_path, now=t, client="10.0.0.66")
        t += timedelta(seconds=max(r.retry_after, 0.5))
    colleague = users.authenticate("bgs01", PASSWORD, db_path, now=t + timedelta(seconds=60), client="10.0.0.5")
    assert colleague.user is not None


def test_failures_from_one_client_address_slow_that_address_across_names(db_path):
    make_user(db_path, "bgs01", "office")
    for i in range(4):
        users.authenticate(f"guess{i}", "x-1234567", db_path, now=T0, client="10.0.0.66")
    blocked = users.authenticate("bgs01", PASSWORD, db_path, now=T0, client="10.0.0.66")
    assert blocked.code == "THROTTLED"
    elsewhere = users.authenticate("bgs01", PASSWORD, db_path, now=T0, client="10.0.0.5")
    assert elsewhere.user is not None


def test_unknown_names_are_throttled_like_real_ones_so_the_delay_reveals_nothing(db_path):
    make_user(db_path, "bgs01", "office")
    real = [users.authenticate("bgs01", "wrong-pass-1", db_path, now=T0).retry_after for _ in range(5)]
    ghost = [users.authenticate("ghost", "wrong-pass-1", db_path, now=T0 + timedelta(hours=1)).retry_after
             for _ in range(5)]
    assert real == ghost


def test_a_success_resets_the_failure_count(db_path):
    make_user(db_path, "bgs01", "office")
    for _ in range(3):
        users.authenticate("bgs01", "wrong-pass-1", db_path, now=T0)
    assert users.authenticate("bgs01", PASSWORD, db_path, now=T0).user is not None
    assert users.authenticate("bgs01", "wrong-pass-1", db_path, now=T0).retry_after == 0


def test_the_office_sees_failed_attempts_and_can_clear_the_delays(db_path):
    make_user(db_path, "bgs01", "office")
    for _ in range(4):
        users.authenticate("bgs01", "wrong-pass-1", db_path, now=T0, client="10.0.0.66")
    seen = users.login_failures(SYSTEM_USER, db_path, now=T0)
    assert set(zip(seen["类型"], seen["名称"], seen["失败次数"])) == {("用户名", "bgs01", 4), ("客户端地址", "10.0.0.66", 4)}
    assert users.users_table(SYSTEM_USER, db_path, now=T0).set_index("用户名").loc["bgs01", "连续失败"] == 4
    assert users.clear_login_failures(SYSTEM_USER, db_path, now=T0) == 2
    assert users.authenticate("bgs01", PASSWORD, db_path, now=T0, client="10.0.0.66").user is not None
    with store.read(db_path) as con:
        assert con.execute("select count(*) from audit_log where action = 'login_throttle_clear'").fetchone()[0] == 1
    with pytest.raises(AccessDenied):
        users.login_failures(User("li", "liaison", "teda.zwfw"), db_path)


def test_the_last_office_account_cannot_be_disabled(db_path):
    make_user(db_path, "bgs01", "office")
    with pytest.raises(users.UserError, match="最后一个可用的办公室账号"):
        users.disable_user(SYSTEM_USER, "bgs01", db=db_path)


def test_office_resets_a_password_and_lifts_the_accounts_delay(db_path):
    make_user(db_path, "bgs01", "office")
    for _ in range(5):
        users.authenticate("bgs01", "wrong-pass-1", db_path, now=T0)
    users.reset_password(SYSTEM_USER, "bgs01", "New-pass-2026", db=db_path)
    assert users.authenticate("bgs01", "New-pass-2026", db_path, now=T0).user is not None


def test_demo_accounts_one_office_one_leader_one_liaison_per_unit(db_path, monkeypatch):
    monkeypatch.delenv("YINGSHANG_DEMO_PASSWORD", raising=False)
    add_units(db_path, "teda.zwfw", "heping.zwfw")
    made = users.create_demo_accounts(db_path)
    assert sorted((a.username, a.role) for a in made) == [
        ("heping.zwfw", "liaison"), ("leader", "leader"), ("office", "office"), ("teda.zwfw", "liaison")
    ]
    assert users.authenticate("teda.zwfw", "Demo-teda.zwfw-2026", db_path).user.unit == "teda.zwfw"
    assert users.create_demo_accounts(db_path) == made  # idempotent
    assert users.count_users(db_path) == 4


def _cli(db: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "YINGSHANG_DB": str(db), "YINGSHANG_BCRYPT_ROUNDS": "4"}
    return subprocess.run(
        [sys.executable, "-m", "etl", "users", *args], check=False, input=stdin, capture_output=True,
        text=True, cwd=ROOT, env=env, timeout=60,
    )


def test_cli_creates_the_first_office_account_lists_and_disables(tmp_path):
    db = tmp_path / "cli.duckdb"
    added = _cli(db, "add", "--username", "bgs01", "--role", "office", "--name", "张三", "--password-stdin", stdin="Abc-2026-x\n")
    assert added.returncode == 0, added.stderr
    assert "已新增办公室账号 bgs01" in added.stdout
    assert _cli(db, "add", "--username", "ld", "--role", "leader", "--password-stdin", stdin="Abc-2026-y\n").returncode == 0
    assert _cli(db, "disable", "--username", "ld").returncode == 0
    listed = _cli(db, "list").stdout
    assert "用户名" in listed and "张三" in listed and "领导" in listed and "已停用" in listed
    refused = _cli(db, "add", "--username", "xy", "--role", "liaison", "--password-stdin", stdin="Abc-2026-z\n")
    assert refused.returncode == 1 and "必须指定所属单位" in refused.stderr
    assert b"Abc-2026-x" not in db.read_bytes()


def test_cli_add_without_a_terminal_says_to_use_password_stdin(tmp_path):
    db = tmp_path / "cli.duckdb"
    proc = _cli(db, "add", "--username", "bgs01", "--role", "office")  # stdin is a pipe, not a terminal
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "EOFError" not in proc.stderr
    assert "--password-stdin" in proc.stderr and "终端" in proc.stderr
    empty = _cli(db, "add", "--username", "bgs01", "--role", "office", "--password-stdin")
    assert empty.returncode == 1 and "没有读到密码" in empty.stderr and "Traceback" not in empty.stderr


def test_cli_grants_a_liaison_a_region_and_takes_it_back_with_db_after_the_action(tmp_path):
    db = tmp_path / "cli.duckdb"
    store.migrate(db)
    add_units(db, "teda.zwfw", "hexi.zwfw")
    env_db = tmp_path / "elsewhere.duckdb"  # --db after the action wins over YINGSHANG_DB
    added = _cli(env_db, "add", "--db", str(db), "--username", "td", "--role", "liaison", "--unit", "teda.zwfw",
                 "--password-stdin", stdin="Abc-2026-x\n")
    assert added.returncode == 0, added.stderr
    granted = _cli(env_db, "grant", "--db", str(db), "--username", "td", "--region", "hexi")
    assert granted.returncode == 0, granted.stderr
    assert "已为账号 td 开通查看权限：区域：hexi" in granted.stdout
    assert users.get_user("td", db).grants == {"region:hexi"}
    listed = _cli(env_db, "list", "--db", str(db)).stdout
    assert "额外查看权限" in listed and "区域：hexi" in listed
    assert _cli(env_db, "--db", str(db), "revoke", "--username", "td", "--region", "hexi").returncode == 0
    assert users.get_user("td", db).grants == frozenset()
    refused = _cli(env_db, "grant", "--db", str(db), "--username", "td", "--region", "nowhere")
    assert refused.returncode == 1 and "区域 nowhere 不在指标目录中" in refused.stderr
    assert not env_db.exists()


@pytest.mark.parametrize("sub", [[], ["add"], ["list"], ["disable"], ["reset-password"], ["grant"], ["revoke"]])
def test_every_users_subcommand_has_an_example(sub, capsys):
    from etl.__main__ import main

    with pytest.raises(SystemExit):
        main(["users", *sub, "--help"])
    assert "Example:" in capsys.readouterr().out
