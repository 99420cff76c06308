"""Builders and fixtures shared by the publish tests.

:func:`write_export` writes a small but complete export folder the way ``export`` and
``card`` lay it out (Parquet shards under ``data/``, a PNG under ``assets/``,
``croissant.json``, a README.md with YAML metadata, and the manifest from
:mod:`dataset_kit.manifest`), so publishing can be tested before and independently of
the real ``export`` command.
"""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from dataset_kit.manifest import FileEntry, Manifest, SplitEntry, describe_file, write_manifest

SCHEMA = pa.schema([("id", pa.string()), ("title", pa.string()), ("text", pa.string())])


def rows(start: int, count: int) -> list[dict[str, str]]:
    return [
        {"id": f"a{n:05d}", "title": f"Headline {n}", "text": f"Body of article {n}. " * 20}
        for n in range(start, start + count)
    ]


def png(width: int, height: int, shade: int) -> bytes:
    """A valid grayscale PNG, so the asset is real binary content."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\0" + bytes([shade]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def card_metadata(splits: dict[str, list[list[dict]]], **overrides: Any) -> dict[str, Any]:
    total = sum(len(shard) for shards in splits.values() for shard in shards)
    metadata: dict[str, Any] = {
        "license": "cc-by-4.0",
        "language": ["en"],
        "task_categories": ["text-generation"],
        "size_categories": ["n<1K" if total < 1000 else "1K<n<10K"],
        "pretty_name": "Test News",
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": name, "path": f"data/{name}-*"} for name in splits],
            }
        ],
        "dataset_info": {
            "features": [{"name": c, "dtype": "string"} for c in SCHEMA.names],
            "splits": [
                {"name": name, "num_examples": sum(len(s) for s in shards)}
                for name, shards in splits.items()
            ],
        },
    }
    metadata.update(overrides)
    return {k: v for k, v in metadata.items() if v is not None}


def write_export(
    root: Path,
    splits: dict[str, list[list[dict]]],
    *,
    metadata: dict[str, Any] | None = None,
    body: str = "# Test News\n\nA small news dataset for tests.\n",
    assets: dict[str, bytes] | None = None,
    croissant: bool = True,
) -> Path:
    """Write a complete export under ``root`` (replacing what was there) and its manifest."""
    if root.exists():
        shutil.rmtree(root)
    (root / "data").mkdir(parents=True)
    entries: list[FileEntry] = []
    split_entries: dict[str, SplitEntry] = {}
    for name, shards in splits.items():
        paths = []
        for index, shard in enumerate(shards):
            relative = f"data/{name}-{index:05d}-of-{len(shards):05d}.parquet"
            pq.write_table(pa.Table.from_pylist(shard, schema=SCHEMA), root / relative)
            entries.append(describe_file(root, relative, "data", split=name, rows=len(shard)))
            paths.append(relative)
        split_entries[name] = SplitEntry(rows=sum(len(s) for s in shards), num_bytes=0, files=paths)
    for name, data in (assets if assets is not None else {"sizes.png": png(8, 4, 90)}).items():
        (root / "assets").mkdir(exist_ok=True)
        (root / "assets" / name).write_bytes(data)
        entries.append(describe_file(root, f"assets/{name}", "asset"))
    if croissant:
        document = {"@type": "sc:Dataset", "name": "test-news", "splits": sorted(splits)}
        (root / "croissant.json").write_text(json.dumps(document, indent=2) + "\n")
        entries.append(describe_file(root, "croissant.json", "metadata"))
    meta = metadata if metadata is not None else card_metadata(splits)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    (root / "README.md").write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    entries.append(describe_file(root, "README.md", "card"))
    total = sum(s.rows for s in split_entries.values())
    manifest = Manifest(
        counts={"read": total, "written": total, "rejected": 0, "duplicates": 0},
        splits=split_entries,
        files=sorted(entries, key=lambda f: (f.role != "data", f.path)),
    )
    write_manifest(root, manifest)
    return root


def local_files(root: Path) -> dict[str, bytes]:
    """The publishable files of an export, as the Hub should end up holding them."""
    out = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not relative.startswith(".dataset-kit/"):
            out[relative] = path.read_bytes()
    return out
