"""Plotly figures for the pages: Chinese titles, axes and hover text, numbers as officials read them.

Each function takes the DataFrame of the matching ``dashboard.queries`` function and returns a
``plotly.graph_objects.Figure``; an empty frame gives an empty figure saying 暂无数据.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.format import STATUS_COLORS, fmt_pct, fmt_target, fmt_value

FONT = "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"
STATUS_ORDER = ["达标", "预警", "未达标", "进度正常", "进度滞后", "未报", "无目标", "无参照"]
RETURN_ORDER = ["按时报送", "迟报", "逾期未报", "未到期"]
TASK_ORDER = ["已完成", "推进中", "未启动", "滞后", "未报"]


def _month_label(p) -> str:
    p = pd.Timestamp(p)
    return f"{p.year}年{p.month}月"


def _month_axis(fig: go.Figure, periods) -> go.Figure:
    """A category x axis whose months run in calendar order, whatever order the traces met
    them in (plotly orders categories by first appearance: a region without December 2025
    put that month after the 2026 ones). Every time axis of this module goes through here."""
    ordered = sorted({pd.Timestamp(p).to_period("M") for p in periods})
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[_month_label(p.to_timestamp()) for p in ordered])
    return fig


def _count_axis(fig: go.Figure, top: float | None, axis: str = "y") -> go.Figure:
    """Counts are whole numbers: integer ticks, never 0.5 steps."""
    top = int(top or 0)
    # the smallest "nice" step (1, 2, 5, 10, 20, 25, 50, …) giving at most about six ticks
    steps = [m * 10 ** e for e in range(7) for m in (1, 2, 2.5, 5) if m * 10 ** e >= 1 and (m != 2.5 or e >= 1)]
    dtick = next(int(st) for st in steps if top / st <= 6)
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(tickformat=",d", dtick=dtick, rangemode="tozero")
    return fig


def _y_title(fig: go.Figure, text: str) -> go.Figure:
    """The y axis title written level above the axis: CJK text rotated 90° is hard to read."""
    fig.update_yaxes(title_text=None)
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="bottom",
                       showarrow=False, font={"size": 12, "color": "#555555"}, name="y_title")
    fig.update_layout(meta={"y_title": text})
    return fig


def y_title(fig: go.Figure) -> str:
    """The y axis title of a figure built here (level annotation or the axis' own)."""
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("y_title"):
        return meta["y_title"]
    return fig.layout.yaxis.title.text or ""


def _reference_line(fig: go.Figure, xs: list, y: float, label: str) -> go.Figure:
    """A dashed reference (全市平均, 目标) named in the legend, not written over the bars."""
    fig.add_trace(go.Scatter(x=xs, y=[y] * len(xs), mode="lines", name=label,
                             line={"dash": "dash", "color": "#555555", "width": 1.5},
                             hovertemplate=f"{label}<extra></extra>"))
    return fig


def _layout(fig: go.Figure, title: str, x: str | None = None, y: str | None = None,
            height: int = 380) -> go.Figure:
    top = 70
    if "：" in title and len(title) > 14:  # a long indicator name: the chart's kind on a second line
        head, _, tail = title.partition("：")
        title = f"{head}<br><span style='font-size:12px;color:#555555'>{tail}</span>"
        top = 95
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "yref": "container", "y": 1, "yanchor": "top",
               "pad": {"t": 12}},
        font={"family": FONT, "size": 13}, height=height,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        # the legend at the container's foot: placed in plot coordinates it covered the x axis title
        legend={"orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0, "yanchor": "bottom"},
        hoverlabel={"font": {"family": FONT}}, plot_bgcolor="white",
    )
    if x is not None:
        fig.update_xaxes(title_text=x, gridcolor="#eeeeee", automargin=True)
    if y is not None:
        fig.update_yaxes(gridcolor="#eeeeee", automargin=True)
        _y_title(fig, y)
    return fig


def _empty(title: str, x: str | None = None, y: str | None = None) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text="暂无数据", showarrow=False, font={"size": 16, "color": "#888888"},
                       xref="paper", yref="paper", x=0.5, y=0.5)
    return _layout(fig, title, x, y)


