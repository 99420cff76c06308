"""The prefix shortcut for long strings must give exactly jsonschema-rs's verdicts."""

from __future__ import annotations

import random

import jsonschema_rs
import pytest

from dataset_kit import Validator, load_schema
from dataset_kit.validating import PREFIX_CHARS, long_string_properties, prefix_monotone
from tests.conftest import article


def _reference(schema):
    return jsonschema_rs.validator_for(schema, validate_formats=True).is_valid


def test_article_schema_shortcuts_the_plain_string_fields_only():
    names = {name for name, _, _ in long_string_properties(load_schema())}
    assert {"id", "title", "text", "source"} <= names
    # "$" in the pattern, a format, an anyOf or an array: a prefix cannot decide those.
    assert not names & {"language", "url", "published_at", "authors"}


@pytest.mark.parametrize(
    "schema",
    [
        {"properties": {"t": {"type": "string", "pattern": "^a+$"}}},
        {"properties": {"t": {"type": "string", "pattern": "foo\\b"}}},
        {"properties": {"t": {"type": "string", "pattern": "x(?!y)"}}},
        {"properties": {"t": {"type": "string", "format": "date"}}},
        {"properties": {"t": {"type": "string", "enum": ["a"]}}},
        {"properties": {"t": {"$ref": "#/$defs/s"}}, "$defs": {"s": {"type": "string"}}},
        {"properties": {"t": {"type": "string"}}, "allOf": [{"properties": {"t": {}}}]},
        {"properties": {"t": {"type": "string"}}, "unevaluatedProperties": False},
        {"properties": {"t": {"type": "string"}}, "dependentSchemas": {"t": {}}},
        {"properties": {"t": {"type": "string"}}, "patternProperties": {"t": {}}},
        {"properties": {"t": {"type": "string"}}, "const": {"t": "a"}},
        {"properties": {"t": {"type": "integer"}}},
        {"properties": {"t": True}},
    ],
)
def test_no_shortcut_where_a_prefix_could_change_the_verdict(schema):
    assert long_string_properties(schema) == []


@pytest.mark.parametrize(
    ("subschema", "value", "valid"),
    [
        # The match lies beyond the prefix: the shortcut must recheck, not reject.
        ({"type": "string", "pattern": "\\S"}, " " * 200 + "x", True),
        ({"type": "string", "pattern": "\\S"}, " \n\t" * 100, False),
        ({"type": "string", "maxLength": 100}, "a" * 101, False),
        ({"type": "string", "maxLength": 100}, "a" * 100, True),
        ({"type": "string", "minLength": 150}, "a" * 149, False),
        ({"type": "string", "minLength": 150}, "a" * 150, True),
        # minLength and maxLength count code points, as Python slices do.
        ({"type": "string", "maxLength": 70}, "\U0001f600" * 70, True),
        ({"type": "string", "maxLength": 70}, "\U0001f600" * 71, False),
        ({"type": ["string", "null"], "pattern": "é"}, "a" * 100 + "é", True),
        ({"type": "string", "pattern": "^b"}, "a" * 100 + "b", False),
    ],
)
def test_verdicts_match_the_engine_on_long_values(subschema, value, valid):
    schema = {"type": "object", "properties": {"t": subschema}, "required": ["t"]}
    assert long_string_properties(schema), "the shortcut should apply here"
    record = {"t": value, "other": 1}
    assert _reference(schema)(record) is valid
    assert Validator(schema).is_valid(record) is valid
    assert record == {"t": value, "other": 1}, "the record must come back unchanged"


def test_excluded_patterns_keep_their_verdicts():
    cases = [
        ({"type": "string", "pattern": "^a+$"}, "a" * 100 + "b"),
        ({"type": "string", "pattern": "foo\\b"}, "x" * (PREFIX_CHARS - 3) + "foobar"),
    ]
    for subschema, value in cases:
        schema = {"properties": {"t": subschema}}
        assert Validator(schema).is_valid({"t": value}) is False
        assert Validator(schema).is_valid({"t": value[:PREFIX_CHARS]}) is True


