"""Global filters (period, region, unit) kept in the URL so a link shows the same view.

``?period=2026-09`` is a month, ``?period=2026Q3`` a quarter; ``region`` is a region id
(``teda``) and ``unit`` a unit id (``teda.zwfw``). Parsing is pure and tested without
Streamlit; :func:`sidebar` renders the widgets and writes the choice back to the URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.access import User

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

Grain = Literal["month", "quarter"]
GRAIN_NAMES: dict[str, str] = {"month": "月度", "quarter": "季度"}
QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
TZ = ZoneInfo("Asia/Shanghai")

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


@dataclass(frozen=True)
class Filters:
    """What every page shows: one month or quarter, optionally one region and one unit."""

    period: date
    grain: Grain = "month"
    region: str | None = None
    unit: str | None = None

    @property
    def months(self) -> tuple[date, ...]:
        """The first days of the months covered (one month, or the quarter's three)."""
        if self.grain == "month":
            return (self.period,)
        start = quarter_start(self.period)
        return tuple(date(start.year, start.month + i, 1) for i in range(3))

    @property
    def month(self) -> date:
        """The month point-in-time views use: the month, or the quarter's last month."""
        return self.months[-1]

    @property
    def label(self) -> str:
        return period_label(self.period, self.grain)

    def to_params(self) -> dict[str, str]:
        params = {"period": format_period(self.period, self.grain)}
        if self.region:
            params["region"] = self.region
        if self.unit:
            params["unit"] = self.unit
        return params


def quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def parse_period(text: str | None) -> tuple[Grain, date] | None:
    """``2026-09`` -> month, ``2026Q3`` / ``2026-Q3`` -> quarter; anything else -> None."""
    if not text:
        return None
    text = text.strip()
    if m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return "month", date(year, month, 1)
        return None
    if m := _QUARTER.match(text):
        year, q = int(m.group(1)), int(m.group(2))
        return "quarter", date(year, 3 * q - 2, 1)
    return None


def format_period(d: date, grain: Grain = "month") -> str:
    if grain == "quarter":
        return f"{d.year}Q{(d.month - 1) // 3 + 1}"
    return f"{d.year}-{d.month:02d}"


def period_label(d: date, grain: Grain = "month") -> str:
    """How officials write it: 2026年9月 / 2026年第三季度."""
    if grain == "quarter":
        return f"{d.year}年第{QUARTER_NAMES[(d.month - 1) // 3 + 1]}季度"
    return f"{d.year}年{d.month}月"


def this_month(now: datetime | None = None) -> date:
    now = now or datetime.now(TZ)
    return date(now.year, now.month, 1)


def _first(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value[0] if value else None


def from_params(
    params: Mapping[str, str | Sequence[str]],
    *,
    default_period: date,
    regions: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> Filters:
    """Filters from URL parameters; unknown or malformed values fall back to the defaults.

    ``regions`` maps region id -> name, ``units`` maps unit id -> its region id; when given,
    ids not in them are dropped (a stale link must not break a page). A unit outside the
    chosen region is dropped too.
    """
    parsed = parse_period(_first(params.get("period")))
    grain, period = parsed if parsed else ("month", default_period)
    if grain == "quarter":
        period = quarter_start(period)
    region = _first(params.get("region")) or None
    if regions is not None and region not in regions:
        region = None
    unit = _first(params.get("unit")) or None
    if units is not None and unit not in units:
        unit = None
    if unit and region and units is not None and units.get(unit) != region:
        unit = None
    return Filters(period=period, grain=grain, region=region, unit=unit)


def period_options(data_months: Sequence[date], grain: Grain, today: date | None = None) -> list[date]:
    """Months (or quarter starts) to offer, newest first: those with data plus the last year."""
    today = today or this_month()
    months = set(data_months)
    y, m = today.year, today.month
    for _ in range(12):
        months.add(date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    if grain == "quarter":
        months = {quarter_start(d) for d in months}
    return sorted(months, reverse=True)


# --- Streamlit ---------------------------------------------------------------------------


def sidebar(
    *,
    data_months: Sequence[date],
    regions: Mapping[str, str],
    units: Mapping[str, tuple[str, str]],
    restricted: bool = False,
    partial: bool = False,
) -> Filters:
    """Render the global filters in the sidebar and mirror them into ``st.query_params``.

    ``regions``: id -> name (display order); ``units``: id -> (name, region id).
    The URL seeds the widgets when a session starts; afterwards the widgets lead.
    ``restricted`` (a liaison): ``units`` are the units they may read, the first their own;
    there is no region choice and no "全部单位" (other units come only as region aggregates,
    on the 区域对比 page). ``partial`` (a national catalog): ``units`` holds only the chosen
    region's units (and a linked one), so without a region the unit list says to pick one.
    """
    import streamlit as st

    default = max(data_months) if data_months else this_month()
    unit_region = {uid: reg for uid, (_, reg) in units.items()}
    state = st.session_state
    if "f_period" not in state:
        start = from_params(st.query_params.to_dict(), default_period=default, regions=regions, units=unit_region)
        state["f_grain"] = start.grain
        state["f_period"] = start.period
        state["f_region"] = start.region or ""
        state["f_unit"] = start.unit or ""

    with st.sidebar:
        st.subheader("筛选条件")
        grain = st.segmented_control(
            "统计周期", options=list(GRAIN_NAMES), format_func=GRAIN_NAMES.get, key="f_grain"
        ) or "month"
        options = period_options(data_months, grain)
        current = state.get("f_period")
        if current is not None and grain == "quarter":
            current = quarter_start(current)
        if current not in options:
            current = options[0]
        state["f_period"] = current
        period = st.selectbox(
            "月份" if grain == "month" else "季度",
            options=options,
            format_func=lambda d: period_label(d, grain),
            key="f_period",
        )
        # "" stands for "all" (a None value would show Streamlit's English placeholder)
        region_ids = [""] if restricted else ["", *regions]
        if state.get("f_region") not in region_ids:
            state["f_region"] = ""
        region = "" if restricted else st.selectbox(
            "区域",
            options=region_ids,
            format_func=lambda r: regions[r] if r else "全部区域",
            key="f_region",
        )
        if restricted:
            unit_ids = list(units)
        else:
            unit_ids = ["", *(u for u, (_, reg) in units.items() if not region or reg == region)]
        if state.get("f_unit") not in unit_ids:
            state["f_unit"] = unit_ids[0] if restricted and unit_ids else ""
        unit = st.selectbox(
            "责任单位",
            options=unit_ids,
            format_func=lambda u: units[u][0] if u else "全部单位",
            key="f_unit",
            help="单位较多，请先选择区域，再从该区域的单位中选择。" if partial and not region else None,
        )
    chosen = Filters(period=period, grain=grain, region=region or None, unit=unit or None)
    sync_url(chosen)
    return chosen


def sync_url(filters: Filters) -> None:
    """Write the filters to the URL, leaving other parameters alone."""
    import streamlit as st

    wanted = filters.to_params()
    for key in ("period", "region", "unit"):
        value = wanted.get(key)
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


def scope_to(user: User, f: Filters, readable: Sequence[str] | None) -> Filters:
    """Filters a restricted reader may use, whatever the sidebar or a shared link says.

    ``readable`` is ``accounts.access.readable_units(user)`` (None: every unit). A liaison's pages
    show one unit they may read (their own unless they chose a granted one), with no region
    filter; the query functions refuse anything else anyway (``accounts.scope``).
    """
    from dataclasses import replace

    if readable is None:
        return f
    unit = f.unit if f.unit in readable else user.unit
    return replace(f, unit=unit, region=None)
