"""The dashboard as each of its users sees it, in Chromium (issue 13).

For the office, a leader and a liaison (the demo accounts of the README): log in, click
through every page of the navigation and on each page click a filter; after every click the
page heading is still visible (a reused cookie-script container once hid it), and the text on
screen holds no unit id, finding code or English key. A leader's phone (390 px) shows 总览 and
区域对比 without horizontal scrolling. Refused or rewritten links say so in Chinese, and a
filter chosen on a page reaches the address. Screenshots of every page at 1440 px and 390 px
land in tests/artifacts/roles/ for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from dashboard.labels import AUDIT_KEYS, FINDING_NAMES
from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS, DEMO_END, _need_chromium, _serve
from tests.test_browser import _settled as _settled_once
from tests.test_browser import demo_db  # noqa: F401  (module fixture: the small demo database)

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "roles"

# page title -> url path, as the navigation lists them
PAGES = {
    "总览": "", "专报": "report", "报送情况": "submissions", "数据质量": "quality", "任务台账": "tasks",
    "审计日志": "audit", "账号管理": "users", "季度考核": "assessment", "典型案例": "cases", "责任单位": "unit",
    "数据上传": "upload", "督办": "supervision", "区域对比": "regions", "指标详情": "indicator",
}
ROLE_PAGES = {
    "office": list(PAGES),
    "leader": ["总览", "专报", "报送情况", "数据质量", "任务台账", "季度考核", "典型案例", "责任单位", "督办",
               "区域对比", "指标详情"],
    "liaison": ["总览", "季度考核", "典型案例", "责任单位", "数据上传", "督办", "区域对比"],
}
# the page heading where it is not the navigation title (the 专报 page names the document)
HEADINGS = {"专报": "营商环境专报"}
CODE = re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b")      # VALUE_NOT_NUMBER
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")     # submission_id, unit_name


@pytest.fixture(scope="module")
def demo_facts(demo_db: Path) -> dict:  # noqa: F811
    import store

    with store.read(demo_db) as con:
        units = [r[0] for r in con.execute("select id from unit").fetchall()]
        liaison = con.execute(
            "select a.username, a.unit from app_user a join unit u on u.id = a.unit "
            "where a.role = 'liaison' and a.is_demo order by u.region = 'teda' desc, a.username limit 1"
        ).fetchone()
        other = con.execute("select id, name from unit where id <> ? and id in (select unit from reporting_roster) "
                            "order by id limit 1", [liaison[1]]).fetchone()
        unit_name = con.execute("select name from unit where id = ?", [liaison[1]]).fetchone()[0]
    return {"units": units, "liaison": liaison[0], "liaison_unit": liaison[1], "liaison_unit_name": unit_name,
            "other_unit": other[0], "other_unit_name": other[1]}


@pytest.fixture(scope="module")
def app_url(demo_db: Path):  # noqa: F811
    _need_chromium()
    with _serve(demo_db) as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _settled(page) -> None:
    """As tests/test_browser.py waits, with room for a machine shared by many test runs."""
    _settled_once(page, timeout=180)


def _account(role: str, facts: dict) -> str:
    return facts["liaison"] if role == "liaison" else role


def _log_in(page, username: str) -> None:
    from accounts.users import demo_password

    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(demo_password(username))
    page.get_by_role("button", name="登录").click()


def _heading(page, title: str):
    return page.get_by_role("heading", name=title, exact=True).first


_VISIBLE_TEXT = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim()) continue;
    if (el.closest('script, style, [data-testid="stIconMaterial"], [data-testid="stIconEmoji"]')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    out.push(n.textContent);
  }
  return out.join(' | ');
}"""


def _screen_text(page) -> str:
    """What a person can read: visible text of the main area and the sidebar, without the
    icon ligatures (``dashboard`` is drawn as an icon). Tables are canvases: their cells are
    checked from the data in tests/test_pages.py."""
    return page.evaluate(_VISIBLE_TEXT)


