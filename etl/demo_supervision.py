"""督办 items for the demo database: a realistic mix in every status, made through the same
audited functions the pages call (``office.supervision``), dated back from today so the
colours (蓝/黄/红) read true when the demo is opened.

Called once from ``etl.demo.build_demo`` after the returns are in and judged.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime
from typing import Any

import pandas as pd

from accounts.access import SYSTEM_USER, User
from office import supervision as sup
from rules import flags as rules_flags
from rules import workdays
from rules.returns import add_months

TZ_NOW = sup.TZ

# (source, level, limit, opened working days ago, story) for items opened by hand
_BY_HAND = [
    ("complaint", "会商会", 10, 12, "企业投诉：办理施工许可时被要求重复提交已共享的材料",
     "10个工作日内核实并整改，取消重复提交要求，回访企业"),
    ("inspection", "专题会", 15, 4, "督查发现：政务服务中心“一窗受理”窗口仍按部门分设，综窗覆盖不足",
     "按“一窗受理、集成服务”要求调整窗口设置，报送整改方案和完成情况"),
    ("survey", "会商会", 10, 9, "营商环境调查：企业反映水电气报装需多次跑动，联合报装未落实",
     "梳理联合报装流程，实现“一表申请、一次办好”，报送流程图和办件记录"),
    ("instruction", "领导小组会", 20, 2, "领导批示：加快推进惠企政策“免申即享”，本季度兑现率偏低",
     "制定免申即享清单，季度末前兑现率达到80%以上"),
]


def _back(today: date, n: int) -> date:
    return workdays.add_workdays(today, -n)


def _liaison(unit: str) -> User:
    return User(unit, "liaison", unit=unit)  # demo liaison accounts are named after their unit


def _flags(path: Any, period: date, now: datetime, units: list[str]) -> pd.DataFrame:
    df = rules_flags.red_flags(path, period, now, limit=2000, units=units)
    order = {"未达标": 0, "连续三个月未达标": 1, "任务滞后": 2, "逾期未报": 3, "预警": 4, "迟报": 5, "数据存疑": 6}
    return df.assign(o=df["flag"].map(order)).sort_values(["o", "unit"], kind="stable").drop(columns="o")


def _pick(df: pd.DataFrame, used: set[str], n: int) -> list[dict]:
    """Up to ``n`` flags, of units not used yet first (one item per unit reads better), then
    other flags of the same units when there are fewer units than stories."""
    rows = df.to_dict("records")
    out, seen = [], set()
    for row in rows:
        if row["unit"] not in used:
            used.add(row["unit"])
            out.append(row)
            seen.add(id(row))
    out += [r for r in rows if id(r) not in seen]
    return out[:n]


def build_demo_supervision(path: Any, units: list[str], last_period: date, today: date | None = None) -> int:
    """Open, sign, work on, apply for, close, return and escalate demo items; returns how many."""
    if not units:
        return 0
    today = today or sup.beijing_today()
    now = datetime.now(TZ_NOW)
    flags = _flags(path, last_period, now, units)
    earlier = _flags(path, add_months(last_period, -1), now, units)
    used: set[str] = set()
    office = SYSTEM_USER
    n = 0

    def from_flag(flag: dict, ago: int, limit: int, level: str = "会商会", requirement: str | None = None):
        nonlocal n
        n += 1
        return sup.open_item(office, lead=flag["unit"], problem="", flags=[flag], level=level,
                             requirement=requirement or "查找原因，制定整改措施，下月报送数据达到目标并附整改说明",
                             limit_workdays=limit, today=_back(today, ago), db=path)

    # a flag of last month met this month: closed on the offered return
    for flag in _pick(earlier[earlier["flag"] == "未达标"], set(used), 50):
        offered = sup.offered_for_flags(path, [flag])
        if offered.empty:
            continue
        used.add(flag["unit"])
        item = from_flag(flag, 22, 20)
        who = _liaison(item.lead)
        sup.sign(who, item.id, today=_back(today, 21), db=path)
        sup.apply_close(who, item.id, sup.Evidence(note="本月数据已达到目标", submission_id=int(
            offered["submission_id"].iloc[0])), today=_back(today, 6), db=path)
        sup.approve(office, item.id, "月报数据已达标，同意销号", today=_back(today, 5), db=path)
        break
    plan = _pick(flags, used, 8)
    steps = [
        # (ago, limit, what happens)
        (1, 10, "open"),                 # 待签收, 蓝
        (3, 10, "progress"),             # 整改中, 蓝
        (8, 10, "progress"),             # 整改中, 黄 (2 left)
        (7, 15, "apply"),                # 申请销号
        (25, 20, "close"),               # 已销号
        (11, 15, "returned"),            # 退回整改
        (16, 10, "overdue"),             # 逾期 (signed), proposal 专题会
        (14, 10, "unsigned"),            # 逾期, never signed
    ]
    for flag, (ago, limit, story) in zip(plan, steps):
        item = from_flag(flag, ago, limit)
        who = _liaison(item.lead)
        opened = item.opened_on
        if story in ("progress", "apply", "close", "returned", "overdue"):
            sup.sign(who, item.id, today=workdays.add_workdays(opened, 1), db=path)
            sup.report_progress(who, item.id, "已召开专题推进会，明确整改措施和责任人，正在逐项落实。",
                                today=workdays.add_workdays(opened, 2), db=path)
        if story in ("apply", "close", "returned"):
            sup.apply_close(who, item.id, sup.Evidence(
                note="已完成流程优化并上线，附整改报告。", file_name="整改报告.pdf",
                file_bytes=_pdf(f"{item.number} 整改报告")), today=workdays.add_workdays(opened, 4), db=path)
        if story == "close":
            sup.approve(office, item.id, "整改到位，同意销号", today=workdays.add_workdays(opened, 5), db=path)
        if story == "returned":
            sup.return_application(office, item.id, "佐证不足：未附企业回访记录，请补充后重新申请",
                                   today=workdays.add_workdays(opened, 6), db=path)
    # by hand
    others = [u for u in units if u not in used] or units
    for i, (source, level, limit, ago, problem, requirement) in enumerate(_BY_HAND):
        lead = others[i % len(others)]
        coop = [others[(i + 1) % len(others)]] if len(others) > 1 else []
        n += 1
        item = sup.open_item(office, lead=lead, cooperating=coop, problem=problem, requirement=requirement,
                             source=source, level=level, limit_workdays=limit, today=_back(today, ago), db=path)
        if source in ("complaint", "survey"):
            sup.sign(_liaison(lead), item.id, today=workdays.add_workdays(item.opened_on, 1), db=path)
    sup.sweep(today=today, db=path)
    # an overdue item the office took to the 专题会 with a new time limit
    overdue = sup.list_items(path, office, status="逾期", today=today)
    if not overdue.empty:
        first = int(overdue["id"].iloc[-1])
        sup.escalate(office, first, "多次催办未见成效，需跨部门协调", limit_workdays=15, today=today, db=path)
    return n


def _pdf(text: str) -> bytes:
    """A one-page PDF standing in for a scanned report (ASCII body: the demo needs no fonts)."""
    body = f"BT /F1 18 Tf 72 720 Td (Rectification report {zlib.crc32(text.encode()) % 10_000}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
             b" /Resources << /Font << /F1 5 0 R >> >> >>"),
            b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
