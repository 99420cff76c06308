"""Pytest fixtures that point ``huggingface_hub`` at a local :class:`HubServer`.

Import the fixture into a test module with ``from tests.hub_fixtures import hub  # noqa``.

``hub`` starts a fresh server on 127.0.0.1 (random port) for each test and sets
``HF_ENDPOINT`` and ``HF_HUB_DISABLE_XET=1`` for code that reads the environment at
call time (dataset-kit does) and for subprocesses. ``huggingface_hub`` reads some
settings once, at import, and another test may have imported it first, so the fixture
also sets the module-level values the client consults on every call: the endpoint, Xet
disabled, telemetry off (it would fetch a registry from huggingface.co), offline mode
off, and a token file path inside the test's tmp folder, so that a login on the machine
running the tests can never leak into them.

The client retries some requests itself (preupload, LFS, tree pages) and sleeps
between tries; the fixture swaps the sleep of ``huggingface_hub.utils._http`` for one
that only records the delay, so injected failures cost no wall-clock time. The recorded
delays are in ``hub.client_sleeps``.

``fast_retry`` makes dataset-kit's own retries (``publishing.DEFAULT_RETRY``) instant
and yields the list of delays they asked for.

Accounts: user ``alice`` (member of org ``newsroom``) with a write token
(``hub.write_token``) and a read-only token (``hub.read_token``), and user ``bob``
with a write token (``hub.other_token``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hub_server import HubServer

WRITE_TOKEN = "hf_TestWriteTokenAlice0123456789abcdef"
READ_TOKEN = "hf_TestReadTokenAlice0123456789abcdefg"
OTHER_TOKEN = "hf_TestWriteTokenBob0123456789abcdefgh"


class _RecordingTime:
    """Stands in for the ``time`` module inside huggingface_hub's retry helper."""

    def __init__(self, sleeps: list[float]) -> None:
        self._sleeps = sleeps

    def sleep(self, seconds: float) -> None:
        self._sleeps.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HubServer]:
    import huggingface_hub.constants as hf_constants
    import huggingface_hub.utils._http as hf_http
    from huggingface_hub.utils import close_session

    server = HubServer().start()
    server.add_user("alice", orgs=("newsroom",))
    server.add_user("bob")
    server.write_token = server.add_token(WRITE_TOKEN, "alice", role="write")
    server.read_token = server.add_token(READ_TOKEN, "alice", role="read")
    server.other_token = server.add_token(OTHER_TOKEN, "bob", role="write")

    hf_home = tmp_path / "hf-home"
    hf_home.mkdir()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("HF_HOME", str(hf_home))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_XET", True)
    # With telemetry on, building the user agent fetches a registry from ENDPOINT, which
    # is huggingface.co when the module was imported before HF_ENDPOINT was set here.
    monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(hf_constants, "ENDPOINT", server.url)
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hf_constants, "HF_TOKEN_PATH", str(hf_home / "token"))
    monkeypatch.setattr(hf_constants, "HF_STORED_TOKENS_PATH", str(hf_home / "stored_tokens"))
    monkeypatch.setattr(hf_http, "time", _RecordingTime(server.client_sleeps))
    # The shared HTTP client keeps connections alive; start from a clean one so that no
    # connection to a previous test's server is reused.
    close_session()
    try:
        yield server
    finally:
        close_session()
        server.stop()


@pytest.fixture
def fast_retry(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Make publish's own retries instant; yields the delays it asked for."""
    from dataset_kit import publishing

    delays: list[float] = []
    policy = publishing.RetryPolicy(attempts=4, base_delay=0.5, max_delay=4.0, sleep=delays.append)
    monkeypatch.setattr(publishing, "DEFAULT_RETRY", policy)
    yield delays
