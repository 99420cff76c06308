"""The export settings, each declared once.

Every setting of ``dataset-kit export`` is one field of :class:`ExportSettings`,
declared with :func:`setting`: its name (the attribute, the ``[export]`` key of
``dataset-kit.toml`` and, with dashes, the flag), its type (the annotation), its
default, and a :class:`Setting` with what each reader of it sees: the flag's help
text, the comment ``init`` writes above the key, the row of the docs table, the values
it may take and where the manifest records it. Everything else derives from
:data:`SETTINGS`:

- the options of ``export`` and ``init`` (``dataset_kit.cli.settings_options``);
- reading, checking and writing ``dataset-kit.toml`` (:mod:`dataset_kit.config`);
- the settings table in ``docs/export.md`` (:func:`docs_table`; a test compares the
  two, and ``python -m dataset_kit.settings docs/export.md`` rewrites the table);
- where the manifest records each setting (``manifest``: dotted paths in
  manifest.json). The export still assembles the manifest's ``config`` itself, with
  values it derives (split names and ratios, the LSH design) in between; a test
  checks that every declared path is there and that every leaf of ``config`` is a
  declared setting's or derived, so a new setting cannot go unrecorded unnoticed.

So a new setting is one ``setting(...)`` field below plus the code that acts on it.
This module imports nothing heavy: the CLI builds its options from it at start-up.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from .errors import DatasetKitError
from .reading import PageOptions

# The split used when neither --split nor --split-by-date is given; equal to
# dataset_kit.splitting.DEFAULT_SPLIT (a test checks), which needs numpy to import.
DEFAULT_SPLIT = "train=0.9,test=0.1"
JOBS_HELP = (
    "Worker processes (0 or less = one per CPU; never more than CPUs or tasks). "
    "Output is identical for any value."
)
SCHEDULER_HELP = (
    "Run the tasks on the Dask cluster whose scheduler is at ADDR (tcp://HOST:8786), or "
    "on a new LocalCluster of --jobs workers (local); none: local processes. Default: "
    "DASK_SCHEDULER_ADDRESS when set. Needs pip install 'dataset-kit[dask]'. Output is "
    "identical."
)
TIMEZONE_HELP = (
    "IANA zone (e.g. Europe/Berlin) of times the pages give without a zone; "
    "without it such dates keep only the day."
)
SOURCE_HELP = "Publisher name for every record."
# Where docs/export.md holds the generated table.
DOCS_BEGIN = "<!-- settings-table: generated from dataset_kit/settings.py, do not edit -->"
DOCS_END = "<!-- /settings-table -->"
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Setting:
    """One export setting as every reader of it sees it.

    ``name``, ``type`` and ``default`` come from the :class:`ExportSettings` field;
    the rest is given to :func:`setting`. Texts are shown as written, except that
    ``{default}`` in ``help`` becomes :attr:`shown_default`, so the default shown in
    ``--help`` is the declared one. ``comment`` must stay a comment: TOML comments
    cannot hold control characters, and it is written as it is.
    """

    help: str  # the flag's help text
    comment: str  # the comment above the key in dataset-kit.toml ("\n" between lines)
    meaning: str  # the "meaning" cell of the docs table
    short: str | None = None  # a short flag, e.g. "-o"
    metavar: str | None = None  # what --help shows after the flag (None: Click's own)
    placeholder: str | None = None  # what the docs show after the flag (default: metavar)
    path: Literal["file", "dir"] | None = None  # a path: relative to the file that names it
    choices: tuple[str, ...] = ()
    rule: tuple[Callable[[Any], bool], str] | None = None  # (holds for the value, "must ...")
    also: tuple[type, ...] = ()  # other TOML types accepted (converted to ``type``)
    example: str | None = None  # shown commented out by ``init`` when the setting is unset
    effective_default: str | None = None  # what "not given" means, when default is None
    manifest: tuple[str, ...] = ()  # where manifest.json records it (dotted paths)
    argument: bool = False  # the command's arguments rather than a flag
    envvar: str | None = None  # an environment variable between the flag and the config
    name: str = ""
    type: type = str
    default: Any = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def shown_default(self) -> str:
        """The default as help and docs show it ("" when there is none to show)."""
        if self.effective_default is not None:
            return self.effective_default
        if self.default is None or self.default == ():
            return ""
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        return str(self.default)

    @property
    def help_text(self) -> str:
        return self.help.replace("{default}", self.shown_default)

    @property
    def toml_types(self) -> tuple[type, ...]:
        """The TOML value types accepted for the key (``bool`` only where it is the type)."""
        base = {tuple: (list, str), float: (float, int)}.get(self.type, (self.type,))
        return base + self.also

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed (``"must be ..., got ..."``), or None if it is."""
        shown = repr(value) if isinstance(value, str) else str(value)
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}, got {shown}"
        if self.rule is not None and not self.rule[0](value):
            return f"{self.rule[1]}, got {shown}"
        return None


