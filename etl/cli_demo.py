"""``python -m etl demo``: build the demo database through the real template and import path."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="生成演示数据（真实模板填报后经导入流程入库）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "为若干地区、单位和月份生成填好的月报 Excel，并按收到时间逐批导入数据库："
            "多数按时报送，部分迟报、未报，少数文件有误被退回后更正重报，另有重复上传。"
            "演示数据在数据库中标记为演示数据。"
        ),
        epilog=(
            "Example:\n"
            "  python -m etl demo --db data/yingshang.duckdb\n"
            "  python -m etl demo --db /tmp/demo.duckdb --months 3 --regions 2 --units 3 --seed 7"
        ),
    )
    p.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB 或 data/yingshang.duckdb）")
    p.add_argument("--months", type=int, default=12, help="月份数，截至上个月（默认 12）")
    p.add_argument("--regions", type=int, default=8, help="地区数（默认 8）")
    p.add_argument("--units", type=int, default=10, help="每个地区至多选多少个承担指标或任务的单位（默认 10；各区只有 5 个左右）")
    p.add_argument("--seed", type=int, default=None, help="随机种子（默认固定值，结果可复现）")
    p.add_argument("--end", default=None, help="最后一个月 YYYY-MM（默认上个月）")
    p.add_argument("--keep-files", metavar="DIR", help="把生成的 Excel 文件保留在此目录（默认用后删除）")
    p.add_argument("--force", action="store_true", help="数据库已有演示数据时仍再导入一次")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import store
    from etl.demo import SEED, build_demo
    from etl.template import parse_period

    path = store.db_path(args.db)
    if store.exists(path) and not args.force:
        store.migrate(path)
        with store.read(path) as con:
            real, demo = con.execute(
                "select count(*) filter (where not is_demo), count(*) filter (where is_demo) from receipt"
            ).fetchone()
        if real:
            print(f"数据库 {path} 已有 {real} 份真实报送记录，不写入演示数据。"
                  "请用 --db 指定另一个数据库文件。", file=sys.stderr)
            return 1
        if demo:
            print(f"数据库 {path} 已有演示数据（{demo} 份报送记录），跳过。如需重建，请删除该文件后重试。")
            return 0

    from etl.progress import counter, enabled

    progress = counter(0, "生成并导入演示月报")
    print("正在生成演示数据库（约 1 分钟）……", file=sys.stderr)

    try:
        end = parse_period(args.end) if args.end else None
    except ValueError:
        print(f"错误：月份“{args.end}”格式不对，应为 YYYY-MM。", file=sys.stderr)
        return 2
    summary = build_demo(
        path, regions=args.regions, units=args.units, months=args.months,
        seed=SEED if args.seed is None else args.seed, end_period=end,
        workdir=args.keep_files, progress=progress if enabled() else None,
    )
    print(summary.text())
    return 0
