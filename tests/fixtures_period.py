"""A small database with quarterly and yearly targets, built by INSERTing rows (issue 19).

Story (2026, one unit per target, returns on the 20th of each month):
* 经开区人社局 fills jobs month by month (JOBS, yearly, sum, ≥20,000 人, amber 2,000):
  1,900–2,200 a month, 14,334 by July — behind the ten-month pace? No: 14,334 ≥ 20,000 × 7/12
  = 11,667, so it is on track in July, and the year ends at 24,334 (达标).
* 经开区人社局 also reports 留才率 (RATE, yearly, mean, ≥95 %): 94 % on average over
  January–July, so the five months left must average 96.4 %.
* 经开区政务服务办 reports 一次办比例 (QRATE, quarterly, mean, ≥90 %): 88, 92, 95 in Q3
  (mean 91.7 %, 达标 once, in September) and 80, 85, 84 in Q4 (mean 83 %, 未达标 in December).
* 经开区政务服务办 reports 典型案例 (CASES, quarterly, sum, ≥3 件, schedule 20/60/100 % by month):
  0, 1, 1 in Q3 (2 < 3: 未达标 in September; 0 in July is behind the 20 % schedule).
* 经开区电力公司 reports 停电时间 as the cumulative figure of the year (OUTAGE, yearly,
  report cumulative, <0.6 小时): 0.1 by March, 0.5 by July (the pace allows 0.35: 进度滞后).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import store
from store.catalog_sync import refresh_candidate_units

TZ = ZoneInfo("Asia/Shanghai")
JOBS_MONTHS = [1900, 2000, 2100, 2034, 2200, 2000, 2100, 1900, 2000, 2100, 2000, 2000]  # 14,334 by July
RATE_MONTHS = [93, 94, 95, 94, 93, 95, 94]
QRATE = {7: 88, 8: 92, 9: 95, 10: 80, 11: 85, 12: 84}
CASES = {7: 0, 8: 1, 9: 1}
OUTAGE_CUMULATIVE = {1: 0.0, 2: 0.05, 3: 0.1, 4: 0.2, 5: 0.3, 6: 0.4, 7: 0.5}

UNITS = [
    ("teda.rsj", "teda", "经开区人社局", "rsj", None, None),
    ("teda.zwfw", "teda", "经开区政务服务办", "zwfw", None, None),
    ("teda.power", "teda", "经开区电力公司", "power", None, None),
]
# code, name, uom, comparator, target, direction, frequency, rollup, amber, owner, report, schedule
INDICATORS = [
    ("JOBS", "解决区内企业用工", "人", ">=", 20000.0, "higher_better", "yearly", "sum", 2000.0, "teda.rsj",
     "month", None),
    ("RATE", "企业留才率", "%", ">=", 95.0, "higher_better", "yearly", "mean", None, "teda.rsj", "month", None),
    ("QRATE", "一次办比例", "%", ">=", 90.0, "higher_better", "quarterly", "mean", 1.0, "teda.zwfw",
     "month", None),
    ("CASES", "典型案例数", "件", ">=", 3.0, "higher_better", "quarterly", "sum", None, "teda.zwfw",
     "month", "[20, 60, 100]"),
    ("OUTAGE", "年度系统平均停电时间", "小时", "<", 0.6, "lower_better", "yearly", "latest", 0.1, "teda.power",
     "cumulative", None),
]


def _values() -> dict[tuple[str, date], dict[str, float]]:
    out: dict[tuple[str, date], dict[str, float]] = {}
    for m, v in enumerate(JOBS_MONTHS, start=1):
        out.setdefault(("teda.rsj", date(2026, m, 1)), {})["JOBS"] = v
    for m, v in enumerate(RATE_MONTHS, start=1):
        out.setdefault(("teda.rsj", date(2026, m, 1)), {})["RATE"] = v
    for m, v in QRATE.items():
        out.setdefault(("teda.zwfw", date(2026, m, 1)), {})["QRATE"] = v
    for m, v in CASES.items():
        out.setdefault(("teda.zwfw", date(2026, m, 1)), {})["CASES"] = v
    for m, v in OUTAGE_CUMULATIVE.items():
        out.setdefault(("teda.power", date(2026, m, 1)), {})["OUTAGE"] = v
    return out


def build_period_db(path: str | Path, refresh: bool = False) -> Path:
    """Create and fill a migrated database at ``path`` (``refresh``: precompute as the loader)."""
    path = Path(path)
    store.migrate(path)
    with store.write(path) as con:
        con.execute("insert into region values ('teda', '天津经济技术开发区', 'zone', null, '经开区')")
        con.executemany("insert into unit values (?, ?, ?, ?, ?, ?)", UNITS)
        con.execute("insert into plan values ('001', '营商环境攻坚行动方案', '营商办', 'teda', null, null, null)")
        for (code, name, uom, comp, target, direction, freq, rollup, amber, owner, report,
             schedule) in INDICATORS:
            con.execute(
                "insert into indicator (code, name, uom, comparator, target, direction, frequency, rollup,"
                " plan, measure, common, amber) values (?, ?, ?, ?, ?, ?, ?, ?, '001', '1.', false, ?)",
                [code, name, uom, comp, target, direction, freq, rollup, amber])
            con.execute("insert into indicator_target values (?, ?, ?, ?, date '2026-01-01', null)",
                        [code, comp, target, amber])
            con.execute("insert into indicator_owner values (?, ?)", [code, owner])
            con.execute("insert into indicator_period values (?, ?, ?::double[])", [code, report, schedule])
        refresh_candidate_units(con)
        con.execute("insert into meta values ('catalog_version', 'period1')")
        for (unit, period), values in sorted(_values().items()):
            received = datetime(period.year, period.month, 20, 9, 0, tzinfo=TZ)
            due = datetime(period.year, period.month, 25, 23, 59, 59, tzinfo=TZ)
            sid = con.execute(
                "insert into submission (sha256, unit, region, period, status, version, is_current, uploader,"
                " received_at, due_at, on_time, days_late, workdays_late, template_version, catalog_version)"
                " values (?, ?, 'teda', ?, 'accepted', 1, true, 'liaison', ?, ?, true, 0, 0, 't1', 'period1')"
                " returning id", [f"sha-{unit}-{period}", unit, period, received, due]).fetchone()[0]
            for row, (code, v) in enumerate(values.items(), start=4):
                con.execute("insert into observation values (?, ?, 'teda', ?, ?, ?, null, ?, true, false)",
                            [sid, unit, period, code, v, f"E{row}"])
    if refresh:
        from rules import stats

        with store.write(path) as con:
            stats.refresh(con)
    return path
