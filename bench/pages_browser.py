"""Page timings in a real browser: ``streamlit run app.py`` + headless Chromium (playwright).

Called through ``bench/pages.py browser|first`` (see its docstring). Every database is copied
first: the app may write (migrations, login sessions, audit), and a benchmark never writes to
a database it was handed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import results

RESULTS = ROOT / "bench" / "RESULTS-pages.md"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
USERNAME, PASSWORD = "bench-office", "bench-office-pass-2026"

# navigation title -> heading on the page (the 专报 page names its document)
PAGES = ["总览", "专报", "报送情况", "数据质量", "任务台账", "审计日志", "账号管理", "季度考核", "典型案例",
         "责任单位", "数据上传", "督办", "区域对比", "指标详情"]
HEADINGS = {"专报": "营商环境专报"}
PAGE_TIMEOUT_S = 150.0

# the page drawn: script run over, no skeleton, every visible table and chart painted
_RENDER_STATE = """() => {
  const q = (sel) => [...document.querySelectorAll(sel)];
  const frames = q('[data-testid="stDataFrame"]').filter(d => d.checkVisibility());
  const charts = q('[data-testid="stPlotlyChart"]').filter(d => d.checkVisibility());
  return {
    running: !!document.querySelector('[data-testid="stStatusWidget"]')
             || (document.querySelector('[data-testid="stApp"]') || {getAttribute: () => 'running'})
                .getAttribute('data-test-script-state') !== 'notRunning',
    skeletons: q('[data-testid="stSkeleton"]').length,
    waiting: frames.filter(d => !d.querySelector('canvas')).length
             + charts.filter(c => !c.querySelector('.main-svg')).length,
    errors: q('[data-testid="stException"], [data-testid="stAlertContentError"]').map(e => e.innerText),
  };
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_db(src: Path, into: Path) -> Path:
    """A private copy of ``src`` (and its WAL) with an office account to log in with: the demo
    office account where the database has one (its hash has the demo accounts' bcrypt cost),
    else a bench account made at the default cost, as a real account."""
    global USERNAME, PASSWORD
    dst = into / src.name
    shutil.copy(src, dst)
    wal = src.with_suffix(src.suffix + ".wal")
    if wal.exists():
        shutil.copy(wal, dst.with_suffix(dst.suffix + ".wal"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = ("import sys, store; from accounts import users; from accounts.access import SYSTEM_USER\n"
            "db = sys.argv[1]; store.migrate(db)\n"
            "demo = users.get_user(users.DEMO_OFFICE, db)\n"
            "if demo is not None and demo.role == 'office':\n"
            "    print(users.DEMO_OFFICE, users.demo_password(users.DEMO_OFFICE))\n"
            "else:\n"
            f"    users.get_user({USERNAME!r}, db) or users.add_user(SYSTEM_USER, {USERNAME!r}, 'office', "
            f"{PASSWORD!r}, db=db)\n"
            f"    print({USERNAME!r}, {PASSWORD!r})\n")
    done = subprocess.run([sys.executable, "-c", code, str(dst)], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    USERNAME, PASSWORD = done.stdout.split()[-2:]
    return dst


@contextlib.contextmanager
def serve(db: Path, port: int | None = None) -> Iterator[tuple[str, float]]:
    """``streamlit run app.py`` as scripts/start.sh does; yields (address, start time)."""
    port = port or _free_port()
    env = {**os.environ, "YINGSHANG_DB": str(db), "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    log = open(db.parent / f"streamlit-{port}.log", "w")  # the server's log, for a page that failed
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.05)
        yield url, t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        text = Path(log.name).read_text(errors="replace")
        if "Traceback" in text:
            print(text[text.index("Traceback"):][-3000:], flush=True)


def drawn(page, heading: str, timeout: float = 180) -> list[str]:
    """Wait until ``heading`` is visible and the page is drawn; returns error texts shown."""
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    ready = 0
    while time.monotonic() < deadline:
        state = page.evaluate(_RENDER_STATE)
        ready = ready + 1 if not state["running"] and not state["skeletons"] and not state["waiting"] else 0
        if ready >= 2:  # two looks 50 ms apart: a rerun that starts right after is caught
            return state["errors"]
        page.wait_for_timeout(50)
    raise TimeoutError(f"{heading}: not drawn in {timeout:.0f} s: {page.evaluate(_RENDER_STATE)}")


def log_in(page) -> None:
    page.get_by_label("用户名").fill(USERNAME)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def first_page(db: Path, runs: int, query: str) -> list[dict]:
    """Process start -> login form visible -> overview drawn (logging in as soon as the form shows)."""
    out = []
    with chromium() as b:
        for _ in range(runs):
            with serve(db) as (url, t0):
                healthy = time.perf_counter() - t0
                ctx = b.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
                page = ctx.new_page()
                page.goto(f"{url}/?{query}", wait_until="commit")
                page.get_by_label("密码").wait_for(timeout=120_000)
                form = time.perf_counter() - t0
                t1 = time.perf_counter()
                log_in(page)
                errors = drawn(page, "总览")
                done = time.perf_counter()
                out.append({"healthy": healthy, "form": form, "overview": done - t0, "login_to_overview": done - t1,
                            "errors": errors})
                print(f"  start->health {healthy:.2f} s, ->login form {form:.2f} s, ->overview {done - t0:.2f} s "
                      f"(login->overview {done - t1:.2f} s){' ERRORS ' + str(errors) if errors else ''}", flush=True)
                ctx.close()
    return out


def returning_page(db: Path, runs: int, query: str, log_in_again: bool = False) -> list[dict]:
    """Process start -> overview drawn for a user who has used the system in this browser: it
    keeps its cache (Streamlit's scripts). One login first; then each run restarts the server
    on the same address and reopens the page.

    ``log_in_again=False``: the session cookie is kept too, as after a server restart during
    the working day (the session lasts 8 h idle, 12 h at most). ``True``: the cookie is gone,
    as the next morning: the login form, then the overview (logging in as soon as it shows)."""
    from playwright.sync_api import sync_playwright

    out = []
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                   viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        page = ctx.new_page()
        try:
            with serve(db, port) as (url, _):
                page.goto(f"{url}/?{query}", wait_until="commit")
                page.get_by_label("密码").wait_for(timeout=120_000)
                log_in(page)
                drawn(page, "总览")
            page.goto("about:blank")
            for _ in range(runs):
                if log_in_again:
                    ctx.clear_cookies()
                with serve(db, port) as (url, t0):
                    healthy = time.perf_counter() - t0
                    page.goto(f"{url}/?{query}", wait_until="commit")
                    form = None
                    if log_in_again:
                        page.get_by_label("密码").wait_for(timeout=120_000)
                        form = time.perf_counter() - t0
                        log_in(page)
                    errors = drawn(page, "总览")  # the heading only shows once the session is resumed
                    done = time.perf_counter() - t0
                    page.goto("about:blank")
                out.append({"healthy": healthy, "form": form, "overview": done, "errors": errors})
                shown = f", ->login form {form:.2f} s" if form is not None else ""
                print(f"  returning{' (logs in)' if log_in_again else ''}: start->health {healthy:.2f} s{shown}, "
                      f"->overview {done:.2f} s{' ERRORS ' + str(errors) if errors else ''}", flush=True)
        finally:
            ctx.close()
    return out


def every_page(db: Path, query: str, pages: list[str], shots: Path | None = None) -> dict[str, dict]:
    """Each page visited twice in one server process: first (cold) then again (warm)."""
    times: dict[str, dict] = {p: {} for p in pages}
    with chromium() as b, serve(db) as (url, _):
        ctx = b.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        page = ctx.new_page()
        page.goto(f"{url}/?{query}", wait_until="commit")
        page.get_by_label("密码").wait_for(timeout=120_000)
        t = time.perf_counter()
        log_in(page)
        drawn(page, "总览")
        times["总览"]["cold"] = time.perf_counter() - t  # login -> overview: its first visit
        for visit in ("cold", "warm"):
            for title in pages:
                if visit == "cold" and title == "总览":
                    continue
                link = page.get_by_test_id("stSidebarNavLink").filter(has_text=title).first
                t = time.perf_counter()
                link.click()
                try:
                    errors = drawn(page, HEADINGS.get(title, title), timeout=PAGE_TIMEOUT_S)
                except Exception as err:  # noqa: BLE001 - a page that never finishes is a result too
                    errors = [f"未在 {PAGE_TIMEOUT_S:.0f} 秒内绘制完成：{type(err).__name__}"]
                times[title][visit] = time.perf_counter() - t
                times[title].setdefault("errors", []).extend(errors)
                if shots is not None:
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / f"{visit}_{title}.png"))
                print(f"  {visit} {title}: {times[title][visit]:.2f} s"
                      f"{' ERRORS ' + str(errors) if errors else ''}", flush=True)
        ctx.close()
    return times


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def facts(db: Path) -> str:
    import store

    with store.read(db) as con:
        obs = con.execute("select count(*) from observation").fetchone()[0]
        units = con.execute("select count(*) from unit").fetchone()[0]
        months = con.execute("select count(distinct period) from submission").fetchone()[0]
    return f"{obs:,} observations, {units:,} units, {months} months, file {db.stat().st_size / 2**20:,.0f} MiB"


def write(section: str, body: list[str]) -> None:
    """Replace (or add) ``## section`` in RESULTS, keeping the other sections."""
    head = ["# Pages in the browser: timings", "",
            "Written by `bench/pages.py browser|first` (see its docstring for what is timed). "
            "Each section says when it was measured and the machine's load (`uptime`) at that time.", ""]
    results.replace_section(RESULTS, head, section, body)


def _table(head: list[str], rows: list[list[float | None]]) -> list[str]:
    """A Markdown table of seconds (``—`` for None)."""
    return [f"| {' | '.join(head)} |", "|" + "---:|" * len(head),
            *(f"| {i + 1} | " + " | ".join("—" if v is None else f"{v:.2f}" for v in row) + " |"
              for i, row in enumerate(rows))]


def first_section(db: Path, runs: int, query: str, stamp: str, size: str) -> list[str]:
    """``first`` mode: the three kinds of user, each timed ``runs`` times, as RESULTS lines."""
    med = statistics.median
    fresh = first_page(db, runs, query)
    body = [f"Measured {stamp}; `uptime`: `{load()}`. Database: {size}. Account: `{USERNAME}`.", ""]
    body += _table(["run", "start → server healthy s", "start → login form visible s", "start → overview drawn s",
                    "login click → overview drawn s"],
                   [[r["healthy"], r["form"], r["overview"], r["login_to_overview"]] for r in fresh])
    body += ["", (f"Median: login form {med(r['form'] for r in fresh):.2f} s, overview "
                  f"{med(r['overview'] for r in fresh):.2f} s after `streamlit run` starts."), ""]
    back = returning_page(db, runs, query)
    body += [("A user whose login is still valid (session cookie and browser cache kept, the server "
              f"restarted; `uptime` after: `{load()}`):"), ""]
    body += _table(["run", "start → server healthy s", "start → overview drawn s"],
                   [[r["healthy"], r["overview"]] for r in back])
    body += ["", f"Median: overview {med(r['overview'] for r in back):.2f} s after `streamlit run` starts.", ""]
    again = returning_page(db, runs, query, log_in_again=True)
    body += [("A user who has used the system in this browser before and logs in again (browser cache kept, "
              f"session cookie gone, as the next morning; `uptime` after: `{load()}`):"), ""]
    body += _table(["run", "start → server healthy s", "start → login form visible s", "start → overview drawn s"],
                   [[r["healthy"], r["form"], r["overview"]] for r in again])
    body += ["", (f"Median: login form {med(r['form'] for r in again):.2f} s, overview "
                  f"{med(r['overview'] for r in again):.2f} s after `streamlit run` starts.")]
    return body


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="浏览器页面计时")
    ap.add_argument("mode", choices=["browser", "first"])
    ap.add_argument("--db", type=Path, action="append", required=True)
    ap.add_argument("--label", action="append", help="每个数据库的名称（demo、national……）")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--query", default="period=2026-10", help="打开的链接参数")
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--shots", type=Path, help="每页截图保存到此目录（截图不计入计时）")
    args = ap.parse_args(argv)
    labels = args.label or [p.stem for p in args.db]
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        for src, label in zip(args.db, labels):
            work = Path(tmp) / label
            work.mkdir()
            db = copy_db(src, work)
            size = facts(db)
            print(f"== {label}: {src} ({size}); account {USERNAME}", flush=True)
            stamp = f"{datetime.now():%Y-%m-%d %H:%M} UTC"
            if args.mode == "first":
                write(f"First page: {label}", first_section(db, args.runs, args.query, stamp, size))
            else:
                times = every_page(db, args.query, args.pages.split(","), args.shots and args.shots / label)
                up = load()
                body = [f"Measured {stamp}; `uptime`: `{up}`. Database: {size}.", "",
                        "Click in the navigation → heading visible, script run finished, every table and chart "
                        "drawn. Cold: first visit since the server started (总览: login click → drawn); warm: "
                        "second visit.", "",
                        "| page | cold s | warm s | errors shown |", "|---|---:|---:|---|"]
                for title, t in times.items():
                    errs = "; ".join(sorted(set(t.get("errors", []))))[:120] or "—"
                    body.append(f"| {title} | {t.get('cold', float('nan')):.2f} | {t.get('warm', float('nan')):.2f}"
                                f" | {errs} |")
                write(f"Every page: {label}", body)
    print(f"结果已写入 {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
