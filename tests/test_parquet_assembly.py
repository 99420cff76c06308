"""Row groups encoded apart and joined must make a valid, exact Parquet file."""

from __future__ import annotations

import io
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataset_kit.parquet_assembly import (
    ParquetAssembler,
    _Decoder,
    decode_struct,
    encode_row_group,
    encode_struct,
)
from dataset_kit.shards import _writer_options

SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("count", pa.int64()),
        pa.field("score", pa.float64()),
        pa.field("flag", pa.bool_()),
        pa.field("nothing", pa.null()),
    ]
)


def _tables(count: int = 4, rows: int = 3000, seed: int = 5) -> list[pa.Table]:
    rng = random.Random(seed)
    words = ["".join(rng.choices("abcdefghij", k=rng.randint(2, 9))) for _ in range(400)]
    tables = []
    for part in range(count):
        records = []
        for n in range(rows):
            records.append(
                {
                    "id": f"{part}-{n}",
                    "text": None if n % 50 == 0 else " ".join(rng.choices(words, k=60)),
                    "tags": None if n % 7 == 0 else rng.sample(words, n % 4),
                    "count": None if n % 9 == 0 else n,
                    "score": n / 3,
                    "flag": n % 2 == 0,
                    "nothing": None,
                }
            )
        tables.append(pa.Table.from_pylist(records, SCHEMA))
    return tables


def _assemble(tables: list[pa.Table], options: dict) -> bytes:
    out = io.BytesIO()
    assembler = ParquetAssembler(out)
    for table in tables:
        assembler.append(encode_row_group(table, SCHEMA, options))
        assert assembler.tell() == len(out.getvalue())
    assembler.close()
    return out.getvalue()


def test_without_chunking_the_file_is_byte_identical_to_arrows_own():
    # Content-defined chunking carries state from one row group to the next inside
    # Arrow's writer; without it, each row group encodes the same alone or not, so
    # the joined file must be exactly what Arrow writes in one go.
    options = dict(_writer_options(), use_content_defined_chunking=False)
    tables = _tables()
    reference = io.BytesIO()
    with pq.ParquetWriter(reference, SCHEMA, **options) as writer:
        for table in tables:
            writer.write_table(table, row_group_size=table.num_rows)
    assert _assemble(tables, options) == reference.getvalue()


def test_joined_file_reads_back_row_group_by_row_group():
    tables = _tables()
    data = _assemble(tables, _writer_options())
    parquet = pq.ParquetFile(io.BytesIO(data))
    assert parquet.metadata.num_row_groups == len(tables)
    assert parquet.metadata.num_rows == sum(t.num_rows for t in tables)
    assert parquet.schema_arrow.equals(SCHEMA)
    for index, table in enumerate(tables):
        assert parquet.read_row_group(index).equals(table)
    assert parquet.read().equals(pa.concat_tables(tables))


def _offset_indexes(data: bytes):
    """Every (row group, column, decoded OffsetIndex, column chunk metadata)."""
    length = int.from_bytes(data[-8:-4], "little")
    footer = decode_struct(data[-8 - length : -8])
    for g, row_group in enumerate(footer.get(4).values):
        for c, column in enumerate(row_group.get(1).values):
            at, size = column.get(4), column.get(5)
            yield g, c, decode_struct(data[at : at + size]), column


def test_page_index_points_at_real_pages():
    data = _assemble(_tables(), _writer_options())
    checked = with_column_index = 0
    for _, _, offset_index, column in _offset_indexes(data):
        meta = column.get(3)
        first_data_page = meta.get(9)
        locations = offset_index.get(1).values
        assert locations[0].get(1) == first_data_page
        for location in locations:
            offset, size = location.get(1), location.get(2)
            decoder = _Decoder(data[offset : offset + size])
            header = decoder.struct()
            # PageHeader field 3: the compressed page size, which with the header
            # itself is what the page location says the page takes.
            assert decoder.pos + header.get(3) == size
            checked += 1
        # The column index (Arrow writes none for some columns, e.g. all-null ones)
        # is where the chunk says, and decodes in full.
        at, size = column.get(6), column.get(7)
        if at is not None:
            blob = data[at : at + size]
            assert encode_struct(decode_struct(blob)) == blob
            with_column_index += 1
    assert checked > 28 and with_column_index >= 20


def test_thrift_round_trip_of_arrows_metadata_is_exact():
    buffer = io.BytesIO()
    with pq.ParquetWriter(buffer, SCHEMA, **_writer_options()) as writer:
        for table in _tables(2):
            writer.write_table(table, row_group_size=table.num_rows)
    data = buffer.getvalue()
    length = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - length : -8]
    assert encode_struct(decode_struct(footer)) == footer
    for _, _, offset_index, _ in _offset_indexes(data):
        assert decode_struct(encode_struct(offset_index)) == offset_index


def test_one_row_group_and_single_rows():
    for table in (_tables(1)[0], _tables(1)[0].slice(0, 1)):
        data = _assemble([table], _writer_options())
        assert pq.read_table(io.BytesIO(data)).equals(table)


def test_closing_without_row_groups_is_refused():
    from dataset_kit.errors import DatasetKitError

    with pytest.raises(DatasetKitError, match="at least one row group"):
        ParquetAssembler(io.BytesIO()).close()


def test_a_part_that_is_not_parquet_is_refused():
    from dataset_kit.errors import DatasetKitError

    with pytest.raises(DatasetKitError, match="not a Parquet file"):
        ParquetAssembler(io.BytesIO()).append(b"PAR1 not really")
