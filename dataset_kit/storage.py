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

import contextlib
import io
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, BinaryIO

from .errors import DatasetKitError, printable

if TYPE_CHECKING:
    import pyarrow as pa

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
        _refuse_broken_url(text)
        return Path(text[len("file://") :] if text.startswith("file://") else text)
    import fsspec
    from upath import UPath

    # fsspec knows protocols in lower case only; "S3://b/k" is the same URL.
    value = protocol + str(value)[len(protocol) :]
    if not str(value)[len(protocol) + 3 :].strip("/"):
        form = "datasets/OWNER/NAME" if protocol == "hf" else "BUCKET/PATH"
        raise DatasetKitError(f"{value}: names no bucket: write {protocol}://{form}")

    try:
        fsspec.get_filesystem_class(protocol)
    except (ImportError, ValueError) as exc:
        needed = _PACKAGES.get(protocol)
        hint = f"install {needed}" if needed else "no fsspec implementation is installed for it"
        raise DatasetKitError(f"{value}: cannot open {protocol}:// paths: {hint}") from exc
    return UPath(str(value), **store_options(protocol))


# "s3:/bucket/key", "s3:bucket": a URL with a slash missing, which would otherwise be a
# local path and, as --out, a folder named "s3:" in the current folder.
_BROKEN_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):(?!//)")


def _refuse_broken_url(text: str) -> None:
    match = _BROKEN_URL.match(text)
    if not match or os.path.lexists(text):  # a local file may have any name
        return
    protocol = match.group(1).lower()
    # Only the stores a user is likely to mean: "data:v2" may well be a folder's name.
    if protocol in _PACKAGES:
        rest = text[match.end() :].lstrip("/")
        raise DatasetKitError(
            f"{text}: not a URL nor an existing path; did you mean {protocol}://{rest}?"
        )


# An S3 endpoint that cannot be reached must fail within seconds, not hang: botocore's
# defaults (60 s to connect, 5 attempts) add up to minutes. A server that stops
# sending in the middle of a read is given up on after 30 s without a byte per
# attempt (s3fs retries such reads 5 times itself: a few minutes at worst, never a
# hang). A user who sets AWS_MAX_ATTEMPTS / AWS_RETRY_MODE keeps their own policy.
_S3_CONNECT_TIMEOUT = 10
_S3_READ_TIMEOUT = 30
_S3_ATTEMPTS = 3


def store_options(protocol: str) -> dict[str, Any]:
    """The fsspec options every path of ``protocol`` is opened with: only bounds on
    time (never credentials or endpoints, which come from the store's standard
    configuration). The same for every process, so a task that names a URL opens it
    the same way in any worker."""
    if protocol not in ("s3", "s3a"):
        return {}
    config: dict[str, Any] = {
        "connect_timeout": _S3_CONNECT_TIMEOUT,
        "read_timeout": _S3_READ_TIMEOUT,
    }
    if not os.environ.get("AWS_MAX_ATTEMPTS") and not os.environ.get("AWS_RETRY_MODE"):
        config["retries"] = {"max_attempts": _S3_ATTEMPTS, "mode": "standard"}
    return {"config_kwargs": config}


def refuse_url_output(option: str, value: object) -> None:
    """Raise :class:`DatasetKitError` when the output of ``option`` is a URL: only
    ``export --out`` writes to a store (and commits there, see
    :mod:`dataset_kit.remote_commit`); a plain ``open`` of a URL would create a local
    folder named ``s3:``."""
    if value is not None:
        _refuse_broken_url(os.fspath(value) if isinstance(value, os.PathLike) else str(value))
    if value is not None and is_url(value):
        raise DatasetKitError(
            f"{option} {printable(value)}: only `export --out` writes to a store; write this "
            "file locally and copy it there"
        )


def refuse_glob_characters(option: str, path: AnyPath) -> None:
    """Raise :class:`DatasetKitError` when the URL ``path`` to be written holds ``*``,
    ``?`` or ``[``: fsspec's copies and removals take them for patterns, so the export
    would land under other keys (``ds?x/README.md/README.md``)."""
    if is_remote(path) and any(char in str(path) for char in "*?["):
        raise DatasetKitError(
            f"{option} {printable(path)}: a URL written to may not hold *, ? or [ (the store's "
            "copies read them as patterns); choose another name"
        )


# How much a store fetches per request beyond what was asked (fsspec's read-ahead):
# for a stream read from start to end, enough to keep requests few; for random access
# (Parquet column chunks), little, since whatever is fetched past the read is wasted
# (s3fs's default of 50 MiB would fetch 25 times a 2 MiB part).
STREAM_BLOCK = 8 << 20
RANDOM_ACCESS_BLOCK = 1 << 20


def open_input(path: AnyPath | str, block_size: int = STREAM_BLOCK) -> BinaryIO:
    """Open an input file for reading bytes, through its path object: a local file, or
    an object of a store (a URL, read by whichever process calls this, never copied
    first). ``block_size`` is how much a store fetches per request (see
    :data:`STREAM_BLOCK`)."""
    path = as_path(path)
    if is_remote(path):
        return path.open("rb", block_size=block_size)  # type: ignore[no-any-return]
    return open(path, "rb", buffering=1 << 20)


def open_range(path: AnyPath | str, start: int, end: int) -> BinaryIO:
    """A stream whose next bytes are those of ``path`` from ``start``, at least up to
    ``end``: a local file, positioned there (the caller stops at ``end``); an object of
    a store, the range fetched in one request (a range is a few MiB, and a line-by-line
    read through fsspec's file costs a call per line)."""
    path = as_path(path)
    if is_remote(path):
        return io.BytesIO(path.fs.cat_file(path.path, start=start, end=end))
    handle = open(path, "rb", buffering=1 << 20)  # noqa: SIM115 - the caller closes it
    handle.seek(start)
    return handle


def open_output(path: AnyPath) -> BinaryIO:
    """``path`` opened for writing bytes: an object appears whole when it is closed."""
    if is_remote(path):
        return path.open("wb")  # type: ignore[no-any-return]
    return open(path, "wb", buffering=1 << 20)


def open_arrow_input(path: AnyPath) -> pa.NativeFile:
    """``path`` opened for Arrow to read (random access)."""
    import pyarrow as pa

    if is_remote(path):
        return pa.PythonFile(path.open("rb", block_size=RANDOM_ACCESS_BLOCK), mode="r")
    return _local_arrow_file(path, "rb")


def open_arrow_output(path: AnyPath) -> pa.NativeFile:
    """``path`` opened for Arrow to write. An object appears whole or not at all when
    the stream is closed; a local file is written in place (callers that need it
    atomic write a temporary name and rename)."""
    import pyarrow as pa

    if is_remote(path):
        return pa.PythonFile(path.open("wb"), mode="w")
    return _local_arrow_file(path, "wb")


def _local_arrow_file(path: AnyPath, mode: str) -> pa.NativeFile:
    """Arrow's file at ``path``; an error of the operating system names ``path`` (Arrow's
    own carry the number but not the name, and the user saw only "no such file")."""
    import pyarrow as pa

    with naming_arrow_errors(path):
        return pa.OSFile(os.fspath(path), mode)


@contextlib.contextmanager
def naming_arrow_errors(path: AnyPath | str) -> Iterator[None]:
    """Arrow's operating-system errors about the local file ``path``, with its name."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None:
            raise
        raise type(exc)(exc.errno, os.strerror(exc.errno), os.fspath(path)) from exc


def remove_tree(path: AnyPath) -> None:
    """Remove ``path`` and everything under it, if it exists."""
    if is_remote(path):
        if path.exists():
            path.fs.rm(path.path, recursive=True)
        return
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# What to do about the faults of a store, by the class name of the exception the
# store's client raises (botocore, aiohttp, google-auth): named, not imported, so
# that no store's package is needed to recognise another's errors.
_STORE_FAULTS = {
    "NoCredentialsError": "no credentials found for the store: set them in its standard "
    "configuration (for S3: AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
    "or ~/.aws/credentials)",
    "PartialCredentialsError": "the store's credentials are incomplete (for S3: both "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are needed)",
    "EndpointConnectionError": "cannot connect to the store's endpoint (for S3: check "
    "AWS_ENDPOINT_URL_S3 and the network)",
    "ConnectTimeoutError": "timed out connecting to the store's endpoint (for S3: check "
    "AWS_ENDPOINT_URL_S3 and the network)",
    "ReadTimeoutError": "the store stopped answering while reading",
    "ClientConnectorError": "cannot connect to the store's endpoint",
    "ServerDisconnectedError": "the store closed the connection",
    "ClientPayloadError": "the connection broke in the middle of the object: it was "
    "read only in part",
    "IncompleteRead": "the connection broke in the middle of the object: it was read only in part",
    "ResponseStreamingError": "the connection broke in the middle of the object: it was "
    "read only in part",
    "DefaultCredentialsError": "no credentials found for the store (for Google Cloud "
    "Storage: `gcloud auth application-default login` or GOOGLE_APPLICATION_CREDENTIALS)",
}


def describe_store_fault(exc: BaseException) -> str | None:
    """One line for the user about a fault of a store (fsspec URL), or None when
    ``exc`` is not one (a bug, or a local error that is reported elsewhere)."""
    unresolved = _in_chain(exc, socket.gaierror)
    if unresolved is not None:
        # Said before any wrapper's words: "Name or service not known" alone did not
        # tell a user without network what was wrong.
        return (
            f"cannot resolve the store's host name ({_message(unresolved)}): no network, or "
            "a wrong endpoint (for the Hub: HF_ENDPOINT; for S3: AWS_ENDPOINT_URL_S3)"
        )
    for kind in type(exc).__mro__:
        if kind.__name__ in _STORE_FAULTS:
            return _STORE_FAULTS[kind.__name__]
    if isinstance(exc, FileNotFoundError):
        detail = _message(exc)
        return f"no such bucket or object ({detail})" if detail else "no such bucket or object"
    if isinstance(exc, PermissionError):
        return f"access denied ({_message(exc)}): check the credentials and their permissions"
    if isinstance(exc, OSError):
        return _message(exc) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    return describe_store_fault(cause) if cause is not None and cause is not exc else None


def _in_chain(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of ``kind`` among ``exc`` and its causes (contexts)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return str(exc.strerror)
    return str(exc.args[0]) if exc.args else ""


@contextlib.contextmanager
def store_faults(path: object) -> Iterator[None]:
    """Turn a fault of the store that holds ``path`` into :class:`DatasetKitError` naming
    ``path``; errors of local paths pass through unchanged (the CLI reports those)."""
    try:
        yield
    except DatasetKitError:
        raise
    except Exception as exc:
        remote = is_remote(path) or (isinstance(path, str) and is_url(path))
        reason = describe_store_fault(exc) if remote else None
        if reason is None:
            raise
        raise DatasetKitError(f"{printable(path)}: {reason}") from exc
