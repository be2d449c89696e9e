"""下载专报 in a real browser: the office clicks the button and gets the month's Word document."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from tests.test_browser import (  # noqa: F401  (fixtures: the demo app in Chromium)
    DEMO_END, _log_in, _settled, app_url, browser, demo_db)

pytestmark = pytest.mark.browser


def test_the_office_downloads_the_months_report_from_the_report_page(browser, app_url: str,
                                                                      tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/report?period={DEMO_END}", wait_until="domcontentloaded")
        _log_in(page)
        page.get_by_role("heading", name="营商环境专报", exact=True).first.wait_for(timeout=60_000)
        _settled(page)
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name="下载专报").click()
        name = download.value.suggested_filename
        path = tmp_path / "专报.docx"
        download.value.save_as(path)
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "report-page.png"))
    finally:
        context.close()
    assert name == f"营商环境专报_{DEMO_END}.docx"
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "营商环境专报"
    assert f"天津市{int(DEMO_END[:4])}年{int(DEMO_END[5:])}月营商环境工作情况" in texts
    assert "三、红灯预警" in texts and doc.inline_shapes
