"""Pass 1 for one task, in a worker: validate, key and spill its records.

:func:`key_task` runs through an executor with a :class:`KeyContext`, sent once per
worker. It returns a :class:`TaskKeys`: a few dozen bytes per valid record (a hash
of the id, the exact-duplicate key, the LSH band hashes, the values the split
strategy asks for: :func:`dataset_kit.splits.record_values`; the sizes pass 2 plans
its shards with: :func:`record_sizes`) plus the task's rejects and notes. The
records themselves go to the spill file (:mod:`.spill`), never back through the
executor.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrow_schema import Column, to_batch
from ..dedup import (
    NearDupParams,
    band_hashes,
    canonical_url,
    hash64_array,
    mix64,
    sketch_array,
    value_bytes,
)
from ..reading import ReadNotes
from ..shards import row_nbytes, statistics_nbytes
from ..splits import RecordValues, SplitStrategy, record_values
from ..tasks import LineRange, PageFiles
from ..validating import Issue, Validator
from .memory import release_memory, task_started
from .read_validate import InvalidRecord, KeyTask, TaskRecords, read_task, record_id
from .spill import write_spill


@dataclass(frozen=True)
class KeyContext:
    """What every key task needs; pickled once per worker, never per task."""

    schema: Any
    base_dir: str | None
    columns: tuple[Column, ...]
    dedup: str
    near: NearDupParams | None
    id_field: str
    text_field: str
    url_field: str | None
    strategy: SplitStrategy  # asks for its per-record values (splits.record_values)
    group_by: str | None
    spill_dir: str

    @functools.cached_property
    def validator(self) -> Validator:
        """The compiled schema, built on first use in each process that runs tasks."""
        return Validator(self.schema, base_dir=self.base_dir)

    def __getstate__(self) -> dict[str, Any]:
        # A compiled validator does not travel: each worker compiles its own.
        return {k: v for k, v in self.__dict__.items() if k != "validator"}


@dataclass
class TaskKeys:
    """The keys of one task's valid records, in input order, and its rejects."""

    index: int
    files: list[str]  # the files of the valid records, in order of appearance
    file_of: np.ndarray  # index into ``files`` of each valid record
    per_file: dict[str, int]  # records read per file (valid or not)
    range_file: str | None  # the file of a LineRange task, whose lines are relative
    line_count: int
    notes: ReadNotes
    invalid: list[InvalidRecord]
    lines: np.ndarray
    id_hash: np.ndarray
    exact: np.ndarray | None = None
    bands: np.ndarray | None = None
    has_signature: np.ndarray | None = None
    split_values: RecordValues = field(default_factory=dict)  # by name, for the split
    spill: str | None = None
    furniture_lines: int = 0
    # For planning the shards (:func:`record_sizes`), uint32 per valid record.
    row_bytes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    id_bytes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    statistics_bytes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))

    @property
    def valid(self) -> int:
        return len(self.id_hash)

    @property
    def records(self) -> int:
        return sum(self.per_file.values())


def key_task(ctx: KeyContext, item: tuple[int, KeyTask]) -> TaskKeys:
    """Pass 1 for one task: validate, key and spill its records (runs in a worker)."""
    index, task = item
    task_started()
    read = read_task(task, ctx.validator)
    batch = _to_arrow(read, ctx.columns)
    valid = read.valid
    keys = TaskKeys(
        index=index,
        files=read.files,
        file_of=np.asarray(read.file_of, dtype=np.int32),
        per_file=dict(read.per_file),
        range_file=task.display if isinstance(task, LineRange) else None,
        line_count=read.line_count,
        notes=read.notes,
        invalid=read.invalid,
        lines=np.asarray(read.lines, dtype=np.int64),
        id_hash=hash64_array(value_bytes(r.get(ctx.id_field)) for r in valid),
    )
    if "furniture_lines" in batch.schema.names and isinstance(task, PageFiles):
        column = batch.column("furniture_lines")
        keys.furniture_lines = int(pc.sum(column).as_py() or 0)
    if ctx.dedup != "off":
        _dedup_keys(keys, ctx, batch, valid)
    keys.split_values = record_values(ctx.strategy, ctx.group_by, valid, keys.id_hash)
    if batch.num_rows:
        keys.row_bytes, keys.id_bytes, keys.statistics_bytes = record_sizes(batch)
        keys.spill = write_spill(ctx.spill_dir, index, batch)
    del batch, valid, read
    release_memory()
    return keys


def record_sizes(batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per spilled row: its uncompressed Arrow size (:func:`dataset_kit.shards.row_nbytes`),
    the UTF-8 length of its id as a string (so the size of a ``cluster_id`` holding
    this record's id is known without reading it) and its bound on Parquet statistics
    (:func:`dataset_kit.shards.statistics_nbytes`); uint32, saturated (a record of
    4 GB cannot fit a shard anyway)."""
    ids = batch.column("id")
    if not pa.types.is_string(ids.type):
        ids = pc.cast(ids, pa.string())
    id_lengths = np.asarray(pc.fill_null(pc.binary_length(ids), 0), dtype=np.int64)
    limit = np.iinfo(np.uint32).max
    return tuple(  # type: ignore[return-value]
        np.minimum(values, limit).astype(np.uint32)
        for values in (row_nbytes(batch), id_lengths, statistics_nbytes(batch))
    )


def _to_arrow(read: TaskRecords, columns: tuple[Column, ...]) -> pa.RecordBatch:
    """The valid records as one Arrow batch; a record Arrow cannot hold (an integer
    out of range, say) becomes a reject and leaves ``read``'s valid lists."""
    batch, failures = to_batch(read.valid, columns)
    if not failures:
        return batch
    dropped = {position for position, _, _ in failures}
    for position, column, reason in failures:
        record = read.valid[position]
        read.invalid.append(
            InvalidRecord(
                read.files[read.file_of[position]],
                read.lines[position],
                record_id(record),
                [Issue(f"/{column}", "arrow", f"value {reason}")],
                None,
                record,
            )
        )
    read.valid = [r for i, r in enumerate(read.valid) if i not in dropped]
    read.lines = [n for i, n in enumerate(read.lines) if i not in dropped]
    read.file_of = [f for i, f in enumerate(read.file_of) if i not in dropped]
    return batch


def _dedup_keys(
    keys: TaskKeys, ctx: KeyContext, batch: pa.RecordBatch, valid: list[dict[str, Any]]
) -> None:
    """The exact-duplicate key (words + canonical URL) and, for near dedup, the LSH bands."""
    text_column = batch.column(ctx.text_field)
    sketches = sketch_array(text_column, ctx.near)
    urls = (
        hash64_array(canonical_url(r.get(ctx.url_field)).encode("utf-8") for r in valid)
        if ctx.url_field
        else np.zeros(len(valid), dtype=np.uint64)
    )
    keys.exact = mix64(sketches.text_keys ^ mix64(urls + np.uint64(0x51ED27)))
    if text_column.null_count:
        # A record without text is nobody's copy: key it by its id instead.
        missing = np.asarray(text_column.is_null())
        keys.exact[missing] = mix64(keys.id_hash[missing] ^ np.uint64(0x7E47))
    if ctx.near is not None and sketches.signatures is not None:
        keys.bands = band_hashes(sketches.signatures, ctx.near.bands, ctx.near.rows)
        keys.has_signature = sketches.has_signature
