"""No import cycle among the modules of ``service`` and ``reports``.

A cycle makes the import order matter (a module half-initialised when the other one reads
it) and usually means two modules should share a third. Only what runs at import time counts:
module-level imports, not those inside functions (deliberately lazy) or under
``if TYPE_CHECKING:``. The two cycles that were hidden that way (``service.demo`` and
``service.demo_data``; ``service.storage.store`` and its backends) are checked with every
import counted. The test reads the sources (``ast``); it imports nothing.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("service", "reports")


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run when the module is imported (not function or class bodies' calls,
    not ``if TYPE_CHECKING:`` blocks)."""
    for statement in body:
        if isinstance(statement, ast.If):
            if not _is_type_checking(statement.test):
                yield from _import_time_statements(statement.body)
            yield from _import_time_statements(statement.orelse)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _import_time_statements(block)
            for handler in statement.handlers:
                yield from _import_time_statements(handler.body)
        elif isinstance(statement, ast.With | ast.ClassDef):
            yield from _import_time_statements(statement.body)
        else:
            yield statement


def _imports(
    name: str, path: Path, modules: dict[str, Path], *, every_import: bool = False
) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    statements = ast.walk(tree) if every_import else _import_time_statements(tree.body)
    for statement in statements:
        if isinstance(statement, ast.Import):
            found.update(alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            if statement.level:
                base = package.split(".")[: len(package.split(".")) - statement.level + 1]
                origin = ".".join([*base, statement.module] if statement.module else base)
            else:
                origin = statement.module or ""
            found.add(origin)
            # ``from package import module`` imports the module too.
            found.update(f"{origin}.{alias.name}" for alias in statement.names)
    return {target for target in found if target in modules and target != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_cycle_among_service_and_reports_modules() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert _cycles(graph) == []


def test_demo_and_storage_have_no_cycle_even_through_lazy_imports() -> None:
    modules = _modules()
    graph = {
        name: _imports(name, path, modules, every_import=True) for name, path in modules.items()
    }
    watched = {"service.demo", "service.demo_data", "service.storage.store"}
    assert [cycle for cycle in _cycles(graph) if watched & set(cycle)] == []


def test_the_checker_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
