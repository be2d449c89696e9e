"""Page data of the quarterly assessment (季度考核): ranking, per-unit breakdown, the rows
behind each point, trends, lock state and the .xlsx export. Scores come from
``rules.assess``; who may see what is checked here, before any figure is read.

Office and leaders read every unit; a liaison reads their own unit's breakdown and cases
(and units the office granted), never the ranking of others.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pandas as pd

import store
from accounts.access import AccessDenied, User, readable_units, require_read_unit
from rules import assess
from rules.assess import Quarter, UnitScore

Db = str | os.PathLike | None

KIND_NAMES = {"indicators": "指标达标", "tasks": "任务进展", "reporting": "报送质量", "external": "第三方评价",
              "bonus": "加分", "deductions": "扣分"}

RANKING_LABELS = {"rank": "名次", "unit_name": "单位", "region_name": "区域", "score": "总分", "bonus": "加分",
                  "deductions": "扣分", "note": "说明"}

EVIDENCE_LABELS = {
    "period": "月份", "code": "指标代码", "name": "指标", "value_text": "本月值", "target_text": "目标",
    "verdict": "评判", "earned": "得分比例", "reason": "原因", "submission_id": "报送编号", "cell": "单元格",
    "measure_key": "措施键", "number": "措施编号", "title": "名称", "plan_title": "所属方案", "status": "状态",
    "pct": "完成百分比", "progress": "本月进展", "problems": "存在问题", "version": "版本", "is_current": "当前版本",
    "received_at": "收到时间", "on_time": "按时", "days_late": "迟报天数", "n_errors": "错误数",
    "first_on_time": "首个通过版本按时", "first_pass": "首次上传即通过", "corrections": "更正次数",
    "kind": "类别", "id": "编号", "detail": "成效/依据", "by": "审核人", "at": "时间", "points": "分值",
    "evidence": "依据", "entered_by": "录入人", "entered_at": "录入时间",
}


def _require_ranking(user: User) -> None:
    if readable_units(user) is not None:
        raise AccessDenied("考核排名仅限领导小组办公室和领导查看；联络员可查看本单位的得分构成和典型案例。")


def quarters(db: Db = None, today: datetime | None = None) -> list[str]:
    """Quarters with returns or assessment records, newest first (the current one included)."""
    with store.read(db) as con:
        months = [r[0] for r in con.execute(
            "select distinct period from submission where period is not null").fetchall()]
        keys = {r[0] for r in con.execute(
            "select quarter from assessment_lock union select quarter from typical_case"
            " union select quarter from assessment_entry").fetchall()}
    keys |= {Quarter.of(m).key for m in months}
    if not keys:
        keys.add(Quarter.of((today or datetime.now(UTC)).date()).key)
    return sorted(keys, key=Quarter.parse, reverse=True)


def scores(db: Db, user: User, quarter: str, region: str | None = None,
           now: datetime | None = None, items: bool = True) -> list[UnitScore]:
    """The quarter's scores the user may read (stored when locked)."""
    q = Quarter.parse(quarter)
    only = readable_units(user, db)
    with store.read(db) as con:
        return assess.assess(con, q, region=region, only=only, now=now, items=items)


def ranking(db: Db, user: User, quarter: str, region: str | None = None,
            now: datetime | None = None) -> pd.DataFrame:
    """One row per unit: rank, score and each component's points (office and leaders)."""
    _require_ranking(user)
    rows = []
    for s in scores(db, user, quarter, region, now, items=False):
        row = {"rank": s.rank, "unit": s.unit, "unit_name": s.unit_name, "region": s.region,
               "region_name": s.region_name, "score": s.score}
        for c in s.components.values():
            row[c.name] = c.points if c.max else None
        row.update({"bonus": s.bonus, "deductions": s.deductions,
                    "note": "" if s.on_roster else "未纳入报送名单，不参与排名"})
        rows.append(row)
    return pd.DataFrame(rows)


def breakdown(db: Db, user: User, quarter: str, unit: str, now: datetime | None = None) -> pd.DataFrame:
    """Every item behind one unit's score: component, item, earned/possible and its points
    (points of a component's items add up to the component's points, up to rounding)."""
    found = unit_score(db, user, quarter, unit, now)
    if found is None:
        return pd.DataFrame(columns=["kind", "component", "key", "item", "detail", "earned", "possible", "points"])
    return breakdown_rows(found)


def _one(db: Db, quarter: str, unit: str, now: datetime | None, region: str | None = None) -> list[UnitScore]:
    """One unit's score with its items, ranked among all units or, given ``region``, among the
    region's units as its ranking board is (the rank needs every total: 13 s for the whole
    country)."""
    q = Quarter.parse(quarter)
    with store.read(db) as con:
        if assess.lock_info(con, q):
            return [s for s in assess.assess(con, q) if s.unit == unit]
        ranked = {s.unit: s.rank
                  for s in assess.compute(con, q, assess.rules_for(q), region=region, now=now, items=False)}
        found = assess.compute(con, q, assess.rules_for(q), only=[unit], now=now)
    for s in found:
        s.rank = ranked.get(s.unit)
    return found


