"""Issue 17 benchmark: several importers on PostgreSQL against one on the DuckDB file, and the
page-data functions on both stores.

    PYTHONPATH=. python bench/multi.py --pg postgresql://postgres@127.0.0.1:5432/postgres

``--pg`` is an admin DSN: the benchmark creates (and drops) its own databases there.

Ingest: the same N real-template returns (bench/ingest.py's generator), imported by
``python -m etl ingest`` processes as a scheduled job runs them: 1 process on a DuckDB file
(one writer is all a file admits), 1 and 4 concurrent processes on PostgreSQL (each gets
N/4 files). Wall time from the first start to the last exit, CLI start-up included.

Pages: a synthetic database (bench/synth.py) is built as a DuckDB file, its stats refreshed,
then copied into PostgreSQL with ``store.transfer.copy_database`` (the ``migrate --to`` path);
every function of bench/pages.py is timed on both (median of ``--runs`` after a warm-up, each
call opening its own read as a page does). Results: bench/RESULTS-multi.md.

``--national FILE`` (with ``--skip-ingest``): the same page functions on the national synthetic
database (``bench/synth.py --scale national``, ~48 M observations) and on its copy in
PostgreSQL made by ``copy_database``; the file is only read (its schema must be current). A
function slower than ``--cap`` seconds on its warm-up is reported by that one call.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import store  # noqa: E402
from bench import pages, synth  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-multi.md"
PG_INFO: dict[str, str] = {}


def _pg_info(admin: str) -> None:
    def show(name: str) -> str:
        return subprocess.run([shutil.which("psql") or "psql", admin, "-Atc", f"show {name}"],
                              check=True, capture_output=True, text=True).stdout.strip().split(" ")[0]

    PG_INFO.update(version=show("server_version"), fsync=show("fsync"), shared_buffers=show("shared_buffers"),
                   work_mem=show("work_mem"))


def _psql(admin: str, sql: str) -> None:
    subprocess.run([shutil.which("psql") or "psql", admin, "-qc", sql], check=True, capture_output=True)


def _database(admin: str, name: str) -> str:
    _psql(admin, f"drop database if exists {name} with (force)")
    _psql(admin, f"create database {name}")
    p = urlsplit(admin)
    return urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))


def _drop(admin: str, dsn: str) -> None:
    store.close(dsn)
    _psql(admin, f"drop database if exists {urlsplit(dsn).path.lstrip('/')} with (force)")


def _import(db: str, groups: list[list[Path]]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of the importer processes, and how many times (sampled every
    0.5 s) a PostgreSQL session was waiting for a lock."""
    env = {**os.environ, "YINGSHANG_DB": str(db), "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "etl", "ingest", "--json", *map(str, g)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for g in groups]
    cpu, waits, left = 0.0, 0, {p.pid: p for p in procs}
    while left:
        pid, status, usage = os.wait4(-1, os.WNOHANG)
        if pid in left:
            cpu += usage.ru_utime + usage.ru_stime
            code = os.waitstatus_to_exitcode(status)
            if code not in (0, 1):
                raise SystemExit(f"import failed: {left[pid].stderr.read()[-2000:]}")
            left.pop(pid).returncode = code
            continue
        if str(db).startswith("postgres"):
            out = subprocess.run([shutil.which("psql") or "psql", db, "-Atc",
                                  "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"],
                                 capture_output=True, text=True).stdout.strip()
            waits += int(out or 0)
        time.sleep(0.5)
    return time.perf_counter() - t0, cpu, waits


def _accepted(db: str | Path) -> tuple[int, int]:
    with store.read(db) as con:
        return con.execute("select count(*) filter (where status = 'accepted'), count(*) from submission").fetchone()


def bench_ingest(admin: str, files: int, work: Path) -> list[tuple[str, int, float, tuple[int, int]]]:
    from bench.ingest import generate, prepare_db
    from indicators import load_catalog

    catalog = load_catalog()
    print(f"generating {files} returns …", flush=True)
    paths = generate(catalog, files, work / "returns")
    rows = []
    file_db = work / "ingest.duckdb"
    prepare_db(file_db, catalog)
    rows.append(("DuckDB 文件，1 个导入进程", files, *_import(str(file_db), [paths]), _accepted(file_db)))
    print(rows[-1], flush=True)
    for n in (1, 4):
        dsn = _database(admin, f"ys_bench_ingest{n}")
        prepare_db(dsn, catalog)
        groups = [paths[i::n] for i in range(n)]
        label = f"PostgreSQL，{n} 个导入进程" + ("并发" if n > 1 else "")
        rows.append((label, files, *_import(dsn, groups), _accepted(dsn)))
        print(rows[-1], flush=True)
        _drop(admin, dsn)
    return rows


def bench_pages(admin: str, scale: synth.Scale, runs: int, work: Path) -> dict:
    from rules import stats
    from store.transfer import copy_database

    path = work / "pages.duckdb"
    t = time.perf_counter()
    synth.build(path, scale)  # stats refreshed by the build
    built = time.perf_counter() - t
    with store.read(path) as con:
        n_obs = con.execute("select count(*) from observation").fetchone()[0]
    dsn = _database(admin, "ys_bench_pages")
    t = time.perf_counter()
    report = copy_database(path, dsn)
    copied = time.perf_counter() - t
    assert report.ok, report
    unit, region = synth.SAMPLE_UNIT, synth.SAMPLE_REGION
    out = {"observations": n_obs, "build_s": built, "copy_s": copied, "rows": {}}
    for label, db in (("duckdb", path), ("postgres", dsn)):
        print(f"== pages on {label}", flush=True)
        for name, fn in pages.cases(db, unit, region, synth.SAMPLE_CODE):
            ms, n = pages.median_ms(fn, runs)
            out["rows"].setdefault(name, {})[label] = (ms, n)
            print(f"  {name:34s} {ms:9.1f} ms {n:>7} 行", flush=True)
        t = time.perf_counter()
        with store.write(db) as con:
            stats.refresh(con, [pages.PERIOD])
        out[f"refresh_month_s_{label}"] = time.perf_counter() - t
    _drop(admin, dsn)
    return out


def _timed(fn, runs: int, cap_s: float) -> tuple[float, int, int]:
    """(median ms, rows, calls timed): the warm-up alone when it took over ``cap_s``."""
    t = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - t) * 1000
    if first > cap_s * 1000:
        return first, pages.rows_of(result), 1
    ms, n = pages.median_ms(fn, runs)
    return ms, n, runs


