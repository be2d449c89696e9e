"""Starting the app opens no outbound connection (usage statistics off, no external-IP lookup)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_config_turns_off_usage_statistics_and_binds_to_localhost() -> None:
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["browser"]["serverAddress"] == "localhost"
    assert cfg["server"]["headless"] is True
    assert cfg["server"]["address"] == "localhost"


def _outbound_while_serving(cwd: Path, app: str, db: Path, log: Path) -> list[str]:
    """Start ``streamlit run app`` in ``cwd``, load its page, stop it; return non-local connections."""
    port = _free_port()
    env = {**os.environ, "YINGSHANG_DB": str(db), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "netaudit_run.py"), str(log), "run", app,
         "--server.port", str(port)],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        healthy = False
        while time.monotonic() < deadline and not healthy:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    healthy = r.status == 200
            except OSError:
                time.sleep(0.3)
        assert healthy, "应用未能启动"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200
        time.sleep(3)  # give any background lookup (IP guess, telemetry) time to happen
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    lines = [ln for ln in log.read_text(encoding="utf-8").splitlines() if ln.strip()] if log.exists() else []
    outbound = []
    for ln in lines:
        kind, _, addr = ln.partition(" ")
        if addr.startswith(("'/", "b'", "'\\x00")):
            continue  # unix sockets
        if kind == "resolve" and addr.strip("'") in ("localhost", "127.0.0.1", "::1", "0.0.0.0", "None"):
            continue
        if kind == "connect" and any(tok in addr for tok in ("'127.", "'::1'", "'localhost'")):
            continue
        outbound.append(ln)
    return outbound


def test_starting_the_app_contacts_only_localhost(tmp_path: Path) -> None:
    outbound = _outbound_while_serving(ROOT, "app.py", tmp_path / "app.duckdb", tmp_path / "net.log")
    assert outbound == [], f"应用启动时向外部地址发起了连接：{outbound}"


def test_the_detector_sees_what_streamlit_does_without_our_config(tmp_path: Path) -> None:
    # Without .streamlit/config.toml, streamlit looks up the external IP: the audit hook must see it,
    # otherwise the test above would pass for the wrong reason.
    (tmp_path / "bare.py").write_text("import streamlit as st\nst.write('hi')\n", encoding="utf-8")
    outbound = _outbound_while_serving(tmp_path, "bare.py", tmp_path / "x.duckdb", tmp_path / "net.log")
    assert outbound, "审计钩子没有记录到任何外部连接"
