"""Build one Parquet file from row groups encoded in parallel.

Arrow's Parquet writer encodes and compresses a file's row groups one after another,
in one thread, and for a large split that thread is what an export waits for. Here
each row group is encoded on its own, as a complete one-row-group Parquet file in
memory (:func:`encode_row_group`, in any thread: pyarrow releases the GIL), and
:class:`ParquetAssembler` joins them, in order, into one file: the column chunks are
copied byte for byte, and only the positions in the metadata move.

A Parquet file is ``PAR1``, the column chunks of each row group, the page index
(every column index, then every offset index), the footer (a Thrift-encoded
``FileMetaData``), its length and ``PAR1`` again. Joining moves a part's chunks to
where the file has got to, so every absolute position that points into them is
shifted by the same amount: a column chunk's page offsets, a row group's offset and
the page locations of the offset index. Column indexes hold no positions and are
copied as they are. The footer is the first part's (schema, key-value metadata,
writer), with the row groups of all parts and their total row count.

The Thrift compact protocol is decoded into a small generic tree and encoded back;
:meth:`ParquetAssembler.append` checks that an untouched footer survives that round
trip byte for byte before trusting it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from .errors import DatasetKitError

MAGIC = b"PAR1"

# Thrift compact protocol types.
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT = range(
    13
)

# Field ids from parquet.thrift that hold file positions.
_FILE_NUM_ROWS, _FILE_ROW_GROUPS = 3, 4
_RG_COLUMNS, _RG_FILE_OFFSET, _RG_ORDINAL = 1, 5, 7
_CC_FILE_OFFSET, _CC_META = 2, 3
_CC_OFFSET_INDEX_OFFSET, _CC_OFFSET_INDEX_LENGTH = 4, 5
_CC_COLUMN_INDEX_OFFSET, _CC_COLUMN_INDEX_LENGTH = 6, 7
_META_TOTAL_COMPRESSED = 7
_META_PAGE_OFFSETS = (9, 10, 11)  # data, index, dictionary page
_META_BLOOM_FILTER_OFFSET = 14
_OI_PAGE_LOCATIONS, _PAGE_LOCATION_OFFSET = 1, 1


@dataclass
class Struct:
    """A decoded Thrift struct: its fields in wire order as ``[id, type, value]``."""

    fields: list[list[Any]] = field(default_factory=list)

    def get(self, field_id: int) -> Any:
        for fid, _, value in self.fields:
            if fid == field_id:
                return value
        return None

    def set(self, field_id: int, value: Any) -> None:
        for entry in self.fields:
            if entry[0] == field_id:
                entry[2] = value
                return
        raise KeyError(field_id)


@dataclass
class ThriftList:
    element_type: int
    values: list[Any]


@dataclass
class ThriftMap:
    key_type: int
    value_type: int
    items: list[tuple[Any, Any]]


# --- decoding -------------------------------------------------------------------------


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def value(self, kind: int) -> Any:
        if kind in (_I16, _I32, _I64):
            return self.zigzag()
        if kind == _BINARY:
            size = self.varint()
            self.pos += size
            return self.data[self.pos - size : self.pos]
        if kind == _STRUCT:
            return self.struct()
        if kind in (_LIST, _SET):
            header = self.byte()
            size = header >> 4
            if size == 15:
                size = self.varint()
            element = header & 0x0F
            return ThriftList(element, [self.value(element) for _ in range(size)])
        if kind == _MAP:
            size = self.varint()
            if not size:
                return ThriftMap(0, 0, [])
            types = self.byte()
            key, val = types >> 4, types & 0x0F
            return ThriftMap(key, val, [(self.value(key), self.value(val)) for _ in range(size)])
        if kind == _DOUBLE:
            self.pos += 8
            return self.data[self.pos - 8 : self.pos]
        if kind in (_BYTE, _TRUE, _FALSE):  # a byte, or a bool inside a list
            return self.byte()
        raise DatasetKitError(f"Parquet metadata: unknown Thrift type {kind}")

    def struct(self) -> Struct:
        decoded = Struct()
        last = 0
        while True:
            header = self.byte()
            kind = header & 0x0F
            if kind == _STOP:
                return decoded
            delta = header >> 4
            last = last + delta if delta else self.zigzag()
            if kind in (_TRUE, _FALSE):
                decoded.fields.append([last, kind, kind == _TRUE])
            else:
                decoded.fields.append([last, kind, self.value(kind)])


def decode_struct(data: bytes) -> Struct:
    """Decode one Thrift compact struct that fills ``data`` exactly."""
    decoder = _Decoder(data)
    try:
        decoded = decoder.struct()
    except IndexError:
        raise DatasetKitError("Parquet metadata: truncated Thrift struct") from None
    if decoder.pos != len(data):
        raise DatasetKitError("Parquet metadata: bytes left after the Thrift struct")
    return decoded


# --- encoding -------------------------------------------------------------------------


def _varint(out: bytearray, value: int) -> None:
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _zigzag(out: bytearray, value: int) -> None:
    _varint(out, (value << 1) ^ (value >> 63))


def _encode_value(out: bytearray, kind: int, value: Any) -> None:
    if kind in (_I16, _I32, _I64):
        _zigzag(out, value)
    elif kind == _BINARY:
        _varint(out, len(value))
        out += value
    elif kind == _STRUCT:
        _encode_struct(out, value)
    elif kind in (_LIST, _SET):
        size = len(value.values)
        out.append((size << 4 | value.element_type) if size < 15 else 0xF0 | value.element_type)
        if size >= 15:
            _varint(out, size)
        for item in value.values:
            _encode_value(out, value.element_type, item)
    elif kind == _MAP:
        _varint(out, len(value.items))
        if value.items:
            out.append(value.key_type << 4 | value.value_type)
            for key, item in value.items:
                _encode_value(out, value.key_type, key)
                _encode_value(out, value.value_type, item)
    elif kind == _DOUBLE:
        out += value
    else:  # a byte, or a bool inside a list
        out.append(value)


def _encode_struct(out: bytearray, value: Struct) -> None:
    last = 0
    for fid, kind, item in value.fields:
        wire_kind = (_TRUE if item else _FALSE) if kind in (_TRUE, _FALSE) else kind
        if 0 < fid - last <= 15:
            out.append((fid - last) << 4 | wire_kind)
        else:
            out.append(wire_kind)
            _zigzag(out, fid)
        last = fid
        if kind not in (_TRUE, _FALSE):
            _encode_value(out, kind, item)
    out.append(_STOP)


def encode_struct(value: Struct) -> bytes:
    """The Thrift compact encoding of ``value``."""
    out = bytearray()
    _encode_struct(out, value)
    return bytes(out)


# --- parts and assembly ---------------------------------------------------------------


def encode_row_group(table: Any, schema: Any, options: dict[str, Any]) -> bytes:
    """``table`` as a complete Parquet file holding one row group (thread-safe)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    # An Arrow sink, not a Python one: writing to it never waits for the GIL, so
    # several row groups really are encoded at once.
    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, schema, **options) as writer:
        writer.write_table(table, row_group_size=max(table.num_rows, 1))
    return sink.getvalue().to_pybytes()