def bench_national(admin: str, src: Path, runs: int, cap_s: float, pg_copy: str | None = None) -> dict:
    """``pg_copy``: a PostgreSQL copy of ``src`` made before (``etl migrate --to``), timed as it
    is and kept; otherwise a copy is made, timed, and dropped at the end."""
    from store.transfer import copy_database

    with store.read(src) as con:
        n_obs = con.execute("select count(*) from observation").fetchone()[0]
        n_rows = sum(con.execute(f'select count(*) from "{t}"').fetchone()[0] for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
            " and table_type = 'BASE TABLE'").fetchall())
    if pg_copy:
        dsn, copied = pg_copy, None
        with store.read(dsn) as con:
            n_pg = con.execute("select count(*) from observation").fetchone()[0]
        assert n_pg == n_obs, f"{pg_copy} holds {n_pg:,} observations, {src} {n_obs:,}"
    else:
        dsn = _database(admin, "ys_bench_national")
        print(f"copying {src} ({n_obs:,} observations, {n_rows:,} rows in all) into PostgreSQL …", flush=True)
        t = time.perf_counter()
        report = copy_database(src, dsn)
        copied = time.perf_counter() - t
        assert report.ok, report
        print(f"  copied and checked in {copied:.0f} s", flush=True)
    size = subprocess.run([shutil.which("psql") or "psql", dsn, "-Atc",
                           "select pg_database_size(current_database())"],
                          check=True, capture_output=True, text=True).stdout.strip()
    out = {"observations": n_obs, "rows_all": n_rows, "copy_s": copied, "pg_bytes": int(size),
           "file_bytes": src.stat().st_size, "rows": {}}
    try:
        for label, db in (("duckdb", src), ("postgres", dsn)):
            print(f"== pages on {label}", flush=True)
            for name, fn in pages.cases(db, synth.SAMPLE_UNIT, synth.SAMPLE_REGION, synth.SAMPLE_CODE):
                ms, n, calls = _timed(fn, runs, cap_s)
                out["rows"].setdefault(name, {})[label] = (ms, n, calls)
                print(f"  {name:34s} {ms:9.1f} ms {n:>7} 行 ({calls} 次)", flush=True)
    finally:
        if not pg_copy:
            _drop(admin, dsn)
    return out


