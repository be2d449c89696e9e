"""Who is using the app: the one place pages and app.py obtain the current user.

Until login exists (issue 6) everybody acts as the office. The accounts engineer replaces the
body of :func:`current_user` with the login; nothing else needs to change.
"""

from __future__ import annotations

from etl.access import SYSTEM_USER, User


def current_user() -> User:
    """The signed-in user; for now the office account every page may serve."""
    return SYSTEM_USER
