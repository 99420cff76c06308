"""The bundled sample corpus ingests the way the demo and the README say it does."""

from __future__ import annotations

import json
from collections import Counter

from dataset_kit.ingesting import ingest
from dataset_kit.sample import pages_dir
from dataset_kit.validating import Validator, load_schema


def _shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_sample_corpus_ingests_with_two_rejects_one_copy_and_wire_near_duplicates(tmp_path):
    out = tmp_path / "articles.jsonl"
    summary = ingest([pages_dir()], out)
    assert summary.pages == 25
    assert summary.written == 23
    assert dict(summary.rejected) == {"empty": 1, "link-list": 1}

    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    validator = Validator(load_schema(None))
    assert all(validator.is_valid(r) for r in records)
    assert all(r["title"] and r["text"] for r in records)

    # Publishers, languages and years the demo shows.
    sources = Counter(r["source"] for r in records)
    assert set(sources) == {
        "Harbor Ledger",
        "Northwire",
        "The Valley Tribune",
        "Elbtal Kurier",
        None,  # the blog says nowhere who publishes it
    }
    assert Counter(r["language"] for r in records) == {"en": 19, "de": 4}
    years = {r["published_at"][:4] for r in records if r["published_at"]}
    assert years == {"2022", "2023", "2024"}

    # One page was saved twice, byte for byte: same id, so export can drop the copy.
    ids = Counter(r["id"] for r in records)
    assert sorted(ids.values())[-1] == 2 and list(ids.values()).count(2) == 1

    # The wire story republished by two other sites: different pages, nearly the same text.
    grid = [r for r in records if "Baltic" in r["title"]]
    assert len(grid) == 3 and len({r["id"] for r in grid}) == 3
    original = _shingles(grid[0]["text"])
    for other in grid[1:]:
        overlap = len(original & _shingles(other["text"])) / len(
            original | _shingles(other["text"])
        )
        assert 0.6 < overlap < 1.0
