"""The data layer's side of ``accounts.access``: every page-data function that returns unit-level
rows takes the current user and passes its result through here.

Two rules, applied where the data is read (not by hiding widgets):

* asking for one unit (``unit=...``) that the user may not read raises ``AccessDenied``;
* a list of units keeps only the rows of units the user may read (``readable_units``).

Region-wide and city-wide aggregates (sums, rates, averages) are open to every role.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from accounts.access import User, readable_units, require_read_unit


def check_unit(user: User, db: Any, unit: str | None) -> None:
    """Refuse a request for ``unit``'s figures that ``user`` may not read (no-op for None)."""
    if unit is not None:
        require_read_unit(user, unit, db)


def rows(user: User, db: Any, df: pd.DataFrame, column: str = "unit") -> pd.DataFrame:
    """``df`` without the rows of units ``user`` may not read (lists bounded by the unit count)."""
    allowed = readable_units(user, db)
    if allowed is None:
        return df
    return df[df[column].isin(allowed)].reset_index(drop=True)


def sql_units(user: User, db: Any) -> dict[str, Any]:
    """Parameters for ``($all_units or x.unit = any($units))``: for SQL that ranks,
    limits or aggregates, where cutting rows afterwards would be too late."""
    allowed = readable_units(user, db)
    return {"all_units": allowed is None, "units": list(allowed or [""])}
