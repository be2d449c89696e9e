"""The indicator catalog: what the office sees from the plans, and clear errors when the YAML is wrong."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from indicators import CatalogError, check_catalog, load_catalog
from indicators.catalog import DATA_DIR
from indicators.cli_export import export_catalog
from indicators.resolve import resolve_clause, resolve_units
from tests.conftest import seed_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


@pytest.fixture(scope="module")
def exported(cat):
    return export_catalog(cat)


def _plan(exported, pid):
    return next(p for p in exported["plans"] if p["id"] == pid)


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(root: Path, rel: str, change) -> None:
    path = root / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _messages(root: Path) -> list[str]:
    catalog, issues = check_catalog(root)
    assert catalog is None
    return [str(i) for i in issues]


# ------------------------------------------------------------------ the shipped catalog


def test_every_yaml_file_of_the_shipped_catalog_loads_without_a_problem():
    files = sorted(DATA_DIR.rglob("*.yaml"))
    assert len(files) >= 30  # regions, depts, 22 unit files, 5 plans, 5 indicator files
    for path in files:
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path
    catalog, issues = check_catalog()
    assert issues == [] and catalog is not None


def test_export_has_every_measure_of_the_four_plans(exported):
    p000 = _plan(exported, "000")["measures"]
    assert len(p000) == 31
    assert sum(1 for m in p000 if m["lead_units"] or m["responsible_units"]) == 26
    assert [m["number"] for m in p000][:2] == ["（一）", "（二）"] and p000[-1][
        "number"
    ] == "（三十一）"
    assert len(_plan(exported, "001")["measures"]) == 36
    assert _plan(exported, "001")["measures"][35]["number"] == "36."
    assert len(_plan(exported, "002")["measures"]) == 35
    p003 = _plan(exported, "003")["measures"]
    assert sum(1 for m in p003 if m["kind"] == "measure") == 19
    assert sum(1 for m in p003 if m["kind"] == "difficulty") == 9
    assert all(m["lead_units"] for m in p003), "every 003 measure and difficulty names a lead unit"
    for plan in exported["plans"]:
        for m in plan["measures"]:
            assert {"number", "title", "lead_units", "responsible_units", "kind"} <= m.keys()
            assert len(m["title"]) <= 20


def test_at_least_sixty_indicators_carry_a_comparator_and_a_target(exported):
    with_target = [i for i in exported["indicators"] if i["comparator"] and i["target"] is not None]
    assert len(with_target) >= 60
    assert sum(1 for i in with_target if i["plan"] == "001") > 40
    keys = {"code", "name", "unit", "comparator", "target", "plan", "measure", "owners", "common"}
    assert all(keys <= i.keys() for i in exported["indicators"])


def test_plan_001_targets_match_the_plan(cat):
    power = cat.indicators["common.power_days"]
    assert (power.comparator, power.target, power.baseline, power.baseline_year) == (
        "<=",
        18,
        77,
        2019,
    )
    assert cat.indicators["teda.outage_hours"].comparator == "<"
    assert cat.indicators["teda.outage_hours"].target == 0.6
    assert cat.indicators["teda.gcjs_gov_days"].target == 70
    assert cat.indicators["common.gcjs_days"].target == 58
    assert cat.indicators["teda.qysl_days"].target == 0.5


def test_relative_and_growth_targets_of_ninghe(cat):
    assert cat.indicators["ninghe.water_online_rate"].comparator == "city_avg"
    growth = cat.indicators["ninghe.talent_growth"]
    assert (growth.comparator, growth.target, growth.baseline_year) == ("growth", 15, 2024)


def test_every_common_indicator_has_an_owner_in_every_district(cat):
    names = {i.name for i in cat.common_indicators()}
    for wanted in [
        "网上办比例",
        "马上办比例",
        "一次办比例",
        "审批按时办结率",
        "政务服务满意度",
        "12345企业诉求7个工作日办结率",
        "企业开办时间",
        "获得电力时限",
    ]:
        assert wanted in names
    assert any(n.startswith("工程建设项目审批时限") for n in names)
    districts = {d.id for d in cat.districts()}
    assert len(districts) == 16
    for ind in cat.common_indicators():
        assert districts <= {cat.units[o].region for o in ind.owners}, ind.code


def test_every_region_has_at_least_ten_units_with_shared_dept_codes(cat):
    assert len(cat.regions) == 22
    for region in cat.regions:
        assert len(cat.units_of_region(region)) >= 10, region
    assert cat.units["heping.scjg"].dept == cat.units["teda.scjg"].dept == "scjg"


def test_a_district_unit_gets_the_indicators_in_force_that_month(cat):
    heping = {i.code for i in cat.indicators_for_unit("heping.zwfw", date(2026, 3, 1))}
    assert {"common.online_rate", "common.satisfaction", "common.gcjs_days"} <= heping
    teda_2020 = {i.code for i in cat.indicators_for_unit("teda.kjj", date(2020, 11, 1))}
    teda_2026 = {i.code for i in cat.indicators_for_unit("teda.kjj", date(2026, 3, 1))}
    assert "teda.incubators" in teda_2020 and "teda.incubators" not in teda_2026
    assert "ninghe.talent_growth" in {
        i.code for i in cat.indicators_for_unit("ninghe.rsj", date(2025, 5, 1))
    }


def test_district_governments_share_the_city_measures_addressed_to_every_district(cat):
    heping = [m.key for m in cat.measures_for_unit("heping.gov")]
    assert "002:m1" in heping and "002:m35" in heping
    assert "002:m6" not in heping  # 推进智慧政务升级: city bureaus only
    assert [m.key for m in cat.measures_for_unit("ninghe.zb")] == ["003:d9"]


def test_a_second_start_reuses_the_checked_catalog_and_an_edit_is_seen(tmp_path, monkeypatch):
    """The app start reads the pickle of an earlier check (speed: bench, not here); an edited
    YAML file changes the content hash, so the edit is checked and seen, never a stale copy."""
    from indicators import catalog as cat_mod

    root = _copy(tmp_path)
    monkeypatch.setenv("YINGSHANG_CATALOG_CACHE", str(tmp_path / "cache"))
    first = cat_mod._load_cached(root)
    assert len(list((tmp_path / "cache").glob("catalog-*.pickle"))) == 1

    def no_check(*a, **k):
        raise AssertionError("the unchanged catalog was checked again")

    monkeypatch.setattr(cat_mod, "check_catalog", no_check)
    again = cat_mod._load_cached(root)
    assert again.version == first.version and again.indicators.keys() == first.indicators.keys()

    monkeypatch.undo()
    monkeypatch.setenv("YINGSHANG_CATALOG_CACHE", str(tmp_path / "cache"))
    _edit(root, "regions.yaml", lambda d: d["regions"][1].update(name="测试更名区"))
    changed = cat_mod._load_cached(root)
    assert changed.version != first.version
    assert "测试更名区" in {r.name for r in changed.regions.values()}


# ------------------------------------------------------------------ broken catalogs


def test_unknown_key_is_reported_with_file_and_key_path(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "indicators/001.yaml", lambda d: d["indicators"][3].update(colour="red"))
    messages = _messages(root)
    assert any(
        "indicators/001.yaml" in m and "indicators[3].colour" in m and "未知的键" in m
        for m in messages
    )


def test_dangling_unit_is_reported_with_file_and_key_path(tmp_path):
    root = _copy(tmp_path)
    _edit(
        root,
        "indicators/001.yaml",
        lambda d: d["indicators"][3].update(owners=["teda.scjg", "teda.xyz"]),
    )
    _edit(root, "plans/003.yaml", lambda d: d["measures"][0].update(lead_units=["ninghe.nosuch"]))
    messages = _messages(root)
    assert any(
        "indicators/001.yaml: indicators[3].owners[1]: 未知的责任单位「teda.xyz」" in m
        for m in messages
    )
    assert any("plans/003.yaml: measures[0].lead_units[0]" in m for m in messages)


def test_duplicate_code_is_reported(tmp_path):
    root = _copy(tmp_path)
    _edit(
        root,
        "indicators/003.yaml",
        lambda d: d["indicators"][1].update(code=d["indicators"][0]["code"]),
    )
    assert any("indicators[1].code" in m and "重复" in m for m in _messages(root))


def test_missing_source_measure_is_reported(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "indicators/000.yaml", lambda d: d["indicators"][0].update(measure="（九十九）"))
    assert any(
        "indicators/000.yaml: indicators[0].measure" in m and "（九十九）" in m
        for m in _messages(root)
    )


def test_common_indicator_missing_a_district_is_reported(tmp_path):
    root = _copy(tmp_path)
    _edit(
        root,
        "units/jizhou.yaml",
        lambda d: d.update(units=[u for u in d["units"] if u["dept"] != "zwfw"]),
    )
    messages = _messages(root)
    assert any("indicators/common.yaml" in m and "蓟州区" in m for m in messages)


def test_all_problems_are_reported_at_once_and_load_raises(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "indicators/001.yaml", lambda d: d["indicators"][0].update(colour="red"))
    _edit(root, "indicators/001.yaml", lambda d: d["indicators"][1].update(owners=["teda.xyz"]))
    _edit(root, "regions.yaml", lambda d: d["regions"][1].update(parent="atlantis"))
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    assert len(err.value.issues) >= 3
    assert "atlantis" in str(err.value)


def test_check_command_exits_1_and_prints_the_places(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "indicators/001.yaml", lambda d: d["indicators"][3].update(owners=["teda.xyz"]))
    _edit(root, "indicators/001.yaml", lambda d: d["indicators"][4].update(colour="red"))
    _edit(root, "indicators/003.yaml", lambda d: d["indicators"][1].update(code="ninghe.water_online_rate"))
    _edit(root, "indicators/000.yaml", lambda d: d["indicators"][0].update(measure="（九十九）"))
    bad = subprocess.run(
        [sys.executable, "-m", "indicators", "check", "--path", str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert "indicators[3].owners[0]" in bad.stdout and "teda.xyz" in bad.stdout
    assert "indicators/001.yaml: indicators[4].colour: 未知的键" in bad.stdout
    assert "indicators/003.yaml: indicators[1].code" in bad.stdout
    assert "indicators/000.yaml: indicators[0].measure" in bad.stdout
    assert "目录校验未通过：共 4 个问题" in bad.stdout
    good = subprocess.run(
        [sys.executable, "-m", "indicators", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0 and "目录校验通过" in good.stdout


def test_export_command_prints_json_with_chinese_text():
    out = subprocess.run(
        [sys.executable, "-m", "indicators", "export", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert {"regions", "units", "plans", "indicators"} <= data.keys()
    assert "网上办比例" in out.stdout  # ensure_ascii=False


def test_every_catalog_command_has_an_example():
    from indicators.__main__ import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in ("check", "export"):
        assert "Example:" in (sub.choices[name].epilog or "")


# ------------------------------------------------------------------ versioned targets


def test_a_later_target_applies_from_its_date_and_history_keeps_the_old_one(tmp_path):
    root = _copy(tmp_path)

    def add_version(d):
        d["indicators"][0]["targets"] = [
            {
                "comparator": ">=",
                "value": 98,
                "effective_from": date(2026, 1, 1),
                "source_plan": "002",
                "source_measure": "（五）",
            }
        ]

    _edit(root, "indicators/common.yaml", add_version)
    online = load_catalog(root).indicators["common.online_rate"]
    assert online.target_on(date(2025, 6, 1)).value == 95
    assert online.target_on(date(2026, 3, 1)).value == 98
    assert [t.value for t in online.timeline()] == [95, 98]


def test_overlapping_target_versions_are_rejected(tmp_path):
    root = _copy(tmp_path)

    def add_versions(d):
        d["indicators"][0]["targets"] = [
            {"comparator": ">=", "value": 96, "effective_from": date(2025, 1, 1)},
            {"comparator": ">=", "value": 98, "effective_from": date(2026, 1, 1)},
        ]

    _edit(root, "indicators/common.yaml", add_versions)
    assert any("indicators[0].targets" in m and "重叠" in m for m in _messages(root))


# ------------------------------------------------------------------ resolver


@pytest.mark.parametrize(
    ("text", "region", "units"),
    [
        ("市场监督管理局（知识产权局）", "teda", ["teda.scjg"]),
        ("区市场监管局", "ninghe", ["ninghe.scjg"]),
        ("市场监管局、税务局等部门", "heping", ["heping.scjg", "heping.sw"]),
        ("市规划资源宁河分局、区住建委", "ninghe", ["ninghe.ghzy", "ninghe.zjw"]),
        ("规自局、南港规建局", "teda", ["teda.ghzy", "teda.nggj"]),
        ("市市场监管委、市知识产权局", "tianjin", ["tianjin.scjg", "tianjin.zscq"]),
        ("市政务服务办", "ninghe", ["tianjin.zwfw"]),
    ],
)
def test_unit_names_and_aliases_resolve_in_their_region(cat, text, region, units):
    res = resolve_units(cat, text, region)
    assert list(res.units) == units and res.ok


def test_every_district_government_is_expanded(cat):
    res = resolve_units(cat, "市政务服务办等部门，各区人民政府", "tianjin")
    assert res.units[0] == "tianjin.zwfw"
    assert {u for u in res.units if u.endswith(".gov")} == {f"{d.id}.gov" for d in cat.districts()}


def test_group_phrases_are_reported_not_dropped(cat):
    res = resolve_units(cat, "规建局等各相关部门", "baoshuiqu")
    assert res.units == ("baoshuiqu.ghzy",) and res.generic == ("各相关部门",)
    res = resolve_clause(
        cat, "（牵头单位：区政务服务办、区网格中心，配合单位：各街、镇、园区）", "ninghe"
    )
    assert res.lead.units == ("ninghe.zwfw", "ninghe.wgzx") and res.generic == ("各街、镇、园区",)


def test_lead_and_responsible_roles_are_split(cat):
    res = resolve_clause(cat, "市场监管局牵头，税务局、人社局按职责分工负责", "teda")
    assert res.lead.units == ("teda.scjg",) and res.responsible.units == ("teda.sw", "teda.rsj")
    res = resolve_clause(
        cat, "（牵头单位：政务服务办；责任单位：规自局、南港规建局、建管中心）", "teda"
    )
    assert res.lead.units == ("teda.zwfw",) and res.responsible.units == (
        "teda.ghzy",
        "teda.nggj",
        "teda.jgzx",
    )


def test_unknown_unit_names_are_reported(cat):
    res = resolve_units(cat, "市场监管局、月球开发局", "heping")
    assert res.units == ("heping.scjg",) and res.unresolved == ("月球开发局",) and not res.ok


# ------------------------------------------------------------------ catalog vs. plan text

_CLAUSE = re.compile(r"[（(]((?:牵头|责任)(?:单位|部门)[:：][^（）()]*)[）)]。?\s*$")


def _clauses(text: str, start: str, end: str, number: str) -> dict[str, str]:
    """number as printed -> unit clause, for plans that put a whole measure on one line."""
    body = text[text.index(start) : text.index(end)]
    out = {}
    for line in body.splitlines():
        m = re.match(number, line.strip())
        c = _CLAUSE.search(line.strip())
        if m and c:
            out[m.group(0)] = c.group(1)
    return out


@pytest.mark.parametrize(
    ("plan", "region", "start", "end", "number"),
    [
        ("001", "teda", "攻坚计划三十六条\n", "领导小组议事制度", r"^\d+\."),
        (
            "002",
            "tianjin",
            "一、深化亲清政商关系",
            "为高效解决企业实际需求",
            r"^（[一二三四五六七八九十]+）",
        ),
        ("003", "ninghe", "一、聚焦目标导向", "二、聚焦品牌建设", r"^\d+\."),
    ],
)
def test_measure_units_agree_with_the_plan_text(cat, plan, region, start, end, number):
    text = seed_text(plan).read_text(encoding="utf-8")
    clauses = _clauses(text, start, end, number)
    measures = {m.number: m for m in cat.measures_of_plan(plan) if m.kind == "measure"}
    assert set(clauses) == set(measures)
    for num, clause in clauses.items():
        res = resolve_clause(cat, clause, region)
        assert res.unresolved == (), (num, res.unresolved)
        assert set(res.lead.units) == set(measures[num].lead_units), num
        assert set(res.responsible.units) == set(measures[num].responsible_units), num
        assert set(res.generic) == set(measures[num].other_units), num


def test_an_edited_yaml_file_is_seen_although_loads_are_cached(tmp_path, monkeypatch):
    from indicators.catalog import _load_cached

    monkeypatch.setenv("YINGSHANG_CATALOG_CACHE", str(tmp_path / "cache"))
    root = _copy(tmp_path)
    first = _load_cached(root)
    assert _load_cached(root).version == first.version
    _edit(
        root, "indicators/003.yaml", lambda d: d["indicators"][0].update(name="用水报装全程网办率")
    )
    second = _load_cached(root)
    assert second.version != first.version
    assert second.indicators["ninghe.water_online_rate"].name == "用水报装全程网办率"


def _jobs(d: dict) -> dict:
    return next(i for i in d["indicators"] if i["code"] == "teda.jobs_filled")


def test_a_stated_schedule_of_a_yearly_target_is_read_and_a_bad_one_is_reported(tmp_path):
    root = _copy(tmp_path)
    _edit(root, "indicators/001.yaml", lambda d: _jobs(d).update(schedule=[25, 50, 75, 100]))
    catalog, issues = check_catalog(root)
    assert issues == [] and catalog.indicators["teda.jobs_filled"].schedule == (25, 50, 75, 100)
    assert catalog.indicators["teda.outage_hours"].report == "cumulative"  # 年内累计值
    assert catalog.indicators["teda.jobs_filled"].report == "month"
    _edit(root, "indicators/001.yaml", lambda d: _jobs(d).update(schedule=[30, 60, 90, 80, 100]))
    messages = _messages(root)
    assert any("schedule" in m and "等分" in m for m in messages)
    _edit(root, "indicators/001.yaml", lambda d: _jobs(d).update(schedule=[30, 20, 90, 100]))
    assert any("schedule" in m and "递增" in m for m in _messages(root))
