#!/usr/bin/env python3
"""Rewrite Litestar handler signatures to the explicit markers of Litestar 3.

Litestar 2.25 infers what each handler parameter is (a dependency, a path, query or header
parameter, the body) and warns (``LitestarDeprecationWarning``) that 3.0 will not. This
script writes the markers in, for every route handler (a function decorated with
``@get``/``@post``/... or ``@route``) and every function given to ``Provide(...)``:

- a dependency (a key of any ``dependencies={...}`` in the scanned tree, plus the
  advanced-alchemy plugin's ``db_session`` and ``db_engine``) → ``NamedDependency[T]``;
- ``data: T`` → ``data: RequestBody[T]``;
- a path parameter (named in the handler's or its controller's path) → ``FromPath[T]``,
  ``Annotated[T, Parameter(...)]`` → ``Annotated[T, PathParameter(...)]``;
- any other parameter (a query parameter) → ``FromQuery[T]``;
  ``x: T = Parameter(default=d, max_length=n)`` →
  ``x: Annotated[T, QueryParameter(max_length=n)] = d``,
  ``Parameter(query="x", ...)`` → ``QueryParameter(name="x", ...)``,
  ``Parameter(header="X", ...)`` → ``HeaderParameter(name="X", ...)`` (cookies alike);
- a module-level alias ``Limit = Annotated[int, Parameter(...)]`` becomes a
  ``QueryParameter`` (or ``PathParameter``) alias when every handler uses it as one kind;
  a module-level ``IfMatch = Parameter(header=...)`` used as a default is inlined.

``request``, ``socket``, ``state``, ``scope`` and the other reserved names are left alone, as
is anything already marked, so a second run changes nothing. The changed files are then
passed through ``ruff check --fix`` (imports) and ``ruff format`` (line lengths) unless
``--no-ruff``.

Usage: ``uv run python scripts/codemod_litestar_markers.py [--check] [--diff] [PATH ...]``
(default paths: ``service`` and ``reports``; ``--check`` exits 1 if a file would change).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = ("service", "reports")

ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "head", "route"}
PLUGIN_DEPENDENCIES = {"db_session", "db_engine"}  # advanced_alchemy's SQLAlchemyPlugin
RESERVED = {
    *("self", "cls", "request", "socket", "state", "scope", "headers", "query", "cookies", "body"),
}
MARKER_ALIASES = {
    "NamedDependency",
    "FromPath",
    "FromQuery",
    "FromHeader",
    "FromCookie",
    "RequestBody",
    "JSONBody",
    "MsgPackBody",
    "MultipartBody",
    "URLEncodedBody",
}
MARKER_CALLS = {
    "QueryParameter",
    "HeaderParameter",
    "PathParameter",
    "CookieParameter",
    "Body",
    "BodyKwarg",
    "Dependency",
}
SOURCES = {"query": "Query", "header": "Header", "cookie": "Cookie", "path": "Path"}
IMPORTS = {
    "NamedDependency": "litestar.di",
    "Annotated": "typing",
    **{f"From{kind}": "litestar.params" for kind in SOURCES.values()},
    **{f"{kind}Parameter": "litestar.params" for kind in SOURCES.values()},
    "RequestBody": "litestar.params",
}
PATH_PARAMETER = re.compile(r"\{(\w+)(?::[^}]*)?\}")


class Skip(Exception):
    """A parameter the script cannot rewrite safely (reported, left as it is)."""


@dataclass
class Edit:
    start: int
    end: int
    text: str


@dataclass
class FileResult:
    path: Path
    source: str
    edits: list[Edit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def rewritten(self) -> str:
        text = self.source
        for edit in sorted(self.edits, key=lambda e: e.start, reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        return text


def _name(node: ast.AST | None) -> str | None:
    """The last name of ``x`` / ``a.b.x`` / ``x(...)`` / ``x[...]``."""
    if isinstance(node, ast.Call | ast.Subscript):
        return _name(node.func if isinstance(node, ast.Call) else node.value)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def python_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if "migrations" not in p.parts)
        elif path.suffix == ".py":
            yield path


def discover_dependencies(paths: Iterable[Path]) -> set[str]:
    """Every key of a ``dependencies={...}`` (keyword or class attribute) in the tree."""
    found = set(PLUGIN_DEPENDENCIES)
    for path in python_files(paths):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            values: list[ast.AST] = []
            if isinstance(node, ast.Call):
                values = [k.value for k in node.keywords if k.arg == "dependencies"]
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_name(t) == "dependencies" for t in targets) and node.value is not None:
                    values = [node.value]
            for value in values:
                if isinstance(value, ast.Dict):
                    for key in value.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            found.add(key.value)
    return found


def _imported_alias_is_marked(module: str, name: str) -> bool:
    """Whether ``name``, imported from ``module`` (a module of this repository), is a
    module-level alias (``X = ...`` or ``X: TypeAlias = ...``) that already carries a marker
    there."""
    path = Path(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        path = Path(*module.split("."), "__init__.py")
    if not path.is_file():
        return False
    other = Rewriter(path, set())
    for node in other.tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # A re-export (``from service.exports import X``): the alias is where it is made.
            for imported in node.names:
                if (imported.asname or imported.name) == name:
                    return _imported_alias_is_marked(node.module, imported.name)
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
        ):
            return other._marked(node.value)
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and node.value is not None
        ):
            return other._marked(node.value)
    return False


class Rewriter:
    def __init__(self, path: Path, dependencies: set[str]) -> None:
        self.path = path
        self.source = path.read_text(encoding="utf-8")
        self.tree = ast.parse(self.source)
        self.dependencies = dependencies
        self.result = FileResult(path, self.source)
        starts, offset = [], 0
        for line in self.source.splitlines(keepends=True):
            starts.append(offset)
            offset += len(line)
        self._line_starts = [*starts, offset]
        self._lines = self.source.splitlines(keepends=True)
        self.aliases: dict[str, ast.Assign] = {}  # Name = Annotated[...]
        self.parameter_constants: dict[str, ast.Call] = {}  # Name = Parameter(...)
        self.strings: dict[str, str] = {}  # Name = "..."
        self.alias_kinds: dict[str, set[str]] = {}
        self.used_constants: set[str] = set()
        self.needed: set[str] = set()
        self.imported: dict[str, str] = {}  # Name -> the module it is imported from

    # -- positions ------------------------------------------------------------------------

    def _offset(self, lineno: int, col: int) -> int:
        line = self._lines[lineno - 1] if lineno - 1 < len(self._lines) else ""
        return self._line_starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8"))

    def start(self, node: ast.AST) -> int:
        return self._offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self._offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def src(self, node: ast.AST) -> str:
        return self.source[self.start(node) : self.end(node)]

    # -- the module -----------------------------------------------------------------------

    def run(self) -> FileResult:
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if not isinstance(target, ast.Name):
                    continue
                value = node.value
                if isinstance(value, ast.Subscript) and _name(value) in {
                    "Annotated",
                    *MARKER_ALIASES,
                }:  # Name = Annotated[...] or Name = NamedDependency[...]
                    self.aliases[target.id] = node
                elif isinstance(value, ast.Call) and _name(value) == "Parameter":
                    self.parameter_constants[target.id] = value
                elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                    self.strings[target.id] = value.value
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for imported in node.names:
                    self.imported[imported.asname or imported.name] = node.module
        provided = {
            _name(node.args[0])
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Call) and _name(node) == "Provide" and node.args
        }
        for function, path_parameters in self._handlers(self.tree.body, set(), provided):
            self._function(function, path_parameters)
        self._rewrite_aliases()
        self._drop_inlined_constants()
        if self.result.edits:
            self._add_imports()
        return self.result

    def _paths(self, node: ast.AST | None) -> set[str]:
        """The path parameters named in a path expression (a string, a list, a constant)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return set(PATH_PARAMETER.findall(node.value))
        if isinstance(node, ast.Name) and node.id in self.strings:
            return set(PATH_PARAMETER.findall(self.strings[node.id]))
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return set().union(*(self._paths(item) for item in node.elts))
        return set()

    def _handlers(
        self, body: list[ast.stmt], outer: set[str], provided: set[str | None]
    ) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, set[str]]]:
        for node in body:
            if isinstance(node, ast.ClassDef):
                own = set(outer)
                for item in node.body:
                    if isinstance(item, ast.Assign) and any(
                        _name(t) == "path" for t in item.targets
                    ):
                        own |= self._paths(item.value)
                yield from self._handlers(node.body, own, provided)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    if _name(decorator) in ROUTE_DECORATORS:
                        paths = set(outer)
                        if isinstance(decorator, ast.Call):
                            for arg in decorator.args[:1]:
                                paths |= self._paths(arg)
                            for keyword in decorator.keywords:
                                if keyword.arg == "path":
                                    paths |= self._paths(keyword.value)
                        yield node, paths
                        break
                else:
                    if node.name in provided:
                        yield node, set()
                # handlers defined inside a function (a factory) are handlers too
                yield from self._handlers(node.body, outer, provided)

    # -- one handler ----------------------------------------------------------------------

    def _function(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, path_parameters: set[str]
    ) -> None:
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
        defaults += list(arguments.defaults)
        pairs = [*zip(positional, defaults, strict=True)]
        pairs += [*zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)]
        for index, (argument, default) in enumerate(pairs):
            later_defaults = index < len(positional) and any(
                d is not None for d in defaults[index + 1 :]
            )
            try:
                self._argument(argument, default, path_parameters, later_defaults)
            except Skip as reason:
                self.result.notes.append(
                    f"{self.path}:{argument.lineno}: {function.name}({argument.arg}) "
                    f"skipped: {reason}"
                )

    def _argument(
        self,
        argument: ast.arg,
        default: ast.expr | None,
        path_parameters: set[str],
        later_defaults: bool,
    ) -> None:
        name, annotation = argument.arg, argument.annotation
        if name in RESERVED or annotation is None:
            return
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            raise Skip("string annotation")
        if self._marked(annotation) or _name(default) == "Dependency":
            return
        kind = "path" if name in path_parameters else "query"
        parameter = self._parameter_call(default)
        if name == "data" and parameter is None:
            if _name(default) == "Body":
                raise Skip("data = Body(...): write Annotated[T, Body(...)] by hand")
            self._replace(argument, default, f"RequestBody[{self.src(annotation)}]", default)
            self.needed.add("RequestBody")
            return
        if name in self.dependencies and parameter is None:
            self._replace(argument, default, f"NamedDependency[{self.src(annotation)}]", default)
            self.needed.add("NamedDependency")
            return
        if parameter is not None:  # x: T = Parameter(...)
            kind, keywords, new_default = self._keywords(parameter, kind)
            if name in self.dependencies:
                self.result.notes.append(
                    f"{self.path}:{argument.lineno}: {name} is also a dependency: Litestar "
                    "refuses the ambiguity, rename the parameter or use the dependency"
                )
            if new_default is None and later_defaults:
                raise Skip("a required Parameter(...) before parameters with defaults")
            self._replace(argument, default, self._marked_type(annotation, kind, keywords), None)
            if new_default is not None:
                self.result.edits[-1].text += f" = {new_default}"
            return
        if (
            isinstance(annotation, ast.Subscript)
            and _name(annotation) == "Annotated"
            and isinstance(annotation.slice, ast.Tuple)
        ):  # x: Annotated[T, Parameter(...)]
            self._replace(argument, default, self._annotated(annotation.slice, kind), default)
            return
        if isinstance(annotation, ast.Name) and annotation.id in self.aliases:
            alias = self.aliases[annotation.id]
            if self._parameter_in(alias.value):
                self.alias_kinds.setdefault(annotation.id, set()).add(kind)
                return
        marker = f"From{SOURCES[kind]}"
        self._replace(argument, default, f"{marker}[{self.src(annotation)}]", default)
        self.needed.add(marker)

    def _replace(
        self, argument: ast.arg, default: ast.expr | None, annotation: str, keep: ast.expr | None
    ) -> None:
        end = self.end(default) if default is not None else self.end(argument)
        text = f"{argument.arg}: {annotation}"
        if keep is not None:
            text += f" = {self.src(keep)}"
        self.result.edits.append(Edit(self.start(argument), end, text))

    # -- markers --------------------------------------------------------------------------

    def _marked(self, annotation: ast.expr, depth: int = 0) -> bool:
        name = _name(annotation)
        if isinstance(annotation, ast.Subscript) and name in MARKER_ALIASES:
            return True
        if isinstance(annotation, ast.Subscript) and name == "Annotated":
            items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
            return any(_name(item) in MARKER_CALLS for item in items[1:])
        if isinstance(annotation, ast.Name) and annotation.id in self.aliases and depth < 5:
            return self._marked(self.aliases[annotation.id].value, depth + 1)
        if isinstance(annotation, ast.Name) and annotation.id in self.imported:
            return _imported_alias_is_marked(self.imported[annotation.id], annotation.id)
        return False

    def _parameter_in(self, node: ast.expr) -> bool:
        items = (
            node.slice.elts
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple)
            else []
        )
        return any(_name(item) == "Parameter" for item in items[1:])

    def _parameter_call(self, default: ast.expr | None) -> ast.Call | None:
        if isinstance(default, ast.Call) and _name(default) == "Parameter":
            return default
        if isinstance(default, ast.Name) and default.id in self.parameter_constants:
            self.used_constants.add(default.id)
            return self.parameter_constants[default.id]
        return None

    def _keywords(self, call: ast.Call, kind: str) -> tuple[str, list[str], str | None]:
        """The kind a ``Parameter(...)`` call declares, its keywords for the new marker and
        its ``default`` (None: none)."""
        if call.args:
            raise Skip("Parameter(...) with positional arguments")
        keywords: list[str] = []
        default: str | None = None
        for keyword in call.keywords:
            if keyword.arg is None:
                raise Skip("Parameter(**...)")
            if keyword.arg in ("query", "header", "cookie"):
                kind = keyword.arg
                keywords.insert(0, f"name={self.src(keyword.value)}")
            elif keyword.arg == "default":
                default = self.src(keyword.value)
            else:
                keywords.append(f"{keyword.arg}={self.src(keyword.value)}")
        return kind, keywords, default

    def _marked_type(self, annotation: ast.expr, kind: str, keywords: list[str]) -> str:
        if not keywords:
            self.needed.add(f"From{SOURCES[kind]}")
            return f"From{SOURCES[kind]}[{self.src(annotation)}]"
        self.needed |= {"Annotated", f"{SOURCES[kind]}Parameter"}
        return f"Annotated[{self.src(annotation)}, {SOURCES[kind]}Parameter({', '.join(keywords)})]"

    def _annotated(self, items: ast.Tuple, kind: str) -> str:
        """``Annotated[T, ..., Parameter(...), ...]`` with the ``Parameter`` made explicit."""
        parts = [self.src(items.elts[0])]
        changed = False
        for item in items.elts[1:]:
            if isinstance(item, ast.Call) and _name(item) == "Parameter":
                item_kind, keywords, default = self._keywords(item, kind)
                if default is not None:
                    raise Skip("Annotated[T, Parameter(default=...)]")
                parts.append(f"{SOURCES[item_kind]}Parameter({', '.join(keywords)})")
                self.needed.add(f"{SOURCES[item_kind]}Parameter")
                changed = True
            else:
                parts.append(self.src(item))
        if not changed:
            marker = f"From{SOURCES[kind]}"
            self.needed.add(marker)
            return f"{marker}[Annotated[{', '.join(parts)}]]"
        return f"Annotated[{', '.join(parts)}]"

    def _rewrite_aliases(self) -> None:
        for name, kinds in sorted(self.alias_kinds.items()):
            alias = self.aliases[name]
            if len(kinds) != 1:
                self.result.notes.append(
                    f"{self.path}:{alias.lineno}: alias {name} is used as {sorted(kinds)}: "
                    "split it by hand"
                )
                continue
            value = alias.value
            if not isinstance(value, ast.Subscript) or not isinstance(value.slice, ast.Tuple):
                continue
            try:
                text = self._annotated(value.slice, kinds.pop())
            except Skip as reason:
                self.result.notes.append(f"{self.path}:{alias.lineno}: alias {name}: {reason}")
                continue
            self.result.edits.append(Edit(self.start(value), self.end(value), text))

    def _drop_inlined_constants(self) -> None:
        """``IfMatch = Parameter(header=...)``, inlined into every handler that used it, goes
        when nothing else names it."""
        for name in sorted(self.used_constants):
            uses = [
                node
                for node in ast.walk(self.tree)
                if isinstance(node, ast.Name) and node.id == name
            ]
            handled = sum(1 for _ in uses) - 1  # the assignment's own target
            if handled != self._inlined_uses(name):
                continue
            for node in self.tree.body:
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and _name(node.targets[0]) == name
                ):
                    start = self._line_starts[node.lineno - 1]
                    end = self._line_starts[node.end_lineno]  # type: ignore[index]
                    while self.source[end : end + 1] == "\n":
                        end += 1
                    self.result.edits.append(Edit(start, end, ""))

    def _inlined_uses(self, name: str) -> int:
        names = [n for n in ast.walk(self.tree) if isinstance(n, ast.Name) and n.id == name]
        return sum(
            1 for edit in self.result.edits for n in names if edit.start <= self.start(n) < edit.end
        )

    # -- imports --------------------------------------------------------------------------

    def _add_imports(self) -> None:
        present: set[str] = set()
        last_import: ast.stmt | None = None
        for node in self.tree.body:
            if isinstance(node, ast.ImportFrom):
                present |= {alias.asname or alias.name for alias in node.names}
                last_import = node
            elif isinstance(node, ast.Import):
                last_import = node
        wanted: dict[str, list[str]] = {}
        for name in sorted(self.needed - present):
            wanted.setdefault(IMPORTS[name], []).append(name)
        if not wanted:
            return
        lines = "".join(
            f"from {module} import {', '.join(names)}\n" for module, names in sorted(wanted.items())
        )
        at = self._line_starts[last_import.end_lineno] if last_import else 0  # type: ignore[index]
        self.result.edits.append(Edit(at, at, lines))


