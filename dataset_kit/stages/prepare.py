"""Check the settings, the schema and the inputs, and resolve them into an :class:`ExportJob`.

Everything that can be refused is refused here, before anything is written: a bad
option, a schema without a required ``id``, a field an option names that the schema
lacks, an output folder that is not an earlier export, an input inside the output or
an output over an input.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import sketch_kernel
from ..arrow_schema import Column, columns_for
from ..atomic import refuse_overlaps
from ..config import ExportSettings
from ..dedup import NearDupParams
from ..errors import DatasetKitError, InputError, SchemaError, printable
from ..manifest import manifest_path
from ..reading import ReadNotes, expand_inputs_named
from ..shards import parse_size
from ..splits import SplitRequest, SplitStrategy, resolve_request
from ..splitting import DateSplit, SplitSpec
from ..storage import (
    AnyPath,
    as_path,
    is_remote,
    is_url,
    refuse_glob_characters,
    store_faults,
)
from ..validating import Validator, load_schema
from .keys import KeyContext


def rejects_path_for(out: str | os.PathLike[str]) -> AnyPath:
    """Where the rejects of an export to ``out`` go: beside it, never inside."""
    target = as_path(out)
    return target.parent / f"{target.name}.rejects.jsonl"


def report_path_for(out: str | os.PathLike[str]) -> AnyPath:
    target = as_path(out)
    return target.parent / f"{target.name}.report.json"


@dataclass(frozen=True)
class ExportJob:
    """One export, resolved: what every stage after :func:`prepare` reads, and nothing
    any stage changes."""

    settings: ExportSettings
    out_dir: Path
    split: SplitRequest
    near: NearDupParams | None
    max_shard_bytes: int
    schema: dict[str, Any]
    base_dir: str | None
    columns: tuple[Column, ...]
    paths: tuple[Path, ...]
    source_names: tuple[str, ...]
    listing_notes: ReadNotes
    rejects_final: Path
    report_final: Path

    @property
    def names(self) -> tuple[str, ...]:
        return self.split.names

    @property
    def spec(self) -> SplitSpec | None:
        return self.split.spec

    @property
    def dates(self) -> DateSplit | None:
        return self.split.dates

    def key_context(self, spill_dir: Path, strategy: SplitStrategy) -> KeyContext:
        """The context of the key tasks (pass 1); ``strategy`` asks for its values."""
        settings = self.settings
        return KeyContext(
            schema=self.schema,
            base_dir=self.base_dir,
            columns=self.columns,
            dedup=settings.dedup,
            near=self.near,
            id_field="id",
            text_field="text",
            url_field="url" if "url" in self.schema["properties"] else None,
            strategy=strategy,
            group_by=settings.group_by,
            spill_dir=str(spill_dir),
        )


def prepare(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] | None,
    settings: ExportSettings | None,
    overrides: dict[str, Any],
) -> ExportJob:
    """The job for these arguments of :func:`dataset_kit.exporting.export`, or
    :class:`DatasetKitError` saying what is wrong."""
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
    with store_faults(settings.out):
        out_dir = _checked_output(as_path(settings.out))
    if not is_remote(out_dir) and out_dir != Path(settings.out):  # a link, followed
        settings = settings.with_overrides(out=str(out_dir))
    split = resolve_request(settings)
    max_shard_bytes = parse_size(settings.max_shard_size)
    schema, base_dir, columns = _checked_schema(settings, split.dates)
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
    job = ExportJob(
        settings=settings,
        out_dir=out_dir,
        split=split,
        near=near,
        max_shard_bytes=max_shard_bytes,
        schema=schema,
        base_dir=base_dir,
        columns=columns,
        paths=tuple(paths),
        source_names=tuple(name for _, name in named_inputs),
        listing_notes=listing_notes,
        rejects_final=rejects_path_for(out_dir),
        report_final=report_path_for(out_dir),
    )
    _refuse_overlaps(job)
    return job


def _checked_output(given: AnyPath) -> AnyPath:
    if is_remote(given):
        refuse_glob_characters("--out", given)
        out_dir = as_path(str(given).rstrip("/"))
        if "/" not in str(out_dir.path).strip("/"):
            # The rejects, report and staging live beside DIR: a bucket has no beside.
            raise DatasetKitError(
                f"--out {printable(given)}: name a folder inside the bucket "
                f"({printable(out_dir)}/NAME), not the bucket itself"
            )
    else:
        out_dir = output_folder(given)
    if out_dir.exists() and not out_dir.is_dir():
        raise DatasetKitError(f"--out {out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not manifest_path(out_dir).is_file():
        # The export replaces DIR as a whole: never a folder that holds something else.
        raise DatasetKitError(
            f"--out {out_dir}: folder exists, is not empty and is not a dataset-kit export; "
            "choose a new folder (an earlier export is replaced, any other folder is not)"
        )
    return out_dir


def output_folder(given: Path) -> Path:
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


def _checked_schema(
    settings: ExportSettings, dates: DateSplit | None
) -> tuple[dict[str, Any], str | None, tuple[Column, ...]]:
    """The schema, the folder its references resolve against and its Parquet columns,
    checked for export."""
    schema = load_schema(settings.schema)
    if not isinstance(schema, dict):
        raise SchemaError("the schema must be a JSON object describing one record")
    base_dir = str(Path(settings.schema).resolve().parent) if settings.schema else None
    # A broken schema fails here, before any work, naming its file.
    Validator(schema, base_dir=base_dir, source=settings.schema)
    columns = tuple(columns_for(schema))
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
    return schema, base_dir, columns


def _check_field(schema: dict[str, Any], name: str, option: str) -> None:
    if name not in schema.get("properties", {}):
        known = ", ".join(schema.get("properties", {}))
        raise DatasetKitError(f"{option}: the schema has no field {name!r} (fields: {known})")


def _refuse_overlaps(job: ExportJob) -> None:
    out_dir, settings = job.out_dir, job.settings
    _refuse_work_dir_inside(settings.work_dir, out_dir)
    if is_remote(out_dir):
        _refuse_remote_overlaps(job)
        return
    _refuse_output_in_input_folder(settings.inputs or (), out_dir)
    local = [p for p in job.paths if not is_remote(p)]
    if any(
        out_dir.resolve() == p.resolve().parent or out_dir.resolve() in p.resolve().parents
        for p in local
    ):
        raise DatasetKitError(f"--out {out_dir}: an input is inside the output folder")
    refuse_overlaps(
        [*local, *([settings.schema] if settings.schema else [])],
        [("the rejects file", job.rejects_final), ("the report", job.report_final)],
    )


def _refuse_output_in_input_folder(inputs: Sequence[str], out_dir: AnyPath) -> None:
    """An export inside a folder it reads would read itself the next time: its rejects
    file as input records, its folder as inputs inside the output. Refused at once,
    not only on the rerun."""
    resolved = out_dir.resolve()
    for given in inputs:
        if is_url(given) or not Path(given).is_dir():
            continue
        folder = Path(given).resolve()
        if folder == resolved or folder in resolved.parents:
            raise DatasetKitError(
                f"--out {printable(out_dir)}: is inside the input folder {printable(given)}, "
                "so the next export would read this one's rejects and shards as input; "
                "choose an output folder outside it"
            )


def _refuse_work_dir_inside(work_dir: str | None, out_dir: AnyPath) -> None:
    """A work dir in DIR would be carried into the export as a folder the user added,
    and a killed run's spills with it (then published); DIR is replaced as a whole."""
    if work_dir is None:
        return
    work = as_path(work_dir)
    if is_remote(work) != is_remote(out_dir):
        return
    if is_remote(work):
        inside = (str(work).rstrip("/") + "/").startswith(str(out_dir).rstrip("/") + "/")
    else:
        resolved = out_dir.resolve()
        inside = work.resolve() == resolved or resolved in work.resolve().parents
    if inside:
        raise DatasetKitError(
            f"--work-dir {printable(work_dir)}: is inside --out {printable(out_dir)}, which "
            "the export replaces as a whole; choose a folder outside it"
        )


def _refuse_remote_overlaps(job: ExportJob) -> None:
    """:func:`_refuse_overlaps` for an output in a store, where a URL names an object
    in one way only (no links), so comparing URLs is enough."""
    folder = str(job.out_dir).rstrip("/") + "/"
    outputs = {str(job.rejects_final): "the rejects file", str(job.report_final): "the report"}
    for path in job.paths:
        if not is_remote(path):
            continue
        if str(path).startswith(folder):
            raise DatasetKitError(f"--out {job.out_dir}: an input is inside the output folder")
        if str(path) in outputs:
            raise DatasetKitError(
                f"{printable(path)}: is an input and {outputs[str(path)]} of this export; "
                "choose another --out"
            )
