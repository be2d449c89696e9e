"""区域对比: the common indicators across districts, against each other and the city average."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, ui
from dashboard import queries as q

f = ui.filters()
ranking = ui.data(q.region_ranking, f.month)  # one row per region with common-indicator data
# a national database: per indicator and status counts, and one indicator's rows at a time
many = len(ranking) > charts.MAX_HEATMAP_REGIONS
comparison = ui.data(q.region_status_counts if many else q.region_comparison, f.month)
avg_of = int(comparison["avg_of"].max()) if not comparison.empty and comparison["avg_of"].notna().any() else 0
ui.header("区域对比", f"{f.month.year}年{f.month.month}月 · 各区及功能区共性指标对比；功能区单独排名；"
          f"全市平均为 {avg_of} 个区的平均（不含功能区）")
if comparison.empty:
    st.info("本月暂无各区、各功能区共性指标数据。")
    st.stop()
regions_shown = set(ranking["region"])
if f.region and f.region not in regions_shown:
    st.info(f"{ui.region_names().get(f.region, '所选区域')}本月没有共性指标数据，下表和图中显示其他区域。")

st.subheader("综合排名")
ui.table(
    ranking,
    name=f"区域排名_{f.month:%Y-%m}",
    columns=["region_group", "rank", "region_name", "reported", "met", "attainment_rate", "above_avg"],
    column_config={"attainment_rate": st.column_config.ProgressColumn(format="%.1f%%", min_value=0, max_value=100)},
)

st.subheader("达标热力图")
if many:
    st.caption(f"共 {len(regions_shown):,} 个区域，逐区热力图无法辨认：图中每行一项共性指标，按状态汇总区域数"
               "（绿色达标、黄色预警、红色未达标）；各区域的数值见下方分布图和表格。")
    ui.chart(charts.region_status_counts(comparison, len(regions_shown)), key="heatmap")
else:
    st.caption("每行一项共性指标、每列一个区域，格中为本月值（计量单位见行名）；虚线右侧为功能区。"
               "绿色达标、黄色预警、红色未达标。")
    ui.chart(charts.region_heatmap(comparison), key="heatmap")

codes = list(dict.fromkeys(comparison["code"]))
names = dict(zip(comparison["code"], comparison["name"]))
labels = ui.indicator_labels(codes, names)
ui.url_choice("region_indicator", "indicator", codes)
code = st.selectbox("选择指标", codes, format_func=labels.get, key="region_indicator")
ui.to_url("indicator", code)
if many:
    comparison = ui.data(q.region_comparison, f.month, code=code)
picked = f.region if f.region in regions_shown else None
left, right = st.columns(2)
with left:
    ui.chart(charts.region_rank_bar(comparison, code, highlight=picked), key="rankbar")
    if (comparison["code"] == code).sum() > charts.MAX_UNIT_BARS:
        st.caption("区域较多，图中按数值区间汇总区域数；各区域的排名见下表。")
with right:
    detail = ui.data(q.indicator_detail, code) or {}
    if len(regions_shown) > charts.MAX_TREND_LINES and not picked:  # the spread, summed in SQL
        band = ui.data(q.region_trend_summary, code, months=12, period=f.month)
        ui.chart(charts.region_trend_band(band, detail), key="trend")
        st.caption(f"共 {len(regions_shown):,} 个区域，走势图显示各区域数值的范围和全市平均；"
                   "在侧栏选择一个区域可查看其单独走势。")
    else:
        trend = ui.data(q.region_trend, code, regions=[picked] if picked else None, months=12, period=f.month)
        ui.chart(charts.region_trend_chart(trend, detail), key="trend")

st.subheader("各区与全市平均")
one = comparison[comparison["code"] == code]
ui.table(
    one,
    name=f"区域对比_{code}_{f.month:%Y-%m}",
    columns=["region_group", "rank", "region_name", "value_text", "city_avg", "diff", "status"],
    column_config={"city_avg": st.column_config.NumberColumn(format="%.2f"),
                   "diff": st.column_config.NumberColumn(format="%+.2f")},
)
