"""``dataset_kit`` imports only the standard library, itself and its declared dependencies.

A module that is merely installed alongside (a dependency of a dependency, or something
of the test extra) works on the developer's machine and breaks for a user the day that
other package stops pulling it in. Every import in ``dataset_kit/`` counts, including
those inside functions and ``TYPE_CHECKING`` blocks: they run on some path.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "dataset_kit"


def _normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_top_level_names(package: Path) -> dict[str, list[str]]:
    """Each absolute top-level module name imported in ``package``, with where."""
    found: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            where = f"{path.relative_to(package.parent)}:{node.lineno}"
            for name in names:
                found.setdefault(name.partition(".")[0], []).append(where)
    return found


def declared_distributions() -> set[str]:
    """The normalized names in pyproject's ``dependencies`` and in its optional extras
    but ``test`` (an extra's module is imported only where it is asked for, with an
    error naming the extra when missing), with the distributions that the extras of
    a requirement (``dask[distributed]``) bring in."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    requirements = [
        *project["dependencies"],
        *(r for name, group in extras.items() if name != "test" for r in group),
    ]
    names = set()
    for requirement in requirements:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?", requirement)
        assert match, requirement
        names.add(_normalize(match.group(1)))
        for extra in filter(None, (match.group(2) or "").split(",")):
            names |= _brought_by(match.group(1), extra.strip())
    return names


def _brought_by(distribution: str, extra: str) -> set[str]:
    """The distributions that ``distribution[extra]`` adds (from its installed metadata)."""
    found = set()
    try:
        requires = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:  # its modules cannot be imported either
        return found
    for requirement in requires:
        if re.search(rf"extra\s*==\s*[\"']{re.escape(extra)}[\"']", requirement):
            found.add(_normalize(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)[1]))
    return found


def test_every_import_is_stdlib_the_package_or_a_declared_dependency():
    declared = declared_distributions()
    providers = importlib.metadata.packages_distributions()
    undeclared = {}
    for name, places in imported_top_level_names(ROOT / PACKAGE).items():
        if name == PACKAGE or name in sys.stdlib_module_names:
            continue
        # A module not installed here (tomli on Python 3.11+) is known by its own name.
        distributions = {_normalize(d) for d in providers.get(name, [name])}
        if not distributions & declared:
            undeclared[name] = places
    assert not undeclared, (
        "dataset_kit imports modules that no dependency in pyproject.toml provides: "
        + "; ".join(f"{name} ({', '.join(places)})" for name, places in undeclared.items())
    )


def test_the_check_sees_imports_in_functions_and_from_imports(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text(
        "import os.path\nfrom . import b\n\ndef f():\n    from httpx2 import Timeout\n",
        encoding="utf-8",
    )
    assert sorted(imported_top_level_names(package)) == ["httpx2", "os"]
