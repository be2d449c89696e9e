"""季度考核 in a real browser: the office opens the ranking, picks a unit and opens the rows
behind one of its points. The demo database carries two assessed quarters, one locked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, _log_in, _need_chromium, _serve, _settled

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six months ending 2026-09: 2026Q2 (locked by the demo) and 2026Q3 are complete."""
    path = tmp_path_factory.mktemp("assess_browser") / "demo.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "etl", "demo", "--db", str(path), "--months", "6", "--regions", "3",
         "--units", "3", "--end", "2026-09"],
        cwd=ROOT, env={**os.environ, "YINGSHANG_DB": str(path)}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return path


@pytest.fixture(scope="module")
def browser(demo_db: Path):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with _serve(demo_db) as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b, url
        finally:
            b.close()


def test_office_opens_the_ranking_picks_a_unit_and_opens_one_points_evidence(browser) -> None:
    b, url = browser
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = b.new_context(viewport={"width": 1440, "height": 2400}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{url}/assessment", wait_until="domcontentloaded")
        _log_in(page)
        page.get_by_role("heading", name="季度考核", exact=True).first.wait_for(timeout=60_000)
        _settled(page)
        assert page.get_by_role("heading", name="排名", exact=True).is_visible()
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="查看单位的得分构成")
        box.click()
        option = page.get_by_role("option").nth(1)
        unit_name = option.inner_text().strip()
        option.click()
        _settled(page)
        page.get_by_role("heading", name=re.compile(re.escape(unit_name) + " · 2026年第三季度")).wait_for(timeout=30_000)
        point = page.locator('[data-testid="stExpander"]').filter(
            has=page.locator("summary", has_text="报送质量")).first
        point.locator("summary").click()
        evidence = point.get_by_text(re.compile(r"依据 \d+ 条（按当前记录）"))
        evidence.wait_for(timeout=30_000)
        assert int(re.search(r"依据 (\d+) 条", evidence.inner_text()).group(1)) >= 3  # three months due
        _settled(page)
        page.screenshot(path=str(ARTIFACTS / "page_assessment.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        # the older quarter is locked by the demo: the page says who and when
        page.locator('[data-testid="stSelectbox"]').filter(has_text="季度").first.click()
        page.get_by_role("option", name="2026年第二季度").click()
        page.get_by_text(re.compile("2026年第二季度已于 .* 锁定")).first.wait_for(timeout=30_000)
    finally:
        context.close()