def _footer(part: bytes) -> tuple[Struct, int]:
    if len(part) < 12 or part[:4] != MAGIC or part[-4:] != MAGIC:
        raise DatasetKitError("internal error: an encoded row group is not a Parquet file")
    (length,) = struct.unpack("<I", part[-8:-4])
    start = len(part) - 8 - length
    raw = part[start:-8]
    footer = decode_struct(raw)
    if encode_struct(footer) != raw:
        raise DatasetKitError("internal error: Parquet footer does not survive a round trip")
    return footer, start


class ParquetAssembler:
    """Joins one-row-group Parquet files (see :func:`encode_row_group`) into one file.

    Every part must come from the same Arrow schema and writer options. :meth:`tell`
    is the size of the file so far, as a Parquet writer's sink would report it.
    """

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self._sink.write(MAGIC)
        self._position = len(MAGIC)
        self._first: Struct | None = None
        self._row_groups: list[Struct] = []
        self._column_indexes: list[list[bytes | None]] = []
        self._offset_indexes: list[list[Struct | None]] = []
        self._rows = 0

    def tell(self) -> int:
        return self._position

    def append(self, part: bytes) -> None:
        """Add the row group of ``part`` after those appended before."""
        footer, footer_start = _footer(part)
        row_groups = footer.get(_FILE_ROW_GROUPS)
        if row_groups is None or len(row_groups.values) != 1:
            raise DatasetKitError("internal error: a part must hold exactly one row group")
        row_group: Struct = row_groups.values[0]
        columns: list[Struct] = row_group.get(_RG_COLUMNS).values
        end = len(MAGIC)
        for column in columns:
            meta: Struct = column.get(_CC_META)
            if meta.get(_META_BLOOM_FILTER_OFFSET) is not None:
                raise DatasetKitError("internal error: bloom filters cannot be reassembled")
            start = min(v for v in (meta.get(k) for k in _META_PAGE_OFFSETS) if v is not None)
            end = max(end, start + meta.get(_META_TOTAL_COMPRESSED))
        index_start = min(
            [
                column.get(key)
                for column in columns
                for key in (_CC_COLUMN_INDEX_OFFSET, _CC_OFFSET_INDEX_OFFSET)
                if column.get(key) is not None
            ]
            or [footer_start]
        )
        if end != index_start:
            raise DatasetKitError("internal error: unexpected layout of an encoded row group")
        shift = self._position - len(MAGIC)
        self._sink.write(memoryview(part)[len(MAGIC) : end])
        self._position += end - len(MAGIC)

        column_indexes: list[bytes | None] = []
        offset_indexes: list[Struct | None] = []
        for column in columns:
            if column.get(_CC_FILE_OFFSET):
                column.set(_CC_FILE_OFFSET, column.get(_CC_FILE_OFFSET) + shift)
            meta = column.get(_CC_META)
            for key in _META_PAGE_OFFSETS:
                if meta.get(key) is not None:
                    meta.set(key, meta.get(key) + shift)
            at = column.get(_CC_COLUMN_INDEX_OFFSET)
            column_indexes.append(
                None if at is None else part[at : at + column.get(_CC_COLUMN_INDEX_LENGTH)]
            )
            at = column.get(_CC_OFFSET_INDEX_OFFSET)
            if at is None:
                offset_indexes.append(None)
                continue
            offset_index = decode_struct(part[at : at + column.get(_CC_OFFSET_INDEX_LENGTH)])
            for location in offset_index.get(_OI_PAGE_LOCATIONS).values:
                location.set(_PAGE_LOCATION_OFFSET, location.get(_PAGE_LOCATION_OFFSET) + shift)
            offset_indexes.append(offset_index)
        if row_group.get(_RG_FILE_OFFSET) is not None:
            row_group.set(_RG_FILE_OFFSET, row_group.get(_RG_FILE_OFFSET) + shift)
        if row_group.get(_RG_ORDINAL) is not None:
            row_group.set(_RG_ORDINAL, len(self._row_groups))
        self._first = self._first or footer
        self._row_groups.append(row_group)
        self._column_indexes.append(column_indexes)
        self._offset_indexes.append(offset_indexes)
        self._rows += footer.get(_FILE_NUM_ROWS)

    def close(self) -> None:
        """Write the page index and the footer (the sink stays open)."""
        if self._first is None:
            raise DatasetKitError("internal error: a Parquet file needs at least one row group")
        write = self._write
        # Arrow's order: every column index (by row group, then column), then every
        # offset index; each column chunk learns where its own went.
        for row_group, blobs in zip(self._row_groups, self._column_indexes, strict=True):
            for column, blob in zip(row_group.get(_RG_COLUMNS).values, blobs, strict=True):
                if blob is not None:
                    column.set(_CC_COLUMN_INDEX_OFFSET, self._position)
                    write(blob)
        for row_group, indexes in zip(self._row_groups, self._offset_indexes, strict=True):
            for column, index in zip(row_group.get(_RG_COLUMNS).values, indexes, strict=True):
                if index is not None:
                    blob = encode_struct(index)
                    column.set(_CC_OFFSET_INDEX_OFFSET, self._position)
                    column.set(_CC_OFFSET_INDEX_LENGTH, len(blob))
                    write(blob)
        footer = self._first
        footer.set(_FILE_NUM_ROWS, self._rows)
        footer.set(_FILE_ROW_GROUPS, ThriftList(_STRUCT, self._row_groups))
        blob = encode_struct(footer)
        write(blob)
        write(struct.pack("<I", len(blob)) + MAGIC)

    def _write(self, data: bytes) -> None:
        self._sink.write(data)
        self._position += len(data)
