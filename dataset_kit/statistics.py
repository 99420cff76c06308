"""Statistics of an exported dataset: what its Parquet shards hold, row group by row group.

The card, the charts and ``dataset-kit stats`` all take their numbers from here, and
here they come from the rows themselves (never from the manifest's claims), a row
group at a time. :func:`compute_statistics` reads the shards back: a row group's
small columns together, then its ``text``. A few threads count row groups in
parallel (decoding and counting run in pyarrow and numpy, which release the GIL),
with at most 2 row groups per thread (plus one) in flight, so memory is bounded by a
few row groups' text plus the counters, whose size grows with the number of distinct
sources, languages, publication days and text lengths, not with the number of
articles. ``export`` instead counts each row group as its shard task writes it
(:class:`ShardTally`, merged in shard order by :class:`WrittenRowGroups`), with the
same code, and so skips reading its shards back. Text lengths are computed from the
UTF-8 bytes with vectorised passes (see :func:`string_lengths`), not per row in Python.

Definitions, so that every number can be recomputed independently:

* ``num_bytes`` of a split: the sum, over its shards and their row groups, of the Arrow
  ``nbytes`` of the row group read in full (the uncompressed in-memory size that
  ``datasets`` calls ``num_bytes``); ``download_size``: the shards' bytes on disk.
* A missing ``source`` or ``language`` is counted under ``None`` (shown as
  "(unknown)"); language tags are counted as written (``pt-BR`` and ``pt`` apart).
* Publication day and month are the first 10 and 7 characters of ``published_at``,
  i.e. the date as the publisher wrote it, in its own UTC offset.
* Text length is measured in characters (Unicode code points) and in words: maximal
  runs of non-whitespace characters, whitespace being what ``str.isspace`` says (ASCII
  tab, newline, vertical tab, form feed, carriage return, the separators 1C-1F and
  space, and the Unicode spaces U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
  U+2029, U+202F, U+205F, U+3000), i.e. ``len(text.split())``; a missing text counts
  as empty. Percentiles use the nearest-rank method: the p-th percentile of N values
  is the ``ceil(p/100 * N)``-th smallest.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DatasetKitError
from .manifest import Manifest, load_manifest, verify_files
from .storage import as_path, open_arrow_input

PERCENTILES = (5, 25, 50, 75, 95)
UNKNOWN_LABEL = "(unknown)"
# Splits are listed in this order, then any others alphabetically; the manifest keeps
# its keys sorted, so its own order is no guide.
CONVENTIONAL_SPLITS = ("train", "validation", "valid", "dev", "test")

# Rows of text are processed in slices of about this many bytes, so that the byte
# masks made from a slice stay in the CPU cache between the passes over it.
_TEXT_SLICE_BYTES = 1 << 18
# Scratch arrays of each worker thread, reused from slice to slice.
_scratch = threading.local()
# A publication day: the first 10 characters of published_at, when they are a date.
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def split_order(name: str) -> tuple[int, str]:
    """Sort key for split names: train, validation, test, then the rest by name."""
    if name in CONVENTIONAL_SPLITS:
        return (CONVENTIONAL_SPLITS.index(name), "")
    return (len(CONVENTIONAL_SPLITS), name)


def ordered_data_files(manifest: Manifest) -> list[Any]:
    """The manifest's shard entries, by split (see :func:`split_order`) then path."""
    return sorted(manifest.data_files(), key=lambda f: (split_order(f.split or "train"), f.path))


@dataclass
class ShardInfo:
    """One Parquet shard as found on disk."""

    path: str
    split: str
    rows: int
    num_bytes: int
    size: int
    row_groups: int


@dataclass
class SplitStatistics:
    name: str
    rows: int = 0
    num_bytes: int = 0
    download_size: int = 0
    shards: list[str] = field(default_factory=list)


