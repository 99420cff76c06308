"""The spill: pass 1's valid records as Arrow IPC files, one per task, read back later.

Records never travel between processes: a worker writes its task's batch to
``SPILL_FOLDER/{task:08d}.arrow`` and returns only keys; planning reads back the few
columns it needs (texts to check candidate pairs, ids for examples), and pass 2
streams the whole batches into the shards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

SPILL_FOLDER = ".spill"


@dataclass
class SpilledTask:
    """Where one task's valid records went: global index of the first, count, file."""

    start: int
    rows: int
    spill: str | None


def write_spill(spill_dir: str, index: int, batch: pa.RecordBatch) -> str:
    """Write one task's batch; return its path."""
    spill_path = Path(spill_dir) / f"{index:08d}.arrow"
    # Uncompressed: lz4 cost a tenth of pass 1 to save disk space the spill only
    # borrows (it lives in the page cache until pass 2 reads it back).
    with pa.OSFile(str(spill_path), "wb") as sink, pa.ipc.new_file(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return str(spill_path)


def read_spill(task: SpilledTask) -> pa.RecordBatch:
    """A task's whole batch. Mapped, not read: the spill is in the page cache, and the
    batch's buffers keep the mapping alive."""
    assert task.spill is not None
    return pa.ipc.open_file(pa.memory_map(task.spill)).get_batch(0)


def lookup_ids(tasks: Sequence[SpilledTask], wanted: np.ndarray) -> dict[int, Any]:
    """The id values of the chosen records, read back from the spill (id column only)."""
    found: dict[int, Any] = {}
    if not len(wanted):
        return found
    wanted = np.unique(wanted)
    starts = np.array([t.start for t in tasks], dtype=np.int64)
    task_of = np.searchsorted(starts, wanted, side="right") - 1
    for t in np.unique(task_of):
        task = tasks[int(t)]
        rows = wanted[task_of == t] - task.start
        # Mapped: only the pages of the id column are touched.
        ids = read_spill(task).column("id")
        for row, value in zip(rows.tolist(), ids.take(pa.array(rows)).to_pylist(), strict=True):
            found[int(row + task.start)] = value
    return found


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
