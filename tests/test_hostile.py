"""Hostile inputs and faults (issue #13, part B): each test drives the CLI as a careless or
hostile user would and checks that the command ends with ``Error: ...`` (or a clear note)
and a typed exit status, never a traceback, never a hang, and never loses a file.

Everything runs on small data made here; the only network is 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from dataset_kit.cli import cli
from tests.conftest import article
from tests.hub_server import HubServer
from tests.publish_helpers import local_files, rows, write_export

pytest_plugins = ["tests.hub_fixtures"]
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

REPO = "alice/news"


def no_traceback(result) -> None:  # type: ignore[no-untyped-def]
    """The command ended with a message for the user, not a Python traceback."""
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def write_records(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# -- 9, 11: publish against a hub that stalls or an upload that fails -------------------


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def test_publish_to_a_hub_that_never_answers_times_out_and_exits_5(
    runner, hub, silent_server, fast_retry, tmp_path, monkeypatch
):
    root = write_export(tmp_path / "ds", {"train": [rows(0, 3)]})
    monkeypatch.setenv("HF_ENDPOINT", silent_server)
    monkeypatch.setenv("DATASET_KIT_HUB_TIMEOUT", "0.5")
    started = time.monotonic()
    result = runner.invoke(
        cli, ["publish", str(root), "--repo-id", REPO], env={"HF_TOKEN": hub.write_token}
    )
    assert time.monotonic() - started < 30
    no_traceback(result)
    assert result.exit_code == 5, result.output
    assert "ReadTimeout" in result.stderr and "run the same command again" in result.stderr
    assert len(fast_retry) == 3  # retried like any transient fault: 4 attempts in all


def test_publish_refuses_a_bad_timeout_setting(runner, hub, tmp_path, monkeypatch):
    root = write_export(tmp_path / "ds", {"train": [rows(0, 3)]})
    monkeypatch.setenv("DATASET_KIT_HUB_TIMEOUT", "soon")
    result = runner.invoke(
        cli, ["publish", str(root), "--repo-id", REPO], env={"HF_TOKEN": hub.write_token}
    )
    no_traceback(result)
    assert result.exit_code == 2 and "DATASET_KIT_HUB_TIMEOUT" in result.stderr


def test_a_failed_xet_upload_is_a_transient_failure(
    runner, hub: HubServer, fast_retry, tmp_path, monkeypatch
):
    import huggingface_hub._commit_api as commit_api

    def failing_xet_upload(**_kwargs: object) -> None:
        # What hf_xet raises when the connection to the storage backend is lost.
        raise ConnectionError("Data processing error: connection reset by peer")

    xet_available, xet_upload = commit_api.is_xet_available, commit_api._upload_xet_files
    monkeypatch.setattr(commit_api, "is_xet_available", lambda: True)
    monkeypatch.setattr(commit_api, "_upload_xet_files", failing_xet_upload)
    root = write_export(tmp_path / "ds", {"train": [rows(0, 3)]})
    result = runner.invoke(
        cli, ["publish", str(root), "--repo-id", REPO], env={"HF_TOKEN": hub.write_token}
    )
    no_traceback(result)
    assert result.exit_code == 5, result.output
    assert "ConnectionError" in result.stderr and "run the same command again" in result.stderr
    assert hub.calls("commit") == []
    monkeypatch.setattr(commit_api, "is_xet_available", xet_available)
    monkeypatch.setattr(commit_api, "_upload_xet_files", xet_upload)
    # Once the connection is back, a re-run finishes the job.
    hub_again = runner.invoke(
        cli, ["publish", str(root), "--repo-id", REPO], env={"HF_TOKEN": hub.write_token}
    )
    assert hub_again.exit_code == 0, hub_again.output
    remote = hub.files(REPO, "main")
    remote.pop(".gitattributes")
    assert remote == local_files(root)


# -- 10, 16: schemas that point at the network, at nothing, or at themselves ------------


def write_schema(path: Path, schema: dict) -> Path:
    path.write_text(json.dumps(schema), encoding="utf-8")
    return path


def test_an_unknown_meta_schema_is_an_error_and_never_fetched(runner, silent_server, tmp_path):
    data = write_records(tmp_path / "in.jsonl", [{"a": 1}])
    meta = f"{silent_server}/my-meta-schema"
    schema = write_schema(tmp_path / "s.json", {"$schema": meta, "type": "object"})
    started = time.monotonic()
    result = runner.invoke(cli, ["validate", str(data), "--schema", str(schema)])
    assert time.monotonic() - started < 10  # the silent server would hold it 30 s
    no_traceback(result)
    assert result.exit_code == 2 and meta in result.stderr
    assert "nothing is fetched" in result.stderr


def test_a_bundled_meta_schema_needs_no_network(runner, tmp_path):
    data = write_records(tmp_path / "in.jsonl", [{"a": 1}])
    for meta in (
        "http://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft/2020-12/schema",
    ):
        schema = write_schema(tmp_path / "s.json", {"$schema": meta, "type": "object"})
        result = runner.invoke(cli, ["validate", str(data), "--schema", str(schema)])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("engine", ["rust", "python"])
def test_a_ref_to_an_http_url_is_an_error_naming_it(runner, silent_server, tmp_path, engine):
    data = write_records(tmp_path / "in.jsonl", [{"a": 1}])
    url = f"{silent_server}/part.json"
    schema = write_schema(tmp_path / "s.json", {"properties": {"a": {"$ref": url}}})
    started = time.monotonic()
    result = runner.invoke(
        cli, ["validate", str(data), "--schema", str(schema), "--engine", engine]
    )
    assert time.monotonic() - started < 10
    no_traceback(result)
    assert result.exit_code == 2 and url in result.stderr


@pytest.mark.parametrize("engine", ["rust", "python"])
def test_a_relative_ref_is_read_beside_the_schema(runner, tmp_path, engine):
    data = write_records(tmp_path / "in.jsonl", [{"a": 1}, {"a": "x"}])
    (tmp_path / "schemas").mkdir()
    write_schema(tmp_path / "schemas" / "part.json", {"type": "integer"})
    schema = write_schema(
        tmp_path / "schemas" / "s.json", {"properties": {"a": {"$ref": "part.json"}}}
    )
    result = runner.invoke(
        cli, ["validate", str(data), "--schema", str(schema), "--engine", engine]
    )
    no_traceback(result)
    assert result.exit_code == 1, result.output  # one valid, one invalid record
    assert "1 invalid" in result.output or "1 of 2" in result.output, result.output


@pytest.mark.parametrize("engine", ["rust", "python"])
@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#"},
        {
            "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"anyOf": [{"$ref": "#/$defs/a"}]}},
            "properties": {"x": {"$ref": "#/$defs/a"}},
        },
    ],
)
def test_a_ref_cycle_is_an_invalid_schema(runner, tmp_path, engine, schema):
    data = write_records(tmp_path / "in.jsonl", [{"x": 1}])
    path = write_schema(tmp_path / "s.json", schema)
    result = runner.invoke(cli, ["validate", str(data), "--schema", str(path), "--engine", engine])
    no_traceback(result)
    assert result.exit_code == 2 and "$refs loop" in result.stderr, result.output


def test_recursion_through_properties_is_not_a_cycle(runner, tmp_path):
    node = {
        "type": "object",
        "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
    }
    path = write_schema(tmp_path / "s.json", {"$defs": {"node": node}, "$ref": "#/$defs/node"})
    data = write_records(tmp_path / "in.jsonl", [{"kids": [{"kids": []}]}, {"kids": [{"kids": 3}]}])
    for engine in ("rust", "python"):
        result = runner.invoke(
            cli, ["validate", str(data), "--schema", str(path), "--engine", engine]
        )
        assert result.exit_code == 1, result.output


# -- 13: file names that are not UTF-8 ---------------------------------------------------


def odd_name_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    path = Path(os.fsdecode(os.fsencode(folder) + b"/bad\xffname.jsonl"))
    write_records(path, [article(1), article(2, published_at="not a date")])
    return folder


def test_validate_reports_a_non_utf8_file_name_escaped(runner, tmp_path):
    folder = odd_name_folder(tmp_path)
    report, rejects = tmp_path / "r.json", tmp_path / "r.jsonl"
    result = runner.invoke(
        cli, ["validate", str(folder), "--report", str(report), "--rejects", str(rejects)]
    )
    no_traceback(result)
    assert result.exit_code == 1, result.output
    assert "bad\\xffname.jsonl" in result.output
    assert "bad\\\\xffname.jsonl" in report.read_text(encoding="utf-8")
    assert json.loads(rejects.read_text(encoding="utf-8"))["file"].endswith("bad\\xffname.jsonl")


def test_export_and_ingest_accept_non_utf8_file_names(runner, tmp_path):
    folder = odd_name_folder(tmp_path)
    result = runner.invoke(cli, ["export", str(folder), "--out", str(tmp_path / "ds")])
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "bad\\\\xffname.jsonl" in (tmp_path / "ds.report.json").read_text(encoding="utf-8")

    pages = tmp_path / "pages"
    pages.mkdir()
    page = Path(os.fsdecode(os.fsencode(pages) + b"/p\xfe.txt"))
    page.write_text("A headline of a page\n\n" + "A sentence of an article body. " * 30)
    out = tmp_path / "o.jsonl"
    result = runner.invoke(cli, ["ingest", str(pages), "-o", str(out)])
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["source_file"] == "p\\xfe.txt"


# -- 14: an input deleted while the command runs ----------------------------------------


def delete_after_listing(monkeypatch, module) -> None:  # type: ignore[no-untyped-def]
    """Make ``module``'s input listing delete the files it found, as a user might."""
    listed = module.expand_inputs_named

    def list_then_delete(*args):  # type: ignore[no-untyped-def]
        named = listed(*args)
        for path, _ in named:
            path.unlink()
        return named

    monkeypatch.setattr(module, "expand_inputs_named", list_then_delete)


