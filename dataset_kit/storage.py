"""Where files live: a local path (a shared file system on a cluster) or an fsspec URL.

Inputs, ``--out`` and ``--work-dir`` may each be a local path or a URL: ``s3://``
(``s3fs``), ``gs://`` (``gcsfs``), ``hf://datasets/...`` (``huggingface_hub``, for
reading) or any other protocol fsspec knows. :func:`as_path` gives a
:class:`pathlib.Path` for a local path and a :class:`upath.UPath` (the same API, over
fsspec) for a URL, so code that joins, names and opens paths works on both; only the
few places that need an operating-system file (``os.replace``, memory maps, ``pread``)
ask :func:`is_remote` first.

Credentials and endpoints never come from a flag (a flag would put a secret on the
command line and in shell history): each store reads its own standard configuration,
for S3 the AWS environment and files (``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID``,
``AWS_ENDPOINT_URL_S3`` for an S3-compatible server, ...), for Google Cloud Storage
the application default credentials, for the Hub ``HF_TOKEN`` or the saved login.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePath
from typing import Any

import pyarrow as pa

from .errors import DatasetKitError

# "s3://", "gs://", "hf://", "memory://"...: a scheme of two or more characters, so a
# Windows drive ("C:/") is not taken for one.
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+)://")
# The package that implements each protocol a user is likely to give, for the error
# that says what to install.
_PACKAGES = {
    "s3": "s3fs (pip install 'dataset-kit[s3]')",
    "s3a": "s3fs (pip install 'dataset-kit[s3]')",
    "gs": "gcsfs (pip install 'dataset-kit[gcs]')",
    "gcs": "gcsfs (pip install 'dataset-kit[gcs]')",
    "hf": "huggingface_hub",
}

AnyPath = Any  # a pathlib.Path or an upath.UPath: both have the Path API used here


def url_protocol(value: object) -> str | None:
    """The protocol of a URL (``"s3"``), or None for a local path (``file://`` too)."""
    match = _URL.match(os.fspath(value) if isinstance(value, os.PathLike) else str(value))
    if not match or match.group(1).lower() in ("file", "local"):
        return None
    return match.group(1).lower()


def is_url(value: object) -> bool:
    """Whether ``value`` names a file in a store reached through fsspec."""
    if isinstance(value, PurePath) and not is_remote(value):
        return False
    return url_protocol(value) is not None


def is_remote(path: object) -> bool:
    """Whether ``path`` (from :func:`as_path`) is not an operating-system path."""
    if isinstance(path, Path) and not _is_upath(path):
        return False
    protocol = getattr(path, "protocol", "")
    return bool(protocol) and protocol not in ("file", "local")


def _is_upath(path: object) -> bool:
    try:
        from upath import UPath
    except ImportError:  # pragma: no cover - a dependency
        return False
    return isinstance(path, UPath)


def as_path(value: str | os.PathLike[str]) -> AnyPath:
    """A :class:`~pathlib.Path` for a local path, a :class:`~upath.UPath` for a URL.

    Raises :class:`DatasetKitError` naming the package to install when no fsspec
    implementation of the URL's protocol is installed.
    """
    if _is_upath(value) or (isinstance(value, PurePath) and not isinstance(value, str)):
        return value
    protocol = url_protocol(value)
    if protocol is None:
        text = str(value)
        return Path(text[len("file://") :] if text.startswith("file://") else text)
    import fsspec
    from upath import UPath

    try:
        fsspec.get_filesystem_class(protocol)
    except (ImportError, ValueError) as exc:
        needed = _PACKAGES.get(protocol)
        hint = f"install {needed}" if needed else "no fsspec implementation is installed for it"
        raise DatasetKitError(f"{value}: cannot open {protocol}:// paths: {hint}") from exc
    return UPath(str(value))


def display(path: object) -> str:
    """``path`` as the user wrote it: a URL keeps its scheme."""
    from .errors import printable

    return printable(path)


def open_arrow_input(path: AnyPath) -> pa.NativeFile:
    """``path`` opened for Arrow to read (random access)."""
    if is_remote(path):
        return pa.PythonFile(path.open("rb"), mode="r")
    return pa.OSFile(os.fspath(path), "rb")


def open_arrow_output(path: AnyPath) -> pa.NativeFile:
    """``path`` opened for Arrow to write. An object appears whole or not at all when
    the stream is closed; a local file is written in place (callers that need it
    atomic write a temporary name and rename)."""
    if is_remote(path):
        return pa.PythonFile(path.open("wb"), mode="w")
    return pa.OSFile(os.fspath(path), "wb")


def remove_tree(path: AnyPath) -> None:
    """Remove ``path`` and everything under it, if it exists."""
    if is_remote(path):
        if path.exists():
            path.fs.rm(path.path, recursive=True)
        return
    import shutil

    shutil.rmtree(path, ignore_errors=True)
