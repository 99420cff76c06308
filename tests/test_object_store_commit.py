"""The commit of an export into an object store (:mod:`dataset_kit.remote_commit`),
against a real S3 API (moto's server on 127.0.0.1): staging, the journaled commit,
roll-forward after a crash at every step, and what a reader of the manifest sees."""

from __future__ import annotations

import orjson
import pytest

from dataset_kit import atomic, remote_commit
from dataset_kit.errors import DatasetKitError
from dataset_kit.remote_commit import journal_path, recover_commits, remote_set
from dataset_kit.stages.finish import carry_over
from dataset_kit.storage import as_path

MANIFEST = "NAME/.dataset-kit/manifest.json"


class Crash(BaseException):
    """A run killed at this point (not an Exception: nothing may catch it)."""


def fill(staged, version: str, shards: dict[str, bytes]) -> None:
    """Write an export like the real one: shards, card, manifest, rejects, report."""
    for name, data in shards.items():
        (staged.folder / "data" / name).write_bytes(data)
    (staged.folder / "README.md").write_bytes(f"card {version}\n".encode())
    listed = [{"path": f"data/{name}", "bytes": len(data)} for name, data in shards.items()]
    manifest = {"version": version, "files": listed}
    (staged.folder / ".dataset-kit" / "manifest.json").write_bytes(orjson.dumps(manifest))
    staged.file(companion(staged, "rejects")).write_bytes(f"rejects {version}\n".encode())
    staged.file(companion(staged, "report")).write_bytes(f"report {version}\n".encode())


def companion(staged, kind: str) -> str:
    return next(final for final in staged.files if kind in final)


def companions(base: str) -> list:
    return [as_path(base + "/NAME.rejects.jsonl"), as_path(base + "/NAME.report.json")]


def export_version(s3, version: str, shards: dict[str, bytes]) -> list[str]:
    base = s3.url("out").rstrip("/")
    with remote_set(as_path(base + "/NAME"), companions(base)) as staged:
        fill(staged, version, shards)
    return staged.recovered


def seen_by_reader(s3) -> str:
    """The version a reader that starts from the manifest sees."""
    return orjson.loads(s3.get("out/" + MANIFEST))["version"]


OLD = {"train-0.parquet": b"old 0", "train-1.parquet": b"old 1"}
NEW = {"train-0.parquet": b"new 0", "test-0.parquet": b"new t"}


def final_state(s3) -> dict[str, bytes]:
    return {key: s3.get(key) for key in s3.keys("out/")}


def test_first_export_lands_whole_and_leaves_nothing_else(s3):
    assert export_version(s3, "v1", OLD) == []
    assert s3.keys("out/") == [
        "out/NAME.rejects.jsonl",
        "out/NAME.report.json",
        "out/" + MANIFEST,
        "out/NAME/README.md",
        "out/NAME/data/train-0.parquet",
        "out/NAME/data/train-1.parquet",
    ]
    assert seen_by_reader(s3) == "v1"


def test_a_new_export_replaces_the_earlier_one_and_removes_its_leftovers(s3):
    export_version(s3, "v1", OLD)
    export_version(s3, "v2", NEW)
    state = final_state(s3)
    assert "out/NAME/data/train-1.parquet" not in state  # only the earlier export had it
    assert state["out/NAME/data/train-0.parquet"] == b"new 0"
    assert state["out/NAME/data/test-0.parquet"] == b"new t"
    assert state["out/NAME.report.json"] == b"report v2\n"
    assert seen_by_reader(s3) == "v2"


def test_a_failure_while_staging_leaves_the_earlier_export_untouched(s3):
    export_version(s3, "v1", OLD)
    before = final_state(s3)
    base = s3.url("out").rstrip("/")
    with pytest.raises(RuntimeError), remote_set(as_path(base + "/NAME"), companions(base)) as s:
        fill(s, "v2", NEW)
        raise RuntimeError("a stage failed")
    assert final_state(s3) == before  # staging prefix removed, nothing else changed


