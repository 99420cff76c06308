"""Parquet (``.parquet``): one record per row, numbered from 1. A file is cut into
parts of a few row groups each, which workers read themselves."""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..records import ReadNotes, ReadProblem, Record
from ..storage import open_arrow_input
from .base import Reader, Source


def read_parquet(
    path: Path,
    display: str,
    notes: ReadNotes,
    part: tuple[tuple[int, ...], int] | None = None,
) -> Iterator[Record]:
    """Records of a Parquet file, one per row, numbered from 1; read batch by batch.

    ``part`` (from :func:`_parts`) limits reading to some row groups, numbered on from
    the rows before them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open_arrow_input(path) as source:
        try:
            parquet = pq.ParquetFile(source)
        except (pa.ArrowException, OSError) as exc:
            problem = ReadProblem("parquet", f"unreadable Parquet: {exc}")
            yield Record(display, 1, None, None, problem)
            return
        yield from _rows(parquet, display, part)


def _rows(parquet: Any, display: str, part: tuple[tuple[int, ...], int] | None) -> Iterator[Record]:
    import pyarrow as pa

    groups, row = (None, 0) if part is None or part[1] < 0 else (list(part[0]) or None, part[1])
    try:
        for batch in parquet.iter_batches(batch_size=4096, row_groups=groups):
            for item in batch.to_pylist():
                row += 1
                try:
                    yield Record(display, row, _jsonable(item))
                except _NotJson as exc:
                    yield Record(display, row, None, None, ReadProblem("not-json", str(exc)))
    except (pa.ArrowException, OSError) as exc:
        yield Record(
            display,
            row + 1,
            None,
            None,
            ReadProblem("truncated", f"Parquet file is corrupt after row {row}: {exc}"),
        )


class _NotJson(ValueError):
    """A Parquet value that no JSON record can hold (binary data, NaN, infinity)."""


def _jsonable(value: Any, where: str = "") -> Any:
    # Parquet columns may hold timestamps and decimals; validate them as the JSON text
    # a user would have written for the same value. Values JSON has no text for are
    # refused here, naming them, rather than turned into something else: a NaN would
    # otherwise reach the validator as null and be reported as "null".
    if isinstance(value, dict):
        return {key: _jsonable(item, f"{where}/{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item, f"{where}/{i}") for i, item in enumerate(value)]
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _NotJson(f"{where or 'the value'}: {value} is not a JSON number")
    if isinstance(value, (bytes, bytearray)):
        try:
            # Some writers store text as binary without marking it as UTF-8.
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            shown = bytes(value[:16]).hex(" ") + (" ..." if len(value) > 16 else "")
            raise _NotJson(
                f"{where or 'the value'}: binary data ({len(value)} bytes: {shown}) that is "
                "not UTF-8 text; JSON records cannot hold it: drop or encode the column"
            ) from None
    return value


def _read(
    source: Source, notes: ReadNotes, part: tuple[tuple[int, ...], int] | None
) -> Iterator[Record]:
    return read_parquet(source.path, source.display, notes, part)


def _parts(path: Path, part_bytes: int) -> Iterator[tuple[tuple[int, ...], int]]:
    """``(row groups, rows before them)``: consecutive row groups of about
    ``part_bytes`` (uncompressed) each; one whole-file part when the footer cannot be
    read (the reader then reports it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with open_arrow_input(path) as source:
            meta = pq.ParquetFile(source).metadata
    except (pa.ArrowException, OSError):
        yield (), -1
        return
    groups: list[int] = []
    size = rows = first = 0
    for index in range(meta.num_row_groups):
        group = meta.row_group(index)
        groups.append(index)
        size += group.total_byte_size
        rows += group.num_rows
        if size >= part_bytes:
            yield tuple(groups), first
            groups, size, first = [], 0, rows
    if groups or not meta.num_row_groups:
        yield tuple(groups), first


READER = Reader("parquet", (".parquet",), _read, _parts)
