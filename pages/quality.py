"""数据质量: validation findings by unit and rule, and the problems met most often."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, ui
from dashboard import queries as q
from dashboard.labels import finding_name

SEVERITY = {"error": "错误", "warning": "提示"}


def for_table(df: pd.DataFrame) -> pd.DataFrame:
    """Chinese severity and the problem's Chinese name in place of its finding code."""
    if df.empty:
        return df
    return df.assign(severity=df["severity"].map(SEVERITY).fillna(df["severity"]),
                     finding=df["code"].map(finding_name))


f = ui.filters()
first, last = f.months[0], f.months[-1]
ui.header("数据质量", f"{f.label} · {ui.scope_label(f)} · 含已采用与被退回的月报")

top = ui.data(q.quality_top, ui.user(), first, last, n=10)
findings = ui.data(q.quality_findings, ui.user(), first, last, unit=f.unit)
if f.region and not findings.empty:
    findings = findings[findings["region_name"] == ui.region_names().get(f.region)]
if top.empty and findings.empty:
    st.success("所选期间的月报未发现数据质量问题。")
    st.stop()

st.subheader("最常见的问题")
ui.chart(charts.findings_bar(top), key="top")
ui.table(
    for_table(top),
    name=f"常见问题_{f.label}",
    columns=["finding", "severity", "n", "units", "example_message", "example_hint"],
    status=(),
)

st.subheader("各单位问题明细")
ui.table(
    for_table(findings),
    name=f"数据质量_{f.label}",
    columns=["region_name", "unit_name", "finding", "severity", "n", "example_sheet", "example_cell",
             "example_message"],
    status=(),
)
