"""Validate a batch of returns: one great-expectations run plus rules GE cannot express.

GE costs ~100 ms per validation call whatever the row count and ~2 s to import, so the
whole batch becomes ONE DataFrame (a row per 指标 / 任务进展 / 工作信息 row of every file)
validated in one call, and GE is imported only inside :func:`run_expectations`. Unexpected
rows come back by ``row_id`` and are mapped to file, sheet and cell.

The suite is generated from the catalog: indicator codes and measure keys must exist in
it, and each unit-of-measure class present in the catalog gets its range rule (% in
[0, 100], durations >= 0, counts non-negative integers). Plain-Python rules cover the
metadata, which rows a unit must report, 解决问题数 ≤ 收集问题数, 备注 for blanks and
comparisons with last month.

A change of more than 50 % from last month without a 备注 is a *warning*, not an error:
such values are often right (a seasonal peak), and blocking the return would lose a correct
report; the office sees the warning and can ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from etl import findings as F
from etl.normalize import (
    WORK_COUNT_KEYS,
    WORK_LABELS,
    ReturnData,
    fmt_number,
    is_blank,
    range_class,
    uom_class,
)
from etl.template import (
    IND_COLS,
    SHEET_INDICATORS,
    SHEET_META,
    SHEET_TASKS,
    SHEET_WORK,
    STATUSES,
    TASK_COLS,
    TEMPLATE_VERSION,
    WORK_COLS,
    WORK_ITEMS,
)

CHANGE_LIMIT = 0.5  # relative change from last month that needs a 备注
REQUIRED_META = ("template_version", "unit_id", "period")


# --- metadata -----------------------------------------------------------------------------


def parse_period(text: str | None) -> date | None:
    """``YYYY-MM`` (or a first-of-month date) -> first day of the month, else None."""
    if not text:
        return None
    parts = text.strip()[:10].split("-")
    try:
        year, month = int(parts[0]), int(parts[1])
        day = int(parts[2]) if len(parts) > 2 else 1
        if len(parts) > 3 or day != 1 or not 2000 <= year <= 2100:
            return None
        return date(year, month, 1)
    except (ValueError, IndexError):
        return None


def check_metadata(data: ReturnData, catalog: Any, as_unit: str | None = None,
                   today: date | None = None) -> None:
    """Fill ``data.unit`` / ``period`` / versions from ``_meta`` and add metadata findings.

    ``today`` (the receipt date in Shanghai) rejects returns for months not yet begun.
    """
    meta = data.raw.meta
    if not data.raw.readable:
        return
    for key in REQUIRED_META:
        if not meta.get(key):
            data.findings.append(F.make("META_MISSING", SHEET_META, key=key))
    data.template_version = meta.get("template_version") or None
    data.catalog_version = meta.get("catalog_version") or None
    if data.template_version and data.template_version != TEMPLATE_VERSION:
        data.findings.append(
            F.make("TEMPLATE_OUTDATED", SHEET_META, found=data.template_version, current=TEMPLATE_VERSION)
        )
    unit = meta.get("unit_id") or None
    if unit:
        if as_unit and unit != as_unit:
            data.findings.append(F.make("UNIT_MISMATCH", SHEET_META, found=unit, expected=as_unit))
        if unit in catalog.units:
            data.unit = unit
            data.region = catalog.units[unit].region
        else:
            data.findings.append(F.make("UNIT_UNKNOWN", SHEET_META, unit=unit))
    if meta.get("period"):
        data.period = parse_period(meta["period"])
        if data.period is None:
            data.findings.append(F.make("PERIOD_INVALID", SHEET_META, value=meta["period"]))
        elif today is not None and data.period > today:
            data.findings.append(F.make("PERIOD_IN_FUTURE", SHEET_META, period=f"{data.period:%Y-%m}",
                                        received=f"{today:%Y-%m-%d}"))
    current = str(getattr(catalog, "version", "") or "")
    if data.catalog_version and current and data.catalog_version != current:
        data.findings.append(F.make("CATALOG_CHANGED", SHEET_META, found=data.catalog_version, current=current))


# --- rules in plain Python ----------------------------------------------------------------


def check_rows(data: ReturnData, catalog: Any) -> None:
    """Rows the unit must report, unknown rows, blanks without 备注, 解决 ≤ 收集."""
    if data.unit is None or data.period is None:
        return
    owned = {i.code: i for i in catalog.indicators_for_unit(data.unit, data.period)}
    seen = {v.code for v in data.indicators}
    for code, ind in owned.items():
        if code not in seen:
            data.findings.append(F.make("INDICATOR_ROW_MISSING", SHEET_INDICATORS, code=code, name=ind.name))
    for v in data.indicators:
        if v.code is None or (v.code in catalog.indicators and v.code not in owned):
            # codes unknown to the whole catalog are reported by the GE suite
            data.findings.append(F.make("INDICATOR_UNKNOWN", SHEET_INDICATORS, f"{IND_COLS['code']}{v.row}",
                                        code=v.code or "（空）"))
        elif v.code in owned and v.value is None and is_blank(v.raw) and not v.note:
            data.findings.append(F.make("VALUE_MISSING_NO_NOTE", SHEET_INDICATORS, v.cell))

    measures = {m.key for m in catalog.measures_for_unit(data.unit)}
    known = {m.key for m in catalog.measures}
    seen_keys = {t.key for t in data.tasks}
    for key in sorted(measures - seen_keys):
        data.findings.append(F.make("MEASURE_ROW_MISSING", SHEET_TASKS, key=key))
    for t in data.tasks:
        if t.key is None or (t.key in known and t.key not in measures):
            data.findings.append(F.make("MEASURE_UNKNOWN", SHEET_TASKS, f"{TASK_COLS['key']}{t.row}",
                                        key=t.key or "（空）"))

    for t in data.tasks:
        if t.status == "滞后" and not t.problems:
            data.findings.append(F.make("LAG_WITHOUT_REASON", SHEET_TASKS, f"{TASK_COLS['problems']}{t.row}"))

    work = {w.key: w for w in data.work}
    for key, label, _kind, _explain in WORK_ITEMS:
        if key not in work:
            data.findings.append(F.make("WORK_ITEM_MISSING", SHEET_WORK, key=key, label=label))
    solved, collected = work.get("issues_solved"), work.get("issues_collected")
    both = solved and collected and solved.value_num is not None and collected.value_num is not None
    if both and solved.value_num > collected.value_num:
        data.findings.append(F.make("ISSUES_SOLVED_EXCEEDS", SHEET_WORK, f"{WORK_COLS['value']}{solved.row}",
                                    solved=fmt_number(solved.value_num), collected=fmt_number(collected.value_num)))


def check_history(data: ReturnData, previous: dict[str, float | None]) -> None:
    """Warnings against last month's accepted values (``previous``: code -> value)."""
    compared = 0
    same = 0
    for v in data.indicators:
        prev = previous.get(v.code) if v.code else None
        if v.value is None or prev is None:
            continue
        compared += 1
        if v.value == prev:
            same += 1
        elif prev != 0 and abs(v.value - prev) / abs(prev) > CHANGE_LIMIT and not v.note:
            change = f"{(v.value - prev) / abs(prev) * 100:+.0f}%"
            data.findings.append(F.make("CHANGE_OVER_50", SHEET_INDICATORS, v.cell,
                                        value=fmt_number(v.value), previous=fmt_number(prev), change=change))
    if compared and same == compared and compared == len([v for v in data.indicators if v.value is not None]):
        data.findings.append(F.make("SAME_AS_LAST_MONTH", SHEET_INDICATORS, count=compared))


