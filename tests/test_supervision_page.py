"""The 督办 page under AppTest on the dashboard fixture: the office opens an item from a red
flag, the liaison signs and applies, the office closes it; filters come from the address."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

import store
from accounts import users
from accounts.access import SYSTEM_USER
from office import supervision as sup
from tests.fixtures_auth import PASSWORD, log_in
from tests.fixtures_supervision import OFFICE
from tests.test_pages import (  # noqa: F401 (fixtures)
    APP,
    fixture_db,
    fixture_file,
    run_page,
    steady_state_navigation,
    texts,
)

PAGE = "pages/supervision.py"


def _as(username: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    log_in(at, username)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_office_opens_from_a_flag_liaison_signs_and_applies_office_closes(fixture_db: dict) -> None:  # noqa: F811 (fixtures imported above)
    db = fixture_db["path"]
    users.add_user(SYSTEM_USER, "hexi.zwfw", "liaison", PASSWORD, unit="hexi.zwfw", db=db)
    at = run_page(PAGE, period="2026-10")
    assert [t.value for t in at.title] == ["督办"]
    flags = at.multiselect(key="sup_flags_0")
    hexi = next(o for o in flags.options if o.startswith("河西区政务服务办｜未达标｜政务服务满意度"))
    flags.select(hexi).run()
    at.text_area(key="sup_flag_requirement_0").input("11月满意度回升至95%以上").run()
    _button(at, "立项").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "已立项：督〔" in texts(at), texts(at)
    item = sup.list_items(db, OFFICE).iloc[0]
    assert (item["lead"], item["status"], item["n_flags"]) == ("hexi.zwfw", "待签收", 1)

    liaison = _as("hexi.zwfw", item=str(item["id"]))
    _button(liaison, "签收").click().run()
    assert "已签收" in texts(liaison)
    _button(liaison, "申请销号").click().run()   # no evidence: refused with the reason
    assert "整改佐证" in texts(liaison)
    liaison.text_area(key="sup_apply_note").input("已增设自助终端，回访满意度96%")  # a form: sent on submit
    _button(liaison, "申请销号").click().run()
    assert "已提交" in texts(liaison), texts(liaison)

    office = run_page(PAGE, period="2026-10", item=str(item["id"]))
    _button(office, "同意销号").click().run()
    assert "已销号" in texts(office)
    assert sup.get_item(db, int(item["id"])).status == "已销号"
    with store.read(db) as con:
        actions = [r[0] for r in con.execute(
            "select action from audit_log where object_type = 'supervision' order by id").fetchall()]
    assert actions == ["supervise_open", "supervise_sign", "supervise_apply", "supervise_approve"]


def test_filters_are_read_from_the_address(fixture_db: dict) -> None:  # noqa: F811 (fixtures imported above)
    db = fixture_db["path"]
    for lead, level in (("hexi.zwfw", "会商会"), ("nankai.zwfw", "专题会")):
        sup.open_item(OFFICE, lead=lead, problem="企业投诉", requirement="整改", source="complaint", level=level,
                      today=date(2026, 10, 29), db=db)
    at = run_page(PAGE, period="2026-10", level="专题会")
    table = next(d.value for d in at.dataframe if "督办编号" in d.value.columns)
    assert list(table["会议层级"]) == ["专题会"]
    assert at.selectbox(key="sup_level").value == "专题会"


def test_a_liaison_sees_only_the_items_of_their_unit(fixture_db: dict) -> None:  # noqa: F811 (fixtures imported above)
    db = fixture_db["path"]
    users.add_user(SYSTEM_USER, "nankai.zwfw", "liaison", PASSWORD, unit="nankai.zwfw", db=db)
    sup.open_item(OFFICE, lead="hexi.zwfw", problem="企业投诉", requirement="整改", source="complaint", db=db)
    at = _as("nankai.zwfw")
    assert "没有符合条件的督办事项" in texts(at)
    assert not [b for b in at.button if b.label == "立项"]


def test_the_unit_page_and_the_overview_show_open_items_by_colour(fixture_db: dict) -> None:  # noqa: F811 (fixtures imported above)
    db = fixture_db["path"]
    today = sup.beijing_today()
    late = sup.open_item(OFFICE, lead="hexi.zwfw", problem="企业投诉", requirement="整改", source="complaint",
                         limit_workdays=1, today=date(2026, 10, 29), db=db)
    sup.open_item(OFFICE, lead="hexi.zwfw", problem="督查发现", requirement="整改", source="inspection",
                  limit_workdays=60, today=today, db=db)
    unit = run_page("pages/unit.py", period="2026-10", unit="hexi.zwfw")
    table = next(d.value for d in unit.dataframe if "督办编号" in d.value.columns)
    assert list(table["时限"]) == ["红", "蓝"]          # most urgent first
    assert table.iloc[0]["督办编号"] == late.number
    overview = run_page("pages/overview.py", period="2026-10")
    metrics = {m.label: m.value for m in overview.metric}
    assert (metrics["红 · 已逾期"], metrics["蓝 · 按期推进"], metrics["黄 · 临近截止"]) == ("1 件", "1 件", "0 件")


def test_a_leader_reads_every_item_but_has_no_buttons(fixture_db: dict) -> None:  # noqa: F811 (fixtures imported above)
    db = fixture_db["path"]
    users.add_user(SYSTEM_USER, "leader1", "leader", PASSWORD, db=db)
    item = sup.open_item(OFFICE, lead="hexi.zwfw", problem="企业投诉", requirement="整改", source="complaint", db=db)
    at = _as("leader1", item=str(item.id))
    assert item.number in texts(at)
    assert [b.label for b in at.button if b.label in ("签收", "同意销号", "立项", "退回整改")] == []
