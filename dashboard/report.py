"""营商环境专报 (monthly) and 季度考核报告 (quarterly) as Word documents, from the database.

Plan 001 附件5: the office compiles the liaisons' monthly information into a 专报 for the
leading group. Every figure here comes from the functions the pages use (``dashboard.queries``,
``dashboard.flags``, ``dashboard.work_info``), so the document and the dashboard never disagree;
this module only picks, orders and words them. ``collect`` reads, ``render`` writes (each
section is a function of its data, testable without a database), ``build`` does both.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

import store
from accounts.access import User
from dashboard import queries as q
from dashboard import report_office as ro
from dashboard import word
from dashboard import work_info as wi
from dashboard.flags import flag_counts, red_flags
from rules import returns
from rules.format import fmt_pct

CN_DIGITS = "零一二三四五六七八九十"
FLAG_ROWS = 120         # rows of the red-flag table; the rest are counted, not listed
QUOTE_CHARS = 160       # a liaison's text is quoted up to this many characters
TREND_MONTHS = 6
CHART_UNITS = 15        # units drawn in the score chart
# A province's or the country's report would otherwise list 20 k regions, 100 k lagging tasks
# and 350 k units (measured on bench/synth.py's national database: the document never
# finished). Longer lists are cut, and the document says how many it leaves out and where
# the system shows them all; a city's report (16 districts and its zones) is not cut.
TABLE_ROWS = 40         # rows of the region and task tables (a ranking: its first and last half)
CHART_REGIONS = 20      # bars of a cut region chart (a taller picture runs off the page)
NAMED_UNITS = 30        # units named in one sentence (迟报, 逾期未报)
QUOTES = 60             # quotes printed per 工作信息 item
ASSESS_ROWS = 300       # units in the assessment table (its first and last half)


class ReportError(ValueError):
    """A request the report cannot serve (bad period); ``str(err)`` is Chinese."""

    code = "REPORT_BAD_PERIOD"


@dataclass(frozen=True)
class Edition:
    """Which report: a month (``quarter`` None) or a quarter, for the city or one region."""

    period: date                    # the month, or the last month of the quarter
    quarter: str | None = None
    region: str | None = None

    @classmethod
    def parse(cls, period: str | None = None, quarter: str | None = None,
              region: str | None = None) -> Edition:
        """From the CLI's ``--period 2026-11`` or ``--quarter 2026Q3``."""
        if bool(period) == bool(quarter):
            raise ReportError("请给出 --period（如 2026-11，月度专报）或 --quarter（如 2026Q3，季度考核报告）之一。")
        if quarter:
            m = re.fullmatch(r"(\d{4})Q([1-4])", quarter.strip().upper())
            if not m:
                raise ReportError(f"季度格式应为 2026Q3，实际为“{quarter}”。")
            last = date(int(m.group(1)), 3 * int(m.group(2)), 1)
            return cls(last, f"{m.group(1)}Q{m.group(2)}", region)
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", (period or "").strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ReportError(f"月份格式应为 2026-11，实际为“{period}”。")
        return cls(date(int(m.group(1)), int(m.group(2)), 1), None, region)

    @property
    def filters(self) -> q.Filters:
        return q.Filters(self.period, self.quarter, self.region)

    @property
    def span(self) -> tuple[date, date]:
        return self.filters.span()

    @property
    def months(self) -> list[date]:
        return returns.months_between(*self.span)

    def previous(self) -> Edition:
        if self.quarter:
            p = returns.add_months(self.period, -3)
            return Edition(p, f"{p.year}Q{(p.month - 1) // 3 + 1}", self.region)
        return Edition(returns.add_months(self.period, -1), None, self.region)

    @property
    def label(self) -> str:
        if self.quarter:
            return f"{self.period.year}年第{CN_DIGITS[int(self.quarter[-1])]}季度"
        return f"{self.period.year}年{self.period.month}月"

    @property
    def short_label(self) -> str:
        return "本季度" if self.quarter else "本月"

    @property
    def previous_label(self) -> str:
        return "上季度" if self.quarter else "上月"


