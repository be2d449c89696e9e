"""Issue 17 benchmark: page data from an app server's read copy of PostgreSQL (store.read_copy)
against PostgreSQL read directly and the DuckDB file, and what keeping the copy current costs.

    PYTHONPATH=. python bench/read_copy.py --pg postgresql://postgres@127.0.0.1:5432/postgres

A synthetic database (bench/synth.py, ``--regions``/``--months``) is built as a DuckDB file,
copied into PostgreSQL by ``copy_database`` (the ``migrate --to`` path), and a read copy is made
from PostgreSQL (its first, full sync timed). Every function of bench/pages.py is then timed
on the three (median of ``--runs`` after a warm-up, each call opening its own read as a page
does). Last, one return lands in PostgreSQL as an import writes it (a new version of a unit's
month, its judgments refreshed by ``rules.stats.refresh_batch``) and the copy's next sync is
timed: the delay between an import's commit and the pages showing it.
``--pg-copy DSN`` times a PostgreSQL database made before instead (e.g. the national one).
Results: bench/RESULTS-read-copy.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import store
from bench import multi, pages, results, synth
from store.postgres import safe_name
from store.read_copy import ReadCopy

RESULTS = ROOT / "bench" / "RESULTS-read-copy.md"


def land_one_return(dsn: str, unit: str, period) -> int:
    """A new version of ``unit``'s return for ``period``, written and refreshed as the loader does."""
    from rules import stats

    with store.write(dsn) as con:
        old = con.execute("select id from submission where unit = ? and period = ? and is_current",
                          [unit, period]).fetchone()[0]
        [sid] = store.next_ids(con, "submission_id_seq", 1)
        con.execute("update submission set is_current = false where id = ?", [old])
        con.execute("insert into submission select * replace (? as id, 'bench-' || ? as sha256, version + 1 as version,"
                    " true as is_current, now() as received_at) from submission where id = ?", [sid, sid, old])
        con.execute("update observation set is_current = false where submission_id = ?", [old])
        con.execute("insert into observation select * replace (? as submission_id, true as is_current)"
                    " from observation where submission_id = ?", [sid, old])
    with store.write(dsn) as con:
        stats.refresh_batch(con, [sid])
    return sid


def run(admin: str, scale: synth.Scale | None, runs: int, work: Path, pg_copy: str | None,
        direct: bool = True, path: Path | None = None, direct_only: tuple[str, ...] = (),
        make_copy: bool = True) -> dict:
    """``path``: with ``pg_copy``, the DuckDB file it was copied from (timed alongside);
    ``direct_only``: time only the cases so named directly on PostgreSQL (national size: each
    one takes seconds); ``make_copy`` False: no read copy (the file and PostgreSQL only, when
    the disk cannot hold a third copy of a national database)."""
    from store.transfer import copy_database

    out: dict = {"rows": {}}
    if pg_copy:
        dsn = pg_copy
    else:
        path = work / "pages.duckdb"
        t = time.perf_counter()
        synth.build(path, scale)
        out["build_s"] = time.perf_counter() - t
        dsn = multi._database(admin, "ys_bench_read_copy")
        t = time.perf_counter()
        report = copy_database(path, dsn)
        out["copy_s"] = time.perf_counter() - t
        assert report.ok, report
    with store.read(dsn) as con:
        out["observations"] = con.execute("select count(*) from observation").fetchone()[0]
    copy = ReadCopy(dsn, work / "copy.duckdb") if make_copy else None
    if copy is not None:
        t = time.perf_counter()
        copy.sync()
        out["first_sync_s"] = time.perf_counter() - t
        out["copy_bytes"] = copy.path.stat().st_size
        print(f"first sync {out['first_sync_s']:.1f} s, {out['copy_bytes'] / 2**20:,.0f} MiB", flush=True)
    try:
        sources = [("duckdb", path), ("postgres", dsn if direct else None),
                   ("copy", copy.path if copy is not None else None)]
        for label, db in [s for s in sources if s[1] is not None]:
            print(f"== pages on {label}", flush=True)
            for name, fn in pages.cases(db, synth.SAMPLE_UNIT, synth.SAMPLE_REGION, synth.SAMPLE_CODE):
                if label == "postgres" and direct_only and name not in direct_only:
                    continue
                ms, n = pages.median_ms(fn, runs)
                out["rows"].setdefault(name, {})[label] = (ms, n)
                print(f"  {name:34s} {ms:9.1f} ms {n:>7} 行", flush=True)
        if copy is None:
            return out
        t = time.perf_counter()
        land_one_return(dsn, synth.SAMPLE_UNIT, pages.PERIOD)
        out["land_s"] = time.perf_counter() - t
        t = time.perf_counter()
        assert copy.sync() and copy.last_sync["months"], copy.last_sync
        out["month_sync_s"] = time.perf_counter() - t
        out["month_sync_rows"] = copy.last_sync["rows"]
        t = time.perf_counter()
        copy.sync()
        out["idle_check_ms"] = (time.perf_counter() - t) * 1000
        print(f"one return: written {out['land_s']:.1f} s, copy synced {out['month_sync_s']:.1f} s "
              f"({out['month_sync_rows']:,} rows), idle check {out['idle_check_ms']:.0f} ms", flush=True)
    finally:
        if copy is not None:
            copy.close()
        if not pg_copy:
            multi._drop(admin, dsn)
    return out


