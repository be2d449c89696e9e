"""Red flags: each rule, its Chinese reason and its evidence (submission, version, sheet, cell)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dashboard import flags
import store
from tests.fixtures_dashboard import OFFICE, TZ, build_fixture_db


@pytest.fixture(scope="module", params=["live", "precomputed"])
def fx(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every rule is checked twice: judged live, and read from the loader-maintained tables."""
    return build_fixture_db(tmp_path_factory.mktemp("flags") / "fx.duckdb",
                            refresh=request.param == "precomputed")


@pytest.fixture(scope="module")
def october(fx: dict):
    return flags.red_flags(fx["path"], OFFICE, fx["period"], fx["now"])


def _one(df, flag: str, unit: str, subject: str | None = None):
    rows = df[(df["flag"] == flag) & (df["unit"] == unit)]
    if subject is not None:
        rows = rows[rows["subject"] == subject]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_value_worse_than_target_is_flagged_with_reason_and_cell(fx, october):
    row = _one(october, "未达标", fx["miss_unit"], "ZW01")
    assert row["reason"] == "政务服务满意度 92.0% 低于目标 ≥95.0%"
    assert row["unit_name"] == "河西区政务服务办" and row["region_name"] == "河西区"
    assert row["submission_id"] == fx["submission_ids"]["hexi.zwfw@2026-10"]
    assert (row["version"], row["sheet"], row["cell"]) == (1, "指标", "E4")
    assert row["evidence"] == f"报送编号 {row['submission_id']} 第1版 · 指标!E4"
    assert row["severity"] == "高"


def test_value_inside_amber_band_is_a_warning_not_a_failure(fx, october):
    row = _one(october, "预警", fx["amber_unit"], "ZW01")
    assert row["reason"] == "政务服务满意度 95.5% 接近目标 ≥95.0%（预警区间 1.0%）"
    assert october[(october["unit"] == fx["amber_unit"]) & (october["subject"] == "ZW01")
                   & (october["flag"] == "未达标")].empty


def test_target_in_force_that_month_decides(fx, october):
    # 2.5 个工作日: fine against ≤3 in September, too slow against ≤2 from October
    row = _one(october, "未达标", fx["miss_unit"], "ZW02")
    assert row["reason"] == "企业开办时间 2.5 个工作日 高于目标 ≤2 个工作日"
    september = flags.red_flags(fx["path"], OFFICE, date(2026, 9, 1), fx["now"], unit=fx["miss_unit"])
    assert "ZW02" not in set(september["subject"])


def test_growth_below_target_is_flagged(fx, october):
    row = _one(october, "未达标", fx["growth_unit"], "FG01")
    assert row["reason"] == "人才引进人数 1,100 人 较基期 1,000 人 变化 10.0% 未达到目标 较基期增长≥15.0%"


def test_value_below_city_average_is_flagged(fx, october):
    row = _one(october, "未达标", fx["below_avg_unit"], "ZW03")
    assert row["reason"] == "网上办件占比 70.0% 低于全市平均 80.0%（3 个区平均）"
    # 河西 sits exactly on the average (80 %): not flagged
    assert october[(october["unit"] == "hexi.zwfw") & (october["subject"] == "ZW03")].empty


def test_missing_return_after_the_deadline_is_overdue(fx, october):
    row = _one(october, "逾期未报", fx["missing_unit"])
    assert row["reason"] == "2026年10月报表逾期未报（截止 10月25日 23:59），已逾期 4 天"
    assert row["evidence"] == ""


def test_missing_return_before_the_deadline_is_not_flagged(fx):
    early = flags.red_flags(fx["path"], OFFICE, fx["period"], datetime(2026, 10, 20, 12, 0, tzinfo=TZ))
    assert "逾期未报" not in set(early["flag"])


def test_late_return_is_flagged_with_days_late(fx, october):
    row = _one(october, "迟报", fx["late_unit"])
    assert row["reason"] == "2026年10月报表迟报 3 天（3 个工作日），10月28日 09:00 报送"
    assert row["submission_id"] == fx["submission_ids"]["nankai.zwfw@2026-10"]


def test_lagging_task_is_flagged_with_its_row(fx, october):
    row = _one(october, "任务滞后", fx["lagging_unit"], "001:m1")
    assert row["reason"] == "任务「压缩企业开办时间」（方案001 （一））进展滞后，完成 30%：资金未到位"
    assert (row["sheet"], row["cell"]) == ("任务进展", "E4")


