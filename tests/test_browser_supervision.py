"""督办 in a real browser on the demo database: the office opens an item from a red flag, the
unit's liaison signs and applies for 销号 with a note, the office closes it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import store
from tests.test_browser import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    DEMO_END,
    _settled,
    app_url,
    browser,
    demo_db,
)

pytestmark = pytest.mark.browser


def _log_in_as(page, username: str) -> None:
    from accounts.users import demo_password

    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(demo_password(username))
    page.get_by_role("button", name="登录").click()


def _open_page(context, url: str, username: str):
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    _log_in_as(page, username)
    page.get_by_role("heading", name="督办", exact=True).first.wait_for(timeout=60_000)
    _settled(page)
    return page


def _read(db: Path, sql: str, params: list) -> list[tuple]:
    """Read while the app serves the same file: it holds the file only per operation."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with store.read(db) as con:
                return con.execute(sql, params).fetchall()
        except store.DatabaseBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.all_inner_texts()


def test_office_opens_from_a_flag_liaison_signs_and_applies_office_closes(
        browser, app_url: str, demo_db: Path) -> None:  # noqa: F811 (fixtures imported above)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    office_ctx = browser.new_context(viewport={"width": 1440, "height": 2600}, locale="zh-CN")
    liaison_ctx = browser.new_context(viewport={"width": 1440, "height": 2600}, locale="zh-CN")
    try:
        # the office: 从红灯立项
        office = _open_page(office_ctx, f"{app_url}/supervision?period={DEMO_END}", "office")
        office.get_by_role("tab", name="从红灯立项").click()
        panel = office.locator('[role="tabpanel"]:visible')
        panel.get_by_test_id("stMultiSelect").filter(has_text="的红灯").click()
        options = office.get_by_role("option")
        options.first.wait_for(timeout=10_000)
        texts = options.all_inner_texts()
        label = next((t for t in texts if "已立项" not in t and "｜未达标｜" in t), None)
        assert label, texts
        office.get_by_role("option", name=label, exact=True).click()
        office.keyboard.press("Escape")
        _settled(office)
        requirement = panel.get_by_label("整改要求")
        requirement.fill("下月数据达到目标，报送整改说明")
        requirement.press("Control+Enter")
        _settled(office)
        panel.get_by_role("button", name="立项", exact=True).click()
        office.get_by_text("已立项：督〔").wait_for(timeout=30_000)
        _settled(office)
        _no_error(office)
        office.screenshot(path=str(ARTIFACTS / "supervision_opened.png"), full_page=True)
        item_id = int(re.search(r"item=(\d+)", office.url).group(1))
        unit_name = label.split("｜")[0]
        (lead, status), = _read(
            demo_db, "select su.unit, i.status from supervision_item i join supervision_unit su"
            " on su.item_id = i.id and su.role = 'lead' where i.id = ?", [item_id])
        assert status == "待签收"
        assert _read(demo_db, "select name from unit where id = ?", [lead]) == [(unit_name,)]
        assert _read(demo_db, "select count(*) from supervision_flag where item_id = ?", [item_id]) == [(1,)]

        # the lead unit's liaison: 签收, then 申请销号 with a note
        liaison = _open_page(liaison_ctx, f"{app_url}/supervision?item={item_id}", lead)
        liaison.get_by_role("button", name="签收", exact=True).click()
        liaison.get_by_text("已签收").first.wait_for(timeout=30_000)
        _settled(liaison)
        liaison.get_by_role("textbox", name="整改说明").fill("已优化办理流程并完成回访，本月数据已达标")
        liaison.get_by_role("button", name="申请销号", exact=True).click()
        liaison.get_by_text("已提交").first.wait_for(timeout=30_000)
        _settled(liaison)
        _no_error(liaison)
        liaison.screenshot(path=str(ARTIFACTS / "supervision_applied.png"), full_page=True)

        # the office again: 同意销号
        office.goto(f"{app_url}/supervision?item={item_id}", wait_until="domcontentloaded")
        office.get_by_role("heading", name="督办", exact=True).first.wait_for(timeout=60_000)
        _settled(office)
        office.get_by_role("button", name="同意销号", exact=True).click()
        office.get_by_text("已销号").first.wait_for(timeout=30_000)
        _settled(office)
        _no_error(office)
        office.screenshot(path=str(ARTIFACTS / "supervision_closed.png"), full_page=True)
    finally:
        office_ctx.close()
        liaison_ctx.close()
    assert _read(demo_db, "select status from supervision_item where id = ?", [item_id]) == [("已销号",)]
    actions = _read(demo_db, "select action from audit_log where object_type = 'supervision' and object_id = ?"
                    " order by id", [str(item_id)])
    assert [a for (a,) in actions] == ["supervise_open", "supervise_sign", "supervise_apply", "supervise_approve"]
