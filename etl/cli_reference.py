"""``python -m etl reference``: the office's city averages and baseline values, with sources."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reference",
        help="办公室录入参照值：赶超全市平均目标的全市平均、增长类目标的基期值（须写来源，记入审计日志）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Example:\n"
            "  python -m etl reference add --kind city_avg --code ninghe.water_online_rate --value 90.5 \\\n"
            "      --from 2025-01 --to 2025-12 --source \"天津市营商环境评价报告（2025）\"\n"
            "  python -m etl reference add --kind baseline --code ninghe.talent_growth --value 1200 \\\n"
            "      --source \"宁河区人社局2024年人才引进统计\"\n"
            "  python -m etl reference list"
        ),
    )
    p.add_argument("action", choices=["add", "list"], help="add 录入；list 查看")
    p.add_argument("--kind", choices=["city_avg", "baseline"], help="city_avg 全市平均；baseline 基期值")
    p.add_argument("--code", help="指标代码")
    p.add_argument("--unit", help="只适用于该单位（基期值；默认适用于全部报送单位）")
    p.add_argument("--value", type=float, help="数值（百分比填百分点，如 90.5）")
    p.add_argument("--from", dest="period_from", help="起始月份 YYYY-MM（全市平均必填）")
    p.add_argument("--to", dest="period_to", help="截止月份 YYYY-MM（全市平均必填）")
    p.add_argument("--source", help="来源（必填），如评价报告名称、统计口径")
    p.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB）")
    p.set_defaults(func=run)


def _month(text: str | None):
    from datetime import date

    if not text:
        return None
    y, m = (int(x) for x in text.split("-"))
    return date(y, m, 1)


def run(args: argparse.Namespace) -> int:
    from accounts.access import SYSTEM_USER
    from office import references
    from rules.stats import ensure_catalog

    ensure_catalog(args.db)
    if args.action == "list":
        for r in references.listed(args.db, args.code):
            span = f"{r.period_from:%Y-%m}～{r.period_to:%Y-%m}" if r.period_from else "各期"
            print(f"{r.id}\t{references.KINDS[r.kind]}\t{r.code}\t{r.unit or '全部单位'}\t{span}\t{r.value:g}"
                  f"\t{r.source}\t{r.entered_by}\t{r.entered_at:%Y-%m-%d %H:%M}")
        return 0
    if not (args.kind and args.code and args.value is not None):
        print("错误：录入须写 --kind、--code、--value 和 --source。", file=sys.stderr)
        return 2
    try:
        rid = references.add(SYSTEM_USER, kind=args.kind, code=args.code, value=args.value,
                             source=args.source or "", unit=args.unit, period_from=_month(args.period_from),
                             period_to=_month(args.period_to), db=args.db)
    except ValueError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 1
    print(f"已录入参照值（编号 {rid}）。")
    return 0
