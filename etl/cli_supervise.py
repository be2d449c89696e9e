"""``python -m etl supervise``: list 督办 items and run the daily sweep (逾期, 建议提级).

``list --json`` prints one JSON object per line and item:
``{"number","units","level","status","opened","due","workdays_left","colour","source"}``
(``units``: unit ids, the lead unit first). ``sweep`` is idempotent, for a daily cron job.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from rules.format import is_missing

EPILOG = """Example:
  python -m etl supervise list
  python -m etl supervise list --status 逾期 --json
  python -m etl supervise list --unit teda.zwfw --db data/yingshang.duckdb --json
  python -m etl supervise sweep
  python -m etl supervise sweep --today 2026-11-03"""

DB_HELP = "数据库文件（默认取环境变量 YINGSHANG_DB 或 data/yingshang.duckdb）"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("supervise", help="督办事项：列出；每日巡查（标记逾期、记录建议提级）",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    p.add_argument("--db", help=DB_HELP)
    actions = p.add_subparsers(dest="supervise_command", metavar="操作")
    ls = actions.add_parser("list", help="列出督办事项", formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog="Example:\n  python -m etl supervise list --status 整改中 --json")
    ls.add_argument("--status", help="只列该状态：待签收 / 整改中 / 申请销号 / 已销号 / 退回整改 / 逾期 / 未销号")
    ls.add_argument("--unit", help="只列该单位牵头或配合的事项，如 teda.zwfw")
    ls.add_argument("--today", help="按该日计算剩余工作日和颜色 YYYY-MM-DD（默认今天，北京时间）")
    ls.add_argument("--json", action="store_true", help="每个事项输出一行 JSON")
    ls.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    ls.set_defaults(func=run_list)
    sw = actions.add_parser("sweep", help="每日巡查：超过时限的标记为逾期，记录建议提级（可重复执行）",
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog="Example:\n  python -m etl supervise sweep --today 2026-11-03")
    sw.add_argument("--today", help="巡查日期 YYYY-MM-DD（默认今天，北京时间）")
    sw.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    sw.set_defaults(func=run_sweep)


def _today(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SystemExit(_fail(f"日期“{text}”格式不对，应为 YYYY-MM-DD，如 2026-11-03。")) from None


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def _missing(value: object) -> bool:
    """None or NaN: a closed item has no working days left."""
    return is_missing(value)


def item_json(row: dict) -> dict:
    """The contract shape of one item (issue 15)."""
    left = row["workdays_left"]
    return {
        "number": row["number"],
        "units": [row["lead"], *row["cooperating"]],
        "level": row["level"],
        "status": row["status"],
        "opened": row["opened_on"].isoformat(),
        "due": row["due_on"].isoformat(),
        "workdays_left": None if _missing(left) else int(left),
        "colour": row["colour"],
        "source": row["source_name"],
    }


def run_list(args: argparse.Namespace) -> int:
    import store
    from accounts.access import SYSTEM_USER
    from office import supervision as sup
    from rules import supervise as sv

    if args.status and args.status not in (*sv.STATUSES, "未销号"):
        return _fail(f"状态“{args.status}”不存在，应为：{'、'.join((*sv.STATUSES, '未销号'))}。")
    today = _today(args.today)
    store.migrate(args.db)
    df = sup.list_items(args.db, SYSTEM_USER, status=args.status, unit=args.unit, today=today)
    rows = df.to_dict("records")
    if args.json:
        for row in rows:
            print(json.dumps(item_json(row), ensure_ascii=False))
        return 0
    if not rows:
        print("没有符合条件的督办事项。")
        return 0
    for row in rows:
        left = row["workdays_left"]
        when = "已销号" if _missing(left) else (f"剩 {int(left)} 个工作日" if left >= 0
                                                          else f"逾期 {-int(left)} 个工作日")
        print(f"{row['number']}  [{row['colour']}] {row['status']}  {row['level']}  {row['units_text']}  "
              f"截止 {row['due_on']:%Y-%m-%d}（{when}）  {row['source_name']}")
    print(f"共 {len(rows)} 件。")
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    import store
    from office import supervision as sup

    today = _today(args.today)
    store.migrate(args.db)
    print(sup.sweep(today=today, db=args.db).text())
    return 0
