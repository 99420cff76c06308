"""Pass 2: every shard written by its own task, through the executor.

The layout (:mod:`.layout`) fixed each shard's rows and row groups at planning. The
client then does the little that needs the whole plan, in input order:

* records that reuse a different, earlier article's id are rejected here, on the
  client, after pass 1's rejects (they are rare, and their whole row is needed);
* each spill task gets a *row plan* beside its spill (:func:`write_row_plans`): the
  split of every record (-1: not written) and, for a record whose cluster is named
  by another record, that record's id (its ``cluster_id``; null: its own id).

Each :class:`~.layout.ShardTask` then runs in any worker (:func:`write_shard_task`):
it reads the spills and row plans its rows are in, keeps its split's rows, adds
``cluster_id`` and writes its row groups exactly as planned to the shard's final
name (:func:`dataset_kit.shards.write_shard`), counting them for the card. Results
come back in task order, so the card's numbers are merged in shard order. A task
reads only files and writes one shard, the same bytes each time: a retried task
is harmless. Rows keep the input order within a split: deterministic, and a grown
corpus changes only the end of each split (the best case for content-defined
chunking on the Hub).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import storage
from ..errors import DatasetKitError
from ..executors import Executor
from ..shards import ShardInfo, write_shard
from ..statistics import ShardTally, WrittenRowGroups
from ..validating import Issue
from .layout import ShardTask
from .memory import release_memory
from .merge import KeyArrays, ReadTotals
from .plan import DUPLICATE_ID, SplitPlan
from .read_validate import InvalidRecord
from .rejects import RejectLog
from .spill import SpilledTask, lookup_ids, read_arrow, read_spill, row_plan_path, write_arrow


@dataclass(frozen=True)
class ShardContext:
    """What every shard task needs (sent once per worker): the staged export folder
    (a local path or URL), the split names, the Arrow schema with ``cluster_id``, the
    spill of each pass-1 task by number (None: no valid records), whether to count
    the card's statistics, and whether to encode in a background thread (when shard
    tasks run one at a time; see :func:`dataset_kit.shards.write_shard`)."""

    folder: str
    names: tuple[str, ...]
    schema: pa.Schema
    spills: tuple[str | None, ...]
    count_statistics: bool
    encode_behind: bool = False


@dataclass
class ShardResult:
    """What a shard task returns: the shard, and its rows' counts for the card."""

    info: ShardInfo
    tally: ShardTally | None


def clustered(plan: SplitPlan, lo: int, hi: int) -> np.ndarray:
    """Which written records of ``lo:hi`` take another record's id as ``cluster_id``
    (per slice, so that no array over all records is held for it)."""
    index = np.arange(lo, hi, dtype=np.int64)
    return (plan.representative[lo:hi] != index) & (plan.split[lo:hi] >= 0)


def write_shards(
    executor: Executor,
    ctx: ShardContext,
    layout: list[ShardTask],
    plan: SplitPlan,
    keys: KeyArrays,
    totals: ReadTotals,
    rejects: RejectLog,
    row_groups: WrittenRowGroups | None,
) -> list[ShardInfo]:
    """Reject reused ids, write the row plans, then every shard through ``executor``;
    return the shards, split by split."""
    reused = np.flatnonzero(plan.status == DUPLICATE_ID)
    # One pass over the spill for both kinds of id that pass 2 needs.
    known_ids = lookup_ids(
        totals.tasks,
        np.concatenate(
            [plan.representative[clustered(plan, 0, keys.size)], plan.kept_copy_of[reused]]
        ),
    )
    reject_reused_ids(reused, plan, keys, totals, rejects, known_ids)
    write_row_plans(totals.tasks, plan, known_ids, len(ctx.names))
    del known_ids
    release_memory(force=True)
    shards: list[ShardInfo] = []
    results = executor.map_ordered(write_shard_task, layout, ctx)
    for task, result in zip(layout, results, strict=True):
        if row_groups is not None:
            assert result.tally is not None
            row_groups.add_shard(ctx.names[task.split], task.index, result.tally)
        shards.append(result.info)
    _remove_strays(ctx.folder)
    return shards


def reject_reused_ids(
    reused: np.ndarray,
    plan: SplitPlan,
    keys: KeyArrays,
    totals: ReadTotals,
    rejects: RejectLog,
    known_ids: dict[int, Any],
) -> None:
    """Reject, in input order, the records whose id a different earlier article has."""
    if not len(reused):
        return
    starts = np.array([task.start for task in totals.tasks], dtype=np.int64)
    task_of = np.searchsorted(starts, reused, side="right") - 1
    for number in np.unique(task_of).tolist():
        task = totals.tasks[number]
        batch = read_spill(task)
        for record in reused[task_of == number].tolist():
            rejects.add(
                _reused_id(batch, record - task.start, task.start, keys, plan, totals, known_ids)
            )


