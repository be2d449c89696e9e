"""Every page of the app, driven by Streamlit's AppTest on the small fixture database.

The fixture (tests/fixtures_dashboard.py) carries its own catalog mirror, so the app's
start-up catalog sync is switched off for it; the upload and empty-database tests use a
fresh database with the real catalog instead. AppTest in Streamlit 1.67 drives
``st.file_uploader`` (``at.file_uploader(key=...).upload(name, bytes, mime)``), so the upload
tests go through the real widget and the real import.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from tests.fixtures_auth import office_session
from tests.fixtures_dashboard import build_fixture_db

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
LEGACY_INIT = PagesManager.__init__

# page file -> the title a user sees
PAGES = {
    "pages/overview.py": "总览",
    "pages/submissions.py": "报送情况",
    "pages/quality.py": "数据质量",
    "pages/tasks.py": "任务台账",
    "pages/unit.py": "责任单位",
    "pages/upload.py": "数据上传",
    "pages/regions.py": "区域对比",
    "pages/indicator.py": "指标详情",
}


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run AppTest the way a running server runs every script after its first one.

    Streamlit treats a ``pages/`` folder as a legacy multipage app until ``st.navigation``
    has run once in the process; AppTest resets that before every run, and in that legacy
    mode a second run loses the sidebar. A server is in that mode for its first run only
    (covered by the deep-link test, which puts the original back).
    """

    def init(self, *args, **kwargs) -> None:
        LEGACY_INIT(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(scope="module")
def fixture_file(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("pages") / "fixture.duckdb"
    return build_fixture_db(path)


@pytest.fixture
def fixture_db(fixture_file: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A private copy of the fixture database (pages may write, e.g. uploads), catalog sync off."""
    path = tmp_path / "fixture.duckdb"
    shutil.copy(fixture_file["path"], path)
    monkeypatch.setenv("YINGSHANG_DB", str(path))
    _keep_fixture_catalog(monkeypatch)
    return {**fixture_file, "path": path}


def _keep_fixture_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    import rules.stats as sync

    monkeypatch.setattr(sync, "ensure_catalog", lambda *a, **k: False)


@pytest.fixture
def catalog_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh database: migrations and the real catalog only, no returns yet."""
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("YINGSHANG_DB", str(path))
    return path


def run_page(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    office_session(at)  # logged in as an office account (login itself: tests/test_login_page.py)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything a user reads on the page (markdown, captions, titles, alerts, metrics)."""
    parts = [t.value for t in at.title] + [h.value for h in at.subheader] + [c.value for c in at.caption]
    parts += [m.value for m in at.markdown] + [x.value for x in at.info] + [x.value for x in at.success]
    parts += [x.value for x in at.error] + [x.value for x in at.warning]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page that has a column with this Chinese header."""
    for df in at.dataframe:
        value = df.value
        if column in value.columns:
            return value
    raise AssertionError(f"no table with column {column!r}: {[list(d.value.columns) for d in at.dataframe]}")


@pytest.mark.parametrize("page,title", PAGES.items())
def test_every_page_renders_the_fixture_without_an_error(fixture_db: dict, page: str, title: str) -> None:
    at = run_page(page, period="2026-10")
    assert [t.value for t in at.title] == [title]
    assert not at.error, [e.value for e in at.error]


def test_unit_that_misses_its_target_shows_未达标_with_the_reason(fixture_db: dict) -> None:
    at = run_page("pages/unit.py", period="2026-10", unit=fixture_db["miss_unit"])
    card = frame_with(at, "指标名称")
    row = card[card["指标名称"] == "政务服务满意度"].iloc[0]
    assert row["状态"] == "未达标"
    assert "92" in row["原因"] and "95" in row["原因"]
    # the tightened target: 2.5 个工作日 fails ≤2 in October
    assert card[card["指标名称"] == "企业开办时间"].iloc[0]["状态"] == "未达标"


def test_the_same_unit_passes_the_old_target_in_september(fixture_db: dict) -> None:
    at = run_page("pages/unit.py", period="2026-09", unit=fixture_db["miss_unit"])
    card = frame_with(at, "指标名称")
    assert card[card["指标名称"] == "企业开办时间"].iloc[0]["状态"] == "达标"


def test_late_unit_is_listed_as_迟报_and_the_missing_one_is_chased(fixture_db: dict) -> None:
    at = run_page("pages/submissions.py", period="2026-10")
    status = frame_with(at, "报送时间")
    by_unit = dict(zip(status["责任单位"], status["状态"]))
    assert by_unit["南开区政务服务办"] == "迟报"
    assert by_unit["经开区政务服务办"] == "逾期未报"
    assert by_unit["和平区政务服务办"] == "按时报送"
    chase = frame_with(at, "截止情况")
    teda = chase[chase["责任单位"] == "经开区政务服务办"].iloc[0]
    assert teda["联络员"] == "赵联络" and teda["截止情况"].startswith("已逾期")
    assert "南开区政务服务办" not in set(chase["责任单位"])
    assert any("催报名单" in b.label for b in at.get("download_button"))


def test_with_one_unit_chosen_only_that_unit_is_chased(fixture_db: dict) -> None:
    """The 催报 list and the details are read for the chosen unit only (by id, in SQL)."""
    at = run_page("pages/submissions.py", period="2026-10", region="teda", unit="teda.zwfw")
    assert list(frame_with(at, "截止情况")["责任单位"]) == ["经开区政务服务办"]
    late = run_page("pages/submissions.py", period="2026-10", region="nankai", unit="nankai.zwfw")
    assert list(frame_with(late, "报送时间")["状态"]) == ["迟报"]
    assert "所有单位均已报送，无需催报。" in texts(late)


def test_a_shared_link_selects_the_period_region_and_unit(fixture_db: dict) -> None:
    at = run_page(None, period="2026-09", region="hexi", unit="hexi.zwfw")
    assert at.selectbox(key="f_period").value == date(2026, 9, 1)
    assert at.selectbox(key="f_region").value == "hexi"
    assert at.selectbox(key="f_unit").value == "hexi.zwfw"
    assert "2026年9月" in texts(at)
    assert at.query_params["period"] == "2026-09"


def test_choosing_filters_in_the_sidebar_writes_them_to_the_link(fixture_db: dict) -> None:
    at = run_page(None, period="2026-10")
    at.selectbox(key="f_region").set_value("nankai").run()
    at.selectbox(key="f_period").set_value(date(2026, 8, 1)).run()
    assert not at.exception
    assert at.query_params["region"] == "nankai" and at.query_params["period"] == "2026-08"
    assert at.metric[0].value == "100.0%"  # 南开区 was on time in August (late only in October)



def test_a_quarter_link_shows_the_quarter(fixture_db: dict) -> None:
    at = run_page(None, period="2026Q3")
    assert at.button_group(key="f_grain").value == "quarter"
    assert at.selectbox(key="f_period").value == date(2026, 7, 1)
    assert "2026年第三季度" in texts(at)


def test_red_flags_on_the_unit_page_carry_their_evidence(fixture_db: dict) -> None:
    at = run_page("pages/unit.py", period="2026-10", unit=fixture_db["lagging_unit"])
    flags = frame_with(at, "预警类型")
    assert {"任务滞后", "数据存疑"} <= set(flags["预警类型"])
    assert flags["依据"].str.len().gt(0).all()


def test_a_database_newer_than_the_program_is_explained_in_chinese(tmp_path: Path, monkeypatch) -> None:
    import store

    path = tmp_path / "new.duckdb"
    store.migrate(path)
    with store.write(path) as con:
        con.execute("insert into schema_migrations values (9999, 'future', now())")
    monkeypatch.setenv("YINGSHANG_DB", str(path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.error and "数据库" in at.error[0].value and "9999" in at.error[0].value


@pytest.mark.parametrize("page,title", PAGES.items())
def test_every_page_explains_an_empty_database(catalog_db: Path, page: str, title: str) -> None:
    at = run_page(page)
    assert [t.value for t in at.title] == [title]
    assert not at.error, [e.value for e in at.error]
    assert any("暂无月报数据" in i.value for i in at.info), [i.value for i in at.info]


def malformed_return(unit: str, period: date) -> tuple[str, bytes]:
    """The real template with words typed into the first 本月值 cell."""
    from etl.template import FIRST_DATA_ROW, SHEET_INDICATORS, build_template

    wb = build_template(unit, period)
    ws = wb[SHEET_INDICATORS]
    ws.cell(row=FIRST_DATA_ROW, column=5, value="两天左右")
    buf = io.BytesIO()
    wb.save(buf)
    return f"{period:%Y-%m}_{unit}_月报.xlsx", buf.getvalue()


def test_upload_page_shows_the_cell_of_an_error(catalog_db: Path) -> None:
    from etl.template import FIRST_DATA_ROW
    from indicators import load_catalog

    cat = load_catalog()
    period = date(2026, 10, 1)
    unit = next(u for u in cat.units if cat.indicators_for_unit(u, period))
    name, data = malformed_return(unit, period)
    at = run_page("pages/upload.py", period="2026-10")
    at.file_uploader(key="returns").upload(name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and "未通过校验" in at.error[0].value
    report = at.table[0].value.reset_index()
    errors = report[report["级别"] == "错误"]
    assert f"E{FIRST_DATA_ROW}" in set(errors["单元格"]) and "指标" in set(errors["工作表"])
    assert errors["修改建议"].str.len().gt(0).all()
    # the row names its indicator, and no machine code is shown
    first = cat.indicators_for_unit(unit, period)[0]
    assert first.name in set(errors["指标或事项"])
    assert "代码" not in report.columns
    assert not report.apply(lambda c: c.astype(str).str.fullmatch(r"[A-Z][A-Z0-9_]{4,}")).any().any()


def test_a_deep_link_opened_first_after_a_start_still_goes_through_the_app(
    fixture_db: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PagesManager, "__init__", LEGACY_INIT)
    # switching before the first run makes Streamlit run the page file as a legacy page
    at = AppTest.from_file(APP, default_timeout=60)
    office_session(at)
    at.query_params["period"] = "2026-10"
    at.switch_page("pages/submissions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["报送情况"]
    assert at.selectbox(key="f_period").value == date(2026, 10, 1)


def filled_return(unit: str, period: date) -> tuple[str, bytes]:
    """The real template filled in as a careful liaison would (the demo's filler)."""
    import random

    from etl.demo import UnitState, fill_return
    from etl.template import build_template
    from indicators import load_catalog

    wb = build_template(unit, period)
    fill_return(wb, load_catalog(), period, random.Random(7), UnitState())
    buf = io.BytesIO()
    wb.save(buf)
    return f"{period:%Y-%m}_{unit}_月报.xlsx", buf.getvalue()


def test_an_accepted_upload_shows_its_version_and_lateness_and_a_resend_is_a_duplicate(catalog_db: Path) -> None:
    from indicators import load_catalog

    cat = load_catalog()
    period = date(2026, 10, 1)  # the deadline (10-25) has passed: the return is late
    unit = next(u for u in cat.units if cat.indicators_for_unit(u, period))
    name, data = filled_return(unit, period)
    at = run_page("pages/upload.py", period="2026-10")
    at.file_uploader(key="returns").upload(name, data, "application/octet-stream")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    accepted = at.success[0].value
    assert "已采用" in accepted and "第 1 版" in accepted and "迟报" in accepted
    # the same bytes again, as a second file: recognised, not imported twice
    at.file_uploader(key="returns").upload("再次上传.xlsx", data, "application/octet-stream")
    at.run()
    assert any("完全相同" in i.value for i in at.info), [i.value for i in at.info]


def test_overview_shows_the_on_time_rate_and_the_units_most_behind(fixture_db: dict) -> None:
    at = run_page("pages/overview.py", period="2026-10")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["按时报送率"] == "60.0%"  # 3 of 5 returns on time
    assert metrics["报送进度"] == "4 / 5"
    behind = frame_with(at, "未达标指标数")
    assert behind.iloc[0]["责任单位"] == "河西区发展改革委"  # the largest gap to target
    assert list(behind["排名"]) == sorted(behind["排名"]) and behind["排名"].is_unique


def test_task_ledger_filters_to_lagging_tasks(fixture_db: dict) -> None:
    at = run_page(None, period="2026-10")
    at.switch_page("pages/tasks.py").run()
    at.button_group(key="task_status").set_value("滞后").run()
    assert not at.exception
    ledger = frame_with(at, "措施名称")
    assert set(ledger["状态"]) == {"滞后"} and set(ledger["责任单位"]) == {"河西区发展改革委"}


def test_quality_page_lists_the_rejected_cell(fixture_db: dict) -> None:
    at = run_page("pages/quality.py", period="2026-10")
    detail = frame_with(at, "示例单元格")
    assert "问题代码" not in detail.columns and "VALUE_NOT_NUMBER" not in detail.to_string()
    row = detail[detail["问题"] == "数值不是数字"].iloc[0]
    assert (row["责任单位"], row["示例工作表"], row["示例单元格"], row["严重程度"]) == ("经开区政务服务办", "指标", "E5", "错误")


def test_region_comparison_ranks_the_districts(fixture_db: dict) -> None:
    at = run_page("pages/regions.py", period="2026-10")
    ranking = frame_with(at, "优于全市平均指标数")
    assert list(ranking.sort_values("排名")["区域"]) == ["和平区", "南开区", "河西区"]


def test_indicator_page_shows_the_target_history_and_every_value(fixture_db: dict) -> None:
    at = run_page("pages/indicator.py", period="2026-10", indicator="ZW02")
    assert at.selectbox(key="pick_indicator").value == "ZW02"
    history = frame_with(at, "生效日期")
    assert len(history) == 2
    values = frame_with(at, "排名")
    assert values.sort_values("排名")["责任单位"].iloc[0] == "和平区政务服务办"
    assert "未达标" in set(values["状态"])


def test_an_unexpected_failure_is_reported_in_chinese_not_as_a_traceback(
    fixture_db: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import queries

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(queries, "task_ledger", broken)
    at = run_page("pages/tasks.py", period="2026-09")
    assert not at.exception
    assert at.error and "页面出错" in at.error[0].value and "boom" not in at.error[0].value


def test_several_returns_uploaded_together_each_get_their_verdict(catalog_db: Path) -> None:
    from indicators import load_catalog

    cat = load_catalog()
    period = date(2026, 10, 1)
    first, second = [u for u in cat.units if cat.indicators_for_unit(u, period)][:2]
    good = filled_return(first, period)
    bad = malformed_return(second, period)
    at = run_page("pages/upload.py", period="2026-10")
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at.file_uploader(key="returns").set_value([(*good, mime), (*bad, mime)]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.success) == 1 and good[0] in at.success[0].value
    assert len(at.error) == 1 and bad[0] in at.error[0].value
    assert ui_unit_name(first) in at.success[0].value and "2026年10月" in at.success[0].value


def ui_unit_name(unit: str) -> str:
    from indicators import load_catalog

    return load_catalog().units[unit].name


def _liaison_run(db: Path, page: str, grant: tuple[str, str | None] | None = None, **params: str) -> AppTest:
    from accounts import users
    from accounts.access import SYSTEM_USER
    from tests.fixtures_auth import log_in, make_user

    make_user(db, "hexi-liaison", "liaison", unit="hexi.zwfw")
    if grant:
        users.grant_read(SYSTEM_USER, "hexi-liaison", *grant, db=db)
    at = AppTest.from_file(APP, default_timeout=60)
    log_in(at, "hexi-liaison")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_liaison_sees_no_one_bar_ranking_of_their_own_unit(fixture_db: dict) -> None:
    at = _liaison_run(fixture_db["path"], "pages/overview.py", period="2026-10")
    assert not [d for d in at.dataframe if "差距分" in d.value.columns]
    assert any("排行只对办公室和领导显示" in c.value for c in at.caption)


def test_a_liaison_following_a_link_to_another_unit_still_sees_only_their_own(fixture_db: dict) -> None:
    at = _liaison_run(fixture_db["path"], "pages/unit.py", period="2026-10", region="nankai", unit="nankai.zwfw")
    assert "河西区政务服务办" in texts(at) and "南开区政务服务办" not in texts(at)


def test_a_liaisons_sidebar_offers_only_their_own_unit_and_no_region(fixture_db: dict) -> None:
    at = _liaison_run(fixture_db["path"], "pages/overview.py", period="2026-10", region="nankai")
    labels = [s.label for s in at.sidebar.selectbox]
    assert "区域" not in labels
    unit_box = next(s for s in at.sidebar.selectbox if s.label == "责任单位")
    assert list(unit_box.options) == ["河西区政务服务办"]
    assert "河西区政务服务办" in texts(at)  # the caption names the unit the figures are for


def test_a_liaison_the_office_granted_a_region_can_open_its_units(fixture_db: dict) -> None:
    at = _liaison_run(fixture_db["path"], "pages/unit.py", grant=("region", "nankai"),
                      period="2026-10", unit="nankai.zwfw")
    unit_box = next(s for s in at.sidebar.selectbox if s.label == "责任单位")
    assert list(unit_box.options) == ["河西区政务服务办", "南开区政务服务办"]
    assert "南开区政务服务办" in texts(at) and not at.error
    assert not frame_with(at, "指标名称").empty  # the granted unit's scorecard


def test_a_liaison_without_a_grant_sees_only_region_aggregates_of_other_units(fixture_db: dict) -> None:
    at = _liaison_run(fixture_db["path"], "pages/regions.py", period="2026-10")
    assert not at.error
    assert "南开区" in " ".join(str(d.value.to_string()) for d in at.dataframe) or "南开区" in texts(at)


# --- issue 13: names, not codes, in every table a person reads ----------------------------

_CODE = re.compile(r"\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+\b")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _table_cells(at: AppTest) -> list[tuple[str, str]]:
    """(column, cell text) of every table on the page (st.dataframe is a canvas in a browser:
    the data is where its text can be checked)."""
    out = []
    for df in [d.value for d in at.dataframe] + [t.value.reset_index() for t in at.table]:
        data = df.data if hasattr(df, "data") else df  # a Styler
        for col in data.columns:
            out += [(str(col), str(v)) for v in data[col].tolist() if v is not None]
    return out


@pytest.mark.parametrize("page", [*PAGES, "pages/audit.py", "pages/users.py"])
def test_every_table_shows_names_not_unit_ids_codes_or_english_keys(fixture_db: dict, page: str) -> None:
    from tests.fixtures_dashboard import UNITS

    at = run_page(page, period="2026-10")
    unit_ids = [u[0] for u in UNITS]
    bad = []
    for col, cell in _table_cells(at):
        if page == "pages/users.py" and col == "用户名":  # the login name people type
            continue
        if any(re.search(rf"(?<![\w.]){re.escape(u)}(?![\w.])", cell) for u in unit_ids) \
                or _CODE.search(cell) or _SNAKE.search(cell) or re.search(r'[{]"[a-z_]+":', cell):
            bad.append((col, cell[:80]))
        if re.search(r"[A-Za-z]", col):
            bad.append(("column", col))
    assert not bad, bad


def test_the_comparison_lists_zones_as_their_own_group_and_states_the_city_average(fixture_db: dict) -> None:
    at = run_page("pages/regions.py", period="2026-09")  # 经开区 reported in September
    ranking = frame_with(at, "优于全市平均指标数")
    zones = ranking[ranking["类别"] == "功能区"]
    assert list(zones["区域"]) == ["天津经济技术开发区"] and list(zones["排名"]) == [1]
    assert "全市平均为 3 个区的平均" in texts(at)


def test_choosing_a_zone_in_the_region_filter_draws_that_zone(fixture_db: dict) -> None:
    at = run_page("pages/regions.py", period="2026-09", region="teda")
    specs = [json.loads(n.proto.spec) for n in at.main if getattr(n, "type", None) == "plotly_chart"]
    spec = next(s for s in specs if "走势" in s["layout"]["title"]["text"])
    names = {t.get("name") for t in spec["data"]}
    assert "天津经济技术开发区" in names and "河西区" not in names


def test_the_zone_liaison_sees_their_own_zone_in_the_comparison(fixture_db: dict) -> None:
    from tests.fixtures_auth import log_in, make_user

    make_user(fixture_db["path"], "teda-liaison", "liaison", unit="teda.zwfw")
    at = AppTest.from_file(APP, default_timeout=60)
    log_in(at, "teda-liaison")
    at.query_params["period"] = "2026-09"
    at.run()
    at.switch_page("pages/regions.py").run()
    assert not at.exception
    ranking = frame_with(at, "优于全市平均指标数")
    assert "天津经济技术开发区" in set(ranking["区域"])


def test_the_task_ledger_shows_the_roster_by_default_and_marks_units_outside(fixture_db: dict) -> None:
    import store
    from etl import roster

    with store.write(fixture_db["path"]) as con:
        roster.add(con, ["hexi.fgw"], "test")  # only 河西区发展改革委 reports
    at = run_page("pages/tasks.py", period="2026-10")
    ledger = frame_with(at, "措施名称")
    assert set(ledger["责任单位"]) == {"河西区发展改革委"}
    assert any("已隐藏报送名单以外单位的 2 条任务" in c.value for c in at.caption)
    at.toggle(key="task_all_units").set_value(True).run()
    ledger = frame_with(at, "措施名称")
    assert set(ledger["报送名单"]) == {"名单内", "名单外"} and len(ledger) == 3
    assert at.query_params["all_units"] == ["1"] or at.query_params["all_units"] == "1"
