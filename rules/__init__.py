"""The judging floor: what the numbers mean.

Belongs here: working days and deadlines, who owes a return (the roster definition), targets in
force, verdicts (``judge``), red flags, the precomputed judgments and their refresh, and the
formatting of values and targets that verdict reasons are built from, and the one rule
for text cells in files people open (``celltext``: text never becomes a formula; the Excel
exports, the template and the Word writer all use it). The dashboard, the
loader and every command that judges (``judge``, ``assess``, ``report``, ``supervise``) use this
one home.

Not here: who may see a verdict (``accounts``), reading returns (``etl``), Streamlit.
Imports only ``store`` and ``indicators`` of the project's packages.
"""