def write_row_plans(
    tasks: list[SpilledTask], plan: SplitPlan, known_ids: dict[int, Any], splits: int
) -> None:
    """Write each spill task's row plan (see the module docstring) beside its spill."""
    codes_type = np.int8 if splits <= np.iinfo(np.int8).max else np.int16
    for task in tasks:
        if not task.rows:
            continue
        assert task.spill is not None
        lo, hi = task.start, task.start + task.rows
        mask = clustered(plan, lo, hi)
        if mask.any():
            representatives = plan.representative[lo:hi].tolist()
            cluster_ids = pa.array(
                [
                    str(known_ids[int(r)]) if keep else None
                    for r, keep in zip(representatives, mask.tolist(), strict=True)
                ],
                type=pa.string(),
            )
        else:
            cluster_ids = pa.nulls(task.rows, pa.string())
        batch = pa.record_batch(
            [pa.array(plan.split[lo:hi].astype(codes_type)), cluster_ids],
            names=["split", "cluster_id"],
        )
        write_arrow(storage.as_path(row_plan_path(task.spill)), batch)


def write_shard_task(ctx: ShardContext, task: ShardTask) -> ShardResult:
    """Write one shard (runs in a worker); see the module docstring."""
    tally = ShardTally(list(ctx.schema.names)) if ctx.count_statistics else None
    info = write_shard(
        ctx.folder,
        task.path(ctx.names),
        ctx.names[task.split],
        ctx.schema,
        _row_groups(ctx, task),
        None if tally is None else tally.add_row_group,
        encode_behind=ctx.encode_behind,
    )
    if (info.rows, info.num_bytes) != (task.rows, task.num_bytes):  # pragma: no cover
        raise DatasetKitError(
            f"internal error: shard {info.path} has {info.rows} rows of {info.num_bytes} "
            f"bytes, planned {task.rows} rows of {task.num_bytes} bytes"
        )
    # A shard is seconds of work: handing its memory back after it costs little next to
    # that (the growth rule of pass 1's short tasks is for tasks of a tenth of a second).
    release_memory(force=True)
    return ShardResult(info, tally)


def _row_groups(ctx: ShardContext, task: ShardTask) -> Iterator[pa.Table]:
    """The shard's row groups, cut exactly as planned (one spill batch and one row
    group in memory at a time)."""
    wanted = list(task.row_groups)
    wanted.reverse()
    pending: list[pa.RecordBatch] = []
    buffered = 0
    for rows in _shard_rows(ctx, task):
        pending.append(rows)
        buffered += rows.num_rows
        while wanted and buffered >= wanted[-1]:
            table = pa.Table.from_batches(pending, schema=ctx.schema)
            size = wanted.pop()
            yield table.slice(0, size)
            rest = table.slice(size)
            pending, buffered = rest.to_batches(), rest.num_rows
    if wanted or buffered:  # pragma: no cover - the plan and the spill disagree
        raise DatasetKitError(
            f"internal error: shard {task.path(ctx.names)} found {buffered} rows more "
            f"than planned, or {sum(wanted)} fewer"
        )


def _shard_rows(ctx: ShardContext, task: ShardTask) -> Iterator[pa.RecordBatch]:
    """The shard's rows with ``cluster_id``, spill task by spill task."""
    if not task.rows:
        return
    (first_task, first_row), (last_task, last_row) = task.first, task.last
    for number in range(first_task, last_task + 1):
        spill = ctx.spills[number]
        if spill is None:
            continue
        batch = read_arrow(spill)
        row_plan = read_arrow(row_plan_path(spill))
        lo = first_row if number == first_task else 0
        hi = last_row + 1 if number == last_task else batch.num_rows
        mask = np.asarray(row_plan.column(0))[lo:hi] == task.split
        if not mask.any():
            continue
        batch, row_plan = batch.slice(lo, hi - lo), row_plan.slice(lo, hi - lo)
        ids = batch.column("id")
        if not pa.types.is_string(ids.type):
            ids = pc.cast(ids, pa.string())
        cluster_ids = pc.coalesce(row_plan.column(1), ids)
        full = pa.RecordBatch.from_arrays([*batch.columns, cluster_ids], schema=ctx.schema)
        yield full if mask.all() else full.filter(pa.array(mask))


def _remove_strays(folder: str) -> None:
    """Remove temporary shards a lost worker may have left (a retried task wrote its
    shard again under its own temporary name)."""
    root = storage.as_path(folder)
    if storage.is_remote(root) or not (root / "data").is_dir():
        return
    for stray in (root / "data").glob(".*.partial"):
        stray.unlink(missing_ok=True)


def _reused_id(
    batch: pa.RecordBatch,
    row: int,
    lo: int,
    keys: KeyArrays,
    plan: SplitPlan,
    totals: ReadTotals,
    first_ids: dict[int, Any],
) -> InvalidRecord:
    """The reject of a record whose id a different, earlier article already has."""
    record = batch.slice(row, 1).to_pylist()[0]
    record = {k: v for k, v in record.items() if v is not None or k in ("id",)}
    first = int(plan.kept_copy_of[lo + row])
    file, line = totals.where(keys, lo + row)
    first_file, first_line = totals.where(keys, first)
    issue = Issue(
        "/id",
        "unique",
        f"id {first_ids.get(first, record.get('id'))!r} is already used by a different "
        f"article at {first_file}:{first_line}; ids must be unique",
    )
    return InvalidRecord(file, line, record.get("id"), [issue], None, record)
