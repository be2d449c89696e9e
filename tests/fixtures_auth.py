"""Accounts for tests: units in the catalog mirror, users with known passwords, AppTest logins.

bcrypt runs at cost 4 in tests (``YINGSHANG_BCRYPT_ROUNDS``) so a login costs ~1 ms.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from etl import store, users
from etl.access import SYSTEM_USER, User

PASSWORD = "Test-pass-2026"


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
                "insert or ignore into unit values (?, ?, ?, ?, null, null)",
                [unit, f"{unit}单位", region, unit.split(".")[-1]],
            )


def make_user(db: Path, username: str, role: str, unit: str | None = None) -> User:
    if unit:
        add_units(db, unit)
    return users.add_user(SYSTEM_USER, username, role, PASSWORD, unit=unit, db=db).as_user()


def log_in(at, username: str) -> None:
    """Put an AppTest session into the logged-in state, as the login form would."""
    at.session_state["auth"] = {"username": username, "last_seen": time.time()}
