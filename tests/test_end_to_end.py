"""The whole journey through the CLI, as the README tells it: demo, then raw dumps ->
ingest -> validate -> export (card included) -> publish to the local Hub -> load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataset_kit.cli import cli
from dataset_kit.manifest import load_manifest, verify_files
from dataset_kit.sample import pages_dir

pytest_plugins = ["tests.hub_fixtures"]
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


def test_demo_runs_every_step_and_leaves_a_loadable_dataset(runner, tmp_path):
    workdir = tmp_path / "demo"
    result = runner.invoke(cli, ["demo", "--dir", str(workdir)])
    assert result.exit_code == 0, result.output
    for command in ("ingest", "validate", "export", "stats", "publish"):
        assert f"$ dataset-kit {command} " in result.output
    assert "Dry run: nothing was sent" in result.output
    dataset = workdir / "dataset"
    manifest = load_manifest(dataset)
    assert verify_files(dataset, manifest) == []
    ingest_rejects = (workdir / "articles.rejects.jsonl").read_text().splitlines()
    pages = len(list(pages_dir().glob("*.txt")))
    written = sum(1 for _ in (workdir / "articles.jsonl").open())
    assert written + len(ingest_rejects) == pages
    counts = manifest.counts
    assert counts["read"] == written
    assert counts["read"] == counts["written"] + counts["rejected"] + counts["duplicates_dropped"]

    from datasets import load_dataset

    loaded = load_dataset(str(dataset))
    assert {name: len(split) for name, split in loaded.items()} == {
        name: entry.rows for name, entry in manifest.splits.items()
    }


def test_raw_dumps_to_published_dataset(runner, hub, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "dataset-kit.toml"
    config.write_text(
        '[card]\nlicense = "cc-by-4.0"\npretty_name = "Sample news"\n'
        'task_categories = ["text-generation"]\n'
    )
    steps = [
        ["ingest", str(pages_dir()), "-o", "articles.jsonl"],
        ["validate", "articles.jsonl", "--rejects", "invalid.jsonl"],
        ["export", "articles.jsonl", "--out", "ds", "--split", "train=0.75,test=0.25"],
    ]
    for args in steps:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
    env = {"HF_TOKEN": hub.write_token}
    first = runner.invoke(cli, ["publish", "ds", "--repo-id", "alice/sample"], env=env)
    assert first.exit_code == 0, first.output
    manifest = load_manifest(tmp_path / "ds")
    remote = hub.files("alice/sample")
    for entry in manifest.files:
        assert remote[entry.path] == (tmp_path / "ds" / entry.path).read_bytes()
    assert not any(path.startswith(".dataset-kit") for path in remote)
    card = remote["README.md"].decode()
    assert "license: cc-by-4.0" in card

    again = runner.invoke(cli, ["publish", "ds", "--repo-id", "alice/sample"], env=env)
    assert again.exit_code == 0
    assert "Nothing to publish" in again.output
    assert hub.write_token not in first.output + again.output

    report = json.loads((tmp_path / "ds.report.json").read_text())
    assert report["dedup"]["verification"] == "exact"


def _check_card_matches_export(dataset: Path) -> None:
    from huggingface_hub import DatasetCard

    manifest = load_manifest(dataset)
    card = DatasetCard.load(dataset / "README.md")
    info = card.data.to_dict()["dataset_info"]
    splits = {split["name"]: split["num_examples"] for split in info["splits"]}
    assert splits == {name: entry.rows for name, entry in manifest.splits.items()}
    config = card.data.to_dict()["configs"][0]
    listed = {item["split"]: item["path"] for item in config["data_files"]}
    for name, entry in manifest.splits.items():
        paths = listed[name] if isinstance(listed[name], list) else [listed[name]]
        assert sorted(entry.files) == sorted(paths) or all(
            any(Path(f).match(p) for p in paths) for f in entry.files
        )
    assert info["download_size"] == sum(f.bytes for f in manifest.data_files())
    assert card.data.license


def test_card_of_the_bundled_sample_matches_its_shards(runner, tmp_path):
    workdir = tmp_path / "demo"
    assert runner.invoke(cli, ["demo", "--dir", str(workdir)]).exit_code == 0
    _check_card_matches_export(workdir / "dataset")


def test_real_export_of_100k_articles_has_a_consistent_card(runner, tmp_path):
    rows = []
    sources = ["Harbor Ledger", "Northwire", "Valley Tribune", None]
    for i in range(100_000):
        rows.append(
            json.dumps(
                {
                    "id": f"n{i}",
                    "title": f"Council vote number {i}",
                    "text": f"Article {i} reports vote {i * 7 % 1013} on item {i % 97} today.",
                    "source": sources[i % 4],
                    "published_at": f"20{21 + i % 4}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "language": "en" if i % 5 else "de",
                }
            )
        )
    corpus = tmp_path / "big.jsonl"
    corpus.write_text("\n".join(rows) + "\n")
    config = tmp_path / "dataset-kit.toml"
    config.write_text('[card]\nlicense = "cc-by-4.0"\n')
    out = tmp_path / "ds"
    result = runner.invoke(
        cli, ["export", str(corpus), "--out", str(out), "--config", str(config), "--dedup", "exact"]
    )
    assert result.exit_code == 0, result.output
    _check_card_matches_export(out)
    from huggingface_hub import DatasetCard

    assert "size_categories:\n- 100K<n<1M" in (out / "README.md").read_text()
    assert DatasetCard.load(out / "README.md").data.language == ["de", "en"]


def test_missing_license_warns_at_export_and_blocks_publish(runner, hub, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(cli, ["ingest", str(pages_dir()), "-o", "a.jsonl"]).exit_code == 0
    result = runner.invoke(cli, ["export", "a.jsonl", "--out", "ds"])
    assert result.exit_code == 0, result.output
    assert "Warning: no license" in result.output
    env = {"HF_TOKEN": hub.write_token}
    refused = runner.invoke(cli, ["publish", "ds", "--repo-id", "alice/x"], env=env)
    assert refused.exit_code == 2
    assert "license" in refused.output
    assert hub.write_requests() == []
