"""The real app in a real browser: `streamlit run app.py` on a free port, every page opened in
headless Chromium, no error box, the Chinese title visible, nothing fetched from outside
localhost. Screenshots land in tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_END = "2026-10"

# url path -> title shown on the page; a deep link first, as a shared link right after a start
PAGES = {
    "submissions": "报送情况",
    "": "总览",
    "quality": "数据质量",
    "tasks": "任务台账",
    "unit": "责任单位",
    "upload": "数据上传",
    "regions": "区域对比",
    "indicator": "指标详情",
    "audit": "审计日志",
    "users": "账号管理",
    "supervision": "督办",
}

# pages opened with another link than ?period=DEMO_END (a quarter: the demo's rejected returns
# fall in August and September)
LINKS = {"quality": "period=2026Q3"}

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} 不存在：CI 中必须安装 Debian 的 chromium 软件包")
    pytest.skip(f"{CHROMIUM} not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited early: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("streamlit did not become healthy in time")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo database built the way real returns arrive (template -> import):
    six regions (three of them districts, so 区域对比 has something to compare), three units
    each, three months."""
    path = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    env = {**os.environ, "YINGSHANG_DB": str(path)}
    done = subprocess.run(
        [sys.executable, "-m", "etl", "demo", "--db", str(path), "--months", "3", "--regions", "6",
         "--units", "3", "--end", DEMO_END],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return path


@pytest.fixture(scope="module")
def app_url(demo_db: Path):
    _need_chromium()
    with _serve(demo_db) as url:
        yield url


@contextlib.contextmanager
def _serve(demo_db: Path):
    """``streamlit run app.py`` on a free port, as scripts/start.sh does; yields its address."""
    port = _free_port()
    env = {**os.environ, "YINGSHANG_DB": str(demo_db), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://localhost:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(app_url: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


_RENDER_STATE = """() => {
  const q = (sel) => [...document.querySelectorAll(sel)];
  const frames = q('[data-testid="stDataFrame"]').filter(d => d.checkVisibility());
  const charts = q('[data-testid="stPlotlyChart"]').filter(d => d.checkVisibility());
  return {
    running: !!document.querySelector('[data-testid="stStatusWidget"]'),
    elements: q('[data-testid="stElementContainer"]').length,
    skeletons: q('[data-testid="stSkeleton"]').length,
    waiting: frames.filter(d => !d.querySelector('canvas')).length
             + charts.filter(c => !c.querySelector('.main-svg')).length,
  };
}"""


def _log_in(page) -> None:
    """Log in as the demo office account; the page asked for opens right after the login."""
    from accounts.users import DEMO_OFFICE, demo_password

    page.get_by_label("用户名").fill(DEMO_OFFICE)
    page.get_by_label("密码").fill(demo_password(DEMO_OFFICE))
    page.get_by_role("button", name="登录").click()


def _settled(page, timeout: float = 60) -> None:
    """Wait until the script run finished and every table and chart has drawn: no
    placeholder left and the page unchanged over three looks half a second apart."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"]', timeout=30_000)
    deadline = time.monotonic() + timeout
    seen: list[dict] = []
    while time.monotonic() < deadline:
        state = page.evaluate(_RENDER_STATE)
        ready = not state["running"] and not state["skeletons"] and not state["waiting"]
        seen = [*seen[-2:], state] if ready else []
        if len(seen) == 3 and seen[0] == seen[1] == seen[2]:
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"page did not finish rendering: {page.evaluate(_RENDER_STATE)}")


@pytest.mark.parametrize("path,title", PAGES.items())
def test_every_page_renders_in_chromium_with_its_title_and_no_error(
    browser, app_url: str, path: str, title: str
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 2200}, locale="zh-CN")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(f"{app_url}/{path}?{LINKS.get(path, f'period={DEMO_END}')}", wait_until="domcontentloaded")
        _log_in(page)
        page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=60_000)
        _settled(page)
        page.screenshot(path=str(ARTIFACTS / f"page_{path or 'overview'}.png"), full_page=True)
        crashes = page.locator('[data-testid="stException"]')
        assert crashes.count() == 0, crashes.all_inner_texts()
        errors = page.locator('[data-testid="stAlertContentError"]')
        assert errors.count() == 0, errors.all_inner_texts()
        assert page.get_by_role("heading", name=title, exact=True).first.is_visible()
    finally:
        context.close()
    outside = [u for u in requests
               if urlparse(u).scheme not in ("data", "blob") and urlparse(u).hostname not in ("localhost", "127.0.0.1")]
    assert not outside, outside


def test_choosing_a_region_in_the_sidebar_puts_it_in_the_link(browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?period={DEMO_END}", wait_until="domcontentloaded")
        _log_in(page)
        page.get_by_role("heading", name="总览", exact=True).first.wait_for(timeout=60_000)
        _settled(page)
        region_box = page.get_by_test_id("stSelectbox").filter(has_text="区域")
        region_box.scroll_into_view_if_needed()  # below the full page list in the sidebar
        region_box.click()
        options = page.get_by_role("option")
        options.first.wait_for(timeout=10_000)
        chosen = next(t for t in options.all_inner_texts() if t != "全部区域")
        page.get_by_role("option", name=chosen, exact=True).click()
        page.wait_for_url("**region=*", timeout=30_000)
        _settled(page)
        assert f"period={DEMO_END}" in page.url
        assert chosen in page.get_by_test_id("stCaptionContainer").first.inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


def test_the_template_download_is_the_units_workbook(browser, app_url: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/upload?period={DEMO_END}&month={DEMO_END}", wait_until="domcontentloaded")
        _log_in(page)
        page.get_by_role("heading", name="数据上传", exact=True).first.wait_for(timeout=60_000)
        _settled(page)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=f"下载 {int(DEMO_END[:4])}年{int(DEMO_END[5:])}月 月报模板").click()
        name = download.value.suggested_filename
        path = tmp_path / "template.xlsx"
        download.value.save_as(path)
    finally:
        context.close()
    assert name.startswith(f"{DEMO_END}_") and name.endswith("_月报.xlsx")
    wb = load_workbook(path)
    assert {"填报说明", "指标", "任务进展", "工作信息"} <= set(wb.sheetnames)


_SCRIPT_BOXES = """() => [...document.querySelectorAll('[data-testid="stElementContainer"]')]
  .filter(c => c.querySelector('[data-testid="stHtml"] script'))
  .map(c => ({display: getComputedStyle(c).display, height: c.getBoundingClientRect().height}))"""


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "yingshang_session"), None)


def test_a_login_survives_a_reload_and_a_new_tab_until_logout(browser, app_url: str, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?period={DEMO_END}", wait_until="domcontentloaded")
        page.get_by_label("密码").wait_for(timeout=60_000)
        _settled(page)
        _log_in(page)
        page.get_by_role("heading", name="总览", exact=True).first.wait_for(timeout=60_000)
        _settled(page)
        # the cookie: set by the page's script, not in the URL, and its element takes no space
        cookie = _session_cookie(context)
        assert cookie is not None, context.cookies()
        assert (cookie["path"], cookie["sameSite"], cookie["secure"]) == ("/", "Strict", False)  # http here
        assert 11.9 * 3600 < cookie["expires"] - time.time() <= 12 * 3600
        assert cookie["value"] not in page.url
        assert page.evaluate(_SCRIPT_BOXES) == [{"display": "none", "height": 0}]

        page.reload(wait_until="domcontentloaded")
        page.get_by_role("heading", name="总览", exact=True).first.wait_for(timeout=60_000)
        _settled(page)
        page.screenshot(path=str(tmp_path / "reloaded.png"))
        assert "当前用户：演示·办公室" in page.get_by_test_id("stSidebar").inner_text()
        assert page.get_by_label("密码").count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0

        tab = context.new_page()  # a new tab of the same browser
        tab.goto(f"{app_url}/tasks?period={DEMO_END}", wait_until="domcontentloaded")
        tab.get_by_role("heading", name="任务台账", exact=True).first.wait_for(timeout=60_000)
        tab.close()

        page.get_by_role("button", name="退出登录").click()
        page.get_by_text("您已退出登录。").wait_for(timeout=30_000)
        deadline = time.monotonic() + 10
        while _session_cookie(context) is not None and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert _session_cookie(context) is None

        page.reload(wait_until="domcontentloaded")
        page.get_by_label("密码").wait_for(timeout=60_000)
        assert page.get_by_role("heading", name="营商环境指标监测系统").is_visible()
        assert "当前用户" not in page.locator("body").inner_text()

        # a copy of the cookie taken before the logout opens nothing
        context.add_cookies([cookie])
        page.reload(wait_until="domcontentloaded")
        page.get_by_label("密码").wait_for(timeout=60_000)
        assert page.get_by_role("heading", name="总览", exact=True).count() == 0
    finally:
        context.close()


def test_the_first_login_on_a_just_started_server_is_not_lost(browser, demo_db: Path) -> None:
    """The first visitor after a restart opens the bare address and logs in with one click
    (the form used to be drawn before the navigation existed, and that click was dropped).
    While the form is on screen the browser already fetches the overview's element scripts
    (plotly alone is ~4.6 MB, ~0.7 s to evaluate), from a helper element nobody sees."""
    with _serve(demo_db) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        try:
            page.goto(f"{url}/", wait_until="domcontentloaded")
            page.get_by_label("密码").wait_for(timeout=60_000)
            page.wait_for_function(
                "performance.getEntriesByType('resource').some(e => /\\/PlotlyChart\\.[^/]+\\.js$/.test(e.name))",
                timeout=15_000)
            assert page.locator("[data-testid=stElementContainer]:has(script[data-yingshang-preload])").is_hidden()
            assert page.get_by_role("heading", name="总览", exact=True).count() == 0  # nothing shown before the login
            _log_in(page)
            page.get_by_role("heading", name="总览", exact=True).first.wait_for(timeout=30_000)
            assert "当前用户：演示·办公室" in page.get_by_test_id("stSidebar").inner_text()
            _settled(page)
            assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 2
        finally:
            context.close()


def _red_flag_with_a_clause(demo_db: Path) -> tuple[str, str, str]:
    """A unit with a 未达标 (or else 预警 / 进度滞后) flag in DEMO_END whose target has the plan's
    words, that flag's type and its reason."""
    import store

    with store.read(demo_db) as con:
        row = con.execute(
            "select j.unit, j.status, j.reason from judged_observation j"
            " join target_detail d on d.code = j.code and d.effective_from = j.target_from"
            " where j.period = ? and j.status in ('未达标', '预警', '进度滞后') and d.source is not null"
            " order by j.status = '未达标' desc, j.unit, j.code limit 1",
            [f"{DEMO_END}-01"]).fetchone()
    assert row is not None, "the demo month has no red flag with a plan clause"
    return row[0], row[1], row[2]


def test_a_red_flag_opens_its_evidence_with_the_cell_and_the_plan_clause(browser, app_url: str,
                                                                         demo_db: Path) -> None:
    unit, flag, reason = _red_flag_with_a_clause(demo_db)
    context = browser.new_context(viewport={"width": 1440, "height": 2400}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{app_url}/unit?period={DEMO_END}&unit={unit}", wait_until="domcontentloaded")
        _log_in(page)
        page.get_by_role("heading", name="责任单位", exact=True).first.wait_for(timeout=60_000)
        _settled(page)
        # click 1: open the list under the red flags; click 2: the red flag
        page.get_by_test_id("stSelectbox").filter(has_text="查看依据").click()
        page.get_by_role("option", name=f"{flag} · {reason}", exact=True).click()
        panel = page.locator('[class*="st-key-evidence_panel_unit"]')
        panel.wait_for(timeout=30_000)
        _settled(page)
        text = panel.inner_text()
        page.screenshot(path=str(ARTIFACTS / "evidence_panel.png"), full_page=True)
    finally:
        context.close()
    assert "工作表 / 单元格：指标!E" in text
    assert "条款：" in text and "原文：“" in text
    assert "SHA-256：" in text and "来源方案：方案 " in text
