"""``python -m indicators export``: print the whole catalog as JSON or YAML for other tools."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="导出完整指标目录（JSON 或 YAML）",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example:\n  python -m indicators export --format json > catalog.json",
    )
    p.add_argument(
        "--format", choices=["json", "yaml"], default="json", help="输出格式（默认 json）"
    )
    p.add_argument("--path", help="目录文件夹（默认 indicators/data）")
    p.set_defaults(func=run)


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def export_catalog(catalog) -> dict[str, Any]:  # catalog: indicators.Catalog
    """Plain data: top-level regions, units, plans (with measures), indicators. Keys are a contract."""
    plans = []
    for p in catalog.plans.values():
        plans.append(
            {
                "id": p.id,
                "title": p.title,
                "issuer": p.issuer,
                "region": p.region,
                "issued": _day(p.issued),
                "period_start": _day(p.period_start),
                "period_end": _day(p.period_end),
                "measures": [
                    {
                        "key": m.key,
                        "number": m.number,
                        "seq": m.seq,
                        "kind": m.kind,
                        "section": m.section,
                        "title": m.title,
                        "lead_units": list(m.lead_units),
                        "responsible_units": list(m.responsible_units),
                        "other_units": list(m.other_units),
                    }
                    for m in catalog.measures_of_plan(p.id)
                ],
            }
        )
    indicators = []
    for i in catalog.indicators.values():
        indicators.append(
            {
                "code": i.code,
                "name": i.name,
                "unit": i.unit,
                "comparator": i.comparator,
                "target": i.target,
                "baseline": i.baseline,
                "baseline_year": i.baseline_year,
                "direction": i.direction,
                "frequency": i.frequency,
                "rollup": i.rollup,
                "amber": i.amber,
                "plan": i.plan,
                "measure": i.measure,
                "owners": list(i.owners),
                "common": i.common,
                "effective_from": _day(i.effective_from),
                "effective_to": _day(i.effective_to),
                "targets": [t.model_dump(mode="json") for t in i.targets],
                "description": i.description,
            }
        )
    return {
        "version": catalog.version,
        "regions": [r.model_dump(mode="json") for r in catalog.regions.values()],
        "depts": [d.model_dump(mode="json") for d in catalog.depts.values()],
        "units": [u.model_dump(mode="json") for u in catalog.units.values()],
        "plans": plans,
        "indicators": indicators,
    }


def run(args: argparse.Namespace) -> int:
    from indicators.catalog import CatalogError, load_catalog

    try:
        catalog = load_catalog(args.path)
    except CatalogError as err:
        print(str(err), file=sys.stderr)
        print("请先运行 python -m indicators check 查看并修正问题。", file=sys.stderr)
        return 1
    data = export_catalog(catalog)
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        import yaml

        print(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), end="")
    return 0
