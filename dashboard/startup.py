"""What the app prepares once per server process, and when: fast first page (issue 18).

``app.py`` is re-executed on every script run, so state that must outlive a run (done flags,
the lock) lives here, in an imported module. Order on a just-started server:

1. migrations (``app.prepare_database``): the login form reads the accounts tables;
2. the login form is drawn; then ``warm_up`` starts a background thread that imports what the
   pages need (pandas and its Styler, plotly, the page data modules: ~1–2 s on this machine)
   and checks the catalog mirror (``prepare_catalog``), while the user types the password;
   the form also asks the browser to load the scripts of the overview's elements meanwhile
   (``preload_html``: Streamlit loads each element's script only when it first draws one);
3. after the login, ``prepare_catalog`` again: a no-op when the warm-up did it, otherwise it
   waits for the warm-up (the lock) or does the work itself.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from pathlib import Path

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
        import pandas.io.formats.style  # noqa: F401 - the status colours of every table (and jinja2)
        import plotly.graph_objects as go

        from dashboard import charts, evidence_ui, flags, queries, supervision  # noqa: F401

        go.Figure(go.Bar(x=[1], y=[1])).add_trace(go.Scatter(x=[1], y=[1]))  # plotly's validators
        prepare_catalog(path)
    except Exception:  # noqa: BLE001 - the page run meets the same error and says so in Chinese
        log.debug("warm-up failed", exc_info=True)


# Streamlit's frontend scripts of the elements the overview and the sidebar draw (named as in
# streamlit/static/static/js, without their content hash): ~1 s of fetching and parsing in the
# browser after the login (plotly alone ~4.6 MB) when not loaded while the form is on screen
OVERVIEW_SCRIPTS = ("Html", "Button", "ButtonGroup", "Selectbox", "Metric", "PlotlyChart", "DataFrame",
                    "DownloadButton", "PageLink")


@functools.cache
def _frontend_scripts(names: tuple[str, ...] = OVERVIEW_SCRIPTS) -> tuple[str, ...]:
    """File names of ``names`` in this Streamlit's frontend build; those not found are left out
    (another Streamlit version: nothing is preloaded, nothing breaks)."""
    import streamlit

    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    found = []
    for name in names:
        found += sorted(p.name for p in folder.glob(f"{name}.*.js") if p.name.count(".") == 2)
    return tuple(found)


def preload_html() -> str:
    """A hidden element whose script makes the browser import the overview's element scripts
    once the login form is painted (started at once, it delayed the form by ~0.3 s). They are
    the files, by the same address, that Streamlit imports later, so its import finds them
    loaded. Empty when none were found."""
    files = _frontend_scripts()
    if not files:
        return ""
    return (
        "<style>[data-testid=\"stElementContainer\"]:has(script[data-yingshang-preload]){display:none}</style>"
        "<script data-yingshang-preload>(function () {"
        " var main = Array.prototype.map.call(document.querySelectorAll('script[src]'), function (e) {"
        " return e.src; }).filter(function (u) { return /\\/static\\/js\\/index\\.[^/]+\\.js$/.test(u); })[0];"
        " if (!main) { return; }"
        " var base = main.slice(0, main.lastIndexOf('/') + 1);"
        f" var files = {json.dumps(list(files))};"
        " var load = function () { files.forEach(function (f) { import(base + f).catch(function () {}); }); };"
        # once the form's password box is in the page and painted (two frames later)
        " var tries = 0, wait = window.setInterval(function () {"
        " if (document.querySelector('input[type=password]') || ++tries > 100) {"
        " window.clearInterval(wait); requestAnimationFrame(function () { requestAnimationFrame(load); }); }"
        " }, 50);"
        " })();</script>"
    )


def warm_up(path: str) -> bool:
    """Start the background warm-up for ``path`` unless it ran already; True when started."""
    with _warm_lock:
        if path in _warm_started:
            return False
        _warm_started.add(path)
    threading.Thread(target=_warm, args=(path,), name="yingshang-warm-up", daemon=True).start()
    return True