@dataclass
class ReportData:
    """Everything a report shows, read once. The office's records (cases, 督办, scores) are
    ``None`` when this installation has no such records to read."""

    edition: Edition
    scope_name: str
    issuer: str
    now: datetime
    kpis: dict
    prev_kpis: dict
    trend: pd.DataFrame
    status: pd.DataFrame            # per month: expected and the count of each status
    named: pd.DataFrame             # the first NAMED_UNITS 迟报 and 逾期未报 units of each month
    flags: pd.DataFrame             # red_flags of each month (capped), with ``period``
    flag_total: pd.DataFrame        # flag, n over the span
    ranking: pd.DataFrame
    lagging: pd.DataFrame
    work: pd.DataFrame
    cases: pd.DataFrame | None = None
    supervision: pd.DataFrame | None = None
    assessment: pd.DataFrame | None = None
    latest: date | None = None      # the month flags and the region comparison are of
    notes: list[str] = field(default_factory=list)

    @property
    def has_returns(self) -> bool:
        return bool(self.kpis.get("submitted"))


# --- reading ----------------------------------------------------------------------------


def _scope_name(db: Any, region: str | None) -> tuple[str, str]:
    """(scope name, issuing office): the region's name, else the city's."""
    regions = q.regions(db)
    if region:
        hit = regions[regions["id"] == region]
        if hit.empty:
            raise ReportError(f"区域“{region}”不存在，请用 python -m etl roster list 或系统中的区域名单核对编号。")
        name = str(hit.iloc[0]["name"])
    else:
        city = regions[regions["kind"] == "city"]
        name = str(city.iloc[0]["name"]) if not city.empty else "全市"
    return name, f"{name}优化营商环境工作领导小组办公室"


def _per_month(fn, months: list[date]) -> pd.DataFrame:
    """``fn(month)`` for each month, stacked with a ``period`` column. A unit the catalog no
    longer names keeps its id rather than printing as blank."""
    frames = [fn(m).assign(period=m) for m in months]
    frames = [f for f in frames if not f.empty]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if {"unit", "unit_name"} <= set(df.columns):
        df["unit_name"] = df["unit_name"].fillna(df["unit"])
    return df


