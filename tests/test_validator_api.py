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


def test_python_reference_engine_agrees_on_the_article_schema(runner, write_jsonl, tmp_path):
    from dataset_kit.cli import cli

    records = [
        article(1),
        article(2, published_at="11/11/2022 4:07 PM"),
        article(3, url="::not a uri"),
        article(4, language="english!"),
        article(5, authors=["", "B"], extra=True),
        {"id": "6", "title": " ", "text": "x"},
        article(7, published_at="2022-02-30"),
        article(8, word_count=-1, furniture_ratio=1.5),
    ]
    schema = load_schema()
    rust, python = Validator(schema), Validator(schema, engine="python")
    for record in records:
        assert rust.is_valid(record) == python.is_valid(record), record
        rust_keys = {(i.pointer, i.keyword) for i in rust.errors(record)}
        python_keys = {(i.pointer, i.keyword) for i in python.errors(record)}
        assert rust_keys == python_keys, record
    path = write_jsonl("c.jsonl", records)
    outputs = [
        runner.invoke(cli, ["validate", str(path), "--engine", engine])
        for engine in ("rust", "python")
    ]
    assert [o.exit_code for o in outputs] == [1, 1]
    assert all("8 records read from 1 file: 1 valid, 7 invalid." in o.output for o in outputs)


def test_every_public_name_resolves():
    import dataset_kit

    for name in dataset_kit.__all__:
        assert callable(getattr(dataset_kit, name)), name
