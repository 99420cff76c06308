"""Merge pass 1: run the key tasks through the executor and join their keys in input order.

Rejects are written as their tasks come back, so the rejects file is in input order
whatever the number of workers. Line numbers of a JSON Lines range are relative to
the range; they become the file's line numbers here, by adding the lines of the
file's earlier ranges: the rejects' lines, the records' lines and the first place of
each note ("CRLF line ends: 3 (first at FILE:LINE)") alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, printable
from ..executors import Executor
from ..reading import ReadNotes, input_kind
from .keys import KeyContext, TaskKeys, key_task
from .prepare import ExportJob
from .read_validate import plan_key_tasks
from .rejects import RejectLog
from .spill import SpilledTask

# The per-record key arrays a task may return, joined by name.
_ARRAYS = (
    "id_hash",
    "lines",
    "file_of",
    "exact",
    "bands",
    "has_signature",
    *("row_bytes", "id_bytes", "statistics_bytes"),
)


@dataclass
class KeyArrays:
    """The keys of every valid record, concatenated in input order."""

    id_hash: np.ndarray
    lines: np.ndarray
    file_of: np.ndarray
    exact: np.ndarray | None
    bands: np.ndarray | None
    has_signature: np.ndarray | None
    # The split strategy's per-record values by name (``splits.RecordValues``): arrays
    # as the tasks gave them, lists as int64 codes with their labels by code in
    # ``split_labels``; and its counts, summed over the tasks.
    split_values: dict[str, np.ndarray] = field(default_factory=dict)
    split_labels: dict[str, list[Any]] = field(default_factory=dict)
    split_counts: dict[str, int] = field(default_factory=dict)
    # Sizes for planning the shards (``keys.record_sizes``); None once they are planned.
    row_bytes: np.ndarray | None = None
    id_bytes: np.ndarray | None = None
    statistics_bytes: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.id_hash)

    def keep_split_values(self, names: tuple[str, ...]) -> None:
        """Free the split values but ``names`` (the split is made; its report reads those)."""
        for name in [n for n in self.split_values if n not in names]:
            del self.split_values[name]


@dataclass
class ReadTotals:
    """What pass 1 read: counts per file, notes, and where each task's records went."""

    notes: ReadNotes = field(default_factory=ReadNotes)
    tasks: list[SpilledTask] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # by ``KeyArrays.file_of``
    per_file: dict[str, int] = field(default_factory=dict)
    records: int = 0
    invalid: int = 0
    pages: int = 0
    furniture_lines: int = 0

    def where(self, keys: KeyArrays, i: int) -> tuple[str, int]:
        """File and line of valid record ``i``."""
        return self.files[int(keys.file_of[i])], int(keys.lines[i])


@dataclass
class _Joiner:
    """The parts of the key arrays as tasks come back, and the codes that make the
    per-task file names and split labels global."""

    parts: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in _ARRAYS})
    split_parts: dict[str, list[np.ndarray]] = field(default_factory=dict)
    split_codes: dict[str, dict[Any, int]] = field(default_factory=dict)
    split_counts: dict[str, int] = field(default_factory=dict)
    file_index: dict[str, int] = field(default_factory=dict)
    line_offsets: dict[str, int] = field(default_factory=dict)
    total: int = 0


def collect(
    job: ExportJob,
    ctx: KeyContext,
    executor: Executor,
    rejects: RejectLog,
    progress: Callable[[int], None] | None,
) -> tuple[ReadTotals, KeyArrays]:
    """Pass 1: run the key tasks, write rejects, gather the key arrays."""
    totals = ReadTotals(per_file={printable(p): 0 for p in job.paths})
    totals.notes.merge(job.listing_notes)
    joiner = _Joiner()
    tasks = enumerate(
        plan_key_tasks(
            list(job.paths),
            job.settings.page_options(),
            list(job.source_names),
            executor.task_scale,
        )
    )
    for keys in executor.map_ordered(key_task, tasks, ctx):
        _merge_task(keys, totals, joiner, rejects)
        if progress is not None:
            progress(keys.records)
    totals.files = sorted(joiner.file_index, key=joiner.file_index.__getitem__)
    if totals.records == 0:
        raise InputError(
            "the input is empty: no records found in " + ", ".join(map(str, job.settings.inputs))
        )
    return totals, _join(joiner, ctx)


