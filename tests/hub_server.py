"""A strict, in-memory stand-in for the parts of the Hugging Face Hub HTTP API that
``dataset-kit publish`` drives through ``huggingface_hub``.

The real client (``HfApi``) talks to it unchanged once ``HF_ENDPOINT`` points here and
Xet is disabled (``HF_HUB_DISABLE_XET=1``), so the tests exercise the real request
sequence: whoami, repo create and info, tree and paths-info listings, README YAML
validation, preupload, the Git LFS batch API with its upload and verify actions, the
NDJSON commit endpoint (inline base64 files, LFS pointers, deletions), commit history,
refs, branches and pull-request refs (``refs/pr/N``).

It is strict on purpose, so that a client bug shows up as a failing test instead of a
silently accepted request: wrong content types, malformed JSON/NDJSON, missing or
mistyped fields, unknown repos or revisions, bad or read-only tokens, LFS uploads whose
size or sha256 differ from what was announced, commits that reference LFS objects never
uploaded, inline binary content that must go through LFS, stale ``parentCommit`` values
and unknown query parameters are all rejected the way the Hub rejects them (status code,
``X-Error-Code`` header, JSON ``error`` body).

Repos keep every commit as a full snapshot of their files, so a test can read back
exactly what was published (:meth:`HubServer.files`, :meth:`HubServer.commits`) and
check which requests were made (:attr:`HubServer.requests`; tokens are never recorded).
:meth:`HubServer.fail` injects failures for the next N requests to one endpoint: an
HTTP status (429 with ``Retry-After``, 500, 503, ...) or a dropped connection, either
before the request is processed or after it was applied (a lost response).
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import itertools
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import yaml

#: Endpoint names used by :meth:`HubServer.fail` and recorded in :attr:`HubServer.requests`.
ENDPOINTS = (
    "whoami",
    "create",
    "validate-yaml",
    "info",
    "tree",
    "paths-info",
    "preupload",
    "commit",
    "commits",
    "refs",
    "branch",
    "lfs-batch",
    "lfs-upload",
    "lfs-verify",
    "resolve",
)
#: Endpoints whose requests ask for a change (or prepare one); a dry run must send none.
WRITE_ENDPOINTS = frozenset(
    {"create", "preupload", "commit", "branch", "lfs-batch", "lfs-upload", "lfs-verify"}
)

REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
# Same shape the Hub enforces: 1-96 word characters, dots and dashes, not starting or
# ending with '-' or '.', no '--' or '..'.
NAME_RE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,94}[A-Za-z0-9_])?")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
COMMIT_OID_RE = re.compile(r"[0-9a-f]{40}")
MAX_REGULAR_FILE = 10 * 1024 * 1024
MAX_PATHS_PER_REQUEST = 1000
DEFAULT_GITATTRIBUTES = (
    "".join(
        f"{pattern} filter=lfs diff=lfs merge=lfs -text\n"
        for pattern in (
            "*.7z",
            "*.arrow",
            "*.bin",
            "*.gz",
            "*.jpeg",
            "*.jpg",
            "*.npy",
            "*.parquet",
            "*.png",
            "*.safetensors",
            "*.tar",
            "*.zip",
            "*.zst",
        )
    )
).encode()


class HubHTTPError(Exception):
    """Raised inside a handler to answer with an error status, like the Hub does."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}
        self.extra = extra or {}


def _bad_request(message: str) -> HubHTTPError:
    return HubHTTPError(400, message, code="BadRequest")


def git_blob_oid(data: bytes) -> str:
    """The git object id of a blob holding ``data`` (what the Hub reports as ``oid``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()
    )


@dataclass(frozen=True)
class Blob:
    """A file in a commit: inline bytes, or a pointer to an object in the repo's LFS store."""

    size: int
    content: bytes | None = None
    lfs_sha256: str | None = None

    @property
    def is_lfs(self) -> bool:
        return self.lfs_sha256 is not None

    @property
    def oid(self) -> str:
        if self.lfs_sha256 is not None:
            return git_blob_oid(lfs_pointer(self.lfs_sha256, self.size))
        assert self.content is not None
        return git_blob_oid(self.content)

    @property
    def upload_oid(self) -> str:
        """What preupload reports as the remote ``oid``: sha256 for LFS, git oid otherwise."""
        return self.lfs_sha256 if self.lfs_sha256 is not None else self.oid


@dataclass
class Commit:
    oid: str
    parents: list[str]
    title: str
    message: str
    author: str
    date: str
    files: dict[str, Blob]
    # (NDJSON key, path) of each operation, in order: what this commit sent.
    operations: list[tuple[str, str]] = field(default_factory=list)

    @property
    def paths(self) -> set[str]:
        return {path for _, path in self.operations}


@dataclass
class PullRequest:
    num: int
    target: str
    author: str
    title: str

    @property
    def ref(self) -> str:
        return f"refs/pr/{self.num}"


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    created_at: str
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    pr_heads: dict[int, str] = field(default_factory=dict)
    pull_requests: dict[int, PullRequest] = field(default_factory=dict)
    lfs_objects: dict[str, bytes] = field(default_factory=dict)

    @property
    def owner(self) -> str:
        return self.repo_id.split("/")[0]

    def resolve(self, revision: str) -> str | None:
        """Commit oid for a branch name, ``refs/heads/x``, ``refs/pr/N`` or a commit oid."""
        if revision in self.branches:
            return self.branches[revision]
        if revision.startswith("refs/heads/") and revision[11:] in self.branches:
            return self.branches[revision[11:]]
        match = re.fullmatch(r"refs/pr/(\d+)", revision)
        if match:
            return self.pr_heads.get(int(match.group(1)))
        if COMMIT_OID_RE.fullmatch(revision) and revision in self.commits:
            return revision
        return None

    def history(self, oid: str) -> list[Commit]:
        """Commits reachable from ``oid`` following first parents, newest first."""
        out = []
        current: str | None = oid
        while current is not None:
            commit = self.commits[current]
            out.append(commit)
            current = commit.parents[0] if commit.parents else None
        return out


@dataclass(frozen=True)
class Token:
    user: str
    role: str  # "read" or "write"