def unit_score(db: Db, user: User, quarter: str, unit: str, now: datetime | None = None,
               region: str | None = None) -> UnitScore | None:
    """One unit's score with items, ranked among all units, or among ``region``'s (what the
    breakdown header shows next to that region's board)."""
    require_read_unit(user, unit, db)
    found = _one(db, quarter, unit, now, region)
    return found[0] if found else None


def breakdown_rows(s: UnitScore) -> pd.DataFrame:
    rows = []
    for c in s.components.values():
        possible = sum(i.get("possible", 1) for i in c.items) or 1
        for i in c.items:
            rows.append({"unit": s.unit, "unit_name": s.unit_name, "kind": c.id, "component": c.name,
                         "key": i.get("key"), "item": i.get("label"), "detail": _item_detail(c.id, i),
                         "earned": i.get("earned"), "possible": i.get("possible", 1),
                         "points": round(c.max * (i.get("earned") or 0) / possible, 2)})
    for b in s.bonus_items:
        rows.append({"unit": s.unit, "unit_name": s.unit_name, "kind": "bonus", "component": "加分",
                     "key": str(b["id"]), "item": b["title"], "detail": b.get("effect"), "earned": None,
                     "possible": None, "points": b["points"]})
    for d in s.deduction_items:
        rows.append({"unit": s.unit, "unit_name": s.unit_name, "kind": "deductions", "component": "扣分",
                     "key": str(d["id"]), "item": d["reason"], "detail": d.get("evidence"), "earned": None,
                     "possible": None, "points": -d["points"]})
    return pd.DataFrame(rows)


def _item_detail(kind: str, i: dict) -> str:
    if kind == "indicators":
        return f"达标 {i['met']} 个月、预警 {i['amber']}、未达标 {i['failed']}、未报 {i['missing']}（共 {i['possible']} 个月）"
    if kind == "tasks":
        return f"最近进展：{i['status']}"
    if kind == "reporting":
        if i.get("missing"):
            return "未报送"
        parts = ["按时" if i["on_time"] else "迟报", "首次即通过" if i["first_pass"] else "曾被退回"]
        if i["corrections"]:
            parts.append(f"更正 {i['corrections']} 次")
        return "，".join(parts)
    if kind == "external":
        return f"来源：{i.get('evidence')}"
    return ""


def evidence(db: Db, user: User, quarter: str, unit: str, kind: str, key: str | None = None,
             now: datetime | None = None) -> pd.DataFrame:
    """The rows behind one point (Chinese column names), as the records stand now."""
    require_read_unit(user, unit, db)
    with store.read(db) as con:
        df = assess.evidence(con, Quarter.parse(quarter), unit, kind, key=key, now=now)
    for col in df.columns:
        if df[col].dtype == bool:
            df[col] = df[col].map({True: "是", False: "否"})
    if "period" in df:
        df["period"] = pd.to_datetime(df["period"]).dt.strftime("%Y年%-m月")
    for col in ("received_at", "entered_at", "at"):
        if col in df and len(df):
            df[col] = pd.to_datetime(df[col]).dt.strftime("%Y-%m-%d %H:%M")
    if kind == "reporting" and "status" in df:
        df["status"] = df["status"].map({"accepted": "通过", "rejected": "退回"}).fillna("未报送")
    return df.rename(columns=EVIDENCE_LABELS)


def lock_state(db: Db, user: User, quarter: str, now: datetime | None = None) -> tuple[dict | None, pd.DataFrame]:
    """Who locked the quarter and when, and which units would score differently now."""
    q = Quarter.parse(quarter)
    with store.read(db) as con:
        lock = assess.lock_info(con, q)
        diff = assess.differences(con, q, now=now) if lock and readable_units(user, db) is None else pd.DataFrame()
    if lock:  # shown in Beijing time
        at = pd.Timestamp(lock["locked_at"]).tz_convert("Asia/Shanghai")
        lock = {**lock, "locked_at_local": at.strftime("%Y-%m-%d %H:%M")}
    return lock, diff.rename(columns={"unit_name": "单位", "locked_score": "锁定时得分", "score_now": "按当前数据",
                                      "delta": "差值", "changed": "变化的部分"}).drop(columns=["unit"], errors="ignore")


