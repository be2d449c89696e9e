"""The 专报 page: office and leaders download the Word document; liaisons are not offered it."""

from __future__ import annotations

import pytest

from tests.test_pages import (  # noqa: F401  (fixtures)
    _liaison_run, fixture_db, fixture_file, run_page, steady_state_navigation, texts)


def _button(at):
    return next(b for b in at.get("download_button") if b.proto.label == "下载专报")


def test_office_is_offered_the_months_report_as_a_word_download(fixture_db: dict) -> None:
    at = run_page("pages/report.py", period="2026-10")
    assert [t.value for t in at.title] == ["营商环境专报"]
    assert "2026年10月" in texts(at) and "工作信息" in texts(at)
    assert "季度考核结果" not in texts(at)
    button = _button(at)
    assert button.proto.deferred_file_id            # built when clicked, not on every page run
    assert not at.error


def test_a_quarter_chosen_in_the_sidebar_gives_the_assessment_report(fixture_db: dict) -> None:
    at = run_page("pages/report.py", period="2026Q4")
    assert [t.value for t in at.title] == ["营商环境季度考核报告"]
    assert "2026年第四季度" in texts(at) and "季度考核结果" in texts(at)
    assert _button(at)


def test_a_liaison_is_not_offered_the_report_page(fixture_db: dict) -> None:
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _liaison_run(fixture_db["path"], "pages/report.py", period="2026-10")
