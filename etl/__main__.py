"""``python -m etl``: wires the subcommands; each lives in its own module.

Each command module exposes ``register(subparsers)`` that adds its parser (with an
``Example:`` block in its epilog) and sets ``func``; heavy imports stay inside ``run``.
"""

from __future__ import annotations

import argparse
import sys

# order = order in --help
COMMANDS = [
    "etl.cli_migrate",
    "etl.cli_calendar",
    "etl.cli_template",
    "etl.cli_ingest",
    "etl.cli_demo",
    "etl.cli_users",
    "etl.cli_roster",
    "etl.cli_assess",
    "etl.cli_archive",
    "etl.cli_supervise",
    "etl.cli_judge",
    "etl.cli_reference",
    "etl.cli_report",
]


def build_parser() -> argparse.ArgumentParser:
    from indicators import cli

    return cli.build_parser("python -m etl", "营商环境月报：模板生成、导入校验、演示数据、账号管理。", COMMANDS)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    import duckdb

    from store import StoreError

    try:
        return int(args.func(args) or 0)
    except StoreError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 1
    except duckdb.Error as err:
        if not isinstance(err, duckdb.OutOfMemoryException) and "could not allocate" not in str(err):
            raise
        print("错误：数据库内存不足，本次操作没有完成，数据库中不会留下写了一半的内容。"
              "请调大环境变量 YINGSHANG_DUCKDB_MEMORY（如 4GB）或去掉该设置、减少 YINGSHANG_IMPORT_CHUNK 后重试。",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
