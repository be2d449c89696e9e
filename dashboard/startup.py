"""What the app prepares once per server process, and when: fast first page (issue 18).

``app.py`` is re-executed on every script run, so state that must outlive a run (done flags,
the lock) lives here, in an imported module. Order on a just-started server:

1. migrations (``app.prepare_database``): the login form reads the accounts tables;
2. the login form is drawn; then ``warm_up`` starts a background thread that imports what the
   pages need (pandas, plotly, the page data modules: ~1–2 s on this machine) and checks the
   catalog mirror (``prepare_catalog``), while the user types the password;
3. after the login, ``prepare_catalog`` again: a no-op when the warm-up did it, otherwise it
   waits for the warm-up (the lock) or does the work itself.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("yingshang.startup")

_catalog_lock = threading.Lock()
_catalog_done: set[str] = set()
_warm_lock = threading.Lock()
_warm_started: set[str] = set()

# the warm-up gives the server a moment to send the login form first: imports hold the GIL in
# long stretches, and the form reached the browser up to half a second later without the pause
WARM_DELAY_S = 0.2


def catalog_ready(path: str) -> bool:
    return path in _catalog_done


def prepare_catalog(path: str) -> None:
    """Mirror the indicator catalog into ``path`` (re-judging when it changed) once per process,
    before the first page shows data. The login form does not need it."""
    with _catalog_lock:
        if path in _catalog_done:
            return
        from rules import stats

        stats.ensure_catalog(path)
        _catalog_done.add(path)


def _warm(path: str) -> None:
    time.sleep(WARM_DELAY_S)
    try:
        import pandas  # noqa: F401
        import plotly.graph_objects as go

        from dashboard import charts, evidence_ui, flags, queries, supervision  # noqa: F401

        go.Figure(go.Bar(x=[1], y=[1])).add_trace(go.Scatter(x=[1], y=[1]))  # plotly's validators
        prepare_catalog(path)
    except Exception:  # noqa: BLE001 - the page run meets the same error and says so in Chinese
        log.debug("warm-up failed", exc_info=True)


def warm_up(path: str) -> bool:
    """Start the background warm-up for ``path`` unless it ran already; True when started."""
    with _warm_lock:
        if path in _warm_started:
            return False
        _warm_started.add(path)
    threading.Thread(target=_warm, args=(path,), name="yingshang-warm-up", daemon=True).start()
    return True
