"""The token is never printed, logged or written: checked on everything a real
``dataset-kit publish`` process prints (with huggingface_hub's debug logging on), on
every log record of an in-process run with retries, and on every file left behind."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dataset_kit import publishing
from tests.hub_server import HubServer
from tests.publish_helpers import rows, write_export

pytest_plugins = ["tests.hub_fixtures"]
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

REPO = "alice/news"
V1 = {"train": [rows(0, 10), rows(10, 10)], "test": [rows(100, 5)]}
V2 = {"train": [rows(0, 10), rows(10, 12), rows(22, 6)], "test": [rows(100, 5)]}
ROOT = Path(__file__).resolve().parent.parent


def run(hub: HubServer, tmp_path: Path, *args: str, token_env: str | None = None):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HF_", "HUGGING_FACE"))
    }
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HUB_DISABLE_XET="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HOME=str(tmp_path / "hf-home"),
        # Maximum verbosity: every request huggingface_hub makes is logged.
        HF_DEBUG="1",
        HF_HUB_VERBOSITY="debug",
        PYTHONPATH=str(ROOT),
    )
    if token_env is not None:
        env["HF_TOKEN"] = token_env
    return subprocess.run(
        [sys.executable, "-m", "dataset_kit.cli", "publish", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def files_containing(folder: Path, secret: str) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and secret.encode() in path.read_bytes()
    ]


def test_token_never_appears_in_a_real_process_output(hub, tmp_path):
    root = write_export(tmp_path / "ds", V1)
    token = hub.write_token
    outputs = []

    dry = run(hub, tmp_path, str(root), "--repo-id", REPO, "--dry-run", token_env=token)
    assert dry.returncode == 0, dry.stderr
    outputs.append(dry)

    first = run(hub, tmp_path, str(root), "--repo-id", REPO, "--private", "--token", token)
    assert first.returncode == 0, first.stderr
    assert "Verified" in first.stdout
    outputs.append(first)

    write_export(root, V2)
    pr = run(hub, tmp_path, str(root), "--repo-id", REPO, "--create-pr", token_env=token)
    assert pr.returncode == 0, pr.stderr
    outputs.append(pr)

    # Failures print the server's answers: they must not echo the token either.
    denied = run(hub, tmp_path, str(root), "--repo-id", REPO, token_env=hub.read_token)
    assert denied.returncode == 3
    outputs.append(denied)
    bad = "hf_ThisTokenIsUnknown0123456789"
    rejected = run(hub, tmp_path, str(root), "--repo-id", REPO, token_env=bad)
    assert rejected.returncode == 3 and "HTTP 401" in rejected.stderr
    outputs.append(rejected)

    everything = "".join(p.stdout + p.stderr for p in outputs)
    assert "Send: curl" in everything  # debug logging was really on
    for secret in (token, hub.read_token, bad):
        assert secret not in everything
        assert files_containing(tmp_path, secret) == []


def test_token_never_appears_in_logs_or_errors(hub, tmp_path, caplog, fast_retry):
    caplog.set_level(logging.DEBUG)
    root = write_export(tmp_path / "ds", V1)
    token = hub.write_token
    messages: list[str] = []
    hub.fail("commit", status=503, times=2)
    hub.fail("lfs-upload", drop="before")
    hub.fail("preupload", status=429, retry_after=1)
    result = publishing.publish(root, REPO, token=token, endpoint=hub.url, log=messages.append)
    assert result.committed

    hub.fail("commit", status=500, times=10)
    write_export(root, V2)
    with pytest.raises(publishing.HubUnavailableError) as caught:
        publishing.publish(root, REPO, token=token, endpoint=hub.url, log=messages.append)

    assert "huggingface.co" not in caplog.text  # nothing but the local server was contacted
    texts = [caplog.text, *messages, str(caught.value), repr(result), repr(result.plan)]
    assert "HTTP Error 429" in caplog.text  # the client's own retry warnings were captured
    assert "Retrying in" in caplog.text
    assert all(token not in text for text in texts)
    assert files_containing(tmp_path, token) == []


def test_an_error_message_echoing_the_token_is_redacted(hub, tmp_path, fast_retry):
    root = write_export(tmp_path / "ds", V1)
    token = hub.write_token
    hub.fail("commit", status=400, message=f"bad request from {token}")
    with pytest.raises(publishing.HubRejectedError) as caught:
        publishing.publish(root, REPO, token=token, endpoint=hub.url)
    assert "bad request from <token>" in str(caught.value)
    assert token not in str(caught.value)
