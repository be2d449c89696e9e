"""``python -m etl users``: administer accounts (the first office account is created here).

The command line acts as the office (``SYSTEM_USER``); every change is audited with actor
``system``. Passwords are read from stdin or an interactive prompt, never from arguments
(arguments end up in shell history and process lists).
"""

from __future__ import annotations

import argparse
import sys

EPILOG = """Example:
  python -m etl users add --username bgs01 --role office --name 张三
  echo 'Teda-2026x' | python -m etl users add --username teda.zwfw --role liaison --unit teda.zwfw --name 李四 --password-stdin
  python -m etl users list
  python -m etl users disable --username teda.zwfw
  python -m etl users reset-password --username bgs01
  python -m etl users grant --username teda.zwfw --region teda
  python -m etl users revoke --username teda.zwfw --region teda"""

DB_HELP = "数据库文件（默认取环境变量 YINGSHANG_DB 或 data/yingshang.duckdb）"


def _action(actions: argparse._SubParsersAction, name: str, help_: str, example: str) -> argparse.ArgumentParser:
    """One ``users`` action; ``--db`` is accepted after the action too (``users list --db X``)."""
    a = actions.add_parser(name, help=help_, formatter_class=argparse.RawDescriptionHelpFormatter,
                           epilog=f"Example:\n  {example}")
    # SUPPRESS: when not given here, the value given before the action (or None) stays
    a.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    return a


def _scope_args(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--region", help="区域编号：可查看该区域全部单位的明细，如 teda")
    which.add_argument("--unit", help="单位编号：可查看该单位的明细，如 teda.sw")
    which.add_argument("--all", action="store_true", help="可查看全部单位的明细")


def _scope(args: argparse.Namespace) -> tuple[str, str | None]:
    if args.all:
        return "all", None
    if args.region:
        return "region", args.region
    return "unit", args.unit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "users",
        help="账号管理：新增、列出、停用账号，重置密码",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    p.add_argument("--db", help=DB_HELP)
    actions = p.add_subparsers(dest="users_command", metavar="操作")

    add = _action(actions, "add", "新增账号", "python -m etl users add --username bgs01 --role office --name 张三")
    add.add_argument("--username", required=True, help="用户名（字母、数字或 . _ -）")
    add.add_argument("--role", required=True, choices=["office", "liaison", "leader"],
                     help="角色：office 办公室 / liaison 联络员 / leader 领导")
    add.add_argument("--unit", help="联络员所属单位编号，如 teda.zwfw")
    add.add_argument("--name", help="姓名（显示名）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    add.set_defaults(func=run_add)

    ls = _action(actions, "list", "列出全部账号（含额外查看权限）", "python -m etl users list")
    ls.set_defaults(func=run_list)

    dis = _action(actions, "disable", "停用账号", "python -m etl users disable --username teda.zwfw")
    dis.add_argument("--username", required=True)
    dis.set_defaults(func=run_disable)

    reset = _action(actions, "reset-password", "重置密码（同时解除登录等待）",
                    "python -m etl users reset-password --username bgs01")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码（一行）")
    reset.set_defaults(func=run_reset)

    grant = _action(actions, "grant", "为联络员开通查看其他单位明细的权限（只读）",
                    "python -m etl users grant --username teda.zwfw --region teda")
    grant.add_argument("--username", required=True)
    _scope_args(grant)
    grant.set_defaults(func=run_grant)

    revoke = _action(actions, "revoke", "收回联络员的查看权限",
                     "python -m etl users revoke --username teda.zwfw --region teda")
    revoke.add_argument("--username", required=True)
    _scope_args(revoke)
    revoke.set_defaults(func=run_revoke)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


NO_TERMINAL = (
    "没有可交互输入密码的终端（如在脚本、定时任务或管道中运行）。"
    "请加 --password-stdin 从标准输入传入密码，例如：\n"
    "  printf '%s\\n' \"$PASSWORD\" | python -m etl users add --username bgs01 --role office --password-stdin"
)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise _Abort("标准输入中没有读到密码（--password-stdin 需要一行密码）。")
        return line.rstrip("\r\n")
    if not (sys.stdin and sys.stdin.isatty()):  # getpass would fall back to stdin and end in EOFError
        raise _Abort(NO_TERMINAL)
    import getpass

    first = getpass.getpass("请输入密码：")
    second = getpass.getpass("请再次输入密码：")
    if first != second:
        raise _Abort("两次输入的密码不一致。")
    return first


class _Abort(Exception):
    pass


def _run(action) -> int:
    from accounts.access import AccessDenied
    from accounts.users import UserError

    try:
        action()
    except (UserError, AccessDenied, _Abort) as err:
        print(f"错误：{err}", file=sys.stderr)
        return 1
    return 0


def _prepare(args: argparse.Namespace) -> None:
    import store

    store.migrate(args.db)


def run_add(args: argparse.Namespace) -> int:
    from accounts import users
    from accounts.access import ROLE_NAMES, SYSTEM_USER

    _prepare(args)

    def action() -> None:
        password = _read_password(args.password_stdin)
        acc = users.add_user(
            SYSTEM_USER, args.username, args.role, password, unit=args.unit, display_name=args.name, db=args.db
        )
        where = f"，单位 {acc.unit}" if acc.unit else ""
        print(f"已新增{ROLE_NAMES[acc.role]}账号 {acc.username}（{acc.display_name}{where}）。")

    return _run(action)


def run_list(args: argparse.Namespace) -> int:
    from accounts import users
    from accounts.access import SYSTEM_USER

    _prepare(args)

    def action() -> None:
        table = users.users_table(SYSTEM_USER, db=args.db)
        if table.empty:
            print("尚无账号。请先新增办公室账号：python -m etl users add --username <用户名> --role office")
            return
        print(table.to_string(index=False))
        print(f"共 {len(table)} 个账号。")

    return _run(action)


def run_disable(args: argparse.Namespace) -> int:
    from accounts import users
    from accounts.access import SYSTEM_USER

    _prepare(args)

    def action() -> None:
        users.disable_user(SYSTEM_USER, args.username, db=args.db)
        print(f"已停用账号 {args.username}。")

    return _run(action)


def run_reset(args: argparse.Namespace) -> int:
    from accounts import users
    from accounts.access import SYSTEM_USER

    _prepare(args)

    def action() -> None:
        password = _read_password(args.password_stdin)
        users.reset_password(SYSTEM_USER, args.username, password, db=args.db)
        print(f"已重置账号 {args.username} 的密码，并解除登录等待。")

    return _run(action)


def run_grant(args: argparse.Namespace) -> int:
    return _change_grant(args, revoke=False)


def run_revoke(args: argparse.Namespace) -> int:
    return _change_grant(args, revoke=True)


def _change_grant(args: argparse.Namespace, revoke: bool) -> int:
    from accounts import users
    from accounts.access import SYSTEM_USER, grant_scope

    _prepare(args)

    def action() -> None:
        kind, target = _scope(args)
        change = users.revoke_read if revoke else users.grant_read
        grants = change(SYSTEM_USER, args.username, kind, target, db=args.db)
        names = users.catalog_names(args.db)
        label = users.grant_label(grant_scope(kind, target), *names)
        print(f"已收回账号 {args.username} 的查看权限：{label}。" if revoke
              else f"已为账号 {args.username} 开通查看权限：{label}。")
        left = "、".join(users.grant_label(g, *names) for g in sorted(grants)) or "无（仅本单位）"
        print(f"现有查看权限：{left}")

    return _run(action)
