"""``python -m indicators check``: validate the catalog and print every problem with its place."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="校验指标目录（YAML）：结构、引用、编号唯一性",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  python -m indicators check\n  python -m indicators check --path /tmp/my-catalog",
    )
    p.add_argument("--path", help="要校验的目录文件夹（默认 indicators/data）")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from indicators.catalog import check_catalog

    catalog, issues = check_catalog(args.path)
    if catalog is None:
        print(f"目录校验未通过：共 {len(issues)} 个问题")
        for issue in issues:
            print(f"  {issue}")
        return 1
    measures = [m for m in catalog.measures if m.kind == "measure"]
    difficulties = [m for m in catalog.measures if m.kind == "difficulty"]
    common = catalog.common_indicators()
    print(f"目录校验通过（版本 {catalog.version}）")
    print(
        f"  地区 {len(catalog.regions)} 个（其中区 {len(catalog.districts())} 个、功能区 {len(catalog.zones())} 个）"
    )
    print(f"  责任单位 {len(catalog.units)} 个，部门代码 {len(catalog.depts)} 个")
    print(f"  方案 {len(catalog.plans)} 个，措施 {len(measures)} 条，难点 {len(difficulties)} 条")
    print(f"  指标 {len(catalog.indicators)} 个（通用指标 {len(common)} 个）")
    if catalog.assessment:
        versions = "、".join(rs.version for rs in catalog.assessment.rule_sets)
        print(f"  考核规则 {len(catalog.assessment.rule_sets)} 套（版本 {versions}）")
    for plan in catalog.plans.values():
        ms = catalog.measures_of_plan(plan.id)
        n_diff = sum(1 for m in ms if m.kind == "difficulty")
        n_units = sum(1 for m in ms if m.units)
        n_ind = sum(1 for i in catalog.indicators.values() if i.plan == plan.id)
        extra = f"、难点 {n_diff} 条" if n_diff else ""
        print(
            f"  · {plan.id} {plan.title}：措施 {len(ms) - n_diff} 条{extra}（{n_units} 条列明责任单位），指标 {n_ind} 个"
        )
    return 0
