"""Text typed by people never becomes a formula in a file people open (issue 12, point 1).

Each test puts formula-looking text where a user can type it (本月进展, a username tried on the
login form, a liaison's name) and opens the export the page offers for download.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

import store
from accounts import audit, users
from dashboard import export
from dashboard import queries as q
from rules.celltext import cell_text, looks_like_formula, write_cell
from tests.fixtures_auth import _fast_bcrypt  # noqa: F401  (autouse)
from tests.fixtures_dashboard import NOW, OCT, OFFICE, build_fixture_db

LINK = '=HYPERLINK("http://x","点此")'
TRICKY = [LINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def _cells(data: bytes) -> list:
    ws = load_workbook(io.BytesIO(data)).active
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def _assert_text(data: bytes, expected: str) -> None:
    """The text is in the file exactly as typed, as a string cell (no formula anywhere)."""
    cells = _cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell in the export"
    matching = [c for c in cells if c.value == expected]
    assert matching, f"{expected!r} not found unchanged"
    assert all(c.data_type == "s" for c in matching)
    # Excel's quote prefix: still text after someone edits the cell (+, -, @ start a formula then)
    assert all(c.quotePrefix for c in matching)


@pytest.fixture
def fx(db_path):
    return build_fixture_db(db_path)


@pytest.mark.parametrize("text", TRICKY)
def test_any_formula_start_is_written_as_text_and_reads_back_unchanged(text):
    wb = Workbook()
    write_cell(wb.active, 1, 1, text)
    buf = io.BytesIO()
    wb.save(buf)
    cell = load_workbook(io.BytesIO(buf.getvalue())).active["A1"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_numbers_stay_numbers_and_plain_text_gets_no_prefix():
    wb = Workbook()
    write_cell(wb.active, 1, 1, 95.5)
    write_cell(wb.active, 1, 2, "推进中")
    assert wb.active["A1"].data_type == "n"
    assert (wb.active["B1"].data_type, wb.active["B1"].quotePrefix) == ("s", False)


def test_cell_text_for_other_writers_keeps_the_text_and_drops_what_xml_cannot_hold():
    assert cell_text(LINK) == LINK and looks_like_formula(cell_text(LINK))
    assert cell_text("第一行\n第二行\t完\x07") == "第一行\n第二行\t完"


@pytest.mark.parametrize("text", TRICKY)
def test_a_streamed_export_writes_every_formula_start_as_text(text):
    """Page downloads stream their rows (a national table would not fit in memory as cells)."""
    df = pd.DataFrame({"unit_name": ["和平区政务服务办", "河西区发展改革委"], "problems": [text, "资金未到位\x07"],
                       "pct": [30.0, None], "period": pd.to_datetime(["2026-10-01", "2026-09-01"])})
    data = export.to_excel_bytes(df, "任务台账")
    _assert_text(data, text)
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == ["责任单位", "存在问题", "完成百分比", "月份"] and ws["A1"].font.bold
    assert ws["B3"].value == "资金未到位" and ws["C2"].value == 30.0 and ws["C3"].value is None
    assert (ws["D2"].number_format, ws.freeze_panes) == ("yyyy-mm", "A2")


def test_a_table_longer_than_an_excel_sheet_goes_on_in_continuation_sheets(monkeypatch):
    monkeypatch.setattr(export, "SHEET_ROWS", 3)
    df = pd.DataFrame({"unit_name": [f"单位{i}" for i in range(7)], "score": range(7)})
    wb = load_workbook(io.BytesIO(export.to_excel_bytes(df, "排名")))
    assert wb.sheetnames == ["排名", "排名（续2）", "排名（续3）"]
    rows = [[c.value for c in row] for ws in wb for row in ws.iter_rows(min_row=2)]
    assert rows == [[f"单位{i}", i] for i in range(7)], "every row once, in order"
    assert all(ws["A1"].value == wb["排名"]["A1"].value for ws in wb), "each sheet has the header"


def test_task_ledger_export_keeps_typed_progress_as_text(fx):
    with store.write(fx["path"]) as con:
        con.execute("update task_progress set progress = ? where unit = 'hexi.fgw' and period = ?", [LINK, OCT])
    ledger = q.task_ledger(fx["path"], OFFICE, OCT)
    assert LINK in set(ledger["progress"])
    _assert_text(export.to_excel_bytes(ledger, "任务台账"), LINK)


def test_unit_page_task_export_keeps_typed_text_as_text(fx):
    with store.write(fx["path"]) as con:
        con.execute("update task_progress set problems = ?, next_steps = ? where unit = 'hexi.fgw' and period = ?",
                    ["-资金缺口", "@财政局", OCT])
    tasks = q.unit_tasks(fx["path"], OFFICE, "hexi.fgw", OCT)
    data = export.to_excel_bytes(tasks, "任务进展")
    _assert_text(data, "-资金缺口")
    _assert_text(data, "@财政局")


def test_audit_log_export_keeps_a_username_tried_at_login_as_text(fx, db_path):
    result = users.authenticate(LINK, "whatever-1", db_path)
    assert result.user is None
    shown = audit.for_display(audit.entries(OFFICE, audit.AuditFilter(), db_path))
    _assert_text(export.to_excel_bytes(shown, "审计日志"), LINK)


def test_chase_list_export_keeps_a_liaison_name_as_text(fx):
    with store.write(fx["path"]) as con:
        con.execute("update unit set liaison = ? where id = 'teda.zwfw'", ["=1+1"])
    chase = q.chase_list(fx["path"], OFFICE, OCT, NOW)
    assert "=1+1" in set(chase["liaison"])
    _assert_text(export.to_excel_bytes(chase, "催报名单"), "=1+1")


def test_submission_history_export_keeps_an_uploader_name_as_text(fx):
    with store.write(fx["path"]) as con:
        con.execute("update submission set uploader = '+cmd' where unit = 'hexi.fgw'")
    history = q.unit_submissions(fx["path"], OFFICE, "hexi.fgw")
    _assert_text(export.to_excel_bytes(history, "报送记录"), "+cmd")


def test_template_writes_catalog_text_as_text(tmp_path):
    from etl.template import write_template
    from tests.fixtures_returns import UNIT, tiny_catalog

    cat = tiny_catalog()
    cat.indicators["T01"] = cat.indicators["T01"].model_copy(update={"name": "=网上办理率"})
    cat.measures[0] = cat.measures[0].model_copy(update={"title": "-压缩时限"})
    path = write_template(UNIT, "2026-09", tmp_path / "t.xlsx", catalog=cat)
    wb = load_workbook(path)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert {"=网上办理率", "-压缩时限（牵头）"} <= {c.value for c in cells}
