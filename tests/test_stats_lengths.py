"""Text lengths computed from UTF-8 bytes, checked against ``len(s)`` and ``len(s.split())``.

``statistics.string_lengths`` replaces per-row Arrow list building with vectorised byte
passes; these tests pin its definition (Python's own, every Unicode space included),
its handling of slices, chunking, nulls and offsets, and that the statistics do not
depend on how many threads count them.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from card_fixtures import ARTICLE_SCHEMA, make_articles, write_export

import dataset_kit.statistics as statistics
from dataset_kit.cards import features_yaml
from dataset_kit.cli import cli
from dataset_kit.statistics import compute_statistics, string_lengths, text_lengths

# Every code point Python calls whitespace (29 of them), found rather than listed.
SPACES = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
# Characters that share lead or continuation bytes with the multi-byte spaces
# (U+2030 and U+205E next to U+202F and U+205F, U+1681 after U+1680, U+3001 after
# U+3000, U+00A1 and U+0084 next to U+00A0 and U+0085), controls that are not
# whitespace, and plain letters in 1 to 4 bytes.
LOOKALIKES = [
    "\u2030",
    "\u205e",
    "\u200b",
    "\u1681",
    "\u3001",
    "\u00a1",
    "\u0084",
    "\u00c2",
    "\u00e9",
    "\u20ac",
    "\U0001f600",
    "\x00",
    "\x08",
    "\x0e",
    "\x1b",
    "\x7f",
    "a",
    "b",
    "x",
]
ALPHABET = SPACES + LOOKALIKES


def expected(values: list[str | None]) -> tuple[list[int], list[int]]:
    texts = ["" if v is None else v for v in values]
    return [len(t) for t in texts], [len(t.split()) for t in texts]


def random_texts(rng: random.Random, count: int) -> list[str | None]:
    texts: list[str | None] = []
    for _ in range(count):
        if rng.random() < 0.1:
            texts.append(None)
            continue
        length = rng.choice([0, 1, 3, 40, 300])
        texts.append("".join(rng.choice(ALPHABET) for _ in range(length)))
    return texts


def test_the_whitespace_definition_is_pythons():
    assert len(SPACES) == 29
    assert {"\u00a0", "\u2028", "\u3000", "\x1c", "\x0b"} <= set(SPACES)
    assert set(statistics._MULTIBYTE_SPACES) == {c for c in SPACES if ord(c) > 0x7F}


@pytest.mark.parametrize("slice_bytes", [1 << 18, 64, 7, 1])
def test_lengths_match_python_on_random_text(monkeypatch, slice_bytes):
    # Tiny slices put slice borders inside rows of every kind (one row per slice when
    # a row is longer than the slice).
    monkeypatch.setattr(statistics, "_TEXT_SLICE_BYTES", slice_bytes)
    monkeypatch.setattr(statistics, "_scratch", type(statistics._scratch)())
    rng = random.Random(slice_bytes)
    for trial in range(120):
        texts = random_texts(rng, rng.randint(1, 40))
        array = pa.array(texts, pa.large_string() if trial % 2 else pa.string())
        if trial % 3 == 0 and len(array) > 2:
            array = array.slice(1, len(array) - 2)
            texts = texts[1:-1]
        chars, words = text_lengths(array)
        want_chars, want_words = expected(texts)
        assert chars.tolist() == want_chars, texts
        assert words.tolist() == want_words, texts


def test_each_space_separates_and_each_lookalike_does_not():
    for space in SPACES:
        text = f"{space}one{space}{space}two{space}"
        assert text_lengths(pa.array([text]))[1].tolist() == [2], repr(space)
    for other in LOOKALIKES:
        if other in "abx":
            continue
        text = f"one{other}two {other}"
        assert text_lengths(pa.array([text]))[1].tolist() == [2], repr(other)


def test_agrees_with_arrow_on_stripped_text():
    # Arrow's utf8_split_whitespace (what the card used before) gives the same counts
    # for non-empty text without leading or trailing whitespace. Otherwise it yields
    # empty strings, which are not words: "" and "a " are 0 and 1 words, not 1 and 2.
    rng = random.Random(3)
    texts = [t.strip() for t in random_texts(rng, 400) if t and t.strip()]
    arrow = pc.list_value_length(pc.utf8_split_whitespace(pa.array(texts))).to_pylist()
    assert text_lengths(pa.array(texts))[1].tolist() == arrow
    edge = pa.array(["", "a ", " a"])
    assert pc.list_value_length(pc.utf8_split_whitespace(edge)).to_pylist() == [1, 2, 2]
    assert text_lengths(edge)[1].tolist() == [0, 1, 1]


def test_chunked_arrays_nulls_and_empty_input():
    column = pa.chunked_array([pa.array(["a b", None]), pa.array([], pa.string())])
    column = pa.chunked_array([*column.chunks, pa.array(["", "é  ü\u00a0x"])])
    chars, words = text_lengths(column)
    assert chars.tolist() == [3, 0, 0, 6] and words.tolist() == [2, 0, 0, 3]
    chars, words = string_lengths(pa.array(["", ""]))
    assert chars.tolist() == [0, 0] and words.tolist() == [0, 0]
    chars, words = text_lengths(pa.chunked_array([], pa.string()))
    assert chars.size == 0 and words.size == 0


def test_popcount_without_numpy_bitwise_count(monkeypatch):
    texts = ["one two  three", " x ", "", "é\u2003é"] * 50
    with_numpy = text_lengths(pa.array(texts))
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    without = text_lengths(pa.array(texts))
    assert with_numpy[0].tolist() == without[0].tolist()
    assert with_numpy[1].tolist() == without[1].tolist() == [3, 1, 0, 2] * 50


def test_length_counter_folds_to_the_same_counts(monkeypatch):
    monkeypatch.setattr(statistics._LengthCounter, "_FOLD_AT", 5)
    rng = np.random.default_rng(1)
    counter = statistics._LengthCounter()
    seen: Counter[int] = Counter()
    for _ in range(30):
        values = rng.integers(0, 20, size=int(rng.integers(0, 9)))
        counter.add(values)
        seen.update(values.tolist())
    total: Counter[int] = Counter({3: 1})
    counter.update(total)
    seen[3] += 1
    assert total == seen


def test_statistics_do_not_depend_on_the_number_of_threads(monkeypatch, tmp_path):
    rows = make_articles(300)
    rows[0]["text"] = "  leading and trailing\u00a0space \u3000"
    rows[1]["text"] = "tab\tseparated\x0bvertical\x1cfile separator"
    write_export(tmp_path / "ds", {"train": rows[:200], "test": rows[200:]}, row_group_size=17)
    results = []
    for workers in (1, 2, 3):
        monkeypatch.setattr(statistics, "_worker_count", lambda workers=workers: workers)
        results.append(compute_statistics(tmp_path / "ds").to_dict())
    assert results[0] == results[1] == results[2]
    words = Counter(len((r["text"] or "").split()) for r in rows)
    stats = compute_statistics(tmp_path / "ds")
    assert stats.word_lengths == words
    assert stats.char_lengths == Counter(len(r["text"] or "") for r in rows)


def test_stats_cli_counts_words_as_python_does(runner, tmp_path):
    rows = make_articles(20)
    for index, row in enumerate(rows):
        row["text"] = " ".join(["w"] * (index + 1)) + "\u00a0tail\u2009end\n"
    write_export(tmp_path / "ds", {"train": rows})
    result = runner.invoke(cli, ["stats", str(tmp_path / "ds"), "--json"])
    assert result.exit_code == 0, result.output
    words = json.loads(result.output)["text_length"]["words"]
    assert words["min"] == 3 and words["max"] == 22
    assert words["p50"] == 12 and words["mean"] == 12.5


ARROW_TYPES = [
    pa.string(),
    pa.large_string(),
    pa.bool_(),
    pa.int8(),
    pa.int16(),
    pa.int32(),
    pa.int64(),
    pa.uint8(),
    pa.uint16(),
    pa.uint32(),
    pa.uint64(),
    pa.float16(),
    pa.float32(),
    pa.float64(),
]


def test_features_yaml_is_what_datasets_writes():
    datasets = pytest.importorskip("datasets")
    fields = []
    for index, arrow_type in enumerate(ARROW_TYPES):
        fields.append(pa.field(f"plain{index}", arrow_type))
        fields.append(pa.field(f"list{index}", pa.list_(arrow_type)))
        fields.append(pa.field(f"strict{index}", pa.list_(pa.field("e", arrow_type, False))))
    # The export's own schema, and others that only datasets itself can describe.
    schemas = [
        pa.schema(fields),
        ARTICLE_SCHEMA,
        pa.schema([("t", pa.timestamp("s")), ("s", pa.string())]),
        pa.schema([("l", pa.large_list(pa.string()))]),
        pa.schema([("n", pa.list_(pa.list_(pa.int64())))]),
        pa.schema([("s", pa.struct([("a", pa.string())]))]),
    ]
    for schema in schemas:
        assert features_yaml(schema) == (
            datasets.Features.from_arrow_schema(schema)._to_yaml_list()
        ), schema


@pytest.mark.parametrize("damage", ["garbage", "missing", "truncated"])
def test_a_damaged_shard_is_named_not_a_traceback(runner, tmp_path, damage):
    # The checksums are computed while the row groups are read; whichever fails
    # first, the error is the manifest's, naming the shard.
    rows = make_articles(120)
    write_export(tmp_path / "ds", {"train": rows[:80], "test": rows[80:]}, row_group_size=9)
    shard = tmp_path / "ds" / "data" / "test-00000-of-00001.parquet"
    if damage == "garbage":
        shard.write_bytes(b"not parquet at all" * 100)
    elif damage == "missing":
        shard.unlink()
    else:
        shard.write_bytes(shard.read_bytes()[:-100])
    result = runner.invoke(cli, ["stats", str(tmp_path / "ds")])
    assert result.exit_code == 2, result.output
    assert "do not match the export manifest" in result.output
    assert "test-00000-of-00001.parquet" in result.output
    assert "Traceback" not in result.output


def test_publication_days_are_checked_per_distinct_value(tmp_path):
    values = [
        "2021-03-04T10:00:00+02:00",
        "2021-03-04",
        "2021-03-04T23:59:59-11:00",
        "2020-12-31",
        None,
        "2021-3-04",
        "\uff12\uff10\uff12\uff11-03-04",  # full-width digits are not a date
        "2021-03-0",
        "yesterday",
        "",
    ]
    rows = make_articles(len(values))
    for row, value in zip(rows, values, strict=True):
        row["published_at"] = value
    write_export(tmp_path / "ds", {"train": rows})
    stats = compute_statistics(tmp_path / "ds")
    assert stats.days == Counter({"2021-03-04": 3, "2020-12-31": 1})
    assert stats.undated == 6
    assert stats.first_day == "2020-12-31" and stats.last_day == "2021-03-04"
