"""The evidence behind one verdict, for the panel every verdict view opens (issue 11).

Data only (no Streamlit): ``verdict_evidence`` reads the row that ``python -m etl judge``
prints (``rules.verdict``: the same judging code), checked against what the user may read;
``facts`` lays it out as the label/value pairs the panel shows; ``original_file`` hands the
archived bytes to the office and to the unit itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from accounts import scope
from accounts.access import AccessDenied, User
from rules import verdict
from rules.format import fmt_target, fmt_value
from store import archive

Db = Any

COMPARATOR_TEXT = {"city_avg": "与全市平均比较", "growth": "较基期增长", ">=": "不低于", ">": "高于",
                   "<=": "不高于", "<": "低于", "=": "等于"}


def verdict_evidence(db: Db, user: User, unit: str, code: str, period: date) -> dict | None:
    """The verdict of ``unit`` × ``code`` in ``period`` with everything it rests on."""
    scope.check_unit(user, db, unit)
    return verdict.evidence_of(db, unit, code, period)


def _day(v: Any) -> str:
    return "—" if v is None or pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d}"


def facts(ev: dict) -> dict[str, list[tuple[str, str]]]:
    """The panel's sections: 评判, 报送值, 目标, 参照 (label, text) pairs, all Chinese."""
    rec = ev["record"]
    uom = ev.get("uom")
    judged = [("结论", ev["status"]), ("说明", ev.get("reason") or "—")]
    sent: list[tuple[str, str]] = [("本月值", fmt_value(ev.get("value"), uom))]
    e = rec["evidence"]
    if e:
        sent += [
            ("文件", ev.get("file_name") or "—"),
            ("SHA-256", e["file_sha256"] or "—"),
            ("报送编号 / 版本", f"{e['submission_id']} / 第 {e['version']} 版"),
            ("报送人", e["uploader"] or "—"),
            ("收到时间", verdict.received_text(ev.get("received_at"))),
            ("工作表 / 单元格", f"{e['sheet']}!{e['cell']}"),
        ]
    else:
        sent.append(("报送记录", "本月未收到含该指标数值的月报"))
    if ev.get("comparator") is None:
        target = [("目标", "无目标：报送单位所在地区没有方案为该指标设定目标，仅作比较和排名")]
    else:
        plan = f"方案 {ev.get('plan')}《{ev.get('plan_title') or ''}》（{ev.get('plan_region_name') or ''}）"
        measure = f"第 {ev.get('measure')} 条" + (f" {ev['measure_title']}" if ev.get("measure_title") else "")
        target = [
            ("目标值", fmt_target(ev["comparator"], ev.get("target"), uom)),
            ("比较方式", COMPARATOR_TEXT.get(ev["comparator"], ev["comparator"])
             + ("（一般应当：未达到为预警）" if ev.get("soft") else "")),
            ("生效日期", f"{_day(ev.get('target_from'))} 至 {_day(ev.get('target_to')) if ev.get('target_to') is not None else '长期'}"),
            ("来源方案", plan),
            ("措施编号", measure),
            ("条款", ev.get("clause") or measure),
            ("原文", f"“{ev['source']}”" if ev.get("source") else "—"),
        ]
    out = {"评判": judged, "报送值": sent, "目标": target}
    ref = rec["reference"]
    if ref is not None:
        if ref["kind"] == "city_avg":
            basis = f"{ref['n']} 个区的平均" if "n" in ref else f"办公室录入，来源：{ref['source']}"
            out["参照"] = [("全市平均", fmt_value(ref["value"], uom)), ("依据", basis)]
        else:
            out["参照"] = [("基期值", fmt_value(ref["value"], uom)), ("来源", ref.get("source") or "—")]
    elif ev.get("comparator") in ("city_avg", "growth"):
        out["参照"] = [("参照", "无参照：尚无可用的全市平均或基期值，暂不评判")]
    return out


def may_download(user: User, unit: str) -> bool:
    """The office and the unit itself may download the original file."""
    return user.role == "office" or user.unit == unit


def original_file(db: Db, user: User, unit: str, sha256: str) -> bytes:
    """The archived bytes of the return behind a verdict (office or the unit itself)."""
    if not may_download(user, unit):
        raise AccessDenied("只有领导小组办公室和报送单位本身可以下载原始文件。")
    return archive.read_bytes(db, sha256)