@dataclass
class DatasetStatistics:
    """What the shards of one export hold; see the module docstring for definitions."""

    splits: dict[str, SplitStatistics]
    shards: list[ShardInfo]
    columns: list[str]
    sources: Counter[str | None] | None = None
    languages: Counter[str | None] | None = None
    days: Counter[str] | None = None
    undated: int = 0
    char_lengths: Counter[int] | None = None
    word_lengths: Counter[int] | None = None

    @property
    def rows(self) -> int:
        return sum(split.rows for split in self.splits.values())

    @property
    def dataset_size(self) -> int:
        return sum(split.num_bytes for split in self.splits.values())

    @property
    def download_size(self) -> int:
        return sum(split.download_size for split in self.splits.values())

    @property
    def months(self) -> Counter[str] | None:
        if self.days is None:
            return None
        months: Counter[str] = Counter()
        for day, count in self.days.items():
            months[day[:7]] += count
        return months

    @property
    def first_day(self) -> str | None:
        return min(self.days) if self.days else None

    @property
    def last_day(self) -> str | None:
        return max(self.days) if self.days else None

    def text_length(self, unit: str = "characters") -> dict[str, float | int] | None:
        """Min, percentiles, max and mean of text length in ``characters`` or ``words``."""
        counts = self.char_lengths if unit == "characters" else self.word_lengths
        if not counts:
            return None
        return distribution_summary(counts)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (what ``dataset-kit stats --json`` prints)."""
        months = self.months
        return {
            "rows": self.rows,
            "dataset_size": self.dataset_size,
            "download_size": self.download_size,
            "splits": {
                name: {
                    "rows": split.rows,
                    "num_bytes": split.num_bytes,
                    "download_size": split.download_size,
                    "shards": list(split.shards),
                }
                for name, split in self.splits.items()
            },
            "sources": _ranked(self.sources, "source"),
            "languages": _ranked(self.languages, "language"),
            "published": None
            if self.days is None
            else {
                "first": self.first_day,
                "last": self.last_day,
                "dated": sum(self.days.values()),
                "undated": self.undated,
            },
            "months": None
            if months is None
            else [{"month": m, "articles": months[m]} for m in sorted(months)],
            "text_length": None
            if self.char_lengths is None
            else {
                "characters": self.text_length("characters"),
                "words": self.text_length("words"),
            },
        }


def _ranked(counter: Counter[str | None] | None, key: str) -> list[dict[str, Any]] | None:
    if counter is None:
        return None
    return [{key: name, "articles": count} for name, count in ranked(counter)]


def ranked(counter: Counter[str | None]) -> list[tuple[str | None, int]]:
    """Counter items by count (largest first), ties by name; ``None`` sorts last."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))


def nearest_rank(counts: Counter[int], fraction: float) -> int:
    """The value at rank ``ceil(fraction * N)`` (at least 1) of the counted values."""
    total = sum(counts.values())
    if total == 0:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * total - 1e-9))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: rank is at most the total")


def distribution_summary(counts: Counter[int]) -> dict[str, float | int]:
    """``min``, ``p5`` ... ``p95``, ``max`` and ``mean`` (one decimal) of counted values."""
    total = sum(counts.values())
    summary: dict[str, float | int] = {"count": total, "min": min(counts)}
    for p in PERCENTILES:
        summary[f"p{p}"] = nearest_rank(counts, p / 100)
    summary["max"] = max(counts)
    summary["mean"] = round(sum(v * c for v, c in counts.items()) / total, 1)
    return summary


