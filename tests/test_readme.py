"""README keeps up with the code: every command, page and setting a user may need is documented."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands(main_module: str) -> dict[str, argparse.ArgumentParser]:
    import importlib

    parser = importlib.import_module(main_module).build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("tool", ["etl", "indicators"])
def test_every_cli_command_is_in_readme_with_an_example(tool: str) -> None:
    commands = _subcommands(f"{tool}.__main__")
    assert commands, f"python -m {tool} has no subcommands"
    for name, parser in commands.items():
        assert re.search(rf"python -m {tool} {name}\b", README), f"README 缺少 python -m {tool} {name}"
        assert "Example:" in (parser.epilog or ""), f"python -m {tool} {name} 的帮助缺少 Example:"


def test_every_page_is_in_readme() -> None:
    pages = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
    assert pages
    missing = [p for p in pages if f"pages/{p}" not in README]
    assert missing == []


def test_readme_gives_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    assert "./scripts/start.sh" in README and "./scripts/test.sh" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci


def test_readme_has_benchmark_figures() -> None:
    assert "bench/ingest.py" in README and "bench/pages.py" in README
    assert "BENCH_PLACEHOLDER" not in README
    assert re.search(r"\d+(\.\d+)?\s*倍", README), "README 中没有基准测试的比值"


def test_every_environment_variable_in_the_code_is_documented() -> None:
    used: set[str] = set()
    for path in [*ROOT.glob("etl/*.py"), *ROOT.glob("dashboard/*.py"), *ROOT.glob("indicators/*.py"), ROOT / "app.py"]:
        used |= set(re.findall(r"YINGSHANG_[A-Z_]+", path.read_text(encoding="utf-8")))
    documented = README + (ROOT / "docs" / "accounts.md").read_text(encoding="utf-8")
    assert sorted(v for v in used if v not in documented) == []
