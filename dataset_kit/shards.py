"""Write a split as Parquet shards in the Hub's layout, deterministically.

Shards are named ``data/{split}-{index:05d}-of-{count:05d}.parquet``. The count is
only known at the end, so shards are written under temporary names and renamed
when the split is closed.

Every shard is zstd-compressed, has a page index (so readers can skip pages) and
uses content-defined chunking (pyarrow >= 21), which makes page boundaries depend
on the data rather than on positions: when a grown dataset is written again, the
unchanged runs of rows produce byte-identical pages that the Hub's chunk-level
deduplication does not upload again.

Row groups are cut where the running total of the rows' uncompressed size reaches
the row-group target (at most :data:`ROW_GROUP_BYTES`, small enough for the Hub's
dataset viewer): the cut points depend only on the rows, never on how they arrived
in batches, so ``--jobs`` cannot change a byte. A shard is closed before a row
group that could take it past ``max_shard_bytes`` on disk; the check uses the row
group's *uncompressed* size as the bound on what it can add, so a shard never
exceeds the limit and is filled to within one row group of it.

Each split's row groups are encoded and compressed by one background thread, in
order, while the caller prepares the next rows; the bytes are the same as without it.
"""

from __future__ import annotations

import os
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import DatasetKitError
from .manifest import sha256_file

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
_MAX_STATISTICS_SIZE = 4096
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


def _statistics_bytes(table: pa.Table, size: int) -> int:
    """Bytes the min/max statistics of ``table``'s string columns may add to a shard.

    Long strings (a title or text of several kB) make these far larger than the fixed
    allowance per column: without this a small ``--max-shard-size`` was overshot.
    """
    import pyarrow.compute as pc

    total = 0
    pages = 1 + size // _PAGE_BYTES
    for column in table.columns:
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        longest = pc.max(pc.binary_length(column)).as_py() or 0
        total += 2 * min(longest, _MAX_STATISTICS_SIZE) * (1 + pages)
    return total


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


# --- writing -------------------------------------------------------------------------


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


