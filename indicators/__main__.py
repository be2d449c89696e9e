"""``python -m indicators``: wires the subcommands; each lives in its own module.

Each command module exposes ``register(subparsers)`` that adds its parser (with an
``Example:`` block in its epilog) and sets ``func``.
"""

from __future__ import annotations

import argparse
import sys

COMMANDS = [
    "indicators.cli_check",
    "indicators.cli_export",
    "indicators.cli_extract",
]


def build_parser() -> argparse.ArgumentParser:
    from indicators import cli

    return cli.build_parser("python -m indicators", "指标目录：校验、导出、从方案文本中提取措施与指标。", COMMANDS)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
