"""Cut a list of input files into independent tasks that worker processes can run.

Both ``validate`` and ``export`` stream their inputs this way, and then run the tasks
through an executor (:mod:`dataset_kit.executors`):

* :class:`LineRange`: a byte range of an uncompressed JSON Lines file, cut at line
  ends, which the worker reads from disk itself (nothing is sent to it but offsets);
* :class:`PageFiles`: page dumps, by name, which the worker reads and ingests itself;
* :class:`FilePart`: any other file, whole (compressed JSON Lines, ``.json``) or one
  part of it (a few row groups of a Parquet file), which the worker reads itself with
  the file's reader (:mod:`dataset_kit.readers`).

Only names and offsets travel to the workers, and only compact results come back.

Tasks are produced lazily and in input order, so merging their results in that order
gives the same output whatever the number of workers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, printable
from .readers import reader_for
from .readers.base import open_input
from .readers.jsonl import line_aligned_ranges
from .reading import source_name
from .records import PageOptions
from .storage import store_faults


@dataclass(frozen=True)
class LineRange:
    """Lines of an uncompressed JSON Lines file between two line-aligned byte offsets."""

    path: str
    display: str
    start: int
    end: int


@dataclass(frozen=True)
class FilePart:
    """A whole file, or one ``part`` of it (its reader's, e.g. Parquet row groups),
    that the worker reads itself with the file's reader."""

    path: str
    display: str
    part: Any = None


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


Task = LineRange | FilePart | PageFiles

__all__ = ["FilePart", "LineRange", "PageFiles", "Task", "line_aligned_ranges", "plan_tasks"]


def plan_tasks(
    paths: Sequence[Path],
    *,
    range_bytes: int,
    part_bytes: int,
    pages_per_task: int,
    page_options: PageOptions | None = None,
    source_names: Sequence[str] | None = None,
    displays: Mapping[Path, str] | None = None,
) -> Iterator[Task]:
    """Cut ``paths`` into tasks, lazily, in input order.

    ``range_bytes`` is the size of a JSON Lines byte range, ``part_bytes`` that of
    other parts (a few Parquet row groups). A task never mixes files, except that
    consecutive page dumps are grouped ``pages_per_task`` at a time (1 keeps every
    task to one file). Workers note
    what they read in their own results. Page dumps
    are ingested with ``page_options``; ``source_names`` (one per path, from
    :func:`reading.expand_inputs_named`) name their records' ``source_file``.
    ``displays`` names files in messages by another name than their path (standard
    input, spooled to a temporary file, is ``<stdin>``).
    """
    pages: list[str] = []
    names: list[str] = []
    for index, path in enumerate(paths):
        reader = reader_for(path)
        assert reader is not None, path
        if reader.grouped:
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
        _check_readable(path, shown)
        part_bytes = range_bytes if reader.line_ranges else part_bytes
        with store_faults(path):
            parts = reader.split(path, part_bytes)
        for part in parts:
            if reader.line_ranges and part is not None:
                yield LineRange(str(path), shown, *part)
            else:
                yield FilePart(str(path), shown, part)
    if pages:
        yield PageFiles(pages, page_options, names)


def _check_readable(path: Path, shown: str) -> None:
    """Raise :class:`InputError` here, before any task runs, for a file that cannot be
    opened (as reading it here did before workers read their own files)."""
    try:
        with store_faults(path), open_input(path):
            pass
    except PermissionError as exc:
        raise InputError(f"{shown}: cannot be read: {exc.strerror}") from exc
