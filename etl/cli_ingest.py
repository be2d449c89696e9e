"""``python -m etl ingest``: import monthly return workbooks into the database."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any, TextIO

EPILOG = """\
Example:
  python -m etl ingest 经开区政务服务办_2026-09.xlsx
  python -m etl ingest returns/*.xlsx --db data/yingshang.duckdb --json
  python -m etl ingest 月报.xlsx --as-unit teda.zwfw --uploader 张三
  python -m etl ingest --watch /srv/月报收件箱 --db data/yingshang.duckdb --interval 10

--watch：常驻导入，先导入目录中已有的月报，再导入之后放入的每个新 .xlsx 文件（文件大小稳定后才读取，
忽略 ~$ 开头的临时文件）；同一内容（SHA-256）只导入一次，被退回的文件不会反复重试；不移动、不改写目录中的文件。
每个文件输出一行 JSON（同 --json）；收到 Ctrl+C 或 SIGTERM 后停止并输出中文小结，退出码 0。

退出码：有文件被退回时为 1，否则为 0。"""

STATUS_NAMES = {"accepted": "已接收", "rejected": "已退回", "duplicate": "重复文件"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ingest",
        help="导入月报 Excel 文件（校验、归档、入库）",
        description="导入各单位报送的月报：逐单元格校验，存档原文件，通过校验的数据入库。",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="月报文件（.xlsx），可多个（用 --watch 时不填）")
    p.add_argument("--watch", metavar="DIR", help="常驻监视该目录，导入已有及新放入的月报（每个文件一行 JSON）")
    p.add_argument("--interval", metavar="S", type=float, default=5.0, help="--watch 检查新文件的间隔秒数（默认 5）")
    p.add_argument("--as-unit", metavar="UNIT_ID", help="只接收该单位的月报（文件中的单位须与之一致）")
    p.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB 或 data/yingshang.duckdb）")
    p.add_argument("--json", action="store_true", help="每个文件输出一行 JSON，便于程序处理")
    p.add_argument("--uploader", metavar="NAME", help="记录的报送人（默认 system）")
    p.add_argument("--reason", metavar="TEXT", help="更正原因（同一月份再次报送时；默认取“备注”列）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """The import (or the watch) with DuckDB's memory capped at ``IMPORT_MEMORY``."""
    import store

    with store.default_memory_limit(IMPORT_MEMORY):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from accounts.access import SYSTEM_USER, User
    from etl.ingest import ingest_files
    from etl.progress import Stages

    user = SYSTEM_USER if not args.uploader else User(args.uploader, "office", display_name=args.uploader)
    if args.watch:
        if args.files:
            print("错误：--watch 与月报文件不能同时指定", file=sys.stderr)
            return 2
        from etl import watch

        return watch.run(args, user)
    if not args.files:
        print("错误：请指定月报文件，或用 --watch 指定要监视的目录", file=sys.stderr)
        return 2
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        for f in missing:
            print(f"错误：找不到文件 {f}", file=sys.stderr)
        return 1
    from indicators.catalog import CatalogError

    totals: Counter[str] = Counter()
    try:
        # Slice by slice, each slice's outcomes printed and let go: memory stays that of one
        # slice whatever the number of files (20,000 returns: 895 MB held to the end before).
        for start in range(0, len(args.files), SLICE):
            results = ingest_files(args.files[start : start + SLICE], db=args.db, user=user,
                                   as_unit=args.as_unit, progress=Stages(sys.stderr), reason=args.reason)
            for r in results:
                if args.json:
                    print(json.dumps(r.to_json(), ensure_ascii=False))
                else:
                    print_result(r, sys.stdout)
            totals += count(results)
            del results
    except CatalogError as err:
        print(f"错误：指标目录有误，无法校验月报。\n{err}", file=sys.stderr)
        return 1
    if not args.json:
        print_totals(totals, sys.stdout)
    return 1 if totals["rejected"] else 0


SLICE = 5000  # files per ingest call (each call reads and writes chunk by chunk, etl.ingest.CHUNK)
# DuckDB's cap for an importer (unless YINGSHANG_DUCKDB_MEMORY sets one). The file stays open
# across chunks (store.Turns) and DuckDB keeps the table blocks each chunk read cached: ~65 MB a
# chunk of 250 into a national month of 15-20 k returns, more as the month fills. Capped, it
# evicts them instead: 5,000 returns after 15,000 peaked at 1,096 MiB uncapped and stayed at
# ~840 MiB with 400MB in the same time, so a whole national month stays within a known budget.
IMPORT_MEMORY = "1GB"


def count(results: list[Any]) -> Counter[str]:
    """Outcomes by status, plus ``warned``: accepted returns that carry a warning."""
    out = Counter(r.status for r in results)
    out["warned"] = sum(1 for r in results if r.status == "accepted" and r.warnings)
    out["files"] = len(results)
    return out


def print_result(r: Any, out: TextIO) -> None:
    """One file's outcome and findings, in Chinese."""
    head = f"{r.file}：{STATUS_NAMES[r.status]}"
    if r.unit and r.period:
        head += f"（{r.unit}，{r.period:%Y-%m}"
        head += f"，第 {r.version} 版）" if r.version else "）"
    if r.lateness and not r.lateness.on_time:
        head += f"　迟报 {r.lateness.days_late} 天（{r.lateness.workdays_late} 个工作日）"
    print(head, file=out)
    for f in r.findings:
        label = "错误" if f.is_error else "提醒"
        where = f.location or "文件"
        print(f"  [{label}] {where}　{f.message}", file=out)
        print(f"         处理办法：{f.hint}", file=out)


def print_totals(counts: Counter[str], out: TextIO) -> None:
    print(
        f"共 {counts['files']} 个文件：已接收 {counts['accepted']} 个（其中有提醒 {counts['warned']} 个），"
        f"已退回 {counts['rejected']} 个，重复文件 {counts['duplicate']} 个。",
        file=out,
    )


def print_report(results: list[Any], out: TextIO) -> None:
    """Each file's outcome and findings, then the totals, in Chinese."""
    for r in results:
        print_result(r, out)
    print_totals(count(results), out)
