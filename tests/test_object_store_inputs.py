"""Inputs as ``s3://`` URLs, read through a real S3 API (moto's server on 127.0.0.1).

Every command must give the same output from a store as from local copies of the same
files, read by its workers straight from the store; a fault of the store is one
``Error:`` line naming the URL, exit 2, within a bounded time.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
import urllib.request
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataset_kit import validation_run
from dataset_kit.cli import cli
from dataset_kit.stages import read_validate
from tests.export_helpers import corpus
from tests.s3_fixtures import clear_store_caches, closed_port_endpoint

PAGES = Path(__file__).parent / "fixtures" / "pages"


def make_corpus(root: Path) -> Path:
    """Records in every format a store may hold, some of them invalid."""
    rows = corpus(120, exact_every=17)
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    lines = [json.dumps(r).encode() for r in rows[:50]]
    lines.insert(7, b"{not json")
    (root / "a" / "one.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    with gzip.open(root / "a" / "two.jsonl.gz", "wb") as handle:
        handle.write(b"".join(json.dumps(r).encode() + b"\n" for r in rows[50:80]))
    table = pa.Table.from_pylist(rows[80:])
    pq.write_table(table, root / "b" / "three.parquet", row_group_size=9)
    (root / "b" / "notes.csv").write_text("skipped\n")
    return root


def invoke(runner, *args: object):
    return runner.invoke(cli, [str(a) for a in args])


def same_but_names(local: bytes, remote: bytes, local_name: str, url: str) -> None:
    """``remote`` is ``local`` with files named by their URL instead of their path."""
    assert remote.replace(url.encode(), local_name.encode()) == local


@pytest.fixture
def small_ranges(monkeypatch):
    # Byte ranges of a few kilobytes: one file becomes many tasks, each seeking into
    # the object on its own.
    monkeypatch.setattr(read_validate, "RANGE_BYTES", 4096)
    monkeypatch.setattr(validation_run, "RANGE_BYTES", 4096)
    monkeypatch.setattr(read_validate, "PART_BYTES", 4096)
    monkeypatch.setattr(validation_run, "PART_BYTES", 4096)


@pytest.mark.parametrize("jobs", [1, 2])
def test_export_from_a_prefix_equals_the_local_run(runner, s3, tmp_path, small_ranges, jobs):
    local = make_corpus(tmp_path / "corpus")
    url = s3.upload_tree(local, "in/corpus")
    for source, out in ((local, tmp_path / "local"), (url, tmp_path / "remote")):
        result = invoke(runner, "export", source, "--out", out, "--jobs", jobs)
        assert result.exit_code == 0, result.output
    shards = sorted(p.name for p in (tmp_path / "local" / "data").iterdir())
    assert shards
    for name in shards:
        local_shard = (tmp_path / "local" / "data" / name).read_bytes()
        assert (tmp_path / "remote" / "data" / name).read_bytes() == local_shard
    same_but_names(
        (tmp_path / "local.rejects.jsonl").read_bytes(),
        (tmp_path / "remote.rejects.jsonl").read_bytes(),
        str(local) + "/",
        url,
    )
    manifests = {
        name: json.loads((tmp_path / name / ".dataset-kit" / "manifest.json").read_bytes())
        for name in ("local", "remote")
    }
    inputs = [(i["path"], i["bytes"], i["sha256"]) for i in manifests["remote"]["inputs"]]
    assert [(p.replace(url, str(local) + "/"), *rest) for p, *rest in inputs] == [
        (i["path"], i["bytes"], i["sha256"]) for i in manifests["local"]["inputs"]
    ]
    report = json.loads((tmp_path / "remote.report.json").read_bytes())
    named = json.dumps(report)
    assert url + "a/two.jsonl.gz" in named
    assert "notes.csv" in named or "skipped" in named


def test_validate_from_a_glob_and_an_object_equals_the_local_run(runner, s3, tmp_path):
    local = make_corpus(tmp_path / "corpus")
    url = s3.upload_tree(local, "in")
    reports = {}
    for name, inputs in (
        ("local", [local / "a" / "one.jsonl", f"{local}/b/*.parquet"]),
        ("remote", [url + "a/one.jsonl", url + "b/*.parquet"]),
    ):
        report = tmp_path / f"{name}.json"
        result = invoke(runner, "validate", *inputs, "--report", report, "--jobs", 2)
        assert result.exit_code == 1, result.output  # one malformed line
        assert "1 invalid" in result.output
        reports[name] = report.read_bytes()
    same_but_names(reports["local"], reports["remote"], str(local) + "/", url)


def test_ingest_pages_from_a_prefix(runner, s3, tmp_path):
    local = tmp_path / "pages"
    for index, page in enumerate(sorted(PAGES.glob("*.txt"))):
        target = local / ("2023" if index % 2 else "2022-extra") / page.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
    url = s3.upload_tree(local, "dumps/pages")
    outputs = {}
    for name, source in (("local", local), ("remote", url)):
        out = tmp_path / f"{name}.jsonl"
        result = invoke(runner, "ingest", source, "-o", out, "--jobs", 2)
        assert result.exit_code == 0, result.output
        outputs[name] = out.read_bytes()
    records = [json.loads(line) for line in outputs["remote"].splitlines()]
    assert records and all(r["source_file"].startswith(url) for r in records)
    # A local folder names its pages inside it; a URL keeps the whole URL.
    assert outputs["remote"].replace(url.encode(), b"") == outputs["local"]


def test_truncated_gzip_object_is_a_reject_as_locally(runner, s3, tmp_path):
    data = gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in corpus(40)))
    s3.client.put_object(Bucket=s3.bucket, Key="cut/x.jsonl.gz", Body=data[: len(data) // 2])
    (tmp_path / "x.jsonl.gz").write_bytes(data[: len(data) // 2])
    remote = invoke(runner, "validate", s3.url("cut/x.jsonl.gz"))
    local = invoke(runner, "validate", tmp_path / "x.jsonl.gz")
    assert remote.exit_code == local.exit_code == 1
    assert "truncated" in remote.output
    assert remote.output.replace(s3.url("cut/"), str(tmp_path) + "/") == local.output


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("s3://no-such-bucket-here/x.jsonl", "no such object, prefix or bucket"),
        ("s3://{bucket}/missing/x.jsonl", "no such object, prefix or bucket"),
        ("s3://{bucket}/missing/*.jsonl", "glob matched no"),
    ],
)
def test_missing_inputs_name_the_url(runner, s3, tmp_path, target, said):
    url = target.format(bucket=s3.bucket)
    result = invoke(runner, "export", url, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {url}: {said}"), result.output
    assert "Traceback" not in result.output


def test_unreachable_endpoint_fails_fast_naming_the_url(runner, s3, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", closed_port_endpoint())
    clear_store_caches()
    started = time.monotonic()
    result = invoke(runner, "validate", s3.url("in/x.jsonl"))
    assert time.monotonic() - started < 30
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {s3.url('in/x.jsonl')}: cannot connect"), result.output


def test_missing_credentials_name_the_url(runner, s3, tmp_path, monkeypatch):
    s3.client.put_object(Bucket=s3.bucket, Key="in/x.jsonl", Body=b"{}\n")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    clear_store_caches()
    result = invoke(runner, "validate", s3.url("in/x.jsonl"))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {s3.url('in/x.jsonl')}: no credentials"), result.output


def _enforce_auth(endpoint: str, after: str) -> None:
    """From now on moto checks signatures (``after`` requests free); "inf" turns it off."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=after.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    urllib.request.urlopen(request, timeout=10).close()


