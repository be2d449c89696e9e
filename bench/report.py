"""Time the 营商环境专报 for a city month (target ≤ 10 s) and the two ways to draw its charts.

    .venv/bin/python bench/report.py              # reuse bench/out/demo-city.duckdb when present
    .venv/bin/python bench/report.py --rebuild    # regenerate it with python -m etl demo (~2 min)
    .venv/bin/python bench/report.py --db NAT.duckdb --label national [--quarter 2026Q3]
                                                  # an existing database, e.g. bench/synth.py national

The database is the demo city (``python -m etl demo``: 8 regions, 60 units, 12 months of
returns with their 工作信息, all through the real import). Measured, medians of ``--runs``:
``collect`` (every query of the report, one open database), ``render`` (charts and the .docx),
both in one process; the CLI end to end (``python -m etl report`` in a fresh process: imports
included, what the office waits for); and, for the charts, matplotlib against plotly with a
kaleido server (when kaleido is installed). Results go to bench/RESULTS-report.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from accounts.access import SYSTEM_USER  # noqa: E402
from bench import results
from dashboard import queries as q  # noqa: E402
from dashboard import report, word  # noqa: E402

OUT = ROOT / "bench" / "out"
DB = OUT / "demo-city.duckdb"
RESULTS = ROOT / "bench" / "RESULTS-report.md"
TARGET_S = 10.0


def _median(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def _prepare(rebuild: bool) -> None:
    if DB.exists() and not rebuild:
        return
    OUT.mkdir(parents=True, exist_ok=True)
    for p in (DB, DB.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "etl", "demo", "--db", str(DB)], cwd=ROOT, check=True)


def _charts_matplotlib(ranking, trend) -> None:
    from dashboard import report_charts as charts

    charts.ranking_bar(ranking["region_name"].tolist(), ranking["attainment_rate"].tolist(), "各区域")
    charts.trend_lines([str(p) for p in trend["period"]],
                       {"按时报送率": trend["on_time_rate"].tolist()}, "走势")


def _charts_kaleido(ranking, trend) -> float | None:
    """Seconds for the same two charts through plotly + one kaleido server, None without kaleido."""
    try:
        import kaleido
        import plotly.graph_objects as go
    except ImportError:
        return None
    t = time.perf_counter()
    kaleido.start_sync_server(silence_warnings=True)
    try:
        for fig in (go.Figure(go.Bar(x=ranking["attainment_rate"], y=ranking["region_name"], orientation="h")),
                    go.Figure(go.Scatter(x=[str(p) for p in trend["period"]], y=trend["on_time_rate"]))):
            fig.update_layout(title="各区域", font_family="Noto Sans CJK SC", width=900, height=500)
            fig.to_image(format="png")
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--period", default=None, help="YYYY-MM (default: newest month with returns)")
    ap.add_argument("--quarter", default=None, help="2026Q3: the quarterly edition instead of a month")
    ap.add_argument("--db", type=Path, default=None, help="an existing database (read only; default: the demo city)")
    ap.add_argument("--label", default="demo city", help="the results section's name")
    args = ap.parse_args()
    if args.db is None:
        _prepare(args.rebuild)
    db = args.db or DB
    period = None if args.quarter else (args.period or f"{max(q.periods(db)):%Y-%m}")
    edition = report.Edition.parse(period, args.quarter)
    what = ["--quarter", args.quarter] if args.quarter else ["--period", period]
    now = q.now_local()

    report.collect(db, SYSTEM_USER, edition, now)                  # warm the file cache
    collect_s, data = _median(lambda: report.collect(db, SYSTEM_USER, edition, now), args.runs)
    render_s, doc = _median(lambda: report.render(data), args.runs)
    body = word.to_bytes(doc)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "专报.docx"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "etl", "report", *what, "--db", str(db),
                        "--out", str(out)], cwd=ROOT, check=True, capture_output=True)
        cli_s = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cli_rss = after.ru_maxrss / 1024  # MiB, the largest child so far: the CLI (nothing else ran)
    # the regions the report draws: all of a city's, the ends of a longer ranking
    drawn = data.ranking if len(data.ranking) <= report.TABLE_ROWS else report._ends(data.ranking, report.CHART_REGIONS)
    mpl_s, _ = _median(lambda: _charts_matplotlib(drawn, data.trend), args.runs)
    kaleido_s = _charts_kaleido(drawn, data.trend)

    units = int(data.status["expected"].max()) if not data.status.empty else 0
    blocks = len(doc.element.body.xpath(".//w:tbl//w:tr")) + len(doc.paragraphs)
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} (load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores) on {db.name}: {' '.join(what)}, {units:,} units expected a month, "
        f"{len(data.flags)} red flags listed, {len(data.work)} 工作信息 rows; document {len(body) / 1024:.0f} KiB, "
        f"{len(doc.inline_shapes)} charts, {len(doc.tables)} tables, {blocks:,} paragraphs and table rows. "
        f"Medians of {args.runs}.",
        "",
        "| step | seconds |",
        "|---|---:|",
        f"| collect (all queries, one open database) | {collect_s:.2f} |",
        f"| render (charts + .docx) | {render_s:.2f} |",
        f"| in process, collect + render | {collect_s + render_s:.2f} |",
        f"| `python -m etl report` end to end (fresh process, imports included) | {cli_s:.2f} |",
        f"| the same, CPU seconds (user + system; independent of other load) | {cli_cpu:.2f} |",
        f"| the same, peak RSS (MiB) | {cli_rss:,.0f} |",
        f"| two charts, matplotlib | {mpl_s:.2f} |",
        f"| two charts, plotly + kaleido server (start included) | "
        f"{'not installed' if kaleido_s is None else f'{kaleido_s:.2f}'} |",
        "",
        f"Target ≤ {TARGET_S:.0f} s (set for a city month): {'met' if cli_s <= TARGET_S else 'NOT met'} "
        f"(CLI {cli_s:.1f} s wall = {cli_s / TARGET_S:.2f} of the budget; {cli_cpu:.1f} CPU-s, "
        f"so an idle core would need about that long).",
    ]
    results.replace_section(RESULTS, ["# 专报 benchmark (bench/report.py)", "",
                                      "One section per database, replaced when it is measured again.", ""],
                            args.label, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
