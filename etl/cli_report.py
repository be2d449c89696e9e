"""``python -m etl report``: the monthly 营商环境专报 or the quarterly assessment report (.docx)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="生成营商环境专报（月度）或季度考核报告（Word 文档）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="从数据库汇总报送情况、红灯预警、区域对比、任务推进和联络员报送的工作信息，"
                    "生成可直接呈报的 Word 文档；--quarter 生成含考核得分与排名的季度版。",
        epilog=(
            "Example:\n"
            "  python -m etl report --period 2026-11 --out 专报_2026-11.docx\n"
            "  python -m etl report --period 2026-11 --region teda --out 经开区专报_2026-11.docx\n"
            "  python -m etl report --quarter 2026Q3 --out 季度考核报告_2026Q3.docx"
        ),
    )
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--period", help="月份 YYYY-MM，生成月度专报")
    when.add_argument("--quarter", help="季度，如 2026Q3，生成季度考核报告")
    p.add_argument("--region", help="只汇总该区域，如 teda（默认全市）")
    p.add_argument("--out", required=True, help="输出的 .docx 文件")
    p.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import store
    from accounts.access import SYSTEM_USER
    from dashboard import report

    if not store.db_path(args.db).exists():
        print(f"错误：数据库文件 {store.db_path(args.db)} 不存在，请先导入月报或运行 python -m etl demo。",
              file=sys.stderr)
        return 2
    try:
        store.migrate(args.db)  # a database from before this code's schema (no-op when current)
        edition = report.Edition.parse(args.period, args.quarter, args.region)
        # read-only: a writer's lock would shut the app out while the report is built
        data = report.collect(args.db, SYSTEM_USER, edition, report.q.now_local())
        body = report.word.to_bytes(report.render(data))
    except report.ReportError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    print(f"已生成{data.scope_name}{edition.label}{report.title_of(edition)}：{out}")
    for note in data.notes:
        print(f"说明：{note}")
    return 0
