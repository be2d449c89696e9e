"""指标详情: what an indicator measures, its target history, and every unit's value."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, evidence_ui, ui
from dashboard import format as fmt
from dashboard import rules_help
from dashboard import queries as q
from dashboard.labels import measure_number

f = ui.filters()
ui.header("指标详情")
catalog = ui.data(q.indicators)
if catalog.empty:
    st.info("指标目录为空，请先同步指标目录。")
    st.stop()

catalog = catalog.sort_values("common", ascending=False, kind="stable")  # common indicators first
codes = list(catalog["code"])
names = dict(zip(catalog["code"], catalog["name"]))
state = st.session_state
wanted = st.query_params.get("indicator")
if "pick_indicator" not in state:
    state["pick_indicator"] = wanted if wanted in names else codes[0]
labels = ui.indicator_labels(codes, names)
code = st.selectbox("选择指标", codes, format_func=labels.get, key="pick_indicator")
st.query_params["indicator"] = code

detail = ui.data(q.indicator_detail, code)
if not detail:
    st.warning("未找到该指标。")
    st.stop()

OWNERS_LISTED = 200
FREQUENCY = {"monthly": "月报", "quarterly": "季报", "yearly": "年报"}
COMPARATOR = {"city_avg": "与全市平均比较", "growth": "较基期增长"}

st.subheader(detail["name"])
baseline = "—"
if pd.notna(detail.get("baseline")):
    year = detail.get("baseline_year")
    baseline = fmt.fmt_value(detail["baseline"], detail["uom"]) + (f"（{int(year)}年）" if pd.notna(year) else "")
facts = {
    "目标": detail["target_text"],
    "计量单位": detail["uom"],
    "比较方式": COMPARATOR.get(detail["comparator"], "与目标值比较"),
    "考核方向": "越低越好" if detail["direction"] == "lower_better" else "越高越好",
    "基期值": baseline,
    "报送频次": FREQUENCY.get(detail["frequency"], detail["frequency"]),
    "评判方式": rules_help.judging_text(detail),
}
with st.container(border=True):
    for col, (label, value) in zip(st.columns(len(facts)), facts.items()):
        col.caption(label)
        col.markdown(f"**{value}**")
st.markdown(f"**来源**：{detail['plan_title']} · {measure_number(detail['measure'])} {detail.get('measure_title') or ''}")
owners = list(detail.get("owners") or [])
if len(owners) <= 6:
    st.markdown(f"**报送单位**：{'、'.join(owners) or '—'}")
else:
    with st.expander(f"报送单位：共 {len(owners):,} 个"):
        listed = owners[:OWNERS_LISTED]  # tens of thousands of names are one unreadable paragraph
        st.write("、".join(listed) + (f"等 {len(owners):,} 个单位（各单位的数值见下表）" if len(owners) > len(listed) else ""))
if detail.get("description"):
    st.caption(detail["description"])
with st.expander("评判规则说明"):
    st.markdown(rules_help.RULES_HELP)

targets = ui.data(q.indicator_targets, code)
with st.expander("目标值历史", expanded=len(targets) > 1):
    ui.chart(charts.target_history(targets, detail), key="targets")
    ui.table(targets, name=f"目标历史_{code}", columns=["effective_from", "effective_to", "target_text", "amber"])

st.subheader(f"{f.label} 各单位数值")
values = ui.data(q.indicator_values, ui.user(), code, f.month)
if f.region and not values.empty:
    values = values[values["region"] == f.region]
if values.empty:
    st.info("本月暂无单位报送该指标。")
else:
    ui.chart(charts.value_distribution(values, detail), key="dist")
    if len(values) > charts.MAX_UNIT_BARS:
        st.caption(f"共 {len(values):,} 个单位报送该指标，图中按数值区间汇总各状态的单位数；"
                   "每个单位的数值和排名见下表。")
    shown = ui.table(
        values,
        name=f"指标数值_{code}_{f.label}",
        columns=["rank", "region_name", "unit_name", "value_text", "status", "reason"],
        column_config={"reason": st.column_config.TextColumn(width="large")},
    )
    # the verdicts of the rows on screen (a long table is paged): a list of every unit is unusable
    evidence_ui.picker(shown.assign(code=code, text=shown["status"].fillna("无目标") + " · " + shown["unit_name"]
                                    + " · " + shown["value_text"]), f.month, key="indicator",
                       label="查看依据" if len(shown) == len(values) else "查看依据（本页所列单位）")
