"""The shape of the code base: no overlong functions or classes, no import cycles.

Both are checked with ``ast`` over every module of ``dataset_kit``: a function may have
at most MAX_FUNCTION_LINES lines and a class MAX_CLASS_LINES (``end_lineno - lineno +
1``, nested functions and methods included under their qualified name), and the
graph of imports between ``dataset_kit`` modules, counting the imports inside
functions (they run too, only later), must have no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dataset_kit"
MAX_FUNCTION_LINES = 80
MAX_CLASS_LINES = 300

# Functions and classes still longer than the limits, per file under dataset_kit/.
# Empty now: it must stay that way (never add to it). Kept so that a deliberate,
# reviewed exception has one visible place; the test fails on an entry that is no
# longer too long, so the list cannot go stale.
TOO_LONG_ALLOWED: dict[str, set[str]] = {}

# Imports (importer, imported) that close an import cycle known today; they are left
# out of the graph, which must then have no cycle. This list must only shrink too:
# each entry is a deferred import inside a function that works, but ties the modules
# together; the test fails on an entry whose import is gone.
CYCLE_EDGES_ALLOWED: dict[tuple[str, str], str] = {}


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    modules: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _long_definitions(tree: ast.AST) -> dict[str, int]:
    """Qualified name -> length of each function or class over its limit."""
    found: dict[str, int] = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                length = child.end_lineno - child.lineno + 1
                limit = MAX_CLASS_LINES if isinstance(child, ast.ClassDef) else MAX_FUNCTION_LINES
                if length > limit:
                    found[name] = length
                walk(child, name + ".")
            else:
                walk(child, prefix)

    walk(tree, "")
    return found


def test_no_function_or_class_is_too_long():
    too_long: list[str] = []
    stale: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        found = _long_definitions(ast.parse(path.read_text(encoding="utf-8")))
        allowed = TOO_LONG_ALLOWED.get(relative, set())
        too_long += [
            f"{relative}: {name} ({n} lines)" for name, n in found.items() if name not in allowed
        ]
        stale += [f"{relative}: {name}" for name in sorted(allowed - set(found))]
    assert not too_long, (
        f"over {MAX_FUNCTION_LINES} lines (function) or {MAX_CLASS_LINES} (class); split "
        "into well-named helpers:\n  " + "\n  ".join(too_long)
    )
    assert not stale, "no longer too long: remove from TOO_LONG_ALLOWED:\n  " + "\n  ".join(stale)


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ``dataset_kit`` modules that module ``name`` imports, anywhere in its code.

    Relative imports are resolved against the module's package; ``from pkg import x``
    is an import of ``pkg.x`` when that is a module. Imports under ``if TYPE_CHECKING:``
    never run and are not counted.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if _is_type_checking(node)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
    return {module for module in found if module in modules and module != name}


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_no_import_cycle():
    graph = _import_graph()
    stale = [f"{a} -> {b}" for (a, b) in CYCLE_EDGES_ALLOWED if b not in graph.get(a, set())]
    assert not stale, "no longer imported: remove from CYCLE_EDGES_ALLOWED: " + ", ".join(stale)
    for importer, imported in CYCLE_EDGES_ALLOWED:
        graph[importer].discard(imported)
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle among dataset_kit modules: " + " -> ".join(cycle)


def test_the_cycle_check_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _find_cycle(graph) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
