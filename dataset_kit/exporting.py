"""``dataset-kit export``: validated, deduplicated, leak-free splits as Parquet shards.

The export runs in two passes over the data with only compact keys in memory in
between, so memory does not grow with the corpus beyond a few dozen bytes per
record:

1. **Keys** (:func:`_key_task`, run per task in worker processes with ``--jobs``):
   each task (a line-aligned byte range of a JSON Lines file, or a batch of records
   of another format) is parsed and validated; invalid records become rejects with
   their errors. Valid records are converted to Arrow and *spilled* to a temporary
   Arrow IPC file, and their keys returned: a hash of the id, the exact-duplicate
   key (word sequence + canonical URL), the LSH band hashes of the MinHash signature,
   and the group, stratum and date values the split options need.
2. **Plan** (:func:`plan_export`, in memory, over numpy arrays): drop exact copies
   (first one kept), reject reused ids, check candidate near-duplicate pairs on the
   exact Jaccard of their texts (read back from the spill), cluster them, join
   clusters and groups into split units and assign each unit a split
   (:mod:`dataset_kit.splitting`).
3. **Write** (:func:`_write_shards`): the spilled batches are streamed back in input
   order, given their ``cluster_id`` and split, and written by one
   :class:`~dataset_kit.shards.SplitWriter` per split. Rows keep the input order
   within a split, which is deterministic and means a grown corpus changes only the
   end of each split (the best case for content-defined chunking on the Hub).

Everything is written into a temporary folder next to ``DIR`` that replaces ``DIR``
only at the end, so an interrupted or failed export leaves an earlier ``DIR`` as it
was. The folder ends up holding the shards, the manifest (``.dataset-kit/manifest.json``)
and the dataset card; the rejects (``DIR.rejects.jsonl``: the original line, file, line
and errors of each rejected record) and the report (``DIR.report.json``) are written
beside it. The three are swapped in as one journaled step
(:func:`~dataset_kit.atomic.atomic_set`): after any interruption the next export finds
the whole old set, or completes the whole new one and says so. Files a user added to
an earlier ``DIR`` are carried over into the new one (:func:`_carry_over`), and a
non-empty earlier export is never replaced by an empty one unless ``allow_empty``.

Counts always add up: ``read = written + rejected + duplicates_dropped``, where
rejected records are the invalid ones plus records reusing an id already taken by a
different article, and dropped duplicates are exact copies plus, with
``near_keep="one"``, the non-representative members of near-duplicate clusters.
"""

from __future__ import annotations

import hashlib
import io
import os
import platform
import shutil
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__, sketch_kernel, tasks
from .arrow_schema import Column, arrow_schema, columns_for, to_batch
from .atomic import atomic_set, refuse_overlaps
from .config import ExportSettings
from .dedup import (
    NearDupParams,
    band_hashes,
    candidate_pairs,
    canonical_url,
    connected_components,
    first_occurrences,
    hash64_array,
    index_dtype,
    miss_probability,
    mix64,
    recall_point,
    sketch_array,
    verify_pairs,
)
from .errors import DatasetKitError, InputError, RefusedError, SchemaError, printable
from .manifest import (
    FileEntry,
    InputEntry,
    Manifest,
    SplitEntry,
    manifest_path,
    write_manifest,
)
from .parallel import available_cpus, ordered_map, resolve_jobs
from .reading import (
    PageOptions,
    ReadNotes,
    Record,
    expand_inputs_named,
    input_kind,
    iter_jsonl_lines,
    parse_json_object,
    read_file,
)
from .shards import ShardInfo, SplitWriter, format_size, parse_size
from .splitting import (
    DEFAULT_SPLIT,
    NO_DATE,
    DateSplit,
    SplitSpec,
    assign_by_date,
    assign_by_hash,
    assign_stratified,
    parse_split,
    parse_split_by_date,
    parse_timestamp,
    split_names_for_dates,
)
from .tasks import LineRange, PageFiles, RecordBatch
from .validating import Issue, Validator, load_schema, record_issues
from .validation_run import InvalidRecord, group_pointer
from .validation_run import rejects_line as _rejects_line

SPILL_FOLDER = ".spill"
# Task sizes: small enough that a worker's working set stays in the tens of MB.
RANGE_BYTES = 2 << 20
BATCH_RECORDS = 2000
PAGES_PER_TASK = 200
# A worker returns freed heap to the OS after a task once its resident size passes this.
TRIM_ABOVE_BYTES = 160 << 20
RELEASE_EVERY_TASKS = 16  # in pass 2, about every 32 MB of input
EXAMPLES = 10

# Record status after planning.
KEPT, EXACT_DUPLICATE, DUPLICATE_ID, NEAR_DROPPED = 0, 1, 2, 3


def rejects_path_for(out: str | os.PathLike[str]) -> Path:
    """Where the rejects of an export to ``out`` go: beside it, never inside."""
    target = Path(out)
    return target.parent / f"{target.name}.rejects.jsonl"


def report_path_for(out: str | os.PathLike[str]) -> Path:
    target = Path(out)
    return target.parent / f"{target.name}.report.json"


# --- the plan handed to workers --------------------------------------------------------


@dataclass(frozen=True)
class KeyPlan:
    """What a key task needs; pickled once per worker."""

    schema: Any
    base_dir: str | None
    columns: tuple[Column, ...]
    dedup: str
    near: NearDupParams | None
    id_field: str
    text_field: str
    url_field: str | None
    date_field: str | None
    stratify: str | None
    group_by: str | None
    spill_dir: str


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
    dates: np.ndarray | None = None
    bad_dates: int = 0
    strata: list[str | None] | None = None
    groups: np.ndarray | None = None
    spill: str | None = None
    furniture_lines: int = 0

    @property
    def valid(self) -> int:
        return len(self.id_hash)

    @property
    def records(self) -> int:
        return sum(self.per_file.values())


_worker: dict[str, Any] = {}


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return TRIM_ABOVE_BYTES


def _release_memory(force: bool = False) -> None:
    """Hand freed heap back to the OS after a task (glibc and Arrow's allocator keep it
    otherwise), so that a worker's resident size is its working set, not its
    high-water mark. Between phases (``force``) it always runs: the next phase's
    peak then starts from what is really in use."""
    if not force and _resident_bytes() < TRIM_ABOVE_BYTES:
        return  # small enough: trimming would only cost page faults on the next task
    if force:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    trim = _worker.get("malloc_trim")
    if trim is None:
        trim = _worker["malloc_trim"] = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                trim = _worker["malloc_trim"] = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):
                pass
    if trim:
        trim(0)


def _init_key_worker(plan: KeyPlan) -> None:
    _worker["plan"] = plan
    _worker["validator"] = Validator(plan.schema, base_dir=plan.base_dir)


def _value_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    return b"\x00json:" + orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


KeyTask = LineRange | RecordBatch | PageFiles


def plan_key_tasks(
    paths: Sequence[Path],
    notes: ReadNotes,
    pages: PageOptions | None = None,
    source_names: Sequence[str] | None = None,
) -> Iterator[KeyTask]:
    """Export's tasks: byte ranges, page dumps in groups, batches of other records."""
    return tasks.plan_tasks(
        paths,
        notes,
        range_bytes=RANGE_BYTES,
        batch_records=BATCH_RECORDS,
        pages_per_task=PAGES_PER_TASK,
        page_options=pages,
        source_names=source_names,
    )


