"""``python -m etl roster``: the units the office expects a monthly return from."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "roster",
        help="报送单位名单：查看、加入、移出（名单为空时，凡承担指标或措施的单位均需报送）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Example:\n"
            "  python -m etl roster list\n"
            "  python -m etl roster add teda.zwfw teda.scjg\n"
            "  python -m etl roster add --region teda\n"
            "  python -m etl roster remove teda.scjg"
        ),
    )
    p.add_argument("action", choices=["list", "add", "remove"], help="list 查看；add 加入；remove 移出")
    p.add_argument("units", nargs="*", help="责任单位编号，如 teda.zwfw")
    p.add_argument("--region", help="加入或移出该区域承担指标或措施的全部单位")
    p.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import store
    from etl import roster
    from rules import roster as who_reports
    from accounts.access import SYSTEM_USER
    from rules.stats import ensure_catalog

    ensure_catalog(args.db)
    units = list(args.units)
    if args.region:
        with store.read(args.db) as con:
            units += who_reports.candidates_in_region(con, args.region)
    if args.action == "list":
        with store.read(args.db) as con:
            on_roster = who_reports.listed(con)
        expected = who_reports.expected_units(args.db)
        if on_roster:
            print(f"报送单位名单共 {len(on_roster)} 个单位（其中承担指标或措施、需按月报送的 {len(expected)} 个）：")
            print("\n".join(on_roster))
        else:
            print(f"报送单位名单为空：凡承担指标或措施的单位均需报送，共 {len(expected)} 个。")
        return 0
    if not units:
        print("错误：请给出单位编号或 --region。")
        return 2
    try:
        if args.action == "add":
            done = roster.add_units(SYSTEM_USER, units, args.db)
            print(f"已加入报送名单 {len(done)} 个单位。")
        else:
            done = roster.remove_units(SYSTEM_USER, units, args.db)
            print(f"已移出报送名单 {len(done)} 个单位。")
    except ValueError as err:
        print(f"错误：{err}")
        return 1
    return 0
