"""Validate a whole corpus: counts, errors grouped by rule, a JSON report, a rejects file.

:func:`validate` is what ``dataset-kit validate`` runs. It streams the inputs in
*tasks*: byte ranges of uncompressed JSON Lines files (cut at line ends, so a worker
reads its range straight from disk) or batches of records for every other format.
Tasks run in worker processes with ``jobs > 1`` and their results are merged in input
order, so the report and rejects file are identical whatever ``jobs`` is. Memory holds
one task per worker, a few examples per error group, and nothing else: errors and
rejects are streamed to temporary files that are renamed into place at the end.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from . import tasks
from .atomic import STDOUT, open_output, refuse_overlaps
from .errors import InputError, printable
from .executors import open_executor
from .reading import (
    PageOptions,
    ReadNotes,
    Record,
    expand_inputs_named,
    iter_jsonl_lines,
    parse_json_object,
    read_file,
)
from .stages.read_validate import InvalidRecord, check_records, record_id
from .storage import as_path, open_range, refuse_url_output, store_faults
from .tasks import FilePart, LineRange, PageFiles, Task
from .validating import Issue, Validator

RANGE_BYTES = 8 << 20
# How standard input (the input "-") is named in messages, reports and rejects.
STDIN_NAME = "<stdin>"
# Parts of other splittable files (Parquet row groups), in uncompressed bytes.
PART_BYTES = 8 << 20
# At most this many error groups (JSON pointer pattern, keyword) are kept apart.
MAX_GROUPS = 1000
OTHER_POINTERS = "(other pointers)"
EXAMPLES_PER_GROUP = 3
_INDEX_SEGMENT = re.compile(r"/\d+(?=/|$)")


@dataclass
class TaskResult:
    file: str
    records: int
    valid: int
    line_count: int
    notes: ReadNotes
    invalid: list[InvalidRecord]


@dataclass
class ErrorGroup:
    """Errors that broke the same rule: one JSON pointer pattern and one keyword."""

    pointer: str
    keyword: str
    count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ValidationResult:
    """Totals of a validation run; ``records == valid + invalid`` always holds."""

    records: int = 0
    valid: int = 0
    invalid: int = 0
    groups: dict[tuple[str, str], ErrorGroup] = field(default_factory=dict)
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: ReadNotes = field(default_factory=ReadNotes)
    report_path: Path | None = None
    rejects_path: Path | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.invalid == 0 else 1

    def sorted_groups(self) -> list[ErrorGroup]:
        return sorted(self.groups.values(), key=lambda g: (-g.count, g.pointer, g.keyword))

    def summary(self) -> dict[str, Any]:
        return {
            "groups": [
                {
                    "pointer": g.pointer,
                    "keyword": g.keyword,
                    "count": g.count,
                    "examples": g.examples,
                }
                for g in self.sorted_groups()
            ],
            "files": self.files,
            "notes": dict(sorted(self.notes.counts.items())),
        }


# --- worker side ---------------------------------------------------------------------


@dataclass(frozen=True)
class ValidateContext:
    """What every validation task needs; sent once per worker, never per task."""

    schema: Any
    assert_formats: bool
    base_dir: str | None
    engine: str

    @cached_property
    def validator(self) -> Validator:
        """The compiled schema, built on first use in each process that runs tasks."""
        return Validator(
            self.schema,
            assert_formats=self.assert_formats,
            base_dir=self.base_dir,
            engine=self.engine,
        )

    def __getstate__(self) -> dict[str, Any]:
        # A compiled validator does not travel: each worker compiles its own.
        return {k: v for k, v in self.__dict__.items() if k != "validator"}


def _run_task(ctx: ValidateContext, task: Task) -> TaskResult:
    """Validate one task's records (runs in a worker with ``jobs > 1``)."""
    validator = ctx.validator
    if isinstance(task, LineRange):
        return _run_range(task, validator)
    notes = ReadNotes()
    invalid: list[InvalidRecord] = []
    records = valid = 0
    batch: Iterable[Record] = (
        read_file(as_path(task.path), notes, task.display, part=task.part)
        if isinstance(task, FilePart)
        else _read_pages(task, notes)
    )
    file = task.display if isinstance(task, FilePart) else task.paths[0]
    for record, rejected in check_records(batch, validator):
        file = file or record.file
        records += 1
        if rejected is None:
            valid += 1
        else:
            invalid.append(rejected)
    return TaskResult(file, records, valid, 0, notes, invalid)