def trend_chart(trend: pd.DataFrame) -> go.Figure:
    """总览: on-time rate and attainment rate per month."""
    title, x, y = "按时报送率与指标达标率趋势", "月份", "比率（%）"
    if trend.empty:
        return _empty(title, x, y)
    months = [_month_label(p) for p in trend["period"]]
    fig = go.Figure()
    for col, name, color in (("on_time_rate", "按时报送率", "#1565c0"), ("attainment_rate", "指标达标率", "#2e7d32")):
        fig.add_trace(go.Scatter(
            x=months, y=trend[col], name=name, mode="lines+markers", line={"color": color},
            customdata=[fmt_pct(v) for v in trend[col]],
            hovertemplate=f"%{{x}}<br>{name} %{{customdata}}<extra></extra>",
        ))
    fig.update_yaxes(range=[0, 105], ticksuffix="%")
    fig.update_xaxes(tickangle=-45, automargin=True)  # twelve "2026年11月" labels do not fit flat
    _month_axis(fig, trend["period"])
    return _layout(fig, title, x, y)


def behind_bar(behind: pd.DataFrame) -> go.Figure:
    """总览: the units most behind, ranked by the size of their gap, worst at the top; equal
    gaps share a rank and say 并列. The unit's name is written above its bar (as tick labels
    the long names squeezed the bars to nothing on a phone)."""
    title, x, y = "落后单位排行", "差距分", "名次"
    if behind.empty:
        return _empty(title, x, y)
    df = behind.iloc[::-1]
    ranks = df["rank"] if "rank" in df else pd.Series(range(len(df), 0, -1), index=df.index)
    tied = df["tied"] if "tied" in df else pd.Series(False, index=df.index)
    # zero-width spaces keep the labels of tied units apart (a category axis merges equal labels)
    labels = [f"{'并列' if t else ''}第{int(r)}名" + "\u200b" * i for i, (r, t) in enumerate(zip(ranks, tied))]
    hover = [
        f"{r.unit_name}（{r.region_name}）<br>差距分 {r.gap:.1f}<br>未达标指标 {r.failed} 项，预警 {r.amber_n} 项<br>"
        f"滞后任务 {r.tasks_lagging} 项<br>本月报送：{r.return_status}<br>达标率 {fmt_pct(r.attainment_rate)}"
        for r in df.itertuples()
    ]
    fig = go.Figure(go.Bar(x=df["gap"], y=labels, orientation="h", marker_color="#c62828", width=0.45,
                           text=[f"{g:.1f}" for g in df["gap"]], textposition="outside", cliponaxis=False,
                           customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    for label, name, region in zip(labels, df["unit_name"], df["region_name"]):
        fig.add_annotation(x=0, y=label, yshift=18, xanchor="left", showarrow=False, name="unit",
                           text=f"{name}<span style='color:#888888'>（{region}）</span>", font={"size": 12})
    fig.update_yaxes(categoryorder="array", categoryarray=labels)
    fig.update_xaxes(rangemode="tozero", range=[0, float(df["gap"].max()) * 1.2 or 1])
    return _layout(fig, title, x, y, height=max(300, 52 * len(df) + 110))


def sparkline(values: Sequence[float | None], uom: str | None = None,
              title: str = "近12个月走势", *, periods: Sequence | None = None,
              target: float | None = None, status: str | None = None,
              y_range: tuple[float, float] | None = None) -> go.Figure:
    """责任单位: a small line of the last 12 months (gaps where nothing was reported).

    ``periods`` label the months (else 前N月 … 本月); ``target`` draws the target as a dashed
    line; ``y_range`` is the scale (``spark_range``: from zero, percentages all on 0–100, so
    95.1 → 100 % does not look like a collapse); the line is neutral blue and the last point
    takes the ``status`` colour.
    """
    vals = list(values or [])
    if not any(v is not None for v in vals):
        return _empty(title)
    if periods is not None and len(periods) == len(vals):
        labels = [_month_label(p) for p in periods]
    else:
        labels = [f"前{len(vals) - 1 - i}月" if i < len(vals) - 1 else "本月" for i in range(len(vals))]
    last = max(i for i, v in enumerate(vals) if v is not None)
    colors = ["#1565c0"] * len(vals)
    colors[last] = STATUS_COLORS.get(status or "", "#1565c0")
    sizes = [5] * len(vals)
    sizes[last] = 9
    fig = go.Figure(go.Scatter(
        x=labels, y=vals, mode="lines+markers", line={"color": "#1565c0"}, connectgaps=False,
        marker={"color": colors, "size": sizes}, name=title,
        customdata=[fmt_value(v, uom) for v in vals], hovertemplate="%{x} %{customdata}<extra></extra>",
    ))
    if target is not None and not pd.isna(target):
        fig.add_trace(go.Scatter(x=[labels[0], labels[-1]], y=[target, target], mode="lines", name="目标",
                                 line={"dash": "dash", "color": "#555555", "width": 1},
                                 hovertemplate=f"目标 {fmt_value(target, uom)}<extra></extra>"))
    if periods is not None and len(periods) == len(vals):
        _month_axis(fig, periods)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(range=list(y_range) if y_range else None, showgrid=False, zeroline=False,
                     tickfont={"size": 9}, nticks=3)
    fig = _layout(fig, title, height=130)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 24, "b": 0}, showlegend=False,
                      title={"font": {"size": 12}})
    return fig