def setting(default: Any, **declaration: Any) -> Any:
    """An :class:`ExportSettings` field holding ``default``, declared by a :class:`Setting`."""
    return field(default=default, metadata={"setting": Setting(**declaration)})


@dataclass(frozen=True)
class ExportSettings:
    """Everything that decides what an export writes (``jobs`` and ``scheduler`` only
    decide how fast, and where).

    Fields declared with :func:`setting` are the settings (:data:`SETTINGS`), in the
    order ``--help`` lists them; ``card`` is the ``[card]`` table, for the card writer.
    None means "not given" (the export then uses ``effective_default``).
    """

    inputs: tuple[str, ...] = setting(
        (),
        argument=True,
        metavar="[INPUT]...",
        placeholder="INPUT...",
        path="file",
        help="",
        comment="Input files, folders or globs (.jsonl, .json, .parquet, .txt page dumps).",
        meaning="files, folders, globs",
        manifest=("inputs",),
    )
    out: str | None = setting(
        None,
        short="-o",
        placeholder="DIR",
        path="dir",
        help="Export folder DIR: a path, or a folder in a store (s3://BUCKET/NAME, gs://...).",
        comment="Export folder (a path or s3://BUCKET/NAME); rejects and report go beside it.",
        meaning="export folder",
        example="dataset",
    )
    schema: str | None = setting(
        None,
        placeholder="PATH",
        path="file",
        help="JSON schema of one record (default: the bundled article schema).",
        comment="JSON schema of one record (default: the bundled article schema).",
        meaning="JSON schema of one record (default: the bundled article schema); the "
        "Parquet columns are derived from it",
        example="article.schema.json",
        manifest=("config.schema",),
    )
    split: str | None = setting(
        None,
        metavar="NAME=RATIO,...",
        also=(dict,),
        effective_default=DEFAULT_SPLIT,
        help="Named splits and ratios, e.g. train=0.8,validation=0.1,test=0.1 "
        "[default: {default}].",
        comment="Named splits and their ratios (any names: train, validation, test, ...).",
        meaning="any named splits; ratios as fractions or percentages",
        example="train=0.9,test=0.1",
        manifest=("config.split.names", "config.split.ratios"),
    )
    split_by_date: str | None = setting(
        None,
        metavar="FIELD:CUTOFF[,CUTOFF...]",
        help="Temporal split, e.g. published_at:2024-01-01: earlier records go to the "
        "first split; undated ones too.",
        comment="Temporal split FIELD:CUTOFF[,CUTOFF...]: records before the cutoff go to the "
        "first split.",
        meaning="temporal split: before the first cutoff -> first split, and so on",
        example="published_at:2024-01-01",
        manifest=("config.split.by_date",),
    )
    stratify: str | None = setting(
        None,
        metavar="FIELD",
        help="Keep the ratios within each value.",
        comment="Keep the split ratios within each value of a field.",
        meaning="the ratios hold within each value of FIELD",
        example="source",
        manifest=("config.split.stratify",),
    )
    group_by: str | None = setting(
        None,
        metavar="FIELD",
        help="Keep all records sharing a value in one split.",
        comment="Keep all records sharing a value in one split.",
        meaning="records sharing a value of FIELD stay in one split",
        example="source",
        manifest=("config.split.key",),
    )
    seed: int = setting(
        0,
        placeholder="N",
        # The seed is written to the report, manifest and dataset-kit.toml, whose
        # integers (JSON as orjson writes it, TOML) are signed 64-bit.
        rule=(
            lambda value: _INT64[0] <= int(value) <= _INT64[1],
            f"must be a 64-bit signed integer (from {_INT64[0]} to {_INT64[1]})",
        ),
        help="Seed of the split hash [default: {default}].",
        comment="Seed of the split hash: another seed gives another (equally stable) split.",
        meaning="seed of the split hash",
        manifest=("config.seed", "config.split.seed"),
    )
    dedup: str = setting(
        "near",
        choices=("near", "exact", "off"),
        help="near: drop exact copies and cluster near-duplicates; exact: only drop "
        "copies; off: keep everything [default: {default}].",
        comment="Deduplication: near (exact copies dropped, near-duplicates clustered), "
        "exact, off.",
        meaning="see below",
        manifest=("config.dedup.mode",),
    )
    near_threshold: float = setting(
        0.8,
        placeholder="X",
        rule=(lambda value: 0.0 < float(value) < 1.0, "must be between 0 and 1 (exclusive)"),
        help="Similarity from which texts are near-duplicates [default: {default}].",
        comment="Similarity (estimated Jaccard of 5-word shingles) from which texts are "
        "near-duplicates.",
        meaning="similarity from which two texts are near-duplicates",
        manifest=("config.dedup.threshold",),
    )
    near_keep: str = setting(
        "cluster",
        choices=("cluster", "one"),
        help="cluster: keep each near-duplicate cluster whole in one split; one: keep "
        "only its representative [default: {default}].",
        comment="cluster: keep every near-duplicate, each cluster whole in one split; one: "
        "keep one\nrepresentative per cluster.",
        meaning="keep clusters whole in one split, or keep one representative",
        manifest=("config.dedup.near_keep",),
    )
    max_shard_size: str = setting(
        "500MB",
        metavar="SIZE",
        also=(int,),
        help="Largest shard, e.g. 500MB, 2GB, 256MiB; planned from uncompressed Arrow "
        "sizes, so shards on disk are smaller [default: {default}].",
        comment="Largest Parquet shard (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024);\n"
        "planned from uncompressed Arrow sizes, so shards on disk are smaller.",
        meaning="largest shard (`MB` = 10^6 bytes, `MiB` = 2^20), planned from uncompressed "
        "Arrow sizes as `datasets`' `max_shard_size` is: no shard exceeds it on disk, most "
        "are smaller",
        manifest=("config.max_shard_size",),
    )
    timezone: str | None = setting(
        None,
        metavar="TZ",
        help="For .txt page dumps: " + TIMEZONE_HELP,
        comment="For .txt page dumps: IANA zone of times a page gives without one.",
        meaning="for `.txt` page dumps: IANA zone of times a page gives without one "
        "(without it such dates keep only the day)",
        example="Europe/Berlin",
        manifest=("config.page_dumps.timezone",),
    )
    source: str | None = setting(
        None,
        metavar="NAME",
        help="For .txt page dumps: publisher name for every record.",
        comment="For .txt page dumps: publisher name for every record.",
        meaning="for `.txt` page dumps: publisher name for every record",
        example="NAME",
        manifest=("config.page_dumps.source",),
    )
    work_dir: str | None = setting(
        None,
        metavar="DIR",
        path="dir",
        help="Where the spill and row plans go while exporting: a folder or an fsspec URL "
        "(s3://...); a run-specific folder in it is removed at the end [default: beside "
        "--out].",
        comment="Folder or fsspec URL (s3://...) for the export's temporary spill; default: "
        "beside --out.",
        meaning="where the temporary spill and row plans go (a folder or an fsspec URL such "
        "as `s3://bucket/tmp`); a run-specific folder inside it is removed at the end, also "
        "on failure; default: inside the staged output beside `--out`",
        example="/scratch/dataset-kit",
    )
    jobs: int = setting(
        1,
        short="-j",
        placeholder="N",
        help=JOBS_HELP + " [default: {default}]",
        comment="Worker processes (0 or less = one per CPU; capped at the CPUs and the tasks);"
        "\nthe output is the same for any value.",
        meaning="worker processes (0 or negative = one per CPU); never more than the CPUs "
        "the process may use (a note says so) or the tasks; output identical for any N",
    )
    scheduler: str | None = setting(
        None,
        metavar="ADDR|local",
        placeholder="ADDR",
        envvar="DASK_SCHEDULER_ADDRESS",
        help=SCHEDULER_HELP,
        comment="Run the tasks on a Dask cluster: its scheduler's address (tcp://HOST:8786),"
        "\nor local for a LocalCluster of `jobs` workers (DASK_SCHEDULER_ADDRESS overrides it).",
        meaning="run on the Dask cluster at ADDR, or `local` for a LocalCluster of `--jobs` "
        "workers; `DASK_SCHEDULER_ADDRESS` when the flag is not given (it overrides the "
        "config key); output identical",
        example="tcp://scheduler:8786",
    )
    allow_empty: bool = setting(
        False,
        help="Let an export with no valid records replace an earlier export that has "
        "some (refused otherwise).",
        comment="true: an export with no valid records may replace an earlier one that has some.",
        meaning="let an export with no valid records replace an earlier export that has "
        "some (refused otherwise, exit 1)",
    )
    card: Mapping[str, Any] = field(default_factory=dict)

    def with_overrides(self, **overrides: Any) -> ExportSettings:
        """A copy with the given settings replaced; None means "not given"."""
        given = {key: value for key, value in overrides.items() if value is not None}
        if "inputs" in given:
            given["inputs"] = tuple(given["inputs"])
            if not given["inputs"]:
                del given["inputs"]
        return replace(self, **given)

    def check(self) -> ExportSettings:
        """Raise :class:`DatasetKitError` for a setting out of range; return self."""
        for declared in SETTINGS:
            problem = declared.problem(getattr(self, declared.name))
            if problem is not None:
                raise DatasetKitError(f"{declared.name} {problem}")
        self.page_options().check()
        if self.stratify and self.split_by_date:
            raise DatasetKitError(
                "--stratify and --split-by-date cannot be combined: a temporal split "
                "assigns by date, not by ratio"
            )
        return self

    def ignored(self) -> list[str]:
        """Settings given that this combination does not use, each as a sentence: the
        export runs without them, and saying so beats a silent surprise."""
        notes = []
        if self.split_by_date and self.split and "=" in str(self.split):
            notes.append(
                "--split ratios are not used with --split-by-date: the cutoffs decide each "
                "record's split, and --split only names the splits"
            )
        if self.dedup != "near":
            if self.near_keep != BY_NAME["near_keep"].default:
                notes.append(f"--near-keep has no effect with --dedup {self.dedup}")
            if self.near_threshold != BY_NAME["near_threshold"].default:
                notes.append(f"--near-threshold has no effect with --dedup {self.dedup}")
        return notes

    def page_options(self) -> PageOptions:
        """How ``.txt`` page dumps among the inputs are ingested."""
        return PageOptions(timezone=self.timezone, source=self.source)