def check_percent_decimals(data: ReturnData, catalog: Any, previous: dict[str, float | None]) -> None:
    """0.95 typed into a percent indicator whose target or last value is ≥ 10 is an error.

    Such a value is almost always 95 % written as a fraction; a 备注 saying it is real lets it
    pass (then the ambiguity warning from normalising stays)."""
    if data.period is None:
        return
    for v in data.indicators:
        ind = catalog.indicators.get(v.code) if v.code else None
        if ind is None or v.value is None or not (0 < v.value <= 1) or v.note:
            continue
        if uom_class(ind.unit) != "percent":
            continue
        target = ind.target_on(data.period)
        plain = target is not None and target.comparator in (">=", ">", "<=", "<", "=")
        refs = [x for x in (target.value if plain else None, previous.get(v.code)) if x is not None]
        if not any(x >= 10 for x in refs):
            continue
        data.findings = [f for f in data.findings if not (f.code == "PERCENT_AMBIGUOUS" and f.cell == v.cell)]
        basis = (f"目标 {fmt_number(target.value)}%" if plain and target.value >= 10
                 else f"上期 {fmt_number(previous[v.code])}%")
        data.findings.append(F.make("PERCENT_AS_DECIMAL", SHEET_INDICATORS, v.cell, value=fmt_number(v.value),
                                    pct=fmt_number(round(v.value * 100, 6)), name=ind.name, basis=basis))


