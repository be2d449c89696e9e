"""The demo database: real workbooks, filled and imported through the same path as real returns."""

from __future__ import annotations

import random
from datetime import date

import pytest
from openpyxl import load_workbook

import store
from etl.demo import UnitState, build_demo, fill_return, plan_uploads
from etl.template import FIRST_DATA_ROW, SHEET_TASKS, SHEET_WORK, STATUSES, build_template


@pytest.fixture(scope="module")
def catalog():
    from indicators import load_catalog

    return load_catalog()


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory, catalog):
    """2 regions × 3 units × 2 months, files kept so the test can look at them."""
    root = tmp_path_factory.mktemp("demo")
    summary = build_demo(root / "demo.duckdb", regions=2, units=3, months=2, end_period=date(2026, 10, 1),
                         catalog=catalog, workdir=root / "files", workers=1)
    return summary


def _rows(db, sql: str, params=()):
    with store.read(db) as con:
        return con.execute(sql, list(params)).fetchall()


def test_small_demo_has_accepted_late_missing_and_rejected_returns(small_demo):
    db = small_demo.db
    accepted = _rows(db, "select unit, period, on_time from submission where status = 'accepted' and is_current")
    assert len(accepted) >= 6
    assert any(on_time is False for *_, on_time in accepted), "at least one late return (after the 25th)"
    rejected = _rows(db, "select s.unit, s.period, f.code from submission s join finding f on f.submission_id = s.id"
                         " where s.status = 'rejected' and f.severity = 'error'")
    assert rejected, "at least one file with errors was rejected"
    done = {(u, p) for u, p, _ in accepted}
    for unit, period, _code in rejected:  # every rejected file was corrected and sent again
        assert (unit, period) in done
    expected = {(u, p) for u in small_demo.units for p in small_demo.periods}
    assert expected - done == set(small_demo.missing)
    assert small_demo.missing, "at least one return never arrived"


def test_every_demo_row_is_marked_as_demo(small_demo):
    db = small_demo.db
    for table in ("receipt", "submission", "observation"):
        flags = _rows(db, f"select distinct is_demo from {table}")
        assert flags == [(True,)], table


def test_demo_workbooks_are_real_templates_and_each_file_is_archived(small_demo):
    files = sorted(p for p in (small_demo.db.parent / "files").rglob("*.xlsx"))
    assert len(files) == len({u.path for u in small_demo.uploads})
    wb = load_workbook(files[0])
    assert wb["_meta"].sheet_state == "veryHidden"
    archived = _rows(small_demo.db, "select count(*) from archived_file")[0][0]
    assert archived == len({u.path for u in small_demo.uploads})


def test_summary_is_printed_in_chinese(small_demo):
    text = small_demo.text()
    assert "演示数据已生成：2 个地区、6 个单位、2 个月" in text
    assert "逾期未报" in text and "迟报" in text


def test_filled_work_information_never_solves_more_than_collected(catalog):
    for seed in range(20):
        wb = build_template("teda.zwfw", date(2026, 10, 1), catalog=catalog)
        fill_return(wb, catalog, date(2026, 10, 1), random.Random(seed), UnitState())
        ws = wb[SHEET_WORK]
        collected, solved = ws[f"C{FIRST_DATA_ROW + 1}"].value, ws[f"C{FIRST_DATA_ROW + 2}"].value
        assert 0 <= solved <= collected
        statuses = {wb[SHEET_TASKS][f"E{r}"].value for r in range(FIRST_DATA_ROW, wb[SHEET_TASKS].max_row + 1)}
        assert statuses <= set(STATUSES)


def test_same_seed_builds_the_same_scenario_and_values(tmp_path, catalog):
    """Deterministic: two runs with one seed plan the same arrivals and write the same values."""
    units = ["teda.zwfw", "teda.zjw", "teda.scjg"]
    periods = [date(2026, 9, 1), date(2026, 10, 1)]

    def run(folder: str) -> list:
        uploads, missing, _ = plan_uploads(catalog, units, periods, tmp_path / folder, random.Random(5), seed=5)
        out = []
        for up in uploads:
            ws = load_workbook(up.path)["指标"]
            out.append((up.path.name, up.kind, up.received_at,
                        [ws[f"E{r}"].value for r in range(FIRST_DATA_ROW, ws.max_row + 1)]))
        return out + [missing]

    assert run("one") == run("two")


