"""Read and validate one task's records: the first step of ``export``'s key tasks, and
the loop ``validate`` shares for every record that is not a line of a byte range.

A task is a byte range of an uncompressed JSON Lines file (read here, from disk),
page dumps (read and ingested here) or a file or part of one, read here with its
reader (:mod:`dataset_kit.tasks`). Valid records are kept as dicts for keying and the Arrow
conversion; invalid ones become :class:`InvalidRecord` with their errors and the
original line. Line numbers of a range are relative to the range: the merge stage
offsets them (and the notes' first places) by the lines of the ranges before.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import tasks
from ..errors import printable
from ..readers.jsonl import iter_jsonl_lines
from ..reading import read_file
from ..records import PageOptions, ReadNotes, Record, parse_json_object
from ..storage import as_path, open_range, store_faults
from ..tasks import FilePart, LineRange, PageFiles
from ..validating import Issue, Validator, record_issues

# Task sizes: small enough that a worker's working set stays in the tens of MB.
RANGE_BYTES = 2 << 20
PART_BYTES = 2 << 20  # Parquet row groups per task, in uncompressed bytes
PAGES_PER_TASK = 200

KeyTask = LineRange | FilePart | PageFiles


def plan_key_tasks(
    paths: Sequence[Path],
    pages: PageOptions | None = None,
    source_names: Sequence[str] | None = None,
    scale: int = 1,
) -> Iterator[KeyTask]:
    """Export's tasks: byte ranges, page dumps in groups, other files or their parts;
    ``scale`` times the usual sizes (see ``Executor.task_scale``)."""
    return tasks.plan_tasks(
        paths,
        range_bytes=RANGE_BYTES * scale,
        part_bytes=PART_BYTES * scale,
        pages_per_task=PAGES_PER_TASK * scale,
        page_options=pages,
        source_names=source_names,
    )


@dataclass
class InvalidRecord:
    """An invalid record as the merge step needs it: where, which id, why, and the original."""

    file: str
    line: int
    id: Any
    issues: list[Issue]
    raw: bytes | None
    data: dict[str, Any] | None


def check_records(
    records: Iterable[Record], validator: Validator
) -> Iterator[tuple[Record, InvalidRecord | None]]:
    """Each record with its reject (None when it is valid): the one per-record check of
    ``validate`` and ``export`` for records read whole (page dumps, ``.gz``/``.json``
    files, parts of Parquet files), so the two commands always agree on them."""
    for record in records:
        issues = record_issues(validator, record)
        if not issues:
            yield record, None
            continue
        yield (
            record,
            InvalidRecord(
                record.file,
                record.line,
                record_id(record.data),
                issues,
                record.raw,
                record.data if record.raw is None else None,
            ),
        )


@dataclass
class TaskRecords:
    """One task's records after validation, valid ones in input order."""

    valid: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    file_of: list[int] = field(default_factory=list)
    invalid: list[InvalidRecord] = field(default_factory=list)
    per_file: Counter[str] = field(default_factory=Counter)
    notes: ReadNotes = field(default_factory=ReadNotes)
    line_count: int = 0

    def add_valid(self, data: dict[str, Any], file: str, line: int) -> None:
        if not self.files or self.files[-1] != file:
            self.files.append(file)
        self.valid.append(data)
        self.lines.append(line)
        self.file_of.append(len(self.files) - 1)


def record_id(data: Any) -> Any:
    """The record's ``id`` when it is a string or an integer (for rejects), else None."""
    if isinstance(data, dict):
        value = data.get("id")
        if isinstance(value, (str, int)):
            return value
    return None


def read_task(task: KeyTask, validator: Validator) -> TaskRecords:
    """Read and validate the records of ``task``."""
    if isinstance(task, LineRange):
        return _read_range(task, validator)
    out = TaskRecords()
    if isinstance(task, PageFiles):
        records: Iterable[Record] = (
            record
            for path, name in task.named()
            for record in read_file(as_path(path), out.notes, printable(path), task.options, name)
        )
    else:
        records = read_file(as_path(task.path), out.notes, task.display, part=task.part)
    for record, invalid in check_records(records, validator):
        out.per_file[record.file] += 1
        if invalid is None:
            out.add_valid(record.data, record.file, record.line)  # type: ignore[arg-type]
        else:
            out.invalid.append(invalid)
    return out


def _read_range(task: LineRange, validator: Validator) -> TaskRecords:
    out = TaskRecords()
    with store_faults(task.path), open_range(task.path, task.start, task.end) as handle:
        data = handle.read(task.end - task.start)
    out.line_count = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    is_valid = validator.is_valid
    int_fields = validator.int_fields
    out.files.append(task.display)
    for number, raw in iter_jsonl_lines(
        io.BytesIO(data), task.display, out.notes, at_file_start=task.start == 0
    ):
        out.per_file[task.display] += 1
        obj, problem = parse_json_object(raw)
        valid = problem is None and is_valid(obj)
        if valid and not (int_fields and validator.int64_issues(obj, raw)):  # type: ignore[arg-type]
            out.valid.append(obj)  # type: ignore[arg-type]
            out.lines.append(number)
            out.file_of.append(0)
            continue
        issues = (
            [Issue("", problem.keyword, problem.message)]
            if problem is not None
            else ([] if valid else validator.errors(obj)) + validator.int64_issues(obj, raw)  # type: ignore[arg-type]
        )
        out.invalid.append(InvalidRecord(task.display, number, record_id(obj), issues, raw, None))
    return out
