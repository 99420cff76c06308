"""Statistics of an exported dataset, computed by streaming its Parquet shards.

The card, the charts and ``dataset-kit stats`` all take their numbers from here, and
here they come from the shards themselves (never from the manifest's claims), one
column of one row group at a time: memory is bounded by the largest column chunk
(usually ``text`` of one row group) plus the counters, whose
size grows with the number of distinct sources, languages, publication days and text
lengths, not with the number of articles.

Definitions, so that every number can be recomputed independently:

* ``num_bytes`` of a split: the sum, over its shards and their row groups, of the Arrow
  ``nbytes`` of the row group read in full (the uncompressed in-memory size that
  ``datasets`` calls ``num_bytes``); ``download_size``: the shards' bytes on disk.
* A missing ``source`` or ``language`` is counted under ``None`` (shown as
  "(unknown)"); language tags are counted as written (``pt-BR`` and ``pt`` apart).
* Publication day and month are the first 10 and 7 characters of ``published_at``,
  i.e. the date as the publisher wrote it, in its own UTC offset.
* Text length is measured in characters (Unicode code points) and in words (runs of
  non-whitespace); percentiles use the nearest-rank method: the p-th percentile of N
  values is the ``ceil(p/100 * N)``-th smallest.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DatasetKitError
from .manifest import Manifest, load_manifest, verify_files

PERCENTILES = (5, 25, 50, 75, 95)
UNKNOWN_LABEL = "(unknown)"
# Splits are listed in this order, then any others alphabetically; the manifest keeps
# its keys sorted, so its own order is no guide.
CONVENTIONAL_SPLITS = ("train", "validation", "valid", "dev", "test")


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


def _count_strings(counter: Counter[str | None], column: Any) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    for item in pc.value_counts(column).to_pylist():
        counter[item["values"]] += item["counts"]


def _count_days(counter: Counter[str], column: Any) -> int:
    """Count publication days; return how many values were null or not a date."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    days = pc.utf8_slice_codeunits(column, 0, 10)
    valid = pc.match_substring_regex(days, r"^\d{4}-\d{2}-\d{2}$")
    valid = pc.fill_null(valid, False)
    dated = pc.sum(pc.cast(valid, pa.int64())).as_py() or 0
    for item in pc.value_counts(pc.filter(days, valid)).to_pylist():
        counter[item["values"]] += item["counts"]
    return len(column) - dated


def _count_lengths(chars: Counter[int], words: Counter[int], column: Any) -> None:
    import pyarrow.compute as pc

    column = pc.fill_null(column, "")
    for item in pc.value_counts(pc.utf8_length(column)).to_pylist():
        chars[item["values"]] += item["counts"]
    word_counts = pc.list_value_length(pc.utf8_split_whitespace(column))
    for item in pc.value_counts(word_counts).to_pylist():
        words[item["values"]] += item["counts"]


def shard_schema(export_dir: Path, manifest: Manifest) -> Any:
    """The Arrow schema shared by all shards (an error names a shard that differs)."""
    import pyarrow.parquet as pq

    entries = ordered_data_files(manifest)
    if not entries:
        raise DatasetKitError(f"{export_dir}: the export has no data files")
    first = pq.read_schema(export_dir / entries[0].path).remove_metadata()
    for entry in entries[1:]:
        schema = pq.read_schema(export_dir / entry.path).remove_metadata()
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


def compute_statistics(
    export_dir: str | Path, manifest: Manifest | None = None, *, verify: bool = True
) -> DatasetStatistics:
    """Stream every shard of ``export_dir`` once and count what it holds.

    Shards are taken from the manifest in its order (split, then shard index) and,
    with ``verify``, first checked against it (size and sha256), so that the numbers
    describe exactly the files that will be published.
    """
    import pyarrow.parquet as pq

    root = Path(export_dir)
    if manifest is None:
        manifest = load_manifest(root)
    if verify:
        check_data_files(root, manifest)
    schema = shard_schema(root, manifest)
    columns = list(schema.names)
    stats = DatasetStatistics(
        splits={},
        shards=[],
        columns=columns,
        sources=Counter() if "source" in columns else None,
        languages=Counter() if "language" in columns else None,
        days=Counter() if "published_at" in columns else None,
        char_lengths=Counter() if "text" in columns else None,
        word_lengths=Counter() if "text" in columns else None,
    )
    for entry in ordered_data_files(manifest):
        split_name = entry.split or "train"
        split = stats.splits.setdefault(split_name, SplitStatistics(name=split_name))
        path = root / entry.path
        parquet = pq.ParquetFile(path)
        rows = 0
        num_bytes = 0
        for index in range(parquet.num_row_groups):
            # One column of one row group in memory at a time: the sum of the
            # columns' nbytes is the row group's, and text is the largest column.
            for column in columns:
                chunk = parquet.read_row_group(index, columns=[column])
                num_bytes += chunk.nbytes
                _accumulate(stats, column, chunk.column(0))
                if column == columns[0]:
                    rows += chunk.num_rows
                del chunk
        size = path.stat().st_size
        stats.shards.append(
            ShardInfo(
                path=entry.path,
                split=split_name,
                rows=rows,
                num_bytes=num_bytes,
                size=size,
                row_groups=parquet.num_row_groups,
            )
        )
        split.rows += rows
        split.num_bytes += num_bytes
        split.download_size += size
        split.shards.append(entry.path)
    return stats


def _accumulate(stats: DatasetStatistics, name: str, column: Any) -> None:
    if name == "source" and stats.sources is not None:
        _count_strings(stats.sources, column)
    elif name == "language" and stats.languages is not None:
        _count_strings(stats.languages, column)
    elif name == "published_at" and stats.days is not None:
        stats.undated += _count_days(stats.days, column)
    elif name == "text" and stats.char_lengths is not None and stats.word_lengths is not None:
        _count_lengths(stats.char_lengths, stats.word_lengths, column)


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