def _codes_on_screen(text: str, units: list[str]) -> list[str]:
    found = [u for u in units if re.search(rf"(?<![\w.]){re.escape(u)}(?![\w.])", text)]
    found += [c for c in CODE.findall(text)]
    found += [c for c in FINDING_NAMES if c in text]
    found += [k for k in SNAKE.findall(text)]
    found += [f'"{k}"' for k in AUDIT_KEYS if f'"{k}"' in text]
    return sorted(set(found))


def test_the_screen_check_finds_unit_ids_codes_and_english_keys() -> None:
    text = "当前用户：联络员（teda.zwfw） | 数值不是数字（VALUE_NOT_NUMBER） | {\"submission_id\": 3} | unit_name"
    assert _codes_on_screen(text, ["teda.zwfw", "hexi.fgw"]) == sorted(
        {"teda.zwfw", "VALUE_NOT_NUMBER", "submission_id", "unit_name", '"submission_id"'})
    assert _codes_on_screen("经开区政务服务办 2026年10月 95.0%", ["teda.zwfw"]) == []


def _click_a_filter(page) -> None:
    """A click every page answers with a rerun: the sidebar's 季度 / 月度 switch, twice."""
    side = page.get_by_test_id("stSidebar")
    for label in ("季度", "月度"):
        side.get_by_role("radio", name=label, exact=True).click()
        _settled(page)


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_each_role_clicks_through_every_page_and_keeps_the_heading_and_reads_no_codes(
    browser, app_url: str, demo_facts: dict, role: str
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
    page = context.new_page()
    context.set_default_timeout(90_000)
    context.set_default_navigation_timeout(120_000)
    problems: list[str] = []
    try:
        page.goto(f"{app_url}/?period={DEMO_END}", wait_until="domcontentloaded")
        _log_in(page, _account(role, demo_facts))
        _heading(page, "总览").wait_for(timeout=120_000)
        _settled(page)
        nav = [t.strip().split("\n")[-1] for t in page.get_by_test_id("stSidebarNavLink").all_inner_texts()]
        assert nav == ROLE_PAGES[role], nav
        for title in ROLE_PAGES[role]:
            page.get_by_test_id("stSidebarNavLink").filter(has_text=title).first.click()
            _heading(page, HEADINGS.get(title, title)).wait_for(timeout=120_000)
            _settled(page)
            assert _heading(page, HEADINGS.get(title, title)).is_visible(), f"{role} {title}: heading hidden after opening"
            _click_a_filter(page)
            assert _heading(page, HEADINGS.get(title, title)).is_visible(), f"{role} {title}: heading hidden after a click"
            assert page.locator('[data-testid="stException"]').count() == 0, f"{role} {title}"
            text = _screen_text(page)
            if found := _codes_on_screen(text, demo_facts["units"]):
                problems.append(f"{role} · {title}: {found}")
            page.screenshot(path=str(SHOTS / f"{role}_{PAGES[title] or 'overview'}_1440.png"), full_page=True)
    finally:
        context.close()
    assert not problems, problems


@pytest.mark.parametrize("path,title", [("", "总览"), ("regions", "区域对比")])
def test_a_leaders_phone_shows_the_overview_and_the_comparison_without_sideways_scrolling(
    browser, app_url: str, path: str, title: str
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(90_000)
    context.set_default_navigation_timeout(120_000)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/{path}?period={DEMO_END}", wait_until="domcontentloaded")
        _log_in(page, "leader")
        _heading(page, title).wait_for(timeout=120_000)
        _settled(page)
        widths = page.evaluate("""() => {
            const main = document.querySelector('[data-testid="stMain"]');
            return {doc: document.documentElement.scrollWidth, view: document.documentElement.clientWidth,
                    main: main.scrollWidth, mainView: main.clientWidth,
                    sidebarOpen: (() => { const s = document.querySelector('[data-testid="stSidebar"]');
                                          return !!s && s.getAttribute('aria-expanded') === 'true'; })()};
        }""")
        assert widths["doc"] <= widths["view"] and widths["main"] <= widths["mainView"], widths
        assert not widths["sidebarOpen"], "the sidebar covers the page on a phone"
        charts = page.locator('[data-testid="stPlotlyChart"]')
        boxes = [charts.nth(i).bounding_box() for i in range(charts.count())]
        assert boxes and all(b["x"] >= 0 and b["x"] + b["width"] <= 390 + 1 for b in boxes), boxes
        lefts = {round(b["x"]) for b in boxes}
        assert len(lefts) == 1, f"charts side by side on a phone: {boxes}"  # stacked, one column
        metrics = page.get_by_test_id("stMetricValue")
        for i in range(metrics.count()):
            size = metrics.nth(i).evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
            assert size >= 16, size  # legible numbers
        h = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": 390, "height": min(h + 40, 8000)})
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / f"leader_{path or 'overview'}_390.png"), full_page=True)
    finally:
        context.close()


