"""Build export folders for the card, stats and Croissant tests.

Until the tests can run the real ``dataset-kit export``, this writes what the export
contract promises: ``DIR/data/{split}-{i:05d}-of-{n:05d}.parquet`` shards (zstd) with
the article columns plus ``cluster_id``, and ``DIR/.dataset-kit/manifest.json`` with
the shards, counts, dedup, validation and ingest sections.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dataset_kit.manifest import Manifest, SplitEntry, describe_file, write_manifest

ARTICLE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("url", pa.string()),
        ("source", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("published_at", pa.string()),
        ("modified_at", pa.string()),
        ("language", pa.string()),
        ("source_file", pa.string()),
        ("word_count", pa.int64()),
        ("furniture_lines", pa.int64()),
        ("furniture_ratio", pa.float64()),
        ("removed_lines", pa.list_(pa.string())),
        ("cluster_id", pa.string()),
    ]
)

SOURCES = ["Kyiv Independent", "Example News", "Daily Planet", None]
LANGUAGES = ["en", "en", "en", "de", "pt-BR", None]
WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
]


def make_articles(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` varied, schema-valid articles (some without source/date/language)."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 400))]
        month = 1 + (n * 7) % 12
        day = 1 + (n * 11) % 28
        year = 2021 + (n % 3)
        published: str | None
        if n % 9 == 4:
            published = None
        elif n % 5 == 0:
            published = f"{year}-{month:02d}-{day:02d}"
        else:
            published = f"{year}-{month:02d}-{day:02d}T{n % 24:02d}:15:00+02:00"
        rows.append(
            {
                "id": f"art-{n:06d}",
                "title": f"Headline {n}: {' '.join(words[:5])}",
                "text": " ".join(words) + ("\n\nÜnïcödé paragraph." if n % 4 == 0 else ""),
                "url": f"https://news.example.org/{n}" if n % 6 else None,
                "source": SOURCES[n % len(SOURCES)],
                "authors": [f"Author {n % 5}"] if n % 3 else [],
                "published_at": published,
                "modified_at": None,
                "language": LANGUAGES[n % len(LANGUAGES)],
                "source_file": f"pages/{n:06d}.txt",
                "word_count": len(words),
                "furniture_lines": n % 13,
                "furniture_ratio": round((n % 13) / 40, 4),
                "removed_lines": None,
                "cluster_id": f"c{n // 2:06d}" if n % 10 < 2 else None,
            }
        )
    return rows


def write_export(
    root: Path,
    splits: dict[str, Iterable[dict[str, Any]] | pa.Table],
    *,
    shards: dict[str, int] | None = None,
    row_group_size: int | None = None,
    schema: pa.Schema = ARTICLE_SCHEMA,
    manifest_extra: dict[str, Any] | None = None,
) -> Manifest:
    """Write shards for each split and a manifest describing them; return the manifest."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    files = []
    split_entries = {}
    total = 0
    for split, rows in splits.items():
        table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(list(rows), schema)
        count = (shards or {}).get(split, 1)
        per_shard = -(-table.num_rows // count) if table.num_rows else 0
        paths = []
        num_bytes = 0
        for index in range(count):
            part = table.slice(index * per_shard, per_shard)
            relative = f"data/{split}-{index:05d}-of-{count:05d}.parquet"
            pq.write_table(
                part,
                root / relative,
                compression="zstd",
                row_group_size=row_group_size,
            )
            num_bytes += part.nbytes
            files.append(describe_file(root, relative, "data", split=split, rows=part.num_rows))
            paths.append(relative)
        split_entries[split] = SplitEntry(rows=table.num_rows, num_bytes=num_bytes, files=paths)
        total += table.num_rows
    manifest = Manifest(
        counts={"read": total + 5, "written": total, "rejected": 3, "duplicates_dropped": 2},
        splits=split_entries,
        files=files,
        config={
            "split": "train=0.8,test=0.2",
            "split_by_date": None,
            "stratify": None,
            "group_by": None,
            "seed": 42,
            "dedup": "near",
            "near_threshold": 0.8,
            "near_keep": "cluster",
            "max_shard_size": "500MB",
        },
        dedup={
            "mode": "near",
            "threshold": 0.8,
            "clusters": 11,
            "largest_cluster": 4,
            "num_perm": 128,
            "shingle_words": 5,
            "bands": 20,
            "rows": 6,
            "verification": "exact",
            "recall_point": 0.85,
            "miss_probability_at_threshold": 0.0022878748453194564,
            "miss_probability_at_recall_point": 7.721045833079476e-05,
            "candidate_pairs": 17,
            "near_duplicate_pairs": 12,
        },
        validation={"rejected_by_rule": {"required": 2, "format": 1}},
        ingest={"pages": total + 3, "furniture_lines": 1234},
    )
    for key, value in (manifest_extra or {}).items():
        setattr(manifest, key, value)
    write_manifest(root, manifest)
    return manifest


def standard_export(root: Path, count: int = 60) -> Manifest:
    """A two-split export (train in two shards, test in one) of ``count`` articles."""
    rows = make_articles(count)
    cut = count * 4 // 5
    return write_export(
        root, {"train": rows[:cut], "test": rows[cut:]}, shards={"train": 2, "test": 1}
    )


CARD_CONFIG = {
    "pretty_name": "Example News Articles",
    "license": "cc-by-4.0",
    "task_categories": ["text-generation", "summarization"],
    "task_ids": ["language-modeling", "news-articles-summarization"],
    "tags": ["news", "journalism"],
    "source_datasets": ["original"],
    "repo_id": "example-org/example-news",
    "description": "News articles collected from three example publishers.",
    "curation_rationale": "Built to test dataset-kit.",
    "limitations": "Small and synthetic.",
    "citation": "@misc{example_news, title={Example News}}",
}
