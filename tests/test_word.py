"""The one Word writer: official layout, and user text that stays text."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm
from PIL import Image

from dashboard import word


def _reopen(doc) -> Document:
    return Document(io.BytesIO(word.to_bytes(doc)))


def _png(w: int = 40, h: int = 20) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(buf, format="PNG")
    return buf.getvalue()


def _body_xml(doc) -> str:
    return doc.element.body.xml


def test_document_is_a4_with_official_margins_and_a_masthead():
    doc = _reopen(word.new_document("营商环境专报", issuer="市营商办", date_line="2026年12月3日",
                                    number="第 11 期"))
    sec = doc.sections[0]
    assert abs(sec.page_width.cm - 21.0) < 0.01 and abs(sec.page_height.cm - 29.7) < 0.01
    assert round(sec.top_margin.cm, 1) == 3.7 and round(sec.left_margin.cm, 1) == 2.8
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "营商环境专报"
    assert "第 11 期" in texts
    assert any(t.startswith("市营商办") and t.endswith("2026年12月3日") for t in texts)
    title_run = doc.paragraphs[0].runs[0]
    assert title_run.bold and title_run.font.size.pt == word.TITLE_PT
    assert doc.core_properties.title == "营商环境专报"


def test_body_names_a_cjk_face_from_the_fallback_list():
    doc = _reopen(word.new_document("督办单"))
    word.paragraph(doc, "正文")
    run = doc.paragraphs[-1].runs[0]
    east_asia = run._r.rPr.rFonts.get(qn("w:eastAsia"))
    assert east_asia in word.BODY_FONTS
    assert east_asia == word.pick_font(word.BODY_FONTS)


def test_pick_font_prefers_an_installed_face(monkeypatch):
    monkeypatch.setattr(word, "_installed_families", lambda: frozenset({"Noto Sans CJK SC"}))
    assert word.pick_font(("仿宋", "Noto Serif CJK SC", "Noto Sans CJK SC")) == "Noto Sans CJK SC"
    monkeypatch.setattr(word, "_installed_families", lambda: frozenset())
    assert word.pick_font(("仿宋", "Noto Sans CJK SC")) == "仿宋"


def test_footer_holds_the_only_field_a_page_number():
    doc = _reopen(word.new_document("专报"))
    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml
    assert "fldChar" not in _body_xml(doc)


@pytest.mark.parametrize("text", ["{ PAGE }", "=1+1", "{ DDEAUTO c:\\\\windows\\\\cmd.exe }",
                                  "@SUM(A1)", "+1-1"])
def test_user_text_that_looks_like_a_field_or_formula_stays_plain_text(text):
    doc = word.new_document("专报")
    word.paragraph(doc, text, lead=text)
    word.heading(doc, text)
    word.table(doc, [[text, text]], [text, "说明"])
    doc = _reopen(doc)
    body = _body_xml(doc)
    assert "fldChar" not in body and "instrText" not in body and "fldSimple" not in body
    assert any(p.text == text + text for p in doc.paragraphs)
    assert doc.tables[0].cell(1, 0).text == text


def test_control_characters_are_dropped_not_fatal():
    doc = word.new_document("专报\x00")
    word.paragraph(doc, "走访\x07企业\x1b12家\ufffe")
    word.table(doc, pd.DataFrame({"a": ["单位\x0b名"], "b": [None]}), {"a": "单位", "b": "备注"})
    doc = _reopen(doc)
    assert doc.paragraphs[0].text == "专报"
    assert any(p.text == "走访企业12家" for p in doc.paragraphs)
    assert doc.tables[0].cell(1, 0).text == "单位名"
    assert doc.tables[0].cell(1, 1).text == ""


def test_table_fits_the_text_width_and_repeats_its_header():
    doc = word.new_document("专报")
    df = pd.DataFrame({"unit": ["和平区" * 20, "河西区"], "score": [91.5, 88.0], "x": [1, 2]})
    word.table(doc, df, {"unit": "单位", "score": "得分"})
    word.table(doc, [["a", "b", "c"]], ["甲", "乙", "丙"], widths=[1, 1, 2])
    doc = _reopen(doc)
    first, second = doc.tables
    assert [c.text for c in first.rows[0].cells] == ["单位", "得分"]
    assert first.cell(2, 1).text == "88"          # whole floats print without ".0"
    for tbl in (first, second):
        total = sum(c.width for c in tbl.rows[0].cells)
        assert abs(total - Cm(word.text_width_cm())) < Cm(0.05)
        assert tbl.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    widths = [c.width for c in second.rows[0].cells]
    assert abs(widths[2] - 2 * widths[0]) < Cm(0.01)


def test_table_with_a_row_of_the_wrong_length_is_refused_in_chinese():
    doc = word.new_document("专报")
    with pytest.raises(ValueError, match="第 1 行有 1 列"):
        word.table(doc, [["a"]], ["甲", "乙"])
    with pytest.raises(KeyError, match="缺少列"):
        word.table(doc, pd.DataFrame({"a": [1]}), {"b": "乙"})


def test_image_is_embedded_no_wider_than_the_text():
    doc = word.new_document("专报")
    word.image(doc, _png(), width_cm=40, caption="图1 各区按时报送率")
    doc = _reopen(doc)
    shapes = doc.inline_shapes
    assert len(shapes) == 1
    assert abs(shapes[0].width - Cm(word.text_width_cm())) < Cm(0.01)
    assert any(p.text == "图1 各区按时报送率" for p in doc.paragraphs)
