"""Who is using the app: the one place pages and app.py obtain the current user.

The login lives in :mod:`dashboard.auth`: a visitor gets the login form and the run stops
there, so callers always receive a logged-in, active account. A login survives a reload or a
new tab of the same browser (a cookie naming a server-side session, :mod:`accounts.sessions`) until
the user logs out or it expires.
"""

from __future__ import annotations

from accounts.access import User


def current_user() -> User:
    """The signed-in user; otherwise the login form is shown and the script run stops."""
    from dashboard.auth import require_login

    return require_login()
