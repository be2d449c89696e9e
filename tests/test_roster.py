"""The office's roster of reporting units decides who is chased as 逾期未报."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import store
from etl import roster
from rules.roster import expected_units
from accounts.access import AccessDenied, User
from rules.stats import ensure_catalog
from rules.deadline import missing_returns

ROOT = Path(__file__).resolve().parents[1]
SH = ZoneInfo("Asia/Shanghai")
SEP = date(2026, 9, 1)
OFFICE = User("ban", "office")


def test_without_a_roster_every_owner_of_an_indicator_is_chased(db_path: Path) -> None:
    ensure_catalog(db_path)
    with store.read(db_path) as con:
        missing = {m["unit"] for m in missing_returns(con, SEP, datetime(2026, 9, 30, tzinfo=SH))}
        owners = {r[0] for r in con.execute("select unit from indicator_owner").fetchall()}
    assert "teda.zwfw" in missing and "heping.zwfw" in missing
    assert owners <= missing


def test_units_off_the_roster_are_not_chased_as_missing(db_path: Path) -> None:
    ensure_catalog(db_path)
    assert roster.add_units(OFFICE, ["teda.zwfw", "teda.scjg"], db_path) == ["teda.zwfw", "teda.scjg"]
    with store.read(db_path) as con:
        missing = [m["unit"] for m in missing_returns(con, SEP, datetime(2026, 9, 30, tzinfo=SH))]
    assert missing == ["teda.scjg", "teda.zwfw"]
    assert expected_units(db_path) == ["teda.scjg", "teda.zwfw"]


def test_roster_changes_are_audited_and_only_the_office_may_make_them(db_path: Path) -> None:
    ensure_catalog(db_path)
    roster.add_units(OFFICE, ["teda.zwfw"], db_path)
    roster.add_units(OFFICE, ["teda.zwfw"], db_path)  # already on it: no write, no entry
    roster.remove_units(OFFICE, ["teda.zwfw"], db_path)
    with store.read(db_path) as con:
        rows = con.execute("select actor, detail from audit_log where action = 'roster_change' order by id").fetchall()
    assert rows == [("ban", "加入报送名单 1 个单位"), ("ban", "移出报送名单 1 个单位")]
    with pytest.raises(AccessDenied):
        roster.add_units(User("li", "liaison", "teda.zwfw"), ["teda.scjg"], db_path)


def test_an_unknown_unit_is_refused_by_name(db_path: Path) -> None:
    ensure_catalog(db_path)
    with pytest.raises(ValueError, match="nosuch.unit"):
        roster.add_units(OFFICE, ["nosuch.unit"], db_path)
    assert expected_units(db_path)  # nothing was half-added


def test_roster_cli_enrols_a_whole_region(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "etl", "roster"]
    added = subprocess.run([*run, "add", "--region", "teda", "--db", str(db)], env=env, cwd=ROOT,
                           capture_output=True, text=True, check=False)
    assert added.returncode == 0, added.stderr
    assert "已加入报送名单" in added.stdout
    listed = subprocess.run([*run, "list", "--db", str(db)], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert "teda.zwfw" in listed.stdout and "heping.zwfw" not in listed.stdout
