"""The official JSON Schema Test Suite (draft 2020-12) through dataset_kit.Validator.

The required tests run with the spec's defaults, except that ``format.json`` (which
checks that formats are annotations only by default) runs with ``assert_formats=False``;
every file under ``optional/format`` runs with format assertions on, as ``validate``
does. Remote references (http://localhost:1234/...) are preloaded from ``remotes/``;
nothing is fetched. The suite lives in the shared folder beside the checkout.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataset_kit import Validator

SUITE = Path(__file__).resolve().parents[2] / "shared" / "jsonschema-test-suite"
DRAFT = SUITE / "tests" / "draft2020-12"

if not DRAFT.is_dir():  # pragma: no cover - the suite is part of the workspace
    pytest.skip(f"JSON Schema Test Suite not found at {SUITE}", allow_module_level=True)


def _remotes() -> dict[str, object]:
    root = SUITE / "remotes"
    return {
        "http://localhost:1234/" + path.relative_to(root).as_posix(): json.loads(path.read_text())
        for path in root.rglob("*.json")
    }


REMOTES = _remotes()


def _cases(files: list[Path], assert_formats: bool):
    for path in files:
        for group in json.loads(path.read_text()):
            formats = assert_formats and path.name != "format.json"
            yield pytest.param(
                group, formats, id=f"{path.relative_to(DRAFT)}::{group['description']}"
            )


REQUIRED = sorted(DRAFT.glob("*.json"))
FORMATS = sorted((DRAFT / "optional" / "format").glob("*.json"))


@pytest.mark.parametrize(("group", "assert_formats"), list(_cases(REQUIRED + FORMATS, True)))
def test_suite_group(group, assert_formats):
    validator = Validator(group["schema"], assert_formats=assert_formats, resources=REMOTES)
    wrong = [
        test["description"]
        for test in group["tests"]
        if validator.is_valid(test["data"]) != test["valid"]
        or (not test["valid"] and not validator.errors(test["data"]))
    ]
    assert not wrong, f"wrong verdicts: {wrong}"


def test_suite_is_complete():
    assert len(REQUIRED) >= 40 and len(FORMATS) >= 20
