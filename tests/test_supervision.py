"""督办 stories: an item opened from a red flag, signed, worked on and closed on evidence."""

from __future__ import annotations

from datetime import date

import pytest

import store
from accounts.access import AccessDenied
from office import supervision as sup
from rules import flags as rules_flags
from rules import supervise as sv
from tests.fixtures_dashboard import NOW, PERIOD, build_fixture_db
from tests.fixtures_supervision import HEXI, LEADER, NANKAI, OFFICE, add_return

OPENED = date(2026, 10, 29)


@pytest.fixture
def fx(tmp_path):
    return build_fixture_db(tmp_path / "sup.duckdb")


def _flag(fx, unit="hexi.zwfw", subject="ZW01", flag="未达标"):
    df = rules_flags.red_flags(fx["path"], PERIOD, NOW, unit=unit)
    rows = df[(df["subject"] == subject) & (df["flag"] == flag)]
    assert len(rows) == 1, df
    return rows.iloc[0].to_dict()


def _open(fx, today=OPENED, limit=10, **kw):
    flag = _flag(fx)
    return sup.open_item(OFFICE, lead="hexi.zwfw", problem="", requirement="11月满意度回到95%以上",
                         limit_workdays=limit, flags=[flag], today=today, db=fx["path"], **kw)


def _audit(path, action):
    with store.read(path) as con:
        return con.execute("select count(*) from audit_log where action = ?", [action]).fetchone()[0]


def test_item_due_date_skips_the_national_day_holiday(fx):
    # opened 9月30日 with 5 working days: 10月1–7日 are holidays, 10月10日 (Saturday) is a
    # make-up working day, so the days are 8, 9, 10, 12, 13 October
    item = _open(fx, today=date(2026, 9, 30), limit=5)
    assert item.due_on == date(2026, 10, 13)
    assert sv.workdays_left(item.due_on, date(2026, 9, 30)) == 5
    assert sv.colour(item.status, item.due_on, date(2026, 10, 9)) == "黄"   # 2 working days left
    assert sv.colour(item.status, item.due_on, date(2026, 9, 30)) == "蓝"
    assert sv.colour(item.status, item.due_on, date(2026, 10, 14)) == "红"


def test_an_item_opened_from_a_flag_keeps_the_flags_evidence_and_is_numbered_per_year(fx):
    first = _open(fx)
    second = sup.open_item(OFFICE, lead="nankai.zwfw", problem="企业投诉：窗口排队超过1小时",
                           requirement="一周内整改并回访企业", source="complaint", level="专题会",
                           today=OPENED, db=fx["path"])
    assert (first.number, second.number) == ("督〔2026〕1号", "督〔2026〕2号")
    assert second.due_on == sv.due_date(OPENED, 15)  # 专题会's limit from rules/supervise.yaml
    detail = sup.item_detail(fx["path"], OFFICE, first.id)
    flag = detail["flags"].iloc[0]
    assert flag["reason"] == "政务服务满意度 92.0% 低于目标 ≥95.0%"
    assert flag["evidence"] == f"报送编号 {fx['submission_ids']['hexi.zwfw@2026-10']} 第1版 · 指标!E4"
    assert detail["row"]["problem"] == "政务服务满意度 92.0% 低于目标 ≥95.0%"
    assert detail["item"].status == "待签收"
    assert _audit(fx["path"], "supervise_open") == 2


def test_liaison_cannot_close_an_item_without_evidence(fx):
    item = _open(fx)
    sup.sign(HEXI, item.id, today=OPENED, db=fx["path"])
    with pytest.raises(sup.SupervisionError) as err:
        sup.apply_close(HEXI, item.id, sup.Evidence(note="   "), today=OPENED, db=fx["path"])
    assert err.value.code == "NO_EVIDENCE" and "整改佐证" in str(err.value)
    with pytest.raises(AccessDenied):  # the liaison applies; only the office closes
        sup.approve(HEXI, item.id, today=OPENED, db=fx["path"])
    assert sup.get_item(fx["path"], item.id).status == "整改中"
    assert _audit(fx["path"], "supervise_apply") == 0

    sup.apply_close(HEXI, item.id, sup.Evidence(note="已增设自助终端，11月回访满意度96%"), today=OPENED, db=fx["path"])
    with pytest.raises(sup.SupervisionError):  # an application waits for the office, no second one
        sup.apply_close(HEXI, item.id, sup.Evidence(note="再次申请"), today=OPENED, db=fx["path"])
    closed = sup.approve(OFFICE, item.id, today=OPENED, db=fx["path"])
    assert closed.status == "已销号"
    assert _audit(fx["path"], "supervise_approve") == 1


