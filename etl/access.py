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

    @property
    def label(self) -> str:
        return self.display_name or self.username


# The command line and the demo builder act as the office.
SYSTEM_USER = User(username="system", role="office", display_name="系统")


def require_upload(user: User, unit: str | None) -> None:
    """A return for ``unit`` may be uploaded by the office or by that unit's liaison only."""
    if user.role == "office":
        return
    if user.role == "liaison" and unit is not None and user.unit == unit:
        return
    if user.role == "leader":
        raise AccessDenied("领导账号为只读，不能上传月报。")
    raise AccessDenied(f"您只能为本单位（{user.unit}）上传月报，不能代报其他单位（{unit}）的月报。")