@pytest.mark.parametrize("command", ["validate", "export"])
def test_an_input_deleted_mid_run_is_an_error_naming_it(runner, tmp_path, monkeypatch, command):
    from dataset_kit import validation_run
    from dataset_kit.stages import prepare

    data = write_records(tmp_path / "gone.jsonl", [article(1), article(2)])
    delete_after_listing(monkeypatch, prepare if command == "export" else validation_run)
    args = [command, str(data)] + (["--out", str(tmp_path / "ds")] if command == "export" else [])
    result = runner.invoke(cli, args)
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "gone.jsonl" in result.stderr and "deleted" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no temp folder left


# -- 15: a read-only output folder and a full disk --------------------------------------


def make_read_only(monkeypatch, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Refuse to create anything in ``folder`` as a read-only folder would.

    The tests run as root on some machines, where chmod does not stop a write, so the
    refusal is made where dataset-kit creates its files: every output is first
    written to a temp file or folder beside its target.
    """
    import tempfile

    def guard(create):  # type: ignore[no-untyped-def]
        def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
            where = kwargs.get("dir")
            if where is not None and Path(where).resolve() == folder.resolve():
                raise PermissionError(13, "Permission denied", str(where))
            return create(*args, **kwargs)

        return refuse

    monkeypatch.setattr(tempfile, "mkstemp", guard(tempfile.mkstemp))
    monkeypatch.setattr(tempfile, "mkdtemp", guard(tempfile.mkdtemp))


@pytest.mark.parametrize("command", ["export", "validate", "ingest", "init", "card"])
def test_a_read_only_output_folder_is_an_error_not_a_traceback(
    runner, tmp_path, monkeypatch, command
):
    data = write_records(tmp_path / "in.jsonl", [article(1), article(2, title="")])
    page = tmp_path / "page.txt"
    page.write_text("A headline of a page\n\n" + "A sentence of an article body. " * 30)
    locked = tmp_path / "locked"
    locked.mkdir()
    if command == "card":
        assert runner.invoke(cli, ["export", str(data), "--out", str(locked / "ds")]).exit_code == 0
        locked = locked / "ds"
    args = {
        "export": ["export", str(data), "--out", str(locked / "ds")],
        "validate": ["validate", str(data), "--rejects", str(locked / "bad.jsonl")],
        "ingest": ["ingest", str(page), "-o", str(locked / "out.jsonl")],
        "init": ["init", str(data), "--out", "ds", "--file", str(locked / "dataset-kit.toml")],
        "card": ["card", str(locked)],
    }[command]
    before = sorted(p.name for p in locked.iterdir())
    make_read_only(monkeypatch, locked)
    result = runner.invoke(cli, args)
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "Error:" in result.stderr and "permission denied" in result.stderr
    assert sorted(p.name for p in locked.iterdir()) == before


def test_export_refuses_to_start_the_shards_on_a_full_disk(runner, tmp_path, monkeypatch):
    import shutil

    from dataset_kit.stages import finish

    data = write_records(tmp_path / "in.jsonl", [article(n) for n in range(20)])
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(finish.shutil, "disk_usage", lambda _path: usage._replace(free=1000))
    result = runner.invoke(cli, ["export", str(data), "--out", str(tmp_path / "ds")])
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert "not enough disk space" in result.stderr and "MB needed" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # temp folder removed


def test_a_full_disk_while_writing_is_an_error(runner, tmp_path, monkeypatch):
    from dataset_kit import atomic

    data = write_records(tmp_path / "in.jsonl", [article(1), article(2, title="")])

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    result = runner.invoke(cli, ["validate", str(data), "--rejects", str(tmp_path / "bad.jsonl")])
    no_traceback(result)
    assert result.exit_code == 2 and "the disk is full" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


# -- 16, 23: Parquet values JSON cannot hold; seeds and folders out of range ------------


def parquet_with(path: Path, rows_: list[dict]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows_), path)
    return path


@pytest.mark.parametrize("command", ["validate", "export"])
def test_parquet_binary_and_nan_values_are_invalid_records_that_show_the_value(
    runner, tmp_path, command
):
    data = parquet_with(
        tmp_path / "in.parquet",
        [
            article(1, blob=b"plain text", score=None),
            article(2, blob=b"\x00\xff\xfe", score=1.5),
            article(3, blob=b"x", score=float("nan")),
        ],
    )
    schema = json.loads(
        (Path(__file__).parent.parent / "schema" / "article.schema.json").read_text()
    )
    schema["properties"]["blob"] = {"type": "string"}
    schema["properties"]["score"] = {"type": ["null", "number"]}
    schema_path = write_schema(tmp_path / "s.json", schema)
    args = [command, str(data), "--schema", str(schema_path)]
    if command == "export":
        args += ["--out", str(tmp_path / "ds"), "--dedup", "off"]
    result = runner.invoke(cli, args)
    no_traceback(result)
    if command == "validate":
        assert result.exit_code == 1, result.output
        shown = result.output
    else:
        assert result.exit_code == 0, result.output
        shown = (tmp_path / "ds.rejects.jsonl").read_text()
        assert json.loads((tmp_path / "ds.report.json").read_text())["counts"]["written"] == 1
    assert "/blob: binary data (3 bytes: 00 ff fe)" in shown
    assert "/score: nan is not a JSON number" in shown


@pytest.mark.parametrize("seed", [str(2**64), str(-(2**63) - 1)])
def test_a_seed_beyond_64_bits_is_refused(runner, tmp_path, seed):
    data = write_records(tmp_path / "in.jsonl", [article(1)])
    result = runner.invoke(
        cli, ["export", str(data), "--out", str(tmp_path / "ds"), "--seed", seed]
    )
    no_traceback(result)
    assert result.exit_code == 2 and "64-bit" in result.stderr


def test_export_into_the_current_folder_is_refused(runner, tmp_path, monkeypatch):
    data = write_records(tmp_path / "in.jsonl", [article(1), article(2)])
    assert runner.invoke(cli, ["export", str(data), "--out", str(tmp_path / "ds")]).exit_code == 0
    monkeypatch.chdir(tmp_path / "ds")
    result = runner.invoke(cli, ["export", str(data), "--out", "."])
    no_traceback(result)
    assert result.exit_code == 2 and "current folder" in result.stderr
    assert (tmp_path / "ds" / "data").is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


# -- 22: --out given as a symlink to an earlier export ----------------------------------


def test_export_through_a_symlinked_out_updates_its_target(runner, tmp_path):
    first = write_records(tmp_path / "a.jsonl", [article(1), article(2)])
    second = write_records(tmp_path / "b.jsonl", [article(n) for n in range(1, 6)])
    assert (
        runner.invoke(cli, ["export", str(first), "--out", str(tmp_path / "real")]).exit_code == 0
    )
    link = tmp_path / "current"
    link.symlink_to("real")
    result = runner.invoke(cli, ["export", str(second), "--out", str(link)])
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == (tmp_path / "real").resolve()
    manifest = json.loads((tmp_path / "real" / ".dataset-kit" / "manifest.json").read_text())
    assert manifest["counts"]["written"] == 5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


# -- 24: a JSON array cut off, and inputs that are not files ----------------------------


@pytest.mark.parametrize(
    ("tail", "records", "invalid"),
    [
        (', {"id": "a2", "tit', 2, 1),  # cut inside the second element: one record lost
        (", ", 2, 1),  # cut after a comma
        ("", 2, 1),  # the first element whole, the closing bracket missing
    ],
)
def test_a_cut_off_json_array_counts_each_record_once(runner, tmp_path, tail, records, invalid):
    path = tmp_path / "in.json"
    path.write_text("[" + json.dumps(article(1)) + tail)
    report = tmp_path / "r.json"
    result = runner.invoke(cli, ["validate", str(path), "--report", str(report)])
    no_traceback(result)
    counts = json.loads(report.read_text())
    assert (counts["records"], counts["invalid"]) == (records, invalid), counts
    assert "file ends before the top-level JSON array is closed" in result.output


@pytest.mark.parametrize("command", ["validate", "export", "ingest"])
def test_stdin_and_fifos_are_refused_with_the_reason(runner, tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    extra = {"export": ["--out", str(tmp_path / "ds")], "ingest": ["-o", str(tmp_path / "o")]}
    # validate reads "-" as standard input (below); the others refuse it too.
    for given in [str(fifo)] if command == "validate" else ["-", str(fifo)]:
        args = [command, given, *extra.get(command, [])]
        result = runner.invoke(cli, args)
        no_traceback(result)
        assert result.exit_code == 2
        assert "standard input, pipes (FIFOs) and devices are not supported" in result.stderr


@pytest.mark.parametrize("command", ["validate", "export"])
def test_integers_beyond_64_bits_are_invalid_in_validate_and_export_alike(
    runner, tmp_path, command
):
    big, just_over = "1180591620717411303424", str(2**63)
    lines = [
        json.dumps(article(1)),
        json.dumps(article(2))[:-1] + f', "word_count": {big}}}',
        json.dumps(article(3))[:-1] + f', "word_count": {just_over}}}',
        json.dumps(article(4, word_count=2**63 - 1)),
    ]
    data = tmp_path / "in.jsonl"
    data.write_text("\n".join(lines) + "\n")
    args = [command, str(data)]
    if command == "export":
        args += ["--out", str(tmp_path / "ds"), "--dedup", "off"]
    result = runner.invoke(cli, args)
    no_traceback(result)
    if command == "validate":
        assert result.exit_code == 1, result.output
        assert "2 valid, 2 invalid" in result.output
        shown = result.output
    else:
        assert result.exit_code == 0, result.output
        shown = (tmp_path / "ds.rejects.jsonl").read_text()
        assert len(shown.splitlines()) == 2
    assert f"{big} is not an integer from" in shown  # the value as written, not 1.18e21
    assert f"{just_over} is not an integer from" in shown


# -- 18: an empty split ------------------------------------------------------------------


def test_an_empty_split_is_left_out_of_the_card_configs_and_preflight_refuses_it(runner, tmp_path):
    import yaml

    from dataset_kit import publishing

    records = [article(n, published_at=f"2023-0{1 + n % 8}-10T00:00:00+00:00") for n in range(8)]
    data = write_records(tmp_path / "in.jsonl", records)
    out = tmp_path / "ds"
    args = ["export", str(data), "--out", str(out), "--split-by-date", "published_at:2030-01-01"]
    result = runner.invoke(cli, args)
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "split test holds no records: left out of the card's configs" in result.output
    text = (out / "README.md").read_text()
    metadata = yaml.safe_load(text.split("---\n")[1])
    assert [f["split"] for f in metadata["configs"][0]["data_files"]] == ["train"]
    assert [s["name"] for s in metadata["dataset_info"]["splits"]] == ["train"]
    import datasets

    loaded = datasets.load_dataset(
        str(out), cache_dir=str(tmp_path / "cache"), verification_mode="all_checks"
    )
    assert list(loaded) == ["train"] and loaded["train"].num_rows == 8

    # A card edited to list the empty split again is refused before anything is sent.
    metadata["configs"][0]["data_files"].append({"split": "test", "path": "data/test-*"})
    front = yaml.safe_dump(metadata, sort_keys=False)
    (out / "README.md").write_text("---\n" + front + "---\n" + text.split("---\n", 2)[2])
    with pytest.raises(publishing.PreflightError) as caught:
        publishing.preflight(out, "alice/news")
    assert any("matches only empty shards" in p for p in caught.value.problems)


# -- 20, and percentages: many splits ---------------------------------------------------


def test_more_than_128_splits_export_correctly(runner, tmp_path):
    names = [f"s{i}" for i in range(130)]
    spec = ",".join(f"{name}=0.5" for name in names[:-1]) + f",{names[-1]}=35.5"
    data = write_records(tmp_path / "in.jsonl", [article(n) for n in range(40)])
    out = tmp_path / "ds"
    result = runner.invoke(
        cli, ["export", str(data), "--out", str(out), "--split", spec, "--dedup", "off"]
    )
    no_traceback(result)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / ".dataset-kit" / "manifest.json").read_text())
    assert sum(s["rows"] for s in manifest["splits"].values()) == 40
    assert len(manifest["splits"]) == 130


def test_too_many_splits_are_refused_clearly(runner, tmp_path):
    data = write_records(tmp_path / "in.jsonl", [article(1)])
    spec = ",".join(f"s{i}" for i in range(1001))
    result = runner.invoke(
        cli, ["export", str(data), "--out", str(tmp_path / "ds"), "--split", spec]
    )
    no_traceback(result)
    assert result.exit_code == 2 and "at most 1000" in result.stderr


def test_split_ratios_may_be_percentages(runner, tmp_path):
    data = write_records(tmp_path / "in.jsonl", [article(n) for n in range(20)])
    out = tmp_path / "ds"
    result = runner.invoke(
        cli, ["export", str(data), "--out", str(out), "--split", "train=80%,test=20%"]
    )
    no_traceback(result)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / ".dataset-kit" / "manifest.json").read_text())
    assert sorted(manifest["splits"]) == ["test", "train"]


# -- 21: small --max-shard-size ----------------------------------------------------------


def incompressible_records(count: int) -> list[dict]:
    import base64
    import random

    rng = random.Random(7)
    return [
        article(
            n,
            title=base64.b64encode(rng.randbytes(3000)).decode(),
            text=base64.b64encode(rng.randbytes(rng.randint(100, 40000))).decode(),
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("limit", ["120KB", "150KB", "199KB"])
def test_small_shard_limits_are_kept(runner, tmp_path, limit):
    from dataset_kit.shards import parse_size

    data = write_records(tmp_path / "in.jsonl", incompressible_records(40))
    out = tmp_path / "ds"
    result = runner.invoke(
        cli, ["export", str(data), "--out", str(out), "--max-shard-size", limit, "--dedup", "off"]
    )
    no_traceback(result)
    assert result.exit_code == 0, result.output
    shards = list((out / "data").glob("*.parquet"))
    assert len(shards) > 2
    assert max(p.stat().st_size for p in shards) <= parse_size(limit)


def test_a_record_too_big_for_the_shard_limit_says_what_it_needs(runner, tmp_path):
    data = write_records(tmp_path / "in.jsonl", incompressible_records(5))
    result = runner.invoke(
        cli, ["export", str(data), "--out", str(tmp_path / "ds"), "--max-shard-size", "20KB"]
    )
    no_traceback(result)
    assert result.exit_code == 2
    message = result.stderr
    needed = float(message.split("needs up to ")[1].split(" kB")[0])
    assert needed > 20.0, message  # never "12.5 kB, more than 20.0 kB"


# -- 19: export's advice after a hand edit of the card ----------------------------------


def test_export_after_a_hand_edit_gives_advice_that_works(runner, tmp_path):
    data = write_records(tmp_path / "in.jsonl", [article(1), article(2)])
    out = tmp_path / "ds"
    assert runner.invoke(cli, ["export", str(data), "--out", str(out)]).exit_code == 0
    with (out / "README.md").open("a") as card:
        card.write("\nA paragraph written by hand.\n")
    edited = (out / "README.md").read_text()
    result = runner.invoke(cli, ["export", str(data), "--out", str(out)])
    no_traceback(result)
    assert result.exit_code == 2
    assert "pass --force" not in result.stderr
    assert f"delete {out / 'README.md'}" in result.stderr and "--force`" in result.stderr
    assert (out / "README.md").read_text() == edited
    # The advice works: `card --force`, then export again.
    assert runner.invoke(cli, ["card", str(out), "--force"]).exit_code == 0
    assert runner.invoke(cli, ["export", str(data), "--out", str(out)]).exit_code == 0


# -- 17: languages written without spaces ------------------------------------------------


def test_chinese_japanese_and_thai_pages_are_ingested_not_rejected(runner, tmp_path):
    pages = Path(__file__).parent / "fixtures" / "pages_more"
    names = ["chinese_page.txt", "japanese_page.txt", "thai_page.txt"]
    out = tmp_path / "o.jsonl"
    result = runner.invoke(cli, ["ingest", *(str(pages / n) for n in names), "-o", str(out)])
    no_traceback(result)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["language"] for r in records] == ["zh", "ja", "th"]
    assert all(r["word_count"] >= 40 for r in records), [r["word_count"] for r in records]


# -- init: paths relative to the settings file -----------------------------------------


def test_init_writes_paths_relative_to_the_settings_file(runner, tmp_path, monkeypatch):
    import tomllib

    (tmp_path / "data").mkdir()
    (tmp_path / "settings").mkdir()
    write_records(tmp_path / "data" / "a.jsonl", [article(n) for n in range(6)])
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        cli, ["init", "data/a.jsonl", "--out", "ds", "--file", "settings/dataset-kit.toml"]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "settings" / "dataset-kit.toml").read_text()
    assert str(tmp_path) not in text
    settings = tomllib.loads(text)
    export = settings["export"]
    assert export["inputs"] == ["../data/a.jsonl"] and export["out"] == "../ds"
    # The file works from anywhere.
    monkeypatch.chdir(tmp_path / "data")
    result = runner.invoke(cli, ["export", "--config", "../settings/dataset-kit.toml"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ds" / "data").is_dir()


# -- folders: skipped files are noted, linked folders followed once ---------------------


def test_a_folder_notes_what_it_skips_and_follows_linked_folders_once(runner, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_records(corpus / "a.jsonl", [article(1), article(2)])
    (corpus / "b.jsonl.bz2").write_bytes(b"BZh9")
    (corpus / "c.jsonl.xz").write_bytes(b"\xfd7zXZ")
    (corpus / "README.txt").write_text("These are the articles of March.\n")
    (corpus / "LICENSE.txt").write_text("CC-BY-4.0\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_records(elsewhere / "d.jsonl", [article(3)])
    (corpus / "more").symlink_to(elsewhere)
    (corpus / "again").symlink_to(elsewhere)  # a second link to the same folder
    (elsewhere / "loop").symlink_to(corpus)  # and a loop back
    report = tmp_path / "r.json"
    result = runner.invoke(cli, ["validate", str(corpus), "--report", str(report)])
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "3 records read from 2 files" in result.output
    notes = json.loads(report.read_text())["summary"]["notes"]
    assert notes["files in folders skipped: not a supported type"] == 2
    assert notes["README/LICENSE-like .txt files skipped in a folder of records"] == 2
    assert notes["linked folders skipped: already read (a link loop or a second link)"] == 2

    result = runner.invoke(cli, ["export", str(corpus), "--out", str(tmp_path / "ds")])
    no_traceback(result)
    assert result.exit_code == 0, result.output
    export_report = json.loads((tmp_path / "ds.report.json").read_text())
    assert export_report["counts"]["written"] == 3
    assert "files in folders skipped: not a supported type: 2" in result.output


def test_a_readme_in_a_folder_of_page_dumps_is_a_page(runner, tmp_path):
    from dataset_kit.reading import ReadNotes, folder_inputs

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text("x")
    (pages / "README.txt").write_text("x")
    assert [p.name for p in folder_inputs(pages, ReadNotes())] == ["README.txt", "a.txt"]


# -- validate's memory: bounded error groups ---------------------------------------------


def test_error_groups_are_bounded_however_many_pointers_differ(runner, tmp_path, monkeypatch):
    from dataset_kit import validation_run

    monkeypatch.setattr(validation_run, "MAX_GROUPS", 5)
    schema = {
        "type": "object",
        "properties": {"tags": {"type": "object", "additionalProperties": {"type": "string"}}},
    }
    path = write_schema(tmp_path / "s.json", schema)
    data = write_records(tmp_path / "in.jsonl", [{"tags": {f"k{n}": n}} for n in range(50)])
    report = tmp_path / "r.json"
    result = runner.invoke(
        cli, ["validate", str(data), "--schema", str(path), "--report", str(report)]
    )
    no_traceback(result)
    assert result.exit_code == 1
    summary = json.loads(report.read_text())
    groups = summary["summary"]["groups"]
    assert len(groups) == 6 and sum(g["count"] for g in groups) == 50
    assert any(g["pointer"] == "(other pointers)" and g["count"] == 45 for g in groups)
    assert len(summary["errors"]) == 50  # the report still lists every error


# -- HTML saved as .txt ------------------------------------------------------------------


def test_html_saved_as_txt_is_rejected_with_the_reason(runner, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    body = "<p>" + "A sentence of an article body about the town. " * 10 + "</p>\n"
    (pages / "doc.txt").write_text(
        "<!DOCTYPE html>\n<html><head><title>Town news</title></head>\n<body>\n"
        "<h1>Town hall reopens</h1>\n" + body * 3 + "</body></html>\n"
    )
    (pages / "fragment.txt").write_text(
        "<div class='nav'><a href='/'>Home</a></div>\n<h1>Bridge closed</h1>\n"
        + ("<div>" + body + "</div>\n") * 6
    )
    (pages / "page.txt").write_text(
        "Bridge reopens after repairs\n\n"
        + "A sentence of an article body. " * 30
        + "\n\nIt uses <b> as an example of a tag, in the text.\n"
    )
    out = tmp_path / "o.jsonl"
    result = runner.invoke(cli, ["ingest", str(pages), "-o", str(out)])
    no_traceback(result)
    assert result.exit_code == 0, result.output
    rejects = [json.loads(line) for line in (tmp_path / "o.rejects.jsonl").read_text().splitlines()]
    assert sorted((r["source_file"], r["reason"]) for r in rejects) == [
        ("doc.txt", "html"),
        ("fragment.txt", "html"),
    ]
    assert "extract its text first" in rejects[0]["detail"]
    assert len(out.read_text().splitlines()) == 1


# -- a genuine bug: the traceback, and a request to report it ---------------------------


def test_a_genuine_bug_shows_the_traceback_and_asks_for_a_report(runner, tmp_path, monkeypatch):
    from dataset_kit import validation_run

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("an invariant broke")

    monkeypatch.setattr(validation_run, "validate", broken)
    data = write_records(tmp_path / "in.jsonl", [article(1)])
    result = runner.invoke(cli, ["validate", str(data)])
    assert result.exit_code == 70
    assert "Traceback" in result.stderr and "RuntimeError: an invariant broke" in result.stderr
    assert "This is a bug in dataset-kit" in result.stderr and "please report it" in result.stderr


def test_validate_reads_standard_input_as_dash(runner, tmp_path):
    lines = json.dumps(article(1)) + "\n" + json.dumps(article(2, title="")) + "\n"
    rejects = tmp_path / "bad.jsonl"
    result = runner.invoke(cli, ["validate", "-", "--rejects", str(rejects)], input=lines)
    no_traceback(result)
    assert result.exit_code == 1, result.output
    assert "2 records read from 1 file: 1 valid, 1 invalid" in result.output
    assert "<stdin>:2" in result.output
    assert json.loads(rejects.read_text())["file"] == "<stdin>"
    empty = runner.invoke(cli, ["validate", "-"], input="")
    assert empty.exit_code == 2 and "no records found in <stdin>" in empty.stderr


def test_ingest_follows_a_linked_folder_of_pages(runner, tmp_path):
    source = Path(__file__).parent / "fixtures" / "pages_more"
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_bytes((source / "spanish_page.txt").read_bytes())
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "b.txt").write_bytes((source / "blogger.txt").read_bytes())
    (pages / "linked").symlink_to(real)
    (real / "loop").symlink_to(pages)
    out = tmp_path / "o.jsonl"
    result = runner.invoke(cli, ["ingest", str(pages), "-o", str(out)])
    no_traceback(result)
    assert result.exit_code == 0, result.output
    names = [json.loads(line)["source_file"] for line in out.read_text().splitlines()]
    assert names == ["b.txt", "linked/a.txt"]


# --- found by a later probe ----------------------------------------------------------


def test_content_after_a_json_array_is_a_reject_not_dropped(tmp_path: Path) -> None:
    source = tmp_path / "arr.json"
    source.write_text(
        '[{"id": "a", "title": "T", "text": "x y"}]\n\n[{"id": "b", "title": "T", "text": "z"}]'
    )
    result = CliRunner().invoke(cli, ["validate", str(source)])
    assert result.exit_code == 1, result.output
    assert "2 records read from 1 file: 1 valid, 1 invalid." in result.output
    assert "arr.json:3: unexpected content after the top-level JSON array" in result.output
    out = tmp_path / "ds"
    result = CliRunner().invoke(cli, ["export", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rejects = [
        json.loads(line) for line in (tmp_path / "ds.rejects.jsonl").read_text().splitlines()
    ]
    assert [r["line"] for r in rejects] == [3]
    assert '"id": "b"' in rejects[0]["raw"]


def test_json_lines_under_a_json_name_gets_a_hint(tmp_path: Path) -> None:
    source = tmp_path / "lines.json"
    source.write_text(
        '{"id": "a", "title": "T", "text": "x"}\n{"id": "b", "title": "T", "text": "y"}\n'
    )
    result = CliRunner().invoke(cli, ["validate", str(source)])
    assert result.exit_code == 1
    assert "1 record read from 1 file" in result.output
    assert "name it .jsonl" in result.output


def test_an_invalid_schema_is_named(tmp_path: Path) -> None:
    schema = tmp_path / "mine.schema.json"
    schema.write_text('{"type": 12, "properties": 5}')
    source = tmp_path / "a.jsonl"
    source.write_text('{"id": "a", "title": "T", "text": "x"}\n')
    for command in (
        ["validate", str(source)],
        ["export", str(source), "--out", str(tmp_path / "d")],
    ):
        result = CliRunner().invoke(cli, [*command, "--schema", str(schema)])
        assert result.exit_code == 2
        assert f"Error: {schema}: schema is invalid against its meta-schema" in result.output


def test_publish_refuses_an_export_without_records(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": "a"}\n{"id": "b"}\n')
    out = tmp_path / "empty"
    result = CliRunner().invoke(cli, ["export", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        cli,
        ["publish", str(out), "--repo-id", "me/x", "--dry-run"],
        env={"HF_TOKEN": "hf_fake", "HF_HUB_OFFLINE": "1"},
    )
    assert result.exit_code != 0
    assert "holds no records" in result.output


@pytest.mark.parametrize(
    ("flags", "note"),
    [
        (
            ["--split-by-date", "published_at:2023-01-01", "--split", "train=0.5,test=0.5"],
            "--split ratios are not used with --split-by-date",
        ),
        (
            ["--dedup", "exact", "--near-keep", "one"],
            "--near-keep has no effect with --dedup exact",
        ),
        (["--dedup", "off", "--near-threshold", "0.9"], "--near-threshold has no effect"),
    ],
)
def test_settings_that_do_nothing_are_named(tmp_path: Path, flags: list[str], note: str) -> None:
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(article(n)) + "\n" for n in range(5)))
    result = CliRunner().invoke(cli, ["export", str(source), "--out", str(tmp_path / "d"), *flags])
    assert result.exit_code == 0, result.output
    assert f"Note: {note}" in result.output


@pytest.mark.parametrize(
    ("split", "message"),
    [
        ("", "--split is empty"),
        ("Train=0.5,train=0.5", "must differ in more than case"),
    ],
)
def test_empty_or_case_colliding_splits_are_refused(
    tmp_path: Path, split: str, message: str
) -> None:
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(article(n)) + "\n" for n in range(5)))
    out = tmp_path / "d"
    result = CliRunner().invoke(cli, ["export", str(source), "--out", str(out), "--split", split])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


def test_the_summary_counts_in_words_that_agree(tmp_path: Path) -> None:
    source = tmp_path / "a.jsonl"
    rows = [article(n) for n in range(5)]
    source.write_text("".join(json.dumps(r) + "\n" for r in [*rows, rows[0]]))
    result = CliRunner().invoke(cli, ["export", str(source), "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "Duplicates: 1 exact copy dropped; no near-duplicate clusters." in result.output
