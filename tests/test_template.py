"""The monthly return template a liaison downloads, fills in and sends back."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from etl.template import (
    FIRST_DATA_ROW,
    SHEET_INDICATORS,
    SHEET_META,
    SHEET_TASKS,
    SHEET_WORK,
    STATUSES,
    TEMPLATE_VERSION,
    WORK_ITEMS,
    build_template,
    target_text,
    write_template,
)
from indicators.models import Indicator

ROOT = Path(__file__).resolve().parents[1]
UNIT = "teda.zwfw"  # 经开区政务服务办: indicators and measures to report
PERIOD = date(2026, 11, 1)
INPUT_COLUMNS = {SHEET_INDICATORS: {"E", "F"}, SHEET_TASKS: {"E", "F", "G", "H", "I"}, SHEET_WORK: {"C"}}


@pytest.fixture(scope="module")
def catalog():
    from indicators import load_catalog

    return load_catalog()


@pytest.fixture(scope="module")
def saved(catalog, tmp_path_factory):
    """The template as the liaison receives it: written to disk and opened again."""
    path = write_template(UNIT, "2026-11", tmp_path_factory.mktemp("tpl") / "t.xlsx", catalog=catalog)
    return load_workbook(path)


def _column(ws, letter: str) -> list:
    return [ws[f"{letter}{r}"].value for r in range(FIRST_DATA_ROW, ws.max_row + 1)]


def test_workbook_has_the_four_sheets_and_a_very_hidden_meta_sheet(saved, catalog):
    assert saved.sheetnames == ["填报说明", "指标", "任务进展", "工作信息", "_meta"]
    meta_ws = saved[SHEET_META]
    assert meta_ws.sheet_state == "veryHidden"
    meta = {row[0]: row[1] for row in meta_ws.iter_rows(values_only=True)}
    assert meta["template_version"] == TEMPLATE_VERSION
    assert meta["unit_id"] == UNIT
    assert meta["region_id"] == "teda"
    assert meta["period"] == "2026-11"
    assert meta["catalog_version"] == catalog.version
    assert meta["generated_at"]
    for sheet in saved.sheetnames[:4]:
        assert saved[sheet].sheet_state == "visible"


def test_indicator_rows_are_exactly_the_units_indicators_with_readable_targets(saved, catalog):
    ws = saved[SHEET_INDICATORS]
    expected = [i.code for i in catalog.indicators_for_unit(UNIT, PERIOD)]
    assert expected, "the test unit must have indicators"
    assert _column(ws, "A") == expected
    assert [ws[f"{c}3"].value for c in "ABCDEFG"] == [
        "系统编码（勿改）", "指标名称", "计量单位", "目标", "本月值", "备注", "上期值（参考）"]
    targets = _column(ws, "D")
    assert all(t and t[0] in "≤≥<>=不较" for t in targets), targets
    assert all(v is None for v in _column(ws, "E")), "本月值 starts empty"


def test_percent_values_are_entered_as_plain_numbers(saved):
    """95 means 95 %: no value cell carries a percent format that would turn 95% into 0.95."""
    ws = saved[SHEET_INDICATORS]
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        assert "%" not in ws[f"E{r}"].number_format
    assert "95 表示 95%" in ws["A2"].value


@pytest.mark.parametrize(
    ("comparator", "value", "unit", "extra", "text"),
    [
        ("<=", 70, "工作日", {}, "≤ 70 工作日"),
        (">=", 95, "%", {}, "≥ 95%"),
        ("<", 0.6, "小时", {}, "< 0.6 小时"),
        ("city_avg", 0, "%", {}, "不低于全市平均"),
        ("growth", 15, "人", {"baseline_year": 2024}, "较2024年增长 ≥ 15%（填本期水平值，不填增幅）"),
    ],
)
def test_target_reads_as_written_in_the_plan(comparator, value, unit, extra, text):
    ind = Indicator(code="x", name="x", unit=unit, comparator=comparator, target=value,
                    direction="lower_better" if comparator in ("<=", "<") else "higher_better",
                    plan="001", measure="1.", owners=("teda.zwfw",), **extra)
    assert target_text(ind, PERIOD) == text


def test_only_the_input_cells_are_unlocked_and_every_sheet_is_protected(saved):
    for sheet in ("填报说明", SHEET_INDICATORS, SHEET_TASKS, SHEET_WORK, SHEET_META):
        assert saved[sheet].protection.sheet, f"{sheet} must be protected"
    for sheet, inputs in INPUT_COLUMNS.items():
        ws = saved[sheet]
        assert ws.max_row >= FIRST_DATA_ROW
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
            for cell in row:
                should_be_open = cell.row >= FIRST_DATA_ROW and cell.column_letter in inputs
                assert cell.protection.locked is not should_be_open, f"{sheet}!{cell.coordinate}"


def test_progress_status_is_a_dropdown_of_the_four_statuses(saved, catalog):
    ws = saved[SHEET_TASKS]
    measures = catalog.measures_for_unit(UNIT)
    assert _column(ws, "A") == [m.key for m in measures]
    last = FIRST_DATA_ROW + len(measures) - 1
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1
    dropdown = lists[0]
    assert dropdown.formula1 == '"' + ",".join(STATUSES) + '"'
    assert f"E{FIRST_DATA_ROW}:E{last}" in str(dropdown.sqref)
    assert dropdown.showInputMessage and dropdown.prompt
    pct = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith("F"))
    assert (pct.type, pct.formula1, pct.formula2) == ("decimal", "0", "100")


def test_work_information_lists_the_seven_items_with_whole_number_counts(saved):
    ws = saved[SHEET_WORK]
    assert _column(ws, "A") == [key for key, *_ in WORK_ITEMS]
    assert _column(ws, "B")[:3] == ["走访企业数", "收集问题数", "解决问题数"]
    whole = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    assert len(whole) == 1 and str(whole[0].sqref) == "C4 C5 C6"


def test_guide_tells_the_deadline_and_whom_to_ask(saved):
    text = "\n".join(str(c.value) for c in saved["填报说明"]["A"] if c.value)
    assert "2026年11月25日" in text
    assert "营商环境办公室" in text
    assert "重新上传" in text  # what happens when a file has errors


def test_last_months_accepted_value_is_shown_for_reference(db_path, catalog):
    import store

    code = catalog.indicators_for_unit(UNIT, PERIOD)[0].code
    with store.write(db_path) as con:
        con.execute(
            "insert into observation (submission_id, unit, region, period, code, value, is_current)"
            " values (1, ?, 'teda', ?, ?, 42.5, true), (1, ?, 'teda', ?, ?, 99.0, false)",
            [UNIT, date(2026, 10, 1), code, UNIT, date(2026, 10, 1), code],
        )
    ws = build_template(UNIT, PERIOD, catalog=catalog, db=db_path)[SHEET_INDICATORS]
    assert ws[f"G{FIRST_DATA_ROW}"].value == 42.5


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", "template", *args], cwd=ROOT, check=False,
                          capture_output=True, text=True, timeout=300)


def test_cli_writes_the_template_of_one_unit(tmp_path):
    out = tmp_path / "月报.xlsx"
    done = _cli("--unit", UNIT, "--period", "2026-11", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "经开区政务服务办" in done.stdout
    assert load_workbook(out)[SHEET_META]["B2"].value == UNIT


def _owing(catalog, region: str) -> set[str]:
    p = date(2026, 11, 1)
    return {u.id for u in catalog.units_of_region(region)
            if catalog.indicators_for_unit(u.id, p) or catalog.measures_for_unit(u.id)}


def test_cli_all_writes_one_file_per_unit_that_reports(tmp_path, catalog):
    out = tmp_path / "out"
    done = _cli("--all", "--region", "teda", "--period", "2026-11", "--out", str(out), "--db", str(tmp_path / "none.duckdb"))
    assert done.returncode == 0, done.stderr
    files = sorted(out.glob("*.xlsx"))
    owing = _owing(catalog, "teda")
    assert 0 < len(files) == len(owing) < len(catalog.units_of_region("teda"))  # not the units owing nothing
    assert (out / "2026-11_经开区政务服务办_月报.xlsx") in files
    units = {load_workbook(f, read_only=True)[SHEET_META]["B2"].value for f in files}
    assert units == owing


def test_cli_all_follows_the_reporting_roster_and_shows_progress(tmp_path, catalog):
    import store
    from rules.stats import ensure_catalog
    from etl.roster import add

    db = tmp_path / "roster.duckdb"
    store.migrate(db)
    ensure_catalog(db)
    two = sorted(_owing(catalog, "teda"))[:2]
    with store.write(db) as con:
        add(con, two, "test")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "etl", "template", "--all", "--period", "2026-11",
                           "--out", str(out), "--db", str(db)], cwd=ROOT, check=False, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "YINGSHANG_PROGRESS": "1"})
    assert done.returncode == 0, done.stderr
    assert {load_workbook(f, read_only=True)[SHEET_META]["B2"].value for f in out.glob("*.xlsx")} == set(two)
    assert "生成模板" in done.stderr and "100%" in done.stderr and "2/2" in done.stderr
    assert "已为 2 个单位生成" in done.stdout


def test_cli_refuses_an_unknown_unit(tmp_path):
    done = _cli("--unit", "nowhere.x", "--period", "2026-11", "--out", str(tmp_path / "x.xlsx"))
    assert done.returncode == 2
    assert "没有单位" in done.stderr


def test_template_says_whether_a_yearly_indicator_wants_the_month_or_the_cumulative_figure(catalog, tmp_path):
    """Yearly jobs are entered month by month and summed; the yearly outage time is entered
    as the year's running total (the catalog's ``report``); monthly indicators say nothing extra."""
    rows = {}
    for unit in ("teda.rsj", "teda.zjw", "teda.zwfw"):
        ws = load_workbook(write_template(unit, "2026-07", tmp_path / f"{unit}.xlsx", catalog=catalog))[
            SHEET_INDICATORS]
        rows |= {ws[f"A{r}"].value: ws[f"D{r}"].value for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    assert rows["teda.jobs_filled"] == "≥ 20000 人（全年目标，按累计评判；填本月数）"
    assert rows["teda.outage_hours"] == "< 0.6 小时（全年目标；填2026年1-7月累计数）"
    assert "填" not in rows["common.online_rate"]  # monthly: the month's figure, as the header says