def _run_range(task: LineRange, validator: Validator) -> TaskResult:
    """Validate a byte range of a JSON Lines file, read here from disk."""
    notes = ReadNotes()
    invalid: list[InvalidRecord] = []
    valid = 0
    display = task.display
    at_file_start = task.start == 0
    is_valid = validator.is_valid
    int_fields, int64 = validator.int_fields, validator.int64_issues
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    number = 0
    with store_faults(task.path), open_range(task.path, task.start, task.end) as handle:
        remaining = task.end - task.start
        # This loop runs once per record, so the common case is kept lean: the line
        # is parsed with its "\n" (JSON whitespace, so orjson accepts it) and a valid
        # object costs one parse and one is_valid call. Reading straight from the
        # buffered file, as a plain loop would, avoids allocating big chunks.
        for line in handle:
            if remaining <= 0:
                break
            remaining -= len(line)
            number += 1
            if line.endswith(b"\r\n") or (
                number == 1 and at_file_start and line.startswith(b"\xef\xbb\xbf")
            ):
                # A CRLF line end or a byte-order mark: the careful reader strips and
                # notes it (and skips the line if that leaves it blank).
                cleaned = list(
                    iter_jsonl_lines(
                        io.BytesIO(line),
                        display,
                        notes,
                        first_line=number,
                        at_file_start=at_file_start and number == 1,
                    )
                )
                if not cleaned:
                    continue
                line = cleaned[0][1]
            try:
                obj = loads(line)
            except decode_error:
                obj = None
            if type(obj) is dict and is_valid(obj) and not (int_fields and int64(obj)):
                valid += 1
                continue
            # Rare from here on: invalid records, bad lines and blank lines, handled
            # exactly as the careful reader does.
            raw = line[:-1] if line.endswith(b"\n") else line
            if not raw.strip():
                notes.add("blank lines skipped", f"{display}:{number}")
                continue
            problem = None
            if type(obj) is not dict:
                obj, problem = parse_json_object(raw)  # again, for the precise message
            issues = (
                [Issue("", problem.keyword, problem.message)]
                if problem is not None
                else validator.errors(obj) + int64(obj, raw)
            )
            invalid.append(InvalidRecord(display, number, record_id(obj), issues, raw, None))
    records = valid + len(invalid)
    # Every line was numbered, blank or not: the count the next range starts from.
    return TaskResult(display, records, valid, number, notes, invalid)


def _read_pages(task: PageFiles, notes: ReadNotes) -> Iterator[Record]:
    for path, name in task.named():
        yield from read_file(as_path(path), notes, printable(path), task.options, name)


# --- planning ------------------------------------------------------------------------


def plan_tasks(
    paths: Sequence[Path],
    pages: PageOptions | None = None,
    source_names: Sequence[str] | None = None,
    displays: Mapping[Path, str] | None = None,
) -> Iterator[Task]:
    """Validation's tasks: one file each (per-file counts rely on it), in input order."""
    return tasks.plan_tasks(
        paths,
        range_bytes=RANGE_BYTES,
        part_bytes=PART_BYTES,
        pages_per_task=1,
        page_options=pages,
        source_names=source_names,
        displays=displays,
    )


# --- merging -------------------------------------------------------------------------


def group_pointer(pointer: str) -> str:
    """The pointer with array indices replaced by ``*``, so /authors/0 and /authors/7 group."""
    return _INDEX_SEGMENT.sub("/*", pointer)


def rejects_line(item: InvalidRecord) -> bytes:
    """One rejects-file line: where the record came from, why it failed, and the original.

    ``raw`` holds the original line exactly (``raw_base64`` when it is not UTF-8), so
    ``jq -r .raw rejects.jsonl`` gives back the input lines to fix and feed back;
    records that had no line of their own (Parquet rows, page dumps) are in ``record``.
    """
    entry: dict[str, Any] = {
        "file": item.file,
        "line": item.line,
        "id": item.id,
        "errors": [issue.as_dict() for issue in item.issues],
    }
    if item.raw is not None:
        try:
            entry["raw"] = item.raw.decode("utf-8")
        except UnicodeDecodeError:
            import base64

            entry["raw_base64"] = base64.b64encode(item.raw).decode("ascii")
    else:
        entry["record"] = item.data
    return orjson.dumps(entry) + b"\n"