def _merge_task(keys: TaskKeys, totals: ReadTotals, joiner: _Joiner, rejects: RejectLog) -> None:
    offset = 0
    if keys.range_file is not None:
        offset = joiner.line_offsets.get(keys.range_file, 0)
        joiner.line_offsets[keys.range_file] = offset + keys.line_count
        if offset:
            keys.notes.shift_lines(offset)
    totals.notes.merge(keys.notes)
    totals.records += keys.records
    for name, count in keys.per_file.items():
        totals.per_file[name] = totals.per_file.get(name, 0) + count
    file_ids = np.array(
        [joiner.file_index.setdefault(name, len(joiner.file_index)) for name in keys.files],
        dtype=np.int32,
    )
    totals.invalid += len(keys.invalid)
    totals.furniture_lines += keys.furniture_lines
    if keys.furniture_lines or all(input_kind(Path(n)) == "txt" for n in keys.per_file):
        totals.pages += sum(
            n for name, n in keys.per_file.items() if input_kind(Path(name)) == "txt"
        )
    for item in keys.invalid:
        item.line += offset
        rejects.add(item)
    totals.tasks.append(SpilledTask(joiner.total, keys.valid, keys.spill))
    parts = joiner.parts
    parts["id_hash"].append(keys.id_hash)
    parts["lines"].append(keys.lines + offset)
    parts["file_of"].append(file_ids[keys.file_of] if keys.valid else keys.file_of)
    for name in ("exact", "bands", "has_signature", "row_bytes", "id_bytes", "statistics_bytes"):
        value = getattr(keys, name)
        if value is not None:
            parts[name].append(value)
    _merge_split_values(keys, joiner)
    joiner.total += keys.valid


def _merge_split_values(keys: TaskKeys, joiner: _Joiner) -> None:
    """One task's split values, by kind (``splits.RecordValues``): counts summed,
    labels coded in order of first appearance, arrays kept to be concatenated."""
    for name, value in keys.split_values.items():
        if isinstance(value, int):
            joiner.split_counts[name] = joiner.split_counts.get(name, 0) + value
            continue
        if isinstance(value, list):
            codes = joiner.split_codes.setdefault(name, {})
            value = np.fromiter(
                (codes.setdefault(v, len(codes)) for v in value), dtype=np.int64, count=len(value)
            )
        joiner.split_parts.setdefault(name, []).append(value)


def _wanted(ctx: KeyContext) -> set[str]:
    wanted = {"id_hash", "lines", "file_of", "row_bytes", "id_bytes", "statistics_bytes"}
    if ctx.dedup != "off":
        wanted.add("exact")
    if ctx.near is not None:
        wanted |= {"bands", "has_signature"}
    return wanted


def _join(joiner: _Joiner, ctx: KeyContext) -> KeyArrays:
    wanted = _wanted(ctx)
    parts = joiner.parts

    def joined(name: str, dtype: Any, shape: tuple[int, ...] = ()) -> np.ndarray | None:
        if name not in wanted:
            return None
        return np.concatenate(parts[name]) if parts[name] else np.zeros((0, *shape), dtype)

    bands_width = ctx.near.bands if ctx.near else 0
    labels: dict[str, list[Any]] = {}
    for name, codes in joiner.split_codes.items():
        labels[name] = [None] * len(codes)
        for value, code in codes.items():
            labels[name][code] = value
    return KeyArrays(
        id_hash=joined("id_hash", np.uint64),  # type: ignore[arg-type]
        lines=joined("lines", np.int64),  # type: ignore[arg-type]
        file_of=joined("file_of", np.int32),  # type: ignore[arg-type]
        exact=joined("exact", np.uint64),
        bands=joined("bands", np.uint32, (bands_width,)),
        has_signature=joined("has_signature", bool),
        split_values={name: np.concatenate(p) for name, p in joiner.split_parts.items()},
        split_labels=labels,
        split_counts=dict(joiner.split_counts),
        row_bytes=joined("row_bytes", np.uint32),
        id_bytes=joined("id_bytes", np.uint32),
        statistics_bytes=joined("statistics_bytes", np.uint32),
    )
