"""Cut a list of input files into independent tasks that worker processes can run.

Both ``validate`` and ``export`` stream their inputs this way, and then run the tasks
through an executor (:mod:`dataset_kit.executors`):

* :class:`LineRange`: a byte range of an uncompressed JSON Lines file, cut at line
  ends, which the worker reads from disk itself (nothing is sent to it but offsets);
* :class:`PageFiles`: page dumps, by name, which the worker reads and ingests itself;
* :class:`RecordBatch`: records read here, for formats that cannot be cut into
  ranges (compressed files, ``.json`` arrays, Parquet).

Tasks are produced lazily and in input order, so merging their results in that order
gives the same output whatever the number of workers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import printable
from .reading import (
    COMPRESSED_SUFFIXES,
    PageOptions,
    ReadNotes,
    Record,
    input_kind,
    read_file,
    source_name,
)


@dataclass(frozen=True)
class LineRange:
    """Lines of an uncompressed JSON Lines file between two line-aligned byte offsets."""

    path: str
    display: str
    start: int
    end: int


@dataclass(frozen=True)
class RecordBatch:
    """Records already read (by the main process) from a file of another format."""

    records: list[Record]


@dataclass(frozen=True)
class PageFiles:
    """Page dumps (.txt) that the worker reads and ingests itself, with ``options``;
    ``names`` are their records' ``source_file`` (see :func:`reading.source_name`)."""

    paths: list[str]
    options: PageOptions | None = None
    names: list[str] | None = None

    def named(self) -> list[tuple[str, str | None]]:
        """``(path, source_file name)`` of each page."""
        return list(zip(self.paths, self.names or [None] * len(self.paths), strict=True))


Task = LineRange | RecordBatch | PageFiles


def is_plain_jsonl(path: Path) -> bool:
    """True for a JSON Lines file that is not compressed, so it can be cut into ranges."""
    return input_kind(path) == "jsonl" and not path.name.lower().endswith(COMPRESSED_SUFFIXES)


def line_aligned_ranges(path: Path, size: int, range_bytes: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` offsets of about ``range_bytes`` each, every one ending a line."""
    start = 0
    with open(path, "rb") as handle:
        while start < size:
            end = start + range_bytes
            if end >= size:
                yield start, size
                return
            handle.seek(end)
            handle.readline()
            end = handle.tell()
            yield start, end
            start = end


def plan_tasks(
    paths: Sequence[Path],
    notes: ReadNotes,
    *,
    range_bytes: int,
    batch_records: int,
    pages_per_task: int,
    page_options: PageOptions | None = None,
    source_names: Sequence[str] | None = None,
    displays: Mapping[Path, str] | None = None,
) -> Iterator[Task]:
    """Cut ``paths`` into tasks, lazily, in input order.

    A task never mixes files, except that consecutive page dumps are grouped
    ``pages_per_task`` at a time (1 keeps every task to one file). Page dumps are
    ingested with ``page_options``; ``source_names`` (one per path, from
    :func:`reading.expand_inputs_named`) name their records' ``source_file``.
    ``displays`` names files in messages by another name than their path (standard
    input, spooled to a temporary file, is ``<stdin>``).
    """
    pages: list[str] = []
    names: list[str] = []
    for index, path in enumerate(paths):
        if input_kind(path) == "txt":
            pages.append(str(path))
            names.append(source_names[index] if source_names else source_name(path))
            if len(pages) >= pages_per_task:
                yield PageFiles(pages, page_options, names)
                pages, names = [], []
            continue
        if pages:
            yield PageFiles(pages, page_options, names)
            pages, names = [], []
        shown = (displays or {}).get(path) or printable(path)
        if is_plain_jsonl(path):
            for start, end in line_aligned_ranges(path, path.stat().st_size, range_bytes):
                yield LineRange(str(path), shown, start, end)
            continue
        batch: list[Record] = []
        for record in read_file(path, notes, shown):
            batch.append(record)
            if len(batch) >= batch_records:
                yield RecordBatch(batch)
                batch = []
        if batch:
            yield RecordBatch(batch)
    if pages:
        yield PageFiles(pages, page_options, names)
