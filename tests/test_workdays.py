"""Working-day facts the office relies on when it counts deadlines and days late."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rules import workdays
from rules.workdays import Calendar, CalendarError


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return Calendar()


def test_national_day_2026_is_a_holiday_and_the_make_up_saturday_is_a_workday(cal: Calendar) -> None:
    assert not cal.is_workday(date(2026, 10, 1))
    assert cal.holiday_name(date(2026, 10, 1)) == "国庆节"
    assert date(2026, 10, 10).weekday() == 5  # a Saturday ...
    assert cal.is_workday(date(2026, 10, 10))  # ... worked (调休)


def test_2026_has_248_workdays_including_make_up_weekends(cal: Calendar) -> None:
    assert cal.year(2026).count() == 248
    assert len(cal.year(2026).workdays) == 6


def test_workdays_between_counts_after_start_up_to_end(cal: Calendar) -> None:
    # Fri 25 Sep -> Fri 9 Oct 2026: 28, 29, 30 Sep, then the holiday week, then 8, 9 Oct
    assert cal.workdays_between(date(2026, 9, 25), date(2026, 10, 9)) == 5
    assert cal.workdays_between(date(2026, 10, 9), date(2026, 9, 25)) == -5
    assert cal.workdays_between(date(2026, 3, 2), date(2026, 3, 2)) == 0


def test_add_workdays_skips_the_golden_week_and_uses_the_make_up_day(cal: Calendar) -> None:
    assert cal.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_workdays(date(2026, 10, 9), 1) == date(2026, 10, 10)  # make-up Saturday
    assert cal.add_workdays(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert cal.add_workdays(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_12345_seven_workday_limit_from_a_ticket_before_national_day(cal: Calendar) -> None:
    # a ticket opened on Mon 28 Sep 2026 must close by the 7th working day after it
    assert cal.add_workdays(date(2026, 9, 28), 7) == date(2026, 10, 13)


def test_2027_works_without_official_schedule_and_is_marked_provisional(cal: Calendar) -> None:
    day = date(2027, 3, 1)
    assert cal.is_provisional(day)
    assert cal.is_workday(day)  # a Monday
    assert not cal.is_workday(date(2027, 1, 1))  # 元旦 by statutory rule
    assert not cal.is_workday(date(2027, 2, 8))  # 春节 by statutory rule
    assert cal.provisional_between(date(2026, 12, 25), date(2027, 1, 10))
    assert not cal.provisional_between(date(2026, 1, 1), date(2026, 12, 31))
    assert cal.workdays_between(date(2026, 12, 25), date(2027, 1, 25)) > 15


def test_office_can_add_a_year_file_which_replaces_the_provisional_rule(tmp_path: Path) -> None:
    (tmp_path / "2027.yaml").write_text(
        "year: 2027\nstatus: official\nholidays:\n  - {date: 2027-03-01, name: 测试假日}\n"
        "workdays:\n  - {date: 2027-03-06, name: 测试调休}\n",
        encoding="utf-8",
    )
    cal = Calendar(tmp_path)
    assert not cal.is_provisional(date(2027, 3, 1))
    assert not cal.is_workday(date(2027, 3, 1))
    assert cal.is_workday(date(2027, 3, 6))


@pytest.mark.parametrize(
    "body, words",
    [
        ("year: 2027\nworkdays:\n  - {date: 2027-03-03, name: x}\n", "不是周末"),
        ("year: 2027\nholidays:\n  - {date: 2026-03-03, name: x}\n", "不在 2027 年内"),
        ("year: 2027\nholidays:\n  - {date: 2027-03-06, name: x}\nworkdays:\n  - {date: 2027-03-06, name: y}\n", "同时列为"),
        ("year: 2027\nholiday:\n  - {date: 2027-03-06, name: x}\n", "未知的键 holiday"),
        ("year: 2028\n", "与文件名一致"),
    ],
)
def test_a_bad_calendar_file_is_refused_with_file_and_reason(tmp_path: Path, body: str, words: str) -> None:
    path = tmp_path / "2027.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CalendarError) as err:
        Calendar(tmp_path).is_workday(date(2027, 3, 1))
    assert "2027.yaml" in str(err.value) and words in str(err.value)


def test_shipped_calendar_files_match_chinese_calendar(cal: Calendar) -> None:
    import chinese_calendar as cc

    for year in (2025, 2026):
        yc = workdays.parse_year_file(workdays.CALENDAR_DIR / f"{year}.yaml")
        day = date(year, 1, 1)
        while day.year == year:
            assert yc.is_workday(day) == cc.is_workday(day), day
            day = date.fromordinal(day.toordinal() + 1)


def test_return_is_due_on_the_25th_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert workdays.due_date(date(2026, 11, 1)) == date(2026, 11, 25)
    monkeypatch.setenv("YINGSHANG_DUE_DAY", "20")
    assert workdays.due_date(date(2026, 11, 1)) == date(2026, 11, 20)