@dataclass
class _TaskRecords:
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


def _read_task(task: KeyTask, validator: Validator) -> _TaskRecords:
    out = _TaskRecords()
    if isinstance(task, LineRange):
        with open(task.path, "rb") as handle:
            handle.seek(task.start)
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
            out.invalid.append(
                InvalidRecord(task.display, number, _record_id(obj), issues, raw, None)
            )
        return out
    if isinstance(task, PageFiles):
        records: Iterable[Record] = (
            record
            for path, name in task.named()
            for record in read_file(Path(path), out.notes, printable(path), task.options, name)
        )
    else:
        records = task.records
    for record in records:
        out.per_file[record.file] += 1
        issues = record_issues(validator, record)
        if not issues:
            out.add_valid(record.data, record.file, record.line)  # type: ignore[arg-type]
            continue
        out.invalid.append(
            InvalidRecord(
                record.file,
                record.line,
                _record_id(record.data),
                issues,
                record.raw,
                record.data if record.raw is None else None,
            )
        )
    return out


def _record_id(data: Any) -> Any:
    if isinstance(data, dict):
        value = data.get("id")
        if isinstance(value, (str, int)):
            return value
    return None


def _key_task(item: tuple[int, KeyTask]) -> TaskKeys:
    """Pass 1 for one task: validate, key and spill its records (runs in a worker)."""
    index, task = item
    plan: KeyPlan = _worker["plan"]
    validator: Validator = _worker["validator"]
    read = _read_task(task, validator)
    valid, lines, invalid = read.valid, read.lines, read.invalid

    batch, failures = to_batch(valid, plan.columns)
    if failures:
        dropped = {position for position, _, _ in failures}
        for position, column, reason in failures:
            record = valid[position]
            invalid.append(
                InvalidRecord(
                    read.files[read.file_of[position]],
                    lines[position],
                    _record_id(record),
                    [Issue(f"/{column}", "arrow", f"value {reason}")],
                    None,
                    record,
                )
            )
        valid = [r for i, r in enumerate(valid) if i not in dropped]
        lines = [n for i, n in enumerate(lines) if i not in dropped]
        read.file_of = [f for i, f in enumerate(read.file_of) if i not in dropped]

    keys = TaskKeys(
        index=index,
        files=read.files,
        file_of=np.asarray(read.file_of, dtype=np.int32),
        per_file=dict(read.per_file),
        range_file=task.display if isinstance(task, LineRange) else None,
        line_count=read.line_count,
        notes=read.notes,
        invalid=invalid,
        lines=np.asarray(lines, dtype=np.int64),
        id_hash=hash64_array(_value_bytes(r.get(plan.id_field)) for r in valid),
    )
    if "furniture_lines" in batch.schema.names and isinstance(task, PageFiles):
        column = batch.column("furniture_lines")
        keys.furniture_lines = int(pc.sum(column).as_py() or 0)
    if plan.dedup != "off":
        text_column = batch.column(plan.text_field)
        sketches = sketch_array(text_column, plan.near)
        urls = (
            hash64_array(canonical_url(r.get(plan.url_field)).encode("utf-8") for r in valid)
            if plan.url_field
            else np.zeros(len(valid), dtype=np.uint64)
        )
        keys.exact = mix64(sketches.text_keys ^ mix64(urls + np.uint64(0x51ED27)))
        if text_column.null_count:
            # A record without text is nobody's copy: key it by its id instead.
            missing = np.asarray(text_column.is_null())
            keys.exact[missing] = mix64(keys.id_hash[missing] ^ np.uint64(0x7E47))
        if plan.near is not None and sketches.signatures is not None:
            keys.bands = band_hashes(sketches.signatures, plan.near.bands, plan.near.rows)
            keys.has_signature = sketches.has_signature
    if plan.date_field:
        dates = np.full(len(valid), NO_DATE, dtype=np.int64)
        for i, record in enumerate(valid):
            value = record.get(plan.date_field)
            if value is None:
                continue
            moment = parse_timestamp(value)
            if moment is None:
                keys.bad_dates += 1
            else:
                dates[i] = moment
        keys.dates = dates
    if plan.stratify:
        keys.strata = [
            None
            if (v := r.get(plan.stratify)) is None
            else (v if isinstance(v, str) else orjson.dumps(v).decode())
            for r in valid
        ]
    if plan.group_by:
        groups = keys.id_hash.copy()
        values = [r.get(plan.group_by) for r in valid]
        present = [i for i, v in enumerate(values) if v is not None]
        if present:
            groups[present] = hash64_array(b"group\x00" + _value_bytes(values[i]) for i in present)
        keys.groups = groups
    if batch.num_rows:
        spill_path = Path(plan.spill_dir) / f"{index:08d}.arrow"
        # Uncompressed: lz4 cost a tenth of pass 1 to save disk space the spill only
        # borrows (it lives in the page cache until pass 2 reads it back).
        with (
            pa.OSFile(str(spill_path), "wb") as sink,
            pa.ipc.new_file(sink, batch.schema) as writer,
        ):
            writer.write_batch(batch)
        keys.spill = str(spill_path)
    del batch, valid, read
    _release_memory()
    return keys


# --- pass 1 merge ----------------------------------------------------------------------


@dataclass
class KeyArrays:
    """The keys of every valid record, concatenated in input order."""

    id_hash: np.ndarray
    lines: np.ndarray
    file_of: np.ndarray
    exact: np.ndarray | None
    bands: np.ndarray | None
    has_signature: np.ndarray | None
    dates: np.ndarray | None
    strata: np.ndarray | None
    strata_names: list[str | None]
    groups: np.ndarray | None

    @property
    def size(self) -> int:
        return len(self.id_hash)


@dataclass
class SpilledTask:
    start: int
    rows: int
    spill: str | None


class SpilledTexts:
    """Reads the texts of chosen records back from the spill, one spill at a time.

    Only the text column is read (``included_fields``), with ordinary reads rather
    than a memory map: the kernel maps whole large folios of page cache into the
    process on a fault, so mapping 2 MB spills to pick a few texts from each grew the
    resident size by the whole spill. Each spill is read at most once per call.
    """

    def __init__(self, tasks: Sequence[SpilledTask], text_field: str) -> None:
        self._tasks = [t for t in tasks if t.rows]
        self._starts = np.array([t.start for t in self._tasks], dtype=np.int64)
        self._field = text_field
        self._index: int | None = None

    def groups(self, indices: np.ndarray) -> Iterator[tuple[np.ndarray, pa.Array]]:
        """``(positions into indices, texts)`` for the records at ``indices`` (sorted,
        unique), spill by spill."""
        task_of = np.searchsorted(self._starts, indices, side="right") - 1
        bounds = np.flatnonzero(np.diff(task_of)) + 1
        for part in np.split(np.arange(len(indices)), bounds):
            if not len(part):
                continue
            task = self._tasks[int(task_of[part[0]])]
            assert task.spill is not None
            with pa.OSFile(task.spill) as source:
                if self._index is None:
                    # Every spill has the same schema: look the column up once.
                    self._index = pa.ipc.open_file(source).schema.get_field_index(self._field)
                options = pa.ipc.IpcReadOptions(included_fields=[self._index])
                column = pa.ipc.open_file(source, options=options).get_batch(0).column(0)
            yield part, column.take(pa.array(indices[part] - task.start))