def _merge(
    result: ValidationResult,
    task_result: TaskResult,
    line_offset: int,
    errors_out: BinaryIO | None,
    rejects_out: BinaryIO | None,
) -> None:
    result.records += task_result.records
    result.valid += task_result.valid
    result.invalid += len(task_result.invalid)
    if line_offset:
        task_result.notes.shift_lines(line_offset)
    result.notes.merge(task_result.notes)
    for item in task_result.invalid:
        item.line += line_offset
        for issue in item.issues:
            example = {
                "file": item.file,
                "line": item.line,
                "id": item.id,
                "pointer": issue.pointer,
                "keyword": issue.keyword,
                "message": issue.message,
            }
            key = (group_pointer(issue.pointer), issue.keyword)
            group = result.groups.get(key)
            if group is None and len(result.groups) >= MAX_GROUPS:
                # Pointers through objects keyed by data (a map of names) differ per
                # record; past the cap they share one group per keyword, so memory
                # stays flat however many records are invalid.
                key = (OTHER_POINTERS, issue.keyword)
                group = result.groups.get(key)
            if group is None:
                group = result.groups[key] = ErrorGroup(*key)
            group.count += 1
            if len(group.examples) < EXAMPLES_PER_GROUP:
                group.examples.append(example)
            if errors_out is not None:
                errors_out.write(orjson.dumps(example))
                errors_out.write(b",\n")
        if rejects_out is not None:
            rejects_out.write(rejects_line(item))


