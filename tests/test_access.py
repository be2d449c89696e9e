"""Roles are enforced by the data layer: liaisons act only for their unit, leaders only read."""

from __future__ import annotations

import pytest

import store
from accounts.access import SYSTEM_USER, AccessDenied, User, may_open, require_office, require_page, require_read_unit, require_template, require_upload, require_write, visible_units
from tests.fixtures_auth import _fast_bcrypt, add_units  # noqa: F401

OFFICE = User("bgs01", "office")
LEADER = User("ld01", "leader")
LIAISON_A = User("teda.zwfw", "liaison", "teda.zwfw")


@pytest.mark.parametrize(
    "user,unit,allowed",
    [
        (OFFICE, "teda.sw", True),
        (SYSTEM_USER, "teda.sw", True),
        (LIAISON_A, "teda.zwfw", True),
        (LIAISON_A, "teda.sw", False),
        (LIAISON_A, None, False),
        (LEADER, "teda.zwfw", False),
    ],
)
def test_who_may_upload_a_return_for_which_unit(user, unit, allowed):
    if allowed:
        require_upload(user, unit)
    else:
        with pytest.raises(AccessDenied):
            require_upload(user, unit)


def test_a_liaison_uploading_for_another_unit_gets_a_chinese_refusal_naming_both_units(db_path):
    add_units(db_path, "teda.zwfw", "teda.sw")
    with pytest.raises(AccessDenied) as err:
        require_upload(LIAISON_A, "teda.sw", db_path)
    assert str(err.value) == "您只能为本单位（teda.zwfw单位）上传月报，不能代报其他单位（teda.sw单位）的月报。"


def test_a_leader_is_read_only_everywhere():
    with pytest.raises(AccessDenied, match="只读"):
        require_upload(LEADER, "teda.zwfw")
    with pytest.raises(AccessDenied, match="只读"):
        require_write(LEADER)
    with pytest.raises(AccessDenied, match="只读"):
        require_template(LEADER, "teda.zwfw")
    require_read_unit(LEADER, "teda.sw")  # reading every unit is fine


def test_a_liaison_downloads_only_their_own_template():
    require_template(LIAISON_A, "teda.zwfw")
    require_template(OFFICE, "teda.sw")
    with pytest.raises(AccessDenied, match="只能下载本单位（teda.zwfw）的填报模板"):
        require_template(LIAISON_A, "teda.sw")  # no database to name them from: the id, never a crash


def test_a_liaison_reads_other_units_only_as_region_aggregates(db_path):
    add_units(db_path, "teda.zwfw", "teda.sw", "heping.zwfw")
    require_read_unit(LIAISON_A, "teda.zwfw")
    with pytest.raises(AccessDenied, match="只能以所在区域的汇总形式查看"):
        require_read_unit(LIAISON_A, "teda.sw")
    assert visible_units(LIAISON_A, db_path) == ["teda.zwfw"]
    assert visible_units(OFFICE, db_path) == ["heping.zwfw", "teda.sw", "teda.zwfw"]
    assert visible_units(LEADER, db_path) == visible_units(OFFICE, db_path)


@pytest.mark.parametrize(
    "user,page,allowed",
    [
        (OFFICE, "upload", True), (OFFICE, "audit", True), (OFFICE, "users", True),
        (LIAISON_A, "upload", True), (LIAISON_A, "audit", False), (LIAISON_A, "users", False),
        (LEADER, "upload", False), (LEADER, "audit", False), (LEADER, "users", False),
        (LEADER, "overview", True), (LIAISON_A, "overview", True), (LIAISON_A, "unit", True),
        (LIAISON_A, "submissions", False), (LEADER, "submissions", True), (LIAISON_A, "regions", True),
    ],
)
def test_page_permissions_per_role(user, page, allowed):
    assert may_open(user, page) is allowed
    if not allowed:
        with pytest.raises(AccessDenied, match="无权访问"):
            require_page(user, page, "该页面")


def test_administration_is_for_the_office_only():
    require_office(OFFICE, "账号管理")
    for user in (LEADER, LIAISON_A):
        with pytest.raises(AccessDenied, match="账号管理仅限领导小组办公室"):
            require_office(user, "账号管理")


# --- through the import pipeline ---------------------------------------------------------


def test_ingest_refuses_a_liaison_uploading_another_units_return(db_path, tmp_path):
    from etl.ingest import ingest_bytes
    from tests.fixtures_returns import OTHER_UNIT, UNIT, tiny_catalog, write_return

    cat = tiny_catalog()
    liaison = User(UNIT, "liaison", UNIT)
    foreign = write_return(tmp_path / "other.xlsx", unit=OTHER_UNIT, values={"T03": (120, None), "T05": (2, None)},
                           tasks={"001:m2": ("推进中", 50, "推进")}).read_bytes()
    result = ingest_bytes("other.xlsx", foreign, db=db_path, user=liaison, catalog=cat)
    assert result.status == "rejected"
    denied = [f for f in result.errors if f.code == "ACCESS_DENIED"]
    assert denied and "不能代报其他单位（经开区商务局）" in denied[0].message
    with store.read(db_path) as con:
        assert con.execute("select count(*) from observation where unit = ?", [OTHER_UNIT]).fetchone()[0] == 0
        assert con.execute(
            "select count(*) from submission where unit = ? and status = 'accepted'", [OTHER_UNIT]
        ).fetchone()[0] == 0


def test_a_file_refused_for_the_wrong_uploader_can_still_be_imported_by_the_office(db_path, tmp_path):
    from etl.ingest import ingest_bytes
    from tests.fixtures_returns import OTHER_UNIT, UNIT, tiny_catalog, write_return

    cat = tiny_catalog()
    foreign = write_return(tmp_path / "other.xlsx", unit=OTHER_UNIT, values={"T03": (120, None), "T05": (2, None)},
                           tasks={"001:m2": ("推进中", 50, "推进")}).read_bytes()
    ingest_bytes("other.xlsx", foreign, db=db_path, user=User(UNIT, "liaison", UNIT), catalog=cat)
    assert ingest_bytes("other.xlsx", foreign, db=db_path, user=OFFICE, catalog=cat).status == "accepted"
