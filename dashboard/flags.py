"""Red flags as a page reads them: the rules of ``rules.flags``, scoped to the current user.

A liaison asking for another unit is refused (``AccessDenied``); lists keep only the units
the user may read, cut in SQL before the limit so a liaison still gets their own rows.
Counts are aggregates: open to every role for a region or the city.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from accounts import scope
from accounts.access import User
from rules import flags as rules_flags
from rules.flags import FLAG_TYPES, SEVERITY  # noqa: F401 (re-export for pages)


def red_flags(db: Any, user: User, period: date, now: datetime, unit: str | None = None,
              region: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """The red flags of ``period`` that ``user`` may read, worst first."""
    scope.check_unit(user, db, unit)
    allowed = scope.sql_units(user, db)
    units = None if allowed["all_units"] else allowed["units"]
    return rules_flags.red_flags(db, period, now, unit, region, limit, units=units)


def flag_counts(db: Any, user: User, period: date, now: datetime, region: str | None = None,
                unit: str | None = None) -> pd.DataFrame:
    """How many flags of each type ``period`` has; one unit only if ``user`` may read it."""
    scope.check_unit(user, db, unit)
    return rules_flags.flag_counts(db, period, now, region, unit)