def test_files_the_user_added_are_carried_over(s3):
    export_version(s3, "v1", OLD)
    s3.client.put_object(Bucket=s3.bucket, Key="out/NAME/LICENSE", Body=b"mine")
    s3.client.put_object(Bucket=s3.bucket, Key="out/NAME/notes/a.md", Body=b"notes")
    base = s3.url("out").rstrip("/")
    out = as_path(base + "/NAME")
    with remote_set(out, companions(base)) as staged:
        fill(staged, "v2", NEW)
        assert carry_over(out, staged.folder) == ["LICENSE", "notes/"]
    assert s3.get("out/NAME/LICENSE") == b"mine"
    assert s3.get("out/NAME/notes/a.md") == b"notes"


# The copies a commit of NEW over OLD makes: shards, card, the two companions, and
# the manifest last. Then one more step: the staging prefix removed.
COPIES = len(NEW) + 1 + 2 + 1


@pytest.mark.parametrize("crash_at", range(COPIES + 3))
def test_a_commit_interrupted_at_any_step_is_rolled_forward(s3, monkeypatch, crash_at):
    export_version(s3, "v1", OLD)
    export_version(s3, "v2", NEW)
    expected = final_state(s3)
    s3.client.delete_objects(
        Bucket=s3.bucket, Delete={"Objects": [{"Key": k} for k in s3.keys("out/")]}
    )
    export_version(s3, "v1", OLD)

    steps = {"n": 0}
    copy, remove = remote_commit.copy_object, remote_commit._remove_prefix
    copies = COPIES

    def step() -> None:
        steps["n"] += 1
        if steps["n"] > crash_at:
            raise Crash

    def crashing_copy(fs, source, final):
        step()
        copy(fs, source, final)

    def crashing_remove(prefix):
        step()
        remove(prefix)

    monkeypatch.setattr(remote_commit, "copy_object", crashing_copy)
    monkeypatch.setattr(remote_commit, "_remove_prefix", crashing_remove)
    with pytest.raises(Crash):
        export_version(s3, "v2", NEW)
        raise Crash  # crash_at beyond the last step: the commit finished
    monkeypatch.setattr(remote_commit, "copy_object", copy)
    monkeypatch.setattr(remote_commit, "_remove_prefix", remove)

    # What a reader sees: the earlier export until the manifest is copied (the last
    # copy), the new one from then on.
    assert seen_by_reader(s3) == ("v2" if crash_at >= copies else "v1")
    journal = journal_path(as_path(s3.url("out/NAME")))
    if crash_at <= copies:
        assert journal.exists()
        # The run that crashed still "runs" (this process): its commit is left alone.
        assert recover_commits(journal.parent) == []
        monkeypatch.setattr(remote_commit, "owner_alive", lambda name: False)
        assert recover_commits(journal.parent) == [
            "completed the replacement of NAME that an interrupted run began"
        ]
    assert final_state(s3) == expected


def test_the_next_export_completes_an_interrupted_commit_first(s3, monkeypatch):
    export_version(s3, "v1", OLD)
    copy = remote_commit.copy_object

    def crash_on_manifest(fs, source, final):
        if final.endswith("manifest.json"):
            raise Crash
        copy(fs, source, final)

    monkeypatch.setattr(remote_commit, "copy_object", crash_on_manifest)
    with pytest.raises(Crash):
        export_version(s3, "v2", NEW)
    monkeypatch.setattr(remote_commit, "copy_object", copy)
    monkeypatch.setattr(remote_commit, "owner_alive", lambda name: False)
    assert seen_by_reader(s3) == "v1"
    recovered = export_version(s3, "v3", OLD)
    assert recovered == ["completed the replacement of NAME that an interrupted run began"]
    assert seen_by_reader(s3) == "v3"
    assert s3.get("out/NAME/data/train-1.parquet") == b"old 1"
    assert not [k for k in s3.keys("out/") if ".tmp-dataset-kit-" in k or "swap" in k]


def test_an_uncommitted_staging_prefix_of_a_dead_run_is_discarded(s3):
    # This host, a pid that cannot exist: a run that is gone.
    dead = f"out/.tmp-dataset-kit-{atomic._host()}-999999999-1-new-abc/NAME/data/x.parquet"
    s3.client.put_object(Bucket=s3.bucket, Key=dead, Body=b"half an export")
    export_version(s3, "v1", OLD)
    assert dead not in s3.keys("out/")
    assert seen_by_reader(s3) == "v1"


