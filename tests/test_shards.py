"""Unit tests of the Parquet shard writer and the Arrow schema derivation."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataset_kit.arrow_schema import arrow_schema, columns_for, to_batch
from dataset_kit.errors import DatasetKitError, SchemaError
from dataset_kit.shards import (
    _FOOTER_BASE,
    ShardShape,
    parse_size,
    plan_split,
    row_group_bound,
    row_nbytes,
    statistics_nbytes,
    write_shard,
)
from dataset_kit.validating import load_schema


def test_parse_size_units() -> None:
    assert parse_size("500MB") == 500_000_000
    assert parse_size("1.5GB") == 1_500_000_000
    assert parse_size("256MiB") == 256 * 2**20
    assert parse_size("100k") == 100_000
    assert parse_size(4096) == 4096
    for bad in ("lots", "12XB", "10", True):
        with pytest.raises(DatasetKitError):
            parse_size(bad)  # type: ignore[arg-type]


def test_article_schema_columns() -> None:
    schema = arrow_schema(columns_for(load_schema(None)))
    assert schema.field("id").type == pa.string() and not schema.field("id").nullable
    assert schema.field("url").nullable
    assert schema.field("authors").type.value_type == pa.string()
    assert schema.field("word_count").type == pa.int64()
    assert schema.field("furniture_ratio").type == pa.float64()
    assert schema.field("published_at").type == pa.string()
    assert schema.names[-1] == "cluster_id"


def test_schema_derivation_edge_cases() -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["a"],
        "$defs": {
            "point": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"x": {"type": "integer"}},
            }
        },
        "properties": {
            "a": {"type": "integer"},
            "b": {"anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "null"}]},
            "c": {"$ref": "#/$defs/point"},
            "d": {"enum": ["x", "y"]},
            "e": {},
            "f": {"type": "array", "items": {"type": ["string", "integer"]}},
        },
    }
    columns = {c.name: c for c in columns_for(schema)}
    assert columns["a"].type == pa.int64() and not columns["a"].nullable
    assert columns["b"].type == pa.float64() and columns["b"].nullable
    assert pa.types.is_struct(columns["c"].type)
    assert columns["d"].type == pa.string() and not columns["d"].json_text
    assert columns["e"].json_text and columns["f"].json_text
    batch, failures = to_batch(
        [{"a": 1, "b": 2, "c": {"x": 3}, "e": {"k": [1]}, "f": ["s", 1]}, {"a": 2**70}],
        list(columns.values()),
    )
    assert batch.num_rows == 1 and failures[0][:2] == (1, "a")
    assert batch.column("e").to_pylist() == ['{"k":[1]}']
    with pytest.raises(SchemaError, match="additionalProperties"):
        columns_for({"type": "object", "properties": {"a": {"type": "string"}}})


def make_batch(start: int, count: int) -> pa.RecordBatch:
    rng = np.random.default_rng(start)
    texts = [" ".join(f"w{v}" for v in rng.integers(0, 5000, 120)) for _ in range(count)]
    return pa.record_batch(
        {
            "id": [f"r{i:06d}" for i in range(start, start + count)],
            "text": texts,
            "tags": [["a", "b"][: i % 3] for i in range(count)],
        }
    )


def plan(batch: pa.RecordBatch, limit: int) -> list[tuple[int, ...]]:
    return plan_split(
        "train", row_nbytes(batch), statistics_nbytes(batch), ShardShape.of(batch.schema), limit
    )


def write(folder: Path, batch: pa.RecordBatch, limit: int, chunk: int | None = None) -> list:
    """Plan ``batch``'s shards and write them, its rows arriving in chunks of ``chunk``."""
    table = pa.Table.from_batches([batch])
    if chunk:
        table = pa.Table.from_batches(
            [batch.slice(i, chunk) for i in range(0, batch.num_rows, chunk)]
        )
    shards, offset = [], 0
    layout = plan(batch, limit)
    for index, groups in enumerate(layout):
        tables = []
        for rows in groups:
            tables.append(table.slice(offset, rows))
            offset += rows
        path = f"data/train-{index:05d}-of-{len(layout):05d}.parquet"
        shards.append(write_shard(folder, path, "train", batch.schema, tables))
    return shards


def test_row_nbytes_adds_up_to_arrow_sizes() -> None:
    batch = make_batch(0, 50)
    sizes = row_nbytes(batch)
    assert len(sizes) == 50 and sizes.min() > 0
    sliced = row_nbytes(batch.slice(10, 5))
    assert np.array_equal(sliced, sizes[10:15])
    assert abs(int(sizes.sum()) - batch.nbytes) < 0.1 * batch.nbytes


