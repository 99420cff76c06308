"""Near-duplicate clustering through the CLI: pairs just above and just below the
threshold are clustered, or not, exactly as their true Jaccard similarity says."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from export_helpers import VOCABULARY, article, read_splits, shingles, write_jsonl

from dataset_kit.cli import cli


def _jaccard(a: str, b: str) -> float:
    left, right = shingles(a), shingles(b)
    return len(left & right) / len(left | right)


def _planted_pairs(rng: random.Random) -> tuple[list[dict[str, Any]], list[tuple[str, str, float]]]:
    """Unrelated articles, and pairs whose second text swaps words of the first.

    A text of 404 distinct words has 400 shingles; each swap (at least five words
    from the next) replaces five of them, so 8 swaps give 360/440 = 0.818 and 9 give
    355/445 = 0.798: just either side of the default threshold 0.8. Edits are also
    insertions, deletions and an appended credit line, for other kinds of change.
    """
    rows = [article(rng, n) for n in range(40)]
    pairs = []
    for p in range(24):
        words = rng.sample(VOCABULARY, 404)
        copy = list(words)
        swaps = 8 if p % 2 == 0 else 9
        for slot in range(swaps):
            copy[12 + 30 * slot] = f"swap{p}x{slot}"
        if p % 3 == 0:
            copy.insert(300, "inserted")  # an insertion and a deletion move the pair
            del copy[305]  # a little further down, still near the threshold
        if p % 4 == 1:
            copy += ["Reporting", "by", "the", "wire", "desk"]
        first = article(rng, 100 + 2 * p, text=" ".join(words))
        second = article(rng, 101 + 2 * p, text=" ".join(copy))
        rows += [first, second]
        pairs.append((first["id"], second["id"], _jaccard(first["text"], second["text"])))
    rng.shuffle(rows)
    return rows, pairs


@pytest.mark.parametrize("seed", [0, 1, 7, 2**40 + 3])
def test_pairs_either_side_of_the_threshold(runner: CliRunner, tmp_path: Path, seed: int) -> None:
    rows, pairs = _planted_pairs(random.Random(seed))
    above = [p for p in pairs if p[2] >= 0.8]
    below = [p for p in pairs if p[2] < 0.8]
    # The planted similarities straddle the threshold closely.
    assert above and below
    assert max(p[2] for p in below) > 0.79 and min(p[2] for p in above) < 0.83
    source = write_jsonl(tmp_path / "articles.jsonl", rows)
    out = tmp_path / "ds"
    result = runner.invoke(
        cli,
        [
            "export",
            str(source),
            "--out",
            str(out),
            "--seed",
            str(seed),
            "--split",
            "train=0.5,test=0.5",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    written = {r["id"]: (name, r) for name, rs in read_splits(out).items() for r in rs}
    for left, right, similarity in above:
        (split_a, a), (split_b, b) = written[left], written[right]
        assert a["cluster_id"] == b["cluster_id"] is not None, similarity
        assert split_a == split_b
    for left, right, similarity in below:
        assert written[left][1]["cluster_id"] != written[right][1]["cluster_id"], similarity
    report = json.loads((tmp_path / "ds.report.json").read_text())
    dedup = report["dedup"]
    # Only the planted pairs above the threshold were accepted; the ones below were
    # candidates (their signatures agree closely) and the exact check refused them.
    assert dedup["near_duplicate_pairs"] == len(above)
    assert dedup["candidate_pairs"] >= len(above) + len(below) - 1
    assert dedup["clusters"] == len(above)
    assert (dedup["bands"], dedup["rows"], dedup["verification"]) == (20, 6, "exact")
    assert f"{dedup['candidate_pairs']:,} candidates" in result.output
    card = (out / "README.md").read_text()
    assert f"{dedup['candidate_pairs']} candidate pairs checked, {len(above)} accepted" in card
    assert "misses a pair at similarity 0.8 with probability 0.23%" in card
    assert "split `train=0.5,test=0.5`" in card
    assert "so that each cluster stays whole in one split" in card


def test_near_keep_one_keeps_the_representative_only(runner: CliRunner, tmp_path: Path) -> None:
    rows, pairs = _planted_pairs(random.Random(3))
    source = write_jsonl(tmp_path / "articles.jsonl", rows)
    out = tmp_path / "ds"
    result = runner.invoke(
        cli,
        ["export", str(source), "--out", str(out), "--near-keep", "one"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    ids = {r["id"] for rs in read_splits(out).values() for r in rs}
    for left, right, similarity in pairs:
        kept = (left in ids) + (right in ids)
        assert kept == (1 if similarity >= 0.8 else 2), similarity
    counts = json.loads((tmp_path / "ds.report.json").read_text())["counts"]
    above = sum(1 for p in pairs if p[2] >= 0.8)
    assert counts["near_duplicates_dropped"] == above
    assert counts["read"] == counts["written"] + counts["rejected"] + counts["duplicates_dropped"]


def test_export_without_the_compiled_kernel_warns_and_matches(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from dataset_kit import sketch_kernel

    rows, _ = _planted_pairs(random.Random(5))
    source = write_jsonl(tmp_path / "articles.jsonl", rows)
    args = ["export", str(source), "--jobs", "1", "--out"]
    result = runner.invoke(cli, [*args, str(tmp_path / "compiled")], catch_exceptions=False)
    assert result.exit_code == 0 and "Warning: the compiled MinHash kernel" not in result.output
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == sketch_kernel.MODULE else real_find_spec(name, *a),
    )
    monkeypatch.setattr(sketch_kernel, "_loaded", [])
    result = runner.invoke(cli, [*args, str(tmp_path / "numpy")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.count("Warning: the compiled MinHash kernel") == 1
    for shard in sorted((tmp_path / "compiled" / "data").iterdir()):
        assert shard.read_bytes() == (tmp_path / "numpy" / "data" / shard.name).read_bytes()
