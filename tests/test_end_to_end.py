"""The whole journey through the CLI, as the README tells it: demo, then raw dumps ->
ingest -> validate -> export (card included) -> publish to the local Hub -> load."""

from __future__ import annotations

import json

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
    assert report["dedup"]["cross_split_pairs"] == 0
