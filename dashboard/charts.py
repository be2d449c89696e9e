"""Plotly figures for the pages: Chinese titles, axes and hover text, numbers as officials read them.

Each function takes the DataFrame of the matching ``dashboard.queries`` function and returns a
``plotly.graph_objects.Figure``; an empty frame gives an empty figure saying 暂无数据.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.format import STATUS_COLORS, fmt_pct, fmt_target, fmt_value

FONT = "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"
STATUS_ORDER = ["达标", "预警", "未达标", "未报", "无目标", "无参照"]
RETURN_ORDER = ["按时报送", "迟报", "逾期未报", "未到期"]
TASK_ORDER = ["已完成", "推进中", "未启动", "滞后", "未报"]


def _month_label(p) -> str:
    p = pd.Timestamp(p)
    return f"{p.year}年{p.month}月"


def _layout(fig: go.Figure, title: str, x: str | None = None, y: str | None = None,
            height: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01}, font={"family": FONT, "size": 13}, height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.15},
        hoverlabel={"font": {"family": FONT}}, plot_bgcolor="white",
    )
    if x is not None:
        fig.update_xaxes(title_text=x, gridcolor="#eeeeee")
    if y is not None:
        fig.update_yaxes(title_text=y, gridcolor="#eeeeee")
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
    _layout(fig, title, x, y)
    # the slanted month labels take the room below the plot: the legend goes to the top right
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"})
    return fig


def behind_bar(behind: pd.DataFrame) -> go.Figure:
    """总览: the units most behind, worst at the top."""
    title, x, y = "落后单位排行", "落后分（未达标指标 + 滞后任务 + 报送问题×2）", "责任单位"
    if behind.empty:
        return _empty(title, x, y)
    df = behind.iloc[::-1]
    hover = [
        f"{r.unit_name}（{r.region_name}）<br>未达标指标 {r.failed} 项，预警 {r.amber_n} 项<br>"
        f"滞后任务 {r.tasks_lagging} 项<br>本月报送：{r.return_status}<br>达标率 {fmt_pct(r.attainment_rate)}"
        for r in df.itertuples()
    ]
    fig = go.Figure(go.Bar(x=df["score"], y=df["unit_name"], orientation="h", marker_color="#c62828",
                           customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    return _layout(fig, title, x, y, height=max(300, 32 * len(df) + 80))


def sparkline(values: Sequence[float | None], uom: str | None = None,
              title: str = "近12个月走势") -> go.Figure:
    """责任单位: a small line of the last 12 months (gaps where nothing was reported)."""
    vals = list(values or [])
    if not any(v is not None for v in vals):
        return _empty(title)
    labels = [f"前{len(vals) - 1 - i}月" if i < len(vals) - 1 else "本月" for i in range(len(vals))]
    fig = go.Figure(go.Scatter(
        x=labels, y=vals, mode="lines+markers", line={"color": "#1565c0"}, connectgaps=False,
        customdata=[fmt_value(v, uom) for v in vals], hovertemplate="%{x} %{customdata}<extra></extra>",
    ))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig = _layout(fig, title, height=120)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 24, "b": 0}, showlegend=False,
                      title={"font": {"size": 11}})
    return fig


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
    return _layout(fig, title, x, y)


def value_distribution(values: pd.DataFrame, detail: dict) -> go.Figure:
    """指标详情: every unit's value that month, coloured by status, with the target line."""
    name, uom = detail.get("name", ""), detail.get("uom", "")
    title, x, y = f"{name}：各单位数值分布", "责任单位", f"本月值（{uom}）"
    if values.empty:
        return _empty(title, x, y)
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
    if comparator in (">=", ">", "<=", "<", "=") and target is not None:
        fig.add_hline(y=target, line_dash="dash", line_color="#555555",
                      annotation_text=f"目标 {fmt_target(comparator, target, uom)}")
    elif comparator == "city_avg" and values["city_avg"].notna().any():
        avg = float(values["city_avg"].dropna().iloc[0])
        fig.add_hline(y=avg, line_dash="dash", line_color="#555555",
                      annotation_text=f"全市平均 {fmt_value(avg, uom)}")
    fig.update_layout(barmode="group")
    fig.update_xaxes(categoryorder="total descending" if detail.get("direction") != "lower_better"
                     else "total ascending")
    return _layout(fig, title, x, y)