# --- planning --------------------------------------------------------------------------


@dataclass
class SplitPlan:
    """What happens to each valid record, from :func:`plan_export`."""

    status: np.ndarray  # KEPT, EXACT_DUPLICATE, DUPLICATE_ID, NEAR_DROPPED
    kept_copy_of: np.ndarray  # for a dropped or rejected record: the record it repeats
    representative: np.ndarray  # the cluster representative (itself when alone)
    split: np.ndarray  # split index, -1 when not written
    pairs: np.ndarray  # verified near-duplicate pairs
    candidate_pairs: int
    cross_split_pairs: int
    cross_split_groups: int
    undated_units: int = 0


def plan_export(
    keys: KeyArrays,
    *,
    spec: SplitSpec | None,
    dates: DateSplit | None,
    seed: int,
    dedup: str,
    near: NearDupParams | None,
    near_keep: str,
    verify: Callable[[np.ndarray], np.ndarray] | None,
) -> SplitPlan:
    """Decide, over key arrays only, which records are written and to which split."""
    n = keys.size
    index = np.arange(n, dtype=index_dtype(n))
    status = np.zeros(n, dtype=np.int8)
    kept_copy_of = index.copy()
    if dedup != "off" and n:
        assert keys.exact is not None
        first = first_occurrences(keys.exact)
        copies = first != index
        status[copies] = EXACT_DUPLICATE
        kept_copy_of[copies] = first[copies]
        first_id = first_occurrences(keys.id_hash, eligible=status == KEPT)
        reused = (first_id != index) & (status == KEPT)
        status[reused] = DUPLICATE_ID
        kept_copy_of[reused] = first_id[reused]

    pairs = np.zeros((0, 2), dtype=np.int64)
    candidates = 0
    representative = index.copy()
    if near is not None and keys.bands is not None and n:
        assert keys.has_signature is not None and verify is not None
        eligible = (status == KEPT) & keys.has_signature
        found = candidate_pairs(keys.bands, eligible)
        # The band hashes (4 bytes per band per record) are done with, and so is the
        # sorting's scratch: give both back before the texts are read for the check.
        keys.bands = None
        _release_memory(force=True)
        candidates = len(found)
        pairs = found[verify(found)]
        labels = connected_components(n, pairs)
        # The representative is the member with the smallest id hash: independent of
        # input order, and it names the cluster (cluster_id).
        order = np.lexsort((keys.id_hash, labels))
        first_of_label = np.ones(n, dtype=bool)
        first_of_label[1:] = labels[order][1:] != labels[order][:-1]
        label_rep = np.empty(n, dtype=index.dtype)
        label_rep[labels[order][first_of_label]] = order[first_of_label]
        representative = label_rep[labels]
        if near_keep == "one":
            extra = (representative != index) & (status == KEPT)
            status[extra] = NEAR_DROPPED
            kept_copy_of[extra] = representative[extra]

    kept = status == KEPT
    unit_key = keys.groups if keys.groups is not None else keys.id_hash
    links = [pairs] if near_keep == "cluster" else []
    if keys.groups is not None:
        group_first = first_occurrences(keys.groups, eligible=kept)
        joined = np.flatnonzero(group_first != index)
        links.append(np.stack([group_first[joined], joined], axis=1))
    components = connected_components(n, np.concatenate(links) if links else pairs)

    split = np.full(n, -1, dtype=np.int16)
    cross_groups = 0
    undated_units = 0
    kept_index = np.flatnonzero(kept)
    if len(kept_index):
        comp_of_kept = components[kept_index]
        units, unit_of = np.unique(comp_of_kept, return_inverse=True)
        unit_keys = np.full(len(units), np.iinfo(np.uint64).max, dtype=np.uint64)
        np.minimum.at(unit_keys, unit_of, unit_key[kept_index])
        if dates is not None:
            assert keys.dates is not None
            unit_dates = np.full(len(units), NO_DATE, dtype=np.int64)
            np.minimum.at(unit_dates, unit_of, keys.dates[kept_index])
            undated_units = int((unit_dates == NO_DATE).sum())
            codes = assign_by_date(unit_dates, dates.cutoffs)
        else:
            assert spec is not None and spec.ratios is not None
            if keys.strata is not None:
                # A unit's stratum is that of its record with the smallest key.
                order = np.lexsort((keys.id_hash[kept_index], unit_key[kept_index], unit_of))
                first = np.ones(len(order), dtype=bool)
                first[1:] = unit_of[order][1:] != unit_of[order][:-1]
                unit_strata = np.empty(len(units), dtype=np.int64)
                unit_strata[unit_of[order][first]] = keys.strata[kept_index][order][first]
                sizes = np.bincount(unit_of, minlength=len(units))
                codes = assign_stratified(unit_keys, sizes, unit_strata, spec.ratios, seed)
            else:
                codes = assign_by_hash(unit_keys, spec.ratios, seed)
        split[kept_index] = codes[unit_of]
        if keys.groups is not None:
            group_splits = np.unique(
                np.stack([keys.groups[kept_index], split[kept_index].astype(np.uint64)], axis=1),
                axis=0,
            )
            cross_groups = int(len(group_splits) - len(np.unique(group_splits[:, 0])))
    both_kept = kept[pairs[:, 0]] & kept[pairs[:, 1]] if len(pairs) else np.zeros(0, bool)
    cross_pairs = int((split[pairs[both_kept, 0]] != split[pairs[both_kept, 1]]).sum())
    return SplitPlan(
        status=status,
        kept_copy_of=kept_copy_of,
        representative=representative,
        split=split,
        pairs=pairs,
        candidate_pairs=candidates,
        cross_split_pairs=cross_pairs,
        cross_split_groups=cross_groups,
        undated_units=undated_units,
    )


# --- result ----------------------------------------------------------------------------


def near_duplicate_design(near: NearDupParams) -> dict[str, Any]:
    """How near duplicates are found, and what the banding can miss (report and card)."""
    at = recall_point(near.threshold)
    return {
        "verification": "exact",
        "recall_point": round(at, 6),
        "miss_probability_at_threshold": miss_probability(near.threshold, near.bands, near.rows),
        "miss_probability_at_recall_point": miss_probability(at, near.bands, near.rows),
    }


def near_duplicate_method(dedup: dict[str, Any]) -> str:
    """The summary line that says how near-duplicate pairs were found and checked."""
    return (
        f"Near-duplicate pairs: {dedup['candidate_pairs']:,} candidates (LSH, "
        f"{dedup['bands']} bands x {dedup['rows']} rows of {dedup['num_perm']} MinHash values), "
        f"each checked on the exact Jaccard of its {dedup['shingle_words']}-word shingle sets; "
        f"{dedup['near_duplicate_pairs']:,} reached {dedup['threshold']}. By design a pair at "
        f"{dedup['threshold']} is missed with probability "
        f"{dedup['miss_probability_at_threshold']:.2%}, at {dedup['recall_point']:g} with "
        f"{dedup['miss_probability_at_recall_point']:.4%}."
    )


