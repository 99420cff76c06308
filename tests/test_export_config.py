"""dataset-kit.toml (``init``, ``--config``, flags over file) and atomicity on a killed run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from export_helpers import corpus, split_of, tree_digests, write_jsonl

from dataset_kit.cli import cli
from dataset_kit.config import ExportSettings, load_config, render_config
from dataset_kit.errors import DatasetKitError
from dataset_kit.manifest import load_manifest


def test_init_writes_a_config_that_reruns_the_export(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "a.jsonl", corpus(200, near_every=7, seed=30))
    result = runner.invoke(
        cli,
        [
            "init",
            "a.jsonl",
            "--out",
            "ds",
            "--split",
            "train=0.8,validation=0.1,test=0.1",
            "--seed",
            "5",
            "--near-keep",
            "one",
            "--max-shard-size",
            "1MB",
        ],
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "dataset-kit.toml").read_text()
    assert 'inputs = ["a.jsonl"]' in text and 'out = "ds"' in text
    assert "[card]" in text
    again = runner.invoke(cli, ["init", "a.jsonl"])
    assert again.exit_code == 2 and "--force" in again.output

    exported = runner.invoke(cli, ["export"])
    assert exported.exit_code == 0, exported.output
    manifest = load_manifest(tmp_path / "ds")
    assert set(manifest.splits) == {"train", "validation", "test"}
    assert manifest.config["seed"] == 5
    assert manifest.config["dedup"]["near_keep"] == "one"
    assert manifest.counts["near_duplicates_dropped"] > 0

    # The same export by flags alone gives the same splits.
    flags = runner.invoke(
        cli,
        [
            "export",
            "a.jsonl",
            "--out",
            "by-flags",
            "--config",
            os.devnull,
            "--split",
            "train=0.8,validation=0.1,test=0.1",
            "--seed",
            "5",
            "--near-keep",
            "one",
        ],
    )
    assert flags.exit_code == 0, flags.output
    assert split_of(tmp_path / "ds") == split_of(tmp_path / "by-flags")


def test_flags_override_the_config_file(runner: CliRunner, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", corpus(100, seed=31))
    config = tmp_path / "settings" / "dataset-kit.toml"
    config.parent.mkdir()
    config.write_text(
        '[export]\ninputs = ["../a.jsonl"]\nout = "../from-config"\n'
        'split = {train = 0.5, test = 0.5}\nseed = 3\n\n[card]\npretty_name = "Test News"\n'
    )
    result = runner.invoke(cli, ["export", "--config", str(config), "--seed", "4"])
    assert result.exit_code == 0, result.output
    manifest = load_manifest(tmp_path / "from-config")
    assert manifest.config["seed"] == 4
    assert manifest.config["split"]["ratios"] == {"train": 0.5, "test": 0.5}
    assert manifest.config["card"] == {"pretty_name": "Test News"}
    assert manifest.inputs[0].records == 100
    assert Path(manifest.inputs[0].path).resolve() == source.resolve()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[export]\nsplitt = 'train=1'\n", "unknown setting [export].splitt"),
        ("[export]\nseed = 'one'\n", "wrong type"),
        ("[export\n", "not valid TOML"),
        ("[export]\ndedup = 'fuzzy'\n", "dedup must be one of"),
    ],
)
def test_bad_config_is_a_clear_error(
    runner: CliRunner, tmp_path: Path, text: str, message: str
) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", corpus(5, seed=32))
    config = tmp_path / "c.toml"
    config.write_text(text)
    result = runner.invoke(
        cli, ["export", str(source), "--out", str(tmp_path / "ds"), "--config", str(config)]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    if "dedup" not in message:
        assert str(config) in result.output


def test_render_and_load_round_trip(tmp_path: Path) -> None:
    settings = ExportSettings(
        inputs=(str(tmp_path / "in" / "*.jsonl"),),
        out=str(tmp_path / "out"),
        split="train=0.7,test=0.3",
        split_by_date=None,
        stratify="source",
        seed=9,
        dedup="exact",
        near_threshold=0.85,
        max_shard_size="2GB",
        card={"pretty_name": 'Quoted "name"', "tags": ["news", "en"]},
    )
    path = tmp_path / "dataset-kit.toml"
    path.write_text(render_config(settings, tmp_path))
    loaded = load_config(path)
    assert Path(loaded.out or "").resolve() == (tmp_path / "out").resolve()
    assert [Path(p).resolve() for p in loaded.inputs] == [(tmp_path / "in" / "*.jsonl").resolve()]
    assert loaded.card == settings.card
    for key in ("split", "stratify", "seed", "dedup", "near_threshold", "max_shard_size"):
        assert getattr(loaded, key) == getattr(settings, key)
    with pytest.raises(DatasetKitError, match="cannot be combined"):
        ExportSettings(stratify="source", split_by_date="published_at:2024-01-01").check()


def test_urls_in_the_config_stay_urls(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    """Paths in the file are relative to its folder, but a URL is no path: "s3://b/k"
    read as one became "s3:/b/k", a local folder named "s3:"."""
    monkeypatch.chdir(tmp_path)
    urls = ["s3://bucket/in/", "hf://datasets/me/news/data/*.parquet"]
    result = runner.invoke(
        cli, ["init", *urls, "local.jsonl", "--out", "s3://bucket/ds", "--work-dir", "gs://b/w"]
    )
    assert result.exit_code == 0, result.output
    loaded = load_config(tmp_path / "dataset-kit.toml")
    assert loaded.inputs == (*urls, "local.jsonl")
    assert (loaded.out, loaded.work_dir) == ("s3://bucket/ds", "gs://b/w")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "dataset-kit.toml").write_text(
        '[export]\ninputs = ["S3://bucket/in/"]\nout = "s3://bucket/x"\n'
    )
    loaded = load_config(folder / "dataset-kit.toml")
    assert (loaded.inputs, loaded.out) == (("S3://bucket/in/",), "s3://bucket/x")


def test_killed_export_leaves_the_earlier_folder_untouched(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", corpus(3000, near_every=9, seed=33))
    out = tmp_path / "ds"
    command = [
        sys.executable,
        "-m",
        "dataset_kit.cli",
        "export",
        str(source),
        "--out",
        str(out),
        "-q",
    ]
    subprocess.run([*command, "--split", "train=0.5,test=0.5"], check=True, timeout=300)
    before = tree_digests(out)
    rejects = (tmp_path / "ds.rejects.jsonl").read_bytes()

    process = subprocess.Popen(command)
    deadline = time.monotonic() + 120
    try:
        # Kill it once it is visibly writing: its temporary folder holds spilled data.
        while time.monotonic() < deadline:
            spills = list(tmp_path.glob(".tmp-dataset-kit-*/.spill/*.arrow"))
            if spills or process.poll() is not None:
                break
            time.sleep(0.005)
        assert process.poll() is None, "export finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert tree_digests(out) == before
    assert (tmp_path / "ds.rejects.jsonl").read_bytes() == rejects
    assert json.loads((tmp_path / "ds.report.json").read_text())["splits"]["train"]["share"] < 0.6

    # The next export removes the leftovers and completes.
    subprocess.run(command, check=True, timeout=300)
    assert list(tmp_path.glob(".tmp-dataset-kit-*")) == []
    assert tree_digests(out) != before


def test_a_relative_work_dir_in_the_config_is_relative_to_the_file(
    runner: CliRunner, tmp_path: Path, monkeypatch
) -> None:
    """Like `out` and the inputs: the folder with its config can be moved as a whole."""
    project = tmp_path / "project"
    project.mkdir()
    write_jsonl(project / "in.jsonl", corpus(30, seed=8))
    (project / "dataset-kit.toml").write_text(
        '[export]\ninputs = ["in.jsonl"]\nout = "ds"\nwork_dir = "scratch"\n'
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(cli, ["export", "--config", str(project / "dataset-kit.toml")])
    assert result.exit_code == 0, result.output
    assert (project / "scratch").is_dir() and list((project / "scratch").iterdir()) == []
    assert list(elsewhere.iterdir()) == []
