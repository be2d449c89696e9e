"""Working-day (工作日) calendar.

The plans count deadlines in working days: weekdays minus official holidays, plus the
weekend days that are made working days (调休补班). The official schedule is kept as data,
one file per year under ``data/calendar/YYYY.yaml`` that the office can add to when the
State Council publishes a new year; the shipped files were seeded from chinese-calendar
(``python -m etl calendar seed YEAR``), which knows 2004–2026 only.

For a year with no file, the calendar falls back to the statutory holidays computed by the
``holidays`` package plus weekends, with no make-up days; every answer touching such a year
is *provisional* (``is_provisional``) so the UI can say so.

Counting convention: ``workdays_between(a, b)`` counts the working days after ``a`` up to
and including ``b`` — the days in the half-open interval (a, b] — so a return due on the
25th and received on the next working day is one working day late.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

CALENDAR_DIR = Path(__file__).resolve().parents[1] / "data" / "calendar"
DEFAULT_DUE_DAY = 25

# chinese-calendar's English names -> the names officials use
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


class CalendarError(ValueError):
    """A calendar file that does not make sense; the message names the file and the entry."""


@dataclass(frozen=True)
class YearCalendar:
    year: int
    official: bool
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)  # weekend days worked (调休)
    source: str = ""

    def is_workday(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def count(self) -> int:
        day, end, n = date(self.year, 1, 1), date(self.year, 12, 31), 0
        while day <= end:
            n += self.is_workday(day)
            day += timedelta(days=1)
        return n


def _parse_entries(raw: object, year: int, where: str, key: str) -> dict[date, str]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise CalendarError(f"{where}: {key} 应为列表")
    out: dict[date, str] = {}
    for i, entry in enumerate(raw):
        loc = f"{where}: {key}[{i}]"
        if not isinstance(entry, dict) or set(entry) - {"date", "name"} or "date" not in entry:
            raise CalendarError(f"{loc}: 每项应为 {{date: YYYY-MM-DD, name: 名称}}")
        d = entry["date"]
        if not isinstance(d, date):
            raise CalendarError(f"{loc}.date: “{d}” 不是有效日期（格式 YYYY-MM-DD）")
        if d.year != year:
            raise CalendarError(f"{loc}.date: {d} 不在 {year} 年内")
        if d in out:
            raise CalendarError(f"{loc}.date: {d} 重复")
        out[d] = str(entry.get("name") or "")
    return out


def parse_year_file(path: Path) -> YearCalendar:
    """Read and check one ``YYYY.yaml``; raises CalendarError naming file and entry."""
    where = str(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise CalendarError(f"{where}: 不是有效的 YAML：{err}") from None
    if not isinstance(doc, dict):
        raise CalendarError(f"{where}: 文件内容应为映射（year / holidays / workdays）")
    unknown = set(doc) - {"year", "status", "source", "holidays", "workdays"}
    if unknown:
        raise CalendarError(f"{where}: 未知的键 {', '.join(sorted(unknown))}")
    year = doc.get("year")
    if not isinstance(year, int) or path.stem != str(year):
        raise CalendarError(f"{where}: year 应为整数且与文件名一致（{path.stem}）")
    status = doc.get("status", "official")
    if status not in ("official", "provisional"):
        raise CalendarError(f"{where}: status 只能是 official 或 provisional")
    holidays = _parse_entries(doc.get("holidays"), year, where, "holidays")
    workdays = _parse_entries(doc.get("workdays"), year, where, "workdays")
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise CalendarError(f"{where}: {both[0]} 同时列为节假日和调休工作日")
    for d in workdays:
        if d.weekday() < 5:
            raise CalendarError(f"{where}: workdays 中的 {d} 不是周末，调休工作日应为周六或周日")
    return YearCalendar(year, status == "official", holidays, workdays, str(doc.get("source", "")))


def _fallback_year(year: int) -> YearCalendar:
    """Statutory holidays by rule (no make-up days): provisional until the office adds a file."""
    import holidays as holidays_pkg

    days = holidays_pkg.China(years=year, language="zh_CN")
    return YearCalendar(year, False, {d: n for d, n in days.items()}, {}, "holidays 包按法定假日规则推算")


def _chinese_calendar_year(year: int) -> YearCalendar | None:
    import chinese_calendar as cc

    hol = {d: HOLIDAY_NAMES.get(n, n) for d, n in cc.holidays.items() if d.year == year}
    work = {d: f"{HOLIDAY_NAMES.get(n, n)}调休" for d, n in cc.workdays.items() if d.year == year}
    if not hol:
        return None
    return YearCalendar(year, True, hol, work, f"chinese-calendar {getattr(cc, '__version__', '')}".strip())


class Calendar:
    """Years loaded lazily from a directory of YAML files, with the fallbacks described above."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory else CALENDAR_DIR
        self._years: dict[int, YearCalendar] = {}

    def year(self, year: int) -> YearCalendar:
        cal = self._years.get(year)
        if cal is None:
            path = self.directory / f"{year}.yaml"
            if path.exists():
                cal = parse_year_file(path)
            else:
                cal = _chinese_calendar_year(year) if year <= 2026 else None
                cal = cal or _fallback_year(year)
            self._years[year] = cal
        return cal

    def is_workday(self, d: date) -> bool:
        return self.year(d.year).is_workday(d)

    def is_provisional(self, d: date) -> bool:
        return not self.year(d.year).official

    def holiday_name(self, d: date) -> str | None:
        return self.year(d.year).holidays.get(d)

    def add_workdays(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (before it for negative n); ``d`` itself for n = 0."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        day = d
        while remaining:
            day += timedelta(days=step)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b is before a."""
        if b < a:
            return -self.workdays_between(b, a)
        n, day = 0, a
        while day < b:
            day += timedelta(days=1)
            n += self.is_workday(day)
        return n

    def provisional_between(self, a: date, b: date) -> bool:
        """True when any year between a and b has no official schedule loaded."""
        lo, hi = sorted((a, b))
        return any(not self.year(y).official for y in range(lo.year, hi.year + 1))


@lru_cache(maxsize=1)
def default_calendar() -> Calendar:
    return Calendar(Path(os.environ["YINGSHANG_CALENDAR_DIR"]) if os.environ.get("YINGSHANG_CALENDAR_DIR") else None)


def is_workday(d: date) -> bool:
    return default_calendar().is_workday(d)


def add_workdays(d: date, n: int) -> date:
    return default_calendar().add_workdays(d, n)


def workdays_between(a: date, b: date) -> int:
    return default_calendar().workdays_between(a, b)


def is_provisional(d: date) -> bool:
    return default_calendar().is_provisional(d)


def provisional_between(a: date, b: date) -> bool:
    return default_calendar().provisional_between(a, b)


def due_day() -> int:
    """Day of the month a return is due (``YINGSHANG_DUE_DAY``, default 25)."""
    value = int(os.environ.get("YINGSHANG_DUE_DAY", DEFAULT_DUE_DAY))
    if not 1 <= value <= 28:
        raise ValueError("YINGSHANG_DUE_DAY 应为 1–28 之间的整数")
    return value


def due_date(period: date, day: int | None = None) -> date:
    """The calendar date a month's return is due: the 25th of that month by default."""
    return date(period.year, period.month, day or due_day())


def seed_year_file(year: int, directory: Path | None = None) -> Path:
    """Write ``YYYY.yaml`` from chinese-calendar's official schedule (2004–2026)."""
    cal = _chinese_calendar_year(year)
    if cal is None:
        raise CalendarError(f"chinese-calendar 没有 {year} 年的官方节假日安排，请手工编写 {year}.yaml")
    directory = Path(directory) if directory else CALENDAR_DIR
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# {year} 年工作日历：法定节假日与调休上班日（国务院办公厅节假日安排）。",
        "# 新年度安排公布后，办公室可按同样格式新增 YYYY.yaml；程序加载时会校验。",
        f"year: {year}",
        "status: official",
        f"source: {cal.source}",
        "holidays:",
        *[f"  - {{date: {d.isoformat()}, name: {n}}}" for d, n in sorted(cal.holidays.items())],
        "workdays:",
        *[f"  - {{date: {d.isoformat()}, name: {n}}}" for d, n in sorted(cal.workdays.items())],
    ]
    path = directory / f"{year}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
