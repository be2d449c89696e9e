"""``python -m etl template``: write the monthly return workbook for one unit or for all."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "template",
        help="生成月报填报模板（单个单位或全部单位）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="按指标目录生成各单位的月报 Excel 模板：指标、任务进展、工作信息三张填报表及填报说明。",
        epilog=(
            "Example:\n"
            "  python -m etl template --unit teda.zwfw --period 2026-11 --out 经开区政务服务办_2026-11.xlsx\n"
            "  python -m etl template --all --period 2026-11 --out 模板/2026-11\n"
            "  python -m etl template --all --region teda --period 2026-11 --out 模板/经开区\n"
            "\n--all 时每个单位一个文件，文件名形如 2026-11_经开区政务服务办_月报.xlsx。"
        ),
    )
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", help="单位编号，如 teda.zwfw")
    who.add_argument("--all", action="store_true",
                     help="为报送单位名单中的每个单位各生成一个文件（名单为空时：承担指标或措施的全部单位）")
    p.add_argument("--every-unit", action="store_true",
                   help="与 --all 连用：为目录中的每个单位生成，包括不报送月报的单位")
    p.add_argument("--region", help="与 --all 连用：只生成该地区的单位，如 teda")
    p.add_argument("--period", default=None, help="填报月份 YYYY-MM（默认本月）")
    p.add_argument("--out", required=True, help="输出文件（--unit）或输出目录（--all）")
    p.add_argument("--db", help="数据库文件，用于填入上期值（默认取 YINGSHANG_DB 或 data/yingshang.duckdb，不存在则留空）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import store
    from etl.progress import bar
    from etl.template import parse_period, template_filename, write_template
    from indicators import load_catalog

    try:
        period = parse_period(args.period) if args.period else date.today().replace(day=1)
    except ValueError:
        print(f"错误：月份“{args.period}”格式不对，应为 YYYY-MM，如 2026-11。", file=sys.stderr)
        return 2
    catalog = load_catalog()
    db = store.db_path(args.db)
    db = db if store.exists(db) else None

    if args.unit:
        if args.unit not in catalog.units:
            print(f"错误：指标目录中没有单位“{args.unit}”。可用 --all 生成全部单位的模板。", file=sys.stderr)
            return 2
        out = write_template(args.unit, period, args.out, catalog=catalog, db=db)
        print(f"已生成 {catalog.units[args.unit].name} {period:%Y-%m} 月报模板：{out}")
        return 0

    if args.region and args.region not in catalog.regions:
        print(f"错误：指标目录中没有地区“{args.region}”。", file=sys.stderr)
        return 2
    units = catalog.units_of_region(args.region) if args.region else list(catalog.units.values())
    if not args.every_unit:
        owing = reporting_units(catalog, period, db)
        units = [u for u in units if u.id in owing]
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    with bar(len(units), "生成模板") as progress:
        for unit in sorted(units, key=lambda u: (u.region, u.id)):
            name = template_filename(unit, catalog.regions[unit.region], period)
            if name in used:  # two units with the same display name: keep both apart by id
                name = name.replace("_月报.xlsx", f"_{unit.id}_月报.xlsx")
            used.add(name)
            write_template(unit.id, period, out_dir / name, catalog=catalog, db=db)
            progress.update()
    print(f"已为 {len(used)} 个单位生成 {period:%Y-%m} 月报模板，保存在 {out_dir}")
    return 0


def reporting_units(catalog, period: date, db) -> set[str]:
    """The units that owe this month's return: the roster of the database when it has one
    (``etl.roster``), else every unit with an indicator or a measure. Templates for the
    other units (423 files for 60 reporting units) only confused the liaisons."""
    owing = {u for u in catalog.units
             if catalog.indicators_for_unit(u, period) or catalog.measures_for_unit(u)}
    if db is not None:
        import store
        from rules.roster import listed

        with store.read(db) as con:
            roster = set(listed(con))
        if roster:
            owing &= roster
    return owing
