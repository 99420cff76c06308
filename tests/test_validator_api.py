"""The Python API: Validator, Issue, load_schema, read_records."""

from __future__ import annotations

import pytest

from dataset_kit import Issue, Validator, load_schema, read_records
from dataset_kit.errors import InputError, SchemaError
from tests.conftest import article


def test_validator_verdicts_and_issues():
    validator = Validator(load_schema())
    assert validator.is_valid(article(1))
    assert validator.errors(article(1)) == []
    bad = article(1, published_at="11/11/2022 4:07 PM", authors=["ok", ""])
    del bad["title"]
    issues = validator.errors(bad)
    assert all(isinstance(issue, Issue) for issue in issues)
    keyed = {(issue.pointer, issue.keyword) for issue in issues}
    assert keyed == {
        ("/title", "required"),
        ("/published_at", "anyOf"),
        ("/authors/1", "minLength"),
    }


def test_formats_can_be_annotations_when_asked():
    schema = {"properties": {"d": {"format": "date"}}}
    assert not Validator(schema).is_valid({"d": "soon"})
    assert Validator(schema, assert_formats=False).is_valid({"d": "soon"})


def test_pointer_escaping_and_unknown_field_message():
    validator = Validator({"type": "object", "additionalProperties": False, "properties": {}})
    [issue] = validator.errors({"a/b~c": 1})
    assert issue.pointer == "/a~1b~0c"
    assert issue.keyword == "additionalProperties"
    assert "unknown field 'a/b~c'" in issue.message


def test_invalid_schemas_raise_schema_error():
    with pytest.raises(SchemaError, match="at /minLength"):
        Validator({"minLength": -1})
    with pytest.raises(SchemaError):
        Validator({"pattern": "("})
    with pytest.raises(SchemaError, match="cannot be resolved offline"):
        Validator({"$ref": "https://example.com/other.json"})


def test_file_refs_resolve_relative_to_base_dir(tmp_path):
    (tmp_path / "part.json").write_text('{"type": "string"}')
    validator = Validator({"$ref": "part.json"}, base_dir=tmp_path)
    assert validator.is_valid("x") and not validator.is_valid(1)


def test_read_records_streams_with_provenance(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": 1}\n\n{"id": 2}\n')
    records = list(read_records([tmp_path / "a.jsonl"]))
    assert [(r.line, r.data) for r in records] == [(1, {"id": 1}), (3, {"id": 2})]
    assert records[1].where.endswith("a.jsonl:3")
    with pytest.raises(InputError):
        list(read_records([tmp_path / "none.jsonl"]))