def spark_range(uom: str | None, values: Sequence[float | None], target: float | None = None) -> tuple[float, float]:
    """A sensible sparkline scale: every percentage on one 0–100 scale (so 95.1 → 100 % is
    a small rise, not a cliff), other units from zero to a little above the largest value
    or the target."""
    if (uom or "").strip() == "%":
        return (0.0, 105.0)
    seen = [abs(float(v)) for v in values if v is not None and not pd.isna(v)]
    if target is not None and not pd.isna(target):
        seen.append(abs(float(target)))
    top = max(seen, default=1.0) or 1.0
    return (0.0, top * 1.15)


def scorecard_bar(card: pd.DataFrame) -> go.Figure:
    """责任单位: how many of the unit's indicators are 达标 / 预警 / 未达标 / 未报."""
    title, x, y = "指标达标情况", "状态", "指标数（项）"
    if card.empty:
        return _empty(title, x, y)
    counts = card["status"].value_counts()
    statuses = [s for s in STATUS_ORDER if s in counts.index]
    hover = [f"{s}：{int(counts[s])} 项<br>" + "、".join(card.loc[card["status"] == s, "name"].head(8))
             for s in statuses]
    fig = go.Figure(go.Bar(x=statuses, y=[int(counts[s]) for s in statuses],
                           marker_color=[STATUS_COLORS[s] for s in statuses],
                           customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    _count_axis(fig, counts.max())
    return _layout(fig, title, x, y)


# Above these counts a chart with one mark per unit or per region is unreadable and slow to draw
# (plotly builds every trace in Python; the browser draws every bar): the chart sums instead.
MAX_UNIT_BARS = 300
MAX_TREND_LINES = 25
MAX_HEATMAP_REGIONS = 40


def value_distribution(values: pd.DataFrame, detail: dict) -> go.Figure:
    """指标详情: every unit's value that month, coloured by status, with the target line;
    beyond ``MAX_UNIT_BARS`` units a histogram (units per value range, stacked by status)."""
    name, uom = detail.get("name", ""), detail.get("uom", "")
    title, x, y = f"{name}：各单位数值分布", "责任单位", f"本月值（{uom}）"
    if values.empty:
        return _empty(title, x, y)
    if len(values) > MAX_UNIT_BARS:
        return value_histogram(values, detail)
    fig = go.Figure()
    for status in STATUS_ORDER:
        part = values[values["status"] == status]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=part["unit_name"], y=part["value"], name=status, marker_color=STATUS_COLORS[status],
            customdata=list(zip(part["region_name"], part["value_text"], part["reason"])),
            hovertemplate="%{x}（%{customdata[0]}）<br>本月值 %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
        ))
    comparator, target = detail.get("comparator"), detail.get("target")
    xs = list(values.sort_values("value", ascending=detail.get("direction") == "lower_better")["unit_name"])
    # a quarterly or yearly total's target is not a line for one month's figures
    summed = detail.get("frequency") in ("quarterly", "yearly") and detail.get("rollup") == "sum"
    if comparator in (">=", ">", "<=", "<", "=") and target is not None and not pd.isna(target) and not summed:
        _reference_line(fig, xs, float(target), f"目标 {fmt_target(comparator, target, uom)}")
    elif comparator == "city_avg" and values["city_avg"].notna().any():
        avg = float(values["city_avg"].dropna().iloc[0])
        _reference_line(fig, xs, avg, f"全市平均 {fmt_value(avg, uom)}")
    fig.update_layout(barmode="group")
    fig.update_xaxes(categoryorder="array", categoryarray=xs)
    return _layout(fig, title, x, y)