@dataclass
class RequestRecord:
    """One request as the server saw it; ``status`` is None for a dropped connection."""

    method: str
    endpoint: str
    path: str
    query: dict[str, list[str]]
    user: str | None
    status: int | None = None

    @property
    def is_write(self) -> bool:
        return self.endpoint in WRITE_ENDPOINTS


@dataclass
class Failure:
    endpoint: str
    remaining: int
    status: int | None
    retry_after: int | None
    drop: str | None  # None, "before" or "after"
    message: str


class HubServer:
    """The server and its state. Use :func:`tests.hub_fixtures.hub` in tests."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.repos: dict[tuple[str, str], Repo] = {}
        self.tokens: dict[str, Token] = {}
        self.orgs: dict[str, set[str]] = {}
        self.users: set[str] = set()
        self.requests: list[RequestRecord] = []
        self.failures: list[Failure] = []
        self.uploads: dict[str, tuple[tuple[str, str], str, int]] = {}
        self.tree_page_size = 1000
        self.commits_page_size = 50
        self._counter = itertools.count(1)
        # Filled in by the pytest fixture (tests/hub_fixtures.py).
        self.write_token = ""
        self.read_token = ""
        self.other_token = ""
        self.client_sleeps: list[float] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> HubServer:
        handler = type("BoundHandler", (_Handler,), {"hub": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="hub-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- accounts ------------------------------------------------------------------

    def add_user(self, name: str, *, orgs: tuple[str, ...] = ()) -> None:
        with self.lock:
            self.users.add(name)
            for org in orgs:
                self.orgs.setdefault(org, set()).add(name)

    def add_token(self, token: str, user: str, *, role: str = "write") -> str:
        if role not in ("read", "write"):
            raise ValueError(role)
        with self.lock:
            self.users.add(user)
            self.tokens[token] = Token(user=user, role=role)
        return token

    def can_write_namespace(self, user: str, namespace: str) -> bool:
        return user == namespace or user in self.orgs.get(namespace, set())

    # -- repos (direct access for tests) -------------------------------------------

    def create_repo(
        self, repo_id: str, *, repo_type: str = "dataset", private: bool = False, author: str = ""
    ) -> Repo:
        with self.lock:
            key = (repo_type, repo_id)
            if key in self.repos:
                raise ValueError(f"{repo_id} exists")
            now = _now()
            repo = Repo(repo_type=repo_type, repo_id=repo_id, private=private, created_at=now)
            initial = Commit(
                oid=self._new_oid("initial", repo_id),
                parents=[],
                title="initial commit",
                message="",
                author=author or "system",
                date=now,
                files={
                    ".gitattributes": Blob(
                        size=len(DEFAULT_GITATTRIBUTES), content=DEFAULT_GITATTRIBUTES
                    )
                },
            )
            repo.commits[initial.oid] = initial
            repo.branches["main"] = initial.oid
            self.repos[key] = repo
            return repo

    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        return self.repos[(repo_type, repo_id)]

    def create_branch(self, repo_id: str, branch: str, *, repo_type: str = "dataset") -> None:
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            repo.branches[branch] = repo.branches["main"]

    def push(
        self,
        repo_id: str,
        files: dict[str, bytes | None],
        *,
        branch: str = "main",
        author: str = "someone-else",
        title: str = "Concurrent change",
        repo_type: str = "dataset",
    ) -> str:
        """Commit directly, as another client would: bytes add a file, None deletes it.

        Files whose name matches the LFS patterns are stored in LFS, like the Hub does.
        """
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            parent = repo.branches[branch]
            tree = dict(repo.commits[parent].files)
            patterns = self.lfs_patterns(tree, repo)
            for path, data in files.items():
                if data is None:
                    del tree[path]
                elif any(_matches(path, p) for p in patterns):
                    sha = hashlib.sha256(data).hexdigest()
                    repo.lfs_objects[sha] = data
                    tree[path] = Blob(size=len(data), lfs_sha256=sha)
                else:
                    tree[path] = Blob(size=len(data), content=data)
            commit = Commit(
                oid=self._new_oid(repo_id, parent, title),
                parents=[parent],
                title=title,
                message="",
                author=author,
                date=_now(),
                files=tree,
                operations=[("deletedFile" if d is None else "file", p) for p, d in files.items()],
            )
            repo.commits[commit.oid] = commit
            repo.branches[branch] = commit.oid
            return commit.oid

    def head(self, repo_id: str, revision: str = "main", *, repo_type: str = "dataset") -> str:
        oid = self.repo(repo_id, repo_type).resolve(revision)
        if oid is None:
            raise KeyError(revision)
        return oid

    def files(
        self, repo_id: str, revision: str = "main", *, repo_type: str = "dataset"
    ) -> dict[str, bytes]:
        """Every file at ``revision`` with its full content (LFS objects resolved)."""
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            commit = repo.commits[self.head(repo_id, revision, repo_type=repo_type)]
            return {
                path: (
                    repo.lfs_objects[blob.lfs_sha256]
                    if blob.lfs_sha256 is not None
                    else blob.content
                )
                for path, blob in sorted(commit.files.items())
            }  # type: ignore[misc]

    def blobs(
        self, repo_id: str, revision: str = "main", *, repo_type: str = "dataset"
    ) -> dict[str, Blob]:
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            return dict(repo.commits[self.head(repo_id, revision, repo_type=repo_type)].files)

    def commits(
        self, repo_id: str, revision: str = "main", *, repo_type: str = "dataset"
    ) -> list[Commit]:
        """Commits reachable from ``revision``, newest first (the initial commit is last)."""
        with self.lock:
            repo = self.repo(repo_id, repo_type)
            return repo.history(self.head(repo_id, revision, repo_type=repo_type))

    # -- failure injection and request log -----------------------------------------

    def fail(
        self,
        endpoint: str,
        *,
        status: int | None = 503,
        times: int = 1,
        retry_after: int | None = None,
        drop: str | None = None,
        message: str = "Injected failure",
    ) -> None:
        """Make the next ``times`` requests to ``endpoint`` fail.

        ``status`` answers with that HTTP status (``retry_after`` adds ``Retry-After``
        and the Hub's ``RateLimit`` headers). ``drop="before"`` closes the connection
        without answering and without processing the request; ``drop="after"``
        processes it (a commit lands) and then closes the connection, so the client
        never sees the answer.
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}")
        if drop not in (None, "before", "after"):
            raise ValueError(drop)
        with self.lock:
            self.failures.append(
                Failure(
                    endpoint=endpoint,
                    remaining=times,
                    status=None if drop else status,
                    retry_after=retry_after,
                    drop=drop,
                    message=message,
                )
            )

    def pending_failures(self) -> int:
        with self.lock:
            return sum(f.remaining for f in self.failures)

    def _take_failure(self, endpoint: str) -> Failure | None:
        with self.lock:
            for failure in self.failures:
                if failure.endpoint == endpoint and failure.remaining > 0:
                    failure.remaining -= 1
                    return failure
        return None

    def calls(self, endpoint: str, *, status: int | str | None = "any") -> list[RequestRecord]:
        with self.lock:
            return [
                r
                for r in self.requests
                if r.endpoint == endpoint and (status == "any" or r.status == status)
            ]

    def write_requests(self) -> list[RequestRecord]:
        with self.lock:
            return [r for r in self.requests if r.is_write]

    # -- internals -----------------------------------------------------------------

    def _new_oid(self, *parts: str) -> str:
        return hashlib.sha1(
            "\0".join((str(next(self._counter)), *parts)).encode("utf-8")
        ).hexdigest()

    def lfs_patterns(self, files: dict[str, Blob], repo: Repo) -> list[str]:
        blob = files.get(".gitattributes")
        if blob is None:
            return []
        data = repo.lfs_objects[blob.lfs_sha256] if blob.lfs_sha256 else blob.content or b""
        patterns = []
        for line in data.decode("utf-8", "replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and "filter=lfs" in parts[1:]:
                patterns.append(parts[0])
        return patterns


def _matches(path: str, pattern: str) -> bool:
    if "/" in pattern:
        return fnmatch.fnmatchcase(path, pattern.lstrip("/"))
    return fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _validate_path(path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise _bad_request("Invalid path: must be a non-empty string")
    parts = path.split("/")
    if (
        path.startswith("/")
        or path.endswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or parts[0] in (".git", ".cache")
        or "\0" in path
    ):
        raise _bad_request(f"Invalid path: {path!r}")
    return path


def _strict_bool(query: dict[str, list[str]], name: str) -> bool:
    values = query.get(name)
    if not values:
        return False
    if len(values) != 1 or values[0] not in ("true", "false", "1", "0"):
        raise _bad_request(f"Invalid value for query parameter {name!r}: {values}")
    return values[0] in ("true", "1")


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/1.0"
    # Headers and body go out in separate writes; without this, Nagle's algorithm and
    # delayed ACKs add ~40 ms to every request.
    disable_nagle_algorithm = True

    # Silence the default stderr access log: tests read HubServer.requests instead.
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    # -- plumbing ------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, body: Any, headers: dict[str, str] | None = None, raw: bool = False
    ) -> None:
        data = body if raw else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream" if raw else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self._record.status = status

    def _send_error(self, error: HubHTTPError) -> None:
        headers = dict(error.headers)
        if error.code:
            headers["X-Error-Code"] = error.code
        headers["X-Error-Message"] = error.message
        self._send(error.status, {"error": error.message, **error.extra}, headers)

    def _drop(self) -> None:
        self._record.status = None
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        body = self._read_body()
        route = self._route(method, split.path)
        endpoint = route[0] if route else "unknown"
        self._record = RequestRecord(
            method=method, endpoint=endpoint, path=split.path, query=query, user=None
        )
        with self.hub.lock:
            self.hub.requests.append(self._record)
        failure = self.hub._take_failure(endpoint) if route else None
        if failure is not None and failure.drop == "before":
            self._drop()
            return
        if failure is not None and failure.status is not None:
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
                if failure.status == 429:
                    headers["RateLimit"] = f'"api";r=0;t={failure.retry_after}'
                    headers["RateLimit-Policy"] = '"fixed window";"api";q=500;w=300'
            self._send_error(HubHTTPError(failure.status, failure.message, headers=headers))
            return
        try:
            if route is None:
                raise HubHTTPError(404, f"Not found: {method} {split.path}")
            _, handler, args = route
            with self.hub.lock:
                status, payload, headers, raw = handler(self, query, body, *args)
        except HubHTTPError as error:
            if failure is not None and failure.drop == "after":
                self._drop()
                return
            self._send_error(error)
            return
        if failure is not None and failure.drop == "after":
            self._drop()
            return
        self._send(status, payload, headers, raw)

    def _route(self, method: str, path: str) -> tuple[str, Any, tuple] | None:
        # Split the raw path first and unquote each segment afterwards: revisions such as
        # refs/pr/1 and paths in the repo arrive percent-encoded as a single segment.
        segments = path.split("/")[1:]
        raw = [unquote(s) for s in segments]
        if method == "GET" and raw == ["api", "whoami-v2"]:
            return ("whoami", _Handler.h_whoami, ())
        if method == "POST" and raw == ["api", "repos", "create"]:
            return ("create", _Handler.h_create, ())
        if method == "POST" and raw == ["api", "validate-yaml"]:
            return ("validate-yaml", _Handler.h_validate_yaml, ())
        if method == "PUT" and len(raw) == 2 and raw[0] == "lfs-upload":
            return ("lfs-upload", _Handler.h_lfs_upload, (raw[1],))
        if len(raw) >= 4 and raw[0] == "api" and raw[1] in REPO_TYPES:
            rtype, repo_id, rest = REPO_TYPES[raw[1]], f"{raw[2]}/{raw[3]}", raw[4:]
            if method == "GET" and not rest:
                return ("info", _Handler.h_info, (rtype, repo_id, None))
            if method == "GET" and len(rest) == 2 and rest[0] == "revision":
                return ("info", _Handler.h_info, (rtype, repo_id, rest[1]))
            if method == "GET" and len(rest) in (2, 3) and rest[0] == "tree":
                sub = rest[2] if len(rest) == 3 else ""
                return ("tree", _Handler.h_tree, (rtype, repo_id, rest[1], sub))
            if method == "POST" and len(rest) == 2 and rest[0] == "paths-info":
                return ("paths-info", _Handler.h_paths_info, (rtype, repo_id, rest[1]))
            if method == "POST" and len(rest) == 2 and rest[0] == "preupload":
                return ("preupload", _Handler.h_preupload, (rtype, repo_id, rest[1]))
            if method == "POST" and len(rest) == 2 and rest[0] == "commit":
                return ("commit", _Handler.h_commit, (rtype, repo_id, rest[1]))
            if method == "GET" and len(rest) == 2 and rest[0] == "commits":
                return ("commits", _Handler.h_commits, (rtype, repo_id, rest[1]))
            if method == "GET" and rest == ["refs"]:
                return ("refs", _Handler.h_refs, (rtype, repo_id))
            if method == "POST" and len(rest) == 2 and rest[0] == "branch":
                return ("branch", _Handler.h_branch, (rtype, repo_id, rest[1]))
            return None
        # Git LFS endpoints live outside /api: /{datasets/}{owner}/{name}.git/info/lfs/...
        rtype = "model"
        lfs = raw
        if raw and raw[0] in ("datasets", "spaces"):
            rtype, lfs = REPO_TYPES[raw[0]], raw[1:]
        if len(lfs) == 6 and lfs[1].endswith(".git") and lfs[2:5] == ["info", "lfs", "objects"]:
            repo_id = f"{lfs[0]}/{lfs[1][:-4]}"
            if method == "POST" and lfs[5] == "batch":
                return ("lfs-batch", _Handler.h_lfs_batch, (rtype, repo_id))
            if method == "POST" and lfs[5] == "verify":
                return ("lfs-verify", _Handler.h_lfs_verify, (rtype, repo_id))
        if method in ("GET", "HEAD") and len(lfs) >= 5 and lfs[2] == "resolve":
            repo_id = f"{lfs[0]}/{lfs[1]}"
            return ("resolve", _Handler.h_resolve, (rtype, repo_id, lfs[3], "/".join(lfs[4:])))
        return None

    # -- auth and lookups ----------------------------------------------------------

    def _token(self, *, required: bool) -> Token | None:
        header = self.headers.get("Authorization")
        if header is None:
            if required:
                raise HubHTTPError(
                    401, "You must be authenticated to access this resource.", code="Unauthorized"
                )
            return None
        match = re.fullmatch(r"Bearer ([A-Za-z0-9_\-.]+)", header)
        token = self.hub.tokens.get(match.group(1)) if match else None
        if token is None:
            raise HubHTTPError(401, "Invalid credentials in Authorization header")
        self._record.user = token.user
        return token

    def _readable_repo(self, rtype: str, repo_id: str, token: Token | None) -> Repo:
        owner, _, name = repo_id.partition("/")
        if not NAME_RE.fullmatch(owner) or not NAME_RE.fullmatch(name):
            raise _bad_request(f"Invalid repo id: {repo_id!r}")
        repo = self.hub.repos.get((rtype, repo_id))
        visible = repo is not None and (
            not repo.private
            or (token is not None and self.hub.can_write_namespace(token.user, repo.owner))
        )
        if not visible:
            # Like the Hub: anonymous callers get 401 and signed-in ones 404, and a
            # private repo someone else owns looks exactly like a missing one.
            raise HubHTTPError(
                401 if token is None else 404, "Repository not found", code="RepoNotFound"
            )
        assert repo is not None
        return repo

    def _writable_repo(self, rtype: str, repo_id: str, *, pr: bool = False) -> tuple[Repo, Token]:
        token = self._token(required=True)
        assert token is not None
        repo = self._readable_repo(rtype, repo_id, token)
        if token.role != "write":
            raise HubHTTPError(
                403, "This token is read-only: it cannot be used to write", code="ReadOnlyToken"
            )
        # Any signed-in user with a write token may open a pull request on a repo they
        # can see; everything else needs write access to the owner's namespace.
        if not pr and not self.hub.can_write_namespace(token.user, repo.owner):
            raise HubHTTPError(
                403,
                f"You don't have write access to {repo_id}",
                code="Forbidden",
            )
        return repo, token

    def _resolve(self, repo: Repo, revision: str) -> str:
        oid = repo.resolve(revision)
        if oid is None:
            raise HubHTTPError(404, f"Invalid rev id: {revision}", code="RevisionNotFound")
        return oid

    def _json(self, body: bytes, content_types: tuple[str, ...] = ("application/json",)) -> Any:
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype not in content_types:
            raise _bad_request(f"Unsupported Content-Type {ctype!r}, expected {content_types[0]}")
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _bad_request(f"Malformed JSON body: {exc}") from exc

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _repo_url(self, repo: Repo) -> str:
        return f"{self._base()}/{URL_PREFIX[repo.repo_type]}{repo.repo_id}"

    def _check_query(self, query: dict[str, list[str]], allowed: set[str]) -> None:
        unknown = set(query) - allowed
        if unknown:
            raise _bad_request(f"Unknown query parameters: {sorted(unknown)}")

    # -- endpoints -----------------------------------------------------------------

    def h_whoami(self, query, body):
        self._check_query(query, set())
        token = self._token(required=True)
        assert token is not None
        orgs = [{"name": org} for org, members in self.hub.orgs.items() if token.user in members]
        return (
            200,
            {
                "type": "user",
                "name": token.user,
                "fullname": token.user.title(),
                "orgs": orgs,
                "auth": {
                    "type": "access_token",
                    "accessToken": {"displayName": "test token", "role": token.role},
                },
            },
            {},
            False,
        )

    def h_create(self, query, body):
        self._check_query(query, set())
        token = self._token(required=True)
        assert token is not None
        payload = self._json(body)
        if not isinstance(payload, dict):
            raise _bad_request("Body must be a JSON object")
        name = payload.get("name")
        organization = payload.get("organization")
        rtype = payload.get("type", "model")
        visibility = payload.get("visibility", "public")
        if not isinstance(name, str) or not NAME_RE.fullmatch(name) or "--" in name or ".." in name:
            raise _bad_request(f"Invalid repo name: {name!r}")
        if organization is not None and not (
            isinstance(organization, str) and NAME_RE.fullmatch(organization)
        ):
            raise _bad_request(f"Invalid organization: {organization!r}")
        if rtype not in ("model", "dataset", "space"):
            raise _bad_request(f"Invalid repo type: {rtype!r}")
        if visibility not in ("public", "private"):
            raise _bad_request(f"Invalid visibility: {visibility!r}")
        if rtype == "space" and payload.get("sdk") is None:
            raise _bad_request("Spaces need an sdk")
        extra = set(payload) - {"name", "organization", "type", "visibility", "sdk"}
        if extra:
            raise _bad_request(f"Unexpected fields: {sorted(extra)}")
        namespace = organization or token.user
        repo_id = f"{namespace}/{name}"
        if token.role != "write":
            raise HubHTTPError(403, "This token is read-only: it cannot create repos")
        if not self.hub.can_write_namespace(token.user, namespace):
            raise HubHTTPError(403, f"You don't have the rights to create a repo under {namespace}")
        existing = self.hub.repos.get((rtype, repo_id))
        if existing is not None:
            raise HubHTTPError(
                409,
                f"You already created this {rtype} repo",
                extra={"url": self._repo_url(existing)},
            )
        repo = self.hub.create_repo(
            repo_id, repo_type=rtype, private=visibility == "private", author=token.user
        )
        return 200, {"url": self._repo_url(repo), "name": repo_id, "id": repo_id}, {}, False

    def h_validate_yaml(self, query, body):
        self._check_query(query, set())
        self._token(required=False)
        payload = self._json(body)
        if not isinstance(payload, dict) or not isinstance(payload.get("content"), str):
            raise _bad_request("Body must be an object with a string 'content'")
        if payload.get("repoType") not in ("model", "dataset", "space"):
            raise _bad_request(f"Invalid repoType: {payload.get('repoType')!r}")
        errors = _card_errors(payload["content"])
        if errors:
            raise HubHTTPError(
                400,
                "Invalid metadata in README.md",
                code="BadRequest",
                extra={"errors": [{"message": m} for m in errors], "warnings": []},
            )
        return 200, {"errors": [], "warnings": []}, {}, False

    def h_info(self, query, body, rtype, repo_id, revision):
        self._check_query(query, {"blobs", "expand"})
        token = self._token(required=False)
        repo = self._readable_repo(rtype, repo_id, token)
        oid = self._resolve(repo, revision or "main")
        commit = repo.commits[oid]
        blobs = _strict_bool(query, "blobs")
        siblings = []
        for path, blob in sorted(commit.files.items()):
            entry: dict[str, Any] = {"rfilename": path}
            if blobs:
                entry.update(size=blob.size, blobId=blob.oid)
                if blob.is_lfs:
                    entry["lfs"] = {
                        "size": blob.size,
                        "sha256": blob.lfs_sha256,
                        "pointerSize": len(lfs_pointer(blob.lfs_sha256 or "", blob.size)),
                    }
            siblings.append(entry)
        card_data = None
        readme = commit.files.get("README.md")
        if readme is not None and readme.content is not None:
            card_data = _front_matter(readme.content.decode("utf-8", "replace"))
        return (
            200,
            {
                "_id": hashlib.sha1(repo_id.encode()).hexdigest()[:24],
                "id": repo_id,
                "author": repo.owner,
                "sha": oid,
                "lastModified": commit.date,
                "createdAt": repo.created_at,
                "private": repo.private,
                "gated": False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": [],
                "cardData": card_data if isinstance(card_data, dict) else None,
                "siblings": siblings,
            },
            {},
            False,
        )

    def _entry(self, path: str, blob: Blob) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": "file", "oid": blob.oid, "size": blob.size, "path": path}
        if blob.lfs_sha256 is not None:
            entry["lfs"] = {
                "oid": blob.lfs_sha256,
                "size": blob.size,
                "pointerSize": len(lfs_pointer(blob.lfs_sha256, blob.size)),
            }
        return entry

    @staticmethod
    def _dir_entry(path: str, oid: str) -> dict[str, Any]:
        return {
            "type": "directory",
            "oid": hashlib.sha1(f"{oid}:{path}".encode()).hexdigest(),
            "size": 0,
            "path": path,
        }

    def h_tree(self, query, body, rtype, repo_id, revision, sub):
        self._check_query(query, {"recursive", "expand", "cursor"})
        recursive = _strict_bool(query, "recursive")
        _strict_bool(query, "expand")
        token = self._token(required=False)
        repo = self._readable_repo(rtype, repo_id, token)
        oid = self._resolve(repo, revision)
        files = repo.commits[oid].files
        prefix = sub.strip("/")
        if prefix:
            _validate_path(prefix)
        entries: dict[str, dict[str, Any]] = {}
        for path, blob in files.items():
            if prefix and not path.startswith(prefix + "/"):
                continue
            rel = path[len(prefix) + 1 :] if prefix else path
            parts = rel.split("/")
            base = f"{prefix}/" if prefix else ""
            if recursive:
                for depth in range(1, len(parts)):
                    folder = base + "/".join(parts[:depth])
                    entries.setdefault(folder, self._dir_entry(folder, oid))
                entries[path] = self._entry(path, blob)
            elif len(parts) == 1:
                entries[path] = self._entry(path, blob)
            else:
                folder = base + parts[0]
                entries.setdefault(folder, self._dir_entry(folder, oid))
        if prefix and not entries:
            if prefix in files:
                raise _bad_request(f"{prefix} is a file, not a folder")
            raise HubHTTPError(404, f"{prefix} does not exist on {revision}", code="EntryNotFound")
        ordered = [entries[k] for k in sorted(entries)]
        cursor = query.get("cursor", ["0"])[0]
        if not cursor.isdigit():
            raise _bad_request(f"Invalid cursor {cursor!r}")
        start = int(cursor)
        size = 50 if _strict_bool(query, "expand") else self.hub.tree_page_size
        page = ordered[start : start + size]
        headers = {}
        if start + size < len(ordered):
            params = [f"{k}={quote(v[0])}" for k, v in sorted(query.items()) if k != "cursor"]
            params.append(f"cursor={start + size}")
            next_url = f"{self._base()}{urlsplit(self.path).path}?{'&'.join(params)}"
            headers["Link"] = f'<{next_url}>; rel="next"'
        return 200, page, headers, False

    def h_paths_info(self, query, body, rtype, repo_id, revision):
        self._check_query(query, set())
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/x-www-form-urlencoded":
            raise _bad_request(f"Unsupported Content-Type {ctype!r}")
        try:
            form = parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise _bad_request(f"Malformed form body: {exc}") from exc
        if set(form) - {"paths", "expand"}:
            raise _bad_request(f"Unknown fields {sorted(set(form) - {'paths', 'expand'})}")
        paths = form.get("paths", [])
        if not paths:
            raise _bad_request("'paths' is required")
        if len(paths) > MAX_PATHS_PER_REQUEST:
            raise HubHTTPError(413, "too many parameters")
        _strict_bool(form, "expand")
        token = self._token(required=False)
        repo = self._readable_repo(rtype, repo_id, token)
        oid = self._resolve(repo, revision)
        files = repo.commits[oid].files
        out = []
        for path in paths:
            path = path.strip("/")
            if path in files:
                out.append(self._entry(path, files[path]))
            elif any(p.startswith(path + "/") for p in files):
                out.append(self._dir_entry(path, oid))
        return 200, out, {}, False

    def h_preupload(self, query, body, rtype, repo_id, revision):
        self._check_query(query, {"create_pr"})
        create_pr = query.get("create_pr") == ["1"]
        if "create_pr" in query and not create_pr:
            raise _bad_request("create_pr must be 1")
        repo, _ = self._writable_repo(rtype, repo_id, pr=create_pr)
        oid = self._resolve(repo, revision)
        payload = self._json(body)
        if not isinstance(payload, dict) or not isinstance(payload.get("files"), list):
            raise _bad_request("Body must be an object with a 'files' list")
        if set(payload) - {"files", "gitIgnore"}:
            raise _bad_request(f"Unexpected fields {sorted(set(payload) - {'files', 'gitIgnore'})}")
        if not payload["files"] or len(payload["files"]) > MAX_PATHS_PER_REQUEST:
            raise _bad_request("'files' must hold 1 to 1000 entries")
        ignore = payload.get("gitIgnore")
        if ignore is not None and not isinstance(ignore, str):
            raise _bad_request("'gitIgnore' must be a string")
        files = repo.commits[oid].files
        patterns = self.hub.lfs_patterns(files, repo)
        out = []
        for item in payload["files"]:
            if not isinstance(item, dict) or set(item) != {"path", "sample", "size"}:
                raise _bad_request(f"Each file needs exactly path, sample, size: {item!r}")
            path = _validate_path(item["path"])
            if not isinstance(item["size"], int) or isinstance(item["size"], bool):
                raise _bad_request(f"{path}: size must be an integer")
            if item["size"] < 0:
                raise _bad_request(f"{path}: negative size")
            try:
                sample = base64.b64decode(item["sample"], validate=True)
            except (binascii.Error, TypeError) as exc:
                raise _bad_request(f"{path}: sample is not base64") from exc
            if len(sample) > 512 or len(sample) > item["size"]:
                raise _bad_request(f"{path}: sample longer than 512 bytes or than the file")
            lfs = (
                any(_matches(path, p) for p in patterns)
                or item["size"] > MAX_REGULAR_FILE
                or b"\0" in sample
            )
            ignored = bool(ignore) and any(
                _matches(path, line.strip())
                for line in (ignore or "").splitlines()
                if line.strip() and not line.startswith("#")
            )
            entry: dict[str, Any] = {
                "path": path,
                "uploadMode": "lfs" if lfs else "regular",
                "shouldIgnore": ignored,
            }
            if path in files:
                entry["oid"] = files[path].upload_oid
            out.append(entry)
        return 200, {"files": out, "commitOid": oid}, {}, False

    def h_lfs_batch(self, query, body, rtype, repo_id):
        self._check_query(query, set())
        if self.headers.get("Accept", "").split(";")[0] != "application/vnd.git-lfs+json":
            raise _bad_request("Accept must be application/vnd.git-lfs+json")
        payload = self._json(body, ("application/vnd.git-lfs+json",))
        if not isinstance(payload, dict):
            raise _bad_request("Body must be a JSON object")
        if payload.get("operation") != "upload":
            raise _bad_request(f"Unsupported operation {payload.get('operation')!r}")
        transfers = payload.get("transfers", ["basic"])
        if not isinstance(transfers, list) or "basic" not in transfers:
            raise _bad_request("Only the 'basic' transfer is supported")
        if payload.get("hash_algo", "sha256") != "sha256":
            raise _bad_request("hash_algo must be sha256")
        objects = payload.get("objects")
        if not isinstance(objects, list) or not objects:
            raise _bad_request("'objects' must be a non-empty list")
        ref = payload.get("ref")
        if ref is not None and not (isinstance(ref, dict) and isinstance(ref.get("name"), str)):
            raise _bad_request("'ref' must be an object with a string 'name'")
        # Without a ref the upload is for a pull request (the client omits it then).
        repo, _ = self._writable_repo(rtype, repo_id, pr=ref is None)
        if ref is not None:
            self._resolve(repo, ref["name"])
        out = []
        for obj in objects:
            if not isinstance(obj, dict) or set(obj) != {"oid", "size"}:
                raise _bad_request(f"Each object needs exactly oid and size: {obj!r}")
            oid, size = obj["oid"], obj["size"]
            if not isinstance(oid, str) or not SHA256_RE.fullmatch(oid):
                raise _bad_request(f"Invalid oid {oid!r}")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise _bad_request(f"Invalid size {size!r}")
            entry: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            stored = repo.lfs_objects.get(oid)
            if stored is None:
                upload_id = hashlib.sha256(f"{oid}:{self.hub._new_oid(oid)}".encode()).hexdigest()
                self.hub.uploads[upload_id] = ((rtype, repo_id), oid, size)
                url = self._repo_url(repo)
                entry["actions"] = {
                    "upload": {"href": f"{self._base()}/lfs-upload/{upload_id}"},
                    "verify": {
                        "href": f"{url}.git/info/lfs/objects/verify",
                        "header": {},
                    },
                }
            elif len(stored) != size:
                entry = {
                    "oid": oid,
                    "size": size,
                    "error": {"code": 422, "message": "Size does not match the stored object"},
                }
            out.append(entry)
        return 200, {"transfer": "basic", "objects": out}, {}, False

    def h_lfs_upload(self, query, body, upload_id):
        self._check_query(query, set())
        # The upload URL is pre-signed, like the Hub's storage URLs: no Authorization.
        if "Authorization" in self.headers:
            raise _bad_request("Upload URLs are pre-signed: do not send Authorization")
        target = self.hub.uploads.get(upload_id)
        if target is None:
            raise HubHTTPError(403, "Upload URL is invalid or has expired")
        key, oid, size = target
        if len(body) != size:
            raise _bad_request(f"Uploaded {len(body)} bytes, announced {size}")
        if hashlib.sha256(body).hexdigest() != oid:
            raise _bad_request("Uploaded content does not match the announced sha256")
        self.hub.repos[key].lfs_objects[oid] = body
        return 200, b"", {"ETag": f'"{oid[:32]}"'}, True

    def h_lfs_verify(self, query, body, rtype, repo_id):
        self._check_query(query, set())
        repo, _ = self._writable_repo(rtype, repo_id, pr=True)
        payload = self._json(body, ("application/json", "application/vnd.git-lfs+json"))
        if not isinstance(payload, dict) or set(payload) != {"oid", "size"}:
            raise _bad_request("Body must be an object with exactly oid and size")
        stored = repo.lfs_objects.get(payload["oid"])
        if stored is None:
            raise HubHTTPError(404, "Object not uploaded", code="EntryNotFound")
        if len(stored) != payload["size"]:
            raise HubHTTPError(422, "Object size differs")
        return 200, {"success": True}, {}, False

    def h_commit(self, query, body, rtype, repo_id, revision):
        self._check_query(query, {"create_pr", "hot_reload"})
        create_pr = query.get("create_pr") == ["1"]
        if "create_pr" in query and not create_pr:
            raise _bad_request("create_pr must be 1")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/x-ndjson":
            raise _bad_request(f"Unsupported Content-Type {ctype!r}, expected application/x-ndjson")
        pr_match = re.fullmatch(r"refs/pr/(\d+)", revision)
        repo, token = self._writable_repo(rtype, repo_id, pr=create_pr or bool(pr_match))
        if pr_match:
            if create_pr:
                raise _bad_request("Cannot open a pull request from a pull request")
            pr = repo.pull_requests.get(int(pr_match.group(1)))
            if pr is None:
                raise HubHTTPError(404, f"Invalid rev id: {revision}", code="RevisionNotFound")
            if pr.author != token.user and not self.hub.can_write_namespace(token.user, repo.owner):
                raise HubHTTPError(403, "Only the author can push to this pull request")
        elif revision not in repo.branches:
            if repo.resolve(revision) is not None:
                raise _bad_request(f"Can only commit to a branch, not {revision!r}")
            raise HubHTTPError(404, f"Invalid rev id: {revision}", code="RevisionNotFound")
        head = self._resolve(repo, revision)
        lines = body.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        try:
            items = [json.loads(line) for line in lines]
        except (ValueError, UnicodeDecodeError) as exc:
            raise _bad_request(f"Malformed NDJSON line: {exc}") from exc
        if not items or not isinstance(items[0], dict) or items[0].get("key") != "header":
            raise _bad_request("The first NDJSON line must be the header")
        header = items[0].get("value")
        if not isinstance(header, dict) or set(header) - {"summary", "description", "parentCommit"}:
            raise _bad_request(f"Malformed header: {header!r}")
        summary = header.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise _bad_request("The commit summary must be a non-empty string")
        description = header.get("description", "")
        if not isinstance(description, str):
            raise _bad_request("The commit description must be a string")
        parent = head
        if "parentCommit" in header:
            wanted = header["parentCommit"]
            if not isinstance(wanted, str) or wanted not in repo.commits:
                raise _bad_request(f"Unknown parentCommit {wanted!r}")
            if create_pr:
                parent = wanted
            elif wanted != head:
                raise HubHTTPError(
                    412, "A commit has happened since. Please refresh and try again."
                )
        files = dict(repo.commits[parent].files)
        patterns = self.hub.lfs_patterns(files, repo)
        touched: set[str] = set()
        operations: list[tuple[str, str]] = []
        if len(items) == 1:
            raise _bad_request("A commit needs at least one operation")
        for item in items[1:]:
            if not isinstance(item, dict) or set(item) != {"key", "value"}:
                raise _bad_request(f"Malformed operation line: {item!r}")
            key, value = item["key"], item["value"]
            if not isinstance(value, dict):
                raise _bad_request(f"Malformed operation value: {value!r}")
            path = _validate_path(value.get("path"))
            if path in touched:
                raise _bad_request(f"{path} appears twice in the commit")
            touched.add(path)
            operations.append((key, path))
            if key == "file":
                if set(value) != {"path", "content", "encoding"} or value["encoding"] != "base64":
                    raise _bad_request(f"{path}: inline files need content and encoding=base64")
                try:
                    content = base64.b64decode(value["content"], validate=True)
                except (binascii.Error, TypeError) as exc:
                    raise _bad_request(f"{path}: content is not valid base64") from exc
                if (
                    any(_matches(path, p) for p in patterns)
                    or len(content) > MAX_REGULAR_FILE
                    or b"\0" in content[:8000]
                ):
                    raise _bad_request(
                        f"Your push was rejected because it contains binary files or files"
                        f" tracked by LFS sent inline: {path}. Please use LFS."
                    )
                files[path] = Blob(size=len(content), content=content)
            elif key == "lfsFile":
                if set(value) - {"path", "algo", "oid", "size"} or value.get("algo") != "sha256":
                    raise _bad_request(f"{path}: LFS files need algo=sha256, oid and size")
                oid = value.get("oid")
                if not isinstance(oid, str) or not SHA256_RE.fullmatch(oid):
                    raise _bad_request(f"{path}: invalid LFS oid {oid!r}")
                stored = repo.lfs_objects.get(oid)
                if stored is None:
                    raise _bad_request(
                        f"Your push was rejected because an LFS pointer pointed to a file that"
                        f" does not exist: {path}"
                    )
                if "size" in value and value["size"] != len(stored):
                    raise _bad_request(f"{path}: LFS size {value['size']} != stored {len(stored)}")
                files[path] = Blob(size=len(stored), lfs_sha256=oid)
            elif key == "deletedFile":
                if set(value) != {"path"}:
                    raise _bad_request(f"{path}: deletedFile takes only a path")
                if path not in files:
                    raise HubHTTPError(
                        404, "A file with this name doesn't exist", code="EntryNotFound"
                    )
                del files[path]
            elif key == "deletedFolder":
                if set(value) != {"path"}:
                    raise _bad_request(f"{path}: deletedFolder takes only a path")
                doomed = [p for p in files if p.startswith(path + "/")]
                if not doomed:
                    raise HubHTTPError(
                        404, "A folder with this name doesn't exist", code="EntryNotFound"
                    )
                for p in doomed:
                    del files[p]
            else:
                raise _bad_request(f"Unknown operation key {key!r}")
        commit = Commit(
            oid=self.hub._new_oid(repo_id, parent, summary),
            parents=[parent],
            title=summary,
            message=description,
            author=token.user,
            date=_now(),
            files=files,
            operations=operations,
        )
        repo.commits[commit.oid] = commit
        pr_url = None
        if create_pr:
            num = max([0, *repo.pull_requests]) + 1
            repo.pull_requests[num] = PullRequest(
                num=num, target=revision, author=token.user, title=summary
            )
            repo.pr_heads[num] = commit.oid
            pr_url = f"{self._repo_url(repo)}/discussions/{num}"
        elif pr_match:
            repo.pr_heads[int(pr_match.group(1))] = commit.oid
        else:
            repo.branches[revision] = commit.oid
        return (
            200,
            {
                "success": True,
                "commitOid": commit.oid,
                "commitUrl": f"{self._repo_url(repo)}/commit/{commit.oid}",
                "commitMessage": summary,
                "hookOutput": "",
                "pullRequestUrl": pr_url,
            },
            {},
            False,
        )

    def h_commits(self, query, body, rtype, repo_id, revision):
        self._check_query(query, {"p", "expand[]"})
        token = self._token(required=False)
        repo = self._readable_repo(rtype, repo_id, token)
        history = repo.history(self._resolve(repo, revision))
        page = int(query.get("p", ["0"])[0])
        size = self.hub.commits_page_size
        chunk = history[page * size : (page + 1) * size]
        headers = {}
        if (page + 1) * size < len(history):
            path = urlsplit(self.path).path
            headers["Link"] = f'<{self._base()}{path}?p={page + 1}>; rel="next"'
        out = [
            {
                "id": c.oid,
                "title": c.title,
                "message": c.message,
                "authors": [{"user": c.author}],
                "date": c.date,
            }
            for c in chunk
        ]
        return 200, out, headers, False

    def h_refs(self, query, body, rtype, repo_id):
        self._check_query(query, {"include_prs"})
        token = self._token(required=False)
        repo = self._readable_repo(rtype, repo_id, token)
        data: dict[str, Any] = {
            "branches": [
                {"name": name, "ref": f"refs/heads/{name}", "targetCommit": oid}
                for name, oid in sorted(repo.branches.items())
            ],
            "converts": [],
            "tags": [],
        }
        if query.get("include_prs") == ["1"]:
            data["pullRequests"] = [
                {"name": f"refs/pr/{n}", "ref": f"refs/pr/{n}", "targetCommit": oid}
                for n, oid in sorted(repo.pr_heads.items())
            ]
        return 200, data, {}, False

    def h_branch(self, query, body, rtype, repo_id, branch):
        self._check_query(query, set())
        repo, _ = self._writable_repo(rtype, repo_id)
        payload = self._json(body) if body else {}
        if not isinstance(payload, dict) or set(payload) - {"startingPoint", "emptyBranch"}:
            raise _bad_request("Body must be an object with an optional startingPoint")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/\-]*", branch) or branch.startswith("refs/"):
            raise _bad_request(f"Invalid branch name {branch!r}")
        if branch in repo.branches:
            raise HubHTTPError(409, f"Branch {branch} already exists")
        repo.branches[branch] = self._resolve(repo, payload.get("startingPoint") or "main")
        return 200, {}, {}, False

    def h_resolve(self, query, body, rtype, repo_id, revision, path):
        token = self._token(required=False)
        repo = self._readable_repo(rtype, repo_id, token)
        files = repo.commits[self._resolve(repo, revision)].files
        blob = files.get(path)
        if blob is None:
            raise HubHTTPError(404, "Entry not found", code="EntryNotFound")
        data = repo.lfs_objects[blob.lfs_sha256] if blob.lfs_sha256 else blob.content
        return 200, data, {"ETag": f'"{blob.upload_oid}"'}, True


