"""Benchmark: peak memory and time of the worst uploads that fit under the 10 MB cap.

Builds, from a valid return (``tests.fixtures_returns.write_return``):

1. 百万行 — one million rows pasted into 指标 (about 8 MB, 74 MB of sheet XML): the file of
   issue 12 that used to take 64 s and 3.3 GB and store a million findings;
2. 长文本 — 790 rows (inside the 1,000-row limit) of 5,800 random Chinese characters each in
   任务进展!G (about 9.5 MB): the largest file that passes the shape check and gets parsed;
3. 基线（不限行数）— the million-row paste cut to ``--baseline-rows`` rows with the sheet
   limits lifted (``YINGSHANG_MAX_SHEET_ROWS``), i.e. what reading without the limit costs.

Each file is imported by ``python -m etl ingest FILE --json`` (the CLI) and by a fresh
process calling ``etl.ingest.ingest_bytes`` (what the upload page calls), each under
``/usr/bin/time -v``: maximum resident set size, wall time, exit code, number of findings.
A process that only imports the pipeline's modules is measured too (the fixed cost).

Example:
  .venv/bin/python bench/upload_memory.py
  .venv/bin/python bench/upload_memory.py --baseline-rows 0      # skip the baseline
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
APP_SCRIPT = """
import json, sys
from pathlib import Path
from etl.ingest import ingest_bytes
from accounts.access import User
p = Path(sys.argv[1])
r = ingest_bytes(p.name, p.read_bytes(), user=User("teda.zwfw", "liaison", "teda.zwfw"))
print(json.dumps(r.to_json(), ensure_ascii=False))
"""
IDLE_SCRIPT = "import etl.ingest, etl.validate, great_expectations, python_calamine"


def timed(cmd: list[str], env: dict[str, str]) -> dict:
    """Run ``cmd`` under /usr/bin/time -v; peak RSS (MB), wall seconds, exit code, stdout."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr).group(1)
    seconds = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
    return {"rss_mb": rss, "seconds": seconds, "code": proc.returncode, "stdout": proc.stdout}


def findings(stdout: str) -> tuple[int, str]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        return 0, "—"
    out = lines[0]
    items = out["errors"] + out["warnings"]
    codes = sorted({x["code"] for x in items})
    return len(items), f"{out['status']}；" + "、".join(codes[:3]) + ("…" if len(codes) > 3 else "")


def build(work: Path, baseline_rows: int) -> list[tuple[str, Path, dict[str, str]]]:
    from tests.fixtures_returns import with_many_rows, write_return

    base = write_return(work / "base.xlsx").read_bytes()
    cases = []
    million = work / "百万行.xlsx"
    million.write_bytes(with_many_rows(base, "指标", 1_000_000))
    cases.append(("百万行（指标表 100 万行）", million, {}))
    long_text = work / "长文本.xlsx"
    long_text.write_bytes(with_many_rows(base, "任务进展", 790, column="G", text_chars=5800))
    cases.append(("长文本（任务进展 790 行 × 5800 字）", long_text, {}))
    if baseline_rows:
        lifted = work / f"基线_{baseline_rows}行.xlsx"
        lifted.write_bytes(with_many_rows(base, "指标", baseline_rows))
        cases.append((f"基线：不限行数（指标表 {baseline_rows:,} 行）", lifted,
                      {"YINGSHANG_MAX_SHEET_ROWS": str(10**9), "YINGSHANG_MAX_SHEET_COLS": str(10**5)}))
    return cases


