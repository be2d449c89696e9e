"""The evidence panel (核查依据): pick a verdict of the table above, see what it rests on.

Two clicks from any verdict: open the list, pick the row. The panel shows the value and where
it came from (file, SHA-256, version, uploader, time, sheet and cell), the target version in
force with its plan, measure number, clause and words, and the reference of a relative or
growth target; the office and the unit itself can download the original file there.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import evidence, ui


def picker(rows: pd.DataFrame, period: date, *, key: str, label: str = "查看依据") -> None:
    """A select box over ``rows`` (columns unit, code, text) and the chosen verdict's panel."""
    if rows is None or rows.empty:
        return
    rows = rows.drop_duplicates(["unit", "code"]).reset_index(drop=True)
    options = list(range(len(rows)))
    chosen = st.selectbox(label, options, index=None, key=f"evidence_{key}",
                          format_func=lambda i: str(rows.loc[i, "text"]),
                          placeholder="选择一项评判，查看其报送文件、单元格和目标条款")
    if chosen is None:
        return
    unit, code = rows.loc[chosen, "unit"], rows.loc[chosen, "code"]
    ev = ui.data(evidence.verdict_evidence, ui.user(), unit, code, period)
    panel(ev, unit, key=f"{key}_{chosen}")


def panel(ev: dict | None, unit: str, *, key: str) -> None:
    if ev is None:
        st.info("该单位本月不报送这项指标。")
        return
    with st.container(border=True, key=f"evidence_panel_{key}"):
        st.markdown(f"**核查依据 · {ev.get('unit_name') or unit} · {ev.get('name') or ev['code']}**")
        for section, pairs in evidence.facts(ev).items():
            st.markdown(f"**{section}**")
            st.markdown("\n".join(f"- {label}：{value}" for label, value in pairs))
        sha = ev["record"]["evidence"]["file_sha256"] if ev["record"]["evidence"] else None
        me = ui.user()
        if sha and evidence.may_download(me, unit):
            try:
                data = evidence.original_file(ui.db(), me, unit, sha)
            except OSError:
                st.warning("原始文件不在存档中（存档目录可能被移动），请联系系统管理员。")
                return
            st.download_button("下载原始文件", data=data, file_name=ev.get("file_name") or f"{sha[:12]}.xlsx",
                               key=f"evidence_dl_{key}", icon=":material/download:", on_click="ignore")
