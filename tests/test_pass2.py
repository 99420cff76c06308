"""Pass 2 as independent shard tasks: identical bytes for any executor, every split
mode; reused-id rejects; --work-dir (local, unusable, and an fsspec URL)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from export_helpers import corpus, tree_digests, write_jsonl

from dataset_kit.cli import cli
from dataset_kit.stages.spill import RUN_FOLDER_KIND

MODES = {
    "hashed": [],
    "stratified": ["--stratify", "source"],
    "grouped": ["--group-by", "source", "--split", "train=0.6,test=0.4"],
    "by-date": ["--split-by-date", "published_at:2023-01-01,2024-01-01"],
}


def _inputs(folder: Path) -> list[str]:
    """Four files (so pass 1 has several tasks) with near and exact copies, invalid
    records and ids reused by different articles."""
    rows = corpus(480, seed=21, near_every=7, exact_every=29)
    for n, row in enumerate(rows):
        row["source"] = f"outlet-{n % 9}"
    rows[40]["id"] = rows[3]["id"]  # a different article reusing an id
    rows[300]["id"] = rows[120]["id"]
    rows[50]["text"] = 17  # invalid
    paths = []
    for part in range(4):
        chunk = rows[part * 120 : (part + 1) * 120]
        paths.append(str(write_jsonl(folder / f"in-{part}.jsonl", chunk)))
    return paths


def _export(runner: CliRunner, inputs: list[str], out: Path, *extra: str) -> str:
    """Export, and digest everything it wrote (shards, manifest, card, rejects)."""
    args = ["export", *inputs, "--out", str(out), "--max-shard-size", "64KiB", *extra]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(json.dumps(tree_digests(out), sort_keys=True).encode())
    digest.update(out.parent.joinpath(f"{out.name}.rejects.jsonl").read_bytes())
    return digest.hexdigest()


def test_every_split_mode_writes_the_same_bytes_for_any_jobs(runner, tmp_path):
    inputs = _inputs(tmp_path)
    table: dict[str, dict[str, str]] = {}
    for mode, flags in MODES.items():
        for jobs in ("1", "2"):
            out = tmp_path / f"{mode}-{jobs}"
            table.setdefault(mode, {})[jobs] = _export(runner, inputs, out, *flags, "--jobs", jobs)
            shards = list((out / "data").glob("*.parquet"))
            assert len(shards) > 4, (mode, len(shards))
            assert not list((out / "data").glob(".*")), "no temporary shard is left"
    for mode, digests in table.items():
        assert digests["1"] == digests["2"], (mode, table)
    assert len({digests["1"] for digests in table.values()}) == len(MODES), table


def test_counts_add_up_and_reused_ids_are_rejected_after_invalid_records(runner, tmp_path):
    inputs = _inputs(tmp_path)
    out = tmp_path / "ds"
    _export(runner, inputs, out, "--jobs", "2")
    report = json.loads((tmp_path / "ds.report.json").read_text())
    counts = report["counts"]
    assert counts["read"] == 480
    assert counts["read"] == (
        counts["written"] + counts["rejected"] + counts["duplicates_dropped"]
    ), counts
    lines = (tmp_path / "ds.rejects.jsonl").read_text().splitlines()
    rejects = [json.loads(line) for line in lines]
    kinds = ["unique" in json.dumps(r["errors"]) for r in rejects]
    # pass 1's rejects first, then the reused ids, in input order
    assert kinds == sorted(kinds) and kinds.count(True) == 2, rejects
    reused = [r for r, kind in zip(rejects, kinds, strict=True) if kind]
    assert [(r["file"].rsplit("/", 1)[-1], r["line"]) for r in reused] == [
        ("in-0.jsonl", 41),
        ("in-2.jsonl", 61),
    ]
    assert "already used by a different article" in json.dumps(reused[0])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_work_dir_gets_a_run_folder_removed_at_the_end(runner, tmp_path, monkeypatch, jobs):
    """Also when a shard task fails (in a worker with --jobs 2: the pool is forked after
    the patch): nothing is left in the work dir, and the earlier export is kept."""
    inputs = _inputs(tmp_path)
    default = _export(runner, inputs, tmp_path / "a")
    work = tmp_path / "work"
    assert _export(runner, inputs, tmp_path / "b", "--work-dir", str(work)) != ""
    assert tree_digests(tmp_path / "a") == tree_digests(tmp_path / "b")
    assert list(work.iterdir()) == []
    assert default

    from dataset_kit import shards

    def broken_commit(temporary, final):  # type: ignore[no-untyped-def]
        raise OSError("disk full (injected)")

    monkeypatch.setattr(shards, "commit_shard", broken_commit)
    args = ["export", *inputs, "--out", str(tmp_path / "b"), "--work-dir", str(work)]
    result = runner.invoke(cli, [*args, "--jobs", jobs])
    assert result.exit_code != 0
    assert list(work.iterdir()) == [], "the run folder is removed on failure too"
    assert tree_digests(tmp_path / "a") == tree_digests(tmp_path / "b")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_a_work_dir_that_cannot_be_written_is_a_clear_error(runner, tmp_path):
    inputs = _inputs(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = tmp_path / "ds"
    args = ["export", *inputs, "--out", str(out), "--work-dir", str(blocker / "work")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output and "--work-dir" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_work_dir_url_goes_through_fsspec(runner, tmp_path):
    """The memory filesystem lives in this process: inline only (--jobs 1)."""
    import fsspec

    inputs = _inputs(tmp_path)
    local = _export(runner, inputs, tmp_path / "a", "--jobs", "1")
    memory = fsspec.filesystem("memory")
    url = "memory://dataset-kit-test/work"
    remote = _export(runner, inputs, tmp_path / "b", "--jobs", "1", "--work-dir", url)
    assert remote == local
    leftovers = memory.find("/dataset-kit-test") if memory.exists("/dataset-kit-test") else []
    assert [p for p in leftovers if RUN_FOLDER_KIND in p] == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_spill_is_read_through_storage_when_remote(runner, tmp_path, monkeypatch, jobs):
    """A remote work folder is never memory-mapped; a local one always is."""
    from dataset_kit.stages import spill

    opened: list[str] = []
    real = spill.storage.open_arrow_input

    def spy(path):  # type: ignore[no-untyped-def]
        opened.append(str(path))
        return real(path)

    monkeypatch.setattr(spill.storage, "open_arrow_input", spy)
    inputs = _inputs(tmp_path)
    _export(runner, inputs, tmp_path / "a", "--jobs", jobs, "--dedup", "exact")
    assert opened == []
    if jobs == "1":
        url = "memory://dataset-kit-test/spy"
        _export(runner, inputs, tmp_path / "b", "--jobs", "1", "--work-dir", url)
        assert any(p.endswith(".plan.arrow") for p in opened)
        assert any(p.startswith("memory://") and p.endswith("0.arrow") for p in opened)


def test_a_killed_runs_work_folder_is_removed_by_the_next_run(runner, tmp_path):
    """A run killed before its cleanup leaves its run folder; the next run with the same
    --work-dir removes it once its owner is gone, and leaves a live run's alone."""
    import subprocess
    import sys

    from dataset_kit import atomic

    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(finished.stdout)
    work = tmp_path / "work"
    stale = work / f"{atomic.TMP_PREFIX}{atomic._host()}-{dead_pid}-1-{RUN_FOLDER_KIND}dead"
    live = work / f"{atomic.temp_prefix(RUN_FOLDER_KIND)}alive"
    for folder in (stale, live):
        (folder).mkdir(parents=True)
        (folder / "00000000.arrow").write_bytes(b"spill")
    _export(runner, _inputs(tmp_path), tmp_path / "a", "--work-dir", str(work))
    assert sorted(p.name for p in work.iterdir()) == [live.name]


