"""What liaisons type becomes a number in the indicator's unit, or an error naming the cell."""

from __future__ import annotations

import pytest

from etl.normalize import parse_count, parse_number, uom_class


@pytest.mark.parametrize(
    ("raw", "uom", "expected"),
    [
        ("95%", "%", 95.0),
        ("95．5", "%", 95.5),
        ("９５．５％", "%", 95.5),
        ("1,234", "家", 1234.0),
        ("１，２３４家", "家", 1234.0),
        ("15个工作日", "工作日", 15.0),
        ("0.5天", "自然日", 0.5),
        ("0.5天", "天", 0.5),
        ("3 小时", "小时", 3.0),
        ("1.2亿元", "亿元", 1.2),
        (" 12 ", "件", 12.0),
        (0, "件", 0.0),
        ("0", "%", 0.0),
        (88.0, "%", 88.0),
    ],
)
def test_typed_values_become_numbers_in_the_indicator_unit(raw, uom, expected) -> None:
    n = parse_number(raw, uom=uom)
    assert n.problem is None
    assert n.value == expected
    assert not n.ambiguous_percent


@pytest.mark.parametrize("raw", [None, "", "   ", "-", "/", "无", "—"])
def test_blank_is_not_zero(raw) -> None:
    n = parse_number(raw, uom="件")
    assert n.blank and n.value is None


def test_zero_is_a_value_not_a_blank() -> None:
    assert not parse_number(0, uom="件").blank


def test_fraction_from_a_percent_formatted_cell_means_percent_points() -> None:
    n = parse_number(0.955, uom="%", percent_cell=True)
    assert n.value == 95.5 and not n.ambiguous_percent


def test_fraction_from_a_plain_cell_of_a_percent_indicator_is_kept_but_flagged() -> None:
    n = parse_number(0.95, uom="%", percent_cell=False)
    assert n.value == 0.95 and n.ambiguous_percent


def test_fraction_of_a_non_percent_indicator_is_not_ambiguous() -> None:
    assert not parse_number(0.5, uom="小时").ambiguous_percent


@pytest.mark.parametrize("raw", ["约95", "九十五", "95-96", "高", "1.2.3"])
def test_text_that_is_not_a_number_is_an_error(raw) -> None:
    assert parse_number(raw, uom="%").problem == "not_number"


@pytest.mark.parametrize(("raw", "uom"), [("3小时", "工作日"), ("95%", "件"), ("15个工作日", "自然日"), ("1.2亿元", "万元")])
def test_a_unit_that_contradicts_the_indicator_is_an_error(raw, uom) -> None:
    assert parse_number(raw, uom=uom).problem == "unit_mismatch"


def test_work_counts_accept_counting_units_only() -> None:
    assert parse_count("12家").value == 12
    assert parse_count("12 件").value == 12
    assert parse_count("很多").problem == "not_number"
    assert parse_count("3小时").problem == "not_number"


@pytest.mark.parametrize(
    ("uom", "cls"), [("%", "percent"), ("工作日", "duration"), ("小时", "duration"), ("家", "count"),
                     ("人次", "count"), ("亿元", "other")],
)
def test_unit_of_measure_decides_the_range_rule(uom, cls) -> None:
    assert uom_class(uom) == cls


def test_growth_rates_in_percent_are_not_held_to_0_to_100() -> None:
    from etl.normalize import range_class
    from indicators.models import Indicator

    def ind(comparator: str, target: float) -> Indicator:
        return Indicator(code="X", name="x", unit="%", comparator=comparator, target=target,
                         direction="lower_better", plan="001", measure="1.", owners=("a.b",))

    assert range_class(ind("growth", -8)) == "growth"
    assert range_class(ind(">=", 95)) == "percent"
