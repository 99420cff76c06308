"""The input formats: one module per format, each declaring a :class:`Reader`, and
the registry that maps a file to its reader by its suffixes.

Adding a format is one module that defines ``READER`` and one line in ``READERS``.
"""

from __future__ import annotations

from pathlib import Path

from . import json, jsonl, pages, parquet
from .base import Reader, Source

READERS: tuple[Reader, ...] = (jsonl.READER, json.READER, parquet.READER, pages.READER)

SUPPORTED_DESCRIPTION = (
    ".jsonl, .ndjson (also .gz or .zst compressed), .json, .parquet, .txt page dumps"
)

__all__ = ["READERS", "SUPPORTED_DESCRIPTION", "Reader", "Source", "input_kind", "reader_for"]


def reader_for(path: Path) -> Reader | None:
    """The reader of ``path``, chosen by its suffixes, or None when unsupported."""
    for reader in READERS:
        if reader.matches(path):
            return reader
    return None


def input_kind(path: Path) -> str | None:
    """The name of the reader of ``path`` (``"jsonl"``, ``"txt"``, ...), or None."""
    reader = reader_for(path)
    return reader.name if reader is not None else None
