"""Global filters live in the URL: a shared link opens the same month, quarter, region and unit."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.filters import (
    Filters,
    format_period,
    from_params,
    parse_period,
    period_label,
    period_options,
)

REGIONS = {"teda": "经开区", "hexi": "河西区"}
UNITS = {"teda.zwfw": "teda", "hexi.zwfw": "hexi"}
DEFAULT = date(2026, 10, 1)


def test_a_shared_link_with_month_region_and_unit_selects_them() -> None:
    f = from_params({"period": "2026-09", "region": "teda", "unit": "teda.zwfw"},
                    default_period=DEFAULT, regions=REGIONS, units=UNITS)
    assert f == Filters(period=date(2026, 9, 1), grain="month", region="teda", unit="teda.zwfw")
    assert f.label == "2026年9月"


@pytest.mark.parametrize("text", ["2026Q3", "2026-Q3", "2026q3"])
def test_a_quarter_link_covers_its_three_months(text: str) -> None:
    f = from_params({"period": text}, default_period=DEFAULT)
    assert f.grain == "quarter"
    assert f.months == (date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1))
    assert f.month == date(2026, 9, 1)
    assert f.label == "2026年第三季度"
    assert f.to_params() == {"period": "2026Q3"}


@pytest.mark.parametrize("bad", ["2026-13", "september", "", "2026Q5"])
def test_a_malformed_period_falls_back_to_the_newest_month(bad: str) -> None:
    assert from_params({"period": bad}, default_period=DEFAULT).period == DEFAULT


def test_stale_region_or_unit_ids_are_dropped_not_an_error() -> None:
    f = from_params({"region": "atlantis", "unit": "atlantis.x"}, default_period=DEFAULT,
                    regions=REGIONS, units=UNITS)
    assert (f.region, f.unit) == (None, None)


def test_a_unit_outside_the_chosen_region_is_dropped() -> None:
    f = from_params({"region": "hexi", "unit": "teda.zwfw"}, default_period=DEFAULT, regions=REGIONS, units=UNITS)
    assert (f.region, f.unit) == ("hexi", None)


def test_filters_round_trip_through_the_url() -> None:
    f = Filters(period=date(2026, 1, 1), region="hexi", unit="hexi.zwfw")
    assert from_params(f.to_params(), default_period=DEFAULT, regions=REGIONS, units=UNITS) == f
    assert parse_period(format_period(date(2026, 4, 1), "quarter")) == ("quarter", date(2026, 4, 1))
    assert period_label(date(2026, 12, 1), "quarter") == "2026年第四季度"


def test_period_choices_offer_the_last_year_and_older_months_with_data() -> None:
    months = period_options([date(2024, 5, 1)], "month", today=date(2026, 11, 1))
    assert months[0] == date(2026, 11, 1)
    assert date(2025, 12, 1) in months and date(2025, 11, 1) not in months
    assert months[-1] == date(2024, 5, 1)
    quarters = period_options([], "quarter", today=date(2026, 11, 1))
    assert quarters[0] == date(2026, 10, 1) and all(d.month in (1, 4, 7, 10) for d in quarters)