# --- the great-expectations suite ---------------------------------------------------------


MISSING = ""  # stands for a blank required cell in the text columns, so one expectation covers it

IND, TASK, WORK = "ind", "task", "work_count"  # frame row kinds


@dataclass(frozen=True)
class Target:
    """Where an unexpected row points: finding code, sheet and workbook column."""

    code: str
    sheet: str
    letter: str
    missing_code: str | None = None  # code to use instead when the cell was blank


@dataclass(frozen=True)
class Check:
    """One expectation on one frame column, and what its unexpected rows mean per row kind."""

    column: str
    expectation: str  # class name in great_expectations.expectations
    kwargs: tuple[tuple[str, Any], ...]
    targets: tuple[tuple[str, Target], ...]

    def target(self, row_kind: str) -> Target:
        return dict(self.targets)[row_kind]


def _check(column: str, expectation: str, targets: dict[str, Target], **kwargs: Any) -> Check:
    return Check(column, expectation, tuple(kwargs.items()), tuple(targets.items()))


def suite_checks(catalog: Any) -> list[Check]:
    """The expectations for this catalog (what is checked, kept apart from how).

    Fewer expectations means a faster GE call, so related checks share a column: one
    uniqueness check covers indicator and measure rows, a blank status or count is the
    text "" and fails the same set / pattern check as a wrong one.
    """
    classes = {range_class(i) for i in catalog.indicators.values()}
    value = IND_COLS["value"]
    checks = [
        _check("ind_code", "ExpectColumnValuesToBeInSet",
               {IND: Target("INDICATOR_UNKNOWN", SHEET_INDICATORS, IND_COLS["code"])},
               value_set=sorted(catalog.indicators)),
        _check("measure_key", "ExpectColumnValuesToBeInSet",
               {TASK: Target("MEASURE_UNKNOWN", SHEET_TASKS, TASK_COLS["key"])},
               value_set=sorted(m.key for m in catalog.measures)),
        _check("file_key", "ExpectColumnValuesToBeUnique",
               {IND: Target("INDICATOR_DUPLICATE", SHEET_INDICATORS, IND_COLS["code"]),
                TASK: Target("MEASURE_DUPLICATE", SHEET_TASKS, TASK_COLS["key"])}),
        _check("status", "ExpectColumnValuesToBeInSet",
               {TASK: Target("STATUS_INVALID", SHEET_TASKS, TASK_COLS["status"], "STATUS_MISSING")},
               value_set=list(STATUSES)),
        _check("task_pct", "ExpectColumnValuesToBeBetween",
               {TASK: Target("PCT_OUT_OF_RANGE", SHEET_TASKS, TASK_COLS["pct"])}, min_value=0, max_value=100),
        _check("work_count", "ExpectColumnValuesToMatchRegex",
               {WORK: Target("WORK_COUNT_INVALID", SHEET_WORK, WORK_COLS["value"], "WORK_COUNT_MISSING")},
               regex=r"^\d+$"),
    ]
    if "percent" in classes:
        checks.append(_check("pct_value", "ExpectColumnValuesToBeBetween",
                             {IND: Target("PERCENT_OUT_OF_RANGE", SHEET_INDICATORS, value)},
                             min_value=0, max_value=100))
    if classes & {"duration", "count"}:
        checks.append(_check("nonneg_value", "ExpectColumnValuesToBeBetween",
                             {IND: Target("VALUE_NEGATIVE", SHEET_INDICATORS, value)}, min_value=0))
    if "count" in classes:
        checks.append(_check("count_text", "ExpectColumnValuesToMatchRegex",
                             {IND: Target("VALUE_NOT_INTEGER", SHEET_INDICATORS, value)}, regex=r"^-?\d+$"))
    return checks


@dataclass
class Frame:
    """The batch as column lists plus, per row_id, which return and row it came from."""

    columns: dict[str, list] = field(default_factory=dict)
    origin: list[tuple[int, str, int, dict]] = field(default_factory=list)  # (return, kind, row, params)

    COLUMNS = ("ind_code", "measure_key", "file_key", "status", "task_pct", "work_count",
               "pct_value", "nonneg_value", "count_text")

    def __post_init__(self) -> None:
        self.columns = {c: [] for c in ("row_id", *self.COLUMNS)}

    def add(self, index: int, kind: str, row: int, params: dict, **values: Any) -> None:
        self.columns["row_id"].append(len(self.origin))
        for c in self.COLUMNS:
            self.columns[c].append(values.get(c))
        self.origin.append((index, kind, row, params))


