"""Inputs as ``hf://datasets/OWNER/NAME/...`` URLs, read through huggingface_hub's
HfFileSystem from the local stand-in of the Hub (:mod:`tests.hub_server`)."""

from __future__ import annotations

import gzip
import json

from dataset_kit.cli import cli
from tests.export_helpers import corpus

pytest_plugins = ["tests.hub_fixtures"]


def reach_the_local_hub(hub, monkeypatch) -> None:
    """Read with a read token; download URLs on the local Hub too (huggingface_hub
    builds their template from HF_ENDPOINT once, at import)."""
    import fsspec
    import huggingface_hub.constants as hf_constants

    monkeypatch.setenv("HF_TOKEN", hub.read_token)
    template = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(hf_constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    fsspec.AbstractFileSystem.clear_instance_cache()


def test_export_from_a_dataset_repo_equals_the_local_run(runner, hub, tmp_path, monkeypatch):

    rows = corpus(60)
    one = b"".join(json.dumps(r).encode() + b"\n" for r in rows[:30])
    two = gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in rows[30:]))
    hub.create_repo("newsroom/raw")
    hub.push("newsroom/raw", {"raw/one.jsonl": one, "raw/two.jsonl.gz": two, "README.md": b"x"})
    local = tmp_path / "raw"
    local.mkdir()
    (local / "one.jsonl").write_bytes(one)
    (local / "two.jsonl.gz").write_bytes(two)
    reach_the_local_hub(hub, monkeypatch)
    url = "hf://datasets/newsroom/raw/raw/"
    for source, out in ((local, tmp_path / "local"), (url, tmp_path / "remote")):
        result = runner.invoke(cli, ["export", str(source), "--out", str(out)])
        assert result.exit_code == 0, result.output
    for shard in sorted((tmp_path / "local" / "data").iterdir()):
        assert (tmp_path / "remote" / "data" / shard.name).read_bytes() == shard.read_bytes()
    report = json.loads((tmp_path / "remote.report.json").read_bytes())
    assert url + "two.jsonl.gz" in json.dumps(report)


def test_a_missing_dataset_repo_names_the_url(runner, hub, tmp_path, monkeypatch):
    reach_the_local_hub(hub, monkeypatch)
    url = "hf://datasets/newsroom/missing/data/"
    result = runner.invoke(cli, ["validate", url])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {url}: no such object, prefix or bucket"), (
        result.output
    )


def test_a_hub_whose_host_does_not_resolve_says_so(runner, hub, monkeypatch):
    # No network: huggingface_hub's own error said only "Name or service not known".
    import socket

    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    reach_the_local_hub(hub, monkeypatch)
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    url = "hf://datasets/newsroom/raw/data/"
    result = runner.invoke(cli, ["validate", url])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(
        f"Error: {url}: cannot resolve the store's host name (Name or service not known): "
        "no network, or a wrong endpoint (for the Hub: HF_ENDPOINT"
    ), result.output
