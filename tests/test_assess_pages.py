"""The 季度考核 and 典型案例 pages through AppTest on the small fixture database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

import store
from tests.fixtures_auth import log_in, make_user, office_session
from tests.fixtures_dashboard import build_fixture_db

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
LEGACY_INIT = PagesManager.__init__


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch: pytest.MonkeyPatch) -> None:
    """As tests/test_pages.py: run every script the way a server runs all but its first."""
    def init(self, *args, **kwargs) -> None:
        LEGACY_INIT(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(scope="module")
def fixture_file(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_fixture_db(tmp_path_factory.mktemp("assess_pages") / "fixture.duckdb", refresh=True)


@pytest.fixture
def db(fixture_file: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import rules.stats as sync

    path = tmp_path / "fixture.duckdb"
    shutil.copy(fixture_file["path"], path)
    monkeypatch.setenv("YINGSHANG_DB", str(path))
    monkeypatch.setattr(sync, "ensure_catalog", lambda *a, **k: False)
    return path


def open_page(page: str, username: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if username:
        log_in(at, username)
    else:
        office_session(at)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_office_sees_the_ranking_and_every_point_of_a_unit_opens_its_rows(db):
    at = open_page("pages/assessment.py", assess_quarter="2026Q3", assess_unit="hexi.zwfw")
    board = at.dataframe[0].value
    assert list(board.columns[:4]) == ["名次", "单位", "区域", "总分"] and len(board) == 5
    assert any("河西区政务服务办 · 2026年第三季度" in s.value for s in at.subheader)
    labels = [e.label for e in at.expander]
    assert any(label.startswith("指标达标：") for label in labels)
    assert any("依据 9 条" in c.value for c in at.caption)  # 3 indicators × 3 months behind 指标达标


def test_office_locks_the_quarter_from_the_page_and_the_page_says_who(db):
    at = open_page("pages/assessment.py", assess_quarter="2026Q3")
    form = [t for t in at.text_input if t.label == "原因"][-1]
    form.input("经领导小组会议审定")
    [b for b in at.button if b.label == "锁定本季度"][0].click().run()
    assert not at.exception
    assert any("锁定" in x.value and "office-test" in x.value for x in at.info)
    with store.read(db) as con:
        assert con.execute("select count(*) from assessment_score").fetchone()[0] == 5


def test_a_liaison_sees_their_own_units_score_but_no_ranking(db):
    make_user(db, "hexi.ll", "liaison", "hexi.zwfw")
    at = open_page("pages/assessment.py", "hexi.ll", assess_quarter="2026Q3")
    assert not [s for s in at.subheader if s.value == "排名"]
    assert any("河西区政务服务办" in s.value for s in at.subheader)
    assert not [b for b in at.button if b.label == "锁定本季度"]
    assert not [s for s in at.subheader if s.value == "办公室操作"]


def test_a_leader_sees_the_trend_over_quarters(db):
    make_user(db, "leader1", "leader")
    at = open_page("pages/assessment.py", "leader1", assess_quarter="2026Q3")
    assert any(s.value == "得分走势" for s in at.subheader)
    assert not [b for b in at.button if b.label == "锁定本季度"]


def test_a_liaison_submits_a_case_and_the_office_approves_it_on_the_cases_page(db):
    make_user(db, "hexi.ll", "liaison", "hexi.zwfw")
    at = open_page("pages/cases.py", "hexi.ll", cases_quarter="2026Q3")
    at.text_input[0].input("网上办全覆盖")
    at.text_area[0].input("网上办件占比由 80% 提高到 95%")
    at.text_area[1].input("梳理高频事项，全部接入网上办事大厅。")
    at.multiselect[-1].select("ZW03")
    [b for b in at.button if b.label == "提交"][0].click().run()
    assert any("已提交" in s.value for s in at.success), [e.value for e in at.error]
    office = open_page("pages/cases.py", cases_quarter="2026Q3")
    assert any(s.value.startswith("待审核（1") for s in office.subheader)
    [b for b in office.button if b.label == "通过"][0].click().run()
    assert any("审核通过" in s.value for s in office.success)
    assert any(s.value.startswith("已通过的典型案例（1") for s in office.subheader)