def build_frame(returns: list[ReturnData]) -> Frame:
    frame = Frame()
    for i, data in enumerate(returns):
        if data.raw.findings:  # unreadable: nothing to check
            continue
        for v in data.indicators:
            cls = v.range_class
            val = v.value
            frame.add(i, IND, v.row, {"code": v.code, "value": fmt_number(val), "uom": v.uom},
                      ind_code=v.code, file_key=f"{i}|{IND}|{v.code}" if v.code else None,
                      pct_value=val if cls == "percent" else None,
                      nonneg_value=val if cls in ("duration", "count") else None,
                      count_text=fmt_number(val) if cls == "count" and val is not None else None)
        for t in data.tasks:
            frame.add(i, TASK, t.row, {"key": t.key, "value": t.status, "pct": fmt_number(t.pct)},
                      measure_key=t.key, file_key=f"{i}|{TASK}|{t.key}" if t.key else None,
                      status=t.status if t.status is not None else MISSING, task_pct=t.pct)
        for w in data.work:
            if w.key in WORK_COUNT_KEYS:
                frame.add(i, WORK, w.row, {"label": WORK_LABELS[w.key], "value": fmt_number(w.value_num)},
                          work_count=fmt_number(w.value_num) if w.value_num is not None else MISSING)
    return frame


_GX: dict[str, Any] = {}


def _gx_batch_definition() -> Any:
    """One ephemeral GE context per process (imported on first use: ~2 s)."""
    if "bd" not in _GX:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = ctx.data_sources.add_pandas("returns").add_dataframe_asset("batch")
        _GX.update(gx=gx, ctx=ctx, bd=asset.add_batch_definition_whole_dataframe("all"), suites={})
    return _GX["bd"]


def _suite(checks: list[Check]) -> Any:
    import great_expectations.expectations as gxe

    key = repr(checks)
    suites = _GX["suites"]
    if key not in suites:
        suite = _GX["gx"].ExpectationSuite(name=f"returns_{len(suites)}")
        for c in checks:
            suite.add_expectation(getattr(gxe, c.expectation)(column=c.column, **dict(c.kwargs)))
        suites[key] = _GX["ctx"].suites.add(suite)
    return suites[key]


def run_expectations(returns: list[ReturnData], catalog: Any) -> None:
    """Validate every readable return of the batch in one GE call; add findings in place."""
    frame = build_frame(returns)
    if not frame.origin:
        return
    import pandas as pd

    df = pd.DataFrame(frame.columns)
    for c in ("pct_value", "nonneg_value", "task_pct"):
        df[c] = df[c].astype("float64")
    checks = suite_checks(catalog)
    bd = _gx_batch_definition()
    result = bd.get_batch(batch_parameters={"dataframe": df}).validate(
        _suite(checks),
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
    )
    by_column = {c.column: c for c in checks}
    for res in result.results:
        config = res.expectation_config
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(f"great-expectations failed on {config.type}: {res.exception_info}")
        if res.success:
            continue
        check = by_column[config.kwargs["column"]]
        items = sorted(res.result.get("unexpected_index_list") or [], key=lambda it: int(it["row_id"]))
        if check.expectation == "ExpectColumnValuesToBeUnique":
            items = _repeats(items, check.column)
        for item in items:
            index, kind, row, params = frame.origin[int(item["row_id"])]
            target = check.target(kind)
            code = target.missing_code if target.missing_code and item[check.column] == MISSING else target.code
            returns[index].findings.append(F.make(code, target.sheet, f"{target.letter}{row}", **params))


def _repeats(items: list[dict], column: str) -> list[dict]:
    """Rows that repeat an earlier value: the first occurrence is the one to keep."""
    seen: set = set()
    out = []
    for item in items:
        if item[column] in seen:
            out.append(item)
        seen.add(item[column])
    return out


def validate_batch(returns: list[ReturnData], catalog: Any, as_unit: str | None = None,
                   today: date | None = None) -> None:
    """Every check that can block a return, for the whole batch; findings are added in place.

    Metadata first (it says which unit and month each file is), then GE in one call, then
    the row rules. History warnings need last month's accepted values: :func:`check_history`.
    """
    for data in returns:
        check_metadata(data, catalog, as_unit, today)
    run_expectations(returns, catalog)
    for data in returns:
        check_rows(data, catalog)