def _has(module: str) -> bool:
    """Whether ``module`` is part of this build (the office records of issues 14 and 15)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def office_records(db: Any, user: User, edition: Edition, now: datetime) -> dict[str, pd.DataFrame | None]:
    """Typical cases, 督办 items and (quarterly edition) the assessment scores of ``edition``,
    read by the office's own modules and shaped by ``report_office``.

    ``office.cases`` + ``rules.assess`` (issue 14) and ``office.supervision`` (issue 15) are
    developed beside this report; a build without one of them leaves its section out (None)
    rather than printing an empty one. Checked against both on a merge of their branches."""
    out: dict[str, pd.DataFrame | None] = {"cases": None, "supervision": None, "assessment": None}
    units = None if edition.region is None else q.units(db, edition.region)["id"].tolist()
    span = edition.span
    if _has("office.cases"):
        from office import cases

        out["cases"] = ro.cases_frame(cases.listing(user, quarter=edition.quarter, db=db), span,
                                      edition.quarter, units)
    if _has("office.supervision"):
        from office import supervision

        # statuses as of the period's last day, or today when that is still ahead
        last_day = (pd.Timestamp(span[1]) + pd.offsets.MonthEnd(0)).date()
        items = supervision.list_items(db, user, today=min(last_day, now.date()))
        out["supervision"] = ro.supervision_frame(items, span, units)
    if edition.quarter and _has("rules.assess"):
        from rules import assess

        with store.read(db) as con:
            scores = assess.assess(con, assess.Quarter.parse(edition.quarter), region=edition.region,
                                   now=now, items=False)
        out["assessment"] = ro.assessment_frame(scores)
    return out


def collect(db: Any, user: User, edition: Edition, now: datetime, *,
            office: dict[str, pd.DataFrame | None] | None = None) -> ReportData:
    """Read every section's data with one open database (the store's pool). ``office``
    replaces what ``office_records`` would read (tests, or records from elsewhere)."""
    with store.read(db):
        recs = office_records(db, user, edition, now) if office is None else office
        scope_name, issuer = _scope_name(db, edition.region)
        f, months, region = edition.filters, edition.months, edition.region
        kpis = q.overview_kpis(db, user, f, now)
        prev_kpis = q.overview_kpis(db, user, edition.previous().filters, now)
        trend = q.overview_trend(db, user, q.Filters(edition.period, None, region), TREND_MONTHS)
        status, named = _returns(db, user, months, now, region)
        # a quarter shows flags and compares regions as they stand in its latest month with
        # returns (its last month may not be due; three months of flags ran to 60 pages)
        with_data = set(q.periods(db))
        latest = max((m for m in months if m in with_data), default=edition.period)
        flags = _per_month(lambda m: red_flags(db, user, m, now, region=region, limit=FLAG_ROWS),
                           [latest])
        totals = _per_month(lambda m: flag_counts(db, user, m, now, region=region), [latest])
        flag_total = (totals.groupby("flag", as_index=False, sort=False)["n"].sum()
                      if not totals.empty else pd.DataFrame(columns=["flag", "n"]))
        ranking = q.region_ranking(db, latest)
        lagging = _lagging(db, user, months, region)
        work = wi.work_information(db, user, *edition.span, region=region)
    return ReportData(edition, scope_name, issuer, now, kpis, prev_kpis, trend, status, named, flags,
                      flag_total, ranking, lagging, work, recs.get("cases"), recs.get("supervision"),
                      recs.get("assessment"), latest=latest)


def _returns(db: Any, user: User, months: list[date], now: datetime,
             region: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each month's status counts, and the first ``NAMED_UNITS`` late and missing units by name:
    counted and cut in SQL (a national month is ~350 k units)."""
    counts = pd.DataFrame([{"period": m, **q.submission_counts(db, user, m, now, region)} for m in months])
    counts["expected"] = counts[["按时报送", "迟报", "逾期未报", "未到期"]].sum(axis=1)
    named = _per_month(lambda m: pd.concat([
        q.submission_status(db, user, m, now, region, statuses=(s,), limit=NAMED_UNITS)
        for s in ("迟报", "逾期未报")], ignore_index=True), months)
    return counts, named


def _lagging(db: Any, user: User, months: list[date], region: str | None) -> pd.DataFrame:
    """Tasks reported 滞后, the latest month of the span per measure × unit."""
    df = _per_month(lambda m: q.task_ledger(db, user, m, status="滞后"), months)
    if df.empty:
        return df
    if region:
        df = df[df["unit"].isin(q.units(db, region)["id"])]
    return df.drop_duplicates(["measure_key", "unit"], keep="last").reset_index(drop=True)


# --- wording ----------------------------------------------------------------------------


