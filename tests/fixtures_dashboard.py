"""A small database for the dashboard, built by INSERTing rows (catalog mirror included).

Story of the fixture (periods 2026-08 … 2026-10, deadline the 25th, "now" 2026-10-29 10:00):
* 和平区政务服务办 meets every target, on time; its October return was sent twice (version 2
  is current).
* 河西区政务服务办 misses 政务服务满意度 (≥95%) three months running (91, 93, 92) and misses
  企业开办时间 in October only because the target tightened from ≤3 to ≤2 个工作日 on
  2026-10-01 (2.5 passes in September, fails in October).
* 南开区政务服务办 is in the amber band (95.5% against ≥95% with amber 1) and is below the
  city average of 网上办件占比 (70% against 80%); its October return came on 10-28 (迟报,
  3 days / 3 working days late).
* 经开区政务服务办 sent nothing accepted for October (one rejected attempt): 逾期未报.
* 河西区发展改革委 reports 人才引进 1,100 人 against a baseline of 1,000 (growth 10% < 15%),
  its task 001:m1 is 滞后, and its October return carries a validation warning (数据存疑).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import store
from accounts.access import User
from store.catalog_sync import refresh_candidate_units

# Query functions take the reader; the office reads every unit (tests/test_scope.py: others).
OFFICE = User("bgs01", "office")
TZ = ZoneInfo("Asia/Shanghai")
PERIOD = date(2026, 10, 1)
NOW = datetime(2026, 10, 29, 10, 0, tzinfo=TZ)

REGIONS = [
    ("tianjin", "天津市", "city", None, "天津"),
    ("heping", "和平区", "district", "tianjin", "和平"),
    ("hexi", "河西区", "district", "tianjin", "河西"),
    ("nankai", "南开区", "district", "tianjin", "南开"),
    ("teda", "天津经济技术开发区", "zone", "binhai", "经开区"),
]
UNITS = [
    ("heping.zwfw", "heping", "和平区政务服务办", "zwfw", "张联络", "13800000001"),
    ("hexi.zwfw", "hexi", "河西区政务服务办", "zwfw", "李联络", "13800000002"),
    ("nankai.zwfw", "nankai", "南开区政务服务办", "zwfw", "王联络", "13800000003"),
    ("teda.zwfw", "teda", "经开区政务服务办", "zwfw", "赵联络", "13800000004"),
    ("hexi.fgw", "hexi", "河西区发展改革委", "fgw", "刘联络", "13800000005"),
]
PLANS = [("001", "营商环境攻坚行动方案", "营商办", "tianjin", date(2026, 1, 1), date(2026, 1, 1), date(2026, 12, 31))]
MEASURES = [
    ("001:m1", "001", "（一）", 1, "measure", "一、政务服务", "压缩企业开办时间"),
    ("001:m2", "001", "（二）", 2, "measure", "一、政务服务", "推进政务服务网上办"),
]
MEASURE_UNITS = [
    ("001:m1", "hexi.fgw", "lead"),
    ("001:m1", "heping.zwfw", "responsible"),
    ("001:m2", "nankai.zwfw", "lead"),
]
ZW = ["heping.zwfw", "hexi.zwfw", "nankai.zwfw", "teda.zwfw"]
# code, name, uom, comparator, target, baseline, baseline_year, direction, plan, measure, common, amber
INDICATORS = [
    ("ZW01", "政务服务满意度", "%", ">=", 95.0, None, None, "higher_better", "001", "（二）", True, 1.0),
    ("ZW02", "企业开办时间", "工作日", "<=", 2.0, None, None, "lower_better", "001", "（一）", True, None),
    ("ZW03", "网上办件占比", "%", "city_avg", 0.0, None, None, "higher_better", "001", "（二）", True, None),
    ("FG01", "人才引进人数", "人", "growth", 15.0, 1000.0, 2025, "higher_better", "001", "（一）", False, None),
]
TARGETS = [
    ("ZW01", ">=", 95.0, 1.0, date(2026, 1, 1), None),
    ("ZW02", "<=", 3.0, None, date(2026, 1, 1), date(2026, 9, 30)),
    ("ZW02", "<=", 2.0, None, date(2026, 10, 1), None),
    ("ZW03", "city_avg", 0.0, None, date(2026, 1, 1), None),
    ("FG01", "growth", 15.0, None, date(2026, 1, 1), None),
]
OWNERS = [(c, u) for c in ("ZW01", "ZW02", "ZW03") for u in ZW] + [("FG01", "hexi.fgw")]

AUG, SEP, OCT = date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)
# unit -> period -> indicator values
VALUES = {
    "heping.zwfw": {AUG: {"ZW01": 97, "ZW02": 1.5, "ZW03": 88}, SEP: {"ZW01": 98, "ZW02": 1.5, "ZW03": 89},
                    OCT: {"ZW01": 98, "ZW02": 1.5, "ZW03": 90}},
    "hexi.zwfw": {AUG: {"ZW01": 91, "ZW02": 2.5, "ZW03": 80}, SEP: {"ZW01": 93, "ZW02": 2.5, "ZW03": 80},
                  OCT: {"ZW01": 92, "ZW02": 2.5, "ZW03": 80}},
    "nankai.zwfw": {AUG: {"ZW01": 97, "ZW02": 1.8, "ZW03": 75}, SEP: {"ZW01": 96, "ZW02": 1.8, "ZW03": 72},
                    OCT: {"ZW01": 95.5, "ZW02": 1.8, "ZW03": 70}},
    "teda.zwfw": {AUG: {"ZW01": 99, "ZW02": 1.0, "ZW03": 85}, SEP: {"ZW01": 99, "ZW02": 1.0, "ZW03": 85}},
    "hexi.fgw": {AUG: {"FG01": 1250}, SEP: {"FG01": 1200}, OCT: {"FG01": 1100}},
}


def _received(period: date, unit: str) -> datetime:
    if unit == "nankai.zwfw" and period == OCT:
        return datetime(2026, 10, 28, 9, 0, tzinfo=TZ)
    return datetime(period.year, period.month, 20, 9, 0, tzinfo=TZ)


def _due(period: date) -> datetime:
    return datetime(period.year, period.month, 25, 23, 59, 59, tzinfo=TZ)


def add_submission(con, unit: str, region: str, period: date, version: int | None, current: bool,
                   received: datetime, status: str = "accepted", n_errors: int = 0, n_warnings: int = 0,
                   workdays_late: int | None = None) -> int:
    """One submission row as the loader writes it (on time and days late from the month's
    deadline; ``workdays_late`` defaults to the calendar days); returns its id."""
    due = _due(period)
    on_time = received <= due
    late = 0 if on_time else (received.date() - due.date()).days
    accepted = status == "accepted"
    [sid] = store.next_ids(con, "submission_id_seq", 1)
    con.execute(
        "insert into submission (id, sha256, unit, region, period, status, version, is_current, uploader,"
        " received_at, due_at, on_time, days_late, workdays_late, template_version, catalog_version,"
        " n_errors, n_warnings) values (?, ?, ?, ?, ?, ?, ?, ?, 'liaison', ?, ?, ?, ?, ?, 't1', 'fixture1', ?, ?)",
        [sid, f"sha-{unit}-{period}-{version}-{status}", unit, region, period, status, version, current,
         received, due, on_time if accepted else None, late if accepted else None,
         (late if workdays_late is None else workdays_late) if accepted else None, n_errors, n_warnings],
    )
    return int(sid)


def build_fixture_db(path: str | Path, refresh: bool = False) -> dict:
    """Create and fill a migrated database at ``path``; return what tests assert on.

    ``refresh=True`` also precomputes the dashboard tables as the loader would
    (``rules.stats.refresh``); without it every page judges the months live."""
    path = store.db_path(path)  # a file, or a PostgreSQL DSN (tests/fixtures_backends.py)
    store.migrate(path)
    ids: dict[tuple[str, date], int] = {}
    with store.write(path) as con:
        con.executemany("insert into region values (?, ?, ?, ?, ?)", REGIONS)
        con.executemany("insert into unit values (?, ?, ?, ?, ?, ?)", UNITS)
        con.executemany("insert into plan values (?, ?, ?, ?, ?, ?, ?)", PLANS)
        con.executemany("insert into measure values (?, ?, ?, ?, ?, ?, ?)", MEASURES)
        con.executemany("insert into measure_unit values (?, ?, ?)", MEASURE_UNITS)
        con.executemany(
            "insert into indicator values (?, ?, ?, ?, ?, ?, ?, ?, 'monthly', 'latest', ?, ?, ?, ?, null, null)",
            INDICATORS,
        )
        con.executemany("insert into indicator_target values (?, ?, ?, ?, ?, ?)", TARGETS)
        con.executemany("insert into indicator_owner values (?, ?)", OWNERS)
        refresh_candidate_units(con)
        con.execute("insert into meta values ('catalog_version', 'fixture1')")

        def submission(*args, **kwargs) -> int:
            return add_submission(con, *args, **kwargs)

        region_of = {u[0]: u[1] for u in UNITS}
        for unit, months in VALUES.items():
            for period, values in months.items():
                if unit == "heping.zwfw" and period == OCT:
                    first = submission(unit, "heping", period, 1, False, datetime(2026, 10, 18, 9, 0, tzinfo=TZ))
                    for row, (code, v) in enumerate(values.items(), start=4):
                        con.execute("insert into observation values (?, ?, ?, ?, ?, ?, null, ?, false, false)",
                                    [first, unit, "heping", period, code, v - 1, f"E{row}"])
                warn = 1 if (unit == "hexi.fgw" and period == OCT) else 0
                version = 2 if (unit == "heping.zwfw" and period == OCT) else 1
                sid = submission(unit, region_of[unit], period, version, True, _received(period, unit),
                                 n_warnings=warn)
                ids[(unit, period)] = sid
                for row, (code, v) in enumerate(values.items(), start=4):
                    con.execute("insert into observation values (?, ?, ?, ?, ?, ?, null, ?, true, false)",
                                [sid, unit, region_of[unit], period, code, v, f"E{row}"])
        rejected = submission("teda.zwfw", "teda", OCT, None, False, datetime(2026, 10, 24, 9, 0, tzinfo=TZ),
                              status="rejected", n_errors=1)
        con.execute(
            "insert into finding values (?, 'VALUE_NOT_NUMBER', 'error', '指标', 'E5', '本月值应为数字，实际为“两天”',"
            " '请填写数字，例如 2')", [rejected])
        fgw = ids[("hexi.fgw", OCT)]
        con.execute(
            "insert into finding values (?, 'CHANGE_OVER_50', 'warning', '指标', 'E4', '本月值较上月变化超过50%，请核实',"
            " '核实后在备注中说明原因')", [fgw])
        tasks = [
            (ids[("hexi.fgw", OCT)], "hexi.fgw", OCT, "001:m1", "滞后", 30.0, "完成方案起草", "资金未到位",
             "协调财政资金", 4),
            (ids[("heping.zwfw", OCT)], "heping.zwfw", OCT, "001:m1", "推进中", 60.0, "已压缩至1.5个工作日",
             None, "继续推进", 4),
            (ids[("nankai.zwfw", OCT)], "nankai.zwfw", OCT, "001:m2", "已完成", 100.0, "全部事项上线", None,
             None, 4),
            (ids[("hexi.fgw", SEP)], "hexi.fgw", SEP, "001:m1", "推进中", 20.0, "启动调研", None, None, 4),
        ]
        con.executemany("insert into task_progress values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true)", tasks)
    if refresh:
        from rules import stats

        with store.write(path) as con:
            stats.refresh(con)
    return {
        "path": path,
        "period": PERIOD,
        "now": NOW,
        "periods": [OCT, SEP, AUG],
        "units": [u[0] for u in UNITS],
        "met_unit": "heping.zwfw",
        "miss_unit": "hexi.zwfw",
        "amber_unit": "nankai.zwfw",
        "late_unit": "nankai.zwfw",
        "missing_unit": "teda.zwfw",
        "lagging_unit": "hexi.fgw",
        "three_months_unit": "hexi.zwfw",
        "warning_unit": "hexi.fgw",
        "growth_unit": "hexi.fgw",
        "below_avg_unit": "nankai.zwfw",
        "submission_ids": {f"{u}@{p:%Y-%m}": sid for (u, p), sid in ids.items()},
        "rejected_submission": rejected,
        "city_avg": {"ZW03": 80.0},
    }