HEADER = [
    "# Issue 17: page data from an app server's read copy of PostgreSQL",
    "",
    "Written by `bench/read_copy.py`; one section per database, replaced when measured again.",
    "",
]


def section(out: dict, title: str, scale: synth.Scale | None, runs: int, notes: list[str] = ()) -> list[str]:
    import subprocess

    load = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    lines = [
        f"## {title}",
        "",
        f"Measured {datetime.now():%Y-%m-%d %H:%M} UTC on this machine (2 cores); `uptime` at the end: `{load}`. "
        f"PostgreSQL {multi.PG_INFO.get('version', '?')} on 127.0.0.1.",
        "",
        f"Database: {out['observations']:,} observations"
        + (f" (bench/synth.py, {scale.regions} regions × {scale.months} months; built in {out['build_s']:.0f} s,"
           f" copied into PostgreSQL in {out['copy_s']:.0f} s)" if scale else "") + ".",
        "",
        *(f"* {n}" for n in notes),
        *([""] if notes else []),
        *([f"* First (full) sync of the read copy: **{out['first_sync_s']:.1f} s**, file "
           f"{out['copy_bytes'] / 2**20:,.0f} MiB.",
           f"* One return landing (new version of one unit's month, judgments refreshed): written in "
           f"{out['land_s']:.1f} s; the copy's next sync took **{out['month_sync_s']:.1f} s** "
           f"({out['month_sync_rows']:,} rows: the whole month in every month-keyed table). Pages show the "
           "return after that, plus at most the poll interval (1 s).",
           f"* A sync check with nothing new: {out['idle_check_ms']:.0f} ms."] if "first_sync_s" in out
          else ["* No read copy in this run (`--no-copy`)."]),
        "",
        f"Median of {runs} calls after a warm-up, ms; each call opens its own read, as a page does. "
        "— = not timed in this run.",
        "",
        "| function | DuckDB file | PostgreSQL direct | read copy | rows | copy ≤ 200 ms |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    within = 0
    for name, by in out["rows"].items():
        cells = [f"{by[k][0]:.1f}" if k in by else "—" for k in ("duckdb", "postgres", "copy")]
        read = by.get("copy") or by.get("duckdb")
        ok = "copy" in by and by["copy"][0] <= 200
        within += ok
        lines.append(f"| {name} | {' | '.join(cells)} | {read[1]} | {'✓' if ok else ('✗' if 'copy' in by else '—')} |")
    total = (f"Read copy: {within} of {len(out['rows'])} functions within 200 ms." if "first_sync_s" in out
             else "No read copy timed in this run.")
    return lines + ["", total, ""]


def write(lines: list[str]) -> None:
    """Replace this section (same heading, ``lines[0]``) in RESULTS, keeping the others."""
    results.replace_section(RESULTS, HEADER, lines[0][3:], lines[1:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="应用服务器本地只读副本的页面数据性能与同步耗时")
    ap.add_argument("--pg", required=True, help="PostgreSQL 管理连接串（本测试在其中建库、删库）")
    ap.add_argument("--regions", type=int, default=200, help="合成区域数（bench/synth.py）")
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg-copy", help="已有的 PostgreSQL 库连接串（如迁入的全国库）：直接计时，不删除")
    ap.add_argument("--file", type=Path, help="与 --pg-copy 一起：该库迁入前的 DuckDB 文件（一并计时，只读）")
    ap.add_argument("--title", help="结果小节标题（默认按规模生成）")
    ap.add_argument("--skip-direct", action="store_true",
                    help="不计直接读 PostgreSQL 的耗时（全国规模时每个函数数秒至数十秒，已另测）")
    ap.add_argument("--note", action="append", default=[],
                    help="结果小节中另记的一行（如整库迁入 PostgreSQL 的用时，由 etl migrate --to 测得）")
    ap.add_argument("--no-copy", action="store_true",
                    help="不建只读副本，只计 DuckDB 文件与直接读 PostgreSQL（磁盘放不下全国库的第三份时）")
    ap.add_argument("--direct-only", default="",
                    help="只对这些函数（逗号分隔的用例名，如 data_version,unit_info）计直接读 PostgreSQL 的耗时")
    args = ap.parse_args(argv)
    multi._pg_info(args.pg)
    work = Path(tempfile.mkdtemp(prefix="yingshang-bench-read-copy-"))
    scale = None if args.pg_copy else synth.Scale(regions=args.regions, months=args.months)
    try:
        only = tuple(n.strip() for n in args.direct_only.split(",") if n.strip())
        out = run(args.pg, scale, args.runs, work, args.pg_copy, not args.skip_direct, args.file, only,
                  not args.no_copy)
        title = args.title or (f"synthetic, {scale.regions} regions × {scale.months} months" if scale else safe_name(args.pg_copy))
        write(section(out, title, scale, args.runs, args.note))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"结果已写入 {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