def cn_number(n: int) -> str:
    """1 -> 一, 12 -> 十二 (section numbers)."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


def change_text(now: float | None, before: float | None, unit: str = "个百分点",
                more: str = "上升", less: str = "下降", than: str = "上月") -> str:
    """``较上月上升2.5个百分点`` / ``与上月持平`` / ``上月无可比数据``."""
    if now is None or before is None:
        return f"{than}无可比数据"
    diff = float(now) - float(before)
    if abs(diff) < 0.05:
        return f"与{than}持平"
    amount = f"{abs(diff):.1f}" if unit == "个百分点" else f"{abs(diff):g}"
    return f"较{than}{more if diff > 0 else less}{amount}{unit}"


def _names(names: list[str], total: int) -> str:
    """``names`` joined with 、, and "等N个单位" when they are the first of ``total``."""
    text = "、".join(names)
    return text + (f"等{total}个单位" if total > len(names) else "")


def _ends(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """``df`` when it has at most ``n`` rows, else its first and last ``n // 2`` (a ranking's
    best and worst)."""
    return df if len(df) <= n else pd.concat([df.head(n // 2), df.tail(n - n // 2)])


def _cut_note(doc: Any, shown: int, total: int, what: tuple[str, str], where: str, ends: bool = True) -> None:
    """The small print under a cut table: how many rows it leaves out and where they are all
    shown; ``what`` is the measure word and the noun, e.g. ``("个", "区域")``."""
    if total <= shown:
        return
    m, noun = what
    listed = f"排名前{shown // 2}{m}和后{shown - shown // 2}{m}" if ends else f"前{shown}{m}"
    word.paragraph(doc, f"注：共{total}{m}{noun}，表中列出{listed}，其余{total - shown}{m}可在系统“{where}”页查看。",
                   size_pt=word.SMALL_PT)


def _date_cn(d: date | datetime) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _month_cn(p: date) -> str:
    return f"{p.month}月"


# --- sections ---------------------------------------------------------------------------


class _Numbering:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, title: str) -> str:
        self.n += 1
        return f"{cn_number(self.n)}、{title}"


def section_headline(doc: Any, data: ReportData, head: str) -> None:
    """总体情况: the three headline figures with their change from the previous period."""
    from dashboard import report_charts as charts  # matplotlib: imported when drawing
    k, p, e = data.kpis, data.prev_kpis, data.edition
    than = e.previous_label

    def change(key: str, unit: str = "个百分点", more: str = "上升", less: str = "下降") -> str:
        return change_text(k[key], p[key], unit, more, less, than)

    word.heading(doc, head)
    word.paragraph(doc, (
        f"{e.label}，{data.scope_name}应报月报{k['expected']}份，已报送{k['submitted']}份，"
        f"其中按时报送{k['on_time']}份、迟报{k['late']}份，逾期未报{k['missing']}份"
        + (f"，未到截止时间{k['pending']}份" if k.get("pending") else "") + "。"
        f"按时报送率{fmt_pct(k['on_time_rate'])}，{change('on_time_rate')}；"
        f"已报送数值的指标{k['reported']}项，达标（含预警）{k['met']}项，"
        f"指标达标率{fmt_pct(k['attainment_rate'])}，{change('attainment_rate')}；"
        f"未关闭红灯{k['open_flags']}项，{change('open_flags', '项', '增加', '减少')}。"
    ))
    rows = [
        ["按时报送率", fmt_pct(k["on_time_rate"]), fmt_pct(p["on_time_rate"]), change("on_time_rate")],
        ["指标达标率", fmt_pct(k["attainment_rate"]), fmt_pct(p["attainment_rate"]),
         change("attainment_rate")],
        ["未关闭红灯", f"{k['open_flags']}项", f"{p['open_flags']}项",
         change("open_flags", "项", "增加", "减少")],
    ]
    word.table(doc, rows, ["指标", e.short_label, than, "变化"], widths=[3, 2, 2, 4])
    trend = data.trend
    if not trend.empty:
        png = charts.trend_lines(
            [f"{pd.Timestamp(x).month}月" for x in trend["period"]],
            {"按时报送率": _floats(trend["on_time_rate"]),
             "指标达标率": _floats(trend["attainment_rate"])},
            f"近{len(trend)}个月按时报送率与指标达标率（%）")
        word.image(doc, png, 14, caption=f"图{_next_figure(doc)}　近期报送与达标走势")


def _floats(s: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in s]


def _next_figure(doc: Any) -> int:
    """The number the next picture gets (pictures are numbered in order)."""
    return len(doc.inline_shapes) + 1


def section_reporting(doc: Any, data: ReportData, head: str) -> None:
    """报送情况: late and missing units by name, month by month."""
    word.heading(doc, head)
    st = data.status
    if st.empty or not st["expected"].sum():
        word.paragraph(doc, "本期无应报送月报的单位。")
        return
    named = data.named
    for c in st.sort_values("period").to_dict("records"):
        rows = named[named["period"] == c["period"]] if not named.empty else named
        late = rows[rows["status"] == "迟报"] if not rows.empty else rows
        missing = rows[rows["status"] == "逾期未报"] if not rows.empty else rows
        n_late, n_missing, n_pending = int(c["迟报"]), int(c["逾期未报"]), int(c["未到期"])
        lead = f"{_month_cn(c['period'])}：" if data.edition.quarter else ""
        text = (f"应报单位{int(c['expected'])}个，按时报送{int(c['按时报送'])}个，迟报{n_late}个，"
                f"逾期未报{n_missing}个" + (f"，未到截止时间{n_pending}个" if n_pending else "") + "。")
        if n_late and not late.empty:
            text += "迟报单位：" + _names(
                [f"{r.unit_name}（迟{int(r.days_late)}天）" if pd.notna(r.days_late) else str(r.unit_name)
                 for r in late.itertuples()], n_late) + "。"
        if n_missing:
            names = [str(n) for n in missing["unit_name"]] if not missing.empty else []
            text += f"逾期未报单位：{_names(names, n_missing)}。" if names else ""
        if not n_late and not n_missing and not n_pending:
            text += "各单位均按时报送。"
        if n_late > len(late) or n_missing > len(missing):
            text += "完整名单可在系统“报送情况”页查看。"
        word.paragraph(doc, text, lead=lead or None)


def section_flags(doc: Any, data: ReportData, head: str) -> None:
    """红灯预警: counts by type, then each unit's flags with their reasons."""
    word.heading(doc, head)
    total = int(data.flag_total["n"].sum()) if not data.flag_total.empty else 0
    when = (f"截至{_month_cn(data.latest or data.edition.period)}" if data.edition.quarter
            else data.edition.short_label)
    if total == 0:
        word.paragraph(doc, f"{when}无红灯预警。")
        return
    by_type = "、".join(f"{r.flag}{int(r.n)}项" for r in data.flag_total.itertuples() if r.n)
    fl = data.flags
    units = fl["unit"].nunique() if not fl.empty else 0
    word.paragraph(doc, f"{when}共有红灯预警{total}项（{by_type}），"
                        f"下表列出涉及的{units}个单位及原因。")
    if fl.empty:
        return
    order = {u: i for i, u in enumerate(dict.fromkeys(fl["unit"]))}
    fl = fl.assign(_o=fl["unit"].map(order)).sort_values(["_o", "period"], kind="stable")
    shown = fl.head(FLAG_ROWS)
    word.table(doc, shown, {"unit_name": "单位", "flag": "类型", "reason": "原因"},
               widths=[4, 2.4, 8])
    if len(fl) > len(shown) or len(fl) < total:
        word.paragraph(doc, f"注：表中列出{len(shown)}项，其余{total - len(shown)}项可在系统中查看。",
                       size_pt=word.SMALL_PT)


