"""Benchmark: how long the app waits for the database while a command-line import writes.

Two measurements, each in separate processes sharing one DuckDB file (DuckDB lets one
process hold a file at a time, so every open waits its turn):

1. 读写交替 — a reader process reads a small table in a loop for 4 s while a writer process
   commits 40 small transactions (the timing that used to be asserted in tests/test_store.py):
   reads done, slowest read.
2. 导入期间的页面等待 — on a small demo database (``python -m etl demo``), ``python -m etl
   ingest`` loads 200 generated returns while a probe process does what a page load does
   every 0.2 s: the cookie check (``accounts.sessions.resume``) and one page's data
   (``dashboard.queries.submission_status``), with the app's 15 s wait. Reported: each page
   load's wait (median, 95th percentile, max), how many answered 数据库正忙, and the
   import's duration. Run twice, with the import written in chunks of ``etl.ingest.CHUNK`` files (250, the
   default, ``YINGSHANG_IMPORT_CHUNK``), as a single transaction, and — the baseline — with
   the code of another commit (``--before``, taken with ``git archive``). The idle page load
   is the floor. (``--before db5dd00``, the import that held the file for the whole batch,
   gives no usable figure since its probe runs with its own code (2026-12-07; before, ``-c``
   imported the current code from the working directory): that import took 301.5 s, its
   300 s wait for the file, and pages never waited; not looked into further.)

Example:
  .venv/bin/python bench/sharing.py
  .venv/bin/python bench/sharing.py --files 400
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROBE = textwrap.dedent("""
    import json, os, sys, time
    from datetime import date, datetime
    from zoneinfo import ZoneInfo
    try:
        import store
        from accounts import sessions
    except ImportError:  # the code before the layout move (the baseline's checkout)
        from etl import sessions, store
    from dashboard import queries as q
    db, token, stop = sys.argv[1], sys.argv[2], sys.argv[3]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else None
    now = datetime(2026, 10, 29, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    waits, busy, end = [], 0, time.monotonic() + (seconds or 1e9)
    while not os.path.exists(stop) and time.monotonic() < end:
        t = time.perf_counter()
        try:
            user = sessions.resume(token, db).user
            q.submission_status(db, user, date(2026, 10, 1), now)
        except store.DatabaseBusy:
            busy += 1
        waits.append(time.perf_counter() - t)
        time.sleep(0.2)
    print(json.dumps({"waits": waits, "busy": busy}))
""")

READER = textwrap.dedent("""
    import json, time
    import store
    waits, end = [], time.monotonic() + 4
    while time.monotonic() < end:
        t = time.perf_counter()
        with store.read() as con:
            con.execute("select count(*) from meta").fetchone()
        waits.append(time.perf_counter() - t)
        time.sleep(0.01)
    print(json.dumps(waits))
""")

WRITER = textwrap.dedent("""
    import time
    import store
    for i in range(40):
        with store.write() as con:
            con.execute("insert into meta values (?, 'x')", [f"k{i}"])
        time.sleep(0.02)
""")


def _env(db: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "YINGSHANG_DB": str(db), **extra}


def reader_writer(work: Path) -> dict:
    import store

    db = work / "rw.duckdb"
    store.migrate(db)
    r = subprocess.Popen([sys.executable, "-c", READER], env=_env(db), stdout=subprocess.PIPE, text=True)
    time.sleep(0.3)
    w = subprocess.Popen([sys.executable, "-c", WRITER], env=_env(db))
    w.wait(timeout=300)
    waits = json.loads(r.communicate(timeout=300)[0])
    return {"reads": len(waits), "max": max(waits), "median": statistics.median(waits)}


def _stats(waits: list[float]) -> dict:
    s = sorted(waits)
    return {"n": len(s), "median": statistics.median(s), "p95": s[min(len(s) - 1, int(len(s) * 0.95))],
            "max": s[-1]}


def _token(db: Path, code: Path) -> str:
    """A login session for the demo office account, made by the code at ``code``."""
    made = subprocess.run(
        [sys.executable, "-c", "import sys\ntry:\n from accounts import sessions\nexcept ImportError:\n"
         " from etl import sessions\nprint(sessions.create('office', sys.argv[1]))", str(db)],
        cwd=code, env={**_env(db), "PYTHONPATH": str(code)}, capture_output=True, text=True, check=True, timeout=300)
    return made.stdout.strip()


def page_wait(work: Path, demo: Path, files: list[Path], chunk: int | None, code: Path = ROOT) -> dict:
    """Probe page loads during one import (by the code at ``code``) into a copy of ``demo``."""
    db = work / f"import-{chunk}-{code.name}.duckdb"
    shutil.copy(demo, db)
    token = _token(db, code)
    stop = work / f"stop-{chunk}-{code.name}"
    extra = {"YINGSHANG_IMPORT_CHUNK": str(chunk)} if chunk else {}
    probe = subprocess.Popen([sys.executable, "-c", PROBE, str(db), token, str(stop)], cwd=code,  # `-c` imports
                             env={**_env(db), "PYTHONPATH": str(code)}, stdout=subprocess.PIPE, text=True)  # from cwd
    time.sleep(2)  # the probe's imports
    t0 = time.perf_counter()
    imp = subprocess.run([sys.executable, "-m", "etl", "ingest", *map(str, files), "--json"], cwd=code,
                         env={**_env(db, YINGSHANG_DB_TIMEOUT="300", **extra), "PYTHONPATH": str(code)},
                         capture_output=True, text=True, timeout=1800, check=False)
    seconds = time.perf_counter() - t0
    stop.touch()
    out = json.loads(probe.communicate(timeout=300)[0])
    statuses = [json.loads(line)["status"] for line in imp.stdout.splitlines()]
    return {**_stats(out["waits"]), "busy": out["busy"], "import_seconds": seconds, "files": len(statuses),
            "outcomes": dict(sorted(Counter(statuses).items())), "import_exit": imp.returncode}


def _demo(db: Path, code: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "etl", "demo", "--db", str(db), "--months", "3", "--regions", "6",
                           "--units", "3", "--end", "2026-10"], cwd=code,
                          env={**_env(db), "PYTHONPATH": str(code)}, capture_output=True, text=True, timeout=1800,
                          check=False)
    assert done.returncode == 0, done.stderr


def _checkout(rev: str, into: Path) -> Path:
    """The project's files at ``rev`` (``git archive``: no worktree, the repository is untouched)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def idle_wait(work: Path, demo: Path) -> dict:
    token = _token(demo, ROOT)
    probe = subprocess.run([sys.executable, "-c", PROBE, str(demo), token, str(work / "never"), "6"],
                           env=_env(demo), capture_output=True, text=True, timeout=300, check=False)
    return _stats(json.loads(probe.stdout)["waits"][3:])  # the first loads warm the catalog cache


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="导入期间应用等待数据库的时间")
    parser.add_argument("--files", type=int, default=600, help="导入的月报份数（默认 600：多于一块）")
    parser.add_argument("--before", default="",
                        help="另与哪个提交的导入比较（git archive 取出，如 db5dd00；默认不比较）")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS-sharing.md"))
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-sharing-"))
    rw = reader_writer(work)
    print(f"读写交替：4 秒内读 {rw['reads']} 次，最慢 {rw['max'] * 1000:.0f} 毫秒", flush=True)

    demo = work / "demo.duckdb"
    _demo(demo, ROOT)
    from bench.ingest import generate
    from indicators import load_catalog

    files = generate(load_catalog(), args.files, work / "returns", workers=1)
    idle = idle_wait(work, demo)
    print(f"无导入时页面：中位 {idle['median'] * 1000:.0f} 毫秒", flush=True)
    runs = {}
    from etl.ingest import CHUNK

    variants = [(None, f"本系统：分块写入（每块 {CHUNK} 份，默认），块间及读取中让出", ROOT, demo),
                (10**6, "本系统：整批一个事务", ROOT, demo)]
    if args.before:
        old = _checkout(args.before, work / "before")
        old_demo = work / "demo-before.duckdb"
        _demo(old_demo, old)
        variants.append((None, f"改动前（{args.before}）：整批占用数据库文件", old, old_demo))
    for chunk, label, code, base in variants:
        runs[label] = page_wait(work, base, files, chunk, code)
        r = runs[label]
        print(f"{label}：导入 {r['import_seconds']:.1f} 秒；页面 {r['n']} 次，中位 {r['median']:.2f} 秒，"
              f"95% {r['p95']:.2f} 秒，最长 {r['max']:.2f} 秒，数据库正忙 {r['busy']} 次；导入结果 {r['outcomes']}，"
              f"退出码 {r['import_exit']}", flush=True)

    lines = [
        "# 导入期间的页面等待（`bench/sharing.py`）",
        "",
        f"- 机器：{platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}；"
        f"测于 {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}；机器与他人共用，绝对时间有波动",
        f"- 读写交替（两个进程共用一个库文件，写进程提交 40 个小事务）：读进程 4 秒内读 {rw['reads']} 次，"
        f"中位 {rw['median'] * 1000:.0f} 毫秒，最慢 {rw['max'] * 1000:.0f} 毫秒",
        f"- 导入期间的页面：演示库（6 个地区、3 个月）中，`python -m etl ingest` 导入 {args.files} 份月报，"
        "另一进程每 0.2 秒做一次页面加载所做的事（Cookie 会话检查 + 报送情况页数据），等待上限 15 秒",
        f"- 无导入时一次页面加载：中位 {idle['median'] * 1000:.0f} 毫秒，最长 {idle['max'] * 1000:.0f} 毫秒",
        "",
        "| 导入方式 | 导入用时 | 页面加载次数 | 等待中位 | 95% | 最长 | 数据库正忙 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in runs.items():
        lines.append(f"| {label} | {r['import_seconds']:.1f} 秒 | {r['n']} | {r['median']:.2f} 秒 | {r['p95']:.2f} 秒 | "
                     f"{r['max']:.2f} 秒 | {r['busy']} |")
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"结果已写入 {args.out}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
