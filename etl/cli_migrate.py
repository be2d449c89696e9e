"""``python -m etl migrate``: create or upgrade the database schema."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "migrate",
        help="创建或升级数据库结构（可重复执行）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  python -m etl migrate --db data/yingshang.duckdb\n"
               "  python -m etl migrate --db data/yingshang.duckdb --to postgresql://ys:密码@127.0.0.1:5432/yingshang",
    )
    p.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB 或 data/yingshang.duckdb）")
    p.add_argument("--to", metavar="DSN",
                   help="把 --db 的 DuckDB 数据库（含归档文件）完整复制到这个空的 PostgreSQL 数据库，"
                        "并逐表核对行数与校验和")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import store

    if args.to:
        return _copy(args)
    applied = store.migrate(args.db)
    if applied:
        print("已应用迁移：" + "、".join(applied))
    else:
        print(f"数据库结构已是最新（版本 {store.schema_version(args.db)}）。")
    return 0


TABLE_NAMES = {
    "archived_file": "归档文件", "receipt": "接收记录", "submission": "报送", "finding": "校验问题",
    "observation": "指标值", "task_progress": "任务进展", "work_info": "工作信息", "app_user": "账号",
    "audit_log": "审计日志", "login_session": "登录会话", "meta": "元数据",
}


def _copy(args: argparse.Namespace) -> int:
    import store
    from store.transfer import copy_database

    source = args.db or str(store.db_path())
    if store.is_postgres(source):
        print("错误：--to 的来源须是 DuckDB 数据库文件，请用 --db 指定。", file=sys.stderr)
        return 2
    report = copy_database(source, args.to)
    print(f"已把 {report.source} 复制到 PostgreSQL {report.target}：")
    for t in report.tables:
        mark = "一致" if t.ok else "不一致"
        label = TABLE_NAMES.get(t.table, t.table)
        print(f"  {label}（{t.table}）：源 {t.source_rows} 行，目标 {t.target_rows} 行，校验和{mark}")
    print(f"  归档文件内容：{report.archived} 个，哈希不符 {report.archive_mismatch} 个")
    if not report.ok:
        print("错误：核对未通过，请勿切换到该 PostgreSQL 数据库，并把以上信息交给系统管理员。", file=sys.stderr)
        return 1
    print("核对通过：行数与校验和全部一致。把 YINGSHANG_DB 设为该连接串即可使用。")
    return 0
