"""``python -m indicators extract``: propose a plan's measures and targets from its text.

The output is one plan in the shape of ``export`` (id, title, region, measures, indicators)
plus what a person must look at before copying it into the catalog YAML: ``unparsed``
(numbered lines not taken as measures), ``warnings`` and ``parts`` (how the document was
split). With ``--region`` the unit names are also resolved to catalog unit ids when the
catalog and its resolver are available; extraction never depends on them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _unreadable() -> tuple[type[BaseException], ...]:
    """What reading a damaged .txt/.docx can raise (python-docx has its own OpcError)."""
    import zipfile

    from docx.opc.exceptions import OpcError

    return (OSError, ValueError, KeyError, zipfile.BadZipFile, OpcError)


EPILOG = """Example:
  python -m indicators extract ../shared/seeds/001_d2ec2f42df029708.txt --plan-id 001 --format json
  python -m indicators extract 方案.docx --plan-id 005 --region ninghe --format yaml"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="从方案文本（.txt / .docx）中提取措施、责任单位和目标值候选",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    p.add_argument("file", metavar="FILE", help="方案文件：.txt（UTF-8）或 .docx")
    p.add_argument("--plan-id", help="方案编号（默认取文件名，如 001_xxx.txt → 001）")
    p.add_argument(
        "--format", choices=["yaml", "json"], default="yaml", help="输出格式（默认 yaml）"
    )
    p.add_argument(
        "--region", help="所属地区编号（如 ninghe）；指定后尝试把单位名称解析为目录中的单位编号"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from indicators.extract import extract_file

    unreadable = _unreadable()

    path = Path(args.file)
    if not path.is_file():
        print(f"错误：找不到文件 {path}", file=sys.stderr)
        return 1
    if path.suffix.lower() not in (".txt", ".docx", ".text", ".md"):
        print(
            f"错误：不支持的文件类型 {path.suffix or '（无扩展名）'}，请提供 .txt 或 .docx",
            file=sys.stderr,
        )
        return 1
    try:
        plan = extract_file(path, plan_id=args.plan_id, region=args.region)
    except unreadable as err:
        print(
            f"错误：无法读取 {path}（{type(err).__name__}），文件可能已损坏或不是 Word 文档",
            file=sys.stderr,
        )
        return 1
    if args.region:
        add_unit_ids(plan, args.region)
    if args.format == "json":
        print(json.dumps(plan, ensure_ascii=False, indent=2))
    else:
        import yaml

        print(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False, width=120), end="")
    _print_summary(plan)
    return 0


def add_unit_ids(plan: dict, region: str) -> None:
    """Add ``lead_unit_ids``, ``responsible_unit_ids``, ``unit_groups`` and ``unresolved_units``
    to each measure when the catalog and its resolver load; else one warning, nothing else."""
    try:
        from indicators import load_catalog
        from indicators.catalog import CatalogError
        from indicators.resolve import resolve_units
    except ImportError as err:  # resolver not built: extraction still stands
        _warn_unresolved(plan, err)
        return
    try:
        catalog = load_catalog()
    except (CatalogError, OSError, ValueError) as err:
        _warn_unresolved(plan, err)
        return
    if region not in catalog.regions:
        plan["warnings"].append(
            {
                "code": "unknown_region",
                "line": 0,
                "text": region,
                "message": f"目录中没有地区 {region}",
            }
        )
        return
    for measure in plan["measures"]:
        unresolved: list[str] = []
        groups: list[str] = []
        for role in ("lead", "responsible"):
            names = measure[f"{role}_units"]
            res = resolve_units(catalog, "、".join(names), region) if names else None
            measure[f"{role}_unit_ids"] = list(res.units) if res else []
            unresolved += list(res.unresolved) if res else []
            groups += list(res.generic) if res else []
        measure["unit_groups"] = groups  # 各相关部门 …: a group the plan does not list
        measure["unresolved_units"] = unresolved


def _warn_unresolved(plan: dict, err: BaseException) -> None:
    plan["warnings"].append(
        {
            "code": "resolve_unavailable",
            "line": 0,
            "text": "",
            "message": f"未能加载指标目录，单位编号未解析（{type(err).__name__}）",
        }
    )


def _print_summary(plan: dict) -> None:
    """One line on stderr so a person piping the output still sees the counts."""
    kinds = [m["kind"] for m in plan["measures"]]
    with_units = sum(bool(m["lead_units"] or m["responsible_units"]) for m in plan["measures"])
    print(
        f"提取完成：措施 {kinds.count('measure')} 条，难点 {kinds.count('difficulty')} 条，"
        f"其中带责任单位 {with_units} 条；目标值候选 {len(plan['indicators'])} 个；"
        f"未归类编号 {len(plan['unparsed'])} 处，提示 {len(plan['warnings'])} 条。",
        file=sys.stderr,
    )
