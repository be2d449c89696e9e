"""``python -m indicators``: wires the subcommands; each lives in its own module.

Each command module exposes ``register(subparsers)`` that adds its parser (with an
``Example:`` block in its epilog) and sets ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = [
    "indicators.cli_check",
    "indicators.cli_export",
    "indicators.cli_extract",
]


def build_parser() -> argparse.ArgumentParser:
    from indicators import cli_zh

    cli_zh.install()
    parser = argparse.ArgumentParser(
        prog="python -m indicators",
        description="指标目录：校验、导出、从方案文本中提取措施与指标。",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for name in COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:  # command not built yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