@dataclass
class ExportResult:
    """What an export wrote, with the counts that add up."""

    out: Path
    rejects_path: Path
    report_path: Path
    counts: dict[str, int]
    splits: dict[str, int]
    shards: list[ShardInfo]
    dedup: dict[str, Any]
    notes: ReadNotes
    card_written: bool
    manifest: Manifest
    report: dict[str, Any] = field(default_factory=dict)
    card_warnings: list[str] = field(default_factory=list)
    carried_over: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The lines ``dataset-kit export`` prints."""
        c = self.counts
        files = len(self.manifest.inputs)
        lines = [
            f"Read {c['read']:,} records from {files:,} file{'s' if files != 1 else ''}: "
            f"{c['written']:,} written, {c['rejected']:,} rejected, "
            f"{c['duplicates_dropped']:,} duplicates dropped."
        ]
        if c["invalid"] or c["duplicate_ids"]:
            lines.append(
                f"Rejected: {c['invalid']:,} invalid, {c['duplicate_ids']:,} reusing the id "
                "of a different article."
            )
        d = self.dedup
        if d.get("mode") != "off":
            text = f"Duplicates: {c['exact_duplicates']:,} exact copies dropped"
            if d.get("mode") == "near":
                keep = (
                    "kept whole in one split"
                    if d.get("near_keep") == "cluster"
                    else (f"one kept per cluster, {c['near_duplicates_dropped']:,} dropped")
                )
                text += (
                    f"; {d['clusters']:,} near-duplicate clusters ({d['clustered_records']:,} "
                    f"records, largest {d['largest_cluster']:,}), {keep}"
                )
            lines.append(text + ".")
            if d.get("mode") == "near":
                lines.append(near_duplicate_method(d))
        per_split = ", ".join(
            f"{name} {rows:,} ({sum(1 for s in self.shards if s.split == name)} shard"
            f"{'s' if sum(1 for s in self.shards if s.split == name) != 1 else ''})"
            for name, rows in self.splits.items()
        )
        lines.append(f"Splits: {per_split}.")
        notes = self.notes.lines()
        if notes:
            lines += ["Accepted with notes:"] + [f"  {line}" for line in notes]
        total = sum(s.bytes for s in self.shards)
        lines.append(
            f"Wrote {self.out} ({len(self.shards)} shard{'s' if len(self.shards) != 1 else ''}, "
            f"{format_size(total)}{', card' if self.card_written else ''}); "
            f"rejects: {self.rejects_path}; report: {self.report_path}"
        )
        if self.carried_over:
            lines.append(
                f"Kept from the earlier {self.out.name}: {', '.join(self.carried_over)} "
                "(not written by the export, carried over)."
            )
        lines += [f"Recovered: {text}." for text in self.recovered]
        lines += [f"Warning: {warning}" for warning in self.card_warnings]
        return "\n".join(lines)


# --- orchestration ---------------------------------------------------------------------


def _check_field(schema: dict[str, Any], name: str, option: str) -> None:
    if name not in schema.get("properties", {}):
        known = ", ".join(schema.get("properties", {}))
        raise DatasetKitError(f"{option}: the schema has no field {name!r} (fields: {known})")


def _resolve_splits(
    settings: ExportSettings,
) -> tuple[tuple[str, ...], SplitSpec | None, DateSplit | None]:
    dates = parse_split_by_date(settings.split_by_date) if settings.split_by_date else None
    if dates is not None:
        spec = parse_split(settings.split) if settings.split else None
        return split_names_for_dates(spec, dates), spec, dates
    spec = parse_split(settings.split or DEFAULT_SPLIT)
    if spec.ratios is None:
        raise DatasetKitError(
            f"--split {settings.split!r} names splits without ratios; give ratios "
            "(e.g. train=0.9,test=0.1) or use --split-by-date"
        )
    return spec.names, spec, None


def _tool_versions() -> dict[str, str]:
    import jsonschema_rs

    return {
        "dataset-kit": __version__,
        "pyarrow": pa.__version__,
        "numpy": np.__version__,
        "jsonschema-rs": getattr(jsonschema_rs, "__version__", "unknown"),
        "python": platform.python_version(),
    }


class _InputHasher(threading.Thread):
    """sha256 and size of every input, computed beside the export (hashlib releases the GIL)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        super().__init__(daemon=True)
        self.paths = list(paths)
        self.digests: dict[str, tuple[int, str]] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for path in self.paths:
                digest = hashlib.sha256()
                size = 0
                with open(path, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                        size += len(block)
                self.digests[str(path)] = (size, digest.hexdigest())
        except BaseException as exc:  # pragma: no cover - reported by the caller
            self.error = exc


def export(
    inputs: Sequence[str | os.PathLike[str]] = (),
    out: str | os.PathLike[str] | None = None,
    *,
    settings: ExportSettings | None = None,
    progress: Callable[[int], None] | None = None,
    **overrides: Any,
) -> ExportResult:
    """Export ``inputs`` to the folder ``out``; see the module docstring.

    Settings come from ``settings`` (e.g. :func:`dataset_kit.config.load_config`),
    overridden by keyword arguments with the same names (``split="train=0.8,test=0.2"``,
    ``dedup="exact"``, ``jobs=2``, ...). Raises :class:`DatasetKitError` for bad
    options, inputs or schema; nothing is written then.
    """
    settings = (
        (settings or ExportSettings())
        .with_overrides(
            inputs=tuple(os.fspath(p) for p in inputs) or None,
            out=os.fspath(out) if out is not None else None,
            **overrides,
        )
        .check()
    )
    if not settings.inputs:
        raise InputError("no input given: name at least one file, folder or glob")
    if not settings.out:
        raise DatasetKitError("no output folder given: use --out DIR (or `out` in the config)")
    out_dir = _output_folder(Path(settings.out))
    if out_dir != Path(settings.out):  # a link, followed: record where it led
        settings = settings.with_overrides(out=str(out_dir))
    if out_dir.exists() and not out_dir.is_dir():
        raise DatasetKitError(f"--out {out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not manifest_path(out_dir).is_file():
        # The export replaces DIR as a whole: never a folder that holds something else.
        raise DatasetKitError(
            f"--out {out_dir}: folder exists, is not empty and is not a dataset-kit export; "
            "choose a new folder (an earlier export is replaced, any other folder is not)"
        )
    names, spec, dates = _resolve_splits(settings)
    max_shard_bytes = parse_size(settings.max_shard_size)

    schema = load_schema(settings.schema)
    if not isinstance(schema, dict):
        raise SchemaError("the schema must be a JSON object describing one record")
    base_dir = str(Path(settings.schema).resolve().parent) if settings.schema else None
    # A broken schema fails here, before any work, naming its file.
    Validator(schema, base_dir=base_dir, source=settings.schema)
    columns = columns_for(schema)
    properties = schema["properties"]
    if "id" not in properties or "id" not in schema.get("required", []):
        raise SchemaError(
            "the schema must have a required `id` field: splits are keyed by id so that they "
            "stay stable"
        )
    if settings.dedup != "off":
        _check_field(schema, "text", "--dedup")
    for value, option in (
        (settings.stratify, "--stratify"),
        (settings.group_by, "--group-by"),
        (dates.field if dates else None, "--split-by-date"),
    ):
        if value:
            _check_field(schema, value, option)
    near = (
        NearDupParams.for_threshold(float(settings.near_threshold))
        if settings.dedup == "near"
        else None
    )
    if settings.dedup != "off":
        # Looked up here, before workers fork, so that a missing kernel warns once.
        sketch_kernel.load()
    listing_notes = ReadNotes()
    named_inputs = expand_inputs_named(settings.inputs, listing_notes)
    paths = [path for path, _ in named_inputs]
    if any(
        out_dir.resolve() == p.resolve().parent or out_dir.resolve() in p.resolve().parents
        for p in paths
    ):
        raise DatasetKitError(f"--out {out_dir}: an input is inside the output folder")
    rejects_final = rejects_path_for(out_dir)
    report_final = report_path_for(out_dir)
    refuse_overlaps(
        [*paths, *([settings.schema] if settings.schema else [])],
        [("the rejects file", rejects_final), ("the report", report_final)],
    )

    hasher = _InputHasher(paths)
    # Hashing the inputs takes a core for a while: beside pass 1 when that leaves a core
    # free, otherwise beside pass 2, whose shard encoding leaves one mostly idle.
    hash_early = resolve_jobs(settings.jobs) < available_cpus()
    if hash_early:
        hasher.start()
    with atomic_set(out_dir, (rejects_final, report_final)) as staged:
        tmp = staged.folder
        spill_dir = tmp / SPILL_FOLDER
        spill_dir.mkdir()
        plan = KeyPlan(
            schema=schema,
            base_dir=base_dir,
            columns=tuple(columns),
            dedup=settings.dedup,
            near=near,
            id_field="id",
            text_field="text",
            url_field="url" if "url" in properties else None,
            date_field=dates.field if dates else None,
            stratify=settings.stratify,
            group_by=settings.group_by,
            spill_dir=str(spill_dir),
        )
        run = _Run(settings, paths, names, tmp)
        run.notes.merge(listing_notes)
        run.source_names = [name for _, name in named_inputs]
        with open(staged.file(rejects_final), "wb", buffering=1 << 20) as rejects_out:
            keys = run.collect(plan, rejects_out, progress)
            split_plan = plan_export(
                keys,
                spec=spec,
                dates=dates,
                seed=int(settings.seed),
                dedup=settings.dedup,
                near=near,
                near_keep=settings.near_keep,
                verify=partial(
                    verify_pairs,
                    read_texts=SpilledTexts(run.tasks, plan.text_field).groups,
                    params=near,
                    scratch=spill_dir / "candidates.shingles",
                )
                if near is not None
                else None,
            )
            # The planning keys are done with: free them before pass 2 needs memory.
            keys.bands = keys.exact = keys.has_signature = keys.dates = keys.groups = None
            _release_memory(force=True)
            _require_free_space(tmp, spill_dir)
            full_schema = arrow_schema(columns)
            if not hash_early:
                hasher.start()
            row_groups = _written_row_groups(full_schema)
            shards = run.write_shards(
                split_plan, keys, full_schema, max_shard_bytes, rejects_out, row_groups
            )
        hasher.join()
        if hasher.error is not None:
            raise InputError(f"cannot read an input to hash it: {hasher.error}")
        result = run.finish(
            split_plan, keys, shards, hasher.digests, near, spec, dates, rejects_final, report_final
        )
        shutil.rmtree(spill_dir)
        _refuse_empty(result.counts["written"], out_dir, settings.allow_empty)
        # Drop the planning arrays and give their heap back before the card's
        # statistics allocate, so that the two peaks do not stack up.
        del keys, split_plan
        _release_memory(force=True)
        card_warnings = _write_card(tmp, settings, schema, out_dir, row_groups)
        result.card_written = card_warnings is not None
        result.card_warnings = card_warnings or []
        if result.card_written:
            from .manifest import load_manifest

            result.manifest = load_manifest(tmp)
        staged.file(report_final).write_bytes(
            orjson.dumps(result.report, option=orjson.OPT_INDENT_2) + b"\n"
        )
        result.carried_over = _carry_over(out_dir, tmp)
        result.recovered = staged.recovered
    return result


# What an export writes into DIR; anything else in an earlier DIR is the user's.
EXPORT_OWNED = frozenset({"data", "README.md", "assets", "croissant.json", ".dataset-kit"})


def _carry_over(out_dir: Path, new: Path) -> list[str]:
    """Copy what a user added to the earlier ``out_dir`` (a LICENSE, a folder of notes)
    into the new export ``new``; return their names, folders with a trailing ``/``.

    Copied, not moved, so that the earlier ``DIR`` stays whole until the swap.
    """
    if not out_dir.is_dir():
        return []
    kept = []
    for entry in sorted(out_dir.iterdir(), key=lambda p: p.name):
        if entry.name in EXPORT_OWNED or os.path.lexists(new / entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True)
            kept.append(entry.name + "/")
        else:
            shutil.copy2(entry, new / entry.name, follow_symlinks=False)
            kept.append(entry.name)
    return kept


def _refuse_empty(written: int, out_dir: Path, allow_empty: bool) -> None:
    """Refuse to replace an earlier export that has records with one that has none:
    an input that went missing or a schema that rejects everything would otherwise
    wipe a good dataset. ``allow_empty`` (``--allow-empty``) says it is meant."""
    if written or allow_empty or not manifest_path(out_dir).is_file():
        return
    from .manifest import load_manifest

    try:
        earlier = int(load_manifest(out_dir).counts.get("written", 0))
    except DatasetKitError:
        earlier = 0
    if earlier:
        raise RefusedError(
            f"--out {out_dir}: this export has no valid records, and the earlier export "
            f"there has {earlier:,}; it was left as it was. Pass --allow-empty to replace it "
            "with an empty one"
        )


def _output_folder(given: Path) -> Path:
    """The folder the export replaces: ``given``, or the folder it links to.

    A symlink given as ``--out`` (a link to an earlier export) is followed, so the
    export lands in the folder it names and the link keeps pointing at it; replacing
    the link itself would leave the target stale. The current folder, or one that
    holds it, cannot be replaced (the system refuses to rename it: EBUSY).
    """
    target = given.resolve() if given.is_symlink() else given
    here = Path.cwd().resolve()
    resolved = target.resolve()
    if resolved == here or resolved in here.parents:
        raise DatasetKitError(
            f"--out {printable(given)}: is the current folder or holds it; the export "
            "replaces DIR as a whole, so run the command from outside it (from its parent "
            "folder, for example)"
        )
    return target


def _require_free_space(tmp: Path, spill_dir: Path) -> None:
    """Refuse to write the shards unless the disk has room for them.

    Arrow aborts the whole process (``Check failed``, no cleanup) when the disk fills
    while a shard is written, so this is checked before. The shards hold the spilled
    records re-encoded and compressed, so the spill's size bounds what they need.
    """
    needed = sum(p.stat().st_size for p in spill_dir.rglob("*") if p.is_file())
    free = shutil.disk_usage(tmp).free
    if free < needed:
        raise DatasetKitError(
            f"not enough disk space for the shards in {printable(tmp.parent)}: "
            f"{_megabytes(free)} free, {_megabytes(needed)} needed; free some space "
            "(or export to another disk) and run again"
        )


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _written_row_groups(schema: pa.Schema) -> Any:
    """A counter of the card's statistics that the shard writers feed, or None when the
    card must read the shards back (no card writer, or a column type whose size after
    the round trip through Parquet cannot be predicted)."""
    try:
        from .statistics import WrittenRowGroups, can_predict_nbytes
    except ImportError:  # the card writer is optional at this layer
        return None
    if not all(can_predict_nbytes(field_.type) for field_ in schema):
        return None
    return WrittenRowGroups(list(schema.names))


def _write_card(
    tmp: Path, settings: ExportSettings, schema: dict[str, Any], out_dir: Path, row_groups: Any
) -> list[str] | None:
    """Write the card into the export; its warnings (e.g. no license), or None if skipped."""
    try:
        from .cards import UnmarkedEditsError, write_card
        from .manifest import load_manifest
    except ImportError:  # the card writer is optional at this layer
        return None
    previous = out_dir / "README.md"
    try:
        card = write_card(
            tmp,
            dict(settings.card),
            schema=schema,
            previous_card=previous if previous.is_file() else None,
            statistics=None
            if row_groups is None
            else row_groups.statistics(tmp, load_manifest(tmp)),
        )
    except UnmarkedEditsError as exc:
        # export has no --force: say what does work here.
        raise DatasetKitError(
            f"{printable(previous)}: {exc.reason.removeprefix('README.md ')}; nothing was "
            "changed. Wrap the text to keep in <!-- dataset-kit:keep NAME --> ... "
            "<!-- /dataset-kit:keep NAME --> markers, or, to discard it, delete "
            f"{printable(previous)} (or run `dataset-kit card {printable(out_dir)} --force`) "
            "and export again"
        ) from exc
    return list(card.warnings)


def _clustered(plan: SplitPlan, lo: int, hi: int) -> np.ndarray:
    """Which written records of ``lo:hi`` take their cluster's id (per slice, so that
    pass 2 holds no array over all records for it)."""
    index = np.arange(lo, hi, dtype=np.int64)
    return (plan.representative[lo:hi] != index) & (plan.split[lo:hi] >= 0)


class _Run:
    """State of one export between its phases."""

    def __init__(
        self, settings: ExportSettings, paths: Sequence[Path], names: Sequence[str], tmp: Path
    ) -> None:
        self.settings = settings
        self.paths = list(paths)
        self.source_names: list[str] | None = None  # see reading.source_name
        self.names = list(names)
        self.tmp = tmp
        self.notes = ReadNotes()
        self.tasks: list[SpilledTask] = []
        self.files: list[str] = []
        self.per_file: dict[str, int] = {printable(p): 0 for p in paths}
        self.records = 0
        self.invalid = 0
        self.rejected_by_rule: Counter[str] = Counter()
        self.error_groups: dict[tuple[str, str], dict[str, Any]] = {}
        self.bad_dates = 0
        self.pages = 0
        self.furniture_lines = 0
        self.duplicate_ids = 0

    def _reject(self, item: InvalidRecord, out: Any) -> None:
        out.write(_rejects_line(item))
        for keyword in sorted({issue.keyword for issue in item.issues}):
            self.rejected_by_rule[keyword] += 1
        for issue in item.issues:
            key = (group_pointer(issue.pointer), issue.keyword)
            group = self.error_groups.setdefault(
                key, {"pointer": key[0], "keyword": key[1], "count": 0, "examples": []}
            )
            group["count"] += 1
            if len(group["examples"]) < 3:
                group["examples"].append(
                    {"file": item.file, "line": item.line, "id": item.id, "message": issue.message}
                )

    def collect(
        self, plan: KeyPlan, rejects_out: Any, progress: Callable[[int], None] | None
    ) -> KeyArrays:
        """Pass 1: run the key tasks, write rejects, gather the key arrays."""
        parts: dict[str, list[Any]] = {
            k: []
            for k in (
                "id_hash",
                "lines",
                "exact",
                "bands",
                "has_signature",
                "dates",
                "groups",
                "file_of",
            )
        }
        strata_codes: dict[str | None, int] = {}
        strata: list[np.ndarray] = []
        offsets: dict[str, int] = {}
        file_index: dict[str, int] = {}
        total = 0
        tasks = enumerate(
            plan_key_tasks(self.paths, self.notes, self.settings.page_options(), self.source_names)
        )
        for keys in ordered_map(
            _key_task,
            tasks,
            jobs=self.settings.jobs,
            initializer=_init_key_worker,
            initargs=(plan,),
        ):
            offset = 0
            if keys.range_file is not None:
                offset = offsets.get(keys.range_file, 0)
                offsets[keys.range_file] = offset + keys.line_count
            self.notes.merge(keys.notes)
            self.records += keys.records
            for name, count in keys.per_file.items():
                self.per_file[name] = self.per_file.get(name, 0) + count
            file_ids = np.array(
                [file_index.setdefault(name, len(file_index)) for name in keys.files],
                dtype=np.int32,
            )
            self.invalid += len(keys.invalid)
            self.bad_dates += keys.bad_dates
            self.furniture_lines += keys.furniture_lines
            if keys.furniture_lines or all(input_kind(Path(n)) == "txt" for n in keys.per_file):
                self.pages += sum(
                    n for name, n in keys.per_file.items() if input_kind(Path(name)) == "txt"
                )
            for item in keys.invalid:
                item.line += offset
                self._reject(item, rejects_out)
            self.tasks.append(SpilledTask(total, keys.valid, keys.spill))
            parts["id_hash"].append(keys.id_hash)
            parts["lines"].append(keys.lines + offset)
            parts["file_of"].append(file_ids[keys.file_of] if keys.valid else keys.file_of)
            for name in ("exact", "bands", "has_signature", "dates", "groups"):
                value = getattr(keys, name)
                if value is not None:
                    parts[name].append(value)
            if keys.strata is not None:
                strata.append(
                    np.fromiter(
                        (strata_codes.setdefault(v, len(strata_codes)) for v in keys.strata),
                        dtype=np.int64,
                        count=len(keys.strata),
                    )
                )
            total += keys.valid
            if progress is not None:
                progress(keys.records)
        self.files = sorted(file_index, key=file_index.__getitem__)
        if self.records == 0:
            raise InputError(
                "the input is empty: no records found in "
                + ", ".join(map(str, self.settings.inputs))
            )

        wanted = self._wanted(plan)

        def joined(name: str, dtype: Any, shape: tuple[int, ...] = ()) -> np.ndarray | None:
            if name not in wanted:
                return None
            return np.concatenate(parts[name]) if parts[name] else np.zeros((0, *shape), dtype)

        bands_width = plan.near.bands if plan.near else 0
        names_by_code = [None] * len(strata_codes)
        for value, code in strata_codes.items():
            names_by_code[code] = value
        return KeyArrays(
            id_hash=joined("id_hash", np.uint64),
            lines=joined("lines", np.int64),
            file_of=joined("file_of", np.int32),
            exact=joined("exact", np.uint64),
            bands=joined("bands", np.uint32, (bands_width,)),
            has_signature=joined("has_signature", bool),
            dates=joined("dates", np.int64),
            strata=np.concatenate(strata)
            if strata
            else (np.zeros(0, np.int64) if plan.stratify else None),
            strata_names=names_by_code,
            groups=joined("groups", np.uint64),
        )

    @staticmethod
    def _wanted(plan: KeyPlan) -> set[str]:
        wanted = {"id_hash", "lines", "file_of"}
        if plan.dedup != "off":
            wanted.add("exact")
        if plan.near is not None:
            wanted |= {"bands", "has_signature"}
        if plan.date_field:
            wanted.add("dates")
        if plan.group_by:
            wanted.add("groups")
        return wanted

    def where(self, keys: KeyArrays, i: int) -> tuple[str, int]:
        return self.files[int(keys.file_of[i])], int(keys.lines[i])

    def lookup_ids(self, wanted: np.ndarray) -> dict[int, Any]:
        """The id values of the chosen records, read back from the spill (id column only)."""
        found: dict[int, Any] = {}
        if not len(wanted):
            return found
        wanted = np.unique(wanted)
        starts = np.array([t.start for t in self.tasks], dtype=np.int64)
        task_of = np.searchsorted(starts, wanted, side="right") - 1
        for t in np.unique(task_of):
            task = self.tasks[int(t)]
            rows = wanted[task_of == t] - task.start
            assert task.spill is not None
            # Mapped: only the pages of the id column are touched.
            ids = pa.ipc.open_file(pa.memory_map(task.spill)).get_batch(0).column("id")
            for row, value in zip(rows.tolist(), ids.take(pa.array(rows)).to_pylist(), strict=True):
                found[int(row + task.start)] = value
        return found

    def write_shards(
        self,
        plan: SplitPlan,
        keys: KeyArrays,
        schema: pa.Schema,
        max_shard_bytes: int,
        rejects_out: Any,
        row_groups: Any = None,
    ) -> list[ShardInfo]:
        """Pass 2: stream the spill back, attach cluster ids, write each split's shards.

        ``row_groups`` (a :class:`~dataset_kit.statistics.WrittenRowGroups`) is given
        every batch of rows and every row group written, to count the card's
        statistics.
        """
        reused = np.flatnonzero(plan.status == DUPLICATE_ID)
        # One pass over the spill for both kinds of id that pass 2 needs.
        known_ids = self.lookup_ids(
            np.concatenate(
                [
                    plan.representative[_clustered(plan, 0, keys.size)],
                    plan.kept_copy_of[reused],
                ]
            )
        )
        writers = [
            SplitWriter(
                self.tmp,
                name,
                schema,
                max_shard_bytes,
                on_row_group=None if row_groups is None else partial(row_groups.add, name),
            )
            for name in self.names
        ]
        try:
            for number, task in enumerate(self.tasks, 1):
                if not task.rows:
                    continue
                if number % RELEASE_EVERY_TASKS == 0:
                    # Batches are cut, copied and freed by several threads here, and the
                    # allocators keep what they freed: give it back now and then, or the
                    # peak grows by a hundred megabytes that nothing uses.
                    _release_memory(force=True)
                assert task.spill is not None
                # Each key task spills exactly one batch. Mapped, not read: the spill
                # is in the page cache, and the batch's buffers keep the mapping alive.
                batch = pa.ipc.open_file(pa.memory_map(task.spill)).get_batch(0)
                lo, hi = task.start, task.start + task.rows
                splits = plan.split[lo:hi]
                for row in np.flatnonzero(plan.status[lo:hi] == DUPLICATE_ID):
                    self._reject_reused_id(batch, int(row), lo, keys, plan, known_ids, rejects_out)
                ids = batch.column("id")
                if not pa.types.is_string(ids.type):
                    ids = pc.cast(ids, pa.string())
                clustered = _clustered(plan, lo, hi)
                if clustered.any():
                    # Only the clustered rows change: their cluster's id replaces theirs.
                    representatives = plan.representative[lo:hi][clustered].tolist()
                    replacements = [str(known_ids[int(r)]) for r in representatives]
                    ids = pc.replace_with_mask(
                        ids, pa.array(clustered), pa.array(replacements, type=pa.string())
                    )
                full = pa.RecordBatch.from_arrays([*batch.columns, ids], schema=schema)
                for code, writer in enumerate(writers):
                    mask = splits == code
                    if not mask.any():
                        continue
                    rows = full if mask.all() else full.filter(pa.array(mask))
                    if row_groups is not None:
                        row_groups.add_rows(rows)
                    writer.write(rows)
            shards: list[ShardInfo] = []
            for writer in writers:
                shards.extend(writer.close())
            return shards
        except BaseException:
            for writer in writers:
                writer.abort()
            raise

    def _reject_reused_id(
        self,
        batch: pa.RecordBatch,
        row: int,
        lo: int,
        keys: KeyArrays,
        plan: SplitPlan,
        first_ids: dict[int, Any],
        rejects_out: Any,
    ) -> None:
        record = batch.slice(row, 1).to_pylist()[0]
        record = {k: v for k, v in record.items() if v is not None or k in ("id",)}
        first = int(plan.kept_copy_of[lo + row])
        file, line = self.where(keys, lo + row)
        first_file, first_line = self.where(keys, first)
        issue = Issue(
            "/id",
            "unique",
            f"id {first_ids.get(first, record.get('id'))!r} is already used by a different "
            f"article at {first_file}:{first_line}; ids must be unique",
        )
        self.duplicate_ids += 1
        self._reject(
            InvalidRecord(file, line, record.get("id"), [issue], None, record), rejects_out
        )

    def finish(
        self,
        plan: SplitPlan,
        keys: KeyArrays,
        shards: list[ShardInfo],
        digests: dict[str, tuple[int, str]],
        near: NearDupParams | None,
        spec: SplitSpec | None,
        dates: DateSplit | None,
        rejects_final: Path,
        report_final: Path,
    ) -> ExportResult:
        """Counts, manifest and report of a finished export."""
        settings = self.settings
        status_counts = np.bincount(plan.status, minlength=4)
        written = int((plan.split >= 0).sum())
        counts = {
            "read": self.records,
            "valid": keys.size + 0,
            "invalid": self.invalid,
            "duplicate_ids": int(status_counts[DUPLICATE_ID]),
            "rejected": self.invalid + int(status_counts[DUPLICATE_ID]),
            "exact_duplicates": int(status_counts[EXACT_DUPLICATE]),
            "near_duplicates_dropped": int(status_counts[NEAR_DROPPED]),
            "duplicates_dropped": int(status_counts[EXACT_DUPLICATE] + status_counts[NEAR_DROPPED]),
            "written": written,
        }
        if counts["read"] != counts["written"] + counts["rejected"] + counts["duplicates_dropped"]:
            raise DatasetKitError(f"internal error: counts do not add up: {counts}")
        if plan.cross_split_pairs:
            # Verified pairs join one unit, and a unit goes to one split.
            raise DatasetKitError(
                f"internal error: {plan.cross_split_pairs} near-duplicate pairs across splits"
            )
        split_rows = {name: 0 for name in self.names}
        split_entries: dict[str, SplitEntry] = {}
        for name in self.names:
            mine = [s for s in shards if s.split == name]
            split_rows[name] = sum(s.rows for s in mine)
            split_entries[name] = SplitEntry(
                rows=split_rows[name],
                num_bytes=sum(s.num_bytes for s in mine),
                files=[s.path for s in mine],
            )
        if sum(split_rows.values()) != written:
            raise DatasetKitError("internal error: shards do not hold every written record")
        dedup = self._dedup_summary(plan, keys, near)
        files = [
            FileEntry(
                path=s.path, role="data", bytes=s.bytes, sha256=s.sha256, split=s.split, rows=s.rows
            )
            for s in shards
        ]
        inputs = [
            InputEntry(
                path=printable(p),
                bytes=digests[str(p)][0],
                sha256=digests[str(p)][1],
                records=self.per_file.get(printable(p), 0),
            )
            for p in self.paths
        ]
        ratios = (
            dict(zip(spec.names, spec.ratios, strict=True))
            if spec and spec.ratios and not dates
            else None
        )
        split_key = settings.group_by or (
            "cluster_id" if settings.dedup == "near" and settings.near_keep == "cluster" else "id"
        )
        config = {
            "split": {
                "names": self.names,
                "ratios": ratios,
                "seed": int(settings.seed),
                "key": split_key,
                "stratify": settings.stratify,
                "by_date": str(dates) if dates else None,
            },
            "seed": int(settings.seed),
            "schema": settings.schema,
            "dedup": {
                "mode": settings.dedup,
                **(near.as_dict() if near else {}),
                "near_keep": settings.near_keep,
            },
            "max_shard_size": settings.max_shard_size,
            "page_dumps": {"timezone": settings.timezone, "source": settings.source},
            "card": dict(settings.card),
        }
        validation = {
            "records": self.records,
            "invalid": self.invalid,
            "rejected_by_rule": dict(sorted(self.rejected_by_rule.items())),
        }
        ingest = (
            {"pages": self.pages, "furniture_lines": self.furniture_lines} if self.pages else {}
        )
        manifest = Manifest(
            counts=counts,
            splits=split_entries,
            files=files,
            inputs=inputs,
            config=config,
            tool_versions=_tool_versions(),
            dedup=dedup,
            validation=validation,
            ingest=ingest,
        )
        write_manifest(self.tmp, manifest)
        splitting = self._split_summary(plan, keys, spec, dates)
        report = {
            "out": str(Path(settings.out or "")),
            "rejects": str(rejects_final),
            "counts": counts,
            "splits": {
                name: {
                    "rows": split_rows[name],
                    "share": round(split_rows[name] / written, 6) if written else 0.0,
                    "shards": len(split_entries[name].files),
                    "bytes": sum(s.bytes for s in shards if s.split == name),
                }
                for name in self.names
            },
            "dedup": dedup,
            "splitting": splitting,
            "validation": {
                **validation,
                "errors": sorted(
                    self.error_groups.values(),
                    key=lambda g: (-g["count"], g["pointer"], g["keyword"]),
                ),
            },
            "notes": dict(sorted(self.notes.counts.items())),
            "inputs": [{"path": i.path, "bytes": i.bytes, "records": i.records} for i in inputs],
            "config": config,
        }
        return ExportResult(
            out=Path(settings.out or ""),
            rejects_path=rejects_final,
            report_path=report_final,
            counts=counts,
            splits=split_rows,
            shards=shards,
            dedup=dedup,
            notes=self.notes,
            card_written=False,
            manifest=manifest,
            report=report,
        )

    def _dedup_summary(
        self, plan: SplitPlan, keys: KeyArrays, near: NearDupParams | None
    ) -> dict[str, Any]:
        settings = self.settings
        summary: dict[str, Any] = {"mode": settings.dedup}
        if settings.dedup == "off":
            return summary
        exact_rows = np.flatnonzero(plan.status == EXACT_DUPLICATE)[:EXAMPLES]
        near_rows = np.flatnonzero(plan.status == NEAR_DROPPED)[:EXAMPLES]
        summary["exact_duplicates"] = int((plan.status == EXACT_DUPLICATE).sum())
        if near is not None:
            index = np.arange(keys.size)
            in_cluster = plan.representative != index
            members = np.concatenate([plan.representative[in_cluster], index[in_cluster]])
            reps, sizes = np.unique(plan.representative[np.unique(members)], return_counts=True)
            histogram = Counter(sizes.tolist())
            biggest = np.argsort(-sizes, kind="stable")[:EXAMPLES]
            ids = self.lookup_ids(
                np.concatenate(
                    [
                        reps[biggest],
                        plan.kept_copy_of[exact_rows],
                        exact_rows,
                        plan.kept_copy_of[near_rows],
                        near_rows,
                    ]
                ).astype(np.int64)
            )
            summary.update(
                {
                    **near.as_dict(),
                    "near_keep": settings.near_keep,
                    "clusters": len(reps),
                    "clustered_records": int(sizes.sum()),
                    "largest_cluster": int(sizes.max()) if len(sizes) else 0,
                    "cluster_sizes": {str(k): v for k, v in sorted(histogram.items())},
                    "largest_clusters": [
                        {
                            "cluster_id": ids.get(int(reps[i])),
                            "size": int(sizes[i]),
                            "split": self.names[int(plan.split[reps[i]])]
                            if plan.split[reps[i]] >= 0
                            else None,
                        }
                        for i in biggest
                    ],
                    **near_duplicate_design(near),
                    "candidate_pairs": plan.candidate_pairs,
                    "near_duplicate_pairs": len(plan.pairs),
                    "near_duplicates_dropped": int((plan.status == NEAR_DROPPED).sum()),
                }
            )
        else:
            ids = self.lookup_ids(
                np.concatenate([plan.kept_copy_of[exact_rows], exact_rows]).astype(np.int64)
            )

        def example(i: int) -> dict[str, Any]:
            kept = int(plan.kept_copy_of[i])
            file, line = self.where(keys, int(i))
            kept_file, kept_line = self.where(keys, kept)
            return {
                "file": file,
                "line": line,
                "id": ids.get(int(i)),
                "kept": {"file": kept_file, "line": kept_line, "id": ids.get(kept)},
            }

        summary["exact_duplicate_examples"] = [example(int(i)) for i in exact_rows]
        if near is not None and settings.near_keep == "one":
            summary["near_dropped_examples"] = [example(int(i)) for i in near_rows]
        return summary

    def _split_summary(
        self, plan: SplitPlan, keys: KeyArrays, spec: SplitSpec | None, dates: DateSplit | None
    ) -> dict[str, Any]:
        settings = self.settings
        written = plan.split >= 0
        summary: dict[str, Any] = {
            "mode": "date" if dates else ("stratified" if settings.stratify else "hash"),
            "seed": int(settings.seed),
            "splits": self.names,
        }
        if spec is not None and spec.ratios is not None and not dates:
            summary["ratios"] = dict(zip(spec.names, spec.ratios, strict=True))
        if dates is not None:
            summary["by_date"] = {
                "field": dates.field,
                "cutoffs": list(dates.cutoff_texts),
                "undated_units_in_first_split": plan.undated_units,
                "unparseable_dates": self.bad_dates,
            }
        if settings.stratify and keys.strata is not None:
            table: dict[str, dict[str, int]] = {}
            pairs = np.stack([keys.strata[written], plan.split[written].astype(np.int64)], axis=1)
            combos, counts = (
                np.unique(pairs, axis=0, return_counts=True)
                if len(pairs)
                else (np.zeros((0, 2), np.int64), [])
            )
            for (code, split), count in zip(combos.tolist(), list(counts), strict=True):
                name = keys.strata_names[code]
                label = "null" if name is None else name
                table.setdefault(label, {n: 0 for n in self.names})[self.names[split]] = int(count)
            summary["stratify"] = {
                "field": settings.stratify,
                "per_value": dict(sorted(table.items())),
            }
        if settings.group_by:
            summary["group_by"] = {
                "field": settings.group_by,
                "groups_across_splits": plan.cross_split_groups,
            }
        return summary
