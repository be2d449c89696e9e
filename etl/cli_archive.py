"""``python -m etl archive check [--repair]``: the archive folder against the database."""

from __future__ import annotations

import argparse

EPILOG = """\
Example:
  python -m etl archive check              # 列出无数据库记录的存档文件、无存档文件的记录，清理临时文件
  python -m etl archive check --repair     # 另删除 1 小时前留下的无记录存档文件（记入审计日志）

退出码：检查后仍有问题（无记录的文件未删除、记录缺少文件）时为 1，否则为 0。"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "archive",
        help="存档检查：存档文件与数据库记录是否一致",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    actions = p.add_subparsers(dest="archive_command", metavar="操作")
    c = actions.add_parser("check", help="检查存档（可选 --repair 清理）",
                           formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    c.add_argument("--repair", action="store_true", help="删除 1 小时前留下的、无数据库记录的存档文件（记入审计日志）")
    c.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB 或 data/yingshang.duckdb）")
    c.set_defaults(func=run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)} 分钟前"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} 小时前"
    return f"{int(seconds // 86400)} 天前"


def run(args: argparse.Namespace) -> int:
    import store
    from etl import archive_check

    store.migrate(args.db)
    report = archive_check.repair(args.db) if args.repair else archive_check.check(args.db)
    base = store.db_path(args.db).parent
    removed = {o.sha256 for o in report.orphans_removed}
    print(f"存档目录：{base / 'archive'}")
    print(f"无数据库记录的存档文件：{len(report.orphans)} 个")
    for o in report.orphans:
        state = "已删除" if o.sha256 in removed else ("保留（不足 1 小时，可能正在导入）" if args.repair else "")
        print(f"  {o.path.relative_to(base)}　写入于 {_age(o.age_seconds)}　{state}".rstrip())
    print(f"有记录但缺少存档文件：{len(report.missing)} 个")
    for sha, stored in report.missing:
        print(f"  {stored}（SHA-256 {sha[:12]}…）")
    print(f"已清理临时文件：{len(report.temps_removed)} 个")
    if report.orphans and not args.repair:
        print("处理办法：确认没有正在进行的导入后，运行 python -m etl archive check --repair 删除 1 小时前留下的无记录文件。")
    if report.missing:
        print("处理办法：缺少的存档文件无法自动恢复，请从备份中找回同名文件放回上述位置，或请报送单位重新上传。")
    return 0 if report.clean else 1