NATIONAL_MARKER = "## Page data at national scale"


def write_national(page: dict, runs: int, cap_s: float) -> None:
    """Replace (or add) the national section of the results; the other sections stay."""
    up = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    lines = [
        f"{NATIONAL_MARKER}: {page['observations']:,} observations (`bench/synth.py --scale national`)",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} UTC by `bench/multi.py --national`; `uptime` at the end: "
        f"`{up}`. PostgreSQL {PG_INFO.get('version', '?')} on 127.0.0.1 (fsync {PG_INFO.get('fsync', '?')}; "
        f"shared_buffers {PG_INFO.get('shared_buffers', '?')}, work_mem {PG_INFO.get('work_mem', '?')}), "
        "DuckDB 1.5.5 with its postgres extension.",
        "",
        f"The DuckDB file ({page['file_bytes'] / 2**30:.1f} GiB, {page['rows_all']:,} rows in all tables) was "
        f"copied into PostgreSQL by `copy_database` (the `migrate --to` path, counts and checksums checked)"
        + (f" in {page['copy_s'] / 60:.0f} min" if page["copy_s"] else "")
        + f"; the PostgreSQL database is {page['pg_bytes'] / 2**30:.1f} GiB. "
        f"Median of {runs} call(s) after a warm-up, each call opening its own read as a page does; a function "
        f"whose warm-up took over {cap_s:.0f} s is reported by that call alone (calls = 1).",
        "",
        "| function | DuckDB file ms | PostgreSQL ms | ratio | rows | calls (file / PG) | PostgreSQL ≤ 200 ms |",
        "|---|---:|---:|---:|---:|---:|:---:|",
    ]
    over = []
    for name, by in page["rows"].items():
        d, pg = by["duckdb"], by["postgres"]
        if pg[0] > 200:
            over.append(name)
        lines.append(f"| {name} | {d[0]:.1f} | {pg[0]:.1f} | {pg[0] / d[0]:.1f} | {pg[1]} | {d[2]} / {pg[2]} | "
                     f"{'✓' if pg[0] <= 200 else '✗'} |")
    n = len(page["rows"])
    file_ok = sum(1 for by in page["rows"].values() if by["duckdb"][0] <= 200)
    lines += ["", f"PostgreSQL: {n - len(over)} of {n} within 200 ms; DuckDB file: {file_ok} of {n}.", ""]
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if NATIONAL_MARKER in old:
        start = old.index(NATIONAL_MARKER)
        end = old.find("\n## ", start + 1)
        old = old[:start] + (old[end + 1:] if end > 0 else "")
    RESULTS.write_text(old.rstrip() + "\n\n" + "\n".join(lines), encoding="utf-8")


