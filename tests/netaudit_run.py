"""Run ``streamlit`` with an audit hook that logs every outbound socket address to a file.

Used by test_no_outbound.py: government data, the app must contact nothing but localhost.
Usage: python tests/netaudit_run.py LOGFILE streamlit-args...
"""

from __future__ import annotations

import sys

log_path = sys.argv[1]
log = open(log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - open for the whole run


def hook(event: str, args: tuple) -> None:
    if event == "socket.connect":
        log.write(f"connect {args[1]!r}\n")
    elif event == "socket.getaddrinfo":
        log.write(f"resolve {args[0]!r}\n")


sys.addaudithook(hook)
sys.argv = ["streamlit", *sys.argv[2:]]
from streamlit.web.cli import main

main()
