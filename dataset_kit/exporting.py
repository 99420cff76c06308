"""``dataset-kit export``: validated, deduplicated, leak-free splits as Parquet shards.

:func:`export` composes the stages of :mod:`dataset_kit.stages`, then the card:

1. **prepare**: settings, schema and inputs checked into an ``ExportJob``;
2. **keys** (pass 1, per task, through an :mod:`executor <dataset_kit.executors>`):
   records read and validated, invalid ones to the rejects, valid ones converted to
   Arrow and *spilled* to a file; only compact keys come back (a hash of the id, the
   exact-duplicate key, the LSH bands, the split strategy's values);
3. **merge**: the keys joined in input order, line numbers made per file;
4. **plan** (in memory, over numpy arrays): exact copies dropped, reused ids
   rejected, candidate near-duplicate pairs checked on the exact Jaccard of their
   texts (read back from the spill) and clustered, units formed and assigned a split
   by the split strategy (:mod:`dataset_kit.splits`);
5. **layout** and **write** (pass 2): each split's rows cut into row groups and
   shards from the sizes pass 1 measured (:mod:`~dataset_kit.stages.layout`), then
   every shard written by its own task, through the same executor as pass 1, from
   the spill and a per-task row plan, with ``cluster_id``;
6. **report**: counts (checked), manifest and report;
7. the **card** (:mod:`dataset_kit.cards`), from the counts the shard writers kept;
8. **finish**: files a user added to an earlier ``DIR`` carried over, and the swap.

Everything is written into a temporary folder next to ``DIR`` that replaces ``DIR``
only at the end, so an interrupted or failed export leaves an earlier ``DIR`` as it
was. The folder ends up holding the shards, the manifest (``.dataset-kit/manifest.json``)
and the dataset card; the rejects (``DIR.rejects.jsonl``: the original line, file, line
and errors of each rejected record) and the report (``DIR.report.json``) are written
beside it. The three are swapped in as one journaled step
(:func:`~dataset_kit.atomic.atomic_set`): after any interruption the next export finds
the whole old set, or completes the whole new one and says so. A non-empty earlier
export is never replaced by an empty one unless ``allow_empty``.

Counts always add up: ``read = written + rejected + duplicates_dropped``, where
rejected records are the invalid ones plus records reusing an id already taken by a
different article, and dropped duplicates are exact copies plus, with
``near_keep="one"``, the non-representative members of near-duplicate clusters.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from . import splits
from .arrow_schema import arrow_schema
from .atomic import StagedSet, atomic_set
from .config import ExportSettings
from .dedup import verify_pairs
from .errors import DatasetKitError, InputError, printable
from .executors import Executor, InlineExecutor, open_executor
from .executors.local import available_cpus, resolve_jobs
from .manifest import load_manifest
from .remote_commit import remote_set
from .stages.finish import InputHasher, carry_over, refuse_empty, require_free_space
from .stages.layout import plan_layout
from .stages.memory import release_memory
from .stages.merge import ReadTotals, collect
from .stages.plan import plan_export
from .stages.prepare import ExportJob, prepare, rejects_path_for, report_path_for
from .stages.rejects import RejectLog
from .stages.report import (
    ExportResult,
    ReportContext,
    finish,
    near_duplicate_design,
    near_duplicate_method,
)
from .stages.spill import SpilledTexts, WorkFolder, work_folder
from .stages.write import ShardContext, write_shards
from .statistics import WrittenRowGroups, can_predict_nbytes
from .storage import is_remote, open_output

__all__ = [
    "ExportResult",
    "export",
    "near_duplicate_design",
    "near_duplicate_method",
    "rejects_path_for",
    "report_path_for",
]


def export(
    inputs: Sequence[str | os.PathLike[str]] = (),
    out: str | os.PathLike[str] | None = None,
    *,
    settings: ExportSettings | None = None,
    progress: Callable[[int], None] | None = None,
    on_dashboard: Callable[[str], None] | None = None,
    **overrides: Any,
) -> ExportResult:
    """Export ``inputs`` to the folder ``out``; see the module docstring.

    Settings come from ``settings`` (e.g. :func:`dataset_kit.config.load_config`),
    overridden by keyword arguments with the same names (``split="train=0.8,test=0.2"``,
    ``dedup="exact"``, ``jobs=2``, ``scheduler="tcp://HOST:8786"``, ...; without a
    scheduler, ``DASK_SCHEDULER_ADDRESS``). ``progress`` receives the records of each
    task as it comes back, ``on_dashboard`` the link to the Dask dashboard. Raises
    :class:`DatasetKitError` for bad options, inputs or schema; nothing is written then.
    """
    job = prepare(inputs, out, settings, overrides)
    hasher = InputHasher(job.paths)
    # Hashing the inputs takes a core for a while: beside pass 1 when that leaves a core
    # free, otherwise from the end of pass 1, beside planning: that runs on one core
    # while the workers wait for pass 2 (beside pass 2, it took a core from the shard
    # writers: pass 2 took 15-25% longer).
    hash_early = resolve_jobs(job.settings.jobs) < available_cpus()
    if hash_early:
        hasher.start()
    # A store has no rename: there the export is staged and committed object by object.
    stage = remote_set if is_remote(job.out_dir) else atomic_set
    with stage(job.out_dir, (job.rejects_final, job.report_final)) as staged:
        # The one executor of the export, open around every stage that runs tasks.
        with open_executor(job.settings.jobs, job.settings.scheduler, on_dashboard) as executor:
            result, row_groups = _export_stages(job, staged, executor, hasher, hash_early, progress)
        # The planning arrays are gone with the stages: give their heap back before the
        # card's statistics allocate, so that the two peaks do not stack up.
        release_memory(force=True)
        result.card_warnings = write_export_card(job, staged.folder, row_groups)
        result.card_written = True
        result.manifest = load_manifest(staged.folder)
        staged.file(job.report_final).write_bytes(
            orjson.dumps(result.report, option=orjson.OPT_INDENT_2) + b"\n"
        )
        result.carried_over = carry_over(job.out_dir, staged.folder)
        result.recovered = staged.recovered
    return result


def _export_stages(
    job: ExportJob,
    staged: StagedSet,
    executor: Executor,
    hasher: InputHasher,
    hash_early: bool,
    progress: Callable[[int], None] | None,
) -> tuple[ExportResult, WrittenRowGroups | None]:
    """Stages 2 to 6 into the staged folder: its shards and manifest, and the rejects."""
    settings, tmp = job.settings, staged.folder
    request = job.split
    strategy = splits.choose(request)
    with (
        work_folder(settings.work_dir, tmp) as work,
        open_output(staged.file(job.rejects_final)) as rejects_out,
    ):
        rejects = RejectLog(rejects_out)
        ctx = job.key_context(work.path, strategy)
        totals, keys = collect(job, ctx, executor, rejects, progress)
        if not hash_early:
            hasher.start()
        plan = plan_export(
            keys,
            strategy=strategy,
            dedup=settings.dedup,
            near=job.near,
            near_keep=settings.near_keep,
            verify=_verifier(job, totals, work),
        )
        # The planning keys are done with: free them before pass 2 needs memory.
        keys.bands = keys.exact = keys.has_signature = None
        keys.keep_split_values(getattr(strategy, "report_values", ()))
        schema = arrow_schema(list(job.columns))
        layout = plan_layout(plan, keys, totals, job.names, schema, job.max_shard_bytes)
        release_memory(force=True)
        if not work.remote:
            require_free_space(tmp, work.path)
        row_groups = _written_row_groups(schema)
        write = ShardContext(
            folder=str(tmp),
            names=job.names,
            schema=schema,
            spills=tuple(task.spill for task in totals.tasks),
            count_statistics=row_groups is not None,
            # One task at a time: a second thread encodes while the task reads and counts.
            encode_behind=isinstance(executor, InlineExecutor),
        )
        shards = write_shards(executor, write, layout, plan, keys, totals, rejects, row_groups)
        del layout
        rejects_out.flush()
        hasher.join()
        if hasher.error is not None:
            raise InputError(f"cannot read an input to hash it: {hasher.error}")
        report = ReportContext(job, tmp, request, strategy, hasher.digests)
        # The report reads example ids back from the spill: the work folder is still there.
        result = finish(report, plan, keys, totals, rejects, shards)
    refuse_empty(result.counts["written"], job.out_dir, settings.allow_empty)
    return result, row_groups


def _verifier(
    job: ExportJob, totals: ReadTotals, work: WorkFolder
) -> Callable[[np.ndarray], np.ndarray] | None:
    """The exact check of candidate pairs, on texts read back from the spill (the
    scratch file is read with pread: it stays on a local disk)."""
    if job.near is None:
        return None
    return partial(
        verify_pairs,
        read_texts=SpilledTexts(totals.tasks, "text").groups,
        params=job.near,
        scratch=work.scratch / "candidates.shingles",
    )


def _written_row_groups(schema: pa.Schema) -> WrittenRowGroups | None:
    """A counter of the card's statistics that the shard writers feed, or None when the
    card must read the shards back (a column type whose size after the round trip
    through Parquet cannot be predicted)."""
    if not all(can_predict_nbytes(field_.type) for field_ in schema):
        return None
    return WrittenRowGroups(list(schema.names))


def write_export_card(
    job: ExportJob, folder: Path, row_groups: WrittenRowGroups | None
) -> list[str]:
    """Write the card into the staged export ``folder``; return its warnings (e.g. no
    license). An earlier card's kept sections carry over; unmarked edits stop the
    export, since it has no ``--force``."""
    from .cards import UnmarkedEditsError, write_card

    previous = job.out_dir / "README.md"
    try:
        card = write_card(
            folder,
            dict(job.settings.card),
            schema=job.schema,
            previous_card=previous if previous.is_file() else None,
            statistics=None
            if row_groups is None
            else row_groups.statistics(folder, load_manifest(folder)),
        )
    except UnmarkedEditsError as exc:
        # export has no --force: say what does work here (`card` edits local folders).
        card_force = (
            ""
            if is_remote(job.out_dir)
            else f" (or run `dataset-kit card {printable(job.out_dir)} --force`)"
        )
        raise DatasetKitError(
            f"{printable(previous)}: {exc.reason.removeprefix('README.md ')}; nothing was "
            "changed. Wrap the text to keep in <!-- dataset-kit:keep NAME --> ... "
            "<!-- /dataset-kit:keep NAME --> markers, or, to discard it, delete "
            f"{printable(previous)}{card_force} and export again"
        ) from exc
    return list(card.warnings)
