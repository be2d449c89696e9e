"""Small catalogs and return workbooks for the import tests.

``tiny_catalog()`` builds catalog objects with the API of ``indicators.load_catalog()`` from
the real pydantic models, so the import tests do not depend on the full YAML catalog.
``write_return()`` writes a workbook following the template contract (docs/architecture.md,
"Return workbook") with a minimal openpyxl writer of its own; keyword arguments spoil it in
the ways the tests need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from indicators.models import Indicator, Measure, Plan, Region, Unit

UNIT = "teda.zwfw"
OTHER_UNIT = "teda.sw"
PERIOD = "2026-09"
TEMPLATE_VERSION = "2026.11"
CATALOG_VERSION = "tiny0001"

# A filled return that passes every check: indicator code -> (本月值, 备注)
GOOD_VALUES: dict[str, tuple[Any, Any]] = {
    "T01": (96, None),  # % (>= 95)
    "T02": (12, None),  # 工作日 (<= 15)
    "T03": (120, None),  # 家 (>= 100)
    "T04": (2.5, None),  # 小时 (<= 3)
}
GOOD_TASKS: dict[str, tuple[Any, Any, Any]] = {
    "001:m1": ("推进中", 60, "完成系统改造"),
    "001:m2": ("已完成", 100, "已上线"),
}
GOOD_WORK: dict[str, Any] = {
    "visits": 12,
    "issues_collected": 8,
    "issues_solved": 6,
    "innovation": "推出“一件事”集成办",
    "publicity": "无",
    "activities": "政企座谈 2 场",
    "practices": "无",
}
WORK_LABELS = {
    "visits": "走访企业数",
    "issues_collected": "收集问题数",
    "issues_solved": "解决问题数",
    "innovation": "改革创新情况",
    "publicity": "学习宣传情况",
    "activities": "活动开展情况",
    "practices": "国内外先进做法/典型案例线索",
}


@dataclass
class TinyCatalog:
    """The subset of ``indicators.catalog.Catalog`` the import pipeline uses."""

    version: str
    regions: dict[str, Region]
    units: dict[str, Unit]
    plans: dict[str, Plan]
    measures: list[Measure]
    indicators: dict[str, Indicator] = field(default_factory=dict)

    def indicators_for_unit(self, unit_id: str, period: date) -> list[Indicator]:
        return [
            i for i in self.indicators.values() if unit_id in i.owners and i.target_on(period) is not None
        ]

    def measures_for_unit(self, unit_id: str) -> list[Measure]:
        return [m for m in self.measures if unit_id in m.units]

    def units_of_region(self, region_id: str) -> list[Unit]:
        return [u for u in self.units.values() if u.region == region_id]


def tiny_catalog() -> TinyCatalog:
    regions = {
        "binhai": Region(id="binhai", name="滨海新区", kind="district"),
        "teda": Region(id="teda", name="天津经济技术开发区", kind="zone", parent="binhai", short_name="经开区"),
    }
    units = {
        UNIT: Unit(id=UNIT, region="teda", name="经开区政务服务办", dept="zwfw"),
        OTHER_UNIT: Unit(id=OTHER_UNIT, region="teda", name="经开区商务局", dept="sw"),
        "teda.rs": Unit(id="teda.rs", region="teda", name="经开区人社局", dept="rs"),
    }
    plans = {"001": Plan(id="001", title="测试方案", issuer="测试", region="teda")}
    measures = [
        Measure(plan="001", number="1.", seq=1, title="网上办", lead_units=(UNIT,)),
        Measure(plan="001", number="2.", seq=2, title="集成办", lead_units=(OTHER_UNIT,), responsible_units=(UNIT,)),
    ]

    def ind(code: str, name: str, uom: str, comparator: str, target: float, direction: str, owners: tuple) -> Indicator:
        return Indicator(code=code, name=name, unit=uom, comparator=comparator, target=target,
                         direction=direction, plan="001", measure="1.", owners=owners)

    indicators = {
        "T01": ind("T01", "网上办理率", "%", ">=", 95, "higher_better", (UNIT,)),
        "T02": ind("T02", "审批时限", "工作日", "<=", 15, "lower_better", (UNIT,)),
        "T03": ind("T03", "新增市场主体", "家", ">=", 100, "higher_better", (UNIT, OTHER_UNIT)),
        "T04": ind("T04", "现场等候时长", "小时", "<=", 3, "lower_better", (UNIT,)),
        "T05": ind("T05", "外资到位额", "亿元", ">=", 1, "higher_better", (OTHER_UNIT,)),
    }
    return TinyCatalog(CATALOG_VERSION, regions, units, plans, measures, indicators)


def write_return(
    path: Path,
    *,
    unit: str = UNIT,
    period: str = PERIOD,
    values: dict[str, tuple[Any, Any]] | None = None,
    tasks: dict[str, tuple[Any, Any, Any]] | list[tuple[str, tuple[Any, Any, Any]]] | None = None,
    work: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
    drop_meta_keys: tuple[str, ...] = (),
    drop_sheets: tuple[str, ...] = (),
    percent_cells: tuple[str, ...] = (),
    extra_indicator_rows: list[tuple[str, Any, Any]] = (),
) -> Path:
    """Write a return workbook; by default a valid one for ``UNIT`` and ``PERIOD``.

    ``values`` replaces the whole 指标 table (code -> (本月值, 备注)); ``percent_cells`` are
    指标 codes whose 本月值 cell gets a ``0%`` number format.
    """
    values = dict(GOOD_VALUES if values is None else values)
    tasks = list((GOOD_TASKS if tasks is None else tasks).items() if not isinstance(tasks, list) else tasks)
    work = dict(GOOD_WORK if work is None else work)
    wb = Workbook()
    wb.active.title = "填报说明"
    wb.active["A1"] = "月报填报说明"

    ind = wb.create_sheet("指标")
    ind["A1"] = f"{period} 指标完成情况"
    ind["A2"] = "只填本月值和备注"
    for col, head in enumerate(["指标代码", "指标名称", "计量单位", "目标", "本月值", "备注", "上期值（参考）"], 1):
        ind.cell(3, col, head)
    rows = [(code, v, n) for code, (v, n) in values.items()] + list(extra_indicator_rows)
    for r, (code, value, note) in enumerate(rows, start=4):
        ind.cell(r, 1, code)
        ind.cell(r, 2, f"指标{code}")
        ind.cell(r, 5, value)
        ind.cell(r, 6, note)
        if code in percent_cells:
            ind.cell(r, 5).number_format = "0%"

    task = wb.create_sheet("任务进展")
    for col, head in enumerate(["措施键", "所属方案", "措施编号", "措施名称", "进展状态", "完成百分比",
                                "本月进展", "存在问题", "下步计划"], 1):
        task.cell(3, col, head)
    for r, (key, (status, pct, progress)) in enumerate(tasks, start=4):
        for col, v in enumerate([key, "001", key.split(":m")[-1], "措施", status, pct, progress, None, None], 1):
            task.cell(r, col, v)

    wi = wb.create_sheet("工作信息")
    for col, head in enumerate(["项目键", "项目", "填报内容", "说明"], 1):
        wi.cell(3, col, head)
    for r, (key, value) in enumerate(work.items(), start=4):
        wi.cell(r, 1, key)
        wi.cell(r, 2, WORK_LABELS.get(key, key))
        wi.cell(r, 3, value)

    m = wb.create_sheet("_meta")
    meta_values = {
        "template_version": TEMPLATE_VERSION,
        "unit_id": unit,
        "region_id": unit.split(".")[0],
        "period": period,
        "catalog_version": CATALOG_VERSION,
        "generated_at": "2026-09-01T00:00:00+00:00",
    }
    meta_values.update(meta or {})
    for r, (key, value) in enumerate((k, v) for k, v in meta_values.items() if k not in drop_meta_keys):
        m.cell(r + 1, 1, key)
        m.cell(r + 1, 2, value)
    m.sheet_state = "veryHidden"

    for name in drop_sheets:
        del wb[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def fill_template(path: Path, catalog: Any, unit: str, period: str, *, overrides: dict[str, Any] | None = None) -> Path:
    """Write the real template (``etl.template``) for ``unit`` and fill it with plausible values.

    Indicator values equal their targets (whole numbers for counts); ``overrides`` maps an
    indicator code to the raw 本月值 to type instead.
    """
    from openpyxl import load_workbook

    from etl.normalize import uom_class
    from etl.template import write_template

    write_template(unit, period, path, catalog=catalog)
    wb = load_workbook(path)
    ind = wb["指标"]
    for row in range(4, ind.max_row + 1):
        code = ind.cell(row, 1).value
        if code in catalog.indicators:
            target = catalog.indicators[code].target
            value = round(target) if uom_class(catalog.indicators[code].unit) == "count" else target
            ind.cell(row, 5, (overrides or {}).get(code, value))
    tasks = wb["任务进展"]
    for row in range(4, tasks.max_row + 1):
        if tasks.cell(row, 1).value:
            tasks.cell(row, 5, "推进中")
            tasks.cell(row, 6, 50)
    work = wb["工作信息"]
    counts = {"visits": 10, "issues_collected": 6, "issues_solved": 4}
    for row in range(4, work.max_row + 1):
        key = work.cell(row, 1).value
        if key:
            work.cell(row, 3, counts.get(key, "无"))
    wb.save(path)
    return path


def with_many_rows(xlsx: bytes, sheet: str, rows: int, *, seed: int = 12, column: str = "E",
                   text_chars: int = 0) -> bytes:
    """``xlsx`` with ``rows`` extra rows of made-up text pasted into ``column`` of ``sheet``.

    Short values like “约1234” by default; ``text_chars`` > 0 writes random Chinese text of
    that length per cell instead (the long-text worst case within the row limit).

    The sheet's XML is written straight into the zip (openpyxl would need minutes and
    gigabytes for a million rows); values are random digits so the file compresses like a
    real paste and a million rows stay under the 10 MB upload cap (``bench/upload_memory.py``).
    """
    import io
    import random
    import re
    import zipfile

    rng = random.Random(seed)
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    names = dict(re.findall(rb'<sheet[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', src.read("xl/workbook.xml")))
    rid = names[sheet.encode()]
    rels = src.read("xl/_rels/workbook.xml.rels")
    target = re.search(rb'<Relationship[^>]*?Id="' + rid + rb'"[^>]*?Target="([^"]*)"', rels) or \
        re.search(rb'<Relationship[^>]*?Target="([^"]*)"[^>]*?Id="' + rid + rb'"', rels)
    part = target.group(1).decode()
    part = part.lstrip("/") if part.startswith("/") else f"xl/{part}"
    xml = src.read(part)
    head, tail = xml.split(b"</sheetData>") if b"</sheetData>" in xml else (xml.replace(b"<sheetData/>", b"<sheetData>"), b"")
    if not tail:
        head, tail = head.split(b"<sheetData>")[0] + b"<sheetData>", b"</sheetData>" + xml.split(b"<sheetData/>")[1]
    else:
        tail = b"</sheetData>" + tail
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info, src.read(info))
                continue
            with dst.open(part, "w", force_zip64=True) as member:
                member.write(head)
                first = 4 + 200  # below anything the small fixtures wrote
                batch = []
                for r in range(first, first + rows):
                    text = ("".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(text_chars)) if text_chars
                            else f"约{rng.randrange(10**4)}")
                    batch.append(f'<row r="{r}"><c r="{column}{r}" t="inlineStr"><is><t>{text}</t></is></c></row>')
                    if len(batch) == 10_000:
                        member.write("".join(batch).encode())
                        batch = []
                member.write("".join(batch).encode())
                member.write(tail)
    return out.getvalue()
