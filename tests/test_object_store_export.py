"""``export --out s3://...`` end to end, against a real S3 API (moto's server on
127.0.0.1): the export lands whole, ``datasets`` reads its shards back from the store,
a rerun replaces it, and a run killed during its commit is completed by the next.

Pass 2 writes shards and spills through :mod:`dataset_kit.storage` only from branch
``pass2-shards`` on (its ``stages.spill.work_folder``); before it, an export cannot
write into a store at all, and these tests wait for it.
"""

from __future__ import annotations

import json

import pytest

from dataset_kit import remote_commit
from dataset_kit.cli import cli
from dataset_kit.stages import spill
from tests.export_helpers import corpus, write_jsonl

pytestmark = pytest.mark.skipif(
    not hasattr(spill, "work_folder"),
    reason="pass 2 does not write through dataset_kit.storage yet (branch pass2-shards)",
)


class Crash(BaseException):
    """The run killed at this point."""


def export(runner, source, out, *extra):
    return runner.invoke(cli, ["export", str(source), "--out", out, *map(str, extra)])


def test_export_to_a_bucket_then_datasets_reads_it_back(runner, s3, tmp_path, monkeypatch):
    # Near copies too: checking candidate pairs needs a local scratch file.
    rows = corpus(200, exact_every=20, near_every=15)
    source = write_jsonl(tmp_path / "in.jsonl", [*rows, b"{broken"])
    out = s3.url("exports/news")
    result = export(runner, source, out, "--split", "train=0.8,test=0.2", "--jobs", 2)
    assert result.exit_code == 0, result.output
    local = export(runner, source, tmp_path / "news", "--split", "train=0.8,test=0.2")
    assert local.exit_code == 0, local.output

    keys = s3.keys("exports/")
    assert not [k for k in keys if ".tmp-dataset-kit-" in k or "swap" in k or ".spill" in k]
    assert "exports/news.rejects.jsonl" in keys and "exports/news.report.json" in keys
    manifest = json.loads(s3.get("exports/news/.dataset-kit/manifest.json"))
    shards = [f for f in manifest["files"] if f["role"] == "data"]
    for entry in shards:  # byte-identical to the local export of the same input
        local_shard = (tmp_path / "news" / entry["path"]).read_bytes()
        assert s3.get(f"exports/news/{entry['path']}") == local_shard

    import datasets
    import huggingface_hub.constants as hf_constants

    # Offline mode (set for the whole suite) forbids any URL; this one is 127.0.0.1,
    # and the packaged "parquet" builder needs nothing from the Hub.
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    options = {"client_kwargs": {"endpoint_url": s3.endpoint}}
    loaded = datasets.load_dataset(
        "parquet",
        data_files={
            split: [f"{out}/{f['path']}" for f in shards if f["split"] == split]
            for split in ("train", "test")
        },
        storage_options=options,
        cache_dir=str(tmp_path / "hf-datasets-cache"),
    )
    for split in ("train", "test"):
        assert loaded[split].num_rows == sum(f["rows"] for f in shards if f["split"] == split)
        assert loaded[split].num_rows > 0
    assert sum(d.num_rows for d in loaded.values()) == manifest["counts"]["written"]


def test_a_rerun_replaces_the_export_and_keeps_what_the_user_added(runner, s3, tmp_path):
    big = write_jsonl(tmp_path / "big.jsonl", corpus(300))
    small = write_jsonl(tmp_path / "small.jsonl", corpus(40))
    out = s3.url("exports/news")
    assert export(runner, big, out, "--max-shard-size", "150KB").exit_code == 0
    before = [k for k in s3.keys("exports/news/data/")]
    assert len(before) > 2
    s3.client.put_object(Bucket=s3.bucket, Key="exports/news/LICENSE", Body=b"mine")
    card = s3.get("exports/news/README.md") + (
        b"\n<!-- dataset-kit:keep thanks -->\n## Thanks\n\nTo the editors.\n"
        b"<!-- /dataset-kit:keep thanks -->\n"
    )
    s3.client.put_object(Bucket=s3.bucket, Key="exports/news/README.md", Body=card)
    result = export(runner, small, out)
    assert result.exit_code == 0, result.output
    assert "Kept from the earlier news: LICENSE" in result.output
    manifest = json.loads(s3.get("exports/news/.dataset-kit/manifest.json"))
    listed = {f"exports/news/{f['path']}" for f in manifest["files"]}
    data = set(s3.keys("exports/news/data/"))
    assert data == {key for key in listed if key.startswith("exports/news/data/")}
    assert s3.get("exports/news/LICENSE") == b"mine"
    assert s3.get("exports/news/README.md").count(b"To the editors.") == 1  # the earlier card's
    assert manifest["counts"]["read"] == 40


def test_an_export_killed_in_its_commit_is_completed_by_the_next(runner, s3, tmp_path, monkeypatch):
    first = write_jsonl(tmp_path / "first.jsonl", corpus(60))
    second = write_jsonl(tmp_path / "second.jsonl", corpus(90, seed=9))
    out = s3.url("exports/news")
    assert export(runner, first, out).exit_code == 0
    copy = remote_commit.copy_object

    def killed_before_the_manifest(fs, source, final):
        if final.endswith("manifest.json"):
            raise Crash
        copy(fs, source, final)

    monkeypatch.setattr(remote_commit, "copy_object", killed_before_the_manifest)
    with pytest.raises(Crash):
        export(runner, second, out)
    monkeypatch.setattr(remote_commit, "copy_object", copy)
    # A reader going by the manifest still sees the first export.
    manifest = json.loads(s3.get("exports/news/.dataset-kit/manifest.json"))
    assert manifest["counts"]["read"] == 60
    # The killed run's process is gone (here: pretend so), and the next run finishes
    # its commit before its own.
    monkeypatch.setattr(remote_commit, "owner_alive", lambda name: False)
    result = export(runner, second, out)
    assert result.exit_code == 0, result.output
    assert "completed the replacement of news that an interrupted run began" in result.output
    manifest = json.loads(s3.get("exports/news/.dataset-kit/manifest.json"))
    assert manifest["counts"]["read"] == 90
    assert not [k for k in s3.keys("exports/") if ".tmp-dataset-kit-" in k or "swap" in k]


def test_an_unreachable_store_for_out_is_an_error_naming_it(runner, s3, tmp_path, monkeypatch):
    from tests.s3_fixtures import clear_store_caches, closed_port_endpoint

    source = write_jsonl(tmp_path / "in.jsonl", corpus(5))
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", closed_port_endpoint())
    clear_store_caches()
    result = export(runner, source, s3.url("exports/news"))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {s3.url('exports/news')}: cannot connect")


def test_an_empty_export_does_not_replace_one_with_records(runner, s3, tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", corpus(30))
    bad = write_jsonl(tmp_path / "bad.jsonl", [b"{broken", b"[1]"])
    out = s3.url("exports/news")
    assert export(runner, good, out).exit_code == 0
    before = {key: s3.get(key) for key in s3.keys("exports/")}
    result = export(runner, bad, out)
    assert result.exit_code == 1, result.output
    assert "Pass --allow-empty" in result.output
    assert {key: s3.get(key) for key in s3.keys("exports/")} == before
