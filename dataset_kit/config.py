"""Export settings, and the ``dataset-kit.toml`` file that records them.

``dataset-kit init`` writes ``dataset-kit.toml`` with every export setting spelled
out, so that ``dataset-kit export`` (which reads ``./dataset-kit.toml`` by itself, or
the file named with ``--config``) reruns the same export exactly. Settings come
from three layers, later ones winning: the defaults, the config file, the flags.

The file has an ``[export]`` table with one key per flag (``split``,
``split_by_date``, ``stratify``, ``group_by``, ``seed``, ``dedup``,
``near_threshold``, ``near_keep``, ``max_shard_size``, ``timezone``, ``source``,
``jobs``, ``allow_empty``, ``schema``, plus
``inputs`` and ``out``; relative paths are relative to the file's folder) and a
``[card]`` table that is handed unchanged to the dataset card writer. Other tables
belong to other commands and are ignored here; an unknown key in ``[export]`` is an
error, so a misspelt setting is never silently dropped.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import DatasetKitError
from .reading import PageOptions
from .tomlfile import read_toml

CONFIG_NAME = "dataset-kit.toml"
DEDUP_MODES = ("near", "exact", "off")
NEAR_KEEP_MODES = ("cluster", "one")


@dataclass(frozen=True)
class ExportSettings:
    """Everything that decides what an export writes (``jobs`` only decides how fast)."""

    inputs: tuple[str, ...] = ()
    out: str | None = None
    schema: str | None = None
    split: str | None = None
    split_by_date: str | None = None
    stratify: str | None = None
    group_by: str | None = None
    seed: int = 0
    dedup: str = "near"
    near_threshold: float = 0.8
    near_keep: str = "cluster"
    max_shard_size: str = "500MB"
    timezone: str | None = None
    source: str | None = None
    jobs: int = 1
    allow_empty: bool = False
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
        if self.dedup not in DEDUP_MODES:
            raise DatasetKitError(
                f"dedup must be one of {', '.join(DEDUP_MODES)}, got {self.dedup!r}"
            )
        if self.near_keep not in NEAR_KEEP_MODES:
            raise DatasetKitError(
                f"near_keep must be one of {', '.join(NEAR_KEEP_MODES)}, got {self.near_keep!r}"
            )
        if not 0.0 < float(self.near_threshold) < 1.0:
            raise DatasetKitError(
                f"near_threshold must be between 0 and 1 (exclusive), got {self.near_threshold}"
            )
        if not -(2**63) <= int(self.seed) < 2**63:
            # The seed is written to the report, manifest and dataset-kit.toml, whose
            # integers (JSON as orjson writes it, TOML) are signed 64-bit.
            raise DatasetKitError(
                f"seed must be a 64-bit signed integer (from {-(2**63)} to {2**63 - 1}), "
                f"got {self.seed}"
            )
        self.page_options().check()
        if self.stratify and self.split_by_date:
            raise DatasetKitError(
                "--stratify and --split-by-date cannot be combined: a temporal split "
                "assigns by date, not by ratio"
            )
        return self

    def page_options(self) -> PageOptions:
        """How ``.txt`` page dumps among the inputs are ingested."""
        return PageOptions(timezone=self.timezone, source=self.source)


_KEYS = {f.name for f in fields(ExportSettings)} - {"card"}
_TYPES: dict[str, tuple[type, ...]] = {
    "inputs": (list, str),
    "out": (str,),
    "schema": (str,),
    "split": (str, dict),
    "split_by_date": (str,),
    "stratify": (str,),
    "group_by": (str,),
    "seed": (int,),
    "dedup": (str,),
    "near_threshold": (float, int),
    "near_keep": (str,),
    "max_shard_size": (str, int),
    "timezone": (str,),
    "source": (str,),
    "jobs": (int,),
    "allow_empty": (bool,),
}


def load_config(path: str | os.PathLike[str]) -> ExportSettings:
    """Read a ``dataset-kit.toml``; clear errors name the file and the key."""
    config_path = Path(path)
    document = read_toml(config_path)
    export = document.get("export", {})
    card = document.get("card", {})
    if not isinstance(export, dict):
        raise DatasetKitError(f"{config_path}: [export] must be a table")
    if not isinstance(card, dict):
        raise DatasetKitError(f"{config_path}: [card] must be a table")
    values: dict[str, Any] = {}
    for key, value in export.items():
        name = key.replace("-", "_")
        if name not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise DatasetKitError(f"{config_path}: unknown setting [export].{key} (known: {known})")
        # bool is an int in Python: refuse `jobs = true`, accept `allow_empty = true`.
        wrong_bool = isinstance(value, bool) and bool not in _TYPES[name]
        if wrong_bool or not isinstance(value, _TYPES[name]):
            raise DatasetKitError(
                f"{config_path}: [export].{key} has the wrong type ({type(value).__name__})"
            )
        values[name] = value
    base = config_path.resolve().parent
    if "inputs" in values:
        items = values["inputs"]
        items = [items] if isinstance(items, str) else items
        if not all(isinstance(item, str) for item in items):
            raise DatasetKitError(f"{config_path}: [export].inputs must be a list of paths")
        values["inputs"] = tuple(_relative_to(base, item) for item in items)
    for key in ("out", "schema"):
        if key in values:
            values[key] = _relative_to(base, values[key])
    if isinstance(values.get("split"), dict):
        values["split"] = ",".join(f"{name}={ratio}" for name, ratio in values["split"].items())
    if isinstance(values.get("max_shard_size"), int):
        values["max_shard_size"] = str(values["max_shard_size"])
    if "near_threshold" in values:
        values["near_threshold"] = float(values["near_threshold"])
    return ExportSettings(**values, card=card)


def _relative_to(base: Path, value: str) -> str:
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    # Keep globs as text: joining is enough, and Path.resolve would not expand them.
    return os.path.relpath(base / path) if _is_inside_cwd(base / path) else str(base / path)


def _is_inside_cwd(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return False
    return True


def find_config(explicit: str | os.PathLike[str] | None) -> Path | None:
    """The config file to use: the one given, else ``./dataset-kit.toml`` if present."""
    if explicit is not None:
        return Path(explicit)
    default = Path(CONFIG_NAME)
    return default if default.is_file() else None


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def render_config(settings: ExportSettings, base: Path | None = None) -> str:
    """The text of a ``dataset-kit.toml`` holding ``settings`` (paths relative to ``base``)."""

    def path_text(value: str) -> str:
        # Relative to the file even outside its folder ("../data/*.jsonl"): the folder
        # with its settings can then be moved or shared as a whole, and no path of
        # the machine that wrote it ends up in a file that may be published.
        if base is None:
            return value
        try:
            return os.path.relpath(value, base)
        except ValueError:  # pragma: no cover - other drive on Windows
            return value

    def optional(key: str, value: str | None, comment: str, example: str) -> list[str]:
        lines = [f"# {comment}"]
        if value is None:
            lines.append(f"# {key} = {_toml_string(example)}")
        else:
            lines.append(f"{key} = {_toml_string(value)}")
        return lines

    lines = [
        "# dataset-kit settings: `dataset-kit export` reads this file from the current folder",
        "# (or the one named with --config); flags given on the command line win over it.",
        "# Paths are relative to this file's folder.",
        "",
        "[export]",
        "# Input files, folders or globs (.jsonl, .json, .parquet, .txt page dumps).",
        "inputs = [" + ", ".join(_toml_string(path_text(p)) for p in settings.inputs) + "]",
    ]
    # key, value (None: not set), what it is, an example to show commented out
    optional_settings = [
        (
            "out",
            path_text(settings.out) if settings.out else None,
            "Export folder; rejects and report are written beside it.",
            "dataset",
        ),
        (
            "schema",
            path_text(settings.schema) if settings.schema else None,
            "JSON schema of one record (default: the bundled article schema).",
            "article.schema.json",
        ),
        (
            "split",
            settings.split,
            "Named splits and their ratios (any names: train, validation, test, ...).",
            "train=0.9,test=0.1",
        ),
        (
            "split_by_date",
            settings.split_by_date,
            "Temporal split FIELD:CUTOFF[,CUTOFF...]: records before the cutoff go to the "
            "first split.",
            "published_at:2024-01-01",
        ),
        (
            "stratify",
            settings.stratify,
            "Keep the split ratios within each value of a field.",
            "source",
        ),
        ("group_by", settings.group_by, "Keep all records sharing a value in one split.", "source"),
        (
            "timezone",
            settings.timezone,
            "For .txt page dumps: IANA zone of times a page gives without one.",
            "Europe/Berlin",
        ),
        (
            "source",
            settings.source,
            "For .txt page dumps: publisher name for every record.",
            "NAME",
        ),
    ]
    for key, value, comment, example in optional_settings:
        lines += optional(key, value, comment, example)
    lines += [
        "# Seed of the split hash: another seed gives another (equally stable) split.",
        f"seed = {int(settings.seed)}",
        "# Deduplication: near (exact copies dropped, near-duplicates clustered), exact, off.",
        f"dedup = {_toml_string(settings.dedup)}",
        "# Similarity (estimated Jaccard of 5-word shingles) from which texts are near-duplicates.",
        f"near_threshold = {float(settings.near_threshold)!r}",
        "# cluster: keep every near-duplicate, each cluster whole in one split; one: keep one",
        "# representative per cluster.",
        f"near_keep = {_toml_string(settings.near_keep)}",
        "# Largest Parquet shard on disk (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024).",
        f"max_shard_size = {_toml_string(str(settings.max_shard_size))}",
        "# Worker processes (0 or less = one per CPU; capped at the CPUs and the tasks);",
        "# the output is the same for any value.",
        f"jobs = {int(settings.jobs)}",
        "# true: an export with no valid records may replace an earlier one that has some.",
        f"allow_empty = {'true' if settings.allow_empty else 'false'}",
        "",
        "[card]",
        "# Settings for the dataset card (README.md) written into the export folder; this",
        "# table is passed unchanged to the card writer.",
    ]
    for key, value in settings.card.items():
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
        )
    raise DatasetKitError(f"cannot write {value!r} to TOML")