def section_regions(doc: Any, data: ReportData, head: str) -> None:
    """区域对比: attainment of the common indicators by district (and zone), chart + ranking."""
    from dashboard import report_charts as charts  # matplotlib: imported when drawing
    word.heading(doc, head)
    rk = data.ranking
    if rk.empty:
        word.paragraph(doc, "本期各区尚无可比较的共性指标数据。")
        return
    month = f"（{_month_cn(data.latest or data.edition.period)}数据）" if data.edition.quarter else ""
    rated = rk[rk["attainment_rate"].notna()]
    if rated.empty:
        word.paragraph(doc, f"本期{len(rk)}个区域均未报送可评判的共性指标，暂无法比较。")
        return
    best, worst = rated.sort_values("attainment_rate", ascending=False, kind="stable").iloc[[0, -1]].itertuples()
    unrated = len(rk) - len(rated)
    word.paragraph(doc, (
        f"从共性指标看{month}，{len(rated)}个区域中{best.region_name}达标率最高"
        f"（{fmt_pct(best.attainment_rate)}），{worst.region_name}最低（{fmt_pct(worst.attainment_rate)}）"
        + (f"；另有{unrated}个区域本期没有可评判的共性指标。" if unrated else "。")))
    avg = float(rated["attainment_rate"].mean())
    shown = rk if len(rk) <= TABLE_ROWS else _ends(rated, TABLE_ROWS)  # the ends of those rated
    drawn = shown if len(shown) == len(rk) else _ends(rated, CHART_REGIONS)  # 40 bars outgrow the page
    png = charts.ranking_bar(drawn["region_name"].tolist(), _floats(drawn["attainment_rate"]),
                             "各区域共性指标达标率（%）" if len(drawn) == len(rk)
                             else f"共性指标达标率排名前{CHART_REGIONS // 2}和后{CHART_REGIONS - CHART_REGIONS // 2}"
                                  "的区域（%）",
                             highlight_below=avg)
    word.image(doc, png, 14, caption=f"图{_next_figure(doc)}　各区域共性指标达标率（红色为低于平均）")
    cols = {"rank": "排名", "region_name": "区域"}
    if "region_group" in rk.columns:
        cols["region_group"] = "类别"
    cols |= {"reported": "已报指标", "met": "达标（含预警）", "attainment_rate": "达标率（%）",
             "above_avg": "优于全市平均"}
    word.table(doc, shown.assign(attainment_rate=shown["attainment_rate"].map(
        lambda v: "—" if pd.isna(v) else f"{v:.1f}")), cols)
    _cut_note(doc, len(shown), len(rk), ("个", "区域"), "区域对比")