def test_random_records_agree_with_the_engine():
    rng = random.Random(20261125)
    alphabet = [" ", "\n", "a", "b", "7", "é", "\u3000", "\U0001f600"]
    patterns = ["\\S", "[0-9]", "^\\s*a", "b{2}", "é\U0001f600", "(?<=a)b", ""]
    checked = 0
    for _ in range(60):
        subschema: dict = {"type": rng.choice(["string", ["string", "null"]])}
        if rng.random() < 0.5:
            subschema["minLength"] = rng.randrange(0, 150)
        if rng.random() < 0.5:
            subschema["maxLength"] = rng.randrange(50, 250)
        if rng.random() < 0.8:
            subschema["pattern"] = rng.choice(patterns)
        schema = {
            "type": "object",
            "properties": {"t": subschema, "n": {"type": "integer"}},
            "required": ["t"],
            "additionalProperties": False,
        }
        reference, validator = _reference(schema), Validator(schema)
        for _ in range(40):
            weights = [rng.random() for _ in alphabet]
            length = rng.randrange(0, 260)
            text = "".join(rng.choices(alphabet, weights, k=length))
            record = {"t": text, "n": rng.choice([1, 2, "x"])}
            assert validator.is_valid(record) == reference(record), (schema, record)
            checked += 1
    assert checked == 2400


def test_article_verdicts_unchanged_by_the_shortcut():
    validator = Validator(load_schema())
    reference = _reference(load_schema())
    long_text = "Word " * 500
    cases = [
        article(1, text=long_text),
        article(2, text=" " * 300),
        article(3, text=" " * 300 + "late start"),
        article(4, title="T" * 500, language="en-GB-oxford"),
        article(5, text=long_text, published_at="11/11/2022 4:07 PM"),
        article(6, text=long_text, extra_field=True),
        ["not", "an", "object"],
    ]
    for record in cases:
        assert validator.is_valid(record) == reference(record), record


def test_after_a_sample_only_properties_long_in_practice_are_swapped():
    schema = load_schema()
    reference = _reference(schema)
    validator = Validator(schema)
    rng = random.Random(7)
    records = []
    for n in range(600):
        text = ("Word " * rng.randint(250, 400)) if n % 10 else " " * 2000  # some invalid
        records.append(article(n, text=text, title="T" * 80))
    for record in records[:256]:
        assert validator.is_valid(record) == reference(record)
    # The text is long; the 80-character title is not worth a lookup.
    assert [name for name, _, _ in validator._long_strings] == ["text"]
    assert validator.is_valid.__qualname__.startswith("_one_prefix_check")
    for record in records[256:]:
        before = dict(record)
        assert validator.is_valid(record) == reference(record)
        assert record == before


def test_without_long_values_the_engine_is_called_directly():
    schema = load_schema()
    validator = Validator(schema)
    for n in range(256):
        validator.is_valid(article(n))
    assert validator.is_valid == validator._rs.is_valid
    assert not validator.is_valid(article(1, title=""))


def test_two_long_properties_keep_the_general_check():
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string", "pattern": "\\S"}},
    }
    reference, validator = _reference(schema), Validator(schema)
    for n in range(300):
        record = {"a": "x" * 2000, "b": " " * 1500 + ("y" if n % 3 else "")}
        assert validator.is_valid(record) == reference(record)
    assert validator.is_valid == validator._is_valid_via_prefixes


@pytest.mark.parametrize(
    ("pattern", "value"),
    [
        # Each would pass on the 64-character prefix and fail on the whole value.
        ("a\\>", "x" * 63 + "ab"),  # end of word, as Rust's regex syntax allows
        ("(?x)q( ?! c)", "x" * 63 + "qc"),  # a lookahead once spaces are ignored
        ("x*+(?<=yx{63})", "y" + "x" * 64),  # possessive quantifier and lookbehind
        ("^z(?:a{63}(a|a)*\\1q|)", "z" + "a" * 103),  # back-reference
        ("foo\\b", "x" * (PREFIX_CHARS - 3) + "foobar"),
        ("^a+$", "a" * 100 + "b"),
    ],
)
def test_patterns_that_can_depend_on_what_follows_are_not_shortcut(pattern, value):
    schema = {"type": "object", "properties": {"text": {"type": "string", "pattern": pattern}}}
    assert long_string_properties(schema) == []
    assert Validator(schema).is_valid({"text": value}) == _reference(schema)({"text": value})


@pytest.mark.parametrize(
    ("pattern", "monotone"),
    [
        ("\\S", True),
        ("^\\s*[A-Z][a-z]+", True),
        ("\\d{4}-\\d{2}", True),
        ("(?:ab|c)+?d", True),
        ("\\p{L}+", True),
        ("[^\\]x]+", True),
        ("\\$", True),
        ("", True),
        ("$", False),
        ("a\\b", False),
        ("\\Bx", False),
        ("\\Aa", False),
        ("a\\z", False),
        ("(?=a)", False),
        ("(?<!a)b", False),
        ("(?i)a", False),
        ("(?<name>a)", False),
        ("(a)\\1", False),
        ("a++", False),
        ("a{2}+", False),
        ("[[:alpha:]]", False),
        ("a{", False),
    ],
)
def test_prefix_monotone_allows_only_plain_regular_expressions(pattern, monotone):
    assert prefix_monotone(pattern) is monotone
