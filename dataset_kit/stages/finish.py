"""What the export does around the swap: the inputs' checksums, room for the shards,
never an empty export over a good one, and the user's files carried over.

The swap itself (the staged folder, rejects and report renamed into place as one
journaled step) is :func:`dataset_kit.atomic.atomic_set`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

from ..errors import DatasetKitError, RefusedError, printable
from ..manifest import load_manifest, manifest_path
from ..readers.base import open_input
from ..storage import AnyPath, is_remote, store_faults

# What an export writes into DIR; anything else in an earlier DIR is the user's.
EXPORT_OWNED = frozenset({"data", "README.md", "assets", "croissant.json", ".dataset-kit"})


class InputHasher(threading.Thread):
    """sha256 and size of every input, computed beside the export (hashlib releases the GIL)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        super().__init__(daemon=True)
        self.paths = list(paths)
        self.digests: dict[str, tuple[int, str]] = {}
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for path in self.paths:
                digest = hashlib.sha256()
                size = 0
                with store_faults(path), open_input(path) as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                        size += len(block)
                self.digests[str(path)] = (size, digest.hexdigest())
        except BaseException as exc:  # pragma: no cover - reported by the caller
            self.error = exc


def require_free_space(tmp: Path, spill_dir: Path) -> None:
    """Refuse to write the shards unless the disk has room for them.

    Arrow aborts the whole process (``Check failed``, no cleanup) when the disk fills
    while a shard is written, so this is checked before. The shards hold the spilled
    records re-encoded and compressed, so the spill's size bounds what they need.
    """
    if is_remote(tmp) or is_remote(spill_dir):
        return  # a store has no "disk full" that aborts Arrow, nor a way to ask
    needed = sum(p.stat().st_size for p in spill_dir.rglob("*") if p.is_file())
    free = shutil.disk_usage(tmp).free
    if free < needed:
        raise DatasetKitError(
            f"not enough disk space for the shards in {printable(tmp.parent)}: "
            f"{_megabytes(free)} free, {_megabytes(needed)} needed; free some space "
            "(or export to another disk) and run again"
        )


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def refuse_empty(written: int, out_dir: Path, allow_empty: bool) -> None:
    """Refuse to replace an earlier export that has records with one that has none:
    an input that went missing or a schema that rejects everything would otherwise
    wipe a good dataset. ``allow_empty`` (``--allow-empty``) says it is meant."""
    if written or allow_empty or not manifest_path(out_dir).is_file():
        return
    try:
        earlier = int(load_manifest(out_dir).counts.get("written", 0))
    except DatasetKitError:
        earlier = 0
    if earlier:
        raise RefusedError(
            f"--out {out_dir}: this export has no valid records, and the earlier export "
            f"there has {earlier:,}; it was left as it was. Pass --allow-empty to replace it "
            "with an empty one"
        )


def carry_over(out_dir: Path, new: Path) -> list[str]:
    """Copy what a user added to the earlier ``out_dir`` (a LICENSE, a folder of notes)
    into the new export ``new``; return their names, folders with a trailing ``/``.

    Copied, not moved, so that the earlier ``DIR`` stays whole until the swap (in a
    store, copied server side).
    """
    if not out_dir.is_dir():
        return []
    if is_remote(out_dir):
        return _carry_over_objects(out_dir, new)
    kept = []
    for entry in sorted(out_dir.iterdir(), key=lambda p: p.name):
        if entry.name in EXPORT_OWNED or os.path.lexists(new / entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True)
            kept.append(entry.name + "/")
        else:
            shutil.copy2(entry, new / entry.name, follow_symlinks=False)
            kept.append(entry.name)
    return kept


def _carry_over_objects(out_dir: AnyPath, new: AnyPath) -> list[str]:
    """:func:`carry_over` in a store: the objects and prefixes the user added."""
    fs = out_dir.fs
    kept = []
    for entry in sorted(out_dir.iterdir(), key=lambda p: p.name):
        if entry.name in EXPORT_OWNED or (new / entry.name).exists():
            continue
        if entry.is_dir():
            fs.copy(entry.path.rstrip("/") + "/", (new / entry.name).path, recursive=True)
            kept.append(entry.name + "/")
        else:
            fs.copy(entry.path, (new / entry.name).path)
            kept.append(entry.name)
    return kept