def section_tasks(doc: Any, data: ReportData, head: str) -> None:
    """任务推进: the measures reported 滞后, with the unit and the problem it gave."""
    word.heading(doc, head)
    lg = data.lagging
    if lg.empty:
        word.paragraph(doc, f"{data.edition.short_label}各单位报送的任务中无进度滞后事项。")
        return
    word.paragraph(doc, f"{data.edition.short_label}共有{len(lg)}项任务进度滞后，"
                        f"涉及{lg['unit'].nunique()}个单位：")
    rows = [[f"{r.plan_title}{r.number}{r.title}", r.unit_name,
             "—" if pd.isna(r.pct) else f"{r.pct:.0f}%", wi.quotable(r.problems, 60) or "—"]
            for r in lg.head(TABLE_ROWS).itertuples()]
    word.table(doc, rows, ["任务", "责任单位", "进度", "存在问题"], widths=[6, 3.4, 1.6, 4])
    _cut_note(doc, len(rows), len(lg), ("项", "任务"), "任务台账", ends=False)


def section_work_info(doc: Any, data: ReportData, head: str) -> None:
    """工作信息: the liaisons' counts summed, their texts quoted with the unit's name."""
    word.heading(doc, head)
    wk = data.work
    if wk.empty:
        word.paragraph(doc, f"{data.edition.short_label}各单位未报送工作信息。")
        return
    totals = wi.count_totals(wk)
    if not totals.empty:
        v, c, s = (int(totals[k].sum()) for k in ("visits", "issues_collected", "issues_solved"))
        rate = f"，解决率{100 * s / c:.1f}%" if c else ""
        word.paragraph(doc, f"{len(totals)}个单位报送了工作信息，共走访企业{v}家，"
                            f"收集企业问题{c}件，已解决{s}件{rate}。")
        # by region: one row per unit ran to three pages for a city month (measured on the demo)
        regions = wi.region_totals(totals)
        word.table(doc, regions.head(TABLE_ROWS), {"region_name": "区域", "units": "报送单位数",
                                  "visits": wi.LABELS["visits"],
                                  "issues_collected": wi.LABELS["issues_collected"],
                                  "issues_solved": wi.LABELS["issues_solved"], "solve_rate": "解决率"},
                   widths=[4, 2.2, 2.4, 2.4, 2.4, 2])
        if len(regions) > TABLE_ROWS:
            word.paragraph(doc, f"注：共{len(regions)}个区域报送了工作信息，表中列出走访企业最多的{TABLE_ROWS}个区域。",
                           size_pt=word.SMALL_PT)
    for n, item in enumerate(wi.TEXT_ITEMS, start=1):
        word.heading(doc, f"（{cn_number(n)}）{wi.LABELS[item]}", level=2)
        rows = wi.quotes(wk, item, QUOTE_CHARS, latest_only=bool(data.edition.quarter))
        if rows.empty:
            word.paragraph(doc, "本期各单位未报送相关情况。")
            continue
        texts = wi.same_text_together(rows)
        for r in texts.head(QUOTES).itertuples():
            month = f"（{_month_cn(pd.Timestamp(r.period).date())}）" if data.edition.quarter else ""
            word.paragraph(doc, r.text, lead=f"{r.unit_names}{month}：")
        if len(texts) > QUOTES:
            word.paragraph(doc, f"注：另有{len(texts) - QUOTES}条未列出，见各单位月报的“工作信息”表。",
                           size_pt=word.SMALL_PT)


