"""The layout stays readable (issue 11): short functions and classes in the export's
stages, executors and split strategies, and no worker state at module level there."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dataset_kit"
CHECKED = sorted(
    [
        *(PACKAGE / "stages").glob("*.py"),
        *(PACKAGE / "executors").glob("*.py"),
        *(PACKAGE / "splits").glob("*.py"),
        PACKAGE / "exporting.py",
        PACKAGE / "validation_run.py",
        PACKAGE / "tasks.py",
    ]
)


def _long_definitions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        size = (node.end_lineno or node.lineno) - node.lineno + 1
        if not isinstance(node, ast.ClassDef) and size > 80:
            found.append(f"def {node.name}: {size} lines")
        if isinstance(node, ast.ClassDef) and size > 300:
            found.append(f"class {node.name}: {size} lines")
    return found


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_function_over_80_lines_nor_class_over_300(path):
    assert _long_definitions(path) == []


@pytest.mark.parametrize(
    "path",
    [p for p in CHECKED if p.parent.name in ("stages", "splits")],
    ids=lambda p: p.relative_to(PACKAGE).as_posix(),
)
def test_stages_keep_no_state_at_module_level(path):
    """Stage code gets its context as an argument; a module-level dict or list that a
    worker fills (the old ``_worker``) would be state the executor cannot see."""
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            value = node.value
            assert not isinstance(value, (ast.Dict, ast.List, ast.Set)) or (
                path.name == "__init__.py" and path.parent.name == "splits"
            ), f"{path.name}:{node.lineno}: module-level container"