def app_server_peak(work: Path, files: list[Path]) -> list[tuple[str, float, float, str]]:
    """Upload each file through the running app (``streamlit run app.py`` in Chromium) and read
    the server's peak resident memory (``VmHWM``) and current memory (``VmRSS``) after each."""
    import secrets
    import time

    from playwright.sync_api import sync_playwright

    import store
    from accounts import users
    from accounts.access import SYSTEM_USER
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port, _wait_healthy

    db = work / "app.duckdb"
    store.migrate(db)
    password = "Bench-" + secrets.token_urlsafe(8) + "1a"
    users.add_user(SYSTEM_USER, "bench.office", "office", password, db=db)
    port = _free_port()
    env = {**os.environ, "YINGSHANG_DB": str(db), "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.headless", "true"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)

    def mem() -> tuple[float, float]:
        status = Path(f"/proc/{server.pid}/status").read_text()
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        return hwm, rss

    out = []
    url = f"http://localhost:{port}"
    try:
        _wait_healthy(url, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for i, path in enumerate(files):
                page = browser.new_page(viewport={"width": 1440, "height": 1200}, locale="zh-CN")
                page.goto(f"{url}/upload", wait_until="domcontentloaded")
                page.get_by_label("用户名").fill("bench.office")
                page.get_by_label("密码").fill(password)
                page.get_by_role("button", name="登录").click()
                page.get_by_role("heading", name="数据上传", exact=True).first.wait_for(timeout=120_000)
                page.wait_for_timeout(2000)
                if i == 0:
                    out.append(("（登录后、上传前）", *mem(), ""))
                page.locator('input[type="file"]').set_input_files(str(path))
                page.get_by_text("未通过校验").first.wait_for(timeout=900_000)
                time.sleep(1)
                out.append((path.name, *mem(), "未通过校验"))
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="最坏上传文件（10 MB 以内）的内存峰值与用时")
    parser.add_argument("--baseline-rows", type=int, default=100_000,
                        help="基线（去掉行数上限）用多少行；0 = 不测基线（默认 10 万行，100 万行约需 3 GB 内存）")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS-upload-memory.md"))
    parser.add_argument("--no-app", action="store_true", help="不测运行中的应用（Streamlit + Chromium 上传）")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    cases = build(work, args.baseline_rows)
    env0 = {**os.environ, "PYTHONPATH": str(ROOT)}
    idle = timed([sys.executable, "-c", IDLE_SCRIPT], env0)
    rows = []
    for label, path, extra in cases:
        for how, cmd in (("命令行 `python -m etl ingest --json`", [sys.executable, "-m", "etl", "ingest", str(path), "--json"]),
                         ("上传页同一函数 `ingest_bytes`", [sys.executable, "-c", APP_SCRIPT, str(path)])):
            db = work / f"{path.stem}-{len(rows)}.duckdb"
            m = timed(cmd, {**env0, **extra, "YINGSHANG_DB": str(db)})
            n, what = findings(m["stdout"])
            if "ingest_bytes" in how:
                m["code"] = "—"  # only the CLI's exit code is a contract
            rows.append((label, path.stat().st_size / MB, how, m, n, what))
            print(f"{label} | {how} | {m['rss_mb']:.0f} MB | {m['seconds']:.1f} s | exit {m['code']} | {n} 条 | {what}",
                  flush=True)

    lines = [
        "# 最坏上传文件的内存与用时（`bench/upload_memory.py`）",
        "",
        f"- 机器：{platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}；"
        f"测于 {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}；机器与他人共用",
        "- 每行一个新进程，`/usr/bin/time -v` 取最大常驻内存（Maximum resident set size）和墙钟时间；"
        "“上传页同一函数”为新进程中调用上传页所用的 `etl.ingest.ingest_bytes`（联络员身份）",
        f"- 固定开销：只导入流水线模块（含 great-expectations）的进程峰值 {idle['rss_mb']:.0f} MB、用时 {idle['seconds']:.1f} 秒",
        "",
        "| 文件 | 大小 | 导入方式 | 内存峰值 | 用时 | 退出码 | 校验意见条数 | 结果 |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for label, size, how, m, n, what in rows:
        lines.append(f"| {label} | {size:.1f} MB | {how} | {m['rss_mb']:.0f} MB | {m['seconds']:.1f} 秒 | "
                     f"{m['code']} | {n} | {what} |")
    if not args.no_app:
        served = app_server_peak(work, [path for _, path, extra in cases if not extra])
        lines += ["", "运行中的应用（`streamlit run app.py`，办公室账号在 Chromium 中从“数据上传”页依次上传，"
                  "服务器进程的 `/proc/<pid>/status`）：", "",
                  "| 上传的文件 | 服务器内存峰值（VmHWM） | 上传后内存（VmRSS） | 页面结果 |", "|---|---:|---:|---|"]
        lines += [f"| {name} | {hwm:.0f} MB | {rss:.0f} MB | {what} |" for name, hwm, rss, what in served]
        for name, hwm, rss, _ in served:
            print(f"应用：{name} 峰值 {hwm:.0f} MB，当前 {rss:.0f} MB", flush=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"结果已写入 {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
