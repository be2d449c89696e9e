"""Benchmark: assessing every unit of one quarter (``rules.assess.compute``, what
``python -m etl assess --json`` and the ranking page run), on the demo database and on the
synthetic national database (bench/synth.py), against a baseline measured in the same run
(one scan of the quarter's observations). Also the read of a locked quarter's stored scores.

    python bench/assess.py                    # demo + national (builds data/tmp/bench-national.duckdb once)
    python bench/assess.py --regions 2070     # a tenth of the national scale, when building 50 M rows is too slow
    python bench/assess.py --demo-only

Target: ≤ 2 s for all units of a quarter at 50 M observations.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import store
from accounts.access import SYSTEM_USER
from bench import synth
from rules import assess, stats
from rules.assess import Quarter

OUT = ROOT / "data" / "tmp"
RESULTS = ROOT / "bench" / "RESULTS-assess.md"
TZ = ZoneInfo("Asia/Shanghai")
TARGET_S = 2.0


def median_s(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def baseline_scan(db: Path, q: Quarter) -> Callable[[], object]:
    def run():
        with store.read(db) as con:
            return con.execute("select unit, count(*), avg(value) from observation where is_current"
                               " and period between ? and ? group by unit", [q.first, q.last]).fetchall()
    return run


def assess_all(db: Path, q: Quarter, now: datetime, items: bool) -> Callable[[], list]:
    rules = assess.rules_for(q)

    def run():
        with store.read(db) as con:
            return assess.compute(con, q, rules, now=now, items=items)
    return run


def read_locked(db: Path, q: Quarter) -> Callable[[], list]:
    def run():
        with store.read(db) as con:
            return assess.assess(con, q)
    return run


def measure(name: str, db: Path, q: Quarter, now: datetime, runs: int, lock: bool, items: bool = True) -> dict:
    base, _ = median_s(baseline_scan(db, q), runs)
    live, ranked = median_s(assess_all(db, q, now, items=False), runs)
    full, scores = median_s(assess_all(db, q, now, items=True), runs) if items else (float("nan"), ranked)
    row = {"name": name, "quarter": q.key, "units": len(scores), "baseline_s": base, "assess_s": live,
           "full_s": full, "items": sum(len(c.items) for s in scores for c in s.components.values())}
    with store.read(db) as con:
        row["observations"] = con.execute("select count(*) from observation").fetchone()[0]
        row["quarter_obs"] = con.execute("select count(*) from observation where is_current and period between ? and ?",
                                         [q.first, q.last]).fetchone()[0]
    if lock:
        from office import locks

        with store.read(db) as con:
            held = assess.lock_info(con, q)
        if not held:
            t = time.perf_counter()
            locks.lock(SYSTEM_USER, q.key, "性能测试", db, now=now)
            row["lock_s"] = time.perf_counter() - t
        row["locked_read_s"], _ = median_s(read_locked(db, q), runs)
    print(f"{name}: {row['units']} 个单位、{row['items']} 个计分项，{row['observations']:,} 条观测值"
          f"（本季度 {row['quarter_obs']:,} 条）：全部单位得分与排名 {live:.2f} 秒（目标 ≤ {TARGET_S} 秒），"
          f"含全部计分项（--json）{full:.2f} 秒，"
          f"同次全季度扫描 {base:.3f} 秒，比值 {live / base:.1f} 倍"
          + (f"；已锁定季度读取 {row['locked_read_s']:.2f} 秒" if "locked_read_s" in row else ""))
    return row


def demo_db(path: Path, rebuild: bool) -> Path:
    if rebuild or not path.exists():
        from etl.demo import build_demo

        build_demo(path)
    return path


def national_db(path: Path, scale: synth.Scale, q: Quarter, rebuild: bool) -> dict:
    info: dict = {}
    if rebuild or not path.exists():
        t = time.perf_counter()
        synth.build(path, scale, threads=2)
        info["build_s"] = time.perf_counter() - t
    store.migrate(path)
    with store.read(path) as con:
        fresh = stats.is_fresh(con, q.first, q.last)
    if not fresh:  # the loader keeps the months it imports judged; do it for the quarter's months
        t = time.perf_counter()
        with store.write(path) as con:
            stats.refresh(con, [q.first])
        info["refresh_s"] = time.perf_counter() - t
    return info


def write_results(rows: list[dict], notes: list[str]) -> None:
    lines = ["# Quarterly assessment benchmark (`bench/assess.py`)", "",
             f"Measured {datetime.now(TZ):%Y-%m-%d %H:%M} (Asia/Shanghai), 2 cores shared with other engineers; "
             "median of the runs.", "",
             "| database | observations | quarter's observations | units | scored items | scores + ranking, all units | "
             "with every item (`--json`) | baseline scan | ratio | locked read |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        locked = f"{r['locked_read_s']:.2f} s" if "locked_read_s" in r else "—"
        full = "—" if r["full_s"] != r["full_s"] else f"{r['full_s']:.2f} s"  # NaN: not measured
        lines.append(f"| {r['name']} | {r['observations']:,} | {r['quarter_obs']:,} | {r['units']:,} | {r['items']:,} | "
                     f"{r['assess_s']:.2f} s | {full} | {r['baseline_s']:.3f} s | {r['assess_s'] / r['baseline_s']:.1f}× | {locked} |")
    lines += ["", *notes, ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="季度考核性能测试")
    ap.add_argument("--demo-only", action="store_true")
    ap.add_argument("--rebuild", action="store_true", help="重新生成数据库")
    ap.add_argument("--regions", type=int, default=synth.NATIONAL.regions, help=f"合成库区域数（默认全国规模 {synth.NATIONAL.regions}）")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--national-db", type=Path,
                    help="已有的全国规模库（bench/synth.py 生成）：只读测量，不生成、不锁定")
    ap.add_argument("--no-items", action="store_true", help="不测含全部计分项的 --json（全国规模时很慢）")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    rows, notes = [], []
    demo = demo_db(OUT / "bench-assess-demo.duckdb", args.rebuild)
    with store.read(demo) as con:
        last = con.execute("select max(period) from submission").fetchone()[0]
    q = Quarter.of(last).shift(-1) if Quarter.of(last).last != last else Quarter.of(last)
    rows.append(measure("演示库", demo, q, datetime.now(TZ), args.runs, lock=False))
    if args.national_db:
        rows.append(measure(f"全国规模合成库（{args.national_db.name}）", args.national_db, Quarter(2026, 3),
                            datetime(2026, 10, 29, 10, tzinfo=TZ), args.runs, lock=False, items=not args.no_items))
    elif not args.demo_only:
        scale = replace(synth.NATIONAL, regions=args.regions)
        name = "全国规模合成库" if args.regions == synth.NATIONAL.regions else f"合成库（{args.regions} 个区域）"
        path = OUT / f"bench-national-{args.regions}.duckdb"
        q = Quarter(2026, 3)
        info = national_db(path, scale, q, args.rebuild)
        if info:
            notes.append("Preparation: " + ", ".join(f"{k} {v:.0f} s" for k, v in info.items()))
        rows.append(measure(name, path, q, datetime(2026, 10, 29, 10, tzinfo=TZ), args.runs, lock=True))
    write_results(rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
