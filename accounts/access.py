"""Who is acting: the user object every data function that reads or writes takes.

Roles: ``office`` (领导小组办公室: everything), ``liaison`` (联络员: one unit),
``leader`` (领导: read-only). The checks live here so that the data layer, not only the
pages, refuses what a role may not do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["office", "liaison", "leader"]

ROLE_NAMES: dict[str, str] = {"office": "办公室", "liaison": "联络员", "leader": "领导"}


class AccessDenied(Exception):
    """Raised by the data layer; ``str(err)`` is a Chinese message for the user."""

    code = "ACCESS_DENIED"


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    unit: str | None = None
    display_name: str | None = None
    # Read grants the office gave a liaison beyond their own unit (``accounts.users.grant_read``):
    # GRANT_ALL, "region:<region id>" or "unit:<unit id>". Reading only: uploads stay own-unit.
    grants: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return self.display_name or self.username


# The command line and the demo builder act as the office.
SYSTEM_USER = User(username="system", role="office", display_name="系统")


def unit_name(unit: str | None, db=None) -> str:
    """A unit as people read it in a refusal: its name from the catalog mirror (the id only when
    the unit is unknown or the database cannot be read at that moment)."""
    if not unit:
        return "未指定单位"
    import store

    try:
        with store.read(db) as con:
            row = con.execute("select name from unit where id = ?", [unit]).fetchone()
    except Exception:  # noqa: BLE001 - a refusal must still be shown when naming fails
        return unit
    return row[0] if row and row[0] else unit


def require_upload(user: User, unit: str | None, db=None) -> None:
    """A return for ``unit`` may be uploaded by the office or by that unit's liaison only."""
    if user.role == "office":
        return
    if user.role == "liaison" and unit is not None and user.unit == unit:
        return
    if user.role == "leader":
        raise AccessDenied("领导账号为只读，不能上传月报。")
    raise AccessDenied(f"您只能为本单位（{unit_name(user.unit, db)}）上传月报，"
                       f"不能代报其他单位（{unit_name(unit, db)}）的月报。")


def require_write(user: User) -> None:
    """Leaders read; every write path calls this (directly or through a stricter check)."""
    if user.role == "leader":
        raise AccessDenied("领导账号为只读，不能修改数据。")


def require_office(user: User, what: str = "此操作") -> None:
    """Administration (accounts, audit trail) is the office's alone."""
    if user.role != "office":
        raise AccessDenied(f"{what}仅限领导小组办公室账号，您的账号（{ROLE_NAMES.get(user.role, user.role)}）无此权限。")


def require_template(user: User, unit: str, db=None) -> None:
    """A liaison downloads only their own unit's template; leaders do not fill returns."""
    if user.role == "office":
        return
    if user.role == "leader":
        raise AccessDenied("领导账号为只读，不提供填报模板下载。")
    if user.unit != unit:
        raise AccessDenied(f"您只能下载本单位（{unit_name(user.unit, db)}）的填报模板，"
                           f"不能下载其他单位（{unit_name(unit, db)}）的模板。")


GRANT_ALL = "all"
GRANT_KINDS = ("region", "unit")


def grant_scope(kind: str, target: str | None = None) -> str:
    """The stored form of a read grant: ``all``, ``region:<id>`` or ``unit:<id>``."""
    if kind == GRANT_ALL:
        return GRANT_ALL
    if kind not in GRANT_KINDS or not target:
        raise ValueError(f"unknown grant {kind}:{target}")
    return f"{kind}:{target}"


def split_grant(scope: str) -> tuple[str, str | None]:
    """``region:hexi`` -> ("region", "hexi"); ``all`` -> ("all", None)."""
    if scope == GRANT_ALL:
        return GRANT_ALL, None
    kind, _, target = scope.partition(":")
    return kind, target


def reads_every_unit(user: User) -> bool:
    """Office and leaders read every unit; a liaison only when the office granted ``all``."""
    return user.role in ("office", "leader") or GRANT_ALL in user.grants


def readable_units(user: User, db=None) -> list[str] | None:
    """The units whose unit-level rows ``user`` may read; None means every unit.

    A liaison reads their own unit plus what the office granted (units, or every unit of a
    region, resolved against the catalog mirror). Region-wide aggregates need no grant.
    """
    if reads_every_unit(user):
        return None
    units = {user.unit} if user.unit else set()
    regions = []
    for scope in user.grants:
        kind, target = split_grant(scope)
        if kind == "unit":
            units.add(target)
        elif kind == "region":
            regions.append(target)
    if regions:
        import store

        with store.read(db) as con:
            rows = con.execute("select id from unit where list_contains(?, region)", [regions]).fetchall()
        units.update(r[0] for r in rows)
    return sorted(units)


def require_read_unit(user: User, unit: str, db=None) -> None:
    """Unit-level figures: office and leaders see every unit, a liaison their own (and grants)."""
    allowed = readable_units(user, db)
    if allowed is None or unit in allowed:
        return
    raise AccessDenied(
        f"您只能查看本单位（{unit_name(user.unit, db)}）的明细数据；其他单位（{unit_name(unit, db)}）"
        "只能以所在区域的汇总形式查看。"
        "如确需查看，请联系领导小组办公室开通查看权限。"
    )


def visible_units(user: User, db=None) -> list[str]:
    """``readable_units`` spelled out: every unit id of the catalog mirror when unrestricted."""
    allowed = readable_units(user, db)
    if allowed is not None:
        return allowed
    import store

    with store.read(db) as con:
        return [r[0] for r in con.execute("select id from unit order by id").fetchall()]


# Pages (keyed by their file name in pages/) that not every role may open; any page not
# listed is open to every logged-in role. Liaisons see their own unit and region-wide
# aggregates; pages listing every unit's figures are for the office and leaders.
_ALL_UNITS_READERS = frozenset({"office", "leader"})
PAGE_ROLES: dict[str, frozenset[str]] = {
    "upload": frozenset({"office", "liaison"}),
    "audit": frozenset({"office"}),
    "users": frozenset({"office"}),
    "submissions": _ALL_UNITS_READERS,
    "quality": _ALL_UNITS_READERS,
    "tasks": _ALL_UNITS_READERS,
    "indicator": _ALL_UNITS_READERS,
    # every role; the content is scoped: liaisons see their own unit's score and cases
    "assessment": frozenset({"office", "liaison", "leader"}),
    "cases": frozenset({"office", "liaison", "leader"}),
    # 督办: everyone; liaisons see their units' items only (office.supervision.list_items)
    "supervision": frozenset({"office", "liaison", "leader"}),
    "report": _ALL_UNITS_READERS,   # the 专报 names every unit's figures
}


def may_open(user: User, page: str) -> bool:
    """Whether the navigation offers ``page`` (a key of ``PAGE_ROLES`` or any other page name)."""
    return user.role in PAGE_ROLES.get(page, frozenset({"office", "liaison", "leader"}))


def require_page(user: User, page: str, title: str = "该页面") -> None:
    """Pages call this first, so a page reached directly is refused like a hidden button."""
    if not may_open(user, page):
        raise AccessDenied(f"您的账号（{ROLE_NAMES.get(user.role, user.role)}）无权访问{title}。")
