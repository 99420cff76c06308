"""The shard layout, decided at planning: every shard's rows, row groups and name.

Pass 1 measured each valid record (:func:`dataset_kit.stages.keys.record_sizes`); once
:func:`~dataset_kit.stages.plan.plan_export` has given records their splits, the
size of each written row is known without reading it: its spilled columns plus the
``cluster_id`` column, which holds the id of its cluster's representative. Each
split's rows, in input order, are cut into row groups and shards by
:func:`dataset_kit.shards.plan_split`, and each shard becomes a :class:`ShardTask`: a
few numbers that locate its rows in the spill, so any worker can write it alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..shards import MAX_STATISTICS_SIZE, ShardShape, plan_split, shard_name
from .merge import KeyArrays, ReadTotals
from .plan import SplitPlan

# A string value's offset in an Arrow array.
_OFFSET_BYTES = 4


@dataclass(frozen=True)
class ShardTask:
    """One shard to write: the ``index``-th of ``count`` of split number ``split``, whose
    rows are that split's rows from ``first`` to ``last`` (inclusive), each a
    ``(spill task, row)`` position, cut into row groups of ``row_groups`` rows.
    An empty shard (an empty split) has no rows and ``first = last = (-1, -1)``."""

    split: int
    index: int
    count: int
    first: tuple[int, int]
    last: tuple[int, int]
    row_groups: tuple[int, ...]
    num_bytes: int

    @property
    def rows(self) -> int:
        return sum(self.row_groups)

    def path(self, names: tuple[str, ...]) -> str:
        """The shard's path relative to the export folder."""
        return f"data/{shard_name(names[self.split], self.index, self.count)}"


def plan_layout(
    plan: SplitPlan,
    keys: KeyArrays,
    totals: ReadTotals,
    names: tuple[str, ...],
    schema: pa.Schema,
    max_shard_bytes: int,
) -> list[ShardTask]:
    """The shards of every split, split by split, in order; then frees the size arrays."""
    assert keys.row_bytes is not None and keys.id_bytes is not None
    assert keys.statistics_bytes is not None
    shape = ShardShape.of(schema)
    starts = np.array([task.start for task in totals.tasks], dtype=np.int64)
    tasks: list[ShardTask] = []
    for code, name in enumerate(names):
        records = np.flatnonzero(plan.split == code)
        cluster_id = keys.id_bytes[plan.representative[records]].astype(np.int64) + _OFFSET_BYTES
        sizes = keys.row_bytes[records] + cluster_id
        statistics = keys.statistics_bytes[records] + np.minimum(cluster_id, MAX_STATISTICS_SIZE)
        shards = plan_split(name, sizes, statistics, shape, max_shard_bytes)
        del cluster_id, statistics
        offset = 0
        for index, groups in enumerate(shards):
            rows = sum(groups)
            first = last = (-1, -1)
            if rows:
                first = _position(starts, int(records[offset]))
                last = _position(starts, int(records[offset + rows - 1]))
            num_bytes = int(sizes[offset : offset + rows].sum())
            tasks.append(ShardTask(code, index, len(shards), first, last, groups, num_bytes))
            offset += rows
    # Planned: the sizes are not needed again.
    keys.row_bytes = keys.id_bytes = keys.statistics_bytes = None
    return tasks


def _position(starts: np.ndarray, record: int) -> tuple[int, int]:
    """``(spill task, row)`` of valid record number ``record``. Tasks without valid
    records share their start with the next one: the last task with that start is the
    one holding the record."""
    task = int(np.searchsorted(starts, record, side="right")) - 1
    return task, record - int(starts[task])