def _front_matter(text: str) -> Any:
    """The parsed YAML block at the top of a card, or None when there is none."""
    match = re.match(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", text, re.S)
    if match is None:
        return None
    return yaml.safe_load(match.group(1))


def _card_errors(content: str) -> list[str]:
    """What the Hub's metadata validation would reject in a dataset card (a subset)."""
    try:
        data = _front_matter(content)
    except yaml.YAMLError as exc:
        return [f"Invalid YAML in metadata: {exc}"]
    if data is None:
        return []
    if not isinstance(data, dict):
        return ["Metadata must be a YAML mapping"]
    errors = []
    license_ = data.get("license")
    if license_ is not None and not (
        isinstance(license_, str)
        or (isinstance(license_, list) and all(isinstance(x, str) for x in license_))
    ):
        errors.append('"license" must be a string or a list of strings')
    configs = data.get("configs")
    if configs is not None:
        if not isinstance(configs, list):
            errors.append('"configs" must be a list')
        else:
            for config in configs:
                if not isinstance(config, dict) or not isinstance(config.get("config_name"), str):
                    errors.append('"configs" entries need a "config_name"')
                elif "data_files" in config and not isinstance(config["data_files"], (str, list)):
                    errors.append(f'"{config["config_name"]}": "data_files" must be a list')
    for key in ("language", "tags", "task_categories", "size_categories"):
        value = data.get(key)
        if value is not None and not (
            isinstance(value, str)
            or (isinstance(value, list) and all(isinstance(x, str) for x in value))
        ):
            errors.append(f'"{key}" must be a string or a list of strings')
    return errors