def section_cases(doc: Any, data: ReportData, head: str) -> None:
    """典型案例: approved cases of the quarter the period falls in (``unit_name, title, effect``)."""
    word.heading(doc, head)
    cs = data.cases
    if cs is None or cs.empty:
        word.paragraph(doc, f"{data.edition.short_label}无经审核通过的典型案例。")
        return
    for r in cs.itertuples():
        effect = wi.quotable(getattr(r, "effect", ""), QUOTE_CHARS)
        word.paragraph(doc, f"“{wi.quotable(r.title, 60)}”" + (f"，{effect}" if effect else "") + "。",
                       lead=f"{r.unit_name}：")


def section_supervision(doc: Any, data: ReportData, head: str) -> None:
    """督办情况: items by status, open ones listed (``number, problem, units, status, due_on``)."""
    word.heading(doc, head)
    sv = data.supervision
    if sv is None or sv.empty:
        word.paragraph(doc, "本期无督办事项。")
        return
    counts = sv["status"].value_counts()
    word.paragraph(doc, f"督办事项共{len(sv)}件，其中" +
                   "、".join(f"{s}{int(n)}件" for s, n in counts.items()) + "。")
    open_ = sv[sv["status"] != "已销号"]
    if open_.empty:
        return
    rows = [[r.number, wi.quotable(r.problem, 60), r.units, r.status,
             _date_cn(pd.Timestamp(r.due_on).date()) if pd.notna(r.due_on) else "—"]
            for r in open_.itertuples()]
    word.table(doc, rows, ["编号", "督办事项", "责任单位", "状态", "办理时限"], widths=[3, 5, 3, 2, 2.6])


