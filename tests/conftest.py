"""Shared pytest fixtures: a CLI runner and small corpus writers."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

# The S3 server fixtures (moto on 127.0.0.1) for the object-store tests.
from tests.s3_fixtures import moto_endpoint, s3  # noqa: F401

# Set before any test module imports huggingface_hub or datasets, which read these at
# import time: no telemetry (it would go to the real Hub), no Xet (the local test Hub
# speaks Git LFS), and datasets never looks anything up online.
for _key, _value in {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_XET": "1",
    "HF_DATASETS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
}.items():
    os.environ.setdefault(_key, _value)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def article(n: int, **overrides: object) -> dict:
    """A valid article record numbered ``n``; overrides replace or add fields."""
    record = {
        "id": f"a{n:05d}",
        "title": f"Headline number {n}",
        "text": f"Body of article {n}. It has a few sentences.\n\nAnd a second paragraph.",
        "url": f"https://news.example.org/{n}",
        "source": "Example News",
        "authors": ["Jane Doe"],
        "published_at": "2023-04-18T06:12:00+00:00",
        "language": "en",
    }
    record.update(overrides)
    return record


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    """Write records (dicts, or raw bytes/str lines) as a JSONL file under tmp_path."""

    def write(name: str, rows: list, *, newline: bytes = b"\n") -> Path:
        path = tmp_path / name
        lines = []
        for row in rows:
            if isinstance(row, bytes):
                lines.append(row)
            elif isinstance(row, str):
                lines.append(row.encode("utf-8"))
            else:
                lines.append(json.dumps(row).encode("utf-8"))
        path.write_bytes(b"".join(line + newline for line in lines))
        return path

    return write