def test_a_killed_runs_local_scratch_is_removed_by_the_next_run(runner, tmp_path, monkeypatch):
    """With the work folder in a store, the pair check's scratch is a local temporary
    folder; one left by a killed run goes at the next run, a live run's stays."""
    import subprocess
    import sys
    import tempfile

    from dataset_kit import atomic
    from dataset_kit.stages.spill import SCRATCH_KIND

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = (
        temp / f"{atomic.TMP_PREFIX}{atomic._host()}-{finished.stdout.strip()}-1-{SCRATCH_KIND}x"
    )
    live = temp / f"{atomic.temp_prefix(SCRATCH_KIND)}alive"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "pairs").write_bytes(b"scratch")
    url = "memory://dataset-kit-test/scratch-work"
    _export(runner, _inputs(tmp_path), tmp_path / "a", "--jobs", "1", "--work-dir", url)
    assert sorted(p.name for p in temp.iterdir()) == [live.name]


def test_the_bytes_do_not_depend_on_how_the_inputs_are_cut_into_tasks(
    runner, tmp_path, monkeypatch
):
    """A row group gathers rows from several spills; Arrow's writer cuts pages where
    the spills meet, so the shards would follow the task size (which a cluster may
    choose differently) unless each row group is made one chunk first."""
    from dataset_kit.stages import read_validate

    rows = corpus(3000, seed=4, near_every=0, exact_every=0)
    path = str(write_jsonl(tmp_path / "in.jsonl", rows))
    assert Path(path).stat().st_size > 2 << 20  # more than a page of text per row group
    big_row_groups = ("--jobs", "1", "--max-shard-size", "100MB", "--dedup", "exact")
    whole = _export(runner, [path], tmp_path / "whole", *big_row_groups)
    monkeypatch.setattr(read_validate, "RANGE_BYTES", 64 << 10)
    assert _export(runner, [path], tmp_path / "cut", *big_row_groups) == whole


