"""``python -m etl calendar``: check, seed or show the working-day calendar files."""

from __future__ import annotations

import argparse
from datetime import date


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calendar",
        help="工作日历：校验、由 chinese-calendar 生成、查看某年工作日",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Example:\n"
            "  python -m etl calendar check\n"
            "  python -m etl calendar show 2026\n"
            "  python -m etl calendar seed 2026"
        ),
    )
    p.add_argument("action", choices=["check", "show", "seed"], help="check 校验；show 查看；seed 生成")
    p.add_argument("years", nargs="*", type=int, help="年份（show / seed 需要）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rules import workdays

    if args.action == "seed":
        for year in args.years:
            print(f"已生成 {workdays.seed_year_file(year)}")
        return 0
    cal = workdays.Calendar()
    if args.action == "check":
        files = sorted(cal.directory.glob("*.yaml"))
        try:
            for path in files:
                workdays.parse_year_file(path)
        except workdays.CalendarError as err:
            print(f"错误：{err}")
            return 1
        print(f"工作日历校验通过：{len(files)} 个年度文件（{', '.join(p.stem for p in files)}）。")
        return 0
    for year in args.years or [date.today().year]:
        yc = cal.year(year)
        kind = "正式安排" if yc.official else "暂定（尚无官方安排，仅按法定节假日推算，未含调休）"
        print(f"{year} 年：工作日 {yc.count()} 天，{kind}；来源：{yc.source}")
        for d, name in sorted(yc.workdays.items()):
            print(f"  调休上班 {d.isoformat()} {name}")
    return 0
