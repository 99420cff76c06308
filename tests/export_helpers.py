"""Small deterministic corpora with planted duplicates, and readers for export folders."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

_RNG = random.Random(1234)
VOCABULARY = sorted(
    {
        "".join(_RNG.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(_RNG.randint(3, 9)))
        for _ in range(3000)
    }
)
SOURCES = ["Daily Planet", "Gotham Gazette", "Metro Times", "Coast Courier"]


def body(rng: random.Random, words: int) -> str:
    """Prose-like text: sentences of vocabulary words, paragraphs split by blank lines."""
    out: list[str] = []
    sentence: list[str] = []
    for i in range(words):
        sentence.append(rng.choice(VOCABULARY))
        if len(sentence) >= rng.randint(8, 16) or i == words - 1:
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
    paragraphs = [" ".join(out[i : i + 4]) for i in range(0, len(out), 4)]
    return "\n\n".join(paragraphs)


def article(rng: random.Random, n: int, **overrides: Any) -> dict[str, Any]:
    """A valid article with a random body of 120-200 words."""
    day = 1 + n % 28
    month = 1 + (n // 28) % 12
    year = 2022 + (n // 336) % 3
    record: dict[str, Any] = {
        "id": f"art-{n:06d}",
        "title": f"Headline {n}: {rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}",
        "text": body(rng, rng.randint(120, 200)),
        "url": f"https://news.example.org/{year}/{n}",
        "source": SOURCES[n % len(SOURCES)],
        "authors": ["Jane Doe"] if n % 3 else [],
        "published_at": f"{year}-{month:02d}-{day:02d}T08:00:00+00:00",
        "language": "en",
    }
    record.update(overrides)
    return record


def near_copy(
    rng: random.Random, original: dict[str, Any], new_id: str, changes: int = 1
) -> dict[str, Any]:
    """A republished copy: new id, URL and publisher, ``changes`` words replaced."""
    words = original["text"].split(" ")
    for _ in range(changes):
        i = rng.randrange(len(words))
        words[i] = rng.choice(VOCABULARY)
    copy = dict(original)
    copy.update(
        id=new_id,
        text=" ".join(words),
        url=f"https://wire.example.com/{new_id}",
        source="Wire Reprints",
    )
    return copy


def corpus(
    count: int,
    *,
    seed: int = 7,
    near_every: int = 0,
    exact_every: int = 0,
    start: int = 0,
) -> list[dict[str, Any]]:
    """``count`` articles numbered from ``start``; every ``near_every``-th is a near copy
    of an earlier one and every ``exact_every``-th an exact copy (same everything)."""
    rng = random.Random(seed * 1_000_003 + start)
    records: list[dict[str, Any]] = []
    for n in range(start, start + count):
        if near_every and records and n % near_every == near_every - 1:
            records.append(near_copy(rng, rng.choice(records), f"art-{n:06d}"))
        elif exact_every and records and n % exact_every == exact_every - 1:
            records.append(dict(rng.choice(records)))
        else:
            records.append(article(rng, n))
    return records


def write_jsonl(path: Path, rows: Iterable[Any]) -> Path:
    lines = []
    for row in rows:
        if isinstance(row, (bytes, str)):
            lines.append(row.encode() if isinstance(row, str) else row)
        else:
            lines.append(json.dumps(row).encode())
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def read_splits(export_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Rows of every split, shard by shard in name order."""
    splits: dict[str, list[dict[str, Any]]] = {}
    for shard in sorted((export_dir / "data").glob("*.parquet")):
        split = shard.name.split("-", 1)[0]
        splits.setdefault(split, []).extend(pq.read_table(shard).to_pylist())
    return splits


def split_of(export_dir: Path) -> dict[str, str]:
    """id -> split of every written record."""
    return {row["id"]: name for name, rows in read_splits(export_dir).items() for row in rows}


def tree_digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = "".join(c.lower() if c.isalnum() else " " for c in text).split()
    if len(words) < k:
        return {tuple(words)}
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def similar_pairs(rows: list[dict[str, Any]], threshold: float) -> list[tuple[str, str, float]]:
    """Every pair of rows whose exact 5-word-shingle Jaccard similarity reaches threshold
    (found through shared shingles, then measured exactly)."""
    sets = {row["id"]: shingles(row["text"]) for row in rows}
    index: dict[tuple[str, ...], list[str]] = {}
    for ident, items in sets.items():
        for item in items:
            index.setdefault(item, []).append(ident)
    candidates: set[tuple[str, str]] = set()
    for ids in index.values():
        if 1 < len(ids) <= 50:
            candidates.update(tuple(sorted(p)) for p in combinations(ids, 2))
    pairs = []
    for a, b in sorted(candidates):
        jaccard = len(sets[a] & sets[b]) / len(sets[a] | sets[b])
        if jaccard >= threshold:
            pairs.append((a, b, jaccard))
    return pairs