def _count_days(counter: Counter[str], column: Any) -> int:
    """Count publication days; return how many values were null or not a date."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    undated = 0
    # Distinct values are few (days), so they are checked here rather than per row.
    for day, count in _pairs(pc.value_counts(pc.utf8_slice_codeunits(column, 0, 10))):
        if day is not None and _DAY.fullmatch(day):
            counter[day] += count
        else:
            undated += count
    return undated


class _LengthCounter:
    """Counts of integer values (text lengths), kept as sorted numpy arrays.

    Lengths arrive one array per row group; they are folded into ``(value, count)``
    pairs every so often, so memory grows with the number of distinct lengths, not
    with the number of articles.
    """

    _FOLD_AT = 1 << 20

    def __init__(self) -> None:
        import numpy as np

        self._values = np.zeros(0, dtype=np.int64)
        self._counts = np.zeros(0, dtype=np.int64)
        self._pending: list[Any] = []
        self._pending_size = 0

    def add(self, values: Any) -> None:
        self._pending.append(values)
        self._pending_size += len(values)
        if self._pending_size >= self._FOLD_AT:
            self._fold()

    def _fold(self) -> None:
        import numpy as np

        if not self._pending:
            return
        new_values, new_counts = np.unique(np.concatenate(self._pending), return_counts=True)
        self._pending, self._pending_size = [], 0
        values = np.concatenate([self._values, new_values])
        counts = np.concatenate([self._counts, new_counts.astype(np.int64)])
        self._values, inverse = np.unique(values, return_inverse=True)
        self._counts = np.zeros(len(self._values), dtype=np.int64)
        np.add.at(self._counts, inverse, counts)

    def merge(self, other: _LengthCounter) -> None:
        """Add the counts of ``other`` (e.g. another shard's)."""
        import numpy as np

        self._fold()
        other._fold()
        values = np.concatenate([self._values, other._values])
        counts = np.concatenate([self._counts, other._counts])
        self._values, inverse = np.unique(values, return_inverse=True)
        self._counts = np.zeros(len(self._values), dtype=np.int64)
        np.add.at(self._counts, inverse, counts)

    def compact(self) -> None:
        """Fold what is pending (before the counter travels to another process)."""
        self._fold()

    def update(self, counter: Counter[int]) -> None:
        """Add the counts to ``counter``."""
        self._fold()
        for value, count in zip(self._values.tolist(), self._counts.tolist(), strict=True):
            counter[value] += count


def _buffers(size: int) -> tuple[Any, Any, Any, Any]:
    """Per-thread scratch arrays for ``size`` bytes (reused: no page faults): a byte
    array, two masks, and a pair of masks (word starts and continuation bytes)."""
    import numpy as np

    held = getattr(_scratch, "arrays", None)
    if held is None or held[0].size < size:
        size = max(size, _TEXT_SLICE_BYTES)
        held = (
            np.empty(size, dtype=np.uint8),
            np.empty(size, dtype=bool),
            np.empty(size, dtype=bool),
            np.empty((2, size), dtype=bool),
        )
        _scratch.arrays = held
    return held


# The whitespace characters beyond ASCII (see the module docstring), whose UTF-8 is
# two bytes (U+0085, U+00A0) or three (the rest).
_MULTIBYTE_SPACES = (
    "\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + ("\u2028\u2029\u202f\u205f\u3000")
)
_space_codes_cache: dict[str, tuple[Any, Any]] = {}


def _space_codes() -> tuple[Any, Any]:
    """The UTF-8 bytes of the two- and three-byte spaces as sorted big-endian ints."""
    import numpy as np

    codes = _space_codes_cache.get("codes")
    if codes is None:
        encoded = [c.encode("utf-8") for c in _MULTIBYTE_SPACES]
        pairs, triples = (
            np.array(sorted(int.from_bytes(e, "big") for e in encoded if len(e) == size))
            for size in (2, 3)
        )
        # One assignment, so that threads racing here all see a complete pair.
        codes = _space_codes_cache.setdefault("codes", (pairs, triples))
    return codes


def _popcount(words: Any) -> Any:
    import numpy as np

    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words)
    table = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
    as_bytes = np.ascontiguousarray(words).view(np.uint8)
    return table[as_bytes].reshape(*words.shape, 8).sum(axis=-1, dtype=np.uint8)


