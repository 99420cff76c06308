"""export counts the card's statistics while writing; they must equal a read-back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import dataset_kit.cards
from dataset_kit.cli import cli
from dataset_kit.statistics import can_predict_nbytes, compute_statistics, stored_nbytes
from tests.export_helpers import corpus, write_jsonl

SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("maybe", pa.string()),
        pa.field("always", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("required_tags", pa.list_(pa.field("item", pa.string(), nullable=False)), False),
        pa.field("numbers", pa.list_(pa.int64())),
        pa.field("count", pa.int64()),
        pa.field("required_count", pa.int64(), nullable=False),
        pa.field("score", pa.float64()),
        pa.field("flag", pa.bool_()),
        pa.field("flag_or_null", pa.bool_()),
        pa.field("nothing", pa.null()),
    ]
)


def _table() -> pa.Table:
    rows = []
    for k in range(400):
        rows.append(
            {
                "id": f"x{k}",
                "maybe": None if k % 3 == 0 else "é" * (k % 7),
                "always": "ab" * (k % 5),
                "tags": None if k % 4 == 0 else (["p", None] if k % 5 == 0 else ["q"] * (k % 3)),
                "required_tags": ["w"] * (k % 4),
                "numbers": [k, None] if k % 2 else [],
                "count": None if k % 6 == 0 else k,
                "required_count": k,
                "score": k / 3,
                "flag": k % 2 == 0,
                "flag_or_null": None if k % 7 == 0 else True,
                "nothing": None,
            }
        )
    return pa.Table.from_pylist(rows, SCHEMA)


def _variants(table: pa.Table) -> list[pa.Table]:
    odd = pc.equal(pc.bit_wise_and(table["required_count"], 1), 1)
    return [
        table,
        table.slice(37, 200),
        pa.concat_tables([table.slice(1, 50), table.filter(odd)]),  # several chunks
        table.slice(0, 0),
        table.filter(pc.is_valid(table["count"])),  # no nulls left in some columns
    ]


@pytest.mark.parametrize("variant", range(5))
def test_stored_nbytes_predicts_a_parquet_round_trip(variant):
    table = _variants(_table())[variant]
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=max(table.num_rows, 1))
    buffer.seek(0)
    parquet = pq.ParquetFile(buffer)
    back = parquet.read_row_group(0) if parquet.metadata.num_row_groups else table
    for field in SCHEMA:
        assert stored_nbytes(table.column(field.name), field) == back.column(field.name).nbytes, (
            field
        )


def test_types_that_read_back_differently_are_not_predicted():
    struct = pa.struct([pa.field("a", pa.string())])
    assert not can_predict_nbytes(struct)
    assert not can_predict_nbytes(pa.list_(struct))
    # A nullable int8 without nulls reads back without a bitmap, date64 as date32.
    for kind in (pa.int8(), pa.uint64(), pa.date32(), pa.date64(), pa.timestamp("s")):
        assert not can_predict_nbytes(kind), kind
        assert not can_predict_nbytes(pa.list_(kind)), kind
    assert all(can_predict_nbytes(field.type) for field in SCHEMA)
    with pytest.raises(TypeError):
        stored_nbytes(pa.chunked_array([[{"a": "x"}]], struct), pa.field("s", struct))


def _export_capturing_statistics(runner, monkeypatch, args: list[str]):
    """Run ``dataset-kit export`` and return the statistics it gave the card writer."""
    captured = {}
    real = dataset_kit.cards.write_card

    def spy(*a, **kw):
        captured["statistics"] = kw.get("statistics")
        return real(*a, **kw)

    monkeypatch.setattr(dataset_kit.cards, "write_card", spy)
    result = runner.invoke(cli, ["export", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return captured["statistics"]


def _same_statistics(counted, read_back) -> None:
    assert counted.to_dict() == read_back.to_dict()
    assert counted.shards == read_back.shards
    assert counted.char_lengths == read_back.char_lengths
    assert counted.word_lengths == read_back.word_lengths
    assert counted.days == read_back.days


def test_export_counts_while_writing_what_a_read_back_counts(runner, monkeypatch, tmp_path):
    rows = corpus(500, near_every=9, exact_every=23)
    for n, row in enumerate(rows):
        if n % 5 == 0:
            row["source"] = None
        if n % 7 == 0:
            row.pop("language")
        if n % 11 == 0:
            row["published_at"] = None
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "ds"
    counted = _export_capturing_statistics(
        runner, monkeypatch, [str(source), "--out", str(out), "--max-shard-size", "100KiB"]
    )
    assert counted is not None, "export should count while writing"
    read_back = compute_statistics(out)
    assert len(read_back.shards) > 4 and sum(s.row_groups for s in read_back.shards) > 8
    _same_statistics(counted, read_back)

    # `dataset-kit card`, which reads the shards back, writes the very same card.
    names = ["README.md", "croissant.json"]
    first = {name: (out / name).read_bytes() for name in names}
    result = runner.invoke(cli, ["card", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert {name: (out / name).read_bytes() for name in names} == first


def test_custom_columns_are_counted_while_writing_too(runner, monkeypatch, tmp_path):
    schema = {
        "type": "object",
        "required": ["id", "title", "text", "rank"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "text": {"type": "string"},
            "rank": {"type": "integer"},
            "score": {"type": ["number", "null"]},
            "paywalled": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "votes": {"type": ["array", "null"], "items": {"type": "integer"}},
        },
    }
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    rows = []
    for n, row in enumerate(corpus(300)):
        rows.append(
            {
                "id": row["id"],
                "title": row["title"],
                "text": row["text"],
                "rank": n,
                "score": None if n % 3 else n / 7,
                **({"paywalled": n % 2 == 0} if n % 5 else {}),
                "tags": ["a", "b"][: n % 3],
                "votes": None if n % 4 == 0 else list(range(n % 5)),
            }
        )
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "ds"
    args = [str(source), "--out", str(out), "--schema", str(schema_path)]
    counted = _export_capturing_statistics(
        runner, monkeypatch, [*args, "--max-shard-size", "64KiB"]
    )
    assert counted is not None
    _same_statistics(counted, compute_statistics(out))


def test_nested_objects_fall_back_to_reading_the_shards(runner, monkeypatch, tmp_path):
    schema = {
        "type": "object",
        "required": ["id", "title", "text"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "text": {"type": "string"},
            "place": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "lat": {"type": "number"}},
                "additionalProperties": False,
            },
        },
    }
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    rows = [
        {"id": r["id"], "title": r["title"], "text": r["text"], "place": {"city": "Oslo"}}
        for r in corpus(40)
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "ds"
    counted = _export_capturing_statistics(
        runner, monkeypatch, [str(source), "--out", str(out), "--schema", str(schema_path)]
    )
    assert counted is None, "a struct column's size cannot be predicted: read the shards"
    info = _dataset_info(out)
    assert info["dataset_size"] == sum(pq.read_table(p).nbytes for p in _shards(out))


def _shards(out: Path) -> list[Path]:
    return sorted((out / "data").glob("*.parquet"))


def _dataset_info(out: Path) -> dict:
    from dataset_kit.cards import split_front_matter

    return split_front_matter((out / "README.md").read_text(encoding="utf-8"))[0]["dataset_info"]
