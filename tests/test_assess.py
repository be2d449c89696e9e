"""The office's quarterly assessment, told as its story on the small dashboard fixture.

Fixture (tests/fixtures_dashboard.py): returns for 2026-08 … 2026-10; 2026Q3 = July (nobody
reported), August, September. 河西区政务服务办 misses 满意度 every month; 南开区 is amber;
河西区发展改革委 reports 人才引进 (growth target) and its task 001:m1 is 推进中 in September.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

import store
from accounts.access import AccessDenied, User
from office import cases, entries, locks
from rules import assess, stats
from rules.assess import Quarter
from tests.fixtures_dashboard import NOW, OFFICE, TZ, build_fixture_db

Q3, Q4 = Quarter(2026, 3), Quarter(2026, 4)
LIAISON = User("hexi.ll", "liaison", "hexi.zwfw")
LEADER = User("leader1", "leader")
AFTER_Q4 = datetime(2027, 1, 30, 9, 0, tzinfo=TZ)


@pytest.fixture
def db(tmp_path):
    return build_fixture_db(tmp_path / "assess.duckdb", refresh=True)["path"]


def scores(db, quarter=Q3, now=NOW, **kw) -> dict[str, assess.UnitScore]:
    with store.read(db) as con:
        return {s.unit: s for s in assess.assess(con, quarter, now=now, **kw)}


def approved_case(db, unit="hexi.zwfw", quarter="2026Q3", title="企业开办一窗通办") -> int:
    liaison = User(f"{unit}.ll", "liaison", unit)
    case_id = cases.submit(liaison, cases.CaseInput(
        unit=unit, quarter=quarter, title=title, effect="企业开办时间由 3 个工作日压缩至 1.5 个工作日",
        narrative="整合登记、刻章、税务环节，一窗受理、一次办结。", measures=("001:m1",), indicators=("ZW02",)), db)
    cases.decide(OFFICE, case_id, True, db=db)
    return case_id


def correct_return(db, unit: str, period: date, values: dict[str, float]) -> None:
    """A corrected re-upload: version n+1 becomes current, as the loader writes it."""
    with store.write(db) as con:
        old = con.execute("select id, version, region from submission where unit = ? and period = ? and is_current",
                          [unit, period]).fetchone()
        con.execute("update submission set is_current = false where id = ?", [old[0]])
        con.execute("update observation set is_current = false where submission_id = ?", [old[0]])
        new = con.execute(
            "insert into submission (sha256, unit, region, period, status, version, is_current, uploader, received_at,"
            " due_at, on_time, days_late, workdays_late, n_errors, n_warnings) values"
            " (?, ?, ?, ?, 'accepted', ?, true, 'liaison', ?, ?, false, 40, 28, 0, 0) returning id",
            [f"fix-{unit}-{period}", unit, old[2], period, old[1] + 1, datetime(2026, 11, 3, tzinfo=TZ),
             datetime(period.year, period.month, 25, 23, 59, 59, tzinfo=TZ)]).fetchone()[0]
        for row, (code, v) in enumerate(values.items(), start=4):
            con.execute("insert into observation values (?, ?, ?, ?, ?, ?, null, ?, true, false)",
                        [new, unit, old[2], period, code, v, f"E{row}"])
        stats.refresh(con, [period])


# --- the score explains itself ---------------------------------------------------------------


def test_components_points_plus_bonus_minus_deductions_equal_the_score(db):
    approved_case(db)
    entries.add(OFFICE, "nankai.zwfw", "2026Q3", "deduction", 3, "企业投诉经核实属实", "投诉核实单 2026-031", db)
    for s in scores(db).values():
        total = sum(c.points for c in s.components.values()) + s.bonus - s.deductions
        assert s.score == pytest.approx(total, abs=1e-9)
        assert sum(c.max for c in s.components.values()) == pytest.approx(100, abs=0.05)


def test_unit_meeting_every_target_ranks_above_unit_missing_one(db):
    got = scores(db)
    # both sent August and September on time; 河西 misses 满意度 both months, 和平 meets all
    assert got["heping.zwfw"].components["indicators"].points > got["hexi.zwfw"].components["indicators"].points
    assert got["heping.zwfw"].rank < got["hexi.zwfw"].rank
    hexi = {i["key"]: i for i in got["hexi.zwfw"].components["indicators"].items}
    assert hexi["ZW01"]["failed"] == 2 and hexi["ZW01"]["missing"] == 1  # July: no return at all


def test_amber_month_earns_the_amber_credit_of_the_rules(db):
    nankai = {i["key"]: i for i in scores(db)["nankai.zwfw"].components["indicators"].items}
    rules = assess.rules_for(Q3)
    assert nankai["ZW01"]["amber"] == 0 and nankai["ZW01"]["met"] == 2  # 97, 96: met; 95.5 amber is October
    with store.write(db) as con:  # an amber September instead
        con.execute("update judged_observation set status = '预警' where unit = 'nankai.zwfw' and code = 'ZW01'"
                    " and period = '2026-09-01'")
    nankai = {i["key"]: i for i in scores(db)["nankai.zwfw"].components["indicators"].items}
    assert nankai["ZW01"]["earned"] == pytest.approx(1 + rules.component("indicators").amber_credit)


def test_unit_without_targets_is_not_penalised(db):
    with store.write(db) as con:  # 人才引进's target only comes into force in 2027
        con.execute("update indicator_target set effective_from = '2027-01-01' where code = 'FG01'")
        stats.refresh(con)
    fgw = scores(db)["hexi.fgw"]
    assert fgw.components["indicators"].max == 0 and fgw.components["indicators"].items == []
    tasks, reporting = fgw.components["tasks"], fgw.components["reporting"]
    # the other components fill the 100 points: 推进中 (0.8 of tasks) and 2 of 3 months on time
    assert tasks.max + reporting.max == pytest.approx(100, abs=0.02)
    assert fgw.score == pytest.approx(100 * (30 * 0.8 + 20 * 2 / 3) / 50, abs=0.02)


def test_a_verdict_without_reference_counts_against_nobody(db):
    before = scores(db)["nankai.zwfw"].components["indicators"]
    with store.write(db) as con:  # trust issue: city_avg with no district data -> 无参照
        con.execute("update judged_observation set status = '无参照' where code = 'ZW03' and period = '2026-09-01'")
    after = scores(db)["nankai.zwfw"].components["indicators"]
    zw03 = {i["key"]: i for i in after.items}["ZW03"]
    assert zw03["possible"] == {i["key"]: i for i in before.items}["ZW03"]["possible"] - 1


def test_missing_return_costs_reporting_points_only_after_its_deadline(db):
    early = datetime(2026, 9, 20, 9, 0, tzinfo=TZ)  # September not yet due
    teda_early = scores(db, now=early)["teda.zwfw"].components["reporting"]
    assert [i["key"] for i in teda_early.items] == ["2026-07", "2026-08", "2026-09"]  # Sept already sent
    got = scores(db, quarter=Q4, now=datetime(2026, 11, 30, tzinfo=TZ))["teda.zwfw"].components["reporting"]
    # October: only a rejected attempt, November due and missing, December not yet due
    assert [(i["key"], i["earned"]) for i in got.items] == [("2026-10", 0.0), ("2026-11", 0.0)]


def test_first_pass_and_corrections_count_in_reporting_quality(db):
    got = scores(db, quarter=Q4, now=datetime(2026, 10, 30, tzinfo=TZ))
    heping = {i["key"]: i for i in got["heping.zwfw"].components["reporting"].items}["2026-10"]
    assert heping["on_time"] and heping["first_pass"] and heping["corrections"] == 1
    weights = assess.rules_for(Q4).component("reporting").parts
    assert heping["earned"] == pytest.approx(weights["on_time"] + weights["first_pass"])


# --- typical cases -----------------------------------------------------------------------------


def test_an_approved_case_adds_its_bonus_to_its_quarter_only(db):
    before_q3, before_q4 = scores(db)["hexi.zwfw"], scores(db, Q4, AFTER_Q4)["hexi.zwfw"]
    approved_case(db)
    after_q3, after_q4 = scores(db)["hexi.zwfw"], scores(db, Q4, AFTER_Q4)["hexi.zwfw"]
    per_case = assess.rules_for(Q3).bonus.per_case
    assert after_q3.bonus == per_case and after_q3.score == pytest.approx(before_q3.score + per_case)
    assert after_q4.bonus == 0 and after_q4.score == before_q4.score


def test_a_submitted_or_returned_case_gives_no_bonus_and_the_return_keeps_its_reason(db):
    case_id = cases.submit(LIAISON, cases.CaseInput("hexi.zwfw", "2026Q3", "标题", "办理时间减半", "经过",
                                                    measures=("001:m1",)), db)
    assert scores(db)["hexi.zwfw"].bonus == 0
    with pytest.raises(cases.CaseError, match="退回原因"):
        cases.decide(OFFICE, case_id, False, "", db)
    cases.decide(OFFICE, case_id, False, "数量变化缺少对比基数", db)
    assert scores(db)["hexi.zwfw"].bonus == 0
    listed = cases.listing(LIAISON, db=db)
    assert listed.iloc[0]["status_name"] == "已退回" and listed.iloc[0]["decision_reason"] == "数量变化缺少对比基数"


def test_bonus_is_capped_and_every_case_is_listed_for_leaders(db):
    for k in range(4):
        approved_case(db, title=f"案例{k}")
    rules = assess.rules_for(Q3)
    assert scores(db)["hexi.zwfw"].bonus == rules.bonus.cap < 4 * rules.bonus.per_case
    assert len(cases.listing(LEADER, quarter="2026Q3", status="approved", db=db)) == 4


def test_a_liaison_submits_for_their_own_unit_only_and_cannot_approve(db):
    with pytest.raises(AccessDenied):
        cases.submit(LIAISON, cases.CaseInput("nankai.zwfw", "2026Q3", "标题", "数字", "经过", measures=("001:m2",)), db)
    case_id = cases.submit(LIAISON, cases.CaseInput("hexi.zwfw", "2026Q3", "标题", "数字", "经过",
                                                    indicators=("ZW01",)), db)
    with pytest.raises(AccessDenied):
        cases.decide(LIAISON, case_id, True, db=db)


def test_a_case_must_name_a_measure_or_indicator_of_the_catalog(db):
    with pytest.raises(cases.CaseError, match="措施或指标"):
        cases.submit(LIAISON, cases.CaseInput("hexi.zwfw", "2026Q3", "标题", "数字", "经过"), db)
    with pytest.raises(cases.CaseError, match="不在指标目录"):
        cases.submit(LIAISON, cases.CaseInput("hexi.zwfw", "2026Q3", "标题", "数字", "经过", indicators=("XX",)), db)


# --- deductions and adjustments ------------------------------------------------------------------


def _audit(db, action: str) -> list[dict]:
    with store.read(db) as con:
        rows = con.execute("select actor, unit, before, after, detail from audit_log where action = ? order by id",
                           [action]).fetchall()
    return [{"actor": a, "unit": u, "before": json.loads(b) if b else None, "after": json.loads(x) if x else None,
             "detail": d} for a, u, b, x, d in rows]


def test_a_deduction_needs_reason_and_evidence_and_is_audited_with_the_score_before_and_after(db):
    with pytest.raises(entries.EntryError, match="依据"):
        entries.add(OFFICE, "hexi.zwfw", "2026Q3", "deduction", 2, "督查发现问题", "", db)
    before = scores(db)["hexi.zwfw"].score
    entry_id = entries.add(OFFICE, "hexi.zwfw", "2026Q3", "deduction", 2, "市级督查发现材料重复提交",
                           "督查通报〔2026〕7号", db)
    assert scores(db)["hexi.zwfw"].score == pytest.approx(before - 2)
    [row] = _audit(db, "assessment_entry_add")
    assert row["before"]["score"] == pytest.approx(before) and row["after"]["score"] == pytest.approx(before - 2)
    assert row["after"]["evidence"] == "督查通报〔2026〕7号" and row["actor"] == OFFICE.username
    entries.withdraw(OFFICE, entry_id, "复核后不属直接责任", db)
    assert scores(db)["hexi.zwfw"].score == pytest.approx(before)
    [gone] = _audit(db, "assessment_entry_withdraw")
    assert gone["before"]["score"] == pytest.approx(before - 2) and gone["after"]["score"] == pytest.approx(before)


def test_only_the_office_enters_deductions(db):
    for user in (LIAISON, LEADER):
        with pytest.raises(AccessDenied):
            entries.add(user, "hexi.zwfw", "2026Q3", "deduction", 1, "理由", "依据", db)


def test_an_external_evaluation_becomes_a_component_with_its_source(db):
    entries.add(OFFICE, "heping.zwfw", "2026Q3", "external", 90, "2026年营商环境评价", "市营商环境评价报告（第三方机构）", db)
    got = scores(db)
    ext = got["heping.zwfw"].components["external"]
    assert ext.max > 0 and ext.points == pytest.approx(ext.max * 0.9, abs=0.01)
    assert ext.items[0]["evidence"].startswith("市营商环境评价报告")
    assert got["hexi.zwfw"].components["external"].max == 0  # not evaluated: does not count


# --- locking ----------------------------------------------------------------------------------------


def test_locked_quarter_ignores_a_later_correction(db):
    locks.lock(OFFICE, "2026Q3", "经领导小组审定", db, now=NOW)
    locked = scores(db)["hexi.zwfw"]
    assert locked.locked
    correct_return(db, "hexi.zwfw", date(2026, 9, 1), {"ZW01": 99, "ZW02": 1.0, "ZW03": 95})
    again = scores(db)["hexi.zwfw"]
    assert again.score == locked.score and again.locked
    with store.read(db) as con:
        live = {s.unit: s for s in assess.compute(con, Q3, assess.rules_for(Q3), now=NOW)}["hexi.zwfw"]
        diff = assess.differences(con, Q3, now=NOW)
        lock = assess.lock_info(con, Q3)
    assert live.score != locked.score
    row = diff.set_index("unit").loc["hexi.zwfw"]
    assert row["locked_score"] == locked.score and row["score_now"] == live.score and "指标达标" in row["changed"]
    assert lock["locked_by"] == OFFICE.username and lock["reason"] == "经领导小组审定"


def test_locked_quarter_ignores_a_rule_change_and_says_so(db):
    locks.lock(OFFICE, "2026Q3", "审定", db, now=NOW)
    locked = scores(db)
    changed = assess.rules_for(Q3).model_copy(update={"total": 50.0})
    with store.read(db) as con:
        same = {s.unit: s.score for s in assess.assess(con, Q3, changed, now=NOW)}
        diff = assess.differences(con, Q3, changed, now=NOW)
    assert same == {u: s.score for u, s in locked.items()}
    assert "规则版本" in diff.iloc[0]["changed"]


def test_a_locked_quarter_takes_no_new_entries_until_unlocked_with_a_reason(db):
    locks.lock(OFFICE, "2026Q3", "审定", db, now=NOW)
    with pytest.raises(entries.EntryError, match="锁定"):
        entries.add(OFFICE, "hexi.zwfw", "2026Q3", "deduction", 1, "理由", "依据", db)
    with pytest.raises(locks.LockError, match="原因"):
        locks.unlock(OFFICE, "2026Q3", " ", db)
    locks.unlock(OFFICE, "2026Q3", "投诉核实结论更正", db)
    assert not scores(db)["hexi.zwfw"].locked
    [row] = _audit(db, "assessment_unlock")
    assert row["before"]["locked"] and not row["after"]["locked"] and "投诉核实结论更正" in row["detail"]
    assert _audit(db, "assessment_lock")[0]["after"]["units"] == len(scores(db))


def test_leaders_and_liaisons_cannot_lock(db):
    for user in (LIAISON, LEADER):
        with pytest.raises(AccessDenied):
            locks.lock(user, "2026Q3", "审定", db)


# --- evidence ---------------------------------------------------------------------------------------


def test_every_point_opens_the_rows_behind_it(db):
    approved_case(db)
    entries.add(OFFICE, "hexi.zwfw", "2026Q3", "deduction", 1, "投诉属实", "核实单 12", db)
    with store.read(db) as con:
        ind = assess.evidence(con, Q3, "hexi.zwfw", "indicators", key="ZW01", now=NOW)
        rep = assess.evidence(con, Q3, "hexi.zwfw", "reporting", now=NOW)
        bonus = assess.evidence(con, Q3, "hexi.zwfw", "bonus", now=NOW)
        ded = assess.evidence(con, Q3, "hexi.zwfw", "deductions", now=NOW)
        tasks = assess.evidence(con, Q3, "hexi.fgw", "tasks", now=NOW)
    assert list(ind["verdict"]) == ["未报送", "未达标", "未达标"] and "低于目标" in ind["reason"].iloc[1]
    assert rep["submission_id"].notna().sum() == 2
    assert bonus.iloc[0]["title"] == "企业开办一窗通办" and ded.iloc[0]["evidence"] == "核实单 12"
    assert tasks.iloc[0]["status"] == "推进中"


def test_a_quarter_is_written_like_2026Q3():
    assert Quarter.parse("2026q3").months == [date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)]
    with pytest.raises(assess.AssessError, match="2026Q3"):
        Quarter.parse("2026-3")