def _declared() -> tuple[Setting, ...]:
    """The declarations, completed with each field's name, type and default."""
    hints = typing.get_type_hints(ExportSettings)
    found = []
    for item in fields(ExportSettings):
        if "setting" not in item.metadata:
            continue
        # `str | None` is a str setting that may be "not given"; `tuple[str, ...]` paths.
        kind = typing.get_origin(hints[item.name]) or hints[item.name]
        args = [a for a in typing.get_args(hints[item.name]) if a is not type(None)]
        value_type = kind if kind is tuple or not args else args[0]
        found.append(
            replace(item.metadata["setting"], name=item.name, type=value_type, default=item.default)
        )
    return tuple(found)


SETTINGS: tuple[Setting, ...] = _declared()
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


# --------------------------------------------------------------------------- docs table


def docs_table(settings: Sequence[Setting] = SETTINGS) -> str:
    """The Markdown table of the settings in docs/export.md, one row per setting."""
    rows = ["| flag | config key | default | meaning |", "|---|---|---|---|"]
    for item in settings:
        cells = (_docs_flag(item), _docs_key(item), _docs_default(item), item.meaning)
        rows.append("|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|")
    return "\n".join(rows) + "\n"


def _docs_flag(item: Setting) -> str:
    if item.argument:
        return f"`{item.placeholder}`"
    shown = item.placeholder or item.metavar or "\\|".join(item.choices)
    return f"`{item.flag} {shown}`" if item.type is not bool else f"`{item.flag}`"