@pytest.mark.parametrize("inside", ["ds", "ds/work", "./ds/"])
def test_a_work_dir_inside_the_export_is_refused(runner, tmp_path, monkeypatch, inside):
    """DIR is replaced as a whole: a work dir in it would be carried into the export
    as a folder the user added (with a killed run's spills)."""
    monkeypatch.chdir(tmp_path)
    inputs = _inputs(tmp_path)
    result = runner.invoke(cli, ["export", *inputs, "--out", "ds", "--work-dir", inside])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: --work-dir {inside}: is inside --out ds"), (
        result.output
    )
    assert not (tmp_path / "ds").exists()


def test_a_work_dir_in_a_bucket_that_does_not_exist_creates_no_bucket(runner, s3, tmp_path):
    inputs = _inputs(tmp_path)
    url = "s3://no-such-bucket-here/work"
    result = runner.invoke(
        cli, ["export", *inputs, "--out", str(tmp_path / "ds"), "--work-dir", url]
    )
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: --work-dir {url}: cannot write there"), result.output
    buckets = [b["Name"] for b in s3.client.list_buckets()["Buckets"]]
    assert buckets == [s3.bucket]


def test_a_work_dir_inside_an_export_in_a_store_is_refused(runner, s3, tmp_path):
    inputs = _inputs(tmp_path)
    args = ["export", *inputs, "--out", s3.url("ds"), "--work-dir", s3.url("ds/work")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "is inside --out" in result.output
    assert s3.keys() == []


def test_arrow_files_that_cannot_be_opened_name_their_path(tmp_path):
    # Arrow's own error carries the number but not the name: a worker without the
    # work folder said only "no such file or folder".
    from dataset_kit.errors import describe_os_error
    from dataset_kit.stages.spill import read_arrow
    from dataset_kit.storage import open_arrow_input, open_arrow_output

    for opening, path in (
        (open_arrow_output, tmp_path / "no-folder" / "00000001.arrow"),
        (open_arrow_input, tmp_path / "00000002.arrow"),
        (lambda p: read_arrow(str(p)), tmp_path / "00000003.arrow"),  # a spill, mapped
    ):
        with pytest.raises(FileNotFoundError) as caught:
            opening(path)
        assert describe_os_error(caught.value) == f"{path}: no such file or folder " + (
            "(was it moved or deleted while the command ran?)"
        )
