"""Several importers and two app servers on one PostgreSQL at once (issue 17).

Four importer processes (``python -m etl ingest``, as a scheduled job runs it) each send 250
returns; every (unit, month) gets versions from all four, so they race for the same version
numbers and the same "current" row. Meanwhile two ``streamlit run`` servers are polled in a
headless browser. Afterwards every return is there exactly once, each unit and month has
versions 1…n without a gap or a double and exactly one current version, and every poll got
its page without an error box.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest

import store
from tests.fixtures_backends import create_pg_database, drop_pg_database, needs_pg

ROOT = Path(__file__).resolve().parents[1]
IMPORTERS = 4
PER_IMPORTER = 250
PAIRS_UNITS = 4
PAIRS_MONTHS = 10  # 4 units x 10 months = 40 (unit, month) pairs, 25 versions each
PASSWORD = "Abc-2026-x"

pytestmark = [needs_pg, pytest.mark.slow]


def _variant(data: bytes, k: int) -> bytes:
    """The same return with 走访企业 (工作信息 C4) = 10 + k: distinct bytes, a valid return."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/worksheets/sheet4.xml":
                body, n = re.subn(rb'(<c r="C4"[^>]*><v>)10(</v>)', rb"\g<1>%d\g<2>" % (10 + k), body)
                assert n == 1
            dst.writestr(item, body)
    return out.getvalue()


def _returns(tmp_path: Path, catalog) -> tuple[list[list[Path]], list[tuple[str, date]]]:
    from tests.fixtures_returns import fill_template

    months = [date(2026, m, 1) for m in range(1, PAIRS_MONTHS + 1)]
    units = [u for u in sorted(catalog.units) if catalog.indicators_for_unit(u, months[0])][:PAIRS_UNITS]
    pairs = [(u, p) for u in units for p in months]
    per_pair = IMPORTERS * PER_IMPORTER // len(pairs)
    dirs = [tmp_path / f"importer{i}" for i in range(IMPORTERS)]
    for d in dirs:
        d.mkdir()
    batches: list[list[Path]] = [[] for _ in dirs]
    for n, (unit, period) in enumerate(pairs):
        base = fill_template(tmp_path / "base" / f"{n}.xlsx", catalog, unit, f"{period:%Y-%m}").read_bytes()
        for k in range(per_pair):
            i = (n * per_pair + k) % IMPORTERS  # each pair's versions come from every importer: they race
            path = dirs[i] / f"{unit}_{period:%Y%m}_{k:02d}.xlsx"
            path.write_bytes(_variant(base, k))
            batches[i].append(path)
    return batches, pairs


def _serve(dsn: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "YINGSHANG_DB": dsn, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a server the test started (killed when it does not stop within 10 s)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _poll(urls: list[str], stop: threading.Event, answers: list[tuple[str, str, float]]) -> None:
    """Log in on each server and reload its submissions page until ``stop``; record each answer."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for url in urls:
            page = browser.new_context(locale="zh-CN").new_page()
            page.set_default_timeout(120_000)  # a loaded 2-core machine: the first run is slow
            try:
                page.goto(f"{url}/submissions?period=2026-10", wait_until="domcontentloaded")
                page.get_by_label("用户名").fill("bgs01")
                page.get_by_label("密码").fill(PASSWORD)
                page.get_by_role("button", name="登录").click()
            except Exception as err:
                answers.append((url, f"login failed: {str(err)[:300]}", 0.0))
                continue
            pages.append((url, page))
        while pages:
            for url, page in pages:
                t0 = time.monotonic()
                try:
                    page.get_by_role("heading", name="报送情况", exact=True).first.wait_for(timeout=90_000)
                    page.wait_for_function(
                        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
                    bad = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
                    answers.append((url, "error: " + " | ".join(bad.all_inner_texts()) if bad.count() else "ok",
                                    time.monotonic() - t0))
                except Exception as err:  # a timeout is an unanswered page
                    answers.append((url, f"no answer: {str(err)[:200]}", time.monotonic() - t0))
                if not stop.is_set():
                    page.reload(wait_until="domcontentloaded")
            if stop.is_set():
                break
        browser.close()


def test_four_importers_and_two_app_servers_at_once_keep_every_return_exactly_once(tmp_path: Path) -> None:
    from accounts import users
    from accounts.access import SYSTEM_USER
    from indicators import load_catalog
    from rules.stats import ensure_catalog
    from tests.test_browser import _free_port, _need_chromium, _wait_healthy

    _need_chromium()  # a failure under CI, a skip when run by hand without it
    dsn = create_pg_database()
    servers: list[subprocess.Popen] = []
    try:
        catalog = load_catalog()
        store.migrate(dsn)
        ensure_catalog(dsn, catalog)
        users.add_user(SYSTEM_USER, "bgs01", "office", PASSWORD, db=dsn)
        batches, pairs = _returns(tmp_path, catalog)
        assert sum(map(len, batches)) == IMPORTERS * PER_IMPORTER

        ports = [_free_port(), _free_port()]
        servers = [_serve(dsn, port, tmp_path / f"app{n}.log") for n, port in enumerate(ports)]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, proc in zip(urls, servers):
            _wait_healthy(url, proc, timeout=120)

        stop, answers = threading.Event(), []
        poller = threading.Thread(target=_poll, args=(urls, stop, answers), daemon=True)
        poller.start()
        env = {**os.environ, "YINGSHANG_DB": dsn, "PYTHONPATH": str(ROOT)}
        t0 = time.monotonic()
        importers = [
            subprocess.Popen([sys.executable, "-m", "etl", "ingest", "--json", *map(str, batch)],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for batch in batches
        ]
        outputs = [proc.communicate(timeout=1500) for proc in importers]
        elapsed = time.monotonic() - t0
        stop.set()
        poller.join(timeout=300)
        for i, (proc, (out, err)) in enumerate(zip(importers, outputs)):
            (tmp_path / f"importer{i}.jsonl").write_text(out + "\n" + err)
            assert proc.returncode == 0, err[-3000:]
            assert out.count('"status": "accepted"') == PER_IMPORTER, out[-2000:]

        with store.read(dsn) as con:
            receipts = con.execute("select count(*), count(distinct sha256), count(*) filter"
                                   " (where outcome = 'accepted') from receipt").fetchone()
            versions = con.execute(
                "select unit, period, list(version order by version), count(*) filter (where is_current),"
                " max(version) filter (where is_current) from submission group by 1, 2").fetchall()
            obs = con.execute("select count(*), count(distinct submission_id) from observation where is_current"
                              ).fetchone()
            archived = con.execute("select count(*), count(content) from archived_file").fetchone()
        n = IMPORTERS * PER_IMPORTER
        assert receipts == (n, n, n)
        assert archived == (n, n)
        per_pair = n // len(pairs)
        assert {(u, p) for u, p, *_ in versions} == set(pairs)
        for unit, period, got, current, current_version in versions:
            assert got == list(range(1, per_pair + 1)), (unit, period, got)
            assert (current, current_version) == (1, per_pair), (unit, period)
        assert obs[1] == len(pairs)

        assert answers, "the app servers were never polled"
        assert {u for u, _, _ in answers} == set(urls)
        wrong = [a for a in answers if a[1] != "ok"]
        assert not wrong, wrong[:5]
        print(f"\n{n} returns by {IMPORTERS} importers in {elapsed:.1f} s; {len(answers)} page loads, "
              f"slowest {max(a[2] for a in answers):.1f} s")
    finally:
        for proc in servers:
            stop_process(proc)
        drop_pg_database(dsn)
