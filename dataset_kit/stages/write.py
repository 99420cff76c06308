"""Pass 2: stream the spill back in input order and write each split's Parquet shards.

Every written record gets its ``cluster_id`` (its cluster representative's id, else
its own); a record that reuses another article's id is rejected here, where its
whole row is at hand. Rows keep the input order within a split: deterministic, and a
grown corpus changes only the end of each split (the best case for content-defined
chunking on the Hub).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..shards import ShardInfo, SplitWriter
from ..statistics import WrittenRowGroups
from ..validating import Issue
from .memory import release_memory
from .merge import KeyArrays, ReadTotals
from .plan import DUPLICATE_ID, SplitPlan
from .read_validate import InvalidRecord
from .rejects import RejectLog
from .spill import SpilledTask, lookup_ids, read_spill

RELEASE_EVERY_TASKS = 16  # in pass 2, about every 32 MB of input


@dataclass(frozen=True)
class WriteContext:
    """Where and how pass 2 writes: the staged folder, the split names, the Arrow schema
    with ``cluster_id``, the shard size, and the card's counter (None: the card reads
    the shards back)."""

    folder: Any
    names: tuple[str, ...]
    schema: pa.Schema
    max_shard_bytes: int
    row_groups: WrittenRowGroups | None


def clustered(plan: SplitPlan, lo: int, hi: int) -> np.ndarray:
    """Which written records of ``lo:hi`` take their cluster's id (per slice, so that
    pass 2 holds no array over all records for it)."""
    index = np.arange(lo, hi, dtype=np.int64)
    return (plan.representative[lo:hi] != index) & (plan.split[lo:hi] >= 0)


def write_shards(
    ctx: WriteContext, plan: SplitPlan, keys: KeyArrays, totals: ReadTotals, rejects: RejectLog
) -> list[ShardInfo]:
    """Write every split's shards; return them, split by split."""
    reused = np.flatnonzero(plan.status == DUPLICATE_ID)
    # One pass over the spill for both kinds of id that pass 2 needs.
    known_ids = lookup_ids(
        totals.tasks,
        np.concatenate(
            [plan.representative[clustered(plan, 0, keys.size)], plan.kept_copy_of[reused]]
        ),
    )
    writers = [
        SplitWriter(
            ctx.folder,
            name,
            ctx.schema,
            ctx.max_shard_bytes,
            on_row_group=None if ctx.row_groups is None else partial(ctx.row_groups.add, name),
        )
        for name in ctx.names
    ]
    try:
        for number, task in enumerate(totals.tasks, 1):
            if not task.rows:
                continue
            if number % RELEASE_EVERY_TASKS == 0:
                # Batches are cut, copied and freed by several threads here, and the
                # allocators keep what they freed: give it back now and then, or the
                # peak grows by a hundred megabytes that nothing uses.
                release_memory(force=True)
            _write_task(ctx, task, plan, keys, totals, rejects, known_ids, writers)
        shards: list[ShardInfo] = []
        for writer in writers:
            shards.extend(writer.close())
        return shards
    except BaseException:
        for writer in writers:
            writer.abort()
        raise


def _write_task(
    ctx: WriteContext,
    task: SpilledTask,
    plan: SplitPlan,
    keys: KeyArrays,
    totals: ReadTotals,
    rejects: RejectLog,
    known_ids: dict[int, Any],
    writers: list[SplitWriter],
) -> None:
    # Each key task spills exactly one batch.
    batch = read_spill(task)
    lo, hi = task.start, task.start + task.rows
    splits = plan.split[lo:hi]
    for row in np.flatnonzero(plan.status[lo:hi] == DUPLICATE_ID):
        rejects.add(_reused_id(batch, int(row), lo, keys, plan, totals, known_ids))
    ids = batch.column("id")
    if not pa.types.is_string(ids.type):
        ids = pc.cast(ids, pa.string())
    mask_clustered = clustered(plan, lo, hi)
    if mask_clustered.any():
        # Only the clustered rows change: their cluster's id replaces theirs.
        representatives = plan.representative[lo:hi][mask_clustered].tolist()
        replacements = [str(known_ids[int(r)]) for r in representatives]
        ids = pc.replace_with_mask(
            ids, pa.array(mask_clustered), pa.array(replacements, type=pa.string())
        )
    full = pa.RecordBatch.from_arrays([*batch.columns, ids], schema=ctx.schema)
    for code, writer in enumerate(writers):
        mask = splits == code
        if not mask.any():
            continue
        rows = full if mask.all() else full.filter(pa.array(mask))
        if ctx.row_groups is not None:
            ctx.row_groups.add_rows(rows)
        writer.write(rows)


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
