"""assessment.yaml is checked by ``python -m indicators check`` like the rest of the catalog."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import yaml

from indicators.catalog import DATA_DIR, check_catalog


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(DATA_DIR, root)
    return root


def _edit(root: Path, change) -> list[str]:
    path = root / "assessment.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    catalog, issues = check_catalog(root)
    assert catalog is None
    return [str(i) for i in issues]


def test_shipped_rules_load_and_apply_to_2026():
    catalog, issues = check_catalog()
    assert issues == []
    rs = catalog.assessment.in_force(date(2026, 7, 1))
    assert {c.id for c in rs.components} == {"indicators", "tasks", "reporting", "external"}
    assert rs.bonus.cap > 0 and rs.deductions.name


def test_overlapping_rule_sets_are_reported_with_their_path(tmp_path):
    def add_second(data):
        second = dict(data["rule_sets"][0], version="2026.9", effective_from="2026-07-01")
        second.pop("effective_to", None)
        data["rule_sets"].append(second)

    msgs = _edit(_copy(tmp_path), add_second)
    assert any("assessment.yaml: rule_sets[2].effective_from" in m and "重叠" in m for m in msgs)


def test_reporting_weights_must_add_up_to_one(tmp_path):
    msgs = _edit(_copy(tmp_path), lambda d: d["rule_sets"][0]["components"][2]["parts"].update(on_time=0.9))
    assert any("parts" in m and "之和应为 1" in m for m in msgs)


def test_a_misspelt_key_is_an_error_with_its_path(tmp_path):
    msgs = _edit(_copy(tmp_path), lambda d: d["rule_sets"][0]["components"][0].update(amber_credits=0.5))
    assert any("components[0].amber_credits" in m for m in msgs)


def test_a_setting_on_the_wrong_component_is_an_error(tmp_path):
    msgs = _edit(_copy(tmp_path), lambda d: d["rule_sets"][0]["components"][1].update(amber_credit=0.5))
    assert any("components[1].amber_credit" in m and "不使用" in m for m in msgs)


def test_a_task_status_without_credit_is_reported(tmp_path):
    msgs = _edit(_copy(tmp_path), lambda d: d["rule_sets"][0]["components"][1]["status_credit"].pop("滞后"))
    assert any("缺少进展状态：滞后" in m for m in msgs)
