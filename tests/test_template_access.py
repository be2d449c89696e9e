"""A liaison downloads only their own unit's template; the rule is in the template builder."""

from __future__ import annotations

import pytest

from accounts.access import AccessDenied, User
from etl.template import build_template


def test_a_liaison_cannot_build_another_units_template() -> None:
    with pytest.raises(AccessDenied, match="本单位"):
        build_template("heping.zwfw", "2026-11", user=User("li", "liaison", "teda.zwfw"))


def test_a_liaison_builds_their_own_and_the_office_any() -> None:
    own = build_template("teda.zwfw", "2026-11", user=User("li", "liaison", "teda.zwfw"))
    other = build_template("heping.zwfw", "2026-11", user=User("ban", "office"))
    assert own["_meta"].sheet_state == "veryHidden"
    assert {r[0].value: r[1].value for r in other["_meta"].iter_rows()}["unit_id"] == "heping.zwfw"