def section_assessment(doc: Any, data: ReportData, head: str) -> None:
    """季度考核结果: each unit's rank, score and the main reasons (``rank, unit_name,
    region_name, score, reasons``)."""
    from dashboard import report_charts as charts  # matplotlib: imported when drawing
    word.heading(doc, head)
    ax = data.assessment
    if ax is None or ax.empty:
        word.paragraph(doc, "本季度尚无考核结果。")
        return
    ranked = ax[ax["rank"].astype(str) != "—"]
    top = ranked if not ranked.empty else ax
    first, last = top.iloc[0], top.iloc[-1]
    listed = ax if len(ax) <= ASSESS_ROWS else _ends(top, ASSESS_ROWS)
    word.paragraph(doc, f"{data.edition.label}参加排名单位{len(ranked)}个，平均得分{top['score'].mean():.1f}分，"
                        f"{first.unit_name}得分最高（{first.score:.1f}分），"
                        f"{last.unit_name}得分最低（{last.score:.1f}分）。"
                   + (f"另有{len(ax) - len(ranked)}个单位不在报送名单内，"
                      + ("列出得分但不排名。" if len(listed) == len(ax) else "不排名。")
                      if len(ax) > len(ranked) else ""))
    shown = top.head(CHART_UNITS)
    png = charts.ranking_bar(shown["unit_name"].tolist(), _floats(shown["score"]),
                             f"季度考核得分（前{CHART_UNITS}名）" if len(top) > CHART_UNITS else "季度考核得分",
                             xlabel="分", highlight_below=float(top["score"].mean()))
    word.image(doc, png, 15, caption=f"图{_next_figure(doc)}　季度考核得分（红色为低于平均）")
    word.table(doc, listed.assign(score=listed["score"].map(lambda v: f"{v:.1f}")),
               {"rank": "排名", "unit_name": "单位", "region_name": "区域", "score": "得分",
                "reasons": "主要原因"}, widths=[1.4, 4, 2.4, 1.6, 7])
    _cut_note(doc, len(listed), len(ax), ("个", "单位"), "季度考核")


# --- the document -----------------------------------------------------------------------


def title_of(edition: Edition) -> str:
    return "营商环境季度考核报告" if edition.quarter else "营商环境专报"


def render(data: ReportData) -> word.Document:
    """The whole document; a span without any return gets a short one that says so."""
    e = data.edition
    number = f"{e.period.year}年第{e.period.month}期" if not e.quarter else e.label
    doc = word.new_document(title_of(e), issuer=data.issuer, date_line=_date_cn(data.now),
                            number=number)
    word.paragraph(doc, "", lead=f"{data.scope_name}{e.label}营商环境工作情况", indent=False,
                   align="center")
    if not data.has_returns:
        k = data.kpis
        due = returns.due_at(e.span[1])
        text = (f"截至{_date_cn(data.now)}，{data.scope_name}{e.label}应报月报{k['expected']}份，"
                f"尚未收到任何单位报送的月报，本期暂无可汇总的指标、任务和工作信息。")
        if k.get("missing"):
            text += f"其中{k['missing']}份已过报送截止时间（{_date_cn(due)}）。"
        elif k.get("pending"):
            text += f"报送截止时间为{_date_cn(due)}。"
        word.paragraph(doc, text)
        return doc
    n = _Numbering()
    section_headline(doc, data, n("总体情况"))
    if e.quarter:
        section_assessment(doc, data, n("季度考核结果"))
    section_reporting(doc, data, n("报送情况"))
    section_flags(doc, data, n("红灯预警"))
    section_regions(doc, data, n("区域对比"))
    section_tasks(doc, data, n("任务推进"))
    section_work_info(doc, data, n("工作信息"))
    if data.cases is not None:
        section_cases(doc, data, n("典型案例"))
    if data.supervision is not None:
        section_supervision(doc, data, n("督办情况"))
    return doc


def build(db: Any, user: User, edition: Edition, now: datetime | None = None,
          office: dict[str, pd.DataFrame | None] | None = None) -> bytes:
    """The .docx bytes of ``edition`` as of ``now`` (default: now in Shanghai)."""
    data = collect(db, user, edition, now or q.now_local(), office=office)
    return word.to_bytes(render(data))


def file_name(edition: Edition, scope_name: str = "") -> str:
    """``营商环境专报_2026-11.docx`` / ``营商环境季度考核报告_2026Q3.docx``."""
    tag = edition.quarter or f"{edition.period:%Y-%m}"
    return f"{title_of(edition)}_{scope_name + '_' if scope_name else ''}{tag}.docx"
