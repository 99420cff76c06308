"""Plan and write a split's Parquet shards in the Hub's layout, deterministically.

Shards are named ``data/{split}-{index:05d}-of-{count:05d}.parquet``. Which rows make
each row group and each shard is decided before anything is written
(:func:`plan_split`), from sizes pass 1 measured, so every shard is an independent
task (:func:`write_shard`) that any worker can write, and its final name is known
from the start.

Every shard is zstd-compressed, has a page index (so readers can skip pages) and
uses content-defined chunking (pyarrow >= 21), which makes page boundaries depend
on the data rather than on positions: when a grown dataset is written again, the
unchanged runs of rows produce byte-identical pages that the Hub's chunk-level
deduplication does not upload again.

Row groups are cut where the running total of the rows' *uncompressed Arrow size*
reaches the row-group target (at most :data:`ROW_GROUP_BYTES`, small enough for the
Hub's dataset viewer): the cut points depend only on the rows, never on batches or
workers, so ``--jobs`` cannot change a byte. A shard is closed before a row group
whose bound (:func:`row_group_bound`: its uncompressed size plus 5 %, plus
allowances for the footer and for the min/max statistics, computed from sizes, never
from the encoded bytes) would take it past ``max_shard_bytes``. Like ``datasets``'
``max_shard_size``, the limit is therefore planned from uncompressed sizes: a shard
never exceeds it on disk, and since Parquet compresses, shards on disk are usually
well below it (an earlier version filled shards by their compressed size while
writing, which made the layout known only at the end).
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import storage
from .errors import DatasetKitError

ROW_GROUP_BYTES = 16 << 20
DEFAULT_MAX_SHARD_SIZE = "500MB"
COMPRESSION = "zstd"
# Allowance for what a row group adds to the footer (column chunk metadata and page
# index entries), per column and per 64 KiB of data.
_FOOTER_PER_COLUMN = 512
_FOOTER_PER_64K = 64
_FOOTER_BASE = 8192
# Parquet keeps the min and max value of each column chunk in the footer and of each
# page in the page index; Arrow's writer drops such statistics above this size, so a
# string column adds up to twice this much per chunk and per page.
MAX_STATISTICS_SIZE = 4096
_PAGE_BYTES = 1 << 20
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)?\s*$", re.IGNORECASE)
_UNITS = {
    "": 1,
    "B": 1,
    "K": 10**3,
    "KB": 10**3,
    "M": 10**6,
    "MB": 10**6,
    "G": 10**9,
    "GB": 10**9,
    "T": 10**12,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}


def parse_size(value: str | int) -> int:
    """Bytes in ``500MB``, ``1.5GB``, ``256MiB``, ``100k`` or a plain number of bytes.

    KB/MB/GB are powers of 1000 (as the Hub counts), KiB/MiB/GiB powers of 1024.
    """
    if isinstance(value, bool):
        raise DatasetKitError(f"--max-shard-size: expected a size like 500MB, got {value!r}")
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.match(str(value))
        unit = (match.group(2) or "").upper() if match else ""
        if not match or unit not in _UNITS:
            raise DatasetKitError(
                f"--max-shard-size: expected a size like 500MB, 2GB or 256MiB, got {value!r}"
            )
        size = int(float(match.group(1)) * _UNITS[unit])
    if size < 1024:
        raise DatasetKitError(f"--max-shard-size: {value!r} is too small (at least 1KiB)")
    return size


def format_size(size: float) -> str:
    """``size`` bytes in the largest decimal unit that keeps it at least 1."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{int(size)} B"


def shard_name(split: str, index: int, count: int) -> str:
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


# --- row sizes -----------------------------------------------------------------------


def _offsets(array: pa.Array, large: bool) -> np.ndarray:
    dtype = np.int64 if large else np.int32
    buffer = array.buffers()[1]
    values = np.frombuffer(buffer, dtype=dtype)
    return values[array.offset : array.offset + len(array) + 1].astype(np.int64)