def validate(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    schema: Any = None,
    schema_path: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    rejects: str | os.PathLike[str] | None = None,
    jobs: int = 1,
    assert_formats: bool = True,
    engine: str = "rust",
    progress: Callable[[int], None] | None = None,
    pages: PageOptions | None = None,
    scheduler: str | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> ValidationResult:
    """Validate every record of ``inputs`` and return the totals.

    ``schema`` is a schema dict (default: loaded from ``schema_path``, default the
    bundled article schema). ``report`` writes the JSON report, ``rejects`` the
    invalid records with their errors; both appear only when the run completes. Either
    may be ``-`` (standard output) or a special file such as ``/dev/null``, written
    through; neither may be an input or the other one (:class:`DatasetKitError`).
    ``engine`` is ``rust`` (jsonschema-rs, the default) or ``python`` (the reference
    ``jsonschema`` implementation, slower, for cross-checking a verdict). ``pages``
    says how ``.txt`` page dumps are ingested (timezone, publisher). ``scheduler`` runs
    the tasks on a Dask cluster (see :func:`dataset_kit.executors.open_executor`;
    default ``DASK_SCHEDULER_ADDRESS``), whose link ``on_dashboard`` receives.
    An input ``-`` is standard input, read as JSON Lines: it is saved to a temporary
    file first (the records are read in parallel byte ranges) and named ``<stdin>``.
    Raises :class:`~dataset_kit.errors.InputError` when the inputs are missing or
    hold no record, :class:`~dataset_kit.errors.SchemaError` for a bad schema.
    """
    options = {
        "schema": schema,
        "schema_path": schema_path,
        "report": report,
        "rejects": rejects,
        "jobs": jobs,
        "assert_formats": assert_formats,
        "engine": engine,
        "progress": progress,
        "pages": pages,
        "scheduler": scheduler,
        "on_dashboard": on_dashboard,
    }
    if not any(os.fspath(item) == "-" for item in inputs):
        return _validate(inputs, {}, **options)
    with tempfile.TemporaryDirectory(prefix="dataset-kit-stdin-") as folder:
        spooled = Path(folder) / "stdin.jsonl"
        with open(spooled, "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
        given = [str(spooled) if os.fspath(item) == "-" else item for item in inputs]
        return _validate(given, {spooled: STDIN_NAME}, **options)


def _validate(
    inputs: Sequence[str | os.PathLike[str]],
    displays: Mapping[Path, str],
    *,
    schema: Any,
    schema_path: str | os.PathLike[str] | None,
    report: str | os.PathLike[str] | None,
    rejects: str | os.PathLike[str] | None,
    jobs: int,
    assert_formats: bool,
    engine: str,
    progress: Callable[[int], None] | None,
    pages: PageOptions | None,
    scheduler: str | None,
    on_dashboard: Callable[[str], None] | None,
) -> ValidationResult:
    from .validating import load_schema

    if schema is None:
        schema = load_schema(schema_path)
    base_dir = str(Path(schema_path).resolve().parent) if schema_path else None
    # Build one here first, so that a broken schema fails before any input is read.
    Validator(
        schema,
        assert_formats=assert_formats,
        base_dir=base_dir,
        engine=engine,
        source=schema_path,
    )
    if pages is not None:
        pages.check()
    result = ValidationResult()
    refuse_url_output("--report", report)
    refuse_url_output("--rejects", rejects)
    named = expand_inputs_named(inputs, result.notes)
    paths = [path for path, _ in named]
    refuse_overlaps(
        [*paths, *([schema_path] if schema_path else [])],
        [("--report", report), ("--rejects", rejects)],
    )
    for path in paths:
        result.files[displays.get(path) or printable(path)] = {"records": 0, "invalid": 0}

    rejects_output = open_output(rejects) if rejects else contextlib.nullcontext()
    executor = open_executor(jobs, scheduler, on_dashboard)
    with executor as run, rejects_output as rejects_out, tempfile.TemporaryDirectory() as scratch:
        errors_tmp = Path(scratch) / "errors.jsonl" if report else None
        with _open_or_none(errors_tmp) as errors_out:
            offsets: dict[str, int] = {}
            for task_result in run.map_ordered(
                _run_task,
                plan_tasks(paths, pages, [name for _, name in named], displays),
                ValidateContext(schema, assert_formats, base_dir, engine),
            ):
                display = task_result.file
                offset = 0
                if task_result.line_count:
                    offset = offsets.get(display, 0)
                    offsets[display] = offset + task_result.line_count
                _merge(result, task_result, offset, errors_out, rejects_out)
                _count_per_file(result, task_result)
                if progress is not None:
                    progress(task_result.records)
        if result.records == 0:
            raise InputError(
                "the input is empty: no records found in "
                + ", ".join(displays.get(Path(i)) or printable(i) for i in inputs)
            )
        for name, counts in result.files.items():
            if counts["records"] == 0:
                result.notes.add("inputs with no records", name)
        if report:
            result.report_path = Path(report)
            _write_report(result, Path(report), errors_tmp)
    if rejects:
        result.rejects_path = Path(rejects)
    return result


def _count_per_file(result: ValidationResult, task_result: TaskResult) -> None:
    # Every task holds records of one file only: plan_tasks never mixes files.
    counts = result.files.setdefault(task_result.file, {"records": 0, "invalid": 0})
    counts["records"] += task_result.records
    counts["invalid"] += len(task_result.invalid)


def _open_or_none(path: Path | None) -> Any:
    """A binary file opened for writing, or a no-op context yielding None."""
    return open(path, "wb", buffering=1 << 20) if path else contextlib.nullcontext()


def _write_report(result: ValidationResult, path: Path, errors_tmp: Path | None) -> None:
    with open_output(path) as out:
        out.write(
            b'{"records": %d, "valid": %d, "invalid": %d,\n"errors": [\n'
            % (result.records, result.valid, result.invalid)
        )
        if errors_tmp is not None and errors_tmp.stat().st_size:
            with open(errors_tmp, "rb") as errors:
                size = errors_tmp.stat().st_size
                # Copy all but the trailing ",\n" of the last entry.
                remaining = size - 2
                while remaining > 0:
                    block = errors.read(min(1 << 20, remaining))
                    out.write(block)
                    remaining -= len(block)
                out.write(b"\n")
        out.write(b'],\n"summary": ')
        out.write(orjson.dumps(result.summary(), option=orjson.OPT_INDENT_2))
        out.write(b"}\n")


def format_summary(result: ValidationResult) -> str:
    """The human summary ``dataset-kit validate`` prints: totals, then errors by rule."""
    files = len(result.files)
    lines = [
        f"{result.records:,} record{'s' if result.records != 1 else ''} read from "
        f"{files:,} file{'s' if files != 1 else ''}: "
        f"{result.valid:,} valid, {result.invalid:,} invalid."
    ]
    groups = result.sorted_groups()
    if groups:
        lines += ["", "Errors by rule (JSON pointer, keyword):"]
        for group in groups:
            pointer = group.pointer or "(record)"
            lines.append(f"  {group.count:>8,}  {pointer}  [{group.keyword}]")
            for example in group.examples:
                ident = f" id={example['id']}" if example["id"] is not None else ""
                message = example["message"]
                if len(message) > 160:
                    message = message[:157] + "..."
                lines.append(f"            {example['file']}:{example['line']}{ident}: {message}")
    notes = result.notes.lines()
    if notes:
        lines += ["", "Accepted with notes:"] + [f"  {line}" for line in notes]
    written = []
    for label, path in (("report", result.report_path), ("rejects", result.rejects_path)):
        if path:
            written.append(f"{label}: {'standard output' if str(path) == STDOUT else path}")
    if written:
        lines += ["", "Wrote " + "; ".join(written)]
    return "\n".join(lines)