def test_only_the_lead_units_liaison_signs_and_leaders_only_read(fx):
    item = _open(fx)
    with pytest.raises(AccessDenied):
        sup.sign(NANKAI, item.id, today=OPENED, db=fx["path"])
    with pytest.raises(AccessDenied):
        sup.sign(LEADER, item.id, today=OPENED, db=fx["path"])
    with pytest.raises(AccessDenied):
        sup.open_item(HEXI, lead="hexi.zwfw", problem="x", requirement="y", source="complaint", db=fx["path"])
    with pytest.raises(AccessDenied):
        sup.item_detail(fx["path"], NANKAI, item.id)
    assert sup.list_items(fx["path"], NANKAI, today=OPENED).empty
    assert list(sup.list_items(fx["path"], HEXI, today=OPENED)["number"]) == [item.number]


def test_a_returned_application_needs_a_reason_and_counts_for_the_assessment(fx):
    item = _open(fx)
    sup.sign(HEXI, item.id, today=OPENED, db=fx["path"])
    sup.apply_close(HEXI, item.id, sup.Evidence(note="已整改"), today=OPENED, db=fx["path"])
    with pytest.raises(sup.SupervisionError) as err:
        sup.return_application(OFFICE, item.id, " ", today=OPENED, db=fx["path"])
    assert err.value.code == "NO_REASON"
    back = sup.return_application(OFFICE, item.id, "未附回访记录", today=OPENED, db=fx["path"])
    assert back.status == "退回整改"
    ded = sup.supervision_deductions(fx["path"], 2026)
    assert ded.to_dict("records") == [
        {"unit": "hexi.zwfw", "quarter": "2026Q4", "overdue_items": 0, "returned_applications": 1}]


def test_sweep_twice_changes_nothing_the_second_time(fx):
    item = _open(fx, limit=2)  # due 2026-11-02
    first = sup.sweep(today=date(2026, 11, 3), db=fx["path"])
    assert first.overdue == [item.number]
    assert first.proposed == [f"{item.number} → 专题会"]

    def snapshot():
        with store.read(fx["path"]) as con:
            return [con.execute(f"select * from {t} order by all").fetchall()
                    for t in ("supervision_item", "supervision_event", "supervision_proposal", "audit_log")]

    before = snapshot()
    second = sup.sweep(today=date(2026, 11, 3), db=fx["path"])
    assert (second.overdue, second.proposed) == ([], [])
    assert snapshot() == before
    assert sup.get_item(fx["path"], item.id).status == "逾期"
    ded = sup.supervision_deductions(fx["path"])
    assert ded.to_dict("records") == [
        {"unit": "hexi.zwfw", "quarter": "2026Q4", "overdue_items": 1, "returned_applications": 0}]


def test_escalating_an_overdue_item_with_a_new_limit_lifts_overdue_but_keeps_the_record(fx):
    item = _open(fx, limit=2)
    sup.sign(HEXI, item.id, today=OPENED, db=fx["path"])
    sup.sweep(today=date(2026, 11, 3), db=fx["path"])
    up = sup.escalate(OFFICE, item.id, "跨部门协调", limit_workdays=10, today=date(2026, 11, 3), db=fx["path"])
    assert (up.level, up.status, up.due_on) == ("专题会", "整改中", sv.due_date(date(2026, 11, 3), 10))
    with store.read(fx["path"]) as con:
        assert con.execute("select decided from supervision_proposal").fetchall() == [("escalated",)]
    assert sup.supervision_deductions(fx["path"])["overdue_items"].sum() == 1


def test_a_flag_still_on_two_months_later_is_proposed_for_escalation(fx):
    flag = _flag(fx, unit="hexi.zwfw", subject="ZW01")
    flag["period"] = date(2026, 8, 1)  # as if opened from the August flag: still failing Sep and Oct
    item = sup.open_item(OFFICE, lead="hexi.zwfw", problem="", requirement="整改", flags=[flag],
                         limit_workdays=60, today=date(2026, 9, 1), db=fx["path"])
    result = sup.sweep(today=date(2026, 10, 29), db=fx["path"])
    assert result.overdue == []
    assert result.proposed == [f"{item.number} → 专题会"]
    with store.read(fx["path"]) as con:
        reason = con.execute("select reason from supervision_proposal").fetchone()[0]
    assert reason == "红灯连续 2 个月未消除，建议提请专题会研究"


