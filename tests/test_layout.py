"""The project's floors (docs/architecture.md): every import points down, no cycle anywhere.

The graph is read from the source with ``ast`` (nothing is imported), so a new module that
reaches up a floor, or two modules that import each other, fail here before anyone trips
over them at run time. Imports under ``if TYPE_CHECKING:`` are type hints only and not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package -> the project packages it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "indicators": set(),
    "store": {"indicators"},
    "rules": {"store", "indicators"},
    "accounts": {"store"},
    "office": {"indicators", "store", "rules", "accounts"},
    "etl": {"indicators", "store", "rules", "accounts", "office"},
    "dashboard": {"indicators", "store", "rules", "accounts", "office", "etl"},
    "pages": {"dashboard", "indicators", "accounts", "office", "etl"},
    "app": {"dashboard", "indicators", "accounts", "rules", "store"},
    # the ``python -m etl`` wiring is an entry point like app.py: it may call any floor
    # (``etl report`` builds the 专报 from dashboard data), and nothing imports it
    "commands": {"indicators", "store", "rules", "accounts", "office", "etl", "dashboard"},
}
PACKAGES = [p for p in ALLOWED if p not in ("app", "commands") and (ROOT / p).is_dir()]
# the only parts of etl the floors above it may use: its entry points, not its internals
ETL_ENTRY_POINTS = {"etl.ingest", "etl.template"}
STREAMLIT_FLOORS = {"dashboard", "pages", "app"}
ACCOUNT_MODULES = {"users", "sessions", "access", "audit", "scope", "auth"}


def _modules() -> dict[str, Path]:
    """Module name -> file for every module of the project's own packages (and app.py)."""
    found = {"app": ROOT / "app.py"}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, module: str) -> set[str]:
    """Every module name ``path`` imports at run time (relative imports made absolute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip |= {id(n) for child in node.body for n in ast.walk(child)}
    out: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: {i for i in _imports(p, m) if i in mods and i != m} for m, p in mods.items()}


def _floor(module: str) -> str:
    if module == "etl.__main__" or module.startswith("etl.cli_"):
        return "commands"
    return module.split(".")[0]


def test_every_import_points_down_the_floors() -> None:
    wrong = []
    for mod, deps in _graph().items():
        for dep in deps:
            src, dst = _floor(mod), _floor(dep)
            if dst == "commands" and src != "commands":
                wrong.append(f"{mod} -> {dep} (command wiring is an entry point)")
                continue
            if src == dst or (src == "commands" and dst == "etl"):
                continue
            if dst not in ALLOWED[src]:
                wrong.append(f"{mod} -> {dep}")
            elif dst == "etl" and src in ("dashboard", "pages") and dep != "etl" \
                    and not any(dep == e or dep.startswith(e + ".") for e in ETL_ENTRY_POINTS):
                wrong.append(f"{mod} -> {dep} (etl internals)")
    assert not wrong, "imports pointing up or sideways:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle_between_or_inside_packages() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(" -> ".join(stack[stack.index(d):] + [d]))
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    package_edges = {(_floor(a), _floor(b)) for a, ds in graph.items() for b in ds
                     if _floor(a) != _floor(b)}
    package_cycles = [f"{a} <-> {b}" for a, b in package_edges if (b, a) in package_edges and a < b]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
    assert not package_cycles, "packages importing each other: " + ", ".join(package_cycles)


def test_only_the_streamlit_floors_import_streamlit_and_only_etl_imports_great_expectations() -> None:
    mods = _modules()
    streamlit_below = []
    ge_outside = []
    for mod, path in mods.items():
        names = {i.split(".")[0] for i in _imports(path, mod)}
        if "streamlit" in names and _floor(mod) not in STREAMLIT_FLOORS:
            streamlit_below.append(mod)
        if "great_expectations" in names and _floor(mod) != "etl":
            ge_outside.append(mod)
    assert not streamlit_below, f"streamlit imported below dashboard: {streamlit_below}"
    assert not ge_outside, f"great_expectations imported outside etl: {ge_outside}"


def test_etl_holds_no_account_modules() -> None:
    in_etl = {p.stem for p in (ROOT / "etl").glob("*.py")} & ACCOUNT_MODULES
    assert not in_etl, f"account modules still in etl/: {sorted(in_etl)}"
    assert (ROOT / "accounts" / "users.py").exists() and (ROOT / "accounts" / "sessions.py").exists()


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "pages"])  # pages/: scripts
def test_each_package_says_what_belongs_in_it(package: str) -> None:
    init = ROOT / package / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc) > 80, f"{package}/__init__.py needs a docstring saying what belongs there"


def test_the_checker_catches_an_upward_import(tmp_path: Path) -> None:
    """The rules above must be able to fail: an upward import is seen in a module's source."""
    bad = tmp_path / "judge.py"
    bad.write_text("from dashboard import charts\nif TYPE_CHECKING:\n    import etl.ingest\n")
    seen = _imports(bad, "rules.judge")
    assert "dashboard.charts" in seen and "dashboard" not in ALLOWED["rules"]
    assert "etl.ingest" not in seen  # type hints only