def target_history(targets: pd.DataFrame, detail: dict) -> go.Figure:
    """指标详情: the target value in force over time (a step line)."""
    name, uom = detail.get("name", ""), detail.get("uom", "")
    title, x, y = f"{name}：目标值变化", "生效日期", f"目标值（{uom}）"
    if targets.empty:
        return _empty(title, x, y)
    xs = [pd.Timestamp(d).strftime("%Y-%m-%d") for d in targets["effective_from"]]
    fig = go.Figure(go.Scatter(
        x=xs, y=targets["value"], mode="lines+markers", line_shape="hv", line={"color": "#6a1b9a"},
        customdata=list(targets["target_text"]), hovertemplate="%{x} 起<br>目标 %{customdata}<extra></extra>",
    ))
    return _layout(fig, title, x, y)


def submission_donut(status: pd.DataFrame) -> go.Figure:
    """报送情况: share of units on time, late, missing, not yet due."""
    title = "本月报送情况"
    if status.empty:
        return _empty(title)
    counts = status["status"].value_counts()
    labels = [s for s in RETURN_ORDER if s in counts.index]
    fig = go.Figure(go.Pie(
        labels=labels, values=[int(counts[s]) for s in labels], hole=0.55, sort=False,
        marker={"colors": [STATUS_COLORS[s] for s in labels]},
        hovertemplate="%{label}：%{value} 个单位（%{percent}）<extra></extra>", textinfo="label+value",
    ))
    return _layout(fig, title)


def region_heatmap(comparison: pd.DataFrame) -> go.Figure:
    """区域对比: districts × common indicators, coloured by attainment status."""
    title, x, y = "各区共性指标达标情况", "指标", "区域"
    if comparison.empty:
        return _empty(title, x, y)
    level = {"达标": 2, "预警": 1, "未达标": 0}
    df = comparison.assign(level=comparison["status"].map(level))
    z = df.pivot_table(index="region_name", columns="name", values="level", aggfunc="first")
    text = df.pivot_table(index="region_name", columns="name", values="value_text", aggfunc="first")
    hover = df.assign(h=df["status"].fillna("—") + "，全市平均 "
                      + [fmt_value(a, u) for a, u in zip(df["city_avg"], df["uom"])] + "，排名第 "
                      + df["rank"].astype(str)).pivot_table(index="region_name", columns="name", values="h",
                                                            aggfunc="first")
    text, hover = text.reindex_like(z).fillna("未报"), hover.reindex_like(z).fillna("未报")
    colorscale = [[0, STATUS_COLORS["未达标"]], [0.5, STATUS_COLORS["预警"]], [1, STATUS_COLORS["达标"]]]
    fig = go.Figure(go.Heatmap(
        z=z.values, x=list(z.columns), y=list(z.index), zmin=0, zmax=2, colorscale=colorscale,
        text=text.values, texttemplate="%{text}", customdata=hover.values, showscale=False,
        hovertemplate="%{y} · %{x}<br>本月值 %{text}<br>%{customdata}<extra></extra>", xgap=2, ygap=2,
    ))
    return _layout(fig, title, x, y, height=max(320, 28 * len(z.index) + 120))


def region_rank_bar(comparison: pd.DataFrame, code: str) -> go.Figure:
    """区域对比: one indicator across districts, best first, with the city average."""
    part = comparison[comparison["code"] == code].sort_values("rank")
    name = part["name"].iloc[0] if not part.empty else code
    uom = part["uom"].iloc[0] if not part.empty else ""
    title, x, y = f"{name}：各区排名", "区域", f"本月值（{uom}）"
    if part.empty:
        return _empty(title, x, y)
    fig = go.Figure(go.Bar(
        x=part["region_name"], y=part["value"], marker_color=[STATUS_COLORS.get(s, "#9e9e9e") for s in part["status"]],
        customdata=list(zip(part["rank"], part["value_text"], part["status"].fillna("—"))),
        hovertemplate="%{x}：第 %{customdata[0]} 名<br>本月值 %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
    ))
    avg = float(part["city_avg"].iloc[0])
    fig.add_hline(y=avg, line_dash="dash", line_color="#555555", annotation_text=f"全市平均 {fmt_value(avg, uom)}")
    return _layout(fig, title, x, y)