def test_a_met_indicator_next_month_is_offered_as_evidence(fx):
    item = _open(fx)
    sup.sign(HEXI, item.id, today=OPENED, db=fx["path"])
    assert sup.offered_returns(fx["path"], item.id).empty  # nothing later than October yet
    nov = add_return(fx["path"], "hexi.zwfw", date(2026, 11, 1), {"ZW01": 96, "ZW02": 1.8, "ZW03": 82})
    offered = sup.offered_returns(fx["path"], item.id)
    assert list(offered["submission_id"]) == [nov]
    assert offered.iloc[0]["reason"] == "政务服务满意度 96.0% 达到目标 ≥95.0%"
    # a return that does not show the problem solved is refused as evidence
    with pytest.raises(sup.SupervisionError) as err:
        sup.apply_close(HEXI, item.id, sup.Evidence(submission_id=fx["submission_ids"]["hexi.zwfw@2026-10"]),
                        today=OPENED, db=fx["path"])
    assert err.value.code == "NOT_OFFERED"
    applied = sup.apply_close(HEXI, item.id, sup.Evidence(submission_id=nov), today=date(2026, 11, 20),
                              db=fx["path"])
    assert applied.status == "申请销号"
    events = sup.item_detail(fx["path"], OFFICE, item.id)["events"]
    assert int(events.iloc[-1]["evidence_submission_id"]) == nov


def test_an_attached_file_is_archived_and_can_be_read_back(fx):
    item = _open(fx)
    sup.sign(HEXI, item.id, today=OPENED, db=fx["path"])
    with pytest.raises(sup.SupervisionError) as err:
        sup.apply_close(HEXI, item.id, sup.Evidence(file_name="run.exe", file_bytes=b"MZ"), today=OPENED,
                        db=fx["path"])
    assert err.value.code == "BAD_FILE"
    pdf = b"%PDF-1.4 rectification report"
    sup.apply_close(HEXI, item.id, sup.Evidence(file_name="整改报告.pdf", file_bytes=pdf), today=OPENED,
                    db=fx["path"])
    events = sup.item_detail(fx["path"], OFFICE, item.id)["events"]
    event_id = int(events.iloc[-1]["id"])
    assert sup.evidence_file(fx["path"], OFFICE, event_id) == ("整改报告.pdf", pdf)
    assert (fx["path"].parent / "archive").exists()


def test_cli_lists_items_as_json_and_sweeps_idempotently(fx):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    item = _open(fx, limit=2)
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}

    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "etl", "supervise", *args, "--db", str(fx["path"])],
                              cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    out = cli("sweep", "--today", "2026-11-03")
    assert "新标记逾期 1 件，新建议提级 1 件" in out
    assert "新标记逾期 0 件，新建议提级 0 件" in cli("sweep", "--today", "2026-11-03")
    rows = [json.loads(line) for line in cli("list", "--status", "逾期", "--today", "2026-11-04", "--json").splitlines()]
    assert rows == [{"number": item.number, "units": ["hexi.zwfw"], "level": "会商会", "status": "逾期",
                     "opened": "2026-10-29", "due": "2026-11-02", "workdays_left": -2, "colour": "红",
                     "source": "红灯预警"}]
    assert cli("list", "--unit", "nankai.zwfw", "--json") == ""


def test_the_supervision_sheet_is_a_word_document_with_the_items_facts(fx):
    import io

    from docx import Document

    from dashboard import supervision as ds

    item = _open(fx)
    sup.sign(HEXI, item.id, today=OPENED, db=fx["path"])
    sup.report_progress(HEXI, item.id, "=HYPERLINK(\"x\") 已召开专题会", today=OPENED, db=fx["path"])
    doc = Document(io.BytesIO(ds.sheet_docx(fx["path"], OFFICE, item.id, today=OPENED)))
    body = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "督 办 单" in body and item.number in body
    assert "政务服务满意度 92.0% 低于目标 ≥95.0%" in body          # 存在问题
    assert "11月满意度回到95%以上" in body                          # 整改要求
    assert "河西区政务服务办" in cells and "会商会" in cells
    assert f"10 个工作日，{item.due_on.year}年{item.due_on.month}月{item.due_on.day}日前办结" in cells
    assert "=HYPERLINK(\"x\") 已召开专题会" in cells                # user text stays text
    assert ds.sheet_filename(item.number) == "督办单_督〔2026〕1号.docx"
    with pytest.raises(AccessDenied):
        ds.sheet_docx(fx["path"], NANKAI, item.id)


