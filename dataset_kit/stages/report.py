"""Counts, manifest and report of a finished export, and the :class:`ExportResult`.

The counts are checked before anything is reported: ``read = written + rejected +
duplicates_dropped``, no verified near-duplicate pair across splits, and every
written record in a shard. A failed check is an internal error, never a report.
"""

from __future__ import annotations

import platform
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from .. import __version__
from ..dedup import NearDupParams, miss_probability, recall_point
from ..errors import DatasetKitError, printable
from ..manifest import FileEntry, InputEntry, Manifest, SplitEntry, write_manifest
from ..reading import ReadNotes
from ..shards import ShardInfo, format_size
from ..splits import Outcome, SplitRequest, SplitStrategy, splitting_report
from ..storage import as_path
from .merge import KeyArrays, ReadTotals
from .plan import DUPLICATE_ID, EXACT_DUPLICATE, NEAR_DROPPED, SplitPlan
from .prepare import ExportJob
from .rejects import RejectLog
from .spill import lookup_ids

EXAMPLES = 10


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
        lines += self._dedup_lines()
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

    def _dedup_lines(self) -> list[str]:
        c, d = self.counts, self.dedup
        if d.get("mode") == "off":
            return []
        copies = "copy" if c["exact_duplicates"] == 1 else "copies"
        text = f"Duplicates: {c['exact_duplicates']:,} exact {copies} dropped"
        if d.get("mode") == "near":
            keep = (
                "kept whole in one split"
                if d.get("near_keep") == "cluster"
                else (f"one kept per cluster, {c['near_duplicates_dropped']:,} dropped")
            )
            if d["clusters"]:
                clusters = "cluster" if d["clusters"] == 1 else "clusters"
                text += (
                    f"; {d['clusters']:,} near-duplicate {clusters} "
                    f"({d['clustered_records']:,} records, largest {d['largest_cluster']:,}), "
                    f"{keep}"
                )
            else:
                text += "; no near-duplicate clusters"
        lines = [text + "."]
        if d.get("mode") == "near":
            lines.append(near_duplicate_method(d))
        return lines


def tool_versions() -> dict[str, str]:
    import jsonschema_rs

    return {
        "dataset-kit": __version__,
        "pyarrow": pa.__version__,
        "numpy": np.__version__,
        "jsonschema-rs": getattr(jsonschema_rs, "__version__", "unknown"),
        "python": platform.python_version(),
    }


@dataclass(frozen=True)
class ReportContext:
    """What the report stage reads: the job, the staged folder the manifest goes into,
    the split request and strategy, and the inputs' sizes and sha256 by path."""

    job: ExportJob
    folder: Path
    request: SplitRequest
    strategy: SplitStrategy
    digests: dict[str, tuple[int, str]]


def finish(
    ctx: ReportContext,
    plan: SplitPlan,
    keys: KeyArrays,
    totals: ReadTotals,
    rejects: RejectLog,
    shards: list[ShardInfo],
) -> ExportResult:
    """Counts, manifest and report of a finished export; the manifest is written."""
    job = ctx.job
    counts = _counts(plan, keys, totals)
    split_rows, split_entries = _split_entries(job.names, shards, counts["written"])
    dedup = _dedup_summary(job, plan, keys, totals)
    manifest = _manifest(ctx, counts, split_entries, shards, dedup, totals, rejects)
    write_manifest(ctx.folder, manifest)
    outcome = Outcome(
        split=plan.split,
        keys=keys,
        undated_units=plan.undated_units,
        cross_split_groups=plan.cross_split_groups,
    )
    written = counts["written"]
    report = {
        "out": str(Path(job.settings.out or "")),
        "rejects": str(job.rejects_final),
        "counts": counts,
        "splits": {
            name: {
                "rows": split_rows[name],
                "share": round(split_rows[name] / written, 6) if written else 0.0,
                "shards": len(split_entries[name].files),
                "bytes": sum(s.bytes for s in shards if s.split == name),
            }
            for name in job.names
        },
        "dedup": dedup,
        "splitting": splitting_report(ctx.request, ctx.strategy, outcome),
        "validation": {**manifest.validation, "errors": rejects.sorted_groups()},
        "notes": dict(sorted(totals.notes.counts.items())),
        "inputs": [
            {"path": i.path, "bytes": i.bytes, "records": i.records} for i in manifest.inputs
        ],
        "config": manifest.config,
    }
    return ExportResult(
        out=as_path(job.settings.out or ""),
        rejects_path=job.rejects_final,
        report_path=job.report_final,
        counts=counts,
        splits=split_rows,
        shards=shards,
        dedup=dedup,
        notes=totals.notes,
        card_written=False,
        manifest=manifest,
        report=report,
    )


def _manifest(
    ctx: ReportContext,
    counts: dict[str, int],
    split_entries: dict[str, SplitEntry],
    shards: list[ShardInfo],
    dedup: dict[str, Any],
    totals: ReadTotals,
    rejects: RejectLog,
) -> Manifest:
    job = ctx.job
    return Manifest(
        counts=counts,
        splits=split_entries,
        files=[
            FileEntry(
                path=s.path, role="data", bytes=s.bytes, sha256=s.sha256, split=s.split, rows=s.rows
            )
            for s in shards
        ],
        inputs=_inputs(job, totals, ctx.digests),
        config=_config(job),
        tool_versions=tool_versions(),
        dedup=dedup,
        validation={
            "records": totals.records,
            "invalid": totals.invalid,
            "rejected_by_rule": dict(sorted(rejects.by_rule.items())),
        },
        ingest=(
            {"pages": totals.pages, "furniture_lines": totals.furniture_lines}
            if totals.pages
            else {}
        ),
    )