def test_shards_are_capped_ordered_and_independent_of_chunks(tmp_path: Path) -> None:
    rows = make_batch(0, 3000)
    limit = 200_000
    whole = write(tmp_path / "a", rows, limit)
    pieces = write(tmp_path / "b", rows, limit, chunk=7)
    assert len(whole) > 3
    assert [s.path for s in whole] == [
        f"data/train-{i:05d}-of-{len(whole):05d}.parquet" for i in range(len(whole))
    ]
    for shard in whole:
        assert shard.bytes <= limit
    for a, b in zip(whole, pieces, strict=True):
        assert (
            a.sha256
            == b.sha256
            == hashlib.sha256((tmp_path / "b" / b.path).read_bytes()).hexdigest()
        )
    read = pa.concat_tables([pq.read_table(tmp_path / "a" / s.path) for s in whole])
    assert read.column("id").to_pylist() == rows.column("id").to_pylist()
    assert sum(s.rows for s in whole) == 3000
    assert sum(s.num_bytes for s in whole) == int(row_nbytes(rows).sum())
    metadata = pq.ParquetFile(tmp_path / "a" / whole[0].path).metadata
    assert metadata.num_row_groups >= 2
    assert metadata.row_group(0).column(1).compression == "ZSTD"
    assert not list((tmp_path / "a" / "data").glob(".*"))  # no temporary file left


def test_the_plan_fills_each_shard_to_within_a_row_group() -> None:
    batch = make_batch(0, 3000)
    sizes, stats = row_nbytes(batch), statistics_nbytes(batch)
    shape = ShardShape.of(batch.schema)
    limit = 150_000
    layout = plan(batch, limit)
    groups = [rows for shard in layout for rows in shard]
    assert sum(groups) == 3000 and len(layout) > 3

    def bound(lo: int, hi: int) -> int:
        return row_group_bound(shape, int(sizes[lo:hi].sum()), int(stats[lo:hi].sum()))

    offset = 0
    for number, shard in enumerate(layout):
        bounds = []
        for rows in shard:
            bounds.append(bound(offset, offset + rows))
            offset += rows
        assert sum(bounds) + _FOOTER_BASE <= limit
        if number + 1 < len(layout):  # the next row group would not have fitted
            following = layout[number + 1][0]
            assert sum(bounds) + bound(offset, offset + following) + _FOOTER_BASE > limit
    # Row groups are cut where the running size reaches the target (limit // 8).
    starts = np.cumsum([0, *groups])
    for lo, hi in itertools.pairwise(starts[:-1]):  # all but the split's last
        assert sizes[lo:hi].sum() >= limit // 8 > sizes[lo : hi - 1].sum()


@pytest.mark.parametrize("limit", [60_000, 100_000, 250_000])
def test_incompressible_rows_never_make_a_shard_over_the_limit(tmp_path: Path, limit) -> None:
    import base64

    rng = np.random.default_rng(3)
    texts = [base64.b64encode(rng.bytes(int(n))).decode() for n in rng.integers(100, 9000, 120)]
    batch = pa.record_batch(
        {
            "id": [f"r{i}" for i in range(len(texts))],
            "title": [t[:4000] for t in reversed(texts)],
            "text": texts,
        }
    )
    shards = write(tmp_path, batch, limit)
    assert len(shards) > 2
    assert max((tmp_path / s.path).stat().st_size for s in shards) <= limit


def test_empty_split_gets_one_empty_shard(tmp_path: Path) -> None:
    batch = make_batch(0, 1).slice(0, 0)
    assert plan(batch, 10_000_000) == [()]
    shards = write(tmp_path, batch, 10_000_000)
    assert [(s.path, s.rows) for s in shards] == [("data/train-00000-of-00001.parquet", 0)]
    assert pq.read_table(tmp_path / shards[0].path).num_rows == 0


def test_a_row_larger_than_the_limit_is_refused() -> None:
    batch = pa.record_batch({"id": ["x"], "text": ["y" * 50_000]})
    with pytest.raises(DatasetKitError, match="max-shard-size"):
        plan(batch, 20_000)


def test_writing_a_shard_again_gives_the_same_bytes_and_no_temporary_file(tmp_path: Path) -> None:
    batch = make_batch(0, 400)
    first = write(tmp_path, batch, 120_000)
    again = write(tmp_path, batch, 120_000)  # as a retried task would
    assert [s.sha256 for s in first] == [s.sha256 for s in again]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(
        Path(s.path).name for s in first
    )


def test_a_shard_in_a_remote_folder_is_written_directly(tmp_path: Path) -> None:
    import fsspec

    batch = make_batch(0, 300)
    local = write(tmp_path, batch, 10_000_000)
    folder = "memory://shard-test/export"
    remote = write(folder, batch, 10_000_000)  # type: ignore[arg-type]
    memory = fsspec.filesystem("memory")
    try:
        assert [(s.path, s.sha256, s.bytes) for s in remote] == [
            (s.path, s.sha256, s.bytes) for s in local
        ]
        names = [p.rsplit("/", 1)[-1] for p in memory.ls("/shard-test/export/data", detail=False)]
        assert names == ["train-00000-of-00001.parquet"]
    finally:
        memory.rm("/shard-test", recursive=True)
