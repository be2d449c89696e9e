"""Who is using the app: the one place pages and app.py obtain the current user.

The login lives in :mod:`dashboard.auth`: a visitor gets the login form and the run stops
there, so callers always receive a logged-in, active account.
"""

from __future__ import annotations

from etl.access import User


def current_user() -> User:
    """The signed-in user; otherwise the login form is shown and the script run stops."""
    from dashboard.auth import require_login

    return require_login()
