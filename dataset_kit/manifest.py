"""The export manifest: what an exported dataset folder holds, and how it was made.

An export folder ``DIR`` holds only what belongs on the Hub (``data/``, ``README.md``,
``assets/``, ``croissant.json``) plus one hidden file, ``DIR/.dataset-kit/manifest.json``.
The manifest lives inside ``DIR`` so that it is renamed into place in the same step
as the shards it describes and can never disagree with them; the Hub and
``datasets.load_dataset`` ignore hidden folders, and ``publish`` never uploads it
(it names local input paths).

It records the inputs (path, size, sha256, records read), the effective config,
tool versions, the counts (read = written + rejected + duplicates dropped), each split
and every publishable file with its size and sha256. ``card`` adds the files it
writes; ``publish`` checks the folder against it before sending anything. It holds no
timestamps, so the same input and config give a byte-identical manifest.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .atomic import atomic_write_bytes
from .errors import DatasetKitError
from .storage import AnyPath, as_path, open_input

MANIFEST_RELATIVE_PATH = ".dataset-kit/manifest.json"
MANIFEST_FORMAT = 1


@dataclass
class FileEntry:
    """One publishable file, by its path relative to the export folder (``/`` separated).

    ``role`` is ``data`` (a Parquet shard), ``card`` (README.md), ``asset`` (a chart
    under assets/) or ``metadata`` (croissant.json). ``split`` and ``rows`` are set
    for shards only.
    """

    path: str
    role: str
    bytes: int
    sha256: str
    split: str | None = None
    rows: int | None = None


@dataclass
class SplitEntry:
    """Rows and uncompressed Arrow bytes of one split, and its shard paths in order."""

    rows: int
    num_bytes: int
    files: list[str]


@dataclass
class InputEntry:
    """One input file: path as given, size and sha256 of its bytes, records read from it."""

    path: str
    bytes: int
    sha256: str
    records: int


@dataclass
class Manifest:
    """Everything an export wrote and how: see the module docstring."""

    counts: dict[str, int]
    splits: dict[str, SplitEntry]
    files: list[FileEntry]
    inputs: list[InputEntry] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    tool_versions: dict[str, str] = field(default_factory=dict)
    dedup: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    ingest: dict[str, Any] = field(default_factory=dict)
    format: int = MANIFEST_FORMAT

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            counts=dict(data["counts"]),
            splits={name: SplitEntry(**entry) for name, entry in data["splits"].items()},
            files=[FileEntry(**entry) for entry in data["files"]],
            inputs=[InputEntry(**entry) for entry in data.get("inputs", [])],
            config=data.get("config", {}),
            tool_versions=data.get("tool_versions", {}),
            dedup=data.get("dedup", {}),
            validation=data.get("validation", {}),
            ingest=data.get("ingest", {}),
            format=data.get("format", MANIFEST_FORMAT),
        )

    def data_files(self, split: str | None = None) -> list[FileEntry]:
        """Shard entries, in split order then shard order, optionally of one split."""
        return [f for f in self.files if f.role == "data" and (split is None or f.split == split)]

    def set_file(self, entry: FileEntry) -> None:
        """Add ``entry``, replacing any entry with the same path; keep paths sorted."""
        self.files = sorted(
            [f for f in self.files if f.path != entry.path] + [entry],
            key=lambda f: (f.role != "data", f.path),
        )

    def drop_files(self, role: str) -> None:
        self.files = [f for f in self.files if f.role != role]


def manifest_path(export_dir: str | os.PathLike[str]) -> AnyPath:
    """Where the manifest of the export ``export_dir`` (a folder or a URL) is."""
    return as_path(export_dir) / MANIFEST_RELATIVE_PATH


def load_manifest(export_dir: str | os.PathLike[str]) -> Manifest:
    """Read ``DIR/.dataset-kit/manifest.json``; a clear error when it is missing or bad."""
    path = manifest_path(export_dir)
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise DatasetKitError(
            f"{export_dir}: not a dataset-kit export (no {MANIFEST_RELATIVE_PATH}); "
            "run `dataset-kit export ... --out DIR` first"
        ) from exc
    except orjson.JSONDecodeError as exc:
        raise DatasetKitError(f"{path}: manifest is not valid JSON: {exc}") from exc
    try:
        return Manifest.from_dict(data)
    except (KeyError, TypeError) as exc:
        raise DatasetKitError(f"{path}: manifest is incomplete or malformed ({exc})") from exc


def write_manifest(export_dir: str | os.PathLike[str], manifest: Manifest) -> Path:
    """Write the manifest atomically and return its path."""
    path = manifest_path(export_dir)
    atomic_write_bytes(path, manifest.to_json())
    return path


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open_input(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_file(export_dir: AnyPath, relative: str, role: str, **extra: Any) -> FileEntry:
    """A :class:`FileEntry` for ``export_dir/relative`` with its real size and sha256."""
    path = export_dir / relative
    return FileEntry(
        path=relative, role=role, bytes=path.stat().st_size, sha256=sha256_file(path), **extra
    )


def verify_files(export_dir: str | os.PathLike[str], manifest: Manifest) -> list[str]:
    """Problems found comparing the folder with the manifest; empty when they agree."""
    root = as_path(export_dir)
    problems = []
    for entry in manifest.files:
        path = root / entry.path
        if not path.is_file():
            problems.append(f"{entry.path}: listed in the manifest but missing")
            continue
        size = path.stat().st_size
        if size != entry.bytes:
            problems.append(f"{entry.path}: {size} bytes on disk, manifest says {entry.bytes}")
        elif sha256_file(path) != entry.sha256:
            problems.append(f"{entry.path}: sha256 differs from the manifest (file changed)")
    listed = {entry.path for entry in manifest.files}
    data_dir = root / "data"
    if data_dir.is_dir():
        for path in sorted(data_dir.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and relative not in listed:
                problems.append(f"{relative}: in data/ but not in the manifest")
    return problems
