"""``python -m etl ingest`` on real templates: JSON per file, Chinese summary, exit code 1 on rejection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures_returns import fill_template

ROOT = Path(__file__).resolve().parents[1]
UNIT = "teda.zwfw"


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    from indicators import load_catalog

    catalog = load_catalog()
    root = tmp_path_factory.mktemp("cli")
    first = next(i.code for i in catalog.indicators_for_unit(UNIT, __import__("datetime").date(2026, 9, 1)))
    good = fill_template(root / "good.xlsx", catalog, UNIT, "2026-09")
    bad = fill_template(root / "bad.xlsx", catalog, UNIT, "2026-09", overrides={first: "待统计"})
    return root, good, bad


def _run(*args: str | Path, db: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "YINGSHANG_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "etl", "ingest", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_json_output_has_one_object_per_file_and_rejection_exits_1(returns) -> None:
    root, good, bad = returns
    proc = _run(good, bad, "--json", "--uploader", "张三", db=root / "json.duckdb")
    assert proc.returncode == 1, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(o["file"], o["status"]) for o in lines] == [("good.xlsx", "accepted"), ("bad.xlsx", "rejected")]
    assert lines[0]["unit"] == UNIT and lines[0]["period"] == "2026-09" and lines[0]["version"] == 1
    error = lines[1]["errors"][0]
    assert (error["code"], error["sheet"], error["cell"]) == ("VALUE_NOT_NUMBER", "指标", "E4")
    assert "待统计" in error["message"] and error["hint"]
    assert "读取校验" in proc.stderr and "写入数据库" in proc.stderr and "2/2" in proc.stderr  # not in the JSON


def test_human_summary_in_chinese_and_duplicate_exits_0(returns) -> None:
    root, good, _ = returns
    db = root / "text.duckdb"
    assert _run(good, db=db).returncode == 0
    proc = _run(good, "--as-unit", UNIT, db=db)
    assert proc.returncode == 0, proc.stderr
    assert "good.xlsx：重复文件" in proc.stdout
    assert "共 1 个文件：已接收 0 个（其中有提醒 0 个），已退回 0 个，重复文件 1 个。" in proc.stdout


def test_cli_help_has_an_example() -> None:
    from etl.cli_ingest import EPILOG

    assert "Example:" in EPILOG and "python -m etl ingest" in EPILOG


def test_human_report_names_sheet_cell_message_and_fix() -> None:
    import io
    from datetime import date

    from etl import findings as F
    from etl.cli_ingest import print_report
    from rules.deadline import Lateness
    from etl.ingest import IngestResult

    bad = IngestResult("a.xlsx", "rejected", "0" * 64, UNIT, date(2026, 9, 1),
                       lateness=Lateness(False, 14, 5),
                       findings=[F.make("VALUE_NOT_NUMBER", "指标", "E7", raw="待统计")])
    warned = IngestResult("b.xlsx", "accepted", "1" * 64, UNIT, date(2026, 9, 1), version=2,
                          lateness=Lateness(True, 0, 0),
                          findings=[F.make("PERCENT_AMBIGUOUS", "指标", "E4", value="0.9", pct="90")])
    out = io.StringIO()
    print_report([bad, warned], out)
    text = out.getvalue()
    assert "a.xlsx：已退回（teda.zwfw，2026-09）　迟报 14 天（5 个工作日）" in text
    assert "[错误] 指标!E7　本月值“待统计”不是数字。" in text
    assert "处理办法：请只填写数字" in text
    assert "b.xlsx：已接收（teda.zwfw，2026-09，第 2 版）" in text
    assert "共 2 个文件：已接收 1 个（其中有提醒 1 个），已退回 1 个，重复文件 0 个。" in text


def test_a_long_file_list_is_imported_slice_by_slice_with_one_summary(returns, monkeypatch, capsys) -> None:
    """Each slice's outcomes are printed and let go (memory of one slice); the summary still
    counts every file, and a file repeated in a later slice is a duplicate."""
    from etl import cli_ingest
    from etl.__main__ import main

    root, good, bad = returns
    monkeypatch.setattr(cli_ingest, "SLICE", 1)
    code = main(["ingest", str(good), str(bad), str(good), "--db", str(root / "slices.duckdb")])
    out = capsys.readouterr().out
    assert code == 1
    assert "good.xlsx：已接收" in out and "bad.xlsx：已退回" in out and "good.xlsx：重复文件" in out
    assert "共 3 个文件：已接收 1 个（其中有提醒 0 个），已退回 1 个，重复文件 1 个。" in out
