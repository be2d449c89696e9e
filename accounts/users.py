"""Accounts: bcrypt-hashed passwords in ``app_user``, login with throttling, demo accounts.

Every change is audited in the same transaction (``accounts.audit.record``). Only the office
administers accounts; the command line and the demo builder act as ``SYSTEM_USER``.
Timestamps are compared inside SQL (``epoch_ms``) so no timezone package is needed in Python.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a table is built: the login form needs none
    import pandas as pd

import bcrypt

import store
from accounts import audit
from accounts.access import GRANT_ALL, GRANT_KINDS, ROLE_NAMES, SYSTEM_USER, User, grant_scope, require_office, split_grant

ROLES = ("office", "liaison", "leader")
USERNAME_RE = re.compile(r"[A-Za-z0-9_.\-]{2,64}")
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit; bcrypt 5 refuses longer input


class UserError(Exception):
    """An account operation that cannot be done; ``str(err)`` is Chinese."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _rounds() -> int:
    """bcrypt cost; tests lower it through the environment to stay fast."""
    return int(os.environ.get("YINGSHANG_BCRYPT_ROUNDS", "12"))


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def _from_ms(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


# --- passwords ---------------------------------------------------------------------------


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable (Chinese), or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"密码至少 {MIN_PASSWORD_CHARS} 位。"
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"密码过长（不超过 {MAX_PASSWORD_BYTES} 字节）。"
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        return "密码须同时包含字母和数字。"
    return None


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise UserError("WEAK_PASSWORD", problem)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    data = password.encode("utf-8")
    if len(data) > MAX_PASSWORD_BYTES:
        return False
    return bcrypt.checkpw(data, hashed.encode("ascii"))


# A hash to check against when the username is unknown, so both cases take the same time.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = bcrypt.hashpw(os.urandom(16).hex().encode(), bcrypt.gensalt(_rounds())).decode()
    return _DUMMY_HASH


# --- accounts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str
    unit: str | None
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    is_demo: bool

    def as_user(self) -> User:
        return User(self.username, self.role, self.unit, self.display_name)  # type: ignore[arg-type]


_ACCOUNT_SQL = (
    "select username, display_name, role, unit, disabled, failed_logins,"
    " epoch_ms(locked_until), is_demo, password_hash from app_user"
)


def _account(row) -> Account:
    return Account(row[0], row[1], row[2], row[3], bool(row[4]), int(row[5]), _from_ms(row[6]), bool(row[7]))


def _snapshot(acc: Account) -> dict:
    """What the audit log stores of an account: never the hash."""
    return {
        "username": acc.username,
        "display_name": acc.display_name,
        "role": acc.role,
        "unit": acc.unit,
        "disabled": acc.disabled,
    }


def _fetch(con, username: str):
    return con.execute(_ACCOUNT_SQL + " where username = ?", [username]).fetchone()


def add_user(
    actor: User,
    username: str,
    role: str,
    password: str,
    unit: str | None = None,
    display_name: str | None = None,
    db=None,
    now: datetime | None = None,
    is_demo: bool = False,
) -> Account:
    """Create an account (office only). A liaison needs a unit from the catalog; others none."""
    require_office(actor, "账号管理")
    if not USERNAME_RE.fullmatch(username or ""):
        raise UserError("BAD_USERNAME", "用户名须为 2–64 位字母、数字或 . _ -。")
    if role not in ROLES:
        raise UserError("BAD_ROLE", f"角色须为 office（办公室）、liaison（联络员）或 leader（领导），收到 {role!r}。")
    if role == "liaison" and not unit:
        raise UserError("UNIT_REQUIRED", "联络员账号必须指定所属单位（--unit）。")
    if role != "liaison" and unit:
        raise UserError("UNIT_NOT_ALLOWED", f"{ROLE_NAMES[role]}账号不绑定单位，请去掉 --unit。")
    hashed = hash_password(password)
    with store.write(db) as con:
        acc = _insert(con, actor, username, role, unit, display_name, hashed, _now(now), is_demo)
    return acc


def _insert(con, actor: User, username: str, role: str, unit: str | None, display_name: str | None,
            hashed: str, at: datetime, is_demo: bool) -> Account:
    """Insert one account and its audit entry with ``con`` (the caller's transaction)."""
    if _fetch(con, username):
        raise UserError("USER_EXISTS", f"用户名 {username} 已存在。")
    if unit and not con.execute("select 1 from unit where id = ?", [unit]).fetchone():
        raise UserError("UNKNOWN_UNIT", f"单位 {unit} 不在指标目录中（单位编号形如 teda.zwfw）。")
    con.execute(
        "insert into app_user (username, display_name, role, unit, password_hash, disabled,"
        " created_at, password_changed_at, failed_logins, locked_until, is_demo)"
        " values (?, ?, ?, ?, ?, false, ?, ?, 0, null, ?)",
        [username, display_name or username, role, unit, hashed, at, at, is_demo],
    )
    acc = _account(_fetch(con, username))
    audit.record(con, actor.username, "user_add", "user", username, unit=unit, after=_snapshot(acc), at=at)
    return acc


def list_users(actor: User, db=None) -> list[Account]:
    require_office(actor, "账号管理")
    with store.read(db) as con:
        return [_account(r) for r in con.execute(_ACCOUNT_SQL + " order by role, unit, username").fetchall()]


def users_table(actor: User, db=None, now: datetime | None = None) -> pd.DataFrame:
    """The account list with Chinese headings, for the CLI and the 账号管理 page.

    ``now`` is kept for callers; no column depends on the time since logins are no longer locked."""
    grants = all_grants(actor, db)
    regions, units = catalog_names(db)
    rows = [
        {
            "用户名": a.username,
            "姓名": a.display_name,
            "角色": ROLE_NAMES.get(a.role, a.role),
            "单位": a.unit or "",
            "状态": "已停用" if a.disabled else "正常",
            "连续失败": a.failed_logins,
            "额外查看权限": "、".join(grant_label(g, regions, units) for g in grants.get(a.username, [])),
            "演示": "是" if a.is_demo else "",
        }
        for a in list_users(actor, db)
    ]
    import pandas as pd

    return pd.DataFrame(rows, columns=["用户名", "姓名", "角色", "单位", "状态", "连续失败", "额外查看权限", "演示"])


def _require_account(con, username: str) -> Account:
    row = _fetch(con, username)
    if not row:
        raise UserError("NO_SUCH_USER", f"用户名 {username} 不存在。")
    return _account(row)


def disable_user(actor: User, username: str, db=None, now: datetime | None = None) -> Account:
    """Disable an account (office only); the last active office account cannot be disabled."""
    require_office(actor, "账号管理")
    at = _now(now)
    with store.write(db) as con:
        before = _require_account(con, username)
        if before.disabled:
            raise UserError("ALREADY_DISABLED", f"账号 {username} 已是停用状态。")
        if before.role == "office":
            others = con.execute(
                "select count(*) from app_user where role = 'office' and not disabled and username <> ?",
                [username],
            ).fetchone()[0]
            if others == 0:
                raise UserError("LAST_OFFICE", "不能停用最后一个可用的办公室账号，请先新增另一个办公室账号。")
        con.execute("update app_user set disabled = true where username = ?", [username])
        after = _account(_fetch(con, username))
        audit.record(
            con, actor.username, "user_disable", "user", username, unit=before.unit,
            before=_snapshot(before), after=_snapshot(after), at=at,
        )
    return after


def reset_password(actor: User, username: str, password: str, db=None, now: datetime | None = None) -> Account:
    """Set a new password (office only); also clears the account's login delay."""
    require_office(actor, "账号管理")
    hashed = hash_password(password)
    at = _now(now)
    with store.write(db) as con:
        before = _require_account(con, username)
        con.execute(
            "update app_user set password_hash = ?, password_changed_at = ?, failed_logins = 0,"
            " locked_until = null where username = ?",
            [hashed, at, username],
        )
        con.execute("delete from login_throttle where kind = 'account' and key = ?", [username])
        after = _account(_fetch(con, username))
        audit.record(
            con, actor.username, "user_reset_password", "user", username, unit=before.unit,
            detail="密码已重置（日志不记录密码）", at=at,
        )
    return after


def get_user(username: str, db=None) -> User | None:
    """The active account ``username`` as a ``User`` with its read grants (None when unknown
    or disabled). The app calls this on every run, so changes apply at the next click."""
    with store.read(db) as con:
        row = _fetch(con, username)
        grants = _grants(con, username) if row else frozenset()
    if not row:
        return None
    acc = _account(row)
    if acc.disabled:
        return None
    return replace(acc.as_user(), grants=grants)


# --- read grants -------------------------------------------------------------------------


def _grants(con, username: str) -> frozenset[str]:
    rows = con.execute("select scope from user_read_grant where username = ?", [username]).fetchall()
    return frozenset(r[0] for r in rows)


def grant_label(scope: str, region_names: dict[str, str] | None = None,
                unit_names: dict[str, str] | None = None) -> str:
    """A grant in Chinese: 全部单位 / 区域：和平区 / 单位：经开区政务服务办."""
    kind, target = split_grant(scope)
    if kind == GRANT_ALL:
        return "全部单位"
    if kind == "region":
        return f"区域：{(region_names or {}).get(target, target)}"
    return f"单位：{(unit_names or {}).get(target, target)}"


def catalog_names(db=None) -> tuple[dict[str, str], dict[str, str]]:
    """Region and unit names (id -> name) from the catalog mirror, for ``grant_label``."""
    with store.read(db) as con:
        regions = dict(con.execute("select id, name from region").fetchall())
        units = dict(con.execute("select id, name from unit").fetchall())
    return regions, units


def _check_grant_target(con, kind: str, target: str | None) -> str:
    """The stored scope for (kind, target), after checking the target is in the catalog."""
    if kind == GRANT_ALL:
        return GRANT_ALL
    if kind not in GRANT_KINDS:
        raise UserError("BAD_GRANT", f"查看权限须为 all（全部单位）、region（区域）或 unit（单位），收到 {kind!r}。")
    table = "region" if kind == "region" else "unit"
    if not target or not con.execute(f"select 1 from {table} where id = ?", [target]).fetchone():
        what = "区域" if kind == "region" else "单位"
        raise UserError("UNKNOWN_GRANT_TARGET", f"{what} {target} 不在指标目录中。")
    return grant_scope(kind, target)


def _change_grants(actor: User, username: str, action: str, verb: str, change, db, now) -> frozenset[str]:
    """One grant change (office only) and its audit entry in one transaction.

    ``change(con, account, grants_before, at)`` writes the change and returns its scope.
    """
    require_office(actor, "账号管理")
    at = _now(now)
    with store.write(db) as con:
        acc = _require_account(con, username)
        before = _grants(con, username)
        scope = change(con, acc, before, at)
        after = _grants(con, username)
        audit.record(
            con, actor.username, action, "user", username, unit=acc.unit,
            before={"grants": sorted(before)}, after={"grants": sorted(after)},
            detail=f"{verb}查看权限：{grant_label(scope)}", at=at,
        )
    return after


def grant_read(actor: User, username: str, kind: str, target: str | None = None, db=None,
               now: datetime | None = None) -> frozenset[str]:
    """Let liaison ``username`` read more than their unit (office only); returns their grants.

    ``kind`` is ``all``, ``region`` or ``unit``. Office and leader accounts read every unit
    already, so grants are for liaisons only.
    """
    def add(con, acc: Account, before: frozenset[str], at: datetime) -> str:
        if acc.role != "liaison":
            raise UserError("GRANT_NOT_NEEDED", f"{ROLE_NAMES[acc.role]}账号本就可查看全部单位，无需开通查看权限。")
        scope = _check_grant_target(con, kind, target)
        if scope in before:
            raise UserError("GRANT_EXISTS", f"账号 {username} 已有该查看权限。")
        con.execute(
            "insert into user_read_grant (username, scope, granted_by, granted_at) values (?, ?, ?, ?)",
            [username, scope, actor.username, at],
        )
        return scope

    return _change_grants(actor, username, "user_grant", "开通", add, db, now)


def revoke_read(actor: User, username: str, kind: str, target: str | None = None, db=None,
                now: datetime | None = None) -> frozenset[str]:
    """Take a read grant back (office only); returns the remaining grants."""
    def remove(con, acc: Account, before: frozenset[str], at: datetime) -> str:
        scope = GRANT_ALL if kind == GRANT_ALL else f"{kind}:{target}"
        if scope not in before:
            raise UserError("NO_SUCH_GRANT", f"账号 {username} 没有该查看权限（{grant_label(scope)}）。")
        con.execute("delete from user_read_grant where username = ? and scope = ?", [username, scope])
        return scope

    return _change_grants(actor, username, "user_revoke", "收回", remove, db, now)


def all_grants(actor: User, db=None) -> dict[str, list[str]]:
    """Every account's read grants (office only), for the account list."""
    require_office(actor, "账号管理")
    with store.read(db) as con:
        rows = con.execute("select username, scope from user_read_grant order by username, scope").fetchall()
    out: dict[str, list[str]] = {}
    for username, scope in rows:
        out.setdefault(username, []).append(scope)
    return out


def count_users(db=None) -> int:
    with store.read(db) as con:
        return int(con.execute("select count(*) from app_user").fetchone()[0])


# --- login -------------------------------------------------------------------------------
#
# One answer for an unknown name, a wrong password and a disabled account, so the form does
# not tell who has an account. Throttling is a progressive delay, never a lock: after
# ``free_tries()`` failures within the window, each further failure doubles the wait before
# the next attempt is checked (2, 4, 8 … seconds, at most ``max_delay_seconds()``), counted
# separately for the name typed and for the client address. Someone hammering a colleague's
# name slows it down by at most that cap; they cannot keep the colleague out. Every attempt
# is audited with the real reason, and the counts are on 账号管理 (``login_failures``).

LOGIN_FAILED = "登录失败：用户名或密码错误，或该账号已停用。如需帮助请联系领导小组办公室。"
THROTTLE_KINDS = {"account": "用户名", "client": "客户端地址"}


def free_tries() -> int:
    return int(os.environ.get("YINGSHANG_LOGIN_FREE_TRIES", "3"))


def max_delay_seconds() -> float:
    return float(os.environ.get("YINGSHANG_LOGIN_MAX_DELAY_SECONDS", "60"))


def window_minutes() -> float:
    return float(os.environ.get("YINGSHANG_LOGIN_WINDOW_MINUTES", "15"))


def delay_after(failures: int) -> float:
    """Seconds before the next attempt is checked, after ``failures`` failures in the window."""
    if failures <= free_tries():
        return 0.0
    return min(max_delay_seconds(), 2.0 ** (failures - free_tries()))


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    message: str            # Chinese; empty on success
    code: str = "OK"        # OK | BAD_CREDENTIALS | THROTTLED
    retry_after: float = 0  # THROTTLED: seconds until the next attempt is checked


def _throttle_rows(con, keys: list[tuple[str, str]], at: datetime) -> dict[tuple[str, str], tuple[int, datetime]]:
    """(kind, key) -> (failures, next_try_at) for rows still inside the window."""
    out = {}
    for kind, key in keys:
        row = con.execute(
            "select failures, epoch_ms(next_try_at), epoch_ms(last_failed_at) from login_throttle"
            " where kind = ? and key = ?", [kind, key],
        ).fetchone()
        if row and _ms(at) - row[2] <= window_minutes() * 60_000:
            out[(kind, key)] = (int(row[0]), _from_ms(row[1]))
    return out


def _count_failure(con, keys: list[tuple[str, str]], rows: dict, at: datetime) -> float:
    """One more failure for each key; returns the delay now in force for the next attempt."""
    delay = 0.0
    for kind, key in keys:
        failures = rows.get((kind, key), (0, at))[0] + 1
        wait = delay_after(failures)
        delay = max(delay, wait)
        con.execute(
            "insert into login_throttle (kind, key, failures, first_failed_at, last_failed_at, next_try_at)"
            " values (?, ?, ?, ?, ?, ?) on conflict (kind, key) do update set failures = excluded.failures,"
            " first_failed_at = case when login_throttle.failures >= excluded.failures or excluded.failures = 1"
            " then excluded.first_failed_at else login_throttle.first_failed_at end,"
            " last_failed_at = excluded.last_failed_at, next_try_at = excluded.next_try_at",
            [kind, key, failures, at, at, at + timedelta(seconds=wait)],
        )
    return delay


def authenticate(username: str, password: str, db=None, now: datetime | None = None,
                 client: str | None = None) -> LoginResult:
    """Check a login (see the section comment): one failure message, progressive delay, audit.

    ``client`` is the browser's address when known (``st.context.ip_address``); the command
    line and tests may leave it out.
    """
    at = _now(now)
    username = (username or "").strip()[:64]
    keys = [("account", username)] + ([("client", client[:64])] if client else [])
    with store.write(db) as con:
        rows = _throttle_rows(con, keys, at)
        waits = [(nxt - at).total_seconds() for _, nxt in rows.values()]
        wait = max(waits, default=0.0)
        row = _fetch(con, username) if username else None
        unit = row[3] if row else None
        if wait > 0:
            audit.record(con, username or "（空）", "login_failed", "session", username, unit=unit,
                         detail=f"尝试过于频繁，未核对密码（需等待 {wait:.0f} 秒）"
                                + (f"；客户端 {client}" if client else ""), at=at)
            return LoginResult(None, f"登录尝试过于频繁，请 {max(1, round(wait))} 秒后再试。", "THROTTLED", wait)
        acc = _account(row) if row else None
        ok = verify_password(password or "", row[8] if row and not acc.disabled else _dummy_hash())
        if acc and not acc.disabled and ok:
            con.execute("update app_user set failed_logins = 0, locked_until = null where username = ?", [username])
            con.execute("delete from login_throttle where kind = 'account' and key = ?", [username])
            audit.record(con, username, "login_ok", "session", username, unit=acc.unit, at=at,
                         detail=f"客户端 {client}" if client else None)
            return LoginResult(acc.as_user(), "")
        reason = "用户名不存在" if acc is None else ("账号已停用" if acc.disabled else "密码错误")
        delay = _count_failure(con, keys, rows, at)
        failures = rows.get(("account", username), (0, at))[0] + 1
        if acc is not None:
            con.execute("update app_user set failed_logins = ? where username = ?", [failures, username])
        audit.record(
            con, username or "（空）", "login_failed", "session", username, unit=unit, at=at,
            detail=f"{reason}（该用户名 {window_minutes():.0f} 分钟内第 {failures} 次失败）"
                   + (f"；客户端 {client}" if client else ""),
        )
    message = LOGIN_FAILED + (f"下次尝试须等待 {round(delay)} 秒。" if delay else "")
    return LoginResult(None, message, "BAD_CREDENTIALS", delay)


def login_failures(actor: User, db=None, now: datetime | None = None) -> pd.DataFrame:
    """Recent failed logins per name typed and per client address (office only), newest first."""
    require_office(actor, "账号管理")
    at = _now(now)
    since = at - timedelta(minutes=window_minutes())
    with store.read(db) as con:
        rows = con.execute(
            "select kind, key, failures, first_failed_at, last_failed_at, next_try_at,"
            " exists (select 1 from app_user u where u.username = t.key) from login_throttle t"
            " where last_failed_at >= ? order by last_failed_at desc", [since],
        ).fetchall()
    tz = timezone(timedelta(hours=8))
    out = []
    for kind, key, failures, first, last, nxt, exists in rows:
        wait = max(0.0, (nxt - at).total_seconds())
        note = "" if kind == "client" else ("" if exists else "（无此账号）")
        out.append({
            "类型": THROTTLE_KINDS.get(kind, kind),
            "名称": f"{key}{note}",
            "失败次数": failures,
            "首次失败": f"{first.astimezone(tz):%m-%d %H:%M:%S}",
            "最近失败": f"{last.astimezone(tz):%m-%d %H:%M:%S}",
            "下次可尝试": f"{wait:.0f} 秒后" if wait else "现在",
        })
    import pandas as pd

    return pd.DataFrame(out, columns=["类型", "名称", "失败次数", "首次失败", "最近失败", "下次可尝试"])


def clear_login_failures(actor: User, db=None, now: datetime | None = None) -> int:
    """The office lifts every delay at once (audited); returns how many rows were cleared."""
    require_office(actor, "账号管理")
    at = _now(now)
    with store.write(db) as con:
        n = con.execute("select count(*) from login_throttle").fetchone()[0]
        con.execute("delete from login_throttle")
        con.execute("update app_user set failed_logins = 0, locked_until = null")
        audit.record(con, actor.username, "login_throttle_clear", "session", None,
                     detail=f"清除登录失败记录 {n} 条（解除登录等待）", at=at)
    return int(n)


# --- demo accounts -----------------------------------------------------------------------

DEMO_OFFICE = "office"
DEMO_LEADER = "leader"
DEMO_ROUNDS = 8  # demo accounts only: ~15 ms per hash, so 80 demo units add about a second


def demo_password(username: str) -> str:
    """Demo accounts only: ``$YINGSHANG_DEMO_PASSWORD`` if set, else ``Demo-<username>-2026``.

    The rule is public (docs/accounts.md) and only the bcrypt hash is stored; never use demo
    accounts outside the demo database.
    """
    return os.environ.get("YINGSHANG_DEMO_PASSWORD") or f"Demo-{username}-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    unit: str | None
    display_name: str


def demo_accounts(units: list[str], unit_names: dict[str, str] | None = None) -> list[DemoAccount]:
    """One office, one leader and one liaison per unit (username = unit id)."""
    names = unit_names or {}
    out = [
        DemoAccount(DEMO_OFFICE, "office", None, "演示·办公室"),
        DemoAccount(DEMO_LEADER, "leader", None, "演示·领导"),
    ]
    out += [DemoAccount(u, "liaison", u, f"演示·{names.get(u, u)}联络员") for u in units]
    return out


def create_demo_accounts(db=None, units: list[str] | None = None) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; returns all demo accounts.

    ``units`` defaults to the units with demo returns, else every unit in the catalog mirror.
    Passwords follow ``demo_password``; accounts are flagged ``is_demo``.
    """
    with store.read(db) as con:
        names = dict(con.execute("select id, name from unit").fetchall())
        if units is None:
            units = [r[0] for r in con.execute(
                "select distinct unit from submission where is_demo and unit is not null order by 1"
            ).fetchall()] or sorted(names)
        existing = {r[0] for r in con.execute("select username from app_user").fetchall()}
    wanted = demo_accounts(list(units), names)
    at = _now(None)
    rounds = min(_rounds(), DEMO_ROUNDS)
    with store.write(db) as con:
        for acc in wanted:
            if acc.username in existing:
                continue
            hashed = bcrypt.hashpw(demo_password(acc.username).encode(), bcrypt.gensalt(rounds)).decode("ascii")
            _insert(con, SYSTEM_USER, acc.username, acc.role, acc.unit, acc.display_name, hashed, at, True)
    return wanted