def _count_true_before(masks: Any, ends: Any) -> Any:
    """For each row of ``masks`` and each ``end``, how many of ``row[:end]`` are true."""
    import numpy as np

    packed = np.packbits(masks, axis=1, bitorder="little")
    padded = np.zeros((masks.shape[0], packed.shape[1] // 8 + 1), dtype=np.uint64)
    padded.view(np.uint8)[:, : packed.shape[1]] = packed
    before = np.zeros((masks.shape[0], padded.shape[1] + 1), dtype=np.int64)
    np.cumsum(_popcount(padded), axis=1, out=before[:, 1:])
    word = ends >> 6
    low_bits = (np.uint64(1) << (ends & 63).astype(np.uint64)) - np.uint64(1)
    return before[:, word] + _popcount(padded[:, word] & low_bits)


def _in_sorted(values: Any, table: Any) -> Any:
    import numpy as np

    index = np.minimum(np.searchsorted(table, values), table.size - 1)
    return table[index] == values


def _slice_lengths(data: Any, offsets: Any) -> tuple[Any, Any]:
    """Characters and words of each string ``data[offsets[i]:offsets[i+1]]`` of UTF-8
    bytes (``offsets[0] == 0``)."""
    import numpy as np

    n = data.size
    if n == 0:
        empty = np.zeros(offsets.size - 1, dtype=np.int64)
        return empty, empty
    shifted, space, other, pair = _buffers(n)
    shifted, space, other, pair = shifted[:n], space[:n], other[:n], pair[:, :n]
    start, continuation = pair[0], pair[1]
    # One pass classifies bytes up to " ": subtracting 9 (mod 256) puts \t..\r at 0..4,
    # the non-space controls \x0e..\x1b at 5..18, \x1c..\x20 at 19..23 and \x00..\x08
    # at 247..255.
    np.subtract(data, np.uint8(9), out=shifted)
    np.less_equal(shifted, 23, out=space)
    np.subtract(shifted, np.uint8(5), out=shifted)
    np.less(shifted, 14, out=other)
    if other.any():
        np.greater(space, other, out=space)
    # Spaces beyond ASCII start with C2, E1, E2 or E3; (byte & 0xDC) == 0xC0 selects
    # C0-C3 and E0-E3, whose next bytes tell.
    np.bitwise_and(data, np.uint8(0xDC), out=shifted)
    np.equal(shifted, 0xC0, out=other)
    lead = np.flatnonzero(other)
    if lead.size:
        code = data[lead].astype(np.int64) << 16
        code |= data[np.minimum(lead + 1, n - 1)].astype(np.int64) << 8
        code |= data[np.minimum(lead + 2, n - 1)]
        pairs, triples = _space_codes()
        at2 = lead[_in_sorted(code >> 8, pairs) & (lead + 1 < n)]
        at3 = lead[_in_sorted(code, triples) & (lead + 2 < n)]
        if at2.size or at3.size:
            space[np.concatenate([at2, at2 + 1, at3, at3 + 1, at3 + 2])] = True
    # A word starts at a non-space byte after a space byte or at the start of a string.
    start[0] = not space[0]
    np.greater(space[:-1], space[1:], out=start[1:])
    firsts = offsets[:-1][offsets[:-1] < offsets[1:]]
    start[firsts] = ~space[firsts]
    # Characters are the bytes that do not continue a multi-byte sequence (the
    # continuation bytes 80-BF are -128..-65 as signed bytes).
    np.less(data.view(np.int8), -64, out=continuation)
    counts = np.diff(_count_true_before(pair, offsets), axis=1)
    return np.diff(offsets) - counts[1], counts[0]


def string_lengths(array: Any) -> tuple[Any, Any]:
    """Characters (code points) and words (maximal runs of whitespace-free characters,
    whitespace as in ``str.isspace``: the number ``len(s.split())``) of each string of
    a ``string`` or ``large_string`` Arrow array without nulls, as numpy arrays.

    Computed from the UTF-8 bytes with a few vectorised passes over slices of about
    ``_TEXT_SLICE_BYTES``; equivalent to ``pc.utf8_length`` and to counting
    ``str.split()``, which tests check, including every Unicode space character.
    """
    import numpy as np
    import pyarrow as pa

    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    rows = len(array)
    chars = np.zeros(rows, dtype=np.int64)
    words = np.zeros(rows, dtype=np.int64)
    if rows == 0:
        return chars, words
    offsets = np.frombuffer(array.buffers()[1], dtype=offset_type)
    offsets = offsets[array.offset : array.offset + rows + 1].astype(np.int64)
    if offsets[-1] == offsets[0]:
        return chars, words
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    row = 0
    while row < rows:
        # The rows whose bytes fit in one slice; at least one row.
        limit = offsets[row] + _TEXT_SLICE_BYTES
        end = min(rows, max(row + 1, int(np.searchsorted(offsets, limit, side="right")) - 1))
        base = offsets[row]
        chars[row:end], words[row:end] = _slice_lengths(
            data[base : offsets[end]], offsets[row : end + 1] - base
        )
        row = end
    return chars, words


def text_lengths(column: Any) -> tuple[Any, Any]:
    """Characters and words (see :func:`string_lengths`) of each value of an Arrow
    string (chunked) array, as two numpy arrays; a null counts as the empty string."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    chars, words = [], []
    for chunk in chunks:
        if not pa.types.is_string(chunk.type) and not pa.types.is_large_string(chunk.type):
            chunk = pc.cast(chunk, pa.string())
        if chunk.null_count:
            chunk = pc.fill_null(chunk, "")
        chunk_chars, chunk_words = string_lengths(chunk)
        chars.append(chunk_chars)
        words.append(chunk_words)
    if not chars:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(chars), np.concatenate(words)


def _read_schema(path: Any) -> Any:
    """The Arrow schema of the Parquet file ``path`` (local or in a store)."""
    import pyarrow.parquet as pq

    with open_arrow_input(path) as source:
        return pq.read_schema(source).remove_metadata()


def shard_schema(export_dir: Path, manifest: Manifest) -> Any:
    """The Arrow schema shared by all shards (an error names a shard that differs)."""

    entries = ordered_data_files(manifest)
    if not entries:
        raise DatasetKitError(f"{export_dir}: the export has no data files")
    first = _read_schema(export_dir / entries[0].path)
    for entry in entries[1:]:
        schema = _read_schema(export_dir / entry.path)
        if not schema.equals(first):
            raise DatasetKitError(
                f"{entry.path}: its columns differ from {entries[0].path}; "
                "all shards of an export must share one schema (re-run export)"
            )
    return first


def check_data_files(export_dir: Path, manifest: Manifest) -> None:
    """Raise when a shard is missing, changed since export, or not in the manifest."""
    data_only = Manifest(
        counts=manifest.counts, splits=manifest.splits, files=manifest.data_files()
    )
    problems = verify_files(export_dir, data_only)
    if problems:
        raise DatasetKitError(
            f"{export_dir}: the shards do not match the export manifest "
            "(re-run export):\n  " + "\n  ".join(problems)
        )


@dataclass
class RowGroupCounts:
    """What one row group holds (see :func:`count_table`)."""

    rows: int = 0
    num_bytes: int = 0
    sources: list[tuple[str | None, int]] = field(default_factory=list)
    languages: list[tuple[str | None, int]] = field(default_factory=list)
    days: Counter[str] = field(default_factory=Counter)
    undated: int = 0
    chars: Any = None
    words: Any = None


def _value_counts(column: Any) -> list[tuple[Any, int]]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    return _pairs(pc.value_counts(column))


def _pairs(counted: Any) -> list[tuple[Any, int]]:
    """``(value, count)`` pairs of a ``value_counts`` result."""
    values = counted.field("values").to_pylist()
    return list(zip(values, counted.field("counts").to_pylist(), strict=True))


def count_table(table: Any, counts: RowGroupCounts | None = None) -> RowGroupCounts:
    """Count what an Arrow table holds: one row group, or some of its columns.

    Several calls may fill one ``counts`` with different columns of the same rows.
    ``num_bytes`` adds the table's Arrow ``nbytes``; the values are counted by
    :func:`count_values`.
    """
    counts = count_values(table, counts)
    counts.num_bytes += table.nbytes
    return counts


def count_values(table: Any, counts: RowGroupCounts | None = None) -> RowGroupCounts:
    """Count the sources, languages, publication days and text lengths of a table or
    record batch (any slice of a split: the counts of its parts add up)."""
    counts = counts if counts is not None else RowGroupCounts()
    counts.rows = table.num_rows
    for name in table.schema.names:
        column = table.column(name)
        if name == "source":
            counts.sources = _value_counts(column)
        elif name == "language":
            counts.languages = _value_counts(column)
        elif name == "published_at":
            counts.undated = _count_days(counts.days, column)
        elif name == "text":
            counts.chars, counts.words = text_lengths(column)
    return counts


def _is_fixed_width(kind: Any) -> bool:
    import pyarrow as pa

    return kind in (pa.int64(), pa.float64())


def can_predict_nbytes(kind: Any) -> bool:
    """Whether :func:`stored_nbytes` knows how Parquet reading lays out ``kind``: the
    types an export's columns have (64-bit integers and floats, booleans, strings,
    nulls, and lists of them), each checked against real round trips in the tests.
    Others (narrower integers, dates, timestamps, structs) read back differently."""
    import pyarrow as pa

    if pa.types.is_list(kind):
        return can_predict_nbytes(kind.value_type)
    return (
        _is_fixed_width(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
        or pa.types.is_string(kind)
    )


def stored_nbytes(column: Any, field_: Any) -> int:
    """The Arrow ``nbytes`` ``column`` will have after a round trip through Parquet.

    pyarrow reads a row group back as one array per column, whatever the chunks it was
    written from, and its ``nbytes`` counts 4 bytes per offset (one per value),
    the data, and a validity bitmap: for 64-bit numbers whenever the field is
    nullable, for strings, booleans and lists only when a value is null. Only the
    types :func:`can_predict_nbytes` accepts are handled (tests check each against a
    real round trip, so a pyarrow that changes the layout is noticed).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = field_.type
    if not can_predict_nbytes(kind):
        raise TypeError(f"cannot predict the stored size of {kind}")
    rows = len(column)
    if pa.types.is_null(kind):
        return 0
    fixed = _is_fixed_width(kind)
    bitmap = (rows + 7) // 8 if column.null_count or (fixed and field_.nullable) else 0
    if fixed:
        return bitmap + rows * (kind.bit_width // 8)
    if pa.types.is_boolean(kind):
        return bitmap + (rows + 7) // 8
    if pa.types.is_list(kind):
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        values = pa.chunked_array([pc.list_flatten(chunk) for chunk in chunks], kind.value_type)
        return bitmap + 4 * rows + stored_nbytes(values, kind.value_field)
    return bitmap + 4 * rows + (pc.sum(pc.binary_length(column)).as_py() or 0)


def _count_row_group(path: Path, metadata: Any, index: int, columns: list[str]) -> RowGroupCounts:
    """Read row group ``index`` of one shard and count what it holds.

    Runs in worker threads: pyarrow and numpy release the GIL while they decode and
    scan, so row groups are counted in parallel. The small columns are read together,
    then ``text`` alone, so at most one row group's text is in memory per thread.
    """
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path, metadata=metadata, memory_map=True)
    counts = RowGroupCounts()
    small = [c for c in columns if c != "text"]
    for names in (small, ["text"] if "text" in columns else []):
        if names:
            count_table(parquet.read_row_group(index, columns=names, use_threads=False), counts)
    return counts


def _worker_count() -> int:
    """Threads that count row groups: one per core, at most 4 (memory grows with it)."""
    return max(1, min(4, os.cpu_count() or 1))


def compute_statistics(
    export_dir: str | Path, manifest: Manifest | None = None, *, verify: bool = True
) -> DatasetStatistics:
    """Stream every shard of ``export_dir`` once and count what it holds.

    Shards are taken from the manifest in its order (split, then shard index) and,
    with ``verify``, checked against it (size and sha256), so that the numbers
    describe exactly the files that will be published: a shard that does not match
    raises :class:`DatasetKitError` naming it, whatever else went wrong reading it.
    Row groups are counted by a few threads, a bounded number at a time, and merged in
    file order; the checksums are computed meanwhile by one of them.
    """
    from concurrent.futures import ThreadPoolExecutor

    root = Path(export_dir)
    if manifest is None:
        manifest = load_manifest(root)
    workers = _worker_count()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        checked = pool.submit(check_data_files, root, manifest) if verify else None
        try:
            stats = _count_shards(root, manifest, pool, workers)
        except BaseException:
            if checked is not None:
                checked.result()  # a shard that differs from the manifest explains it
            raise
        if checked is not None:
            checked.result()
    return stats


class _Tally:
    """Adds row group counts, shard by shard, into one :class:`DatasetStatistics`."""

    def __init__(self, columns: list[str]) -> None:
        self.stats = DatasetStatistics(
            splits={},
            shards=[],
            columns=columns,
            sources=Counter() if "source" in columns else None,
            languages=Counter() if "language" in columns else None,
            days=Counter() if "published_at" in columns else None,
            char_lengths=Counter() if "text" in columns else None,
            word_lengths=Counter() if "text" in columns else None,
        )
        self._char_lengths, self._word_lengths = _LengthCounter(), _LengthCounter()

    def add_row_group(self, counts: RowGroupCounts) -> None:
        stats = self.stats
        if stats.sources is not None:
            for name, count in counts.sources:
                stats.sources[name] += count
        if stats.languages is not None:
            for name, count in counts.languages:
                stats.languages[name] += count
        if stats.days is not None:
            stats.days.update(counts.days)
            stats.undated += counts.undated
        if counts.chars is not None:
            self._char_lengths.add(counts.chars)
            self._word_lengths.add(counts.words)

    def merge(self, other: _Tally) -> None:
        """Add the value counts of ``other`` (another shard's rows)."""
        stats, theirs = self.stats, other.stats
        for mine, more in (
            (stats.sources, theirs.sources),
            (stats.languages, theirs.languages),
            (stats.days, theirs.days),
        ):
            if mine is not None and more is not None:
                mine.update(more)
        stats.undated += theirs.undated
        self._char_lengths.merge(other._char_lengths)
        self._word_lengths.merge(other._word_lengths)

    def compact(self) -> None:
        self._char_lengths.compact()
        self._word_lengths.compact()

    def add_shard(self, shard: ShardInfo) -> None:
        split = self.stats.splits.setdefault(shard.split, SplitStatistics(name=shard.split))
        self.stats.shards.append(shard)
        split.rows += shard.rows
        split.num_bytes += shard.num_bytes
        split.download_size += shard.size
        split.shards.append(shard.path)

    def finish(self) -> DatasetStatistics:
        stats = self.stats
        if stats.char_lengths is not None and stats.word_lengths is not None:
            self._char_lengths.update(stats.char_lengths)
            self._word_lengths.update(stats.word_lengths)
        return stats


def _count_shards(root: Path, manifest: Manifest, pool: Any, workers: int) -> DatasetStatistics:
    from concurrent.futures import Future

    import pyarrow.parquet as pq

    columns = list(shard_schema(root, manifest).names)
    tally = _Tally(columns)
    for entry in ordered_data_files(manifest):
        path = root / entry.path
        metadata = pq.read_metadata(path)
        pending: list[Future[RowGroupCounts]] = []
        rows = 0
        num_bytes = 0
        for index in range(metadata.num_row_groups + 2 * workers):
            if index < metadata.num_row_groups:
                pending.append(pool.submit(_count_row_group, path, metadata, index, columns))
            # At most 2 * workers row groups in flight: memory stays bounded.
            if pending and (len(pending) > 2 * workers or index >= metadata.num_row_groups):
                counts = pending.pop(0).result()
                rows += counts.rows
                num_bytes += counts.num_bytes
                tally.add_row_group(counts)
        tally.add_shard(
            ShardInfo(
                path=entry.path,
                split=entry.split or "train",
                rows=rows,
                num_bytes=num_bytes,
                size=path.stat().st_size,
                row_groups=metadata.num_row_groups,
            )
        )
    return tally.finish()


class ShardTally:
    """The card's counts of one shard's rows, made by the task that writes the shard.

    Each row group is counted (:func:`count_values`) as it is written, and contributes
    its rows and :func:`stored_nbytes`; the values are added up at once, so what
    travels back is small (the distinct sources, languages, days and text lengths).
    """

    def __init__(self, columns: list[str]) -> None:
        self.tally = _Tally(columns)
        self.rows = 0
        self.num_bytes = 0
        self.row_groups = 0

    def add_row_group(self, table: Any) -> None:
        """Count ``table``, which just became the shard's next row group."""
        self.tally.add_row_group(count_values(table))
        self.rows += table.num_rows
        self.num_bytes += sum(stored_nbytes(table.column(i), f) for i, f in enumerate(table.schema))
        self.row_groups += 1

    def __getstate__(self) -> dict[str, Any]:
        self.tally.compact()
        return self.__dict__


class WrittenRowGroups:
    """The card's statistics from the shards' own tallies, so no shard is read back.

    ``export`` hands it each shard's :class:`ShardTally` in shard order (the merge is
    deterministic), and :meth:`statistics` then gives exactly what
    :func:`compute_statistics` computes from the finished shards (a test compares the
    two).
    """

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._tally = _Tally(columns)
        # (split, shard index) -> [rows, num_bytes, row groups]
        self._shards: dict[tuple[str, int], list[int]] = {}

    def add_shard(self, split: str, shard_index: int, part: ShardTally) -> None:
        """Add the counts of shard ``shard_index`` of ``split``."""
        self._tally.merge(part.tally)
        self._shards[(split, shard_index)] = [part.rows, part.num_bytes, part.row_groups]

    def statistics(self, export_dir: str | Path, manifest: Manifest) -> DatasetStatistics:
        """The statistics of the shards the manifest lists, from the counted rows."""
        root = as_path(export_dir)
        shard_index: Counter[str] = Counter()
        for entry in ordered_data_files(manifest):
            split = entry.split or "train"
            rows, num_bytes, row_groups = self._shards.get((split, shard_index[split]), [0, 0, 0])
            shard_index[split] += 1
            self._tally.add_shard(
                ShardInfo(
                    path=entry.path,
                    split=split,
                    rows=rows,
                    num_bytes=num_bytes,
                    size=(root / entry.path).stat().st_size,
                    row_groups=row_groups,
                )
            )
        return self._tally.finish()


def _format_int(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: list[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def render_text(stats: DatasetStatistics, *, top: int = 20) -> str:
    """The statistics as plain-text tables for the terminal (``dataset-kit stats``)."""
    out: list[str] = []
    out.append(
        f"{_format_int(stats.rows)} articles in {len(stats.splits)} split(s), "
        f"{len(stats.shards)} shard(s), {_format_int(stats.download_size)} bytes of Parquet "
        f"({_format_int(stats.dataset_size)} bytes in memory)"
    )
    out.append("")
    split_rows = [
        [name, *(_format_int(n) for n in (s.rows, len(s.shards), s.num_bytes, s.download_size))]
        for name, s in stats.splits.items()
    ]
    headers = ["split", "articles", "shards", "num_bytes", "parquet bytes"]
    out += _table(headers, split_rows, {1, 2, 3, 4})
    for title, counter in (("source", stats.sources), ("language", stats.languages)):
        if counter is None:
            continue
        out.append("")
        items = ranked(counter)
        rows = [[name or UNKNOWN_LABEL, _format_int(count)] for name, count in items[:top]]
        if len(items) > top:
            rest = sum(count for _, count in items[top:])
            rows.append([f"({len(items) - top} more)", _format_int(rest)])
        out += _table([title, "articles"], rows, {1})
    if stats.days is not None:
        out.append("")
        if stats.days:
            out.append(
                f"published: {stats.first_day} to {stats.last_day} "
                f"({_format_int(sum(stats.days.values()))} dated, "
                f"{_format_int(stats.undated)} without a date)"
            )
            months = stats.months or Counter()
            out += _table(
                ["month", "articles"],
                [[m, _format_int(months[m])] for m in sorted(months)],
                {1},
            )
        else:
            out.append(f"published: no article has a date ({_format_int(stats.undated)})")
    if stats.char_lengths:
        out.append("")
        chars = stats.text_length("characters") or {}
        words = stats.text_length("words") or {}
        keys = ["min", *(f"p{p}" for p in PERCENTILES), "max", "mean"]
        out += _table(
            ["text length", "characters", "words"],
            [[k, _format_int(chars[k]), _format_int(words[k])] for k in keys],
            {1, 2},
        )
    return "\n".join(out) + "\n"