def value_histogram(values: pd.DataFrame, detail: dict, bins: int = 40, what: str = "单位") -> go.Figure:
    """指标详情 at scale: how many units fall in each value range, stacked by status, with the
    target (or the city average) as a vertical line. Bins are counted here, so the figure
    carries ``bins`` bars per status whatever the number of units."""
    name, uom = detail.get("name", ""), detail.get("uom", "")
    title, x, y = (f"{name}：各{what}数值分布（{len(values):,} 个{what}，按数值区间汇总）", f"本月值（{uom}）",
                   f"{what}数（个）")
    vals = values.dropna(subset=["value"])
    if vals.empty:
        return _empty(title, x, y)
    lo, hi = float(vals["value"].min()), float(vals["value"].max())
    width = (hi - lo) / bins or 1.0
    index = ((vals["value"] - lo) / width).clip(0, bins - 1).astype(int)
    fig = go.Figure()
    top = int(index.value_counts().max())
    for status in STATUS_ORDER:
        part = index[vals["status"].fillna("无目标") == status].value_counts().sort_index()
        if part.empty:
            continue
        left = [lo + i * width for i in part.index]
        fig.add_trace(go.Bar(
            x=[v + width / 2 for v in left], y=list(part.values), width=width, name=status,
            marker_color=STATUS_COLORS[status],
            customdata=[f"{fmt_value(a, uom)} – {fmt_value(a + width, uom)}" for a in left],
            hovertemplate=f"%{{customdata}}<br>{status}：%{{y}} 个{what}<extra></extra>",
        ))
    comparator, target = detail.get("comparator"), detail.get("target")
    summed = detail.get("frequency") in ("quarterly", "yearly") and detail.get("rollup") == "sum"
    line = None
    if comparator in (">=", ">", "<=", "<", "=") and target is not None and not pd.isna(target) and not summed:
        line = (float(target), f"目标 {fmt_target(comparator, target, uom)}")
    elif comparator == "city_avg" and "city_avg" in vals and vals["city_avg"].notna().any():
        avg = float(vals["city_avg"].dropna().iloc[0])
        line = (avg, f"全市平均 {fmt_value(avg, uom)}")
    if line is not None:
        fig.add_trace(go.Scatter(x=[line[0], line[0]], y=[0, max(1, top)], mode="lines", name=line[1],
                                 line={"dash": "dash", "color": "#555555", "width": 1.5},
                                 hovertemplate=f"{line[1]}<extra></extra>"))
    fig.update_layout(barmode="stack", bargap=0)
    _count_axis(fig, int(index.value_counts().max()))  # the highest stacked bar
    return _layout(fig, title, x, y)


def target_history(targets: pd.DataFrame, detail: dict) -> go.Figure:
    """指标详情: the target value in force over time (a step line)."""
    name, uom = detail.get("name", ""), detail.get("uom", "")
    title, x, y = f"{name}：目标值变化", "生效日期", f"目标值（{uom}）"
    if targets.empty:
        return _empty(title, x, y)
    ordered = targets.assign(_d=pd.to_datetime(targets["effective_from"])).sort_values("_d")
    fig = go.Figure(go.Scatter(
        x=list(ordered["_d"]), y=ordered["value"], mode="lines+markers", line_shape="hv", line={"color": "#6a1b9a"},
        customdata=list(ordered["target_text"]), hovertemplate="%{x|%Y年%-m月%-d日} 起<br>目标 %{customdata}<extra></extra>",
    ))
    # a true date axis: calendar order, whatever order the rows came in
    fig.update_xaxes(type="date", tickformat="%Y年%-m月")
    return _layout(fig, title, x, y)


def submission_donut(counts: Mapping[str, int]) -> go.Figure:
    """报送情况: share of units on time, late, missing, not yet due (``submission_counts``)."""
    title = "本月报送情况"
    labels = [s for s in RETURN_ORDER if counts.get(s)]
    if not labels:
        return _empty(title)
    fig = go.Figure(go.Pie(
        labels=labels, values=[int(counts[s]) for s in labels], hole=0.55, sort=False,
        marker={"colors": [STATUS_COLORS[s] for s in labels]},
        hovertemplate="%{label}：%{value} 个单位（%{percent}）<extra></extra>", textinfo="label+value",
    ))
    return _layout(fig, title)


def _region_order(df: pd.DataFrame) -> list[str]:
    """Districts first, then the functional zones, each by name (the heatmap's row order)."""
    kinds = df.drop_duplicates("region_name")
    key = kinds.get("region_kind", pd.Series("district", index=kinds.index)).map(lambda k: 0 if k == "district" else 1)
    return list(kinds.assign(_k=key).sort_values(["_k", "region_name"])["region_name"])


