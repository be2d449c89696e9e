"""The extractor on the four real plan texts finds the counts the office knows by hand.

Unit recall is measured against the raw text, independently of the extractor's parser:
for every extracted measure, the lines of the original file from the measure's line up
to the next measure are searched with a plain regex for unit clauses (牵头/责任/配合 +
单位/部门 + colon, half- or full-width); the names listed there (split at 、，, with
等/等部门 dropped) are the reference, and a reference name counts as found when the
extractor lists it, a name it starts with, or a name that contains it ("各街、镇、园区" is
one collective name).
"""

from __future__ import annotations

import re

import pytest

from indicators.extract import extract_file
from tests.conftest import seed_text

EXPECTED = {
    # plan: (measures, measures with units, difficulties)
    "000": (31, 26, 0),
    "001": (36, 36, 0),
    "002": (35, 35, 0),
    "003": (19, 19, 9),
}

_RAW_LABEL = re.compile(r"(?:牵头|责任|配合)(?:单位|部门)\s*[:：]")
_RAW_CLAUSE = re.compile(r"[（(]((?:牵头|责任|配合)(?:单位|部门)\s*[:：][^）)]*)[）)]")




def _reference_names(raw_lines: list[str]) -> list[str]:
    names = []
    for line in raw_lines:
        for body in _RAW_CLAUSE.findall(line):
            for piece in re.split(r"[、，,；;]", _RAW_LABEL.sub("、", body)):
                piece = re.sub(r"等.*$", "", piece.strip(" 。"))
                if len(piece) >= 2:
                    names.append(piece)
    return names


def unit_recall(plan: str) -> tuple[int, int]:
    """(reference unit names found by the extractor, reference unit names) for one plan."""
    path = seed_text(plan)
    raw = path.read_text(encoding="utf-8").split("\n")
    result = extract_file(path)
    entries = sorted(result["measures"], key=lambda m: m["line"])
    found = total = 0
    for k, measure in enumerate(entries):
        stop = entries[k + 1]["line"] - 1 if k + 1 < len(entries) else len(raw)
        # a measure's own text ends at the next numbered line; later loose text is not its own
        lines = []
        for line in raw[measure["line"] - 1 : stop]:
            if lines and re.match(
                r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．])", line
            ):
                break
            lines.append(line)
        extracted = measure["lead_units"] + measure["responsible_units"]
        for name in _reference_names(lines):
            total += 1
            found += any(name == e or name.startswith(e) or name in e for e in extracted)
    return found, total


@pytest.mark.parametrize("plan", sorted(EXPECTED))
def test_extract_finds_every_measure_of_the_seed_plan(plan: str) -> None:
    result = extract_file(seed_text(plan))
    measures = [m for m in result["measures"] if m["kind"] == "measure"]
    difficulties = [m for m in result["measures"] if m["kind"] == "difficulty"]
    with_units = [m for m in measures if m["lead_units"] or m["responsible_units"]]
    assert (len(measures), len(with_units), len(difficulties)) == EXPECTED[plan]
    assert [m["seq"] for m in measures] == list(range(1, len(measures) + 1))


@pytest.mark.parametrize("plan", sorted(EXPECTED))
def test_extract_finds_at_least_95_percent_of_responsible_units(plan: str) -> None:
    found, total = unit_recall(plan)
    assert total > 0
    assert found / total >= 0.95, f"{plan}: {found}/{total}"


def test_plan_000_measures_without_units_are_flagged_not_dropped() -> None:
    result = extract_file(seed_text("000"))
    flagged = [w["number"] for w in result["warnings"] if w["code"] == "measure_without_units"]
    assert flagged == ["（二十七）", "（二十八）", "（二十九）", "（三十）", "（三十一）"]


def test_plan_001_measures_come_from_the_36_item_campaign_plan() -> None:
    result = extract_file(seed_text("001"))
    primary = [p for p in result["parts"] if p["primary"]]
    assert len(primary) == 1 and "攻坚计划" in primary[0]["title"]
    first = result["measures"][0]
    assert (first["number"], first["lead_units"][0]) == ("1.", "市场监管局")
    electricity = [
        i for i in result["indicators"] if i["measure"] == "6." and i["unit"] == "工作日"
    ]
    assert [(i["comparator"], i["target"], i.get("baseline")) for i in electricity] == [
        ("<=", 18, 77)
    ]


def test_plan_002_work_plan_items_are_listed_as_another_part() -> None:
    result = extract_file(seed_text("002"))
    others = [u for u in result["unparsed"] if u["code"] == "other_part"]
    assert len(others) == 10
    assert any(t["target"] == 7 and t["unit"] == "工作日" for t in result["other_targets"])


def test_plan_003_difficulties_have_lead_units_and_highlights_are_reported() -> None:
    result = extract_file(seed_text("003"))
    difficulties = [m for m in result["measures"] if m["kind"] == "difficulty"]
    assert all(d["lead_units"] for d in difficulties)
    assert [u["code"] for u in result["unparsed"]].count("not_measure_level") == 6
    assert {i["comparator"] for i in result["indicators"]} >= {"city_avg", "growth"}


_RAW_NUMBERED = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．])"
)


def unaccounted_clauses(plan: str) -> list[int]:
    """Raw lines with a unit clause whose numbered item is neither a measure nor listed."""
    path = seed_text(plan)
    raw = path.read_text(encoding="utf-8").split("\n")
    result = extract_file(path)
    listed = {m["line"] for m in result["measures"]} | {u["line"] for u in result["unparsed"]}
    missing = []
    for index, line in enumerate(raw):
        if not _RAW_LABEL.search(line):
            continue
        owner = next((j for j in range(index, -1, -1) if _RAW_NUMBERED.match(raw[j])), None)
        if owner is None or owner + 1 not in listed:
            missing.append(index + 1)
    return missing


@pytest.mark.parametrize("plan", sorted(EXPECTED))
def test_every_unit_clause_in_the_text_is_a_measure_or_listed_as_unparsed(plan: str) -> None:
    assert unaccounted_clauses(plan) == []


def _noisy_copy(text: str) -> str:
    """The same plan as a careless web/Word copy: half-width brackets and colons, full-width
    digits, page numbers between lines, bookmarks and spaces inside titles."""
    text = text.replace("（", "(").replace("）", ")").replace("：", ":")
    text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    noisy = []
    for k, line in enumerate(text.split("\n")):
        if k % 15 == 0:
            noisy += ["", f"- {k // 15 + 1} -", ""]
        noisy.append(("[bookmark: _GoBack]" if k % 40 == 0 else "") + line.replace("服务", "服 务"))
    return "\n".join(noisy)


@pytest.mark.parametrize("plan", sorted(EXPECTED))
def test_a_noisy_copy_of_the_seed_plan_gives_the_same_measures(plan: str) -> None:
    from indicators.extract import extract_text

    path = seed_text(plan)
    clean = extract_file(path)
    noisy = extract_text(_noisy_copy(path.read_text(encoding="utf-8")), plan)
    assert _measure_key(noisy) == _measure_key(clean)
    assert _target_key(noisy) == _target_key(clean)


def _measure_key(result: dict) -> list[tuple]:
    return [
        (m["number"], m["title"], m["lead_units"], m["responsible_units"])
        for m in result["measures"]
    ]


def _target_key(result: dict) -> list[tuple]:
    return [(i["measure"], i["target"], i["unit"], i["comparator"]) for i in result["indicators"]]
