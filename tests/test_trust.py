"""Issue 11, trust in the numbers: targets only where a plan sets them, relative and growth
targets judged against a real reference, corrections not counted as late, decimals in percent
cells caught, every verdict traceable to its cell and clause (``python -m etl judge``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import store
from rules import verdict
from accounts.access import SYSTEM_USER, User
from etl.ingest import ingest_files
from indicators import load_catalog
from indicators.catalog import DATA_DIR, check_catalog
from office import references
from rules import judge, returns, verdict
from rules.stats import ensure_catalog
from tests.fixtures_dashboard import OFFICE, build_fixture_db
from tests.fixtures_returns import fill_template

ROOT = Path(__file__).resolve().parents[1]
SH = ZoneInfo("Asia/Shanghai")
OCT = date(2026, 10, 1)
ON_OCT_20 = datetime(2026, 10, 20, 10, 0, tzinfo=SH)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _ingest(tmp_path: Path, catalog, db: Path, unit: str, period: str, now: datetime, name: str | None = None,
            reason: str | None = None, **overrides):
    path = fill_template(tmp_path / (name or f"{unit}_{period}.xlsx"), catalog, unit, period, overrides=overrides)
    [res] = ingest_files([path], db=db, catalog=catalog, now=now, reason=reason)
    return res, path


def _row(db: Path, period: date, unit: str, code: str) -> dict:
    rows = [r for r in verdict.records(db, period, unit=unit) if r["code"] == code]
    assert len(rows) == 1, rows
    return rows[0]


# --- 1. target scope ----------------------------------------------------------------------


def test_ninghe_is_not_judged_by_tedas_2020_online_target(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    code = "common.online_rate"  # 网上办比例 ≥95%: plan 001, TEDA's own
    res, _ = _ingest(tmp_path, catalog, db, "ninghe.zwfw", "2026-10", ON_OCT_20, **{code: 80})
    assert res.status == "accepted", res.to_json()
    res, _ = _ingest(tmp_path, catalog, db, "teda.zwfw", "2026-10", ON_OCT_20, **{code: 80})
    assert res.status == "accepted", res.to_json()

    ninghe = _row(db, OCT, "ninghe.zwfw", code)
    assert (ninghe["status"], ninghe["value"], ninghe["target"], ninghe["plan"]) == ("no_target", 80.0, None, None)
    teda = _row(db, OCT, "teda.zwfw", code)
    assert (teda["status"], teda["target"], teda["comparator"], teda["plan"], teda["measure"]) == \
        ("missed", 95.0, ">=", "001", "9.")
    # still collected and compared: the value shows with a reason that says why it is not judged
    df = verdict.verdict_rows(db, OCT, unit="ninghe.zwfw", code=code)
    assert "无方案设定的目标" in df["reason"].iloc[0]
    # and the stored judgments agree with the live ones
    with store.read(db) as con:
        stored = con.execute("select status from judged_observation where unit = 'ninghe.zwfw' and code = ?",
                             [code]).fetchone()
    assert stored == ("无目标",)


def test_tedas_2019_power_baseline_is_not_given_to_other_districts(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    _ingest(tmp_path, catalog, db, "baodi.gdgs", "2026-10", ON_OCT_20, **{"common.power_days": 30})
    [row] = verdict.verdict_rows(db, OCT, unit="baodi.gdgs", code="common.power_days").to_dict("records")
    assert row["status"] == "无目标"
    assert row["baseline"] is None or row["baseline"] != row["baseline"]  # NULL (NaN in pandas)
    teda = catalog.indicators["common.power_days"].applies_to("teda", OCT)
    assert teda is not None and teda.baseline == 77 and "77个工作日" in teda.baseline_source


def test_a_target_scoped_outside_its_plans_region_fails_the_catalog_check(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "indicators" / "001.yaml"
    text = path.read_text(encoding="utf-8")
    # plan 001 is TEDA's: it cannot set 宝坻's target
    path.write_text(text.replace("    owners: [teda.scjg]\n", "    owners: [teda.scjg]\n    scope: [baodi]\n", 1),
                    encoding="utf-8")
    cat, issues = check_catalog(data)
    assert cat is None
    [issue] = [i for i in issues if i.code == "CAT_SCOPE"]
    assert "宝坻区" in issue.message and "001" in issue.message and issue.file.endswith("001.yaml")
    done = subprocess.run([sys.executable, "-m", "indicators", "check", "--path", str(data)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "宝坻区" in done.stdout + done.stderr


def test_city_plan_targets_reach_the_zones_only_where_the_text_says_so(catalog) -> None:
    hotline = catalog.indicators["common.hotline_7d_rate"]
    # 各区人民政府 + 一般应当在7个工作日内办结 (work plan 二（三）): districts and zones, soft
    for region in ("heping", "baodi", "teda", "baoshuiqu"):
        assert hotline.applies_to(region, OCT) is not None, region
    t = hotline.applies_to("heping", OCT)
    assert t.soft and "一般应当在7个工作日内办结" in t.source and "二（三）" in t.clause
    # the city publishes typical cases every quarter; no quota is set for a district
    cases = catalog.indicators["tianjin.typical_cases"]
    assert cases.applies_to("heping", OCT) is None
    assert "每季度发布优化营商环境典型案例" in cases.source


def test_plan_002_targets_start_on_its_issue_date(tmp_path: Path, catalog) -> None:
    issued = catalog.plans["002"].issued
    assert issued == date(2025, 5, 28)
    for code in ("common.hotline_7d_rate", "tianjin.standard_land_rate"):
        ind = catalog.indicators[code]
        assert ind.effective_from == issued, code
        assert ind.target_on(issued) is not None and ind.target_on(date(2025, 5, 27)) is None
    # in force from the 28th of May: May is collected but not judged (a target applies from the
    # first day of a month, README 评判规则), June is the first month judged against it
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    res, _ = _ingest(tmp_path, catalog, db, "heping.wgzx", "2025-05", datetime(2025, 5, 30, 10, tzinfo=SH),
                     **{"common.hotline_7d_rate": 100})
    assert res.status == "accepted", res.to_json()
    assert _row(db, date(2025, 5, 1), "heping.wgzx", "common.hotline_7d_rate")["status"] == "no_target"
    res, _ = _ingest(tmp_path, catalog, db, "heping.wgzx", "2025-06", datetime(2025, 6, 20, 10, tzinfo=SH),
                     **{"common.hotline_7d_rate": 100})
    assert res.status == "accepted", res.to_json()
    assert _row(db, date(2025, 6, 1), "heping.wgzx", "common.hotline_7d_rate")["status"] == "met"


def test_a_12345_shortfall_is_amber_to_explain_not_missed(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    _ingest(tmp_path, catalog, db, "heping.wgzx", "2026-10", ON_OCT_20, **{"common.hotline_7d_rate": 92})
    row = _row(db, OCT, "heping.wgzx", "common.hotline_7d_rate")
    assert (row["status"], row["plan"], row["measure"]) == ("amber", "002", "二（三）")
    [full] = verdict.verdict_rows(db, OCT, unit="heping.wgzx", code="common.hotline_7d_rate").to_dict("records")
    assert "一般应当" in full["reason"] and "二（三）" in full["clause"]


# --- 2. relative targets ------------------------------------------------------------------


def test_city_average_uses_every_reporting_district(tmp_path: Path) -> None:
    fx = build_fixture_db(tmp_path / "fx.duckdb")
    # 和平 90, 河西 80, 南开 70 report ZW03 in October; 经开区 (a zone) sent nothing accepted
    row = _row(fx["path"], OCT, "nankai.zwfw", "ZW03")
    assert row["reference"] == {"kind": "city_avg", "value": pytest.approx(80.0), "n": 3}
    assert row["status"] == "missed"
    assert _row(fx["path"], OCT, "hexi.zwfw", "ZW03")["status"] == "met"  # exactly on the average


def test_a_relative_target_only_ninghe_reports_is_no_reference_until_the_office_enters_one(
        tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    code = "ninghe.water_online_rate"  # 用水报装网办率赶超全市平均水平 (plan 003)
    period, when = date(2025, 10, 1), datetime(2025, 10, 20, 10, tzinfo=SH)
    res, _ = _ingest(tmp_path, catalog, db, "ninghe.swu", "2025-10", when, **{code: 91})
    assert res.status == "accepted", res.to_json()
    row = _row(db, period, "ninghe.swu", code)
    assert (row["status"], row["reference"]) == ("no_reference", None)  # never a fake 预警

    with pytest.raises(ValueError, match="来源"):
        references.add(SYSTEM_USER, kind="city_avg", code=code, value=93, source=" ", db=db,
                       period_from=date(2025, 1, 1), period_to=date(2025, 12, 1))
    with pytest.raises(Exception, match="办公室"):
        references.add(User("ninghe.swu", "liaison", "ninghe.swu"), kind="city_avg", code=code, value=93,
                       source="x", db=db, period_from=date(2025, 1, 1), period_to=date(2025, 12, 1))
    references.add(SYSTEM_USER, kind="city_avg", code=code, value=93.0, source="天津市营商环境评价报告（2025）",
                   period_from=date(2025, 1, 1), period_to=date(2025, 12, 1), db=db)
    row = _row(db, period, "ninghe.swu", code)
    assert row["status"] == "missed"  # 91 < 93
    assert row["reference"] == {"kind": "city_avg", "value": 93.0, "source": "天津市营商环境评价报告（2025）"}
    with store.read(db) as con:
        audit = con.execute("select action, detail from audit_log where action = 'reference_add'").fetchall()
    assert len(audit) == 1 and "天津市营商环境评价报告（2025）" in audit[0][1]


# --- 3. growth targets --------------------------------------------------------------------


def test_growth_target_without_a_baseline_value_is_no_reference_then_judged_from_the_office_baseline(
        tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    code = "ninghe.talent_growth"  # 2025 相较于2024年提升15%: the plan gives no 2024 number
    ind = catalog.indicators[code]
    assert ind.unit == "人" and "水平值" in ind.description  # the template asks for the level
    period, when = date(2025, 12, 1), datetime(2025, 12, 20, 10, tzinfo=SH)
    res, _ = _ingest(tmp_path, catalog, db, "ninghe.rsj", "2025-12", when, **{code: 1100})
    assert res.status == "accepted", res.to_json()
    assert _row(db, period, "ninghe.rsj", code)["status"] == "no_reference"
    references.add(SYSTEM_USER, kind="baseline", code=code, value=1000, source="宁河区人社局2024年人才引进统计",
                   db=db)
    row = _row(db, period, "ninghe.rsj", code)
    assert row["status"] == "missed"  # +10% < +15%
    assert row["reference"] == {"kind": "baseline", "value": 1000.0, "source": "宁河区人社局2024年人才引进统计"}


def test_a_reduction_target_is_compared_at_most(tmp_path: Path) -> None:
    fx = build_fixture_db(tmp_path / "fx.duckdb")
    with store.write(fx["path"]) as con:  # FG01 becomes "reduce by at least 8 %" from 1,000
        con.execute("update indicator set direction = 'lower_better' where code = 'FG01'")
        con.execute("update indicator_target set value = -8 where code = 'FG01'")
        con.execute("update observation set value = 900 where code = 'FG01' and period = ?", [OCT])
    assert _row(fx["path"], OCT, "hexi.fgw", "FG01")["status"] == "met"  # -10% ≤ -8%
    with store.write(fx["path"]) as con:
        con.execute("update observation set value = 950 where code = 'FG01' and period = ?", [OCT])
    assert _row(fx["path"], OCT, "hexi.fgw", "FG01")["status"] == "missed"  # -5% is not enough


# --- 5. corrections -----------------------------------------------------------------------


def _returns(db: Path, unit: str, period: date, now: datetime) -> dict:
    from rules.query import run

    df = run(db, f"with {returns.RETURNS} select * from returns where unit = $unit",
             returns.params(period, period, now, unit=unit))
    assert len(df) == 1
    return df.iloc[0].to_dict()


def test_correction_after_the_25th_keeps_the_month_on_time(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    unit, nov = "teda.zwfw", date(2026, 11, 1)
    bad = fill_template(tmp_path / "bad.xlsx", catalog, unit, "2026-11", overrides={"common.online_rate": "很多"})
    [rejected] = ingest_files([bad], db=db, catalog=catalog, now=datetime(2026, 11, 15, 9, tzinfo=SH))
    assert rejected.status == "rejected"
    first, _ = _ingest(tmp_path, catalog, db, unit, "2026-11", datetime(2026, 11, 18, 9, tzinfo=SH), name="v1.xlsx")
    second, _ = _ingest(tmp_path, catalog, db, unit, "2026-11", datetime(2026, 12, 2, 9, tzinfo=SH), name="v2.xlsx",
                        reason="网上办比例口径更正", **{"common.online_rate": 96})
    assert (first.version, second.version) == (1, 2)
    now = datetime(2026, 12, 3, 9, tzinfo=SH)
    ret = _returns(db, unit, nov, now)
    assert ret["status"] == "按时报送"
    assert ret["corrections"] == 1 and ret["correction_reason"] == "网上办比例口径更正"
    assert f"{ret['corrected_at']:%m-%d}" == "12-02" and f"{ret['received_at']:%m-%d}" == "11-18"
    assert f"{ret['first_attempt_at']:%m-%d %H:%M}" == "11-15 09:00"
    from rules import flags

    red = flags.red_flags(db, nov, now, unit=unit)
    assert "迟报" not in set(red["flag"])


def test_resending_an_earlier_versions_file_makes_it_current_again(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    unit, code = "teda.zwfw", "common.online_rate"
    v1, p1 = _ingest(tmp_path, catalog, db, unit, "2026-10", ON_OCT_20, name="v1.xlsx", **{code: 96})
    v2, p2 = _ingest(tmp_path, catalog, db, unit, "2026-10", ON_OCT_20, name="v2.xlsx", **{code: 97})
    [again] = ingest_files([p1], db=db, catalog=catalog, now=datetime(2026, 10, 22, tzinfo=SH))
    assert (again.status, again.version) == ("accepted", 3)
    with store.read(db) as con:
        value = con.execute("select value from observation where is_current and unit = ? and code = ?",
                            [unit, code]).fetchone()[0]
        restores, reason = con.execute("select restores_version, correction_reason from submission where id = ?",
                                       [again.submission_id]).fetchone()
        action = con.execute("select action, detail from audit_log where object_id = ?",
                             [str(again.submission_id)]).fetchone()
    assert value == 96 and restores == 1 and "恢复第 1 版" in reason
    assert action[0] == "restore_version" and "第 1 版" in action[1]
    [dup] = ingest_files([p1], db=db, catalog=catalog, now=datetime(2026, 10, 23, tzinfo=SH))
    assert dup.status == "duplicate"  # the bytes of the current version: nothing changes


# --- 6. percent typed as a decimal --------------------------------------------------------


def test_a_decimal_in_a_percent_cell_is_an_error_with_the_fix(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    res, _ = _ingest(tmp_path, catalog, db, "teda.zwfw", "2026-10", ON_OCT_20, **{"common.online_rate": 0.95})
    assert res.status == "rejected"
    [err] = [f for f in res.errors if f.code == "PERCENT_AS_DECIMAL"]
    assert err.sheet == "指标" and err.cell.startswith("E")
    assert "0.95" in err.message and "是否应为 95%？" in err.message
    assert not [f for f in res.warnings if f.code == "PERCENT_AMBIGUOUS" and f.cell == err.cell]


def test_a_decimal_explained_in_the_note_passes(tmp_path: Path, catalog) -> None:
    from openpyxl import load_workbook

    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    path = fill_template(tmp_path / "r.xlsx", catalog, "teda.zwfw", "2026-10", overrides={"common.online_rate": 0.95})
    wb = load_workbook(path)
    ws = wb["指标"]
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "common.online_rate")
    ws.cell(row, 6, "系统切换，本月网上办比例确为0.95%")
    wb.save(path)
    [res] = ingest_files([path], db=db, catalog=catalog, now=ON_OCT_20)
    assert res.status == "accepted"
    assert [f.code for f in res.warnings if f.cell == f"E{row}"] == ["PERCENT_AMBIGUOUS"]


# --- 8. python -m etl judge --json --------------------------------------------------------

KEYS = {"unit", "region", "code", "period", "value", "target", "comparator", "status", "reference", "evidence",
        "plan", "measure"}
EVIDENCE_KEYS = {"submission_id", "version", "file_sha256", "sheet", "cell", "uploader", "received_at"}


def test_etl_judge_json_is_one_object_per_unit_and_indicator_in_force(tmp_path: Path, catalog) -> None:
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    from etl import roster

    with store.write(db) as con:  # the office expects these two units
        roster.add(con, ["teda.zwfw", "ninghe.zwfw"], "system")
    res, _ = _ingest(tmp_path, catalog, db, "teda.zwfw", "2026-10", ON_OCT_20)
    done = subprocess.run([sys.executable, "-m", "etl", "judge", "--period", "2026-10", "--db", str(db),
                           "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    # issue 11's keys plus issue 19's period_kind / progress
    assert all(set(r) == KEYS | {"period_kind", "progress"} for r in rows)
    assert {r["status"] for r in rows} <= set(verdict.STATUS_KEYS.values())
    owed = {(u, i.code) for u in ("teda.zwfw", "ninghe.zwfw") for i in catalog.indicators_for_unit(u, OCT)}
    assert {(r["unit"], r["code"]) for r in rows} == owed and len(rows) == len(owed)
    for r in rows:
        if r["unit"] == "ninghe.zwfw":  # nothing sent
            assert r["status"] == "missing" and r["evidence"] is None and r["value"] is None
        else:
            ev = r["evidence"]
            assert set(ev) == EVIDENCE_KEYS and ev["sheet"] == "指标" and ev["cell"].startswith("E")
            assert ev["submission_id"] == res.submission_id and ev["version"] == 1
            assert ev["file_sha256"] == res.sha256 and ev["received_at"].startswith("2026-10-20T10:00")
            # the template's values equal TEDA's targets: on the target, some inside the amber band
            assert r["plan"] == "001" and r["status"] in ("met", "amber")
    only = subprocess.run([sys.executable, "-m", "etl", "judge", "--period", "2026-10", "--db", str(db),
                           "--unit", "teda.zwfw", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert {json.loads(x)["unit"] for x in only.stdout.splitlines()} == {"teda.zwfw"}


def test_every_unit_and_indicator_owed_gets_a_verdict_even_when_nothing_was_sent(tmp_path: Path) -> None:
    fx = build_fixture_db(tmp_path / "fx.duckdb", refresh=True)
    rows = verdict.records(fx["path"], OCT)
    by = {(r["unit"], r["code"]): r for r in rows}
    assert len(by) == len(rows) == 13  # 4 zwfw units × 3 + hexi.fgw × 1
    assert by[("teda.zwfw", "ZW01")]["status"] == "missing" and by[("teda.zwfw", "ZW01")]["evidence"] is None
    ev = by[("hexi.zwfw", "ZW01")]["evidence"]
    assert ev["cell"] == "E4" and ev["submission_id"] == fx["submission_ids"]["hexi.zwfw@2026-10"]
    assert by[("hexi.fgw", "FG01")]["reference"] == {"kind": "baseline", "value": 1000.0, "source": "目录基期值"}


def test_the_judge_command_and_the_dashboard_read_the_same_verdicts(tmp_path: Path) -> None:
    from dashboard import queries as q

    fx = build_fixture_db(tmp_path / "fx.duckdb", refresh=True)
    card = q.unit_scorecard(fx["path"], OFFICE, "nankai.zwfw", OCT)
    mine = {r["code"]: r["status"] for r in verdict.records(fx["path"], OCT, unit="nankai.zwfw")}
    assert {c: judge.STATUS_KEYS[s] for c, s in zip(card["code"], card["status"])} == mine


# --- 9. demo contacts ---------------------------------------------------------------------


def test_demo_contacts_are_marked_and_their_exports_say_so(tmp_path: Path, catalog) -> None:
    from dashboard import queries as q
    from dashboard.export import to_excel_bytes
    from openpyxl import load_workbook
    import io

    fictional = [u for u in catalog.units.values() if u.liaison]
    assert fictional and all(u.demo for u in fictional)
    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    assert q.is_demo(db)
    data = to_excel_bytes(q.units(db).head(3), "催报名单", demo=q.is_demo(db))
    assert load_workbook(io.BytesIO(data)).active.title.startswith("演示数据")


# --- 7. evidence trail --------------------------------------------------------------------


def test_a_verdict_opens_its_file_cell_target_and_clause(tmp_path: Path, catalog) -> None:
    from dashboard import evidence

    db = tmp_path / "t.duckdb"
    ensure_catalog(db, catalog)
    res, path = _ingest(tmp_path, catalog, db, "teda.zwfw", "2026-10", ON_OCT_20, name="经开区政务服务办_2026-10.xlsx",
                        **{"common.online_rate": 80})
    ev = evidence.verdict_evidence(db, OFFICE, "teda.zwfw", "common.online_rate", OCT)
    shown = {label: text for pairs in evidence.facts(ev).values() for label, text in pairs}
    assert shown["结论"] == "未达标"
    assert shown["文件"] == "经开区政务服务办_2026-10.xlsx" and shown["SHA-256"] == res.sha256
    assert shown["报送编号 / 版本"] == f"{res.submission_id} / 第 1 版"
    assert shown["工作表 / 单元格"].startswith("指标!E") and shown["收到时间"] == "2026-10-20 10:00"
    assert shown["目标值"] == "≥95.0%" and shown["生效日期"].startswith("2020-09-16 至 ")
    assert "001" in shown["来源方案"] and shown["措施编号"].startswith("第 9. 条")
    assert "网上办比例达95%" in shown["原文"]
    # the office and the unit itself download the original bytes; another unit's liaison may not
    assert evidence.original_file(db, OFFICE, "teda.zwfw", res.sha256) == path.read_bytes()
    own = User("teda.zwfw", "liaison", "teda.zwfw")
    assert evidence.original_file(db, own, "teda.zwfw", res.sha256) == path.read_bytes()
    with pytest.raises(Exception):
        evidence.original_file(db, User("ninghe.zwfw", "liaison", "ninghe.zwfw"), "teda.zwfw", res.sha256)


def test_a_relative_verdicts_panel_shows_the_reference_it_used(tmp_path: Path) -> None:
    from dashboard import evidence

    fx = build_fixture_db(tmp_path / "fx.duckdb")
    ev = evidence.verdict_evidence(fx["path"], OFFICE, "nankai.zwfw", "ZW03", OCT)
    ref = dict(evidence.facts(ev)["参照"])
    assert ref == {"全市平均": "80.0%", "依据": "3 个区的平均"}


def test_the_template_shows_a_target_only_where_a_plan_sets_it(tmp_path: Path, catalog) -> None:
    from openpyxl import load_workbook

    def target_cell(unit: str) -> str:
        path = fill_template(tmp_path / f"{unit}.xlsx", catalog, unit, "2026-10")
        ws = load_workbook(path)["指标"]
        return next(ws.cell(r, 4).value for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == "common.online_rate")

    assert target_cell("teda.zwfw") == "≥ 95%"
    assert target_cell("ninghe.zwfw") == "本地区无目标（仅报送比较）"


# --- the demo database as a whole ---------------------------------------------------------


@pytest.fixture(scope="module")
def trust_demo(tmp_path_factory, catalog):
    """Six regions (宁河 among them: its relative and growth targets are in force in 2025) × 3 units × 2 months."""
    from etl.demo import build_demo

    root = tmp_path_factory.mktemp("trust_demo")
    return build_demo(root / "demo.duckdb", regions=6, units=3, months=2, end_period=date(2025, 12, 1),
                      catalog=catalog, workdir=root / "files", workers=1)


def _inside(region: str, top: str, catalog) -> bool:
    while region is not None:
        if region == top:
            return True
        region = catalog.regions[region].parent
    return False


def test_demo_verdicts_come_from_the_units_own_plans_and_carry_evidence_to_the_cell(trust_demo, catalog) -> None:
    db = trust_demo.db
    assert "ninghe" in trust_demo.regions
    for period in trust_demo.periods:
        rows = verdict.records(db, period)
        judged = [r for r in rows if r["status"] in ("met", "amber", "missed")]
        assert judged
        for r in judged:  # no verdict against another region's plan
            assert _inside(r["region"], catalog.plans[r["plan"]].region, catalog), r
        relative = [r for r in rows if catalog.indicators[r["code"]].comparator in ("city_avg", "growth")
                    and r["value"] is not None]
        assert relative, period
        for r in relative:
            assert r["status"] in ("met", "amber", "missed", "no_reference"), r
            assert (r["reference"] is None) == (r["status"] == "no_reference"), r
        for r in rows:
            if r["value"] is not None:
                ev = r["evidence"]
                assert ev and ev["cell"].startswith("E") and len(ev["file_sha256"]) == 64 and ev["version"] >= 1, r
    with store.read(db) as con:
        refs = con.execute("select kind, source, is_demo from office_reference").fetchall()
    assert refs and all(demo and "演示数据" in source for _, source, demo in refs)