def test_three_months_below_target_is_one_flag_with_the_history(fx, october):
    row = _one(october, "连续三个月未达标", fx["three_months_unit"], "ZW01")
    assert row["reason"] == "政务服务满意度 连续三个月未达标：8月 91.0%、9月 93.0%、10月 92.0%，目标 ≥95.0%"
    # ZW02 failed in October only
    assert october[(october["flag"] == "连续三个月未达标") & (october["subject"] == "ZW02")].empty


def test_validation_warning_marks_data_as_doubtful(fx, october):
    row = _one(october, "数据存疑", fx["warning_unit"])
    assert row["reason"].startswith("本月值较上月变化超过50%，请核实")
    assert (row["sheet"], row["cell"]) == ("指标", "E4")


def test_unit_meeting_every_target_on_time_has_no_flags(fx, october):
    assert fx["met_unit"] not in set(october["unit"])


def test_flags_come_worst_first(october):
    order = {"高": 0, "中": 1, "低": 2}
    ranks = [order[s] for s in october["severity"]]
    assert ranks == sorted(ranks)


def test_counts_agree_with_the_list(fx, october):
    counts = flags.flag_counts(fx["path"], OFFICE, fx["period"], fx["now"])
    assert dict(zip(counts["flag"], counts["n"])) == october["flag"].value_counts().to_dict()


def test_filters_by_unit_and_region(fx):
    mine = flags.red_flags(fx["path"], OFFICE, fx["period"], fx["now"], unit=fx["miss_unit"])
    assert set(mine["unit"]) == {fx["miss_unit"]}
    hexi = flags.red_flags(fx["path"], OFFICE, fx["period"], fx["now"], region="hexi")
    assert set(hexi["unit"]) == {"hexi.zwfw", "hexi.fgw"}


def test_limit_caps_the_list(fx):
    assert len(flags.red_flags(fx["path"], OFFICE, fx["period"], fx["now"], limit=3)) == 3


def test_precomputed_judgments_give_the_same_flags(tmp_path):
    from rules import stats

    fx = build_fixture_db(tmp_path / "fresh.duckdb")
    live = flags.red_flags(fx["path"], OFFICE, fx["period"], fx["now"])
    with store.write(fx["path"]) as con:
        stats.refresh(con)
    with store.read(fx["path"]) as con:
        assert stats.is_fresh(con, date(2026, 8, 1), fx["period"])
    stored = flags.red_flags(fx["path"], OFFICE, fx["period"], fx["now"])
    assert stored.equals(live)


def test_correcting_an_earlier_month_ends_the_streak(tmp_path):
    from rules import stats

    fx = build_fixture_db(tmp_path / "streak.duckdb")
    with store.write(fx["path"]) as con:
        stats.refresh(con)
    sep = fx["submission_ids"]["hexi.zwfw@2026-09"]
    with store.write(fx["path"]) as con:
        # September's return is replaced by version 2 where 满意度 meets the target
        con.execute("update submission set is_current = false where id = ?", [sep])
        new = con.execute(
            "insert into submission (sha256, unit, region, period, status, version, is_current, uploader,"
            " received_at, due_at, on_time, days_late, workdays_late) values ('v2', 'hexi.zwfw', 'hexi', ?,"
            " 'accepted', 2, true, 'u', ?, ?, true, 0, 0) returning id",
            [date(2026, 9, 1), datetime(2026, 9, 21, 9, tzinfo=TZ), datetime(2026, 9, 25, 23, 59, 59, tzinfo=TZ)],
        ).fetchone()[0]
        con.execute("update observation set is_current = false where submission_id = ?", [sep])
        con.execute("insert into observation values (?, 'hexi.zwfw', 'hexi', ?, 'ZW01', 96, null, 'E4', true, false)",
                    [new, date(2026, 9, 1)])
        stats.refresh(con, [date(2026, 9, 1)])  # what the loader does: the month it loaded
    with store.read(fx["path"]) as con:
        assert stats.is_fresh(con, date(2026, 8, 1), fx["period"])  # October was redone too
    october = flags.red_flags(fx["path"], OFFICE, fx["period"], fx["now"], unit="hexi.zwfw")
    assert "连续三个月未达标" not in set(october["flag"])
    assert "未达标" in set(october["flag"])
