"""``python -m etl migrate``: create or upgrade the database schema."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "migrate",
        help="创建或升级数据库结构（可重复执行）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  python -m etl migrate --db data/yingshang.duckdb",
    )
    p.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB 或 data/yingshang.duckdb）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import store

    applied = store.migrate(args.db)
    if applied:
        print("已应用迁移：" + "、".join(applied))
    else:
        print(f"数据库结构已是最新（版本 {store.schema_version(args.db)}）。")
    return 0
