"""Liaisons read their own unit: the page-data functions themselves take the user and refuse.

Other units reach a liaison only as region-wide aggregates, unless the office grants more
(``accounts.users.grant_read``); grants widen reading, never uploading.
"""

from __future__ import annotations

import json

import pytest

from dashboard import flags
from dashboard import queries as q
import store
from accounts import audit, users
from accounts.access import SYSTEM_USER, AccessDenied, User, readable_units, require_upload
from tests.fixtures_auth import _fast_bcrypt, make_user  # noqa: F401
from tests.fixtures_dashboard import OFFICE, build_fixture_db

HEXI = User("hexi-liaison", "liaison", "hexi.zwfw")
LEADER = User("ld01", "leader")


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_fixture_db(tmp_path_factory.mktemp("scope") / "fx.duckdb")


@pytest.fixture()
def db(tmp_path) -> dict:
    """A private copy for tests that write grants."""
    return build_fixture_db(tmp_path / "fx.duckdb")


# Every function that shows one unit's figures, called for another unit.
ONE_UNIT = {
    "unit_info": lambda db, u, fx: q.unit_info(db, u, "nankai.zwfw"),
    "unit_scorecard": lambda db, u, fx: q.unit_scorecard(db, u, "nankai.zwfw", fx["period"]),
    "unit_tasks": lambda db, u, fx: q.unit_tasks(db, u, "nankai.zwfw", fx["period"]),
    "unit_submissions": lambda db, u, fx: q.unit_submissions(db, u, "nankai.zwfw"),
    "red_flags": lambda db, u, fx: flags.red_flags(db, u, fx["period"], fx["now"], unit="nankai.zwfw"),
    "flag_counts": lambda db, u, fx: flags.flag_counts(db, u, fx["period"], fx["now"], unit="nankai.zwfw"),
    "overview_kpis": lambda db, u, fx: q.overview_kpis(db, u, q.Filters(fx["period"], unit="nankai.zwfw"), fx["now"]),
    "overview_trend": lambda db, u, fx: q.overview_trend(db, u, q.Filters(fx["period"], unit="nankai.zwfw")),
    "units_most_behind": lambda db, u, fx: q.units_most_behind(
        db, u, q.Filters(fx["period"], unit="nankai.zwfw"), fx["now"]),
    "task_ledger": lambda db, u, fx: q.task_ledger(db, u, fx["period"], unit="nankai.zwfw"),
    "quality_findings": lambda db, u, fx: q.quality_findings(db, u, fx["period"], fx["period"], unit="nankai.zwfw"),
}


@pytest.mark.parametrize("name", sorted(ONE_UNIT))
def test_a_liaison_asking_for_another_units_figures_is_refused_by_the_query(fx, name):
    with pytest.raises(AccessDenied, match="只能查看本单位（河西区政务服务办）"):
        ONE_UNIT[name](fx["path"], HEXI, fx)


@pytest.mark.parametrize("name", sorted(ONE_UNIT))
def test_office_and_leaders_read_any_unit(fx, name):
    for reader in (OFFICE, LEADER):
        ONE_UNIT[name](fx["path"], reader, fx)  # no refusal