def test_demo_command_refuses_a_database_with_real_returns(db_path, capsys):
    from etl.__main__ import main

    with store.write(db_path) as con:
        con.execute("insert into receipt (sha256, original_name, uploader, received_at, outcome)"
                    " values ('ab', '真实月报.xlsx', 'liaison1', now(), 'accepted')")
    assert main(["demo", "--db", str(db_path), "--months", "1", "--regions", "1", "--units", "1"]) == 1
    assert "真实报送记录" in capsys.readouterr().err
    with store.read(db_path) as con:
        assert con.execute("select count(*) from receipt").fetchone()[0] == 1


def test_the_default_demo_enrols_only_units_that_have_something_to_report():
    """A unit owning no indicator and no measure is not expected to report: the demo would
    give it returns nobody asked for and a liaison account with empty pages."""
    from etl.demo import choose_units
    from indicators import load_catalog

    catalog = load_catalog()
    period = date(2026, 11, 1)
    chosen = choose_units(catalog, 8, 10, period)
    units = [u for us in chosen.values() for u in us]
    assert len(chosen) == 8 and len(units) == len(set(units))
    for unit in units:
        assert catalog.indicators_for_unit(unit, period) or catalog.measures_for_unit(unit), unit
    # the districts have about five such units each: they give what they have, not ten
    assert {len(us) for us in chosen.values()} <= set(range(1, 11)) and len(units) < 80


def test_no_quarterly_or_yearly_target_fails_before_its_period_ends_in_the_demo(tmp_path, catalog):
    """Four months (July–October), four regions (经开区 among them): yearly and quarterly targets show progress
    until their period ends; only September (a quarter's end) can carry a quarterly verdict."""
    build_demo(tmp_path / "d.duckdb", regions=4, units=2, months=4, end_period=date(2026, 10, 1),
               catalog=catalog, workers=1)
    rows = _rows(tmp_path / "d.duckdb", """
        select j.period_kind, month(j.period) as m, j.status, count(*)
        from judged_observation j join indicator i using (code)
        where i.frequency <> 'monthly' group by all""")
    assert {kind for kind, *_ in rows} == {"quarter", "year"}
    early = [r for r in rows if r[2] == "未达标" and not (r[0] == "quarter" and r[1] == 9)]
    assert early == []
    assert any(status in ("进度正常", "进度滞后") for _k, _m, status, _n in rows)


def test_an_indicator_collected_without_a_target_is_filled_in_and_the_return_accepted(tmp_path, catalog):
    """baodi.gov reports 典型案例 in 2025-05 before any target is in force: a liaison fills it
    in all the same; left empty without a note, the validator rejects the whole return."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from etl.ingest import ingest_files
    from etl.template import IND_COLS, SHEET_INDICATORS

    period = date(2025, 5, 1)
    untargeted = [i.code for i in catalog.indicators_for_unit("baodi.gov", period) if i.target_on(period) is None]
    assert untargeted, "the catalog no longer has an untargeted indicator for this case"
    wb = build_template("baodi.gov", period, catalog=catalog)
    fill_return(wb, catalog, period, random.Random(3), UnitState())
    ws = wb[SHEET_INDICATORS]
    values = {ws[f"{IND_COLS['code']}{r}"].value: ws[f"{IND_COLS['value']}{r}"].value
              for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    assert all(values[c] is not None for c in untargeted)
    path = tmp_path / "r.xlsx"
    wb.save(path)
    [res] = ingest_files([path], db=tmp_path / "d.duckdb", catalog=catalog,
                         now=datetime(2025, 6, 20, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert res.status == "accepted", res.to_json()
