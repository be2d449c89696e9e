"""The dashboard fixture plus the 工作信息 liaisons reported, for the 专报 tests.

On top of tests/fixtures_dashboard.py (periods 2026-08 … 2026-10):
* 和平区政务服务办 (October, version 2): visited 12 firms, collected 5 problems, solved 4; its
  改革创新 text is long (cut with "……"), its 学习宣传 text looks like a Word field and a
  formula and holds a control character; 先进做法 is "无" (not quoted).
* 河西区发展改革委 (October): 3 visits, 2 collected, 2 solved; 活动开展 text.
* 和平区政务服务办 version 1 of October carries other texts that must not appear (replaced).
* 南开区政务服务办 (September): 7 visits, 1 collected, 0 solved (the quarter's texts).
* November 2026 has no return at all.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fixtures_dashboard import NOW, OCT, OFFICE, PERIOD, SEP, build_fixture_db  # noqa: F401

import store

LONG_INNOVATION = ("推行“企业开办一件事”集成办理，" * 20).strip("，") + "。"
FIELD_TEXT = "{ PAGE } 政策宣讲3场 =1+1 @SUM(A1)\x07"
ACTIVITY = "  组织政企座谈会2场，\n协调解决用地问题1件。  "
NOT_CURRENT = "这是被替换的旧版本内容"


def build_report_db(path: str | Path) -> dict:
    fx = build_fixture_db(path)
    sid = fx["submission_ids"]
    with store.write(path) as con:
        old = con.execute("select id from submission where unit = 'heping.zwfw' and period = ?"
                          " and not is_current and status = 'accepted'", [OCT]).fetchone()[0]
        rows = [
            (sid["heping.zwfw@2026-10"], "heping.zwfw", OCT, "visits", 12, None, True),
            (sid["heping.zwfw@2026-10"], "heping.zwfw", OCT, "issues_collected", 5, None, True),
            (sid["heping.zwfw@2026-10"], "heping.zwfw", OCT, "issues_solved", 4, None, True),
            (sid["heping.zwfw@2026-10"], "heping.zwfw", OCT, "innovation", None, LONG_INNOVATION, True),
            (sid["heping.zwfw@2026-10"], "heping.zwfw", OCT, "publicity", None, FIELD_TEXT, True),
            (sid["heping.zwfw@2026-10"], "heping.zwfw", OCT, "practices", None, "无", True),
            (old, "heping.zwfw", OCT, "visits", 99, None, False),
            (old, "heping.zwfw", OCT, "innovation", None, NOT_CURRENT, False),
            (sid["hexi.fgw@2026-10"], "hexi.fgw", OCT, "visits", 3, None, True),
            (sid["hexi.fgw@2026-10"], "hexi.fgw", OCT, "issues_collected", 2, None, True),
            (sid["hexi.fgw@2026-10"], "hexi.fgw", OCT, "issues_solved", 2, None, True),
            (sid["hexi.fgw@2026-10"], "hexi.fgw", OCT, "activities", None, ACTIVITY, True),
            (sid["nankai.zwfw@2026-09"], "nankai.zwfw", SEP, "visits", 7, None, True),
            (sid["nankai.zwfw@2026-09"], "nankai.zwfw", SEP, "issues_collected", 1, None, True),
            (sid["nankai.zwfw@2026-09"], "nankai.zwfw", SEP, "issues_solved", 0, None, True),
            (sid["nankai.zwfw@2026-09"], "nankai.zwfw", SEP, "practices", None, "借鉴上海“一网通办”经验", True),
        ]
        con.executemany("insert into work_info values (?, ?, ?, ?, ?, ?, ?)", rows)
    return fx | {"empty_period": date(2026, 11, 1), "quarter": "2026Q4", "q3": "2026Q3"}