def test_a_wrong_key_is_access_denied_naming_the_url(runner, s3, monkeypatch):
    s3.client.put_object(Bucket=s3.bucket, Key="in/x.jsonl", Body=b"{}\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG0")
    clear_store_caches()
    _enforce_auth(s3.endpoint, "0")
    try:
        result = invoke(runner, "validate", s3.url("in/x.jsonl"))
    finally:
        _enforce_auth(s3.endpoint, "inf")
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {s3.url('in/x.jsonl')}: access denied"), result.output


@pytest.mark.parametrize(
    ("command", "option"),
    [("validate", "--report"), ("validate", "--rejects"), ("ingest", "-o")],
)
def test_outputs_other_than_export_out_refuse_a_url(runner, tmp_path, command, option):
    page = tmp_path / "page.txt"
    page.write_text("Title\n\nSome text of a page.\n")
    result = invoke(runner, command, page, option, "s3://bucket/x.json")
    assert result.exit_code == 2, result.output
    assert "only `export --out` writes to a store" in result.output
    assert not (tmp_path / "s3:").exists() and not Path("s3:").exists()


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (type("ClientPayloadError", (Exception,), {}), "the connection broke in the middle"),
        (type("ResponseStreamingError", (Exception,), {}), "read only in part"),
        (type("ReadTimeoutError", (Exception,), {}), "stopped answering"),
        (lambda: PermissionError("Forbidden"), "access denied (Forbidden)"),
    ],
)
def test_store_faults_name_the_url_and_say_what_happened(fault, said):
    from dataset_kit.errors import DatasetKitError
    from dataset_kit.storage import store_faults

    with pytest.raises(DatasetKitError) as caught, store_faults("s3://bucket/x.jsonl.gz"):
        raise fault()
    assert str(caught.value).startswith("s3://bucket/x.jsonl.gz: ")
    assert said in str(caught.value)