def avg_label(df: pd.DataFrame) -> str:
    """全市平均 spelled out: the mean of how many districts (zones are not in it)."""
    n = int(df["avg_of"].max()) if "avg_of" in df and df["avg_of"].notna().any() else 0
    return f"全市平均（{n} 个区的平均）" if n else "全市平均"


def region_heatmap(comparison: pd.DataFrame) -> go.Figure:
    """区域对比: common indicators (rows) × districts, then functional zones (columns, short
    names), coloured by status. Indicators run down the page so that a phone shows them:
    nine long indicator names side by side did not fit even a desktop."""
    title = "共性指标达标情况"  # rows and columns say what they are; the page's caption explains
    if comparison.empty:
        return _empty(title)
    if comparison["region"].nunique() > MAX_HEATMAP_REGIONS:
        counts = comparison.assign(status=comparison["status"].fillna("无目标")).groupby(
            ["code", "status"], as_index=False).agg(name=("name", "first"), uom=("uom", "first"), n=("region", "size"))
        return region_status_counts(counts, comparison["region"].nunique())
    level = {"达标": 2, "预警": 1, "未达标": 0}
    df = comparison.assign(level=comparison["status"].map(level))
    if "short_name" not in df:
        df = df.assign(short_name=df["region_name"])
    group = df.get("region_group", pd.Series("各区", index=df.index))
    df = df.assign(col=df["short_name"], row=[f"{n}（{u}）" if u else n for n, u in zip(df["name"], df["uom"])])
    kinds = df.drop_duplicates("col").assign(_k=(group != "各区").astype(int)).sort_values(["_k", "col"])
    cols = list(kinds["col"])
    n_districts = int((kinds["_k"] == 0).sum())
    rows = list(dict.fromkeys(df["row"]))
    z = df.pivot_table(index="row", columns="col", values="level", aggfunc="first").reindex(index=rows, columns=cols)
    numbers = [fmt_value(v, u).rstrip("%").split(" ")[0] for v, u in zip(df["value"], df["uom"])]  # uom in the row label
    text = df.assign(t=numbers).pivot_table(index="row", columns="col", values="t", aggfunc="first")
    hover = df.assign(h=df["region_name"] + "：" + df["value_text"] + "，" + df["status"].fillna("—")
                      + "，全市平均 " + [fmt_value(a, u) for a, u in zip(df["city_avg"], df["uom"])]
                      + "，组内第 " + df["rank"].astype(str) + " 名"
                      ).pivot_table(index="row", columns="col", values="h", aggfunc="first")
    text, hover = text.reindex_like(z).fillna("未报"), hover.reindex_like(z).fillna("未报")
    colorscale = [[0, STATUS_COLORS["未达标"]], [0.5, STATUS_COLORS["预警"]], [1, STATUS_COLORS["达标"]]]
    uoms = dict(zip(df["row"], df["uom"]))
    names = dict(zip(df["row"], df["name"]))
    labels = ["<br>".join(names[r][i:i + 7] for i in range(0, len(names[r]), 7))
              + (f"（{uoms[r]}）" if uoms[r] else "") for r in z.index]
    # region names written top-down, one character a line: seven columns fit a phone's width
    fig = go.Figure(go.Heatmap(
        z=z.values, x=["<br>".join(c) for c in cols], y=labels, zmin=0, zmax=2, colorscale=colorscale,
        text=text.values, texttemplate="%{text}", textfont={"size": 10}, customdata=hover.values,
        showscale=False, hovertemplate="%{customdata}<extra></extra>", xgap=2, ygap=2,
    ))
    if 0 < n_districts < len(cols):  # a line between the districts and the zones
        fig.add_vline(x=n_districts - 0.5, line_dash="dash", line_color="#333333", line_width=2)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickangle=0)
    fig = _layout(fig, title, height=max(320, 52 * len(rows) + 170))
    fig.update_layout(margin={"t": 110})
    return fig


