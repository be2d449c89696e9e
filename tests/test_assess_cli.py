"""``python -m etl assess``: the JSON contract per unit, locking from the command line (audited)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import store
from tests.fixtures_dashboard import build_fixture_db

ROOT = Path(__file__).resolve().parents[1]
KEYS = ["unit", "region", "quarter", "score", "rank", "components", "bonus", "deductions", "locked"]


@pytest.fixture
def db(tmp_path):
    from indicators import load_catalog

    path = build_fixture_db(tmp_path / "cli.duckdb", refresh=True)["path"]
    with store.write(path) as con:  # the fixture's mirror stands for the shipped catalog: no re-sync
        con.execute("update meta set value = ? where key = 'catalog_version'", [load_catalog().version])
    return path


def etl(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "etl", "assess", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_json_prints_one_object_per_unit_whose_parts_add_up_to_the_score(db):
    out = etl("--quarter", "2026Q3", "--db", str(db), "--json")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert {r["unit"] for r in rows} == {"heping.zwfw", "hexi.zwfw", "nankai.zwfw", "teda.zwfw", "hexi.fgw"}
    for r in rows:
        assert list(r) == KEYS and r["quarter"] == "2026Q3" and r["locked"] is False
        for c in r["components"].values():
            assert list(c) == ["points", "max", "items"]
        total = sum(c["points"] for c in r["components"].values()) + r["bonus"] - r["deductions"]
        assert r["score"] == pytest.approx(total, abs=1e-9)
    assert sorted(r["rank"] for r in rows)[0] == 1


def test_region_ranks_within_the_region(db):
    rows = [json.loads(x) for x in etl("--quarter", "2026Q3", "--region", "hexi", "--db", str(db), "--json").stdout.splitlines()]
    assert {r["region"] for r in rows} == {"hexi"} and sorted(r["rank"] for r in rows) == [1, 2]


def test_lock_needs_a_reason_and_is_audited_as_the_command_line_user(db):
    refused = etl("--quarter", "2026Q3", "--db", str(db), "--lock")
    assert refused.returncode == 1 and "--reason" in refused.stderr
    done = etl("--quarter", "2026Q3", "--db", str(db), "--lock", "--reason", "经领导小组审定")
    assert done.returncode == 0 and "已锁定" in done.stdout
    rows = [json.loads(x) for x in etl("--quarter", "2026Q3", "--db", str(db), "--json").stdout.splitlines()]
    assert all(r["locked"] for r in rows)
    again = etl("--quarter", "2026Q3", "--db", str(db), "--unlock", "--reason", "更正")
    assert again.returncode == 0
    with store.read(db) as con:
        audit = con.execute("select actor, action from audit_log where object_type = 'assessment' order by id").fetchall()
    assert audit == [("system", "assessment_lock"), ("system", "assessment_unlock")]


def test_a_badly_written_quarter_is_refused_in_chinese(db):
    out = etl("--quarter", "2026-9", "--db", str(db))
    assert out.returncode == 1 and "2026Q3" in out.stderr
