"""``dataset-kit ingest``: page dumps in, one JSONL article per page out.

Inputs are ``.txt`` files, folders (searched recursively for ``*.txt``) or globs.
Pages are processed in a fixed order (inputs as given, each folder's files sorted by
their path inside it), in worker processes when ``jobs > 1``, and written in that
same order, so the output does not depend on ``--jobs``. Every page ends in exactly
one place: the output (one record) or the rejects file (one line with the reason);
the summary counts both, and ``pages == written + rejected`` always holds.

Both files are written under temporary names and renamed into place at the end, so
an interrupted run leaves the previous output untouched. Memory does not grow with
the corpus: pages are read, extracted and written one at a time (only the sorted
list of file names is held).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

from ..atomic import STDOUT, open_output, refuse_overlaps
from ..errors import InputError
from ..executors import open_executor
from ..reading import InputFilter, PageOptions, expand_inputs_named
from ..storage import as_path, refuse_url_output, store_faults
from .dates import parse_timezone
from .page import ingest_page

# What ingest reads: page dumps only (a folder's README.txt among them is a page).
PAGE_INPUTS = InputFilter(
    kinds=frozenset({"txt"}),
    no_input="no input given: name at least one .txt file or folder of them",
    wrong_file="ingest reads .txt page dumps (one page per file); "
    "records in JSONL, JSON or Parquet go straight to validate or export",
    empty_folder="folder holds no .txt page dumps",
    empty_glob="glob matched no .txt files",
    by_name=True,
)
# Pages per task sent to a worker: large enough that pickling and queueing cost
# little next to the work, small enough that few pages wait in memory.
BATCH_PAGES = 64


@dataclass
class IngestSummary:
    """Counts of one ingest run; ``pages == written + sum(rejected.values())``."""

    pages: int = 0
    written: int = 0
    rejected: Counter = field(default_factory=Counter)
    lines_total: int = 0
    lines_removed: int = 0
    decoded: Counter = field(default_factory=Counter)
    repaired: int = 0
    out_path: str = ""
    rejects_path: str = ""

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "written": self.written,
            "rejected": self.rejected_total,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "lines_total": self.lines_total,
            "lines_removed": self.lines_removed,
            "decoded_by_detection": dict(sorted(self.decoded.items())),
            "mojibake_repaired": self.repaired,
            "output": self.out_path,
            "rejects": self.rejects_path,
        }

    def lines(self) -> list[str]:
        """The human summary printed by the command."""
        out = [
            f"pages read:       {self.pages:,}",
            f"records written:  {self.written:,} -> {self.out_path}",
        ]
        reasons = ", ".join(f"{reason}: {n:,}" for reason, n in sorted(self.rejected.items()))
        out.append(
            f"rejected:         {self.rejected_total:,}"
            + (f" ({reasons})" if reasons else "")
            + f" -> {self.rejects_path}"
        )
        share = self.lines_removed / self.lines_total if self.lines_total else 0.0
        out.append(
            f"lines removed:    {self.lines_removed:,} furniture lines of {self.lines_total:,} "
            f"non-blank lines in the written pages ({share:.1%})"
        )
        if self.decoded:
            detected = ", ".join(f"{enc}: {n:,}" for enc, n in sorted(self.decoded.items()))
            out.append(f"not UTF-8:        {sum(self.decoded.values()):,} decoded ({detected})")
        if self.repaired:
            out.append(f"mojibake:         {self.repaired:,} pages repaired")
        return out


def default_rejects_path(out_path: Path) -> Path:
    """``articles.jsonl`` -> ``articles.rejects.jsonl``, beside the output."""
    name = out_path.name
    stem = name[: -len(".jsonl")] if name.endswith(".jsonl") else name
    return out_path.with_name(f"{stem}.rejects.jsonl")


def discover_pages(inputs: Sequence[str | os.PathLike[str]]) -> list[tuple[Path, str]]:
    """``(path, source_file)`` of every page to ingest, in processing order.

    ``source_file`` is the path inside the folder that was named (``2023/a.txt`` for
    ``pages/2023/a.txt`` when ``pages`` was given), or the path as given for a file.
    Raises :class:`InputError` for a missing path, a file that is not ``.txt``, a
    folder without ``.txt`` files or a glob that matches none.
    """
    return expand_inputs_named(inputs, accept=PAGE_INPUTS)


@dataclass(frozen=True)
class IngestContext:
    """How every page is ingested; sent once per worker, never per task."""

    timezone: str | None
    source: str | None
    keep_boilerplate: bool

    @cached_property
    def zone(self) -> Any:
        """The parsed ``timezone`` (None without one), once per process."""
        return parse_timezone(self.timezone)


_Outcome = tuple[bool, bytes, str | None, int, int, str, bool]


def _ingest_batch(ctx: IngestContext, batch: list[tuple[str, str]]) -> list[_Outcome]:
    """Ingest a batch of files in a worker; batches keep inter-process traffic low."""
    return [_ingest_task(ctx, task) for task in batch]


def _batches(pages: list[tuple[Path, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    for start in range(0, len(pages), size):
        yield [(str(path), display) for path, display in pages[start : start + size]]


def _ingest_task(ctx: IngestContext, task: tuple[str, str]) -> _Outcome:
    """Ingest one file: ``(is_record, jsonl_line, reason, total, removed, encoding, repaired)``."""
    path, source_file = task
    try:
        with store_faults(path):
            data = as_path(path).read_bytes()
    except OSError as exc:
        line = {
            "source_file": source_file,
            "id": None,
            "reason": "unreadable",
            "detail": f"cannot be read: {exc.strerror or exc}",
            "lines": 0,
            "encoding": None,
        }
        return False, orjson.dumps(line) + b"\n", "unreadable", 0, 0, "", False
    result = ingest_page(
        data,
        source_file=source_file,
        source=ctx.source,
        timezone=ctx.zone,
        keep_boilerplate=ctx.keep_boilerplate,
    )
    if result.record is not None:
        return (
            True,
            orjson.dumps(result.record) + b"\n",
            None,
            result.lines_total,
            result.lines_removed,
            result.encoding,
            result.repaired,
        )
    return (
        False,
        orjson.dumps(result.reject_line()) + b"\n",
        result.reject_reason,
        result.lines_total,
        0,
        result.encoding,
        result.repaired,
    )


def ingest(
    paths: Sequence[str | os.PathLike[str]],
    out_path: str | os.PathLike[str],
    *,
    rejects_path: str | os.PathLike[str] | None = None,
    timezone: str | None = None,
    source: str | None = None,
    jobs: int = 1,
    keep_boilerplate: bool = False,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Ingest page dumps into ``out_path`` (JSONL, one article per page).

    Rejected pages go to ``rejects_path`` (default: ``OUT.rejects.jsonl`` beside the
    output; always written, empty when nothing was rejected) with their reason.
    Either path may be ``-`` (standard output; then ``rejects_path`` must be given)
    or a special file such as ``/dev/null``; neither may be a page or the other one. See
    :func:`dataset_kit.ingesting.ingest_page` for ``timezone``, ``source`` and
    ``keep_boilerplate``. ``scheduler`` runs the pages on a Dask cluster (see
    :func:`dataset_kit.executors.open_executor`; default ``DASK_SCHEDULER_ADDRESS``),
    whose link ``on_dashboard`` receives. Output is byte-identical for any ``jobs``
    and ``scheduler``.
    """
    PageOptions(timezone=timezone, source=source).check()
    refuse_url_output("--output", out_path)
    refuse_url_output("--rejects", rejects_path)
    pages = discover_pages(paths)
    if os.fspath(out_path) == STDOUT and rejects_path is None:
        raise InputError(
            "-o -: the records go to standard output, so name the rejects file with "
            "--rejects FILE (or --rejects /dev/null to drop them)"
        )
    out = Path(out_path)
    rejects = Path(rejects_path) if rejects_path is not None else default_rejects_path(out)
    refuse_overlaps([page for page, _ in pages], [("--output", out), ("--rejects", rejects)])
    summary = IngestSummary(out_path=str(out), rejects_path=str(rejects))
    executor = open_executor(jobs, scheduler, on_dashboard)
    with executor as run, open_output(out) as out_file, open_output(rejects) as rejects_file:
        batches = run.map_ordered(
            _ingest_batch,
            _batches(pages, BATCH_PAGES),
            IngestContext(timezone, source, keep_boilerplate),
        )
        results = (outcome for batch in batches for outcome in batch)
        for is_record, line, reason, total, removed, encoding, repaired in results:
            summary.pages += 1
            if is_record:
                out_file.write(line)
                summary.written += 1
                summary.lines_total += total
                summary.lines_removed += removed
            else:
                rejects_file.write(line)
                summary.rejected[reason or "unknown"] += 1
            if encoding and encoding not in ("utf-8", "binary"):
                summary.decoded[encoding] += 1
            if repaired:
                summary.repaired += 1
            if progress is not None:
                progress(1)
        # The files must be complete on disk before they are renamed into place.
        out_file.flush()
        rejects_file.flush()
    assert summary.pages == summary.written + summary.rejected_total
    return summary
