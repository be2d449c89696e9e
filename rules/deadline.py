"""When a month's return is due, how late a receipt is, and which units have not reported.

The return for month M is due by the 25th of M (plan 001: 每月25日前报送), 23:59:59 in
Asia/Shanghai; the day comes from ``YINGSHANG_DUE_DAY`` or a parameter. Lateness is counted
in calendar days and in working days (``rules.workdays``: weekends, holidays and 调休).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from rules import workdays
from rules.roster import EXPECTED_UNITS

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Lateness:
    on_time: bool
    days_late: int  # calendar days after the due date, 0 when on time
    workdays_late: int  # working days after the due date, 0 when on time


def due_at(period: date, day: int | None = None) -> datetime:
    """The last moment a return for ``period``'s month counts as on time (Shanghai time)."""
    return datetime.combine(workdays.due_date(period, day), time(23, 59, 59), tzinfo=TZ)


def local_day(moment: datetime) -> date:
    """The Shanghai calendar date of ``moment`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TZ).date()


def lateness(period: date, received_at: datetime, day: int | None = None) -> Lateness:
    """On time up to the due moment; after it, days late counted from the due date."""
    due = due_at(period, day)
    received = received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)
    if received <= due:
        return Lateness(True, 0, 0)
    due_day, got = due.date(), local_day(received)
    return Lateness(False, (got - due_day).days, workdays.workdays_between(due_day, got))


def is_overdue(period: date, now: datetime, day: int | None = None) -> bool:
    """True once the due moment of ``period`` has passed."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    return now > due_at(period, day)


MISSING_RETURNS_SQL = f"""
with {EXPECTED_UNITS},
accepted as (
    select distinct unit
    from submission
    where status = 'accepted' and period = ? and received_at <= ?
),
final as (
    select u.id as unit, u.name as unit_name, u.region, r.name as region_name
    from expected_units e
    join unit u on u.id = e.unit
    left join region r on r.id = u.region
    where e.unit not in (select unit from accepted)
)
select * from final order by region, unit
"""


def missing_returns(con: Any, period: date, now: datetime, day: int | None = None) -> list[dict]:
    """Expected units (``etl.roster``) with no accepted return for ``period`` by the deadline (逾期未报).

    Before the deadline nobody is overdue yet, so the list is empty. A return accepted after
    the deadline is late (迟报), not missing: ``now`` bounds which receipts count.
    """
    if not is_overdue(period, now, day):
        return []
    cur = con.execute(MISSING_RETURNS_SQL, [period, now])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]
