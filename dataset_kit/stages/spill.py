"""The spill: pass 1's valid records as Arrow IPC files, one per task, read back later.

Records never travel between processes: a worker writes its task's batch to
``{work folder}/{task:08d}.arrow`` and returns only keys; planning reads back the few
columns it needs (texts to check candidate pairs, ids for examples), writes each
task's *row plan* beside its spill (``{task:08d}.plan.arrow``: the split of every
record and, for a clustered one, its cluster's id), and pass 2's shard tasks read
the spills and row plans they need.

The work folder (:func:`work_folder`) is ``SPILL_FOLDER`` inside the staged export by
default, or a run-specific folder under ``--work-dir``, which may be an fsspec URL
(:mod:`dataset_kit.storage`): spills are then read and written through fsspec, while
local spills are memory-mapped (the fast path).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from .. import storage
from ..atomic import TMP_PREFIX, owner_alive, temp_prefix
from ..errors import DatasetKitError, printable

SPILL_FOLDER = ".spill"
# Each run under --work-dir gets its own folder, so that runs sharing a work dir (or a
# rerun after a crash) never read each other's spills. Its name carries its owner (see
# atomic.temp_prefix), so that a later run removes the folder of a run that was killed.
RUN_FOLDER_KIND = "work-"
# The local scratch of a run whose work folder is in a store.
SCRATCH_KIND = "scratch-"


@dataclass(frozen=True)
class WorkFolder:
    """Where a run's spills and row plans go (``path``, local or a URL), and a local
    folder for scratch files that need an operating-system file (``scratch``)."""

    path: Any
    scratch: Path

    @property
    def remote(self) -> bool:
        return storage.is_remote(self.path)


@contextlib.contextmanager
def work_folder(work_dir: str | None, staged: Path) -> Iterator[WorkFolder]:
    """The run's work folder, removed at the end, on success or failure.

    Without ``work_dir`` it is :data:`SPILL_FOLDER` inside the ``staged`` export (on
    the same disk as the shards). With one, a new run-specific folder under it; a
    work dir that cannot be created or written is a :class:`DatasetKitError`.
    """
    if work_dir is None:
        path = staged / SPILL_FOLDER
        path.mkdir()
    else:
        path = _run_folder(work_dir)
    # The exact check of candidate pairs reads shingle sets with pread: a local file.
    scratch = _local_scratch() if storage.is_remote(path) else path
    try:
        yield WorkFolder(path, scratch)
    finally:
        storage.remove_tree(path)
        if scratch != path:
            shutil.rmtree(scratch, ignore_errors=True)


def _run_folder(work_dir: str) -> Any:
    """A new run-specific folder under ``work_dir``, proven writable."""
    root = storage.as_path(work_dir)
    storage.refuse_glob_characters("--work-dir", root)
    path = root / f"{temp_prefix(RUN_FOLDER_KIND)}{uuid.uuid4().hex[:16]}"
    try:
        _remove_stale_run_folders(root)
        if not storage.is_remote(path):
            # Not in a store: there a folder needs no making, and s3fs "makes" the
            # parents of one by creating its bucket when the bucket does not exist.
            path.mkdir(parents=True, exist_ok=True)
        # Object stores create folders lazily: only a write proves the place usable.
        (path / ".probe").write_bytes(b"")
        (path / ".probe").unlink()
    except (OSError, ValueError) as exc:
        storage.remove_tree(path)
        raise DatasetKitError(
            f"--work-dir {printable(work_dir)}: cannot write there ({exc}); "
            "give a folder (or URL) this process may create and write"
        ) from exc
    return path


def _local_scratch() -> Path:
    """A new local scratch folder in the system's temporary folder, named with its
    owner; those of killed runs (their owner gone) are removed first, as run folders
    are, so that a killed run does not leave its pair-check files there for good."""
    _remove_stale_run_folders(Path(tempfile.gettempdir()), SCRATCH_KIND)
    return Path(tempfile.mkdtemp(prefix=temp_prefix(SCRATCH_KIND)))


def _remove_stale_run_folders(root: Any, kind: str = RUN_FOLDER_KIND) -> None:
    """Remove the run folders under ``root`` whose run is gone (killed before its own
    cleanup); a folder of a live run, or of a run on another host, is left alone."""
    if not root.is_dir():
        return
    for leftover in root.glob(TMP_PREFIX + "*"):
        if kind in leftover.name and not owner_alive(leftover.name):
            storage.remove_tree(leftover)


@dataclass
class SpilledTask:
    """Where one task's valid records went: global index of the first, count, file."""

    start: int
    rows: int
    spill: str | None


def write_spill(spill_dir: str, index: int, batch: pa.RecordBatch) -> str:
    """Write one task's batch; return its path (a URL in a remote work folder).
    Rewriting it gives the same bytes, so a retried task is harmless."""
    spill_path = storage.as_path(spill_dir) / f"{index:08d}.arrow"
    # Uncompressed: lz4 cost a tenth of pass 1 to save disk space the spill only
    # borrows (it lives in the page cache until pass 2 reads it back).
    write_arrow(spill_path, batch)
    return str(spill_path)


def write_arrow(path: Any, batch: pa.RecordBatch) -> None:
    """Write ``batch`` as a one-batch Arrow IPC file at ``path`` (local or remote)."""
    with (
        storage.open_arrow_output(path) as sink,
        pa.ipc.new_file(sink, batch.schema) as writer,
    ):
        writer.write_batch(batch)


def read_arrow(path: str, columns: list[int] | None = None) -> pa.RecordBatch:
    """The one batch of the Arrow IPC file ``path``. A local file is mapped, not read:
    it is in the page cache, and the batch's buffers keep the mapping alive; a remote
    one is read (only ``columns``, when given)."""
    options = None if columns is None else pa.ipc.IpcReadOptions(included_fields=columns)
    if storage.url_protocol(path) is None:
        with storage.naming_arrow_errors(path):
            mapped = pa.memory_map(path)
        return pa.ipc.open_file(mapped, options=options).get_batch(0)
    with storage.open_arrow_input(storage.as_path(path)) as source:
        return pa.ipc.open_file(source, options=options).get_batch(0)


def read_spill(task: SpilledTask) -> pa.RecordBatch:
    """A task's whole batch (see :func:`read_arrow`)."""
    assert task.spill is not None
    return read_arrow(task.spill)


def row_plan_path(spill: str) -> str:
    """Where the row plan of the task spilled to ``spill`` goes: beside it."""
    return spill.removesuffix(".arrow") + ".plan.arrow"


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
            with storage.open_arrow_input(storage.as_path(task.spill)) as source:
                if self._index is None:
                    # Every spill has the same schema: look the column up once.
                    self._index = pa.ipc.open_file(source).schema.get_field_index(self._field)
                options = pa.ipc.IpcReadOptions(included_fields=[self._index])
                column = pa.ipc.open_file(source, options=options).get_batch(0).column(0)
            yield part, column.take(pa.array(indices[part] - task.start))
