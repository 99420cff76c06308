"""`dataset-kit stats` and the statistics module: numbers recomputed independently."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from card_fixtures import ARTICLE_SCHEMA, CARD_CONFIG, make_articles, standard_export, write_export

from dataset_kit.charts import articles_per_month_png, histogram_bins, month_range, text_length_png
from dataset_kit.cli import cli
from dataset_kit.statistics import compute_statistics, nearest_rank, render_text


@pytest.fixture
def export(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    standard_export(root, 60)
    return root


def table_of(export: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in sorted((export / "data").glob("*.parquet")))


def percentile(values: list[int], p: float) -> int:
    # numpy's inverted_cdf is the nearest-rank definition.
    return int(np.percentile(np.array(values), p, method="inverted_cdf"))


def test_stats_json_matches_an_independent_computation(runner, export):
    result = runner.invoke(cli, ["stats", str(export), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    table = table_of(export)
    rows = table.to_pylist()
    assert stats["rows"] == len(rows) == 60

    sources = Counter(r["source"] for r in rows)
    assert {s["source"]: s["articles"] for s in stats["sources"]} == dict(sources)
    languages = Counter(r["language"] for r in rows)
    assert {s["language"]: s["articles"] for s in stats["languages"]} == dict(languages)

    dates = [r["published_at"][:10] for r in rows if r["published_at"]]
    assert stats["published"] == {
        "first": min(dates),
        "last": max(dates),
        "dated": len(dates),
        "undated": len(rows) - len(dates),
    }
    assert {m["month"]: m["articles"] for m in stats["months"]} == dict(
        Counter(d[:7] for d in dates)
    )
    assert [m["month"] for m in stats["months"]] == sorted(m["month"] for m in stats["months"])

    chars = [len(r["text"]) for r in rows]
    words = [len(r["text"].split()) for r in rows]
    for unit, values in (("characters", chars), ("words", words)):
        summary = stats["text_length"][unit]
        assert summary["min"] == min(values) and summary["max"] == max(values)
        assert summary["mean"] == round(sum(values) / len(values), 1)
        for p in (5, 25, 50, 75, 95):
            assert summary[f"p{p}"] == percentile(values, p), (unit, p)

    for name, split in stats["splits"].items():
        files = [export / p for p in split["shards"]]
        assert all(f.name.startswith(f"{name}-") for f in files)
        assert split["rows"] == sum(pq.read_metadata(f).num_rows for f in files)
        assert split["num_bytes"] == sum(pq.read_table(f).nbytes for f in files)
        assert split["download_size"] == sum(f.stat().st_size for f in files)
    assert list(stats["splits"]) == ["train", "test"]


def test_stats_table_output(runner, export):
    result = runner.invoke(cli, ["stats", str(export)], catch_exceptions=False)
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("60 articles in 2 split(s), 3 shard(s)")
    assert "Kyiv Independent" in out and "(unknown)" in out
    assert "published: 2021-01-01 to 2023-12-28 (53 dated, 7 without a date)" in out
    median_line = next(line for line in out.splitlines() if line.startswith("p50"))
    words = [len(r["text"].split()) for r in table_of(export).to_pylist()]
    assert median_line.split()[-1] == f"{percentile(words, 50):,}"


def test_stats_of_not_an_export(runner, tmp_path):
    result = runner.invoke(cli, ["stats", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a dataset-kit export" in result.output


def test_stats_counts_do_not_depend_on_row_groups(tmp_path):
    rows = make_articles(500)
    a = tmp_path / "a"
    b = tmp_path / "b"
    write_export(a, {"train": rows})
    write_export(b, {"train": rows}, shards={"train": 3}, row_group_size=37)
    sa, sb = compute_statistics(a).to_dict(), compute_statistics(b).to_dict()
    for key in ("rows", "sources", "languages", "published", "months", "text_length"):
        assert sa[key] == sb[key], key


def test_missing_optional_columns(tmp_path):
    schema = pa.schema([("id", pa.string()), ("title", pa.string()), ("text", pa.string())])
    rows = [{"id": str(i), "title": "t", "text": "a b c"} for i in range(5)]
    write_export(tmp_path / "ds", {"train": rows}, schema=schema)
    stats = compute_statistics(tmp_path / "ds")
    data = stats.to_dict()
    assert data["sources"] is None and data["languages"] is None and data["months"] is None
    assert data["text_length"]["words"]["p50"] == 3
    assert "source" not in render_text(stats)


def test_timestamp_dates_and_invalid_strings(tmp_path):
    schema = pa.schema(
        [("id", pa.string()), ("text", pa.string()), ("published_at", pa.timestamp("s"))]
    )
    table = pa.table(
        {
            "id": ["1", "2", "3"],
            "text": ["a", "b", "c"],
            "published_at": pa.array([0, 86400 * 40, None], pa.timestamp("s")),
        },
        schema=schema,
    )
    write_export(tmp_path / "ds", {"train": table}, schema=schema)
    stats = compute_statistics(tmp_path / "ds")
    assert stats.first_day == "1970-01-01" and stats.last_day == "1970-02-10"
    assert stats.undated == 1


def test_nearest_rank():
    counts = Counter({1: 1, 2: 1, 3: 1, 4: 1})
    assert nearest_rank(counts, 0.5) == 2
    assert nearest_rank(counts, 0.51) == 3
    assert nearest_rank(counts, 0.0) == 1
    assert nearest_rank(counts, 1.0) == 4
    with pytest.raises(ValueError):
        nearest_rank(Counter(), 0.5)


def test_charts_are_deterministic_png():
    months = Counter({"2021-01": 3, "2021-04": 1, "2022-02": 7})
    first = articles_per_month_png(months)
    assert first.startswith(b"\x89PNG")
    assert articles_per_month_png(Counter(dict(reversed(list(months.items()))))) == first
    assert b"Software" not in first and b"matplotlib" not in first.lower()
    lengths = Counter({5: 2, 50: 10, 120: 3, 5000: 1})
    assert text_length_png(lengths) == text_length_png(Counter(lengths))
    assert articles_per_month_png(Counter({"2021-01": 4})) != first


def test_month_range_and_histogram_bins():
    assert month_range("2021-11", "2022-02") == ["2021-11", "2021-12", "2022-01", "2022-02"]
    lengths = Counter({i: 1 for i in range(1, 201)})
    lengths[100_000] = 1
    edges, overflow = histogram_bins(lengths)
    assert edges[0] == 0 and edges[-1] > 199
    assert overflow == 1 + sum(1 for v in range(1, 201) if v >= edges[-1])
    small_edges, small_overflow = histogram_bins(Counter({1: 3, 2: 2}))
    assert small_edges[-1] >= 2 and small_overflow == sum(
        c for v, c in {1: 3, 2: 2}.items() if v >= small_edges[-1]
    )


def _tiny_corpus(count: int) -> pa.Table:
    """``count`` tiny articles built column-wise with numpy (fast for 100k rows)."""
    index = np.arange(count)
    sources = np.array(["Alpha Post", "Beta Times", "Gamma Daily", "Delta Wire"])
    languages = np.array(["en", "de", "fr", "en"])
    text_words = np.array(["news", "report", "today", "city", "vote", "storm", "market"])
    lengths = 1 + (index * 7919) % 23
    texts = [" ".join(text_words[: 1 + n % 7]) + " x" * int(n) for n in lengths]
    days = 1 + index % 28
    months = 1 + (index // 28) % 12
    years = 2015 + (index // 336) % 9
    published = [f"{y}-{m:02d}-{d:02d}" for y, m, d in zip(years, months, days, strict=True)]
    columns = {
        "id": [f"a{i:07d}" for i in index],
        "title": [f"T{i}" for i in index],
        "text": texts,
        "url": pa.nulls(count, pa.string()),
        "source": sources[index % 4].tolist(),
        "authors": pa.array([[]] * count, pa.list_(pa.string())),
        "published_at": published,
        "modified_at": pa.nulls(count, pa.string()),
        "language": languages[index % 4].tolist(),
        "source_file": pa.nulls(count, pa.string()),
        "word_count": lengths,
        "furniture_lines": np.zeros(count, dtype=np.int64),
        "furniture_ratio": np.zeros(count),
        "removed_lines": pa.nulls(count, pa.list_(pa.string())),
        "cluster_id": pa.nulls(count, pa.string()),
    }
    return pa.table(columns, schema=ARTICLE_SCHEMA)


def test_100k_article_export_card_and_stats(runner, tmp_path):
    import datasets
    from huggingface_hub import DatasetCard

    from dataset_kit.cards import write_card

    table = _tiny_corpus(100_000)
    root = tmp_path / "big"
    write_export(
        root,
        {"train": table.slice(0, 90_000), "test": table.slice(90_000)},
        shards={"train": 4, "test": 1},
        row_group_size=10_000,
    )
    started = time.monotonic()
    result = write_card(root, CARD_CONFIG)
    elapsed = time.monotonic() - started
    assert elapsed < 20, f"card took {elapsed:.1f}s"

    card = DatasetCard.load(root / "README.md")
    assert card.data.size_categories == ["100K<n<1M"]
    assert card.data.language == ["de", "en", "fr"]
    info = card.data.to_dict()["dataset_info"]
    assert [s["num_examples"] for s in info["splits"]] == [90_000, 10_000]
    assert info["download_size"] == sum(p.stat().st_size for p in (root / "data").iterdir())

    stats = result.statistics
    words = [len(t.split()) for t in table.column("text").to_pylist()]
    summary = stats.text_length("words")
    assert summary is not None
    for p in (5, 50, 95):
        assert summary[f"p{p}"] == percentile(words, p)
    assert stats.sources == Counter(table.column("source").to_pylist())
    assert stats.first_day == "2015-01-01"
    assert math.isclose(sum(stats.months.values()), 100_000)

    loaded = datasets.load_dataset(
        str(root), cache_dir=str(tmp_path / "cache"), verification_mode="all_checks"
    )
    assert {name: ds.num_rows for name, ds in loaded.items()} == {"train": 90_000, "test": 10_000}

    out = runner.invoke(cli, ["stats", str(root)], catch_exceptions=False).output
    assert out.startswith("100,000 articles in 2 split(s), 5 shard(s)")
