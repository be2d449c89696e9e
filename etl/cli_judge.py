"""``python -m etl judge``: every verdict of a month, the dashboard's own judging code."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "judge",
        help="某月每个单位 × 指标的评判结果（达标/预警/未达标/未报/无目标/无参照），附参照值和依据",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Example:\n"
            "  python -m etl judge --period 2026-10 --json\n"
            "  python -m etl judge --period 2026-10 --unit ninghe.swu --json\n"
            "  python -m etl judge --period 2026-10 --region teda"
        ),
    )
    p.add_argument("--period", required=True, help="月份，格式 YYYY-MM，如 2026-10")
    p.add_argument("--unit", help="只看该单位，如 teda.zwfw")
    p.add_argument("--region", help="只看该区域，如 ninghe")
    p.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象")
    p.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB）")
    p.set_defaults(func=run)


_STATUS_TEXT = {"met": "达标", "amber": "预警", "missed": "未达标", "missing": "未报",
                "no_target": "无目标", "no_reference": "无参照"}


def run(args: argparse.Namespace) -> int:
    from datetime import date

    from rules import verdict
    from rules.stats import ensure_catalog

    try:
        y, m = (int(x) for x in args.period.split("-"))
        period = date(y, m, 1)
    except ValueError:
        print(f"错误：月份“{args.period}”格式不对，应为 YYYY-MM，如 2026-10。", file=sys.stderr)
        return 2
    ensure_catalog(args.db)
    rows = verdict.records(args.db, period, unit=args.unit, region=args.region)
    if args.json:
        for r in rows:
            print(json.dumps(r, ensure_ascii=False))
        return 0
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        ev = r["evidence"]
        where = f"{ev['sheet']}!{ev['cell']} 第{ev['version']}版" if ev else "—"
        print(f"{r['unit']}\t{r['code']}\t{_STATUS_TEXT[r['status']]}\t{r['value'] if r['value'] is not None else '—'}\t{where}")
    summary = "，".join(f"{_STATUS_TEXT[k]} {v}" for k, v in sorted(counts.items()))
    print(f"{args.period}：共 {len(rows)} 项" + (f"（{summary}）" if summary else ""))
    return 0
