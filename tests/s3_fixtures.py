"""A real S3 API on 127.0.0.1 (moto's server mode) for the object-store tests.

The server runs in a thread of the test process for the whole session; each test
gets an empty bucket, fake credentials and ``AWS_ENDPOINT_URL_S3`` pointing at the
server, set in the environment (worker processes inherit it), as a user would
configure a real S3-compatible store. No real credentials or configuration files are
read (``AWS_CONFIG_FILE`` and ``AWS_SHARED_CREDENTIALS_FILE`` point into tmp_path),
and nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BUCKET = "dk-test-bucket"


@dataclass
class S3Store:
    """The per-test store: its endpoint, bucket and a boto3 client for checks."""

    endpoint: str
    bucket: str
    client: object

    def url(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key}"

    def upload_tree(self, folder: Path, prefix: str) -> str:
        """Copy every file under ``folder`` to ``prefix``; return the prefix's URL."""
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                key = f"{prefix.rstrip('/')}/{path.relative_to(folder).as_posix()}"
                self.client.put_object(Bucket=self.bucket, Key=key, Body=path.read_bytes())  # type: ignore[attr-defined]
        return self.url(prefix.rstrip("/") + "/")

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(  # type: ignore[attr-defined]
            Bucket=self.bucket, Prefix=prefix
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def clear_store_caches() -> None:
    """Forget cached filesystems: s3fs keeps one per set of options, with the endpoint
    and credentials it was made with."""
    import fsspec
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    fsspec.AbstractFileSystem.clear_instance_cache()


def fake_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str) -> None:
    """Point the standard AWS configuration at ``endpoint`` with fake credentials."""
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_endpoint: str) -> Iterator[S3Store]:
    """An empty bucket on the moto server, and the environment that reaches it."""
    import boto3

    # Each test starts from an empty server.
    urllib.request.urlopen(
        urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"), timeout=10
    ).close()
    fake_aws_environment(monkeypatch, tmp_path, moto_endpoint)
    clear_store_caches()
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    try:
        yield S3Store(moto_endpoint, BUCKET, client)
    finally:
        clear_store_caches()


def closed_port_endpoint() -> str:
    """An endpoint on 127.0.0.1 that refuses connections (a port nobody listens on)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