def region_status_counts(counts: pd.DataFrame, n_regions: int) -> go.Figure:
    """区域对比 with many regions: per common indicator, how many regions are 达标 / 预警 /
    未达标 / … (stacked bars, one row per indicator), instead of one heatmap column per region.
    ``counts``: code, name, uom, status, n (``queries.region_status_counts``)."""
    title, x, y = f"共性指标达标情况（{n_regions:,} 个区域，按状态汇总）", "区域数（个）", None
    if counts.empty:
        return _empty(title)
    df = counts.assign(status=counts["status"].fillna("无目标"),
                       row=[f"{a}（{u}）" if u else a for a, u in zip(counts["name"], counts["uom"])])
    rows = list(dict.fromkeys(df["row"]))
    by = df.groupby(["row", "status"])["n"].sum()
    fig = go.Figure()
    for status in STATUS_ORDER:
        xs = [int(by.get((r, status), 0)) for r in rows]
        if not any(xs):
            continue
        fig.add_trace(go.Bar(y=rows, x=xs, name=status, orientation="h", marker_color=STATUS_COLORS[status],
                             hovertemplate=f"%{{y}}<br>{status}：%{{x}} 个区域<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed", automargin=True)
    _count_axis(fig, int(df.groupby("row")["n"].sum().max()), axis="x")
    return _layout(fig, title, x, y, height=max(320, 32 * len(rows) + 170))


def region_rank_bar(comparison: pd.DataFrame, code: str, highlight: str | None = None) -> go.Figure:
    """区域对比: one indicator, districts then zones, best first in each group, and the city
    average as a dashed line named in the legend. ``highlight``: a region id drawn outlined."""
    part = comparison[comparison["code"] == code]
    name = part["name"].iloc[0] if not part.empty else code
    uom = part["uom"].iloc[0] if not part.empty else ""
    title, x, y = f"{name}：各区及功能区排名", "区域", f"本月值（{uom}）"
    if part.empty:
        return _empty(title, x, y)
    if len(part) > MAX_UNIT_BARS:  # thousands of bars: how many regions lie in each value range
        return value_histogram(part, {"name": name, "uom": uom, "comparator": "city_avg"}, what="区域")
    fig = go.Figure()
    xs: list[str] = []
    for group in ("各区", "功能区"):
        g = part[part.get("region_group", pd.Series("各区", index=part.index)) == group].sort_values("rank")
        if g.empty:
            continue
        xs += list(g["region_name"])
        fig.add_trace(go.Bar(
            x=g["region_name"], y=g["value"], name=group, legendgroup=group,
            marker={"color": [STATUS_COLORS.get(s, "#9e9e9e") for s in g["status"]],
                    "line": {"color": ["#000000" if r == highlight else "rgba(0,0,0,0)" for r in g["region"]],
                             "width": 3},
                    "pattern": {"shape": "" if group == "各区" else "/"}},
            customdata=list(zip(g["rank"], g["value_text"], g["status"].fillna("—"), [group] * len(g))),
            hovertemplate="%{x}：%{customdata[3]}第 %{customdata[0]} 名<br>本月值 %{customdata[1]}"
                          "<br>%{customdata[2]}<extra></extra>",
        ))
    avg = part["city_avg"].dropna()
    if not avg.empty:
        _reference_line(fig, xs, float(avg.iloc[0]), f"{avg_label(part)} {fmt_value(float(avg.iloc[0]), uom)}")
    fig.update_xaxes(categoryorder="array", categoryarray=xs, tickangle=-30)
    return _layout(fig, title, x, y)


def region_trend_chart(trend: pd.DataFrame, detail: dict) -> go.Figure:
    """区域对比: one indicator per district and zone over months, and the city average;
    months in calendar order (``_month_axis``), zones dashed in a legend group of their own."""
    name, uom = detail.get("name", ""), detail.get("uom", "")
    title, x, y = f"{name}：各区及功能区走势", "月份", f"数值（{uom}）"
    if trend.empty:
        return _empty(title, x, y)
    if trend["region"].nunique() > MAX_TREND_LINES:
        g = trend.dropna(subset=["value"]).groupby("period")["value"]
        band = pd.DataFrame({"lo": g.min(), "q1": g.quantile(0.25), "q3": g.quantile(0.75), "hi": g.max()})
        avg = trend.dropna(subset=["city_avg"]).drop_duplicates("period").set_index("period")
        band = band.join(avg[["city_avg", "avg_of"]]).reset_index().assign(regions=trend["region"].nunique())
        return region_trend_band(band, detail)
    fig = go.Figure()
    trend = trend.sort_values("period")
    group = trend.get("region_group", pd.Series("各区", index=trend.index))
    for (g, region_name), part in trend.assign(_g=group).groupby(["_g", "region_name"], sort=True):
        fig.add_trace(go.Scatter(
            x=[_month_label(p) for p in part["period"]], y=part["value"], name=region_name, mode="lines+markers",
            legendgroup=g, legendgrouptitle={"text": g},
            line={"dash": "dot" if g == "功能区" else "solid"},
            customdata=[fmt_value(v, uom) for v in part["value"]],
            hovertemplate=f"{region_name} %{{x}}<br>%{{customdata}}<extra></extra>",
        ))
    avg = trend.dropna(subset=["city_avg"]).drop_duplicates("period").sort_values("period")
    label = avg_label(trend)
    fig.add_trace(go.Scatter(
        x=[_month_label(p) for p in avg["period"]], y=avg["city_avg"], name=label, mode="lines",
        line={"dash": "dash", "color": "#333333", "width": 3}, customdata=[fmt_value(v, uom) for v in avg["city_avg"]],
        hovertemplate=f"{label} %{{x}}<br>%{{customdata}}<extra></extra>",
    ))
    fig.update_xaxes(tickangle=-45)
    _month_axis(fig, trend["period"])
    return _layout(fig, title, x, y, height=460)


def region_trend_band(band: pd.DataFrame, detail: dict) -> go.Figure:
    """区域对比 with many regions: per month the range of the regions' values (lowest–highest
    and the middle half, 25–75 %) and the city average, instead of one line per region.
    ``band``: period, lo, q1, q3, hi, city_avg, avg_of, regions (``queries.region_trend_summary``)."""
    name, uom = detail.get("name", ""), detail.get("uom", "")
    n = int(band["regions"].max()) if not band.empty else 0
    title, x, y = f"{name}：各区域走势（{n:,} 个区域的数值范围）", "月份", f"数值（{uom}）"
    if band.empty:
        return _empty(title, x, y)
    band = band.sort_values("period")
    months = [_month_label(p) for p in band["period"]]
    fig = go.Figure()
    for low, high, label, colour in (("lo", "hi", "最低–最高", "rgba(25,118,210,0.15)"),
                                     ("q1", "q3", "中间一半区域（25%–75%）", "rgba(25,118,210,0.35)")):
        fig.add_trace(go.Scatter(x=months, y=list(band[low]), mode="lines", line={"width": 0}, showlegend=False,
                                 hoverinfo="skip", legendgroup=label))
        fig.add_trace(go.Scatter(
            x=months, y=list(band[high]), mode="lines", line={"width": 0}, fill="tonexty", fillcolor=colour,
            name=label, legendgroup=label,
            customdata=[f"{fmt_value(a, uom)} – {fmt_value(b, uom)}" for a, b in zip(band[low], band[high])],
            hovertemplate=f"{label} %{{x}}<br>%{{customdata}}<extra></extra>"))
    avg = band.dropna(subset=["city_avg"])
    label = avg_label(band)
    fig.add_trace(go.Scatter(
        x=[_month_label(p) for p in avg["period"]], y=list(avg["city_avg"]), name=label, mode="lines",
        line={"dash": "dash", "color": "#333333", "width": 3}, customdata=[fmt_value(v, uom) for v in avg["city_avg"]],
        hovertemplate=f"{label} %{{x}}<br>%{{customdata}}<extra></extra>",
    ))
    fig.update_xaxes(tickangle=-45)
    _month_axis(fig, band["period"])
    return _layout(fig, title, x, y, height=460)


def _wrapped(text: str, width: int) -> str:
    """A long Chinese name in lines of ``width`` characters (Plotly breaks only at <br>)."""
    return "<br>".join(text[i:i + width] for i in range(0, len(text), width)) or text


def task_status_bar(ledger: pd.DataFrame) -> go.Figure:
    """任务台账: measures × units by status, stacked per plan. Horizontal bars: the plans' long
    titles, wrapped, stay readable beside their bars at a phone's width (upright columns let
    the titles run into each other)."""
    title, x, y = "任务进展状态", "任务数（项）", "所属方案"
    if ledger.empty:
        return _empty(title, x, y)
    # rows, or counts per plan and status in ``n`` (``queries.task_ledger_counts``)
    df = ledger.assign(plan_label=ledger["plan_title"].fillna(ledger["plan"]))
    df = df if "n" in df else df.assign(n=1)
    plans = list(dict.fromkeys(df.sort_values("plan")["plan_label"]))[::-1]  # first plan on top
    labels = {name: _wrapped(name, 12) for name in plans}
    fig = go.Figure()
    for status in TASK_ORDER:
        part = df[df["status"] == status].groupby("plan_label")["n"].sum()
        part = part[part > 0].reindex([p for p in plans if p in part.index])
        if part.empty:
            continue
        fig.add_trace(go.Bar(y=[labels[p] for p in part.index], x=list(part.values), name=status, orientation="h",
                             marker_color=STATUS_COLORS.get(status, "#9e9e9e"), customdata=list(part.index),
                             hovertemplate=f"%{{customdata}}<br>{status}：%{{x}} 项<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(categoryorder="array", categoryarray=[labels[p] for p in plans])
    _count_axis(fig, df.groupby("plan_label")["n"].sum().max(), axis="x")
    lines = sum(labels[p].count("<br>") + 1 for p in plans)
    fig = _layout(fig, title, x, y, height=max(300, 20 * lines + 16 * len(plans) + 150))
    fig.update_layout(legend_traceorder="normal")  # the statuses in order (horizontal stacks reverse it)
    return fig


def findings_bar(top: pd.DataFrame) -> go.Figure:
    """数据质量: the most frequent validation problems, by their Chinese names."""
    from dashboard.labels import finding_name

    title, x, y = "常见数据问题", "出现次数", "问题"
    if top.empty:
        return _empty(title, x, y)
    df = top.iloc[::-1]
    labels = [finding_name(c) for c in df["code"]]
    colors = ["#c62828" if s == "error" else "#f9a825" for s in df["severity"]]
    fig = go.Figure(go.Bar(
        x=df["n"], y=labels, orientation="h", marker_color=colors,
        customdata=list(zip(df["units"], ["错误" if s == "error" else "提示" for s in df["severity"]],
                            [m[:40] for m in df["example_message"]])),
        hovertemplate="%{y}<br>%{customdata[1]}，出现 %{x} 次，涉及 %{customdata[0]} 个单位"
                      "<br>例：%{customdata[2]}<extra></extra>",
    ))
    _count_axis(fig, df["n"].max(), axis="x")
    return _layout(fig, title, x, y, height=max(300, 34 * len(df) + 110))


def flag_bar(counts: pd.DataFrame) -> go.Figure:
    """总览 / 责任单位: red flags by type, as horizontal bars (the long type names stay
    inside the chart) with the counts written at the bars."""
    title, x, y = "红灯与预警分布", "数量（条）", "预警类型"
    if counts.empty:
        return _empty(title, x, y)
    palette = {"未达标": "#c62828", "连续三个月未达标": "#8e0000", "逾期未报": "#d84315", "预警": "#f9a825",
               "进度滞后": "#ef6c00",
               "迟报": "#ffb300", "任务滞后": "#6d4c41", "数据存疑": "#78909c"}
    df = counts.sort_values("n")
    fig = go.Figure(go.Bar(x=df["n"], y=df["flag"], orientation="h", text=df["n"], textposition="outside",
                           cliponaxis=False, marker_color=[palette.get(f, "#9e9e9e") for f in df["flag"]],
                           hovertemplate="%{y}：%{x} 条<extra></extra>"))
    _count_axis(fig, df["n"].max(), axis="x")
    fig.update_xaxes(range=[0, max(1, float(df["n"].max())) * 1.2])
    return _layout(fig, title, x, y, height=max(300, 36 * len(df) + 110))

PROGRESS_STATUSES = ("进度正常", "进度滞后")


def progress_chart(card: pd.DataFrame) -> go.Figure:
    """责任单位: quarterly and yearly targets inside their period — how far each has come, as
    a share of its target, with the line the schedule expects by now (``rules.period``)."""
    title, x = "季度、年度指标进度", "占目标比例（%）"
    rows = card[card["status"].isin(PROGRESS_STATUSES) & card["actual"].notna()
                & card["reference"].notna() & (card["reference"] != 0)] if not card.empty else card
    if rows.empty:
        return _empty(title, x)
    share = rows["actual"] / rows["reference"] * 100
    due = rows["expected"] / rows["reference"] * 100
    names = list(rows["name"])
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=names, x=list(share), orientation="h", name="当前完成",
        marker_color=[STATUS_COLORS[s] for s in rows["status"]],
        text=[f"{v:.0f}%" for v in share], textposition="outside",
        customdata=list(rows["reason"]), hovertemplate="%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(
        y=names, x=list(due), mode="markers", name="按进度应达",
        marker={"symbol": "line-ns-open", "size": 26, "line": {"width": 3, "color": "#37474f"}},
        hovertemplate="按进度应达 %{x:.0f}%<extra></extra>"))
    fig.add_vline(x=100, line_dash="dot", line_color="#2e7d32", annotation_text="目标",
                  annotation_position="top")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, x, None, height=max(220, 60 + 44 * len(names)))
