"""Page timings: in the real browser (``browser``, the default) and per data function (``functions``).

    .venv/bin/python bench/pages.py browser --db DEMO.duckdb --label demo [--db NAT.duckdb --label national]
    .venv/bin/python bench/pages.py first --db DEMO.duckdb --runs 3     # start -> login form -> overview
    .venv/bin/python bench/pages.py functions [--rebuild] [--demo-only] [--national NAT.duckdb]

``browser``: ``streamlit run app.py`` on a copy of each database (never the original), headless
Chromium logs in as an office account, then clicks every page of the navigation twice: the
first visit of a page in the server process is *cold* (its data not cached yet), the second
*warm*. Each time is click -> the page's heading visible, the script run finished and every
table and chart drawn (the same test as tests/test_browser.py, without its 1.5 s stability
wait). ``first``: process start -> login form visible -> (log in at once) overview drawn; then, for a
user whose login is still valid (cookie and browser cache kept), process start -> overview drawn;
then for one who logs in again in a browser that has used the system before (cache kept,
cookie gone), process start -> login form -> overview drawn.
Results go to bench/RESULTS-pages.md (the browser section) with the machine's load.

``functions`` (below) times every page data function at national scale (~50 M observations)
and demo scale:

Each function runs once to warm up, then ``--runs`` times (default 5), both cold (opening
the database) and warm (inside an open ``store.read`` block); the medians are reported with its ratio to baselines measured in the same run on the same database:
``open`` (open the file and ``select 1``: the floor a call pays when no connection is open,
because ``store`` closes it when idle), ``scan`` (``count(*)``/``sum`` over every observation)
and ``pandas`` (the overview's attainment done naively: one month of observations and
targets pulled into pandas, merged and grouped there). Results go to bench/RESULTS-pages-functions.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import store
from accounts.access import User
from bench import synth
from dashboard import flags
from dashboard import queries as q
from rules import stats

OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS-pages.md"
RESULTS_FUNCTIONS = ROOT / "bench" / "RESULTS-pages-functions.md"
PERIOD = date(2026, 10, 1)
NOW = datetime(2026, 10, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OFFICE = User("bench", "office")
TARGET_MS = {"national": 200.0, "demo": 50.0, "demo-live": 50.0}
TITLES = {
    "national": "National scale (stats refreshed by the loader)",
    "demo": "Demo scale (stats refreshed by the loader)",
    "demo-live": "Demo scale, no refresh (every month judged live: the fallback when the loader skips it)",
}


def prepare(path: Path, scale: synth.Scale, rebuild: bool, refresh: bool = True) -> dict:
    """Build (or reuse) a synthetic database, migrate it and refresh the dashboard stats."""
    info: dict = {}
    if rebuild or not path.exists():
        t = time.perf_counter()
        synth.build(path, scale)
        info["build_s"] = time.perf_counter() - t
    store.migrate(path)
    if not refresh:  # the loader never called stats.refresh: every month is judged live
        with store.write(path) as con:
            con.execute("delete from unit_month_stats_state")
        return info | _sizes(path)
    with store.read(path) as con:
        fresh = stats.is_fresh(con, synth.months_back(scale), scale.last_period)
    if not fresh:
        t = time.perf_counter()
        with store.write(path) as con:
            stats.refresh(con)
        info["refresh_all_s"] = time.perf_counter() - t
    # what the loader pays after importing one month
    t = time.perf_counter()
    with store.write(path) as con:
        stats.refresh(con, [scale.last_period])
    info["refresh_month_s"] = time.perf_counter() - t
    return info | _sizes(path)


def _sizes(path: Path) -> dict:
    with store.read(path) as con:
        return {
            "observations": con.execute("select count(*) from observation").fetchone()[0],
            "units": con.execute("select count(*) from unit").fetchone()[0],
            "regions": con.execute("select count(*) from region").fetchone()[0],
            "months": con.execute("select count(distinct period) from submission").fetchone()[0],
            "submissions": con.execute("select count(*) from submission").fetchone()[0],
            "mib": path.stat().st_size / 2**20,
        }


def naive_pandas(db: Path) -> int:
    """Baseline: one month's attainment per unit computed in pandas instead of SQL."""
    with store.read(db) as con:
        obs = con.execute("select unit, code, value from observation where is_current and period = ?",
                          [PERIOD]).df()
        tgt = con.execute("select code, comparator, value as target from indicator_target "
                          "where effective_from <= ? and (effective_to is null or effective_to >= ?)",
                          [PERIOD, PERIOD]).df()
    df = obs.merge(tgt, on="code")
    ok = ((df.comparator == ">=") & (df.value >= df.target)) | ((df.comparator == "<=") & (df.value <= df.target))
    by_unit = df.assign(ok=ok).groupby("unit")["ok"].mean()
    return len(by_unit)