def ruff(paths: list[Path]) -> None:
    """Sort the imports, drop the ones no longer used (``Parameter``), fit the lines."""
    names = [str(p) for p in paths]
    base = [sys.executable, "-m", "ruff"]
    # F401 first: once ``Parameter`` is gone, the sorted import fits on one line again.
    for rules in ("F401", "I001"):
        subprocess.run([*base, "check", "--fix", "--select", rules, "-q", *names], check=False)
    subprocess.run([*base, "format", "-q", *names], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    parser.add_argument("--diff", action="store_true", help="print the changes")
    parser.add_argument("--no-ruff", action="store_true", help="do not run ruff on the result")
    parser.add_argument(
        "--dependency", action="append", default=[], help="one more dependency name"
    )
    parser.add_argument(
        "--scan",
        action="append",
        type=Path,
        help="where to look for dependencies={...} (default: service, reports)",
    )
    options = parser.parse_args(argv)
    paths = options.paths or [ROOT / p for p in DEFAULT_PATHS]
    scan = options.scan or [ROOT / p for p in DEFAULT_PATHS]
    dependencies = discover_dependencies(scan) | set(options.dependency)
    changed: list[Path] = []
    for path in python_files(paths):
        result = Rewriter(path, dependencies).run()
        for note in result.notes:
            print(f"note: {note}", file=sys.stderr)
        new = result.rewritten()
        if new == result.source:
            continue
        changed.append(path)
        if options.diff:
            sys.stdout.writelines(
                difflib.unified_diff(
                    result.source.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"a/{path}",
                    f"b/{path}",
                )
            )
        if not options.check:
            path.write_text(new, encoding="utf-8")
    if changed and not options.check and not options.no_ruff:
        ruff(changed)
    for path in changed:
        print(f"{'would rewrite' if options.check else 'rewrote'} {path}")
    return 1 if changed and options.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
