"""Benchmark: importing monthly returns the way an office at national scale meets it (issue 18).

Returns are written by the real template code (``etl.template`` + ``etl.demo.fill_return``) for
the catalog's units that own an indicator in force (110 units: 2.35 indicators and 3.1 measures
per return at 2026-11, against the demo's 1.9 and 5.2; the mean of the generated set is
printed), month after month backwards from 2026-11, the month being reported now (the
synthetic national database, bench/synth.py, holds 2021-01 … 2026-10 for its cloned regions and
leaves the real units' months free, so these land as first versions in full months). Past the
~7,800 unit-months that have indicators in force a second round of the same unit-months follows
as corrections (version 2, other values), a third as version 3, and so on.

Measured, each on a fresh copy of its database (copies are not timed):

* pairs: the naive pipeline (pandas + openpyxl per file, one great-expectations validation per
  file, row-by-row INSERTs; on ``--naive-sample`` files, per file) and ours in-process
  (``etl.ingest.ingest_files`` into an empty database), run back to back in pairs, alternating
  which goes first; the ratio is taken per pair and its median reported, so both sides of a
  ratio saw the same load; python-calamine reading the files alone is the floor;
* empty vs national: the same ``--files`` returns into an empty database (schema and catalog
  mirror only) and into a copy of the national database, as a whole CLI process
  (``python -m etl ingest FILE… --json``: interpreter start, great-expectations import, catalog
  load included) and in-process; cost per return and the ratio national ÷ empty (target ≤ 1.5×);
* a scale curve: ``--curve`` returns (e.g. 1000,5000,20000) in one CLI process each into a copy
  of the national database: wall and CPU seconds, peak RSS (``os.wait4`` rusage of the child),
  the extrapolation to 170,000 returns (a national month; target < 30 min, peak RSS < 2 GB).

Load (``os.getloadavg``) is recorded before and after every run; the machine is shared.

  PYTHONPATH=. python bench/ingest.py --files 200 --curve 200,500 --national /path/national.duckdb
  PYTHONPATH=. python bench/ingest.py --files 1000 --curve 1000,5000,20000 --returns /tmp/returns
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LAST_PERIOD = date(2026, 11, 1)    # the month being reported (national history ends 2026-10)
HISTORY_MONTHS = 71                # 2021-01 … 2026-11: the months with indicators in force
NATIONAL_MONTH = 170_000           # returns of one national month
TARGET_MONTH_S = 30 * 60
TARGET_RSS_MIB = 2048
TARGET_NATIONAL_VS_EMPTY = 1.5
DEFAULT_NATIONAL = Path(os.environ.get("YINGSHANG_BENCH_NATIONAL", "/work/wt/national.duckdb"))


def load() -> float:
    return os.getloadavg()[0]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average %.2f, %.2f, %.2f" % os.getloadavg()


@dataclass
class Timing:
    label: str
    files: int
    seconds: float


@dataclass
class Run:
    label: str
    files: int
    wall: float
    cpu: float
    rss_mib: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    load_before: float = 0.0
    load_after: float = 0.0

    @property
    def ms_per_return(self) -> float:
        return self.wall * 1000 / self.files

    def line(self) -> str:
        rss = f"，峰值内存 {self.rss_mib:.0f} MiB" if self.rss_mib is not None else ""
        return (f"{self.label}：{self.files} 份 {self.wall:.2f} 秒（每份 {self.ms_per_return:.1f} 毫秒），"
                f"CPU {self.cpu:.1f} 秒{rss}，{_outcomes(self.outcomes)}，负载 {self.load_before:.2f}→{self.load_after:.2f}")


def _outcomes(outcomes: dict[str, int]) -> str:
    return "、".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "—"


# --- generating the returns ---------------------------------------------------------------


def reporting_units(catalog, period: date = LAST_PERIOD) -> list[str]:
    """Units that own an indicator in force: what a real return carries."""
    return sorted(u.id for u in catalog.units.values() if catalog.indicators_for_unit(u.id, period))


def plan_jobs(catalog, n: int, out_dir: Path) -> list[tuple[int, object]]:
    """(round, FileJob) for ``n`` returns: newest month first, every unit with an indicator in
    force that month; past the last month a new round (version 2, 3, …) of the same months."""
    from etl.demo import FileJob, month_range
    from etl.template import template_filename

    units = reporting_units(catalog)
    periods = sorted(month_range(LAST_PERIOD, HISTORY_MONTHS), reverse=True)
    slots = [(p, u) for p in periods for u in units if catalog.indicators_for_unit(u, p)]
    jobs = []
    for i in range(n):
        rnd, (period, unit_id) = i // len(slots), slots[i % len(slots)]
        unit = catalog.units[unit_id]
        name = template_filename(unit, catalog.regions[unit.region], period)
        jobs.append((rnd, FileJob(out_dir / f"v{rnd + 1}" / f"{period:%Y-%m}" / name, unit_id, period)))
    return jobs


def generate(catalog, n: int, out_dir: Path, seed: int = 7, workers: int = 2) -> list[Path]:
    """N filled returns (see the module docstring), written into ``out_dir``; reuses the files of
    an earlier call with the same seed when its manifest lists at least ``n``."""
    from etl.demo import Writer

    manifest = out_dir / "manifest.json"
    if manifest.exists():
        known = json.loads(manifest.read_text(encoding="utf-8"))
        if known.get("seed") == seed and known.get("catalog") == catalog.version and len(known["files"]) >= n:
            return [out_dir / f for f in known["files"][:n]]
    jobs = plan_jobs(catalog, n, out_dir)
    for rnd in sorted({r for r, _ in jobs}):
        writer = Writer(catalog, seed + rnd, workers)  # another seed: a correction carries other values
        try:
            mine = [j for r, j in jobs if r == rnd]
            for period in sorted({j.period for j in mine}):
                writer.start([j for j in mine if j.period == period])()
        finally:
            writer.close()
    paths = [j.path for _, j in jobs]
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({"seed": seed, "catalog": catalog.version,
                                    "files": [str(p.relative_to(out_dir)) for p in paths],
                                    "jobs": [(j.unit, f"{j.period:%Y-%m}") for _, j in jobs]}), encoding="utf-8")
    return paths


def content(catalog, out_dir: Path, n: int) -> tuple[float, float]:
    """Mean indicators (in force that month) and measures per return of the first ``n`` files."""
    known = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    ind = mea = 0
    for unit, month in known["jobs"][:n]:
        period = date.fromisoformat(month + "-01")
        ind += len(catalog.indicators_for_unit(unit, period))
        mea += len(catalog.measures_for_unit(unit))
    return ind / n, mea / n


# --- our import: in-process and as a CLI process ---------------------------------------------


def prepare_db(db, catalog) -> None:
    """A fresh database with its schema and catalog mirror: set up once per database in real
    use, so not part of the timed import."""
    from rules.stats import ensure_catalog

    ensure_catalog(db, catalog)


def copy_db(src: Path, dst: Path) -> float:
    """A private copy of ``src`` (with its WAL); seconds taken (not part of any timing)."""
    t = time.perf_counter()
    for suffix in ("", ".wal"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
        if Path(str(src) + suffix).exists():
            shutil.copyfile(str(src) + suffix, str(dst) + suffix)
    return time.perf_counter() - t


def drop_db(db: Path) -> None:
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def run_in_process(label: str, paths: list[Path], db: Path, catalog) -> Run:
    """``etl.ingest.ingest_files`` in this process (modules and catalog already loaded)."""
    import store
    from etl.ingest import ingest_files

    before, r0 = load(), resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    results = ingest_files(paths, db=db, now=datetime(2026, 12, 4, 8, 0, tzinfo=UTC), catalog=catalog)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    store.close(db)
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r.status] = outcomes.get(r.status, 0) + 1
    return Run(label, len(paths), wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime),
               None, outcomes, before, load())


def run_cli(label: str, paths: list[Path], db: Path, root: Path) -> Run:
    """One ``python -m etl ingest FILE… --json`` process, start-up included; wall, CPU and peak
    RSS of the child from ``os.wait4``."""
    rel = [str(p.relative_to(root)) for p in paths]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("YINGSHANG_DB", None)
    before = load()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "etl", "ingest", "--json", "--db", str(db), *rel],
                                cwd=root, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        outcomes: dict[str, int] = {}
        for line in out:
            if line.startswith("{"):
                s = json.loads(line)["status"]
                outcomes[s] = outcomes.get(s, 0) + 1
        if proc.returncode not in (0, 1) or not outcomes:
            err.seek(0)
            raise SystemExit(f"import failed ({proc.returncode}): {err.read()[-3000:]}")
    return Run(label, len(paths), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, outcomes,
               before, load())


# stage label -> (module, attribute) whose wall time is that stage; patched where the
# pipeline looks the name up, so the timers sit exactly around each call
STAGES = (
    ("迁移与目录版本检查", "etl.ingest", "ensure_catalog"),
    ("上传安全检查（大小、压缩炸弹：解压一遍）", "etl.limits", "check_upload"),
    ("SHA-256 与已收文件查重", "store.archive", "sha256"),
    ("读取（calamine + 格式扫描）", "etl.ingest", "read_return"),
    ("规范化", "etl.ingest", "normalize_return"),
    ("校验（GE + 规则）", "etl.validate", "validate_batch"),
    ("  其中 great-expectations", "etl.validate", "run_expectations"),
    ("与上月比较", "etl.ingest", "_check_history"),
    ("入库（归档 + 写库）", "etl.ingest", "write_files"),
    ("  打开 DuckDB 文件（分散在上面各阶段中）", "store.connection", "open_connection"),
)


def profile_ours(paths: list[Path], db: Path, catalog) -> list[tuple[str, float]]:
    """Where (a) spends its time: the same import into another fresh db, with a wall-clock
    timer around each stage (no profiler, so the seconds are real)."""
    import importlib

    from etl.ingest import ingest_files

    spent: dict[str, float] = {}
    originals = []
    for label, module_name, attr in STAGES:
        module = importlib.import_module(module_name)
        original = getattr(module, attr)
        originals.append((module, attr, original))

        def timed(*args, _f=original, _label=label, **kwargs):
            t = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_label] = spent.get(_label, 0.0) + time.perf_counter() - t

        setattr(module, attr, timed)
    try:
        prepare_db(db, catalog)
        received = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
        t0 = time.perf_counter()
        ingest_files(paths, db=db, now=received, catalog=catalog)
        total = time.perf_counter() - t0
    finally:
        for module, attr, original in originals:
            setattr(module, attr, original)
    return [("合计", total)] + [(label, spent.get(label, 0.0)) for label, *_ in STAGES]


# --- (b) naive --------------------------------------------------------------------------------


NAIVE_SCHEMA = """
create table obs (file varchar, code varchar, value double, note varchar);
create table task (file varchar, measure_key varchar, status varchar, pct double);
create table work (file varchar, item varchar, value varchar);
"""


def run_naive(paths: list[Path], db: Path) -> Timing:
    """pandas + openpyxl per file, one GE validation per file, one INSERT per row."""
    import duckdb
    import great_expectations as gx
    import great_expectations.expectations as gxe
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    bd = ctx.data_sources.add_pandas("naive").add_dataframe_asset("file").add_batch_definition_whole_dataframe("all")
    suite = gx.ExpectationSuite(name="naive")
    for e in (
        gxe.ExpectColumnValuesToNotBeNull(column="code"),
        gxe.ExpectColumnValuesToBeUnique(column="code"),
        gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0, max_value=1e12, mostly=1.0),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["未启动", "推进中", "已完成", "滞后", None]),
        gxe.ExpectColumnValuesToBeBetween(column="pct", min_value=0, max_value=100),
        gxe.ExpectColumnValuesToBeBetween(column="count", min_value=0),
    ):
        suite.add_expectation(e)
    suite = ctx.suites.add(suite)
    con = duckdb.connect(str(db))
    con.execute(NAIVE_SCHEMA)
    t0 = time.perf_counter()
    for path in paths:
        sheets = pd.read_excel(path, sheet_name=["指标", "任务进展", "工作信息"], header=2, engine="openpyxl")
        ind, tasks, work = sheets["指标"], sheets["任务进展"], sheets["工作信息"]
        # columns by position (the template contract: A code, E value; task E status, F %; work C)
        counts = pd.to_numeric(work.iloc[:, 2].head(3), errors="coerce")
        n = max(len(ind), len(tasks), len(counts), 1)
        frame = pd.DataFrame({
            "code": ind.iloc[:, 0].reindex(range(n)).astype("object"),
            "value": pd.to_numeric(ind.iloc[:, 4], errors="coerce").reindex(range(n)),
            "status": tasks.iloc[:, 4].reindex(range(n)).astype("object"),
            "pct": pd.to_numeric(tasks.iloc[:, 5], errors="coerce").reindex(range(n)),
            "count": counts.reindex(range(n)),
        })
        frame.loc[frame["code"].isna(), "code"] = [f"_pad{i}" for i in range(int(frame["code"].isna().sum()))]
        bd.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
        con.execute("begin")
        for row in ind.itertuples(index=False):
            con.execute("insert into obs values (?, ?, ?, ?)",
                        [path.name, row[0], _num(row[4]), None if pd.isna(row[5]) else str(row[5])])
        for row in tasks.itertuples(index=False):
            con.execute("insert into task values (?, ?, ?, ?)", [path.name, row[0], row[4], _num(row[5])])
        for row in work.itertuples(index=False):
            con.execute("insert into work values (?, ?, ?)", [path.name, row[0], str(row[2])])
        con.execute("commit")
    seconds = time.perf_counter() - t0
    con.close()
    return Timing("(b) 朴素流程（pandas+openpyxl、逐文件 GE、逐行插入）", len(paths), seconds)


def _num(value):
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


# --- (c) calamine -----------------------------------------------------------------------------


def run_calamine(paths: list[Path]) -> Timing:
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    cells = 0
    for path in paths:
        wb = CalamineWorkbook.from_path(str(path))
        for name in ("指标", "任务进展", "工作信息", "_meta"):
            cells += len(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    seconds = time.perf_counter() - t0
    assert cells
    return Timing("(c) 仅用 python-calamine 读取", len(paths), seconds)


# --- the runs --------------------------------------------------------------------------------


@dataclass
class Pair:
    naive_ms: float          # per file, on the sample
    ours_ms: float           # per file, in-process into an empty database
    calamine_ms: float       # per file, reading only
    first: str

    @property
    def ratio(self) -> float:
        return self.naive_ms / self.ours_ms


def run_pairs(paths: list[Path], sample: list[Path], work: Path, catalog, pairs: int) -> tuple[list[Pair], Run]:
    """Naive and ours back to back, alternating which goes first; the last in-process run is kept."""
    out, last = [], None
    for i in range(pairs):
        def ours(i: int = i) -> Run:
            db = work / f"pair{i}.duckdb"
            prepare_db(db, catalog)
            try:
                return run_in_process("本系统，进程内，空库", paths, db, catalog)
            finally:
                drop_db(db)

        def naive(i: int = i) -> Timing:
            db = work / f"naive{i}.duckdb"
            try:
                return run_naive(sample, db)
            finally:
                drop_db(db)

        if i % 2 == 0:
            b, a = naive(), ours()
        else:
            a, b = ours(), naive()
        c = run_calamine(paths)
        out.append(Pair(b.seconds * 1000 / b.files, a.ms_per_return, c.seconds * 1000 / c.files,
                        "naive" if i % 2 == 0 else "ours"))
        last = a
        print(f"第 {i + 1} 对：朴素 {out[-1].naive_ms:.1f} 毫秒/份，本系统 {a.ms_per_return:.2f} 毫秒/份，"
              f"比值 {out[-1].ratio:.1f}，calamine {out[-1].calamine_ms:.2f} 毫秒/份，负载 {load():.2f}",
              file=sys.stderr, flush=True)
    return out, last


def run_empty_vs_national(paths: list[Path], root: Path, work: Path, catalog, national: Path | None,
                          rounds: int, modes: tuple[str, ...] = ("cli", "in-process")) -> list[Run]:
    """CLI and in-process imports into an empty database and into a copy of the national one."""
    runs = []
    for i in range(rounds):
        db = work / "empty.duckdb"
        prepare_db(db, catalog)
        runs.append(run_cli("命令行进程，空库", paths, db, root))
        print(runs[-1].line(), file=sys.stderr, flush=True)
        drop_db(db)
        if national is None:
            continue
        for mode in modes:
            db = work / "national.duckdb"
            copied = copy_db(national, db)
            print(f"已复制全国库（{copied:.0f} 秒，不计时）", file=sys.stderr, flush=True)
            if mode == "cli":
                runs.append(run_cli("命令行进程，全国库", paths, db, root))
            else:
                runs.append(run_in_process("本系统，进程内，全国库", paths, db, catalog))
            print(runs[-1].line(), file=sys.stderr, flush=True)
            drop_db(db)
    return runs


def run_curve(paths: list[Path], root: Path, work: Path, national: Path, points: list[int],
              reuse: dict[int, Run]) -> list[Run]:
    runs = []
    for n in points:
        if n in reuse:
            runs.append(reuse[n])
            continue
        db = work / "national.duckdb"
        copied = copy_db(national, db)
        print(f"已复制全国库（{copied:.0f} 秒，不计时）；导入 {n} 份 … {uptime()}", file=sys.stderr, flush=True)
        runs.append(run_cli("命令行进程，全国库", paths[:n], db, root))
        print(runs[-1].line(), file=sys.stderr, flush=True)
        drop_db(db)
    return runs


def extrapolate(curve: list[Run], target: int = NATIONAL_MONTH) -> tuple[float, float | None, str]:
    """Seconds and peak RSS for ``target`` returns: the marginal cost between the two largest
    points (so cost that grows with the files shows), or linear from one point."""
    pts = sorted(curve, key=lambda r: r.files)
    if len(pts) >= 2 and pts[-1].files > pts[-2].files:
        a, b = pts[-2], pts[-1]
        slope = (b.wall - a.wall) / (b.files - a.files)
        secs = b.wall + slope * (target - b.files)
        rss = None
        if a.rss_mib is not None and b.rss_mib is not None:
            rss = b.rss_mib + max(0.0, (b.rss_mib - a.rss_mib) / (b.files - a.files)) * (target - b.files)
        how = f"按 {a.files} 与 {b.files} 份两点之间的边际成本（{slope * 1000:.1f} 毫秒/份）外推"
        return secs, rss, how
    b = pts[-1]
    return b.wall * target / b.files, b.rss_mib, f"按 {b.files} 份一点线性外推"


# --- report ---------------------------------------------------------------------------------


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def report(args, n_files: int, mean_ind: float, mean_mea: float, gen_s: float, pairs: list[Pair],
           sample: int, runs: list[Run], curve: list[Run], national_info: str, start_uptime: str) -> str:
    def ok(cond: bool) -> str:
        return "达标" if cond else "未达标"

    lines = [
        "# 月报导入基准（issue 18：按全国规模如实测量）",
        "",
        f"- 机器：{platform.machine()}，{os.cpu_count()} 核（与其他会话共用），Python {platform.python_version()}；"
        f"测于 {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- 开始时 `uptime`：`{start_uptime}`；结束时：`{uptime()}`",
        f"- 复现：`PYTHONPATH=. python bench/ingest.py --files {args.files} --curve {args.curve} "
        f"--pairs {args.pairs} --naive-sample {args.naive_sample} --national-modes {args.national_modes}"
        + (f" --national {args.national}" if args.national else "") + "`",
        f"- 月报：模板代码生成并填报（{gen_s:.0f} 秒，不计时），{n_files} 份；单位为目录中在该月有指标的真实单位，"
        f"自 2026-11 起逐月向前；平均每份 **{mean_ind:.2f} 个指标、{mean_mea:.2f} 项措施**"
        "（演示库单位为 1.9 个指标、5.2 项措施）",
        f"- 全国库：{national_info}",
        "",
    ]
    if pairs:
        ratios = [p.ratio for p in pairs]
        lines += [
            f"## 朴素流程与本系统成对交替（{len(pairs)} 对，每对先后交替）",
            "",
            f"朴素流程（pandas+openpyxl、逐文件 GE、逐行插入）每对跑 {sample} 份，按每份计；本系统为进程内 "
            f"`ingest_files` 导入空库（{n_files} 份）。",
            "",
            "| 对 | 先跑 | 朴素 毫秒/份 | 本系统 毫秒/份 | 比值 | 仅 calamine 读取 毫秒/份 |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        lines += [f"| {i + 1} | {'朴素' if p.first == 'naive' else '本系统'} | {p.naive_ms:.1f} | {p.ours_ms:.2f} | "
                  f"{p.ratio:.1f} | {p.calamine_ms:.2f} |" for i, p in enumerate(pairs)]
        lines += ["", f"- 成对比值中位数 **{median(ratios):.1f} 倍**（各对 {', '.join(f'{r:.1f}' for r in ratios)}）；"
                  f"本系统为 calamine 仅读取的 {median([p.ours_ms / p.calamine_ms for p in pairs]):.1f} 倍（中位数）", ""]
    if runs:
        lines += [
            f"## 空库与全国库（{n_files} 份，同一批文件；每次导入前复制一份全新的库，复制不计时）",
            "",
            "| 导入 | 库 | 墙钟秒 | 毫秒/份 | CPU 秒 | 峰值内存 MiB | 结果 | 负载（前→后） |",
            "|---|---|---:|---:|---:|---:|---|---|",
        ]
        for r in runs:
            mode, db = r.label.split("，")[0], r.label.split("，")[-1]
            rss = f"{r.rss_mib:.0f}" if r.rss_mib is not None else "—"
            lines.append(f"| {mode} | {db} | {r.wall:.2f} | {r.ms_per_return:.1f} | {r.cpu:.1f} | {rss} | "
                         f"{_outcomes(r.outcomes)} | {r.load_before:.2f}→{r.load_after:.2f} |")
        lines.append("")
        for mode in ("命令行进程", "本系统"):
            empty = [r.ms_per_return for r in runs if r.label.startswith(mode) and r.label.endswith("空库")]
            nat = [r.ms_per_return for r in runs if r.label.startswith(mode) and r.label.endswith("全国库")]
            if mode == "本系统" and pairs:
                empty = [p.ours_ms for p in pairs]
            if empty and nat:
                ratio = median(nat) / median(empty)
                lines.append(f"- {mode}{'（进程内）' if mode == '本系统' else ''}：每份 空库 {median(empty):.1f} 毫秒、"
                             f"全国库 {median(nat):.1f} 毫秒，比值 **{ratio:.2f} 倍**"
                             f"（目标 ≤ {TARGET_NATIONAL_VS_EMPTY} 倍：{ok(ratio <= TARGET_NATIONAL_VS_EMPTY)}）")
        lines.append("")
    if curve:
        secs, rss, how = extrapolate(curve)
        lines += [
            "## 规模曲线：一个命令行进程导入全国库（副本）",
            "",
            "| 份数 | 墙钟秒 | 毫秒/份 | CPU 秒 | 峰值内存 MiB | 结果 | 负载（前→后） |",
            "|---:|---:|---:|---:|---:|---|---|",
        ]
        for r in sorted(curve, key=lambda r: r.files):
            lines.append(f"| {r.files:,} | {r.wall:.1f} | {r.ms_per_return:.1f} | {r.cpu:.1f} | {r.rss_mib:.0f} | "
                         f"{_outcomes(r.outcomes)} | {r.load_before:.2f}→{r.load_after:.2f} |")
        lines += [
            "",
            f"- 外推到 {NATIONAL_MONTH:,} 份（一个全国月份）：**{secs / 60:.0f} 分钟**"
            f"（目标 < {TARGET_MONTH_S // 60} 分钟：{ok(secs < TARGET_MONTH_S)}）"
            + (f"，峰值内存约 **{rss:.0f} MiB**（目标 < {TARGET_RSS_MIB} MiB：{ok(rss < TARGET_RSS_MIB)}）" if rss else "")
            + f"；{how}",
            (f"- 命令行导入的 DuckDB 内存上限为 {_import_memory()}（`etl/cli_ingest.py` 的 `IMPORT_MEMORY`，或环境变量 "
             "`YINGSHANG_DUCKDB_MEMORY`）：随当月规模增长的是 DuckDB 缓存的表数据块，到上限后由 DuckDB 换出，"
             "所以内存的线性外推只在缓存到上限之前成立"),
            "",
        ]
    return "\n".join(lines) + "\n"


def _import_memory() -> str:
    """The cap ``python -m etl ingest`` runs under here."""
    import store
    from etl import cli_ingest

    with store.default_memory_limit(cli_ingest.IMPORT_MEMORY):
        return store.memory_limit() or "不设"


def national_summary(path: Path) -> str:
    import store

    with store.read(path) as con:
        obs = con.execute("select count(*) from observation").fetchone()[0]
        subs = con.execute("select count(*) from submission").fetchone()[0]
        regions = con.execute("select count(*) from region").fetchone()[0]
    store.close(path)
    return (f"`{path}`，{obs:,} 条观测值、{subs:,} 份报送、{regions:,} 个区域，"
            f"{path.stat().st_size / 2**30:.1f} GiB（bench/synth.py）")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="月报导入基准：空库与全国库、命令行进程与进程内、规模曲线")
    ap.add_argument("--files", type=int, default=1000, help="空库与全国库对比的月报份数（默认 1000）")
    ap.add_argument("--curve", default="1000,5000", help="规模曲线各点的份数，逗号分隔（如 1000,5000,20000；空 = 不测）")
    ap.add_argument("--pairs", type=int, default=3, help="朴素流程与本系统交替的对数（默认 3；0 = 不测）")
    ap.add_argument("--naive-sample", type=int, default=50, help="朴素流程每对跑的份数（默认 50）")
    ap.add_argument("--rounds", type=int, default=1, help="空库与全国库对比跑几轮（默认 1）")
    ap.add_argument("--national", type=Path, default=DEFAULT_NATIONAL if DEFAULT_NATIONAL.exists() else None,
                    help="全国合成库（bench/synth.py 生成；默认 /work/wt/national.duckdb 或 $YINGSHANG_BENCH_NATIONAL）")
    ap.add_argument("--national-modes", default="cli,in-process",
                    help="导入全国库的方式：cli（命令行进程）、in-process（进程内），逗号分隔")
    ap.add_argument("--returns", type=Path, help="月报目录（已有清单则复用，不再生成）")
    ap.add_argument("--work", type=Path, help="放库副本的目录（默认临时目录；全国库副本需要与其同样大的空间）")
    ap.add_argument("--workers", type=int, default=2, help="生成月报的进程数")
    ap.add_argument("--profile", action="store_true", help="另做一次进程内导入空库的分阶段计时")
    ap.add_argument("--out", default=str(ROOT / "bench" / "RESULTS-ingest.md"), help="结果 Markdown 文件（空 = 不写）")
    args = ap.parse_args(argv)
    points = [int(x) for x in args.curve.split(",") if x.strip()]
    if points and args.national is None:
        ap.error("规模曲线需要全国合成库（--national）")

    start_uptime = uptime()
    print(start_uptime, file=sys.stderr)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    returns = args.returns or work / "returns"
    try:
        from indicators import load_catalog

        catalog = load_catalog()
        import etl.ingest  # noqa: F401  (loaded once before any in-process timing)
        import etl.validate  # noqa: F401

        t0 = time.perf_counter()
        paths = generate(catalog, max([args.files, *points]), returns, workers=args.workers)
        gen_s = time.perf_counter() - t0
        mean_ind, mean_mea = content(catalog, returns, args.files)
        print(f"月报 {len(paths)} 份（{gen_s:.1f} 秒），前 {args.files} 份平均 {mean_ind:.2f} 个指标、"
              f"{mean_mea:.2f} 项措施", file=sys.stderr, flush=True)
        files = paths[: args.files]
        sample = files[: max(1, min(args.naive_sample, len(files)))]
        pairs, _last = run_pairs(files, sample, work, catalog, args.pairs) if args.pairs else ([], None)
        modes = tuple(m.strip() for m in args.national_modes.split(",") if m.strip())
        runs = run_empty_vs_national(files, returns, work, catalog, args.national, args.rounds, modes)
        national_cli = [r for r in runs if r.label == "命令行进程，全国库"]
        reuse = {args.files: national_cli[-1]} if national_cli else {}
        curve = run_curve(paths, returns, work, args.national, points, reuse) if points else []
        if args.profile:
            db = work / "profile.duckdb"
            for label, sec in profile_ours(files, db, catalog):
                print(f"  {label}: {sec:.2f} 秒", file=sys.stderr)
            drop_db(db)
        info = national_summary(args.national) if args.national else "未提供（只测空库）"
        text = report(args, len(files), mean_ind, mean_mea, gen_s, pairs, len(sample), runs, curve, info, start_uptime)
        print(text)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        return 0
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