def test_out_in_a_store_is_checked_before_anything_is_written(runner, s3, tmp_path):
    from dataset_kit.cli import cli
    from tests.export_helpers import corpus, write_jsonl

    source = str(write_jsonl(tmp_path / "in.jsonl", corpus(5)))
    s3.client.put_object(Bucket=s3.bucket, Key="other/notes.txt", Body=b"not an export")
    s3.client.put_object(Bucket=s3.bucket, Key="an-object", Body=b"x")
    s3.client.put_object(Bucket=s3.bucket, Key="ds/" + MANIFEST[len("NAME/") :], Body=b"{}")
    s3.client.put_object(Bucket=s3.bucket, Key="ds/raw/in.jsonl", Body=b"{}\n")
    before = s3.keys()
    cases = [
        ([source, "--out", s3.url("other")], "is not a dataset-kit export"),
        ([source, "--out", s3.url("an-object")], "exists and is not a folder"),
        ([source, "--out", s3.url()], "not the bucket itself"),
        ([s3.url("ds/raw/in.jsonl"), "--out", s3.url("ds")], "an input is inside the output"),
        (
            [s3.url("ds.report.json"), "--out", s3.url("ds")],
            "no such object, prefix or bucket",
        ),
    ]
    for args, said in cases:
        result = runner.invoke(cli, ["export", *args])
        assert result.exit_code == 2, result.output
        assert said in result.output, result.output
        assert "Traceback" not in result.output
    assert s3.keys() == before


def test_an_input_that_is_the_report_of_the_export_is_refused(runner, s3, tmp_path):
    from dataset_kit.cli import cli

    s3.client.put_object(Bucket=s3.bucket, Key="ds.rejects.jsonl", Body=b"{}\n")
    result = runner.invoke(cli, ["export", s3.url("ds.rejects.jsonl"), "--out", s3.url("ds")])
    assert result.exit_code == 2, result.output
    assert "is an input and the rejects file of this export" in result.output
    assert s3.keys() == ["ds.rejects.jsonl"]


def test_a_staged_export_without_a_manifest_is_not_committed(s3):
    export_version(s3, "v1", OLD)
    before = final_state(s3)
    base = s3.url("out").rstrip("/")
    no_manifest = pytest.raises(DatasetKitError, match="the staged export has no manifest")
    with no_manifest, remote_set(as_path(base + "/NAME"), companions(base)) as staged:
        (staged.folder / "data" / "train-0.parquet").write_bytes(b"orphan")
    assert final_state(s3) == before


def test_a_hand_edited_card_in_a_store_gives_advice_that_works_there(runner, s3, tmp_path):
    """`dataset-kit card DIR --force` edits a local folder: not advised for a store."""
    from dataset_kit.cli import cli
    from tests.export_helpers import corpus, write_jsonl

    source = str(write_jsonl(tmp_path / "in.jsonl", corpus(20)))
    args = ["export", source, "--out", s3.url("ds")]
    assert runner.invoke(cli, args).exit_code == 0
    card = s3.get("ds/README.md")
    s3.client.put_object(Bucket=s3.bucket, Key="ds/README.md", Body=card + b"\nMy note.\n")
    stored = s3.keys()
    before = {key: s3.get(key) for key in stored}
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {s3.url('ds/README.md')}: was edited"), result.output
    assert f"delete {s3.url('ds/README.md')} and export again" in result.output
    assert "dataset-kit card" not in result.output
    assert s3.keys() == stored
    assert {key: s3.get(key) for key in stored} == before


@pytest.mark.parametrize("name", ["glob*/ds", "ds?x=1", "d[1]"])
@pytest.mark.parametrize("option", ["--out", "--work-dir"])
def test_a_url_to_write_with_pattern_characters_is_refused(runner, s3, tmp_path, name, option):
    """The store's copies read *, ? and [ as patterns: the export landed under
    mangled keys (ds?x=1/README.md/README.md)."""
    from dataset_kit.cli import cli
    from tests.export_helpers import corpus, write_jsonl

    source = str(write_jsonl(tmp_path / "in.jsonl", corpus(5)))
    out = s3.url(name) if option == "--out" else str(tmp_path / "ds")
    args = [
        "export",
        source,
        "--out",
        out,
        "--work-dir",
        s3.url(name if option != "--out" else "w"),
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {option} {s3.url(name)}: a URL written to may not"), (
        result.output
    )
    assert s3.keys() == []
    assert not (tmp_path / "ds").exists()
