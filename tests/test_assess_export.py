"""The assessment as .xlsx: ranking, breakdown long table and evidence, written as text."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from dashboard import assessment
from office import cases, entries
from accounts.access import User
from tests.fixtures_dashboard import NOW, OFFICE, build_fixture_db


def test_export_has_ranking_breakdown_and_evidence_and_keeps_typed_formulas_as_text(tmp_path):
    db = build_fixture_db(tmp_path / "x.duckdb", refresh=True)["path"]
    liaison = User("hexi.ll", "liaison", "hexi.zwfw")
    case_id = cases.submit(liaison, cases.CaseInput("hexi.zwfw", "2026Q3", "一窗通办", "=1+1 天压缩到 1 天",
                                                    "经过", indicators=("ZW02",)), db)
    cases.decide(OFFICE, case_id, True, db=db)
    entries.add(OFFICE, "nankai.zwfw", "2026Q3", "deduction", 1, '=HYPERLINK("http://x","点我")', "核实单 5", db)
    wb = load_workbook(io.BytesIO(assessment.export_xlsx(db, OFFICE, "2026Q3", now=NOW)))
    assert wb.sheetnames == ["2026年第三季度排名", "得分明细", "依据"]
    rank = list(wb["2026年第三季度排名"].values)
    assert rank[0][:4] == ("名次", "单位", "区域", "总分") and len(rank) == 1 + 5
    long = list(wb["得分明细"].values)
    assert long[0][:3] == ("单位", "考核项", "项目键")
    assert {r[1] for r in long[1:]} >= {"指标达标", "报送质量", "加分", "扣分"}
    ev = wb["依据"]
    cells = [c for row in ev.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)


def test_liaisons_get_no_export_of_other_units(tmp_path):
    import pytest
    from accounts.access import AccessDenied

    db = build_fixture_db(tmp_path / "y.duckdb", refresh=True)["path"]
    with pytest.raises(AccessDenied):
        assessment.export_xlsx(db, User("hexi.ll", "liaison", "hexi.zwfw"), "2026Q3")


def test_a_whole_countrys_export_keeps_the_ranking_and_sends_the_detail_to_the_regions(tmp_path, monkeypatch):
    """352 k units' 得分明细 took over 10 GB of the server: over DETAIL_UNITS the workbook says
    where the detail is instead of building it."""
    db = build_fixture_db(tmp_path / "z.duckdb", refresh=True)["path"]
    entries.add(OFFICE, "nankai.zwfw", "2026Q3", "deduction", 1, "投诉核实", "核实单 5", db)
    monkeypatch.setattr(assessment, "DETAIL_UNITS", 4)
    wb = load_workbook(io.BytesIO(assessment.export_xlsx(db, OFFICE, "2026Q3", now=NOW)))
    assert len(list(wb["2026年第三季度排名"].values)) == 1 + 5, "every unit ranked"
    note = list(wb["得分明细"].values)
    assert note[0] == ("说明",) and note[1][0].startswith("共 5 个单位") and "选择区域后下载" in note[1][0]
    assert [r[:3] for r in list(wb["依据"].values)[1:]] == [("扣分", "南开区政务服务办", "投诉核实")], \
        "the office's own entries stay"