def _counts(plan: SplitPlan, keys: KeyArrays, totals: ReadTotals) -> dict[str, int]:
    status_counts = np.bincount(plan.status, minlength=4)
    counts = {
        "read": totals.records,
        "valid": keys.size + 0,
        "invalid": totals.invalid,
        "duplicate_ids": int(status_counts[DUPLICATE_ID]),
        "rejected": totals.invalid + int(status_counts[DUPLICATE_ID]),
        "exact_duplicates": int(status_counts[EXACT_DUPLICATE]),
        "near_duplicates_dropped": int(status_counts[NEAR_DROPPED]),
        "duplicates_dropped": int(status_counts[EXACT_DUPLICATE] + status_counts[NEAR_DROPPED]),
        "written": int((plan.split >= 0).sum()),
    }
    if counts["read"] != counts["written"] + counts["rejected"] + counts["duplicates_dropped"]:
        raise DatasetKitError(f"internal error: counts do not add up: {counts}")
    if plan.cross_split_pairs:
        # Verified pairs join one unit, and a unit goes to one split.
        raise DatasetKitError(
            f"internal error: {plan.cross_split_pairs} near-duplicate pairs across splits"
        )
    return counts


def _split_entries(
    names: tuple[str, ...], shards: list[ShardInfo], written: int
) -> tuple[dict[str, int], dict[str, SplitEntry]]:
    split_rows = {name: 0 for name in names}
    split_entries: dict[str, SplitEntry] = {}
    for name in names:
        mine = [s for s in shards if s.split == name]
        split_rows[name] = sum(s.rows for s in mine)
        split_entries[name] = SplitEntry(
            rows=split_rows[name],
            num_bytes=sum(s.num_bytes for s in mine),
            files=[s.path for s in mine],
        )
    if sum(split_rows.values()) != written:
        raise DatasetKitError("internal error: shards do not hold every written record")
    return split_rows, split_entries


def _inputs(
    job: ExportJob, totals: ReadTotals, digests: dict[str, tuple[int, str]]
) -> list[InputEntry]:
    return [
        InputEntry(
            path=printable(p),
            bytes=digests[str(p)][0],
            sha256=digests[str(p)][1],
            records=totals.per_file.get(printable(p), 0),
        )
        for p in job.paths
    ]


def _config(job: ExportJob) -> dict[str, Any]:
    """The settings as the manifest and the report record them."""
    settings = job.settings
    clusters_whole = settings.dedup == "near" and settings.near_keep == "cluster"
    return {
        "split": job.split.as_config(clusters_whole),
        "seed": int(settings.seed),
        "schema": settings.schema,
        "dedup": {
            "mode": settings.dedup,
            **(job.near.as_dict() if job.near else {}),
            "near_keep": settings.near_keep,
        },
        "max_shard_size": settings.max_shard_size,
        "page_dumps": {"timezone": settings.timezone, "source": settings.source},
        "card": dict(settings.card),
    }


def _dedup_summary(
    job: ExportJob, plan: SplitPlan, keys: KeyArrays, totals: ReadTotals
) -> dict[str, Any]:
    """The report's and manifest's ``dedup`` object: counts, clusters, examples."""
    settings, near = job.settings, job.near
    summary: dict[str, Any] = {"mode": settings.dedup}
    if settings.dedup == "off":
        return summary
    exact_rows = np.flatnonzero(plan.status == EXACT_DUPLICATE)[:EXAMPLES]
    near_rows = np.flatnonzero(plan.status == NEAR_DROPPED)[:EXAMPLES]
    summary["exact_duplicates"] = int((plan.status == EXACT_DUPLICATE).sum())
    if near is not None:
        ids = _near_summary(job, plan, keys, totals, summary, exact_rows, near_rows)
    else:
        ids = lookup_ids(
            totals.tasks,
            np.concatenate([plan.kept_copy_of[exact_rows], exact_rows]).astype(np.int64),
        )

    def example(i: int) -> dict[str, Any]:
        kept = int(plan.kept_copy_of[i])
        file, line = totals.where(keys, int(i))
        kept_file, kept_line = totals.where(keys, kept)
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


def _near_summary(
    job: ExportJob,
    plan: SplitPlan,
    keys: KeyArrays,
    totals: ReadTotals,
    summary: dict[str, Any],
    exact_rows: np.ndarray,
    near_rows: np.ndarray,
) -> dict[int, Any]:
    """Add the clusters to ``summary``; return the ids the examples need."""
    near = job.near
    assert near is not None
    index = np.arange(keys.size)
    in_cluster = plan.representative != index
    members = np.concatenate([plan.representative[in_cluster], index[in_cluster]])
    reps, sizes = np.unique(plan.representative[np.unique(members)], return_counts=True)
    histogram = Counter(sizes.tolist())
    biggest = np.argsort(-sizes, kind="stable")[:EXAMPLES]
    ids = lookup_ids(
        totals.tasks,
        np.concatenate(
            [
                reps[biggest],
                plan.kept_copy_of[exact_rows],
                exact_rows,
                plan.kept_copy_of[near_rows],
                near_rows,
            ]
        ).astype(np.int64),
    )
    summary.update(
        {
            **near.as_dict(),
            "near_keep": job.settings.near_keep,
            "clusters": len(reps),
            "clustered_records": int(sizes.sum()),
            "largest_cluster": int(sizes.max()) if len(sizes) else 0,
            "cluster_sizes": {str(k): v for k, v in sorted(histogram.items())},
            "largest_clusters": [
                {
                    "cluster_id": ids.get(int(reps[i])),
                    "size": int(sizes[i]),
                    "split": job.names[int(plan.split[reps[i]])]
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
    return ids
