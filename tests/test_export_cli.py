"""``dataset-kit export`` end to end through the CLI: layout, counts, dedup, splits."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from export_helpers import (
    corpus,
    read_splits,
    similar_pairs,
    split_of,
    tree_digests,
    write_jsonl,
)

from dataset_kit.cli import cli
from dataset_kit.manifest import load_manifest, verify_files


def run(runner: CliRunner, *args: str, code: int = 0):
    result = runner.invoke(cli, ["export", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def report_of(out: Path) -> dict:
    return json.loads(out.parent.joinpath(f"{out.name}.report.json").read_text())


def rejects_of(out: Path) -> list[dict]:
    path = out.parent / f"{out.name}.rejects.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_export_writes_hub_layout_and_counts_add_up(runner: CliRunner, tmp_path: Path) -> None:
    rows = corpus(300, near_every=10, exact_every=13)
    broken = [
        b'{"id": "bad-json", "title": ',
        json.dumps({"id": "no-title", "text": "Body text here."}),
        json.dumps({**rows[0], "id": "bad-date", "published_at": "11/11/2022 4:07 PM"}),
    ]
    source = write_jsonl(tmp_path / "articles.jsonl", rows[:150] + broken + rows[150:])
    out = tmp_path / "ds"
    result = run(runner, str(source), "--out", str(out))
    assert "candidates (LSH, 20 bands x 6 rows of 128 MinHash values)" in result.output
    assert "a pair at 0.8 is missed with probability 0.23%, at 0.85 with 0.0077%" in result.output

    shards = sorted(p.name for p in (out / "data").iterdir())
    assert shards == ["test-00000-of-00001.parquet", "train-00000-of-00001.parquet"]
    assert not (out / ".spill").exists()
    manifest = load_manifest(out)
    assert verify_files(out, manifest) == []
    counts = manifest.counts
    assert counts["read"] == len(rows) + len(broken)
    assert counts["read"] == counts["written"] + counts["rejected"] + counts["duplicates_dropped"]
    exact_copies = sum(1 for n in range(300) if n % 13 == 12 and n % 10 != 9)
    assert counts["exact_duplicates"] == exact_copies
    assert counts["invalid"] == 3
    written = read_splits(out)
    assert sum(len(v) for v in written.values()) == counts["written"]
    assert {n: e.rows for n, e in manifest.splits.items()} == {
        n: len(v) for n, v in written.items()
    }
    assert len({r["id"] for v in written.values() for r in v}) == counts["written"]

    rejects = rejects_of(out)
    assert [(r["line"], r["errors"][0]["keyword"]) for r in rejects] == [
        (151, "json"),
        (152, "required"),
        (153, "anyOf"),
    ]
    assert rejects[0]["raw"] == broken[0].decode()
    report = report_of(out)
    assert report["counts"] == counts
    assert report["dedup"]["verification"] == "exact"
    assert report["dedup"]["candidate_pairs"] >= report["dedup"]["near_duplicate_pairs"]
    # Every planted near copy (one word changed) was found: members - clusters = copies.
    planted = sum(1 for n in range(300) if n % 10 == 9)
    assert report["dedup"]["clustered_records"] - report["dedup"]["clusters"] == planted
    assert sum(report["dedup"]["cluster_sizes"].values()) == report["dedup"]["clusters"]
    assert report["dedup"]["exact_duplicate_examples"][0]["kept"]["id"]
    assert set(manifest.config["split"]["ratios"]) == {"train", "test"}
    assert manifest.dedup["near_duplicate_pairs"] == report["dedup"]["near_duplicate_pairs"]


def test_no_near_duplicate_pair_crosses_splits(runner: CliRunner, tmp_path: Path) -> None:
    rows = corpus(600, near_every=6, seed=11)
    source = write_jsonl(tmp_path / "a.jsonl", rows)
    out = tmp_path / "ds"
    run(runner, str(source), "--out", str(out), "--split", "train=0.5,validation=0.25,test=0.25")
    written = read_splits(out)
    where = {r["id"]: name for name, rs in written.items() for r in rs}
    cluster = {r["id"]: r["cluster_id"] for rs in written.values() for r in rs}
    pairs = similar_pairs([r for rs in written.values() for r in rs], 0.85)
    planted = sum(1 for n in range(600) if n % 6 == 5)
    assert len(pairs) >= planted
    # Measured independently of the tool (exact Jaccard): no similar pair is split.
    assert [(a, b) for a, b, _ in pairs if where[a] != where[b]] == []
    assert [(a, b) for a, b, _ in pairs if cluster[a] != cluster[b]] == []
    assert set(written) == {"train", "validation", "test"}


def test_near_keep_one_keeps_one_per_cluster(runner: CliRunner, tmp_path: Path) -> None:
    rows = corpus(300, near_every=5, seed=3)
    source = write_jsonl(tmp_path / "a.jsonl", rows)
    out = tmp_path / "ds"
    run(runner, str(source), "--out", str(out), "--near-keep", "one")
    written = [r for rs in read_splits(out).values() for r in rs]
    assert similar_pairs(written, 0.85) == []
    manifest = load_manifest(out)
    assert manifest.counts["near_duplicates_dropped"] >= 50
    assert (
        manifest.counts["read"]
        == manifest.counts["written"] + manifest.counts["duplicates_dropped"]
    )
    clusters = Counter(r["cluster_id"] for r in written)
    assert max(clusters.values()) == 1
    assert report_of(out)["dedup"]["near_dropped_examples"]


def test_dedup_modes_and_threshold(runner: CliRunner, tmp_path: Path) -> None:
    rows = corpus(200, near_every=4, exact_every=9, seed=5)
    source = write_jsonl(tmp_path / "a.jsonl", rows)
    counts = {}
    for mode in ("off", "exact", "near"):
        out = tmp_path / mode
        run(runner, str(source), "--out", str(out), "--dedup", mode)
        counts[mode] = load_manifest(out).counts
    assert counts["off"]["written"] == 200
    assert counts["exact"]["exact_duplicates"] == counts["near"]["exact_duplicates"] > 0
    assert counts["exact"]["written"] == 200 - counts["exact"]["exact_duplicates"]
    near_ids = split_of(tmp_path / "near")
    assert len(near_ids) == counts["exact"]["written"]
    strict = tmp_path / "strict"
    run(runner, str(source), "--out", str(strict), "--near-threshold", "0.99")
    loose = report_of(tmp_path / "near")["dedup"]["clustered_records"]
    assert report_of(strict)["dedup"]["clustered_records"] < loose
    assert report_of(strict)["dedup"]["threshold"] == 0.99


def test_reused_id_of_another_article_is_rejected(runner: CliRunner, tmp_path: Path) -> None:
    rows = corpus(40, seed=2)
    clash = {**corpus(1, seed=99, start=500)[0], "id": rows[3]["id"]}
    source = write_jsonl(tmp_path / "a.jsonl", [*rows, clash])
    out = tmp_path / "ds"
    run(runner, str(source), "--out", str(out))
    rejects = rejects_of(out)
    assert len(rejects) == 1
    assert rejects[0]["line"] == 41
    assert rejects[0]["errors"][0]["keyword"] == "unique"
    assert f"{source}:4" in rejects[0]["errors"][0]["message"]
    assert rejects[0]["record"]["text"] == clash["text"]
    counts = load_manifest(out).counts
    assert (counts["duplicate_ids"], counts["rejected"], counts["written"]) == (1, 1, 40)


def test_splits_are_stable_when_the_corpus_grows(runner: CliRunner, tmp_path: Path) -> None:
    old = corpus(400, near_every=8, seed=21)
    new = corpus(400, near_every=8, seed=22, start=400)
    first = write_jsonl(tmp_path / "old.jsonl", old)
    grown = write_jsonl(tmp_path / "new.jsonl", new)
    run(runner, str(first), "--out", str(tmp_path / "v1"), "--split", "train=0.7,test=0.3")
    run(
        runner,
        str(first),
        str(grown),
        "--out",
        str(tmp_path / "v2"),
        "--split",
        "train=0.7,test=0.3",
    )
    before = split_of(tmp_path / "v1")
    after = split_of(tmp_path / "v2")
    clusters_v2 = {
        r["id"]: r["cluster_id"] for rs in read_splits(tmp_path / "v2").values() for r in rs
    }
    joined = {
        i for i, c in clusters_v2.items() if c != i or list(clusters_v2.values()).count(i) > 1
    }
    moved = [i for i in before if after[i] != before[i]]
    # Only records whose cluster changed may move; there are none in these corpora.
    assert [i for i in moved if i not in joined] == []
    assert moved == []
    assert set(before) <= set(after)


def test_same_input_gives_identical_bytes_for_any_jobs(runner: CliRunner, tmp_path: Path) -> None:
    rows = corpus(500, near_every=7, exact_every=11, seed=8)
    source = write_jsonl(tmp_path / "a.jsonl", rows)
    run(runner, str(source), "--out", str(tmp_path / "one"), "--max-shard-size", "200KB")
    run(runner, str(source), "--out", str(tmp_path / "again"), "--max-shard-size", "200KB")
    run(
        runner,
        str(source),
        "--out",
        str(tmp_path / "two"),
        "--max-shard-size",
        "200KB",
        "--jobs",
        "2",
    )
    one = tree_digests(tmp_path / "one")
    assert len([p for p in one if p.startswith("data/")]) > 2
    assert one == tree_digests(tmp_path / "again") == tree_digests(tmp_path / "two")
    assert (tmp_path / "one.rejects.jsonl").read_bytes() == (
        tmp_path / "two.rejects.jsonl"
    ).read_bytes()


def test_max_shard_size_caps_every_shard_on_disk(runner: CliRunner, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", corpus(600, seed=4))
    out = tmp_path / "ds"
    run(runner, str(source), "--out", str(out), "--max-shard-size", "100KiB")
    shards = sorted((out / "data").glob("train-*.parquet"))
    assert len(shards) >= 3
    count = len(shards)
    assert [p.name for p in shards] == [
        f"train-{i:05d}-of-{count:05d}.parquet" for i in range(count)
    ]
    assert all(p.stat().st_size <= 100 * 1024 for p in shards)
    # The limit is planned from uncompressed sizes with worst-case allowances, so shards
    # on disk are smaller (tests/test_shards.py checks that the plan fills them).
    assert all(pq.read_metadata(p).num_rows for p in shards)
    metadata = pq.ParquetFile(shards[0]).metadata
    column = metadata.row_group(0).column(2)
    assert column.compression == "ZSTD"
    assert column.has_offset_index and column.has_column_index
    rows = read_splits(out)["train"]
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids)  # input order is kept within a split


def test_stratify_keeps_ratios_per_value(runner: CliRunner, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", corpus(800, seed=9))
    out = tmp_path / "ds"
    run(
        runner,
        str(source),
        "--out",
        str(out),
        "--stratify",
        "source",
        "--split",
        "train=0.75,test=0.25",
    )
    per_value = report_of(out)["splitting"]["stratify"]["per_value"]
    assert len(per_value) == 4
    for counts in per_value.values():
        total = counts["train"] + counts["test"]
        assert abs(counts["test"] - total * 0.25) <= 1


def test_group_by_keeps_each_group_in_one_split(runner: CliRunner, tmp_path: Path) -> None:
    rows = corpus(300, seed=10)
    for n, row in enumerate(rows):
        row["source"] = f"outlet-{n % 37}"
    source = write_jsonl(tmp_path / "a.jsonl", rows)
    out = tmp_path / "ds"
    run(
        runner,
        str(source),
        "--out",
        str(out),
        "--group-by",
        "source",
        "--split",
        "train=0.6,test=0.4",
    )
    seen: dict[str, set[str]] = {}
    for name, rs in read_splits(out).items():
        for r in rs:
            seen.setdefault(r["source"], set()).add(name)
    assert all(len(v) == 1 for v in seen.values())
    assert {s for v in seen.values() for s in v} == {"train", "test"}
    assert report_of(out)["splitting"]["group_by"]["groups_across_splits"] == 0


def test_split_by_date_is_temporal(runner: CliRunner, tmp_path: Path) -> None:
    rows = corpus(300, seed=12)
    rows[5]["published_at"] = None
    rows[6]["published_at"] = "2023-06-30"
    source = write_jsonl(tmp_path / "a.jsonl", rows)
    out = tmp_path / "ds"
    run(
        runner,
        str(source),
        "--out",
        str(out),
        "--split-by-date",
        "published_at:2023-01-01,2024-01-01",
    )
    written = read_splits(out)
    assert set(written) == {"train", "validation", "test"}
    for row in written["train"]:
        assert row["published_at"] is None or row["published_at"] < "2023-01-01"
    assert all("2023-01-01" <= r["published_at"] < "2024-01-01" for r in written["validation"])
    assert all(r["published_at"] >= "2024-01-01" for r in written["test"])
    assert rows[5]["id"] in {r["id"] for r in written["train"]}
    assert report_of(out)["splitting"]["by_date"]["undated_units_in_first_split"] == 1


def test_seed_changes_the_split_deterministically(runner: CliRunner, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", corpus(300, seed=13))
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        run(runner, str(source), "--out", str(tmp_path / name), "--seed", seed)
    assert split_of(tmp_path / "a") == split_of(tmp_path / "b")
    assert split_of(tmp_path / "a") != split_of(tmp_path / "c")


def test_datasets_load_dataset_round_trip(runner: CliRunner, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    source = write_jsonl(tmp_path / "a.jsonl", corpus(400, near_every=9, seed=14))
    out = tmp_path / "ds"
    run(
        runner,
        str(source),
        "--out",
        str(out),
        "--split",
        "train=0.8,validation=0.1,test=0.1",
        "--max-shard-size",
        "150KB",
    )
    manifest = load_manifest(out)
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))
    assert set(loaded) == set(manifest.splits)
    for name, entry in manifest.splits.items():
        assert loaded[name].num_rows == entry.rows
    assert "cluster_id" in loaded["train"].column_names
    assert loaded["train"].features["authors"].feature.dtype == "string"


def test_export_replaces_an_earlier_folder_only_on_success(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", corpus(200, seed=15))
    out = tmp_path / "ds"
    run(runner, str(source), "--out", str(out))
    before = tree_digests(out)
    rejects_before = (tmp_path / "ds.rejects.jsonl").read_bytes()

    from dataset_kit import shards

    def broken_commit(temporary, final):  # type: ignore[no-untyped-def]
        raise OSError("disk full (injected)")

    monkeypatch.setattr(shards, "commit_shard", broken_commit)
    bigger = write_jsonl(tmp_path / "b.jsonl", corpus(300, seed=16))
    result = runner.invoke(cli, ["export", str(bigger), "--out", str(out)])
    assert result.exit_code != 0
    assert tree_digests(out) == before
    assert (tmp_path / "ds.rejects.jsonl").read_bytes() == rejects_before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_bad_options_and_inputs_give_clear_errors(runner: CliRunner, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", corpus(20, seed=17))
    out = str(tmp_path / "ds")
    cases = [
        (["--split", "train=0.9,test=0.2"], "add up to 1"),
        (["--split", "train-set=0.5,test=0.5"], "invalid split name"),
        (["--split", "train,test"], "without ratios"),
        (["--stratify", "nope"], "no field 'nope'"),
        (["--split-by-date", "published_at:yesterday"], "not a date"),
        (["--split-by-date", "published_at:2024-01-01", "--split", "a,b,c"], "makes 2 splits"),
        (["--max-shard-size", "lots"], "expected a size"),
        (["--near-threshold", "1.5"], "between 0 and 1"),
    ]
    for extra, message in cases:
        result = runner.invoke(cli, ["export", str(source), "--out", out, *extra])
        assert result.exit_code == 2, (extra, result.output)
        assert message in result.output, (extra, result.output)
        assert "Traceback" not in result.output
    missing = runner.invoke(cli, ["export", str(tmp_path / "nope.jsonl"), "--out", out])
    assert missing.exit_code == 2 and "no such file" in missing.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = runner.invoke(cli, ["export", str(empty), "--out", out])
    assert result.exit_code == 2 and "empty" in result.output
    other = tmp_path / "documents"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    refused = runner.invoke(cli, ["export", str(source), "--out", str(other)])
    assert refused.exit_code == 2 and "not a dataset-kit export" in refused.output
    assert (other / "keep.txt").read_text() == "mine"
    no_out = runner.invoke(cli, ["export", str(source)])
    assert no_out.exit_code == 2 and "--out" in no_out.output
    assert not Path(out).exists()
    previous = tmp_path / "previous"
    run(runner, str(source), "--out", str(previous))
    inner = write_jsonl(previous / "extra.jsonl", corpus(3, seed=40))
    inside = runner.invoke(cli, ["export", str(inner), "--out", str(previous)])
    assert inside.exit_code == 2 and "inside the output folder" in inside.output
    assert inner.exists()


def test_record_larger_than_a_shard_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    rows = corpus(5, seed=18)
    rows[2]["text"] = " ".join(["word"] * 4000)
    source = write_jsonl(tmp_path / "a.jsonl", rows)
    result = runner.invoke(
        cli, ["export", str(source), "--out", str(tmp_path / "ds"), "--max-shard-size", "8KB"]
    )
    assert result.exit_code == 2
    assert "--max-shard-size" in result.output and "Traceback" not in result.output


def test_custom_schema_gives_the_columns(runner: CliRunner, tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "required": ["id", "text"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "text": {"type": "string"},
            "score": {"type": ["number", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "extra": {"type": ["string", "integer"]},
        },
    }
    schema_path = tmp_path / "s.json"
    schema_path.write_text(json.dumps(schema))
    rows = [
        {"id": "x1", "text": "alpha beta gamma", "score": 1, "tags": ["a"], "extra": 3},
        {"id": "x2", "text": "delta epsilon", "score": None, "tags": [], "extra": "s"},
        {"id": "x3", "text": "zeta", "title": "not in schema"},
    ]
    source = write_jsonl(tmp_path / "a.jsonl", rows)
    out = tmp_path / "ds"
    run(
        runner,
        str(source),
        "--out",
        str(out),
        "--schema",
        str(schema_path),
        "--split",
        "train=0.5,test=0.5",
    )
    written = {r["id"]: r for rs in read_splits(out).values() for r in rs}
    assert written["x1"]["score"] == 1.0 and written["x1"]["extra"] == "3"
    assert written["x2"]["extra"] == '"s"' and written["x2"]["tags"] == []
    assert rejects_of(out)[0]["errors"][0]["keyword"] == "additionalProperties"
    shard = next((out / "data").glob("*.parquet"))
    names = pq.read_schema(shard).names
    assert names == ["id", "text", "score", "tags", "extra", "cluster_id"]


def test_open_schema_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    schema_path = tmp_path / "s.json"
    schema_path.write_text(
        json.dumps(
            {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
            }
        )
    )
    source = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "t"}])
    result = runner.invoke(
        cli, ["export", str(source), "--out", str(tmp_path / "ds"), "--schema", str(schema_path)]
    )
    assert result.exit_code == 2 and "additionalProperties" in result.output


def test_page_dumps_json_parquet_and_gzip_inputs(runner: CliRunner, tmp_path: Path) -> None:
    import gzip

    import pyarrow as pa

    rows = corpus(60, seed=19)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.json").write_text(json.dumps(rows[:20]))
    pq.write_table(pa.Table.from_pylist(rows[20:40]), tmp_path / "in" / "b.parquet")
    with gzip.open(tmp_path / "in" / "c.jsonl.gz", "wt") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in rows[40:])
    pages = Path(__file__).parent / "fixtures" / "pages"
    out = tmp_path / "ds"
    run(runner, str(tmp_path / "in"), str(pages), "--out", str(out))
    manifest = load_manifest(out)
    page_files = len(list(pages.glob("*.txt")))
    assert manifest.counts["read"] == 60 + page_files
    assert manifest.ingest["pages"] == page_files
    assert manifest.counts["read"] == manifest.counts["written"] + manifest.counts["rejected"]
    assert {Path(i.path).name for i in manifest.inputs} >= {"a.json", "b.parquet", "c.jsonl.gz"}
    assert all(i.records >= 1 for i in manifest.inputs)
    written = split_of(out)
    assert {r["id"] for r in rows} <= set(written)
    for reject in rejects_of(out):
        assert reject["file"].endswith(".txt") and reject["errors"][0]["keyword"] == "ingest"