_TOML_NAMES = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "list",
    dict: "table",
}


def _docs_key(item: Setting) -> str:
    """The key, and the TOML forms it takes when there are several."""
    forms = [_TOML_NAMES[t] for t in item.toml_types if not (t is int and float in item.toml_types)]
    return f"`{item.name}`" + (f" ({' or '.join(forms)})" if len(forms) > 1 else "")


def _docs_default(item: Setting) -> str:
    shown = item.shown_default
    if isinstance(item.default, (bool, int, float)) or not shown:
        return shown
    return f"`{shown}`"


def replace_docs_table(text: str, table: str | None = None) -> str:
    """``text`` (docs/export.md) with the block between the marker comments replaced."""
    table = docs_table() if table is None else table
    start = text.index(DOCS_BEGIN) + len(DOCS_BEGIN)
    end = text.index(DOCS_END, start)
    return text[:start] + "\n" + table + text[end:]


def docs_block(text: str) -> str:
    """The table text between the marker comments of docs/export.md."""
    start = text.index(DOCS_BEGIN) + len(DOCS_BEGIN)
    return text[start : text.index(DOCS_END, start)].lstrip("\n")


def main(argv: Sequence[str] = ()) -> int:
    """``python -m dataset_kit.settings docs/export.md``: rewrite the table in place."""
    for name in argv or ["docs/export.md"]:
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        path.write_text(replace_docs_table(text), encoding="utf-8")
        print(f"Rewrote the settings table in {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