def cases(db: Path, unit: str, region: str, code: str) -> list[tuple[str, Callable[[], object]]]:
    f_all, f_region = q.Filters(PERIOD), q.Filters(PERIOD, region=region)
    # a liaison the office let read one region: lists are cut after the query, not in SQL
    liaison = User("bench.liaison", "liaison", unit, grants=frozenset({f"region:{region}"}))
    return [
        ("data_version", lambda: q.data_version(db)),
        ("periods", lambda: q.periods(db)),
        ("regions", lambda: q.regions(db)),
        ("units(region)", lambda: q.units(db, region)),
        ("indicators", lambda: q.indicators(db)),
        ("overview_kpis(全部)", lambda: q.overview_kpis(db, OFFICE, f_all, NOW)),
        ("overview_kpis(区域)", lambda: q.overview_kpis(db, OFFICE, f_region, NOW)),
        ("overview_kpis(季度)", lambda: q.overview_kpis(db, OFFICE, q.Filters(PERIOD, quarter="2026Q3"), NOW)),
        ("overview_trend(全部)", lambda: q.overview_trend(db, OFFICE, f_all)),
        ("units_most_behind(全部)", lambda: q.units_most_behind(db, OFFICE, f_all, NOW)),
        ("unit_info", lambda: q.unit_info(db, OFFICE, unit)),
        ("unit_scorecard", lambda: q.unit_scorecard(db, OFFICE, unit, PERIOD)),
        ("unit_tasks", lambda: q.unit_tasks(db, OFFICE, unit, PERIOD)),
        ("unit_submissions", lambda: q.unit_submissions(db, OFFICE, unit)),
        ("red_flags(单位)", lambda: flags.red_flags(db, OFFICE, PERIOD, NOW, unit=unit)),
        ("red_flags(区域)", lambda: flags.red_flags(db, OFFICE, PERIOD, NOW, region=region)),
        ("red_flags(全部, 前200)", lambda: flags.red_flags(db, OFFICE, PERIOD, NOW, limit=200)),
        ("red_flags(联络员+区域授权, 前200)", lambda: flags.red_flags(db, liaison, PERIOD, NOW, limit=200)),
        ("units_most_behind(联络员+区域授权)", lambda: q.units_most_behind(db, liaison, f_all, NOW)),
        ("flag_counts(全部)", lambda: flags.flag_counts(db, OFFICE, PERIOD, NOW)),
        ("indicator_detail", lambda: q.indicator_detail(db, code)),
        ("indicator_targets", lambda: q.indicator_targets(db, code)),
        ("indicator_values", lambda: q.indicator_values(db, OFFICE, code, PERIOD)),
        ("submission_status(全部)", lambda: q.submission_status(db, OFFICE, PERIOD, NOW)),
        # what 报送情况 reads: the counts, then the first page of the 催报 list and of the details
        ("submission_counts(全部)", lambda: q.submission_counts(db, OFFICE, PERIOD, NOW)),
        ("chase_list(全部, 第一页)", lambda: q.chase_list(db, OFFICE, PERIOD, NOW, limit=100)),
        ("submission_status(全部, 第一页)", lambda: q.submission_status(db, OFFICE, PERIOD, NOW, limit=100)),
        ("submission_status(区域)", lambda: q.submission_status(db, OFFICE, PERIOD, NOW, region)),
        ("chase_list(区域)", lambda: q.chase_list(db, OFFICE, PERIOD, NOW, region)),
        ("region_comparison", lambda: q.region_comparison(db, PERIOD)),
        ("region_ranking", lambda: q.region_ranking(db, PERIOD)),
        ("region_trend", lambda: q.region_trend(db, code, period=PERIOD)),
        # what 区域对比 reads instead when there are too many regions for a heatmap or one line each
        ("region_status_counts", lambda: q.region_status_counts(db, PERIOD)),
        ("region_comparison(指标)", lambda: q.region_comparison(db, PERIOD, code=code)),
        ("region_trend_summary", lambda: q.region_trend_summary(db, code, period=PERIOD)),
        # what 任务台账 reads for a plan: the counts, then its first page of 100 rows (a national
        # plan has a million rows; the page never reads them all)
        # (roster units only, as the page opens: its switch 包括报送名单以外的单位 starts off)
        ("task_ledger_counts(方案)", lambda: q.task_ledger_counts(db, OFFICE, PERIOD, plan=synth.SAMPLE_PLAN,
                                                                everyone=False)),
        ("task_ledger(方案, 第一页)", lambda: q.task_ledger(db, OFFICE, PERIOD, plan=synth.SAMPLE_PLAN, everyone=False,
                                                       limit=100)),
        ("task_ledger(方案, 滞后, 第一页)", lambda: q.task_ledger(db, OFFICE, PERIOD, plan=synth.SAMPLE_PLAN,
                                                           status="滞后", everyone=False, limit=100)),
        ("task_ledger(单位)", lambda: q.task_ledger(db, OFFICE, PERIOD, unit=unit)),
        ("quality_findings", lambda: q.quality_findings(db, OFFICE, PERIOD, PERIOD)),
        ("quality_top", lambda: q.quality_top(db, OFFICE, PERIOD, PERIOD)),
    ]


def rows_of(result: object) -> int:
    return len(result) if hasattr(result, "__len__") else 1


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, int]:
    result = fn()  # warm-up (file cache, pandas import paths)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), rows_of(result)