def region_trend_chart(trend: pd.DataFrame, detail: dict) -> go.Figure:
    """区域对比: one indicator per district over months, and the city average."""
    name, uom = detail.get("name", ""), detail.get("uom", "")
    title, x, y = f"{name}：各区走势", "月份", f"数值（{uom}）"
    if trend.empty:
        return _empty(title, x, y)
    fig = go.Figure()
    for region_name, part in trend.groupby("region_name", sort=True):
        fig.add_trace(go.Scatter(
            x=[_month_label(p) for p in part["period"]], y=part["value"], name=region_name, mode="lines+markers",
            customdata=[fmt_value(v, uom) for v in part["value"]],
            hovertemplate=f"{region_name} %{{x}}<br>%{{customdata}}<extra></extra>",
        ))
    avg = trend.drop_duplicates("period").sort_values("period")
    fig.add_trace(go.Scatter(
        x=[_month_label(p) for p in avg["period"]], y=avg["city_avg"], name="全市平均", mode="lines",
        line={"dash": "dash", "color": "#333333"}, customdata=[fmt_value(v, uom) for v in avg["city_avg"]],
        hovertemplate="全市平均 %{x}<br>%{customdata}<extra></extra>",
    ))
    return _layout(fig, title, x, y)


def task_status_bar(ledger: pd.DataFrame) -> go.Figure:
    """任务台账: measures × units by status, stacked per plan."""
    title, x, y = "任务进展状态", "所属方案", "任务数（项）"
    if ledger.empty:
        return _empty(title, x, y)
    df = ledger.assign(plan_label=ledger["plan_title"].fillna(ledger["plan"]))
    fig = go.Figure()
    for status in TASK_ORDER:
        part = df[df["status"] == status].groupby("plan_label").size()
        if part.empty:
            continue
        fig.add_trace(go.Bar(x=list(part.index), y=list(part.values), name=status,
                             marker_color=STATUS_COLORS.get(status, "#9e9e9e"),
                             hovertemplate=f"%{{x}}<br>{status}：%{{y}} 项<extra></extra>"))
    fig.update_layout(barmode="stack")
    return _layout(fig, title, x, y)


def findings_bar(top: pd.DataFrame) -> go.Figure:
    """数据质量: the most frequent validation problems."""
    title, x, y = "常见数据问题", "出现次数", "问题"
    if top.empty:
        return _empty(title, x, y)
    df = top.iloc[::-1]
    labels = [f"{m[:24]}（{c}）" for m, c in zip(df["example_message"], df["code"])]
    colors = ["#c62828" if s == "error" else "#f9a825" for s in df["severity"]]
    fig = go.Figure(go.Bar(
        x=df["n"], y=labels, orientation="h", marker_color=colors,
        customdata=list(zip(df["units"], ["错误" if s == "error" else "警告" for s in df["severity"]])),
        hovertemplate="%{y}<br>%{customdata[1]}，出现 %{x} 次，涉及 %{customdata[0]} 个单位<extra></extra>",
    ))
    return _layout(fig, title, x, y, height=max(300, 30 * len(df) + 80))


def flag_bar(counts: pd.DataFrame) -> go.Figure:
    """总览 / 责任单位: red flags by type."""
    title, x, y = "红灯与预警分布", "预警类型", "数量（条）"
    if counts.empty:
        return _empty(title, x, y)
    palette = {"未达标": "#c62828", "连续三个月未达标": "#8e0000", "逾期未报": "#d84315", "预警": "#f9a825",
               "迟报": "#ffb300", "任务滞后": "#6d4c41", "数据存疑": "#78909c"}
    fig = go.Figure(go.Bar(x=counts["flag"], y=counts["n"],
                           marker_color=[palette.get(f, "#9e9e9e") for f in counts["flag"]],
                           hovertemplate="%{x}：%{y} 条<extra></extra>"))
    return _layout(fig, title, x, y)
