"""README's deployment, tried as written: two app servers on one PostgreSQL behind the nginx
configuration the README gives (sticky by client address, websocket upgrade headers).

A browser logs in through the proxy; the app server holding its websocket is stopped; after a
reload the browser is served by the other one and is still logged in (sessions live in the
database), with no error box.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import store
from tests.fixtures_backends import create_pg_database, drop_pg_database, needs_pg
from tests.test_postgres_concurrency import PASSWORD, _serve, stop_process

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = [needs_pg, pytest.mark.slow]


def readme_nginx_block() -> str:
    """The ```nginx block of README.md, exactly as an administrator would copy it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert found, "README.md has no nginx configuration"
    return found.group(1)


def _nginx_conf(tmp: Path, listen: int, upstreams: list[int]) -> Path:
    block = readme_nginx_block()
    assert "ip_hash;" in block and "proxy_set_header Upgrade $http_upgrade;" in block
    block = block.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    block = block.replace("server 127.0.0.1:8501;", f"server 127.0.0.1:{upstreams[0]};")
    block = block.replace("server 127.0.0.1:8502;", f"server 127.0.0.1:{upstreams[1]};")
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "  log_format up '$request_uri $upstream_addr $status';\n"
        f"  access_log {tmp}/access.log up;\n"
        f"  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;\n"
        f"{block}}}\n", encoding="utf-8")
    return conf


def _upstream(log: Path) -> int:
    """The port of the app server that answered the browser's latest request (nginx logs a
    websocket only when it closes, so the page's other requests tell: ``ip_hash`` sends them
    all to the same server)."""
    ports = re.findall(r"^\S+ 127\.0\.0\.1:(\d+) 200$", log.read_text(), re.M)
    assert ports, log.read_text()[-2000:]
    return int(ports[-1])


def _logged_in_overview(page) -> None:
    page.get_by_text("退出登录").first.wait_for(timeout=120_000)
    page.get_by_role("heading", name="总览", exact=True).first.wait_for(timeout=120_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    bad = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    assert bad.count() == 0, bad.all_inner_texts()


def test_readme_proxy_keeps_the_user_logged_in_when_their_app_server_stops(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from accounts import users
    from accounts.access import SYSTEM_USER
    from indicators import load_catalog
    from rules.stats import ensure_catalog
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port, _need_chromium, _wait_healthy

    if not Path(NGINX).exists():
        pytest.fail(f"{NGINX} 未安装：请运行 bash scripts/system_packages.sh test")
    _need_chromium()
    dsn = create_pg_database()
    servers: dict[int, subprocess.Popen] = {}
    nginx = None
    try:
        store.migrate(dsn)
        ensure_catalog(dsn, load_catalog())
        users.add_user(SYSTEM_USER, "bgs01", "office", PASSWORD, db=dsn)
        ports = [_free_port(), _free_port()]
        servers = {port: _serve(dsn, port, tmp_path / f"app{port}.log") for port in ports}
        for port, proc in servers.items():
            _wait_healthy(f"http://127.0.0.1:{port}", proc, timeout=120)
        listen = _free_port()
        conf = _nginx_conf(tmp_path, listen, ports)
        nginx = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE, text=True)
        proxy = f"http://127.0.0.1:{listen}"
        _wait_healthy(proxy, nginx, timeout=30)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(locale="zh-CN").new_page()
            page.goto(f"{proxy}/", wait_until="domcontentloaded")
            page.get_by_label("用户名").fill("bgs01")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            _logged_in_overview(page)

            holding = _upstream(tmp_path / "access.log")
            servers[holding].terminate()
            servers[holding].wait(timeout=30)
            page.reload(wait_until="domcontentloaded")
            _logged_in_overview(page)  # no login form: the session is in PostgreSQL
            other = next(p for p in ports if p != holding)
            assert _upstream(tmp_path / "access.log") == other
            browser.close()
    finally:
        for proc in [*servers.values(), *([nginx] if nginx else [])]:
            stop_process(proc)
        drop_pg_database(dsn)
