"""What ``python -m indicators`` and ``python -m etl`` share: wiring subcommand modules, and
Chinese for argparse's own words (usage, headings, -h, error lines).

argparse looks its messages up through the module-level ``_`` (gettext) at call time, so
swapping it for a small table translates every parser without touching each command.
"""

from __future__ import annotations

import argparse
import importlib

_WORDS = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "one of the arguments %s is required": "参数 %s 必须给出其中之一",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
}


def install() -> None:
    """Make argparse speak Chinese for the rest of the process."""
    original = argparse._  # type: ignore[attr-defined]
    if getattr(original, "_yingshang_zh", False):
        return

    def translate(text: str) -> str:
        return _WORDS.get(text, original(text))

    translate._yingshang_zh = True  # type: ignore[attr-defined]
    argparse._ = translate  # type: ignore[attr-defined]


def build_parser(prog: str, description: str, commands: list[str]) -> argparse.ArgumentParser:
    """A parser with one subcommand per module in ``commands``; each module's ``register``
    adds its parser (with an ``Example:`` epilog) and sets ``func``."""
    install()
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for name in commands:
        importlib.import_module(name).register(sub)
    return parser