def array_row_nbytes(array: pa.Array) -> np.ndarray:
    """Uncompressed bytes of each element of ``array`` (data and offsets; not bitmaps)."""
    kind = array.type
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if pa.types.is_string(kind) or pa.types.is_binary(kind):
        return np.diff(_offsets(array, False)) + 4
    if pa.types.is_large_string(kind) or pa.types.is_large_binary(kind):
        return np.diff(_offsets(array, True)) + 8
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        large = pa.types.is_large_list(kind)
        offsets = _offsets(array, large)
        child = array_row_nbytes(array.values)
        running = np.zeros(len(child) + 1, dtype=np.int64)
        np.cumsum(child, out=running[1:])
        return running[offsets[1:]] - running[offsets[:-1]] + (8 if large else 4)
    if pa.types.is_struct(kind):
        total = np.zeros(n, dtype=np.int64)
        for child in array.flatten():
            total += array_row_nbytes(child)
        return total
    if pa.types.is_null(kind):
        return np.zeros(n, dtype=np.int64)
    try:
        width = max(kind.bit_width // 8, 1)
    except ValueError:
        width = max(array.nbytes // n, 1)
    return np.full(n, width, dtype=np.int64)


def row_nbytes(batch: pa.RecordBatch) -> np.ndarray:
    """Uncompressed bytes of each row of ``batch``."""
    total = np.zeros(batch.num_rows, dtype=np.int64)
    for column in batch.columns:
        total += array_row_nbytes(column)
    return total


def string_leaves(kind: pa.DataType) -> int:
    """How many string or binary leaf columns a column of type ``kind`` has in Parquet."""
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return 1
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return 1
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return string_leaves(kind.value_type)
    if pa.types.is_struct(kind):
        return sum(string_leaves(kind.field(i).type) for i in range(kind.num_fields))
    return 0


def statistics_nbytes(batch: pa.RecordBatch) -> np.ndarray:
    """An upper bound, per row, on what the row's values can add to the min/max
    statistics of one column chunk or page: for each column with string leaves, its
    bytes in the row, at most :data:`MAX_STATISTICS_SIZE` per leaf (Arrow's writer
    drops longer statistics). A row group's statistics are at most the sum over its
    rows (a column's longest value is some row's value)."""
    total = np.zeros(batch.num_rows, dtype=np.int64)
    for column in batch.columns:
        leaves = string_leaves(column.type)
        if leaves:
            total += np.minimum(array_row_nbytes(column), leaves * MAX_STATISTICS_SIZE)
    return total


# --- planning --------------------------------------------------------------------------


@dataclass(frozen=True)
class ShardShape:
    """What a split's writer needs to know of its schema to bound a row group."""

    columns: int  # Parquet leaf columns, at most (each gets footer metadata)
    string_leaves: int  # string and binary leaves (each may carry long statistics)

    @classmethod
    def of(cls, schema: pa.Schema) -> ShardShape:
        return cls(
            columns=sum(max(1, _leaves(f.type)) for f in schema),
            string_leaves=sum(string_leaves(f.type) for f in schema),
        )


def _leaves(kind: pa.DataType) -> int:
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _leaves(kind.value_type)
    if pa.types.is_struct(kind):
        return sum(_leaves(kind.field(i).type) for i in range(kind.num_fields))
    return 1


def row_group_bound(shape: ShardShape, size: int, statistics: int) -> int:
    """The most a row group of ``size`` uncompressed bytes can add to a shard on disk.

    Encoded and compressed data is at most 5 % over the uncompressed size (zstd on
    incompressible data, page headers). The footer gets, per column, its chunk
    metadata and page index entries (an allowance per column and per 64 KiB), and
    the min and max values of each string column chunk and page: twice the
    ``statistics`` bound (:func:`statistics_nbytes`, summed over the rows, at most
    :data:`MAX_STATISTICS_SIZE` per string leaf) per chunk and per page.
    """
    footer = shape.columns * _FOOTER_PER_COLUMN + (size >> 16) * _FOOTER_PER_64K
    pages = 1 + size // _PAGE_BYTES
    longest = min(statistics, shape.string_leaves * MAX_STATISTICS_SIZE)
    footer += 2 * longest * (1 + pages)
    return int(size * 1.05) + footer


def row_group_bytes_for(max_shard_bytes: int) -> int:
    """The row-group target for a shard limit: small enough for eight per shard."""
    return max(1, min(ROW_GROUP_BYTES, max_shard_bytes // 8))


def plan_split(
    split: str,
    sizes: np.ndarray,
    statistics: np.ndarray,
    shape: ShardShape,
    max_shard_bytes: int,
) -> list[tuple[int, ...]]:
    """The shards of a split whose rows have the uncompressed ``sizes`` (in order):
    for each shard, the rows of each of its row groups.

    Row groups are cut at the row whose running size reaches the target; a shard is
    closed before a row group whose :func:`row_group_bound` would take it past
    ``max_shard_bytes``; a row group too big for a shard of its own is halved until it
    fits, and a single row that does not fit is an error. An empty split gets one
    empty shard, so that the split exists.
    """
    target = row_group_bytes_for(max_shard_bytes)
    running = np.cumsum(sizes, dtype=np.int64)
    running_stats = np.cumsum(statistics, dtype=np.int64)

    def total(cumulative: np.ndarray, start: int, end: int) -> int:
        return int(cumulative[end - 1]) - (int(cumulative[start - 1]) if start else 0)

    def bound(start: int, end: int) -> int:
        return row_group_bound(shape, total(running, start, end), total(running_stats, start, end))

    shards: list[tuple[int, ...]] = []
    current: list[int] = []
    filled = 0
    start = 0
    while start < len(sizes):
        base = int(running[start - 1]) if start else 0
        end = min(int(np.searchsorted(running, base + target, side="left")) + 1, len(sizes))
        for lo, hi, needed in _fitting(split, start, end, bound, max_shard_bytes):
            if current and filled + needed + _FOOTER_BASE > max_shard_bytes:
                shards.append(tuple(current))
                current, filled = [], 0
            current.append(hi - lo)
            filled += needed
        start = end
    if current or not shards:
        shards.append(tuple(current))
    return shards


def _fitting(
    split: str, start: int, end: int, bound: Callable[[int, int], int], limit: int
) -> list[tuple[int, int, int]]:
    """Rows ``start:end`` as row groups that each fit an empty shard, with their bounds."""
    needed = bound(start, end)
    if needed + _FOOTER_BASE <= limit:
        return [(start, end, needed)]
    if end - start > 1:
        half = start + (end - start) // 2
        return _fitting(split, start, half, bound, limit) + _fitting(split, half, end, bound, limit)
    raise DatasetKitError(
        f"a shard with one record of split {split!r} needs up to "
        f"{format_size(needed + _FOOTER_BASE)} in Parquet (the record "
        f"{format_size(needed)}, the file's metadata {format_size(_FOOTER_BASE)}), more "
        f"than --max-shard-size ({format_size(limit)}); raise --max-shard-size"
    )


# --- writing ---------------------------------------------------------------------------


@dataclass
class ShardInfo:
    """A finished shard: path relative to the export folder, rows, size and sha256."""

    path: str
    split: str
    rows: int
    bytes: int
    sha256: str
    num_bytes: int


def _writer_options() -> dict[str, object]:
    return {
        "compression": COMPRESSION,
        "write_page_index": True,
        "write_statistics": True,
        "use_content_defined_chunking": True,
        "store_schema": True,
    }


def write_shard(
    folder: Any,
    path: str,
    split: str,
    schema: pa.Schema,
    row_groups: Iterable[pa.Table],
    on_row_group: Callable[[pa.Table], None] | None = None,
    encode_behind: bool = True,
) -> ShardInfo:
    """Write one shard to ``folder/path`` (relative, POSIX), one row group per table.

    Idempotent, so that a retried task is harmless: in a local folder the shard is
    written under a temporary name of this process and renamed into place, so its
    final name never holds a partial file; in a remote folder
    (:func:`storage.is_remote`) the object is written directly, and an object
    appears whole when its stream is closed. Either way a rewrite gives the same
    bytes. ``on_row_group`` sees each row group once it is handed to the writer.
    With ``encode_behind`` row groups are encoded in a background thread
    (:class:`_Encoder`): worth it when this is the only task running, not when every
    core already writes a shard (it holds one more row group in memory).
    """
    root = storage.as_path(folder)
    final = root / path
    remote = storage.is_remote(root)
    target = final if remote else final.with_name(f".{final.name}.{os.getpid()}.partial")
    if not remote:
        final.parent.mkdir(parents=True, exist_ok=True)
    rows = num_bytes = 0
    try:
        with storage.open_arrow_output(target) as sink:
            writer = pq.ParquetWriter(sink, schema, **_writer_options())
            encoder = _Encoder(writer) if encode_behind else _InlineEncoder(writer)
            try:
                for pieces in row_groups:
                    # One chunk per column: Arrow's writer cuts pages at chunk boundaries,
                    # and the chunks here follow the spill files, i.e. the task sizes.
                    table = pieces.combine_chunks()
                    encoder.put(table)
                    rows += table.num_rows
                    num_bytes += int(row_nbytes_of_table(table).sum())
                    if on_row_group is not None:
                        on_row_group(table)
                encoder.finish()
            finally:
                encoder.stop()
                writer.close()
        if not remote:
            commit_shard(target, final)
    except BaseException:
        if not remote:
            target.unlink(missing_ok=True)
        raise
    return ShardInfo(
        path=path,
        split=split,
        rows=rows,
        bytes=final.stat().st_size,
        sha256=_sha256(final),
        num_bytes=num_bytes,
    )


class _Encoder:
    """Encodes and compresses row groups, in order, in a background thread (pyarrow
    releases the GIL there) while the caller reads, cuts and counts the next one: the
    bytes are the same as without it. The queue holds one row group, so memory grows
    by one row group at most."""

    def __init__(self, writer: pq.ParquetWriter) -> None:
        self._writer = writer
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=1)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (table := self._queue.get()) is not None:
            if self._failure is None:
                try:
                    self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
                except BaseException as exc:
                    self._failure = exc

    def put(self, table: pa.Table) -> None:
        if self._failure is not None:
            raise self._failure
        self._queue.put(table)

    def finish(self) -> None:
        """Wait for every row group to be written; raise what writing one raised."""
        self.stop()
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


class _InlineEncoder:
    """:class:`_Encoder`'s interface, encoding in the caller's thread."""

    def __init__(self, writer: pq.ParquetWriter) -> None:
        self._writer = writer

    def put(self, table: pa.Table) -> None:
        self._writer.write_table(table, row_group_size=max(table.num_rows, 1))

    def finish(self) -> None:
        pass

    def stop(self) -> None:
        pass


def commit_shard(temporary: Any, final: Any) -> None:
    """Give a locally written shard its final name (atomic on one file system)."""
    os.replace(temporary, final)


def row_nbytes_of_table(table: pa.Table) -> np.ndarray:
    """:func:`row_nbytes` of every row of a table, whatever its chunks."""
    parts = [row_nbytes(batch) for batch in table.to_batches()]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _sha256(path: Any) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
