"""Server-side login sessions: what lets a login survive a browser reload.

A successful login gets a random token (``secrets.token_urlsafe(32)``) that the browser keeps
in a cookie (``dashboard.auth``); the database keeps only the token's SHA-256 in
``login_session`` (migration 0006), so reading the database file yields no usable cookie.

A session is refused (``resume``) when it is unknown, ended by a logout, idle for longer than
``idle_seconds()`` (``YINGSHANG_SESSION_HOURS``, default 8 h, the same limit as the login in the
browser tab), older than ``absolute_seconds()`` (12 h after the login, never less than the idle
limit: a busy day still ends with a new login), or when its account is disabled or deleted.

Writing on every click would cost a write transaction per rerun, so ``last_seen`` is moved at
most every ``TOUCH_SECONDS`` (5 min); the idle limit may therefore end a session up to five
minutes early, never late. Logging out (``end``) is audited in the same transaction; resuming
is a read and is not audited (the login itself is, by ``accounts.users.authenticate``). Rows are
deleted ``KEEP_DAYS`` after the login, at a later login: the audit log keeps the history.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import store
from accounts import audit, users
from accounts.access import User

TOUCH_SECONDS = 300
ABSOLUTE_HOURS = 12
KEEP_DAYS = 30

log = logging.getLogger("yingshang.sessions")

# Resumed.code
OK = "OK"
NO_SESSION = "NO_SESSION"        # unknown token (never issued, or deleted)
ENDED = "ENDED"                  # logged out
EXPIRED = "EXPIRED"              # idle or absolute limit passed
ACCOUNT_GONE = "ACCOUNT_GONE"    # account disabled or removed


def idle_seconds() -> float:
    """Inactivity after which a login ends (``YINGSHANG_SESSION_HOURS``, default 8)."""
    return float(os.environ.get("YINGSHANG_SESSION_HOURS", "8")) * 3600


def absolute_seconds() -> float:
    """How long after the login a session ends however active: 12 h, at least the idle limit."""
    return max(ABSOLUTE_HOURS * 3600.0, idle_seconds())


def token_hash(token: str) -> str:
    """What the database stores of a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


@dataclass(frozen=True)
class Resumed:
    user: User | None        # None when the session may not be used
    code: str = OK           # OK | NO_SESSION | ENDED | EXPIRED | ACCOUNT_GONE


def create(username: str, db=None, now: datetime | None = None) -> str:
    """Open a session for ``username`` (after a successful login); returns the token.

    The token is for the browser's cookie only: it is not stored, and cannot be recovered.
    """
    at = _now(now)
    token = secrets.token_urlsafe(32)
    with store.write(db) as con:
        con.execute("delete from login_session where created_at < ?", [at - timedelta(days=KEEP_DAYS)])
        con.execute(
            "insert into login_session (token_hash, username, created_at, last_seen, ended_at)"
            " values (?, ?, ?, ?, null)",
            [token_hash(token), username, at, at],
        )
    return token


def resume(token: str, db=None, now: datetime | None = None) -> Resumed:
    """The account behind ``token`` if its session may go on; moves ``last_seen`` when due.

    A read, plus a write at most every ``TOUCH_SECONDS``. Called on a reload (the cookie) and on
    every run of a tab that holds a token, so a logout elsewhere or a disabled account takes
    effect at the next click.
    """
    at = _now(now)
    with store.read(db) as con:  # one open of the file for the session and the account
        row = con.execute(
            "select username, epoch_ms(created_at), epoch_ms(last_seen), epoch_ms(ended_at)"
            " from login_session where token_hash = ?",
            [token_hash(token or "")],
        ).fetchone()
        if row is None:
            return Resumed(None, NO_SESSION)
        username, created_ms, seen_ms, ended_ms = row
        if ended_ms is not None:
            return Resumed(None, ENDED)
        now_ms = _ms(at)
        if now_ms - seen_ms > idle_seconds() * 1000 or now_ms - created_ms > absolute_seconds() * 1000:
            return Resumed(None, EXPIRED)
        user = users.get_user(username, db)
    if user is None:
        return Resumed(None, ACCOUNT_GONE)
    if now_ms - seen_ms >= TOUCH_SECONDS * 1000:
        try:
            touch(token, db, at)
        except store.DatabaseBusy:  # best effort: the next click tries again
            log.warning("login session not touched: database busy")
    return Resumed(user)


def touch(token: str, db=None, now: datetime | None = None) -> bool:
    """Move the open session's ``last_seen`` to ``now`` if it is ``TOUCH_SECONDS`` old or more.

    Returns whether a row was written. The condition is in the statement, so two tabs touching
    at once write once. Callers check first (``resume``) to avoid an idle write transaction.
    """
    at = _now(now)
    with store.write(db) as con:
        written = con.execute(  # the count of rows updated (no RETURNING: PostgreSQL mode lacks it)
            "update login_session set last_seen = ?"
            " where token_hash = ? and ended_at is null and last_seen <= ?",
            [at, token_hash(token or ""), at - timedelta(seconds=TOUCH_SECONDS)],
        ).fetchone()[0]
    return bool(written)


def end(token: str, db=None, now: datetime | None = None) -> bool:
    """Log out: end the session and audit it (``logout``) in one transaction.

    Returns False (and audits nothing) when the session is unknown or already ended. After
    this the token is refused everywhere, so a copied cookie is useless.
    """
    at = _now(now)
    with store.write(db) as con:
        row = con.execute(
            "select username, epoch_ms(created_at) from login_session where token_hash = ? and ended_at is null",
            [token_hash(token or "")],
        ).fetchone()
        ended = row is not None and con.execute(  # a concurrent logout may have won: count, not assume
            "update login_session set ended_at = ? where token_hash = ? and ended_at is null",
            [at, token_hash(token or "")],
        ).fetchone()[0]
        if not ended:
            return False
        username, created_ms = row
        account = con.execute("select unit from app_user where username = ?", [username]).fetchone()
        since = datetime.fromtimestamp(created_ms / 1000, timezone(timedelta(hours=8)))
        audit.record(
            con, username, "logout", "session", username, unit=account[0] if account else None,
            detail=f"退出登录（本次登录于 {since:%Y-%m-%d %H:%M} 北京时间）", at=at,
        )
    return True