def measure(db: Path, unit: str, region: str, code: str, runs: int) -> tuple[dict, list[tuple]]:
    base = {
        "open": median_ms(lambda: q.run(db, "select 1"), runs)[0],
        "scan": median_ms(lambda: q.run(db, "select count(*), sum(value) from observation"), runs)[0],
        "pandas": median_ms(lambda: naive_pandas(db), max(1, runs // 2))[0],
    }
    rows = []
    for name, fn in cases(db, unit, region, code):
        cold, n = median_ms(fn, runs)
        with store.read(db):  # connection already open: what a page pays inside one read block
            warm, _ = median_ms(fn, runs)
        rows.append((name, cold, warm, n))
        print(f"  {name:28s} cold {cold:8.1f} ms  warm {warm:8.1f} ms  {n:>7} 行", flush=True)
    return base, rows


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("browser", "first"):
        from bench import pages_browser

        return pages_browser.main(argv)
    if argv and argv[0] == "functions":
        argv = argv[1:]
    ap = argparse.ArgumentParser(description="页面数据函数性能测试")
    ap.add_argument("--rebuild", action="store_true", help="重新生成合成数据库")
    ap.add_argument("--demo-only", action="store_true", help="只测演示规模数据库")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--national", type=Path, default=OUT / "national.duckdb",
                    help="全国规模合成库（默认 bench/out/national.duckdb，不存在时生成；可指定 bench/synth.py --scale national 已建的库）")
    args = ap.parse_args(argv)

    unit, region = synth.SAMPLE_UNIT, synth.SAMPLE_REGION
    targets = [("demo", OUT / "demo.duckdb", synth.DEMO, unit, region, True),
               ("demo-live", OUT / "demo-live.duckdb", synth.DEMO, unit, region, False)]
    if not args.demo_only:
        targets.append(("national", args.national, synth.NATIONAL, unit, region, True))
    report = []
    for label, path, scale, unit, region, refresh in targets:
        print(f"== {label}: {path}", flush=True)
        info = prepare(path, scale, args.rebuild, refresh)
        print(f"  {info}", flush=True)
        base, rows = measure(path, unit, region, synth.SAMPLE_CODE, args.runs)
        print(f"  baselines: {base}", flush=True)
        report.append((label, scale, info, base, rows))
    write_results(report, args.runs)
    print(f"结果已写入 {RESULTS_FUNCTIONS.relative_to(ROOT)}")
    return 0


def write_results(report: list, runs: int) -> None:
    cpu = os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Page data functions: timings",
        "",
        (f"Measured {datetime.now():%Y-%m-%d %H:%M} by `bench/pages.py` ({cpu} cores, load average "
        f"{load:.1f} at the end: the machine is shared, so absolute times are noisy; the ratios to the "
        f"baselines of the same run are the steadier figure). Median of {runs} runs after one warm-up."),
        "",
    ]
    for label, scale, info, base, rows in report:
        target = TARGET_MS[label]
        lines += [
            f"## {TITLES[label]}",
            "",
            f"{info['observations']:,} observations, {info['units']:,} units, {info['regions']} regions, "
            f"{info['months']} months; file {info['mib']:.0f} MiB."
            + (f" Built in {info['build_s']:.0f} s." if "build_s" in info else "")
            + (f" Stats refresh of all months {info['refresh_all_s']:.1f} s." if "refresh_all_s" in info else "")
            + (f" Stats refresh of one month (the loader's cost per import): {info['refresh_month_s'] * 1000:.0f} ms."
               if "refresh_month_s" in info else ""),
            "",
            (f"Baselines: open + `select 1` {base['open']:.1f} ms; full `count(*)`/`sum` scan of observation "
            f"{base['scan']:.1f} ms; naive pandas attainment of one month {base['pandas']:.1f} ms."),
            "",
            ("`cold` opens the database for the call (what one call pays on its own); `warm` runs "
             "inside an open `store.read` block (what each further call of a page pays). Ratios use `warm`."),
            "",
            f"| function | cold ms | warm ms | rows | warm ÷ scan | warm ÷ pandas | warm ≤ {target:.0f} ms | cold ≤ {target:.0f} ms |",
            "|---|---:|---:|---:|---:|---:|:---:|:---:|",
        ]
        for name, cold, warm, n in rows:
            lines.append(f"| {name} | {cold:.1f} | {warm:.1f} | {n:,} | {warm / base['scan']:.2f} | "
                         f"{warm / base['pandas']:.2f} | {'✓' if warm <= target else '✗'} | "
                         f"{'✓' if cold <= target else '✗'} |")
        missed_warm = [r[0] for r in rows if r[2] > target]
        missed_cold = [r[0] for r in rows if r[1] > target]
        lines += ["",
                  f"Warm: {len(rows) - len(missed_warm)} of {len(rows)} within {target:.0f} ms"
                  + (f"; over: {', '.join(missed_warm)}." if missed_warm else "."),
                  f"Cold: {len(rows) - len(missed_cold)} of {len(rows)} within {target:.0f} ms"
                  + (f"; over: {', '.join(missed_cold)}." if missed_cold else "."), ""]
    RESULTS_FUNCTIONS.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