def trend(db: Db, user: User, quarters_back: int = 4, region: str | None = None,
          now: datetime | None = None) -> pd.DataFrame:
    """Each unit's score and rank over the last quarters with data (leaders' trend view)."""
    _require_ranking(user)
    keys = quarters(db)[:quarters_back][::-1]
    rows = []
    for key in keys:
        for s in scores(db, user, key, region, now, items=False):
            rows.append({"quarter": key, "quarter_label": Quarter.parse(key).label, "unit": s.unit,
                         "unit_name": s.unit_name, "region_name": s.region_name, "score": s.score,
                         "rank": s.rank, "locked": s.locked})
    return pd.DataFrame(rows)


def trend_figure(df: pd.DataFrame, units: list[str]):
    """Line chart of the chosen units' scores over quarters."""
    import plotly.express as px

    shown = df[df["unit"].isin(units)]
    fig = px.line(shown, x="quarter_label", y="score", color="unit_name", markers=True,
                  labels={"quarter_label": "季度", "score": "总分", "unit_name": "单位"},
                  title="各单位季度考核得分走势")
    fig.update_layout(legend={"orientation": "h", "y": -0.2}, margin={"t": 50})
    return fig


# units up to which the workbook carries each unit's 得分明细 and 第三方评价 rows: a whole
# country's (352 k units, ~10 rows each) took more than 10 GB of the server's memory and
# stopped unfinished; such a scope gets the ranking, and the detail region by region
DETAIL_UNITS = 20_000


def export_xlsx(db: Db, user: User, quarter: str, region: str | None = None, now: datetime | None = None) -> bytes:
    """The assessment as one workbook: 排名, 得分明细 (long table), 依据 (cases, entries, lock).
    Over ``DETAIL_UNITS`` units, 得分明细 says to download it by region instead."""
    from dashboard.export import workbook_bytes

    _require_ranking(user)
    q = Quarter.parse(quarter)
    found = scores(db, user, quarter, region, now)
    rank = ranking(db, user, quarter, region, now).drop(columns=["unit", "region"], errors="ignore")
    rank = rank.rename(columns=RANKING_LABELS)
    detail = len(found) <= DETAIL_UNITS
    if not detail:
        long = pd.DataFrame({"说明": [f"共 {len(found):,} 个单位，逐项得分明细超出一个工作簿能打开的规模，未列出。"
                                     "请在“季度考核”页选择区域后下载该区域的得分明细；各单位的得分构成也可在页面上逐个查看。"]})
    elif found:
        long = pd.concat([breakdown_rows(s) for s in found], ignore_index=True)
    else:
        long = pd.DataFrame()
    long = long.drop(columns=["unit", "kind"], errors="ignore").rename(columns={
        "unit_name": "单位", "component": "考核项", "key": "项目键", "item": "项目", "detail": "情况",
        "earned": "得分比例", "possible": "计分项数", "points": "得分"})
    evidence_rows = []
    lock, _ = lock_state(db, user, quarter, now)
    if lock:
        evidence_rows.append({"类别": "季度锁定", "单位": "全部", "事项": lock["reason"],
                              "依据/成效": f"规则版本 {lock['rules_version']}", "分值": None,
                              "经办人": lock["locked_by"], "时间": lock["locked_at"]})
    for s in found:
        for b in s.bonus_items:
            evidence_rows.append({"类别": "典型案例" if b["kind"] == "case" else "改革创新加分", "单位": s.unit_name,
                                  "事项": b["title"], "依据/成效": b.get("effect"), "分值": b["points"],
                                  "经办人": None, "时间": None})
        for d in s.deduction_items:
            evidence_rows.append({"类别": "扣分", "单位": s.unit_name, "事项": d["reason"], "依据/成效": d["evidence"],
                                  "分值": -d["points"], "经办人": d["entered_by"], "时间": None})
        ext = s.components.get("external") if detail else None
        for i in (ext.items if ext else []):
            evidence_rows.append({"类别": "第三方评价", "单位": s.unit_name, "事项": i["label"],
                                  "依据/成效": i["evidence"], "分值": round(i["earned"] * 100, 2),
                                  "经办人": None, "时间": None})
    return workbook_bytes([(f"{q.label}排名", rank), ("得分明细", long), ("依据", pd.DataFrame(evidence_rows))])


def case_choices(db: Db, unit: str) -> tuple[dict[str, str], dict[str, str]]:
    """Measures the unit leads or shares and indicators it owns, as a case form offers them."""
    with store.read(db) as con:
        measures = con.execute(
            "select m.key, p.title || ' ' || m.number || ' ' || m.title from measure m"
            " join plan p on p.id = m.plan where m.key in (select measure_key from measure_unit where unit = ?)"
            " order by m.plan, m.seq", [unit]).fetchall()
        inds = con.execute("select i.code, i.name from indicator i where i.code in"
                           " (select code from indicator_owner where unit = ?) order by i.code", [unit]).fetchall()
    return dict(measures), dict(inds)


def quarter_label(key: str) -> str:
    """2026Q3 -> 2026年第三季度 (what selectboxes and messages show)."""
    return Quarter.parse(key).label