def test_local_faults_are_left_to_the_cli():
    from dataset_kit.storage import store_faults

    with pytest.raises(PermissionError), store_faults(Path("local.jsonl")):
        raise PermissionError("denied")


@pytest.fixture
def silent_endpoint():
    """An endpoint on 127.0.0.1 that accepts connections and never answers."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_a_store_that_never_answers_is_an_error_in_bounded_time(
    runner, s3, monkeypatch, silent_endpoint
):
    from dataset_kit import storage

    # The real bounds are 30 s per attempt, 3 attempts; shrunk here to keep the test short.
    monkeypatch.setattr(storage, "_S3_READ_TIMEOUT", 0.5)
    monkeypatch.setattr(storage, "_S3_ATTEMPTS", 1)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", silent_endpoint)
    clear_store_caches()
    started = time.monotonic()
    result = invoke(runner, "validate", s3.url("in/x.jsonl"))
    assert time.monotonic() - started < 30
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {s3.url('in/x.jsonl')}: the store stopped answering")


def test_workers_of_a_dask_cluster_read_the_store_themselves(runner, s3, tmp_path):
    pytest.importorskip("distributed")
    local = make_corpus(tmp_path / "corpus")
    url = s3.upload_tree(local, "in/corpus")
    # The cluster starts inside the run, after the fixture set the store's
    # environment, which its worker processes inherit as a real cluster's would have.
    on_cluster = invoke(runner, "export", url, "--out", tmp_path / "dask", "--scheduler", "local")
    assert on_cluster.exit_code == 0, on_cluster.output
    inline = invoke(runner, "export", local, "--out", tmp_path / "inline")
    assert inline.exit_code == 0, inline.output
    shards = sorted(p.name for p in (tmp_path / "inline" / "data").iterdir())
    assert shards == sorted(p.name for p in (tmp_path / "dask" / "data").iterdir())
    for name in shards:
        expected = (tmp_path / "inline" / "data" / name).read_bytes()
        assert (tmp_path / "dask" / "data" / name).read_bytes() == expected


def test_a_scheme_in_capitals_is_the_same_url(runner, s3, tmp_path):
    s3.client.put_object(Bucket=s3.bucket, Key="in/x.jsonl", Body=b"{}\n")
    result = invoke(runner, "validate", f"S3://{s3.bucket}/in/x.jsonl")
    assert result.exit_code == 1, result.output  # read: the record is invalid
    assert "1 record read from 1 file" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", ["s3://", "s3:///", "hf://"])
@pytest.mark.parametrize("where", ["input", "--out"])
def test_a_url_without_a_bucket_is_a_clear_error(runner, tmp_path, url, where):
    source = tmp_path / "a.jsonl"
    source.write_text("{}\n")
    args = [url, "--out", tmp_path / "o"] if where == "input" else [source, "--out", url]
    result = invoke(runner, "export", *args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {url}: names no bucket"), result.output


@pytest.mark.parametrize(
    ("command", "option"),
    [("export", "--out"), ("validate", "--report"), ("validate", "--rejects"), ("ingest", "-o")],
)
@pytest.mark.parametrize("typo", ["s3:/bucket/x", "gs:bucket/x"])
def test_a_url_missing_a_slash_creates_no_local_folder(
    runner, tmp_path, monkeypatch, command, option, typo
):
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "page.txt"
    page.write_text("Title\n\nSome text of a page.\n")
    result = invoke(runner, command, page, option, typo)
    assert result.exit_code == 2, result.output
    scheme = typo.split(":")[0]
    assert result.output.startswith(
        f"Error: {typo}: not a URL nor an existing path; did you mean {scheme}://bucket/x?"
    ), result.output
    assert not (tmp_path / f"{scheme}:").exists()


@pytest.mark.parametrize("other", ["notes.csv", "records.jsonl"])
def test_ingest_from_a_prefix_holding_other_files(runner, s3, tmp_path, other):
    """Files that are not page dumps are skipped, as in a local folder (this crashed)."""
    local = tmp_path / "pages"
    local.mkdir()
    for page in sorted(PAGES.glob("*.txt"))[:4]:
        shutil.copyfile(page, local / page.name)
    (local / other).write_text("{}\n")
    url = s3.upload_tree(local, "dumps")
    outputs = {}
    for name, source in (("local", local), ("remote", url)):
        out = tmp_path / f"{name}.jsonl"
        result = invoke(runner, "ingest", source, "-o", out)
        assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
        outputs[name] = (result.exit_code, out.read_bytes())
    assert outputs["remote"][1], "no page was written"
    assert outputs["remote"][1].replace(url.encode(), b"") == outputs["local"][1]
    assert outputs["remote"][0] == outputs["local"][0]