def test_a_liaison_opening_another_units_link_is_told_and_sees_their_own(
    browser, app_url: str, demo_facts: dict
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    context.set_default_timeout(90_000)
    context.set_default_navigation_timeout(120_000)
    try:
        page.goto(f"{app_url}/unit?period={DEMO_END}&unit={demo_facts['other_unit']}", wait_until="domcontentloaded")
        _log_in(page, demo_facts["liaison"])
        _heading(page, "责任单位").wait_for(timeout=120_000)
        _settled(page)
        notice = page.get_by_test_id("stAlertContentWarning").first
        assert f"链接中的“{demo_facts['other_unit_name']}”不在您可查看明细的范围内" in notice.inner_text()
        assert demo_facts["liaison_unit_name"] in notice.inner_text()
        assert f"unit={demo_facts['liaison_unit']}" in page.url
    finally:
        context.close()


def test_a_leader_opening_an_office_page_is_told_it_is_refused(browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    context.set_default_timeout(90_000)
    context.set_default_navigation_timeout(120_000)
    try:
        page.goto(f"{app_url}/audit?period={DEMO_END}", wait_until="domcontentloaded")
        _log_in(page, "leader")
        _heading(page, "审计日志").wait_for(timeout=120_000)
        _settled(page)
        notice = page.get_by_test_id("stAlertContentWarning").first.inner_text()
        assert "无权访问“审计日志”" in notice and "领导" in notice
        assert page.get_by_role("link", name="前往总览").is_visible()
        assert page.get_by_test_id("stDataFrame").count() == 0  # nothing of the log shown
    finally:
        context.close()


def test_a_filter_chosen_on_a_page_reaches_the_address_and_the_link_shares_the_view(
    browser, app_url: str
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1200}, locale="zh-CN")
    page = context.new_page()
    context.set_default_timeout(90_000)
    context.set_default_navigation_timeout(120_000)
    try:
        page.goto(f"{app_url}/tasks?period={DEMO_END}", wait_until="domcontentloaded")
        _log_in(page, "office")
        _heading(page, "任务台账").wait_for(timeout=120_000)
        _settled(page)
        page.get_by_role("radio", name="滞后", exact=True).click()
        page.wait_for_url(re.compile(r".*status="), timeout=30_000)
        _settled(page)
        link = page.url
        assert "status=滞后" in unquote(link) and f"period={DEMO_END}" in link
        assert _heading(page, "任务台账").is_visible()

        other = browser.new_context(viewport={"width": 1440, "height": 1200}, locale="zh-CN")
        other.set_default_timeout(90_000)
        other.set_default_navigation_timeout(120_000)
        try:  # the link, opened by a colleague, shows the same filter chosen
            shared = other.new_page()
            shared.goto(link, wait_until="domcontentloaded")
            _log_in(shared, "leader")
            _heading(shared, "任务台账").wait_for(timeout=120_000)
            _settled(shared)
            pressed = shared.get_by_role("radio", name="滞后", exact=True)
            assert pressed.get_attribute("aria-checked") == "true"
        finally:
            other.close()
    finally:
        context.close()