def write(ingest: list, page: dict | None, scale: synth.Scale | None, runs: int) -> None:
    load = os.getloadavg()[0]
    lines = [
        "# Issue 17: PostgreSQL as the shared store — timings",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} by `bench/multi.py` on this machine ({os.cpu_count()} cores, "
        f"shared with other engineers; load average {load:.1f} at the end), PostgreSQL {PG_INFO.get('version', '?')} "
        f"on 127.0.0.1 (fsync {PG_INFO.get('fsync', '?')}, default settings otherwise), DuckDB 1.5.5 with its "
        "postgres extension.",
        "",
    ]
    if ingest:
        lines += ["## Ingest: `python -m etl ingest` processes, wall time (start-up included)", "",
                  "CPU s = user + system time of the importer processes; lock waits = samples (every 0.5 s) "
                  "of PostgreSQL sessions waiting for a lock.", "",
                  "| setup | returns | wall s | returns/s | CPU s | lock waits | accepted / submissions |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name, n, s, cpu, waits, (acc, subs) in ingest:
            lines.append(f"| {name} | {n} | {s:.1f} | {n / s:.1f} | {cpu:.1f} | {waits} | {acc} / {subs} |")
        lines.append("")
    if page:
        lines += [
            f"## Page data: {page['observations']:,} observations "
            f"({scale.regions} synthetic regions cloned from {', '.join(scale.templates)} plus the real catalog, "
            f"{scale.months} months)",
            "",
            f"DuckDB file built and refreshed in {page['build_s']:.0f} s; copied into PostgreSQL by "
            f"`copy_database` (the `migrate --to` path, counts and checksums checked) in {page['copy_s']:.0f} s. "
            f"Refresh of one month (the loader's cost per import): DuckDB {page['refresh_month_s_duckdb']:.2f} s, "
            f"PostgreSQL {page['refresh_month_s_postgres']:.2f} s. Median of {runs} calls after a warm-up; "
            "each call opens its own read, as a page does.",
            "",
            "| function | DuckDB file ms | PostgreSQL ms | ratio | rows | PostgreSQL ≤ 200 ms |",
            "|---|---:|---:|---:|---:|:---:|",
        ]
        over = []
        for name, by in page["rows"].items():
            d, pg = by["duckdb"][0], by["postgres"][0]
            ok = pg <= 200
            if not ok:
                over.append(name)
            lines.append(f"| {name} | {d:.1f} | {pg:.1f} | {pg / d:.1f} | {by['postgres'][1]} | {'✓' if ok else '✗'} |")
        lines += ["", f"PostgreSQL: {len(page['rows']) - len(over)} of {len(page['rows'])} within 200 ms"
                  + (f"; over: {', '.join(over)}." if over else "."), ""]
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    for marker, fresh in (("## Ingest", ingest), ("## Page data:", page), (NATIONAL_MARKER, None)):
        if not fresh and marker in old:  # a skipped part keeps its last measured section
            start = old.index(marker)
            end = min([i for i in (old.find("\n## ", start + 1),) if i > 0] or [len(old)])
            lines += [old[start:end].rstrip(), ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="多进程导入与两种存储的页面数据性能")
    ap.add_argument("--pg", required=True, help="PostgreSQL 管理连接串（本测试在其中建库、删库）")
    ap.add_argument("--files", type=int, default=400, help="导入的月报份数（默认 400）")
    ap.add_argument("--regions", type=int, default=200, help="合成区域数（bench/synth.py）")
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-pages", action="store_true")
    ap.add_argument("--national", type=Path, help="全国规模合成库（bench/synth.py --scale national）：复制到 PostgreSQL 后两边计时")
    ap.add_argument("--cap", type=float, default=60.0, help="预热一次超过此秒数的函数只计这一次（默认 60）")
    ap.add_argument("--pg-copy", help="已迁入 PostgreSQL 的全国库连接串（etl migrate --to 所建）：直接计时，不再复制、不删除")
    args = ap.parse_args(argv)
    _pg_info(args.pg)
    if args.national:
        write_national(bench_national(args.pg, args.national, args.runs, args.cap, args.pg_copy), args.runs,
                       args.cap)
        print(f"结果已写入 {RESULTS.relative_to(ROOT)}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="yingshang-bench-multi-"))
    scale = synth.Scale(regions=args.regions, months=args.months)
    try:
        ingest = [] if args.skip_ingest else bench_ingest(args.pg, args.files, work)
        page = None if args.skip_pages else bench_pages(args.pg, scale, args.runs, work)
        write(ingest, page, scale, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"结果已写入 {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
