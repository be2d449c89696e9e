"""Every finding a liaison can get, each from a small malformed workbook written here.

All workbooks go through ONE ingest batch (one great-expectations call), built once for the
module: importing great-expectations costs ~2 s, so the GE-using tests are grouped here.
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from etl import findings as F
import store
from etl import limits
from accounts.access import User
from etl.ingest import IngestResult, ingest_files
from tests.fixtures_returns import (
    GOOD_TASKS,
    GOOD_VALUES,
    GOOD_WORK,
    OTHER_UNIT,
    tiny_catalog,
    write_return,
)

NOW = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)


def _values(**changes):
    values = dict(GOOD_VALUES)
    for code, cell in changes.items():
        if cell is None:
            values.pop(code)
        else:
            values[code] = cell
    return values


def _work(**changes):
    work = dict(GOOD_WORK)
    for key, value in changes.items():
        if value is ...:
            work.pop(key)
        else:
            work[key] = value
    return work


SW_TASKS = {"001:m2": ("推进中", 50, "招商推介")}

# file stem -> (write_return kwargs, expected (code, sheet, cell) or None for "no finding")
CASES: dict[str, tuple[dict, tuple[str, str | None, str | None]]] = {
    "sheet_missing": ({"drop_sheets": ("任务进展",)}, ("SHEET_MISSING", "任务进展", None)),
    "meta_missing": ({"drop_meta_keys": ("period",)}, ("META_MISSING", "_meta", None)),
    "template_outdated": ({"meta": {"template_version": "2025.01"}}, ("TEMPLATE_OUTDATED", "_meta", None)),
    "unit_unknown": ({"meta": {"unit_id": "teda.nobody"}}, ("UNIT_UNKNOWN", "_meta", None)),
    "period_invalid": ({"meta": {"period": "2026-13"}}, ("PERIOD_INVALID", "_meta", None)),
    "period_in_future": ({"period": "2026-11"}, ("PERIOD_IN_FUTURE", "_meta", None)),
    "catalog_changed": ({"meta": {"catalog_version": "old00001"}}, ("CATALOG_CHANGED", "_meta", None)),
    "row_missing": ({"values": _values(T04=None)}, ("INDICATOR_ROW_MISSING", "指标", None)),
    "code_not_in_catalog": ({"extra_indicator_rows": [("ZZ9", 1, None)]}, ("INDICATOR_UNKNOWN", "指标", "A8")),
    "code_of_other_unit": ({"extra_indicator_rows": [("T05", 1, None)]}, ("INDICATOR_UNKNOWN", "指标", "A8")),
    "code_twice": ({"extra_indicator_rows": [("T01", 97, None)]}, ("INDICATOR_DUPLICATE", "指标", "A8")),
    "not_number": ({"values": _values(T02=("约十五", None))}, ("VALUE_NOT_NUMBER", "指标", "E5")),
    "wrong_unit": ({"values": _values(T02=("3小时", None))}, ("VALUE_UNIT_MISMATCH", "指标", "E5")),
    "blank_no_note": ({"values": _values(T03=(None, None))}, ("VALUE_MISSING_NO_NOTE", "指标", "E6")),
    "percent_120": ({"values": _values(T01=("120%", None))}, ("PERCENT_OUT_OF_RANGE", "指标", "E4")),
    "negative_days": ({"values": _values(T02=(-1, None))}, ("VALUE_NEGATIVE", "指标", "E5")),
    "half_a_firm": ({"values": _values(T03=(12.5, None))}, ("VALUE_NOT_INTEGER", "指标", "E6")),
    # 0.97 against a ≥95% target: a decimal where a percent was meant, unless the 备注 explains it
    "ambiguous_percent": ({"values": _values(T01=(0.97, "本月确为0.97%"))}, ("PERCENT_AMBIGUOUS", "指标", "E4")),
    "percent_as_decimal": ({"values": _values(T01=(0.95, None))}, ("PERCENT_AS_DECIMAL", "指标", "E4")),
    "measure_missing": ({"tasks": {"001:m1": GOOD_TASKS["001:m1"]}}, ("MEASURE_ROW_MISSING", "任务进展", None)),
    "measure_unknown": ({"tasks": [*GOOD_TASKS.items(), ("001:m9", ("推进中", 10, None))]},
                        ("MEASURE_UNKNOWN", "任务进展", "A6")),
    "measure_twice": ({"tasks": [*GOOD_TASKS.items(), ("001:m1", ("推进中", 10, None))]},
                      ("MEASURE_DUPLICATE", "任务进展", "A6")),
    "status_missing": ({"tasks": {**GOOD_TASKS, "001:m1": (None, 60, "x")}}, ("STATUS_MISSING", "任务进展", "E4")),
    "status_invalid": ({"tasks": {**GOOD_TASKS, "001:m1": ("进行中", 60, "x")}}, ("STATUS_INVALID", "任务进展", "E4")),
    "pct_text": ({"tasks": {**GOOD_TASKS, "001:m1": ("推进中", "大半", "x")}}, ("PCT_NOT_NUMBER", "任务进展", "F4")),
    "pct_150": ({"tasks": {**GOOD_TASKS, "001:m1": ("推进中", 150, "x")}}, ("PCT_OUT_OF_RANGE", "任务进展", "F4")),
    "lag_without_reason": ({"tasks": {**GOOD_TASKS, "001:m1": ("滞后", 30, "x")}},
                           ("LAG_WITHOUT_REASON", "任务进展", "H4")),
    "work_item_missing": ({"work": _work(practices=...)}, ("WORK_ITEM_MISSING", "工作信息", None)),
    "visits_blank": ({"work": _work(visits=None)}, ("WORK_COUNT_MISSING", "工作信息", "C4")),
    "visits_text": ({"work": _work(visits="很多")}, ("WORK_COUNT_NOT_NUMBER", "工作信息", "C4")),
    "visits_fraction": ({"work": _work(visits=2.5)}, ("WORK_COUNT_INVALID", "工作信息", "C4")),
    "visits_negative": ({"work": _work(visits=-1)}, ("WORK_COUNT_INVALID", "工作信息", "C4")),
    "solved_exceeds": ({"work": _work(issues_solved=9)}, ("ISSUES_SOLVED_EXCEEDS", "工作信息", "C6")),
    # other unit: last month, then a jump without a note, then the same numbers again
    "sw_2026_08": ({"unit": OTHER_UNIT, "period": "2026-08", "values": {"T03": (100, None), "T05": (2, None)},
                        "tasks": SW_TASKS}, None),
    "sw_jump": ({"unit": OTHER_UNIT, "values": {"T03": (200, None), "T05": (2.2, None)}, "tasks": SW_TASKS},
                ("CHANGE_OVER_50", "指标", "E4")),
    "sw_same": ({"unit": OTHER_UNIT, "period": "2026-10", "values": {"T03": (200, None), "T05": (2.2, None)},
                     "tasks": SW_TASKS}, ("SAME_AS_LAST_MONTH", "指标", None)),
    # valid variants
    "good": ({}, None),
    "blank_with_note": ({"values": _values(T03=(None, "统计口径调整，本月数据暂缺"))}, None),
    "percent_cell": ({"values": _values(T01=(0.97, None)), "percent_cells": ("T01",)}, None),
    "messy_but_valid": ({"values": _values(T01=("９６．５％", None), T02=("12个工作日", None), T03=("1,200家", None),
                                            T04=("2.5 小时", None))}, None),
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, IngestResult]]:
    root = tmp_path_factory.mktemp("findings")
    db = root / "db" / "t.duckdb"
    paths = [write_return(root / f"{stem}.xlsx", **kwargs) for stem, (kwargs, _) in CASES.items()]
    (root / "plain_text.xlsx").write_text("这不是 Excel 文件", encoding="utf-8")
    with zipfile.ZipFile(root / "zip_not_xlsx.xlsx", "w") as zf:
        zf.writestr("readme.txt", "不是工作簿")
    paths += [root / "plain_text.xlsx", root / "zip_not_xlsx.xlsx"]
    results = ingest_files(paths, db=db, catalog=tiny_catalog(), now=NOW)
    return db, {Path(r.file).stem: r for r in results}


@pytest.mark.parametrize("stem", [s for s, (_, exp) in CASES.items() if exp])
def test_malformed_return_gets_its_finding_at_the_right_cell(batch, stem: str) -> None:
    _, results = batch
    code, sheet, cell = CASES[stem][1]
    r = results[stem]
    hits = [f for f in r.findings if f.code == code]
    assert hits, f"{stem}: {[f.code for f in r.findings]}"
    assert (hits[0].sheet, hits[0].cell) == (sheet, cell)
    assert hits[0].message and hits[0].hint
    expected_status = "rejected" if F.RULES[code].severity == "error" else "accepted"
    assert r.status == expected_status, [f.to_dict() for f in r.findings]


@pytest.mark.parametrize("stem", [s for s, (_, exp) in CASES.items() if not exp])
def test_valid_return_is_accepted_without_findings(batch, stem: str) -> None:
    r = batch[1][stem]
    assert r.status == "accepted" and r.findings == [], [f.to_dict() for f in r.findings]


def test_a_file_that_is_not_excel_is_rejected_not_a_crash(batch) -> None:
    results = batch[1]
    assert [f.code for f in results["plain_text"].errors] == ["FILE_NOT_XLSX"]
    assert [f.code for f in results["zip_not_xlsx"].errors] == ["FILE_UNREADABLE"]
    assert results["zip_not_xlsx"].status == "rejected"


def test_mistakes_are_reported_one_per_cell_not_one_per_file(batch) -> None:
    r = batch[1]["half_a_firm"]
    assert [(f.code, f.cell) for f in r.errors] == [("VALUE_NOT_INTEGER", "E6")]


def test_percent_typed_values_are_stored_in_percent_points(batch) -> None:
    db, results = batch
    with store.read(db) as con:
        rows = dict(con.execute(
            "select s.sha256, o.value from observation o join submission s on s.id = o.submission_id"
            " where o.code = 'T01'"
        ).fetchall())
    assert rows[results["percent_cell"].sha256] == 97.0
    assert rows[results["messy_but_valid"].sha256] == 96.5
    assert rows[results["ambiguous_percent"].sha256] == 0.97


def test_rejected_return_keeps_its_findings_in_the_database(batch) -> None:
    db, results = batch
    r = results["solved_exceeds"]
    with store.read(db) as con:
        status, n_errors = con.execute("select status, n_errors from submission where id = ?",
                                       [r.submission_id]).fetchone()
        stored = con.execute("select code, sheet, cell, message, hint from finding where submission_id = ?",
                             [r.submission_id]).fetchall()
        values = con.execute("select count(*) from observation where submission_id = ?",
                             [r.submission_id]).fetchone()[0]
    assert (status, n_errors, values) == ("rejected", 1, 0)
    assert stored == [("ISSUES_SOLVED_EXCEEDS", "工作信息", "C6", r.errors[0].message, r.errors[0].hint)]


def test_every_finding_code_has_a_workbook_test(batch) -> None:
    ours = set(F.RULES) - set(limits._RULES) - {"UNIT_MISMATCH", "ACCESS_DENIED", "FINDINGS_TRUNCATED"}  # tests below, test_ingest_hardening
    tested = {exp[0] for _, exp in CASES.values() if exp} | {"FILE_UNREADABLE"}
    assert ours <= tested, sorted(ours - tested)


def test_file_for_another_unit_than_announced_is_rejected(tmp_path: Path) -> None:
    path = write_return(tmp_path / "r.xlsx")
    [r] = ingest_files([path], db=tmp_path / "t.duckdb", catalog=tiny_catalog(), now=NOW, as_unit=OTHER_UNIT)
    assert r.status == "rejected"
    assert [(f.code, f.sheet) for f in r.errors] == [("UNIT_MISMATCH", "_meta")]


def test_liaison_cannot_upload_another_units_return_but_the_file_is_archived(tmp_path: Path) -> None:
    path = write_return(tmp_path / "r.xlsx")
    liaison = User("li", "liaison", unit=OTHER_UNIT)
    db = tmp_path / "t.duckdb"
    [r] = ingest_files([path], db=db, catalog=tiny_catalog(), now=NOW, user=liaison)
    assert r.status == "rejected"
    assert [f.code for f in r.errors] == ["ACCESS_DENIED"]
    assert "不能代报" in r.errors[0].message
    with store.read(db) as con:
        assert con.execute("select uploader, outcome from receipt").fetchall() == [("li", "rejected")]
    assert (tmp_path / "archive" / r.sha256[:2] / f"{r.sha256}.xlsx").read_bytes() == path.read_bytes()


def test_liaison_uploads_own_units_return(tmp_path: Path) -> None:
    path = write_return(tmp_path / "r.xlsx")
    [r] = ingest_files([path], db=tmp_path / "t.duckdb", catalog=tiny_catalog(), now=NOW,
                       user=User("zw", "liaison", unit="teda.zwfw"))
    assert r.status == "accepted"
