"""``python -m etl assess``: a quarter's assessment per unit; lock or unlock the quarter."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "assess",
        help="季度考核：各单位得分、排名和构成；锁定或解锁季度",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Example:\n"
            "  python -m etl assess --quarter 2026Q3\n"
            "  python -m etl assess --quarter 2026Q3 --region teda --json\n"
            "  python -m etl assess --quarter 2026Q3 --lock --reason 经领导小组审定\n"
            "  python -m etl assess --quarter 2026Q3 --unlock --reason 更正投诉核实结果"
        ),
    )
    p.add_argument("--quarter", required=True, help="季度，如 2026Q3")
    p.add_argument("--region", help="只看该区域的单位（排名为区域内排名），如 teda")
    p.add_argument("--db", help="数据库文件（默认取环境变量 YINGSHANG_DB 或 data/yingshang.duckdb）")
    p.add_argument("--json", action="store_true", help="每个单位一行 JSON：unit/region/quarter/score/rank/components/bonus/deductions/locked")
    act = p.add_mutually_exclusive_group()
    act.add_argument("--lock", action="store_true", help="锁定该季度：保存当前得分，此后不再随数据变化（须 --reason）")
    act.add_argument("--unlock", action="store_true", help="解锁该季度（须 --reason）")
    p.add_argument("--reason", help="锁定或解锁的原因（记入审计日志）")
    p.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    import store
    from accounts.access import SYSTEM_USER
    from office import locks
    from rules import assess
    from rules.stats import ensure_catalog

    try:
        quarter = assess.Quarter.parse(args.quarter)
    except assess.AssessError as err:
        return _fail(str(err))
    ensure_catalog(args.db)
    if args.lock or args.unlock:
        if not (args.reason or "").strip():
            return _fail("锁定或解锁须用 --reason 写明原因。")
        try:
            if args.lock:
                lock_id = locks.lock(SYSTEM_USER, quarter.key, args.reason, args.db)
                print(f"已锁定{quarter.label}考核结果（锁定编号 {lock_id}）。")
            else:
                locks.unlock(SYSTEM_USER, quarter.key, args.reason, args.db)
                print(f"已解锁{quarter.label}考核结果。")
        except (locks.LockError, assess.AssessError) as err:
            return _fail(str(err))
        return 0
    try:
        with store.read(args.db) as con:
            scores = assess.assess(con, quarter, region=args.region)
            lock = assess.lock_info(con, quarter)
    except assess.AssessError as err:
        return _fail(str(err))
    if args.json:
        for s in scores:
            print(json.dumps(s.to_json(), ensure_ascii=False, default=str))
        return 0
    state = f"已锁定（{lock['locked_by']}，{lock['locked_at']}）" if lock else "未锁定（按当前数据计算）"
    print(f"{quarter.label}考核：{len(scores)} 个单位，{state}")
    for s in scores:
        parts = "，".join(f"{c.name} {c.points:g}/{c.max:g}" for c in s.components.values() if c.max) or "无适用考核项"
        rank = f"第 {s.rank} 名" if s.rank else "不排名（未纳入报送名单）"
        print(f"  {rank}  {s.unit_name}（{s.unit}）{s.score:g} 分：{parts}；加分 {s.bonus:g}，扣分 {s.deductions:g}")
    return 0