def test_the_demo_holds_items_in_every_status(fx):
    from etl.demo_supervision import build_demo_supervision

    n = build_demo_supervision(fx["path"], fx["units"], PERIOD, today=date(2026, 11, 20))
    items = sup.list_items(fx["path"], OFFICE, today=date(2026, 11, 20))
    assert len(items) == n
    assert set(sv.STATUSES) <= set(items["status"])
    assert {"蓝", "黄", "红", "灰"} <= set(items["colour"])
    assert {"flag", "complaint", "inspection", "survey", "instruction"} <= set(items["source"])
    assert set(items["level"]) >= {"会商会", "专题会"}
    # every item's story is in the audit trail
    with store.read(fx["path"]) as con:
        audited = con.execute("select count(distinct object_id) from audit_log where object_type = 'supervision'"
                              ).fetchone()[0]
    assert audited == n


@pytest.mark.parametrize("doc,message", [
    ({"levels": ["会商会"], "default_workdays": {"会商会": 0}, "warn_workdays": 3, "escalate_after_months": 2},
     "default_workdays.会商会 应为正整数"),
    ({"levels": ["会商会", "专题会"], "default_workdays": {"会商会": 10}, "warn_workdays": 3,
      "escalate_after_months": 2}, "default_workdays 应为每个层级各给一个工作日数"),
    ({"levels": ["会商会"], "default_workdays": {"会商会": 10}, "warn_workdays": 3, "escalate_after_months": 2,
      "extra": 1}, "未知的键 extra"),
])
def test_a_broken_rules_file_is_refused_with_the_key_named(doc, message):
    with pytest.raises(sv.RulesError) as err:
        sv.parse_rules(doc, "supervise.yaml")
    assert message in str(err.value) and str(err.value).startswith("supervise.yaml: ")


def test_the_shipped_rules_file_reads():
    rules = sv.load_rules()
    assert rules.levels == ("会商会", "专题会", "领导小组会")
    assert sv.next_level("专题会", rules) == "领导小组会" and sv.next_level("领导小组会", rules) is None


def test_an_overdue_item_costs_its_lead_unit_a_point_in_that_quarter_only(fx):
    from rules import assess

    item = sup.open_item(OFFICE, lead="hexi.zwfw", cooperating=["nankai.zwfw"], problem="企业投诉：窗口排队超过1小时",
                         requirement="一周内整改并回访企业", source="complaint", limit_workdays=2,
                         today=OPENED, db=fx["path"])
    sup.sweep(today=date(2026, 11, 3), db=fx["path"])  # past its 2 working days: 逾期
    q4 = assess.Quarter.parse("2026Q4")
    now = NOW.replace(year=2026, month=12, day=1)
    with store.read(fx["path"]) as con:
        scores = {s.unit: s for s in assess.compute(con, q4, assess.rules_for(q4), now=now)}
        q3 = {s.unit: s for s in assess.compute(con, q4.shift(-1), assess.rules_for(q4.shift(-1)), now=now)}
        rows = assess.evidence(con, q4, "hexi.zwfw", "deductions", now=now)
    hexi = scores["hexi.zwfw"]
    assert hexi.deductions == 1.0
    assert [d["reason"] for d in hexi.deduction_items] == ["督办事项逾期未办结：企业投诉：窗口排队超过1小时"]
    assert item.number in hexi.deduction_items[0]["evidence"]
    assert hexi.score == round(sum(c.points for c in hexi.components.values()) + hexi.bonus - 1.0, 2)
    assert scores["nankai.zwfw"].deductions == 0  # the cooperating unit does not answer for it
    assert q3["hexi.zwfw"].deductions == 0        # Q3's rules do not deduct for 督办, nor did it happen then
    assert list(rows["reason"]) == ["督办事项逾期未办结：企业投诉：窗口排队超过1小时"]
