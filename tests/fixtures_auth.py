"""Accounts for tests: units in the catalog mirror, users with known passwords, AppTest logins.

bcrypt runs at cost 4 in tests (``YINGSHANG_BCRYPT_ROUNDS``) so a login costs ~1 ms.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest

import store
from accounts import users
from accounts.access import SYSTEM_USER, User

PASSWORD = "T1-" + secrets.token_urlsafe(12)  # random per run: no password in the repository


@pytest.fixture(autouse=True)
def _fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YINGSHANG_BCRYPT_ROUNDS", "4")


def add_units(db: Path, *units: str) -> None:
    """Minimal catalog mirror rows so liaison accounts can be bound to ``units``."""
    with store.write(db) as con:
        for unit in units:
            region = unit.split(".")[0]
            con.execute("insert or ignore into region values (?, ?, 'district', 'tianjin', ?)", [region, region, region])
            con.execute(
                "insert or ignore into unit (id, region, name, dept) values (?, ?, ?, ?)",
                [unit, region, f"{unit}单位", unit.split(".")[-1]],
            )


def make_user(db: Path, username: str, role: str, unit: str | None = None) -> User:
    if unit:
        add_units(db, unit)
    return users.add_user(SYSTEM_USER, username, role, PASSWORD, unit=unit, db=db).as_user()


def log_in(at, username: str) -> None:
    """Put an AppTest session into the logged-in state, as the login form would."""
    at.session_state["auth"] = {"username": username, "last_seen": time.time()}


def office_session(at, db: Path | str | None = None, username: str = "office-test") -> None:
    """Log an AppTest session in as an office account, creating it in ``db`` if needed.

    For page tests that are not about login: the account is made at bcrypt cost 4.
    """
    import os

    store.migrate(db)
    if users.get_user(username, db) is None:
        saved = os.environ.get("YINGSHANG_BCRYPT_ROUNDS")
        os.environ["YINGSHANG_BCRYPT_ROUNDS"] = "4"
        try:
            users.add_user(SYSTEM_USER, username, "office", PASSWORD, db=db)
        finally:
            if saved is None:
                os.environ.pop("YINGSHANG_BCRYPT_ROUNDS", None)
            else:
                os.environ["YINGSHANG_BCRYPT_ROUNDS"] = saved
    log_in(at, username)
