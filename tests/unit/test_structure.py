"""The code's shape: the emulator's core imports nothing above it, no import circle, no oversized module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "azrm"
LIMIT = 600


def _runtime_imports(path: Path) -> list[tuple[str | None, int]]:
    """(module, level) of every import outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text())
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(n) for child in node.body for n in ast.walk(child))
    out: list[tuple[str | None, int]] = []
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.ImportFrom):
            out.append((node.module, node.level))
        elif isinstance(node, ast.Import):
            out.extend((alias.name, 0) for alias in node.names)
    return out


def _resolve(path: Path, module: str | None, level: int) -> str:
    package = path.relative_to(ROOT.parent).with_suffix("").parts[:-1]
    if level == 0:
        return module or ""
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def test_the_emulator_core_imports_nothing_above_it() -> None:
    for path in (ROOT / "emulator" / "core").glob("*.py"):
        for module, level in _runtime_imports(path):
            target = _resolve(path, module, level)
            assert not target.startswith("azrm.") or target.startswith("azrm.emulator.core"), (path.name, target)


def test_no_import_circle_among_modules_at_run_time() -> None:
    modules = {".".join(p.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__"): p
               for p in ROOT.rglob("*.py")}  # fmt: skip
    graph = {
        name: {t for m, lvl in _runtime_imports(path) if (t := _resolve(path, m, lvl)) in modules and t != name}
        for name, path in modules.items()
        if not name.endswith("__init__")
    }
    # package __init__ modules re-export their children: leave them out, as importing a child runs them anyway
    graph = {
        n: {t for t in ts if modules[t].name != "__init__.py"}
        for n, ts in graph.items()
        if modules[n].name != "__init__.py"
    }
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join([*trail[trail.index(nxt) :], nxt]))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


@pytest.mark.parametrize("package", ["emulator", "templates"])
def test_no_module_of_the_emulator_or_the_template_engine_is_oversized(package: str) -> None:
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines()) for p in (ROOT / package).rglob("*.py")}
    assert {p: n for p, n in sizes.items() if n > LIMIT} == {}


def test_every_import_inside_azrm_names_a_module_that_exists() -> None:
    """Imports inside functions are not checked by mypy (ignore_missing_imports); this catches a moved module."""
    modules = {".".join(p.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__")
               for p in ROOT.rglob("*.py")}  # fmt: skip
    missing = []
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                target = _resolve(path, node.module, node.level)
                if target not in modules:
                    # "from . import name" may name a submodule or an attribute of the package
                    if node.module is None and all(
                        f"{target}.{a.name}" in modules or target in modules for a in node.names
                    ):
                        continue
                    missing.append(f"{path.relative_to(ROOT)}: {'.' * node.level}{node.module or ''}")
    assert missing == []