# Every function that lists units, called without a unit.
LISTS = {
    "submission_status": lambda db, u, fx: q.submission_status(db, u, fx["period"], fx["now"]),
    "indicator_values": lambda db, u, fx: q.indicator_values(db, u, "ZW03", fx["period"]),
    "red_flags": lambda db, u, fx: flags.red_flags(db, u, fx["period"], fx["now"]),
    "units_most_behind": lambda db, u, fx: q.units_most_behind(db, u, q.Filters(fx["period"]), fx["now"]),
    "task_ledger": lambda db, u, fx: q.task_ledger(db, u, fx["period"]),
    "quality_findings": lambda db, u, fx: q.quality_findings(db, u, fx["period"], fx["period"]),
    "chase_list": lambda db, u, fx: q.chase_list(db, u, fx["period"], fx["now"]),
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_liaison_listing_units_gets_only_their_own_rows(fx, name):
    everyone = LISTS[name](fx["path"], OFFICE, fx)
    mine = LISTS[name](fx["path"], HEXI, fx)
    column = "unit" if "unit" in everyone.columns else "unit_name"
    own = "hexi.zwfw" if column == "unit" else "河西区政务服务办"
    assert set(mine[column]) <= {own}
    assert set(everyone[column]) - {own}, "the office sees other units in the same list"
    if column == "unit":
        assert len(mine) == int((everyone["unit"] == own).sum())  # nothing of their own is lost


def test_red_flags_with_a_limit_are_cut_to_the_liaisons_unit_before_the_limit(fx):
    """The worst flag of the month belongs to another unit; the liaison still gets theirs."""
    worst = flags.red_flags(fx["path"], OFFICE, fx["period"], fx["now"], limit=1)
    assert worst["unit"].iloc[0] != "nankai.zwfw"
    nankai = User("nk", "liaison", "nankai.zwfw")
    mine = flags.red_flags(fx["path"], nankai, fx["period"], fx["now"], limit=1)
    assert list(mine["unit"]) == ["nankai.zwfw"]


def test_a_liaison_sees_their_own_late_and_missing_returns_among_their_flags(fx):
    """The return rules are cut to the liaison's units where they read the returns."""
    teda = flags.red_flags(fx["path"], User("td", "liaison", "teda.zwfw"), fx["period"], fx["now"], limit=200)
    assert set(teda["unit"]) == {"teda.zwfw"} and list(teda["flag"]).count("逾期未报") == 1
    nankai = flags.red_flags(fx["path"], User("nk", "liaison", "nankai.zwfw"), fx["period"], fx["now"], limit=200)
    assert set(nankai["unit"]) == {"nankai.zwfw"} and list(nankai["flag"]).count("迟报") == 1


def test_region_and_city_aggregates_stay_open_to_a_liaison(fx):
    city = q.overview_kpis(fx["path"], HEXI, q.Filters(fx["period"]), fx["now"])
    assert city == q.overview_kpis(fx["path"], OFFICE, q.Filters(fx["period"]), fx["now"])
    region = q.overview_kpis(fx["path"], HEXI, q.Filters(fx["period"], region="nankai"), fx["now"])
    assert region["expected"] == 1
    counts = flags.flag_counts(fx["path"], HEXI, fx["period"], fx["now"], region="nankai")
    assert counts["n"].sum() > 0


def test_quality_top_counts_only_the_findings_a_liaison_may_read(fx):
    everyone = q.quality_top(fx["path"], OFFICE, fx["period"], fx["period"])
    teda = q.quality_top(fx["path"], User("td", "liaison", "teda.zwfw"), fx["period"], fx["period"])
    heping = q.quality_top(fx["path"], User("hp", "liaison", "heping.zwfw"), fx["period"], fx["period"])
    assert len(everyone) == 2 and heping.empty
    assert list(teda["code"]) == ["VALUE_NOT_NUMBER"]  # their rejected return, not hexi.fgw's warning


def test_office_grants_a_region_and_the_liaison_reads_its_units_then_loses_them(db):
    path = db["path"]
    make_user(path, "hexi-liaison", "liaison", unit="hexi.zwfw")
    users.grant_read(SYSTEM_USER, "hexi-liaison", "region", "nankai", db=path)
    liaison = users.get_user("hexi-liaison", path)
    assert liaison.grants == {"region:nankai"}
    assert readable_units(liaison, path) == ["hexi.zwfw", "nankai.zwfw"]
    assert not q.unit_scorecard(path, liaison, "nankai.zwfw", db["period"]).empty
    listed = q.submission_status(path, liaison, db["period"], db["now"])
    assert set(listed["unit"]) == {"hexi.zwfw", "nankai.zwfw"}
    with pytest.raises(AccessDenied):  # reading, never reporting for the granted unit
        require_upload(liaison, "nankai.zwfw")

    users.revoke_read(SYSTEM_USER, "hexi-liaison", "region", "nankai", db=path)
    liaison = users.get_user("hexi-liaison", path)
    with pytest.raises(AccessDenied):
        q.unit_scorecard(path, liaison, "nankai.zwfw", db["period"])


def test_a_grant_of_every_unit_reads_like_the_office(db):
    path = db["path"]
    make_user(path, "hexi-liaison", "liaison", unit="hexi.zwfw")
    users.grant_read(SYSTEM_USER, "hexi-liaison", "all", db=path)
    liaison = users.get_user("hexi-liaison", path)
    assert readable_units(liaison, path) is None
    assert len(q.submission_status(path, liaison, db["period"], db["now"])) == len(db["units"])


def test_each_grant_and_revoke_leaves_one_audit_entry_with_before_and_after(db):
    path = db["path"]
    make_user(path, "hexi-liaison", "liaison", unit="hexi.zwfw")
    users.grant_read(SYSTEM_USER, "hexi-liaison", "unit", "teda.zwfw", db=path)
    users.revoke_read(SYSTEM_USER, "hexi-liaison", "unit", "teda.zwfw", db=path)
    with store.read(path) as con:
        rows = con.execute(
            "select action, actor, before, after, detail from audit_log"
            " where action in ('user_grant', 'user_revoke') order by id"
        ).fetchall()
    assert [r[0] for r in rows] == ["user_grant", "user_revoke"]
    assert json.loads(rows[0][2]) == {"grants": []} and json.loads(rows[0][3]) == {"grants": ["unit:teda.zwfw"]}
    assert json.loads(rows[1][3]) == {"grants": []}
    assert rows[0][1] == "system" and "开通查看权限" in rows[0][4]
    assert audit.ACTIONS["user_grant"] == "开通查看权限"


def test_only_the_office_grants_and_only_liaisons_need_grants(db):
    path = db["path"]
    make_user(path, "hexi-liaison", "liaison", unit="hexi.zwfw")
    make_user(path, "ld01", "leader")
    with pytest.raises(AccessDenied, match="仅限领导小组办公室"):
        users.grant_read(User("hexi-liaison", "liaison", "hexi.zwfw"), "hexi-liaison", "all", db=path)
    with pytest.raises(users.UserError, match="无需开通"):
        users.grant_read(SYSTEM_USER, "ld01", "all", db=path)
    with pytest.raises(users.UserError, match="不在指标目录中"):
        users.grant_read(SYSTEM_USER, "hexi-liaison", "region", "atlantis", db=path)
    users.grant_read(SYSTEM_USER, "hexi-liaison", "region", "teda", db=path)
    with pytest.raises(users.UserError, match="已有该查看权限"):
        users.grant_read(SYSTEM_USER, "hexi-liaison", "region", "teda", db=path)
    with pytest.raises(users.UserError, match="没有该查看权限"):
        users.revoke_read(SYSTEM_USER, "hexi-liaison", "unit", "teda.zwfw", db=path)


def test_the_account_list_shows_grants_in_chinese(db):
    path = db["path"]
    make_user(path, "hexi-liaison", "liaison", unit="hexi.zwfw")
    users.grant_read(SYSTEM_USER, "hexi-liaison", "region", "nankai", db=path)
    table = users.users_table(SYSTEM_USER, path).set_index("用户名")
    assert table.loc["hexi-liaison", "额外查看权限"] == "区域：南开区"