class SplitWriter:
    """Writes the rows of one split, in the order given, as size-capped shards.

    Call :meth:`write` with record batches (any sizes) and :meth:`close` once; it
    returns the shards in order. Memory holds at most one row group of rows.
    ``on_row_group(shard_index, table)`` is called, from the writing thread, with each
    row group once it is written (``export`` notes each shard's rows and stored size
    there, for the card).
    """

    def __init__(
        self,
        export_dir: Path,
        split: str,
        schema: pa.Schema,
        max_shard_bytes: int,
        row_group_bytes: int = ROW_GROUP_BYTES,
        on_row_group: Callable[[int, pa.Table], None] | None = None,
    ) -> None:
        self.export_dir = Path(export_dir)
        self.split = split
        self.schema = schema
        self.max_shard_bytes = max_shard_bytes
        self.on_row_group = on_row_group
        self.row_group_bytes = max(1, min(row_group_bytes, max_shard_bytes // 8))
        self._data_dir = self.export_dir / "data"
        self._data_dir.mkdir(parents=True, exist_ok=True)
        self._buffer: list[pa.RecordBatch] = []
        self._buffered_bytes = 0
        self._temp_paths: list[Path] = []
        self._shard_rows: list[int] = []
        self._shard_num_bytes: list[int] = []
        self._sink: pa.NativeFile | None = None
        self._writer: pq.ParquetWriter | None = None
        self._footer_reserve = 0
        self.rows = 0
        self.num_bytes = 0
        # Row groups are encoded and compressed by a background thread (pyarrow releases
        # the GIL there) while the caller prepares the next rows; the queue holds at most
        # one finished row group, so memory grows by one row group at most.
        self._queue: queue.Queue[tuple[pa.Table, int] | None] = queue.Queue(maxsize=1)
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None

    # Rows are buffered until the running size reaches the target, then cut exactly at
    # the row that reaches it, so row groups do not depend on batch boundaries.
    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        sizes = row_nbytes(batch)
        start = 0
        while start < batch.num_rows:
            running = np.cumsum(sizes[start:])
            room = self.row_group_bytes - self._buffered_bytes
            take = int(np.searchsorted(running, room, side="left")) + 1
            if take > len(running):
                self._buffer.append(batch.slice(start))
                self._buffered_bytes += int(running[-1])
                return
            self._buffer.append(batch.slice(start, take))
            self._buffered_bytes += int(running[take - 1])
            self._flush()
            start += take

    def _flush(self) -> None:
        if not self._buffer:
            return
        table = pa.Table.from_batches(self._buffer, schema=self.schema)
        size = self._buffered_bytes
        self._buffer = []
        self._buffered_bytes = 0
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, daemon=True)
            self._thread.start()
        self._raise_failure()
        self._queue.put((table, size))

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._failure is None:
                try:
                    self._write_row_group(*item)
                except BaseException as exc:
                    self._failure = exc

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _finish_thread(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._raise_failure()

    def _write_row_group(self, table: pa.Table, size: int) -> None:
        footer = len(self.schema) * _FOOTER_PER_COLUMN + (size >> 16) * _FOOTER_PER_64K
        footer += _statistics_bytes(table, size)
        bound = int(size * 1.05) + footer
        if self._writer is not None:
            assert self._sink is not None
            if (
                self._sink.tell() + bound + self._footer_reserve + _FOOTER_BASE
                > self.max_shard_bytes
            ):
                self._close_shard()
        if self._writer is None and bound + _FOOTER_BASE > self.max_shard_bytes:
            if table.num_rows > 1:
                half = table.num_rows // 2
                sizes = np.concatenate(
                    [row_nbytes(b) for b in table.to_batches()] or [np.zeros(0, np.int64)]
                )
                self._write_row_group(table.slice(0, half), int(sizes[:half].sum()))
                self._write_row_group(table.slice(half), int(sizes[half:].sum()))
                return
            raise DatasetKitError(
                f"a shard with one record of split {self.split!r} needs about "
                f"{format_size(bound + _FOOTER_BASE)} in Parquet (the record "
                f"{format_size(bound)}, the file's metadata {format_size(_FOOTER_BASE)}), more "
                f"than --max-shard-size ({format_size(self.max_shard_bytes)}); raise "
                "--max-shard-size"
            )
        if self._writer is None:
            self._open_shard()
        assert self._writer is not None
        self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        if self.on_row_group is not None:
            self.on_row_group(len(self._temp_paths) - 1, table)
        self._footer_reserve += footer
        self._shard_rows[-1] += table.num_rows
        self._shard_num_bytes[-1] += size
        self.rows += table.num_rows
        self.num_bytes += size

    def _open_shard(self) -> None:
        path = self._data_dir / f".{self.split}-{len(self._temp_paths):05d}.parquet.partial"
        self._temp_paths.append(path)
        self._shard_rows.append(0)
        self._shard_num_bytes.append(0)
        self._sink = pa.OSFile(str(path), "wb")
        self._writer = pq.ParquetWriter(self._sink, self.schema, **_writer_options())
        self._footer_reserve = 0

    def _close_shard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        size = self._temp_paths[-1].stat().st_size
        if size > self.max_shard_bytes:  # pragma: no cover - the bound above prevents it
            raise DatasetKitError(
                f"internal error: shard {len(self._temp_paths)} of split {self.split!r} is "
                f"{size} bytes, over the {self.max_shard_bytes}-byte limit"
            )

    def close(self) -> list[ShardInfo]:
        """Finish the split: flush, close, rename shards to their final names."""
        self._flush()
        self._finish_thread()
        if not self._temp_paths:
            # An empty split still gets one (empty) shard so the split exists.
            self._open_shard()
        self._close_shard()
        count = len(self._temp_paths)
        shards = []
        for index, temp in enumerate(self._temp_paths):
            final = self._data_dir / shard_name(self.split, index, count)
            os.replace(temp, final)
            shards.append(
                ShardInfo(
                    path=final.relative_to(self.export_dir).as_posix(),
                    split=self.split,
                    rows=self._shard_rows[index],
                    bytes=final.stat().st_size,
                    sha256=sha256_file(final),
                    num_bytes=self._shard_num_bytes[index],
                )
            )
        return shards

    def abort(self) -> None:
        """Close open files without finishing (the folder is being discarded)."""
        if self._thread is not None:
            self._failure = self._failure or RuntimeError("aborted")
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        try:
            if self._writer is not None:
                self._writer.close()
        finally:
            if self._sink is not None:
                self._sink.close()
            self._writer = None
            self._sink = None
