"""Publish an export folder to a dataset repo on the Hugging Face Hub: checked first,
idempotent, verified afterwards.

``publish(DIR, "owner/name")`` makes the repo hold exactly what the export's manifest
lists, and nothing that an earlier publish left behind:

1. **Preflight, before any request.** DIR must be a complete export (the manifest is
   there and every file it lists is present with the size and sha256 it records), the
   card's YAML metadata must pass the vocabulary check (:mod:`dataset_kit.vocabulary`:
   a known license is set, known task and size categories, language codes), its
   ``configs`` patterns must match the shards and its split row counts the manifest,
   and the repo id must be well formed. Every problem is listed at once.
2. **Plan.** The remote file list of the target revision (sizes, LFS sha256, git blob
   ids) is compared with the manifest. Only ``README.md``, ``croissant.json``,
   ``data/**`` and ``assets/**`` are published; a remote file under ``data/`` or
   ``assets/`` that the manifest does not list (a shard from a bigger earlier export) is
   deleted in the same commit that uploads the new files. Unchanged files are not sent,
   so an unchanged export makes no commit at all, and a grown one sends only the shards
   that changed. ``dry_run`` stops here and sends nothing that could change the repo.
3. **Commit.** One commit, or several of at most ``max_files_per_commit`` files when
   there are very many (shards first, the card last, so the card never points at shards
   that are not there yet). Each commit names its parent, so a concurrent push is
   detected instead of overwritten; the Hub applies a commit atomically, so a failed
   one leaves the repo as it was.
4. **Verify.** The remote file list at the new commit is read back and compared with
   the manifest again (sizes, LFS sha256 or git blob id); the commit URL is reported.

Rate limiting (429, honouring ``Retry-After``), server errors (5xx) and dropped
connections are retried a bounded number of times with exponential backoff. After a
failed commit the remote state is read again before retrying, so a commit whose answer
was lost is not made twice; re-running ``publish`` after any failure finishes the job
for the same reason. Authentication problems (no token, 401, read-only token or no
write access: 403) and a missing revision fail at once with their own exit code.

The token comes from ``token=``, then ``HF_TOKEN``, then the ``huggingface_hub`` login.
It is passed only to the client: it is never printed, logged, stored in the plan or
result, and any message that could echo it is redacted. ``HF_ENDPOINT`` is read at call
time, so a self-hosted hub or mirror works; ``HF_HUB_OFFLINE=1`` gives a dry run that
plans against an empty repo without any network access.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .cards import FrontMatterError, read_front_matter
from .errors import DatasetKitError
from .manifest import FileEntry, Manifest, load_manifest, verify_files

if TYPE_CHECKING:  # pragma: no cover
    from huggingface_hub import HfApi

REPO_TYPE = "dataset"
DEFAULT_REVISION = "main"
DEFAULT_MAX_FILES_PER_COMMIT = 100
# The Hub answers paths-info for at most 1,000 paths; stay well below.
PATHS_INFO_BATCH = 500
PUBLISHED_FILES = ("README.md", "croissant.json")
PUBLISHED_FOLDERS = ("data/", "assets/")
# Remote files under these folders that the manifest does not list are stale.
MANAGED_FOLDERS = ("data", "assets")

# Repo ids as the Hub accepts them: owner and name of 1-96 characters among letters,
# digits, '_', '.', '-', not starting or ending with '.' or '-', without '--' or '..'.
_NAME = r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,94}[A-Za-z0-9_])?"
_REPO_ID = re.compile(rf"({_NAME})/({_NAME})")


# -- errors ---------------------------------------------------------------------------


class PublishError(DatasetKitError):
    """Publishing failed; ``exit_code`` is what ``dataset-kit publish`` exits with."""

    exit_code = 2


class PreflightError(PublishError):
    """The export folder or its card is not fit to publish; nothing was sent (exit 2)."""

    def __init__(self, export_dir: Path, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"{export_dir}: not ready to publish, nothing was sent "
            f"({len(problems)} problem{'s' if len(problems) != 1 else ''}):\n{listing}"
        )


class HubAuthError(PublishError):
    """No token, a token the Hub rejects (401), or no write access (403). Exit 3."""

    exit_code = 3


class HubNotFoundError(PublishError):
    """The revision (branch) to publish to does not exist. Exit 4."""

    exit_code = 4


class HubUnavailableError(PublishError):
    """Rate limited, server errors or dropped connections after all retries, or offline. Exit 5."""

    exit_code = 5


class HubRejectedError(PublishError):
    """The Hub refused a request for a reason retrying cannot fix (e.g. card YAML). Exit 6."""

    exit_code = 6


class VerificationError(PublishError):
    """After the commit, the remote files differ from the manifest. Exit 7."""

    exit_code = 7


# -- plan and result --------------------------------------------------------------------


@dataclass(frozen=True)
class FileChange:
    """One file to ``add``, ``update`` or ``delete`` on the Hub.

    ``bytes`` is the local size (for ``delete``, the remote size); ``remote_bytes`` is
    the size on the Hub before an ``update``. ``stored`` is true when the Hub already
    holds this content under another path (a renamed shard): LFS storage is by
    content, so those bytes are not sent again.
    """

    action: str
    path: str
    bytes: int
    remote_bytes: int | None = None
    stored: bool = False


@dataclass(frozen=True)
class RemoteFile:
    """A file as the Hub lists it: size, git blob id and, for LFS files, the sha256."""

    path: str
    size: int
    blob_id: str
    lfs_sha256: str | None = None


@dataclass
class PublishPlan:
    """What :func:`publish` would do; :func:`plan_publish` computes it without writing."""

    export_dir: Path
    repo_id: str
    revision: str
    endpoint: str
    private: bool
    create_pr: bool
    files: list[FileEntry]
    changes: list[FileChange]
    unchanged: list[str]
    repo_exists: bool | None
    repo_private: bool | None
    remote_head: str | None
    token_source: str | None
    token_role: str | None
    user: str | None
    offline: bool = False
    notes: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)

    @property
    def additions(self) -> list[FileChange]:
        return [c for c in self.changes if c.action == "add"]

    @property
    def updates(self) -> list[FileChange]:
        return [c for c in self.changes if c.action == "update"]

    @property
    def deletions(self) -> list[FileChange]:
        return [c for c in self.changes if c.action == "delete"]

    @property
    def upload_bytes(self) -> int:
        """Bytes that have to travel: new content, not deletions or content already stored."""
        return sum(c.bytes for c in self.changes if c.action != "delete" and not c.stored)

    @property
    def repo_url(self) -> str:
        return f"{self.endpoint}/datasets/{self.repo_id}"

    def describe(self) -> list[str]:
        """The plan as lines of text: target, token source, and every change with sizes."""
        if self.repo_exists is None:
            state = "remote state unknown (offline)"
        elif self.repo_exists:
            visibility = "private" if self.repo_private else "public"
            state = f"{visibility} repo, at {self.remote_head[:12] if self.remote_head else '?'}"
        else:
            state = (
                f"does not exist yet: it will be created {'private' if self.private else 'public'}"
            )
        lines = [
            f"Target: dataset repo {self.repo_id} on {self.endpoint}, revision {self.revision}"
            + (" (as a pull request)" if self.create_pr else ""),
            f"Repo: {state}",
            "Token: "
            + (
                f"from {self.token_source}"
                + (f", user {self.user}" if self.user else "")
                + (f", {self.token_role} access" if self.token_role else "")
                if self.token_source
                else "none found"
            ),
        ]
        lines.append(
            f"Plan: {len(self.additions)} to add, {len(self.updates)} to update, "
            f"{len(self.deletions)} to delete, {len(self.unchanged)} unchanged; "
            f"{human_bytes(self.upload_bytes)} to upload"
        )
        width = max((len(c.path) for c in self.changes), default=0)
        for change in self.changes:
            if change.action == "update":
                size = f"{human_bytes(change.bytes)} (was {human_bytes(change.remote_bytes or 0)})"
            elif change.action == "delete":
                size = f"{human_bytes(change.bytes)} on the Hub"
            else:
                size = human_bytes(change.bytes)
            if change.stored:
                size += " (content already on the Hub)"
            lines.append(f"  {change.action:<6}  {change.path:<{width}}  {size}")
        lines += [f"Note: {note}" for note in self.notes]
        return lines


@dataclass(frozen=True)
class CommitRecord:
    oid: str
    url: str
    title: str


@dataclass
class PublishResult:
    """What :func:`publish` did. ``committed`` is false for a dry run or an unchanged export."""

    plan: PublishPlan
    dry_run: bool
    commits: list[CommitRecord] = field(default_factory=list)
    revision: str | None = None
    pr_url: str | None = None
    verified_files: int = 0

    @property
    def committed(self) -> bool:
        return bool(self.commits)

    @property
    def commit_url(self) -> str | None:
        return self.commits[-1].url if self.commits else None


# -- retries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff for rate limits, 5xx and lost connections.

    ``attempts`` counts every try of one step, the first included. A ``Retry-After``
    from the Hub is honoured as given (plus nothing), unless it exceeds
    ``max_retry_after``: then publish stops and says when to try again.
    """

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 300.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1))


DEFAULT_RETRY = RetryPolicy()


@dataclass
class _Failure:
    # auth, forbidden, revision, repo, conflict, rate_limited, server, network,
    # rejected or offline
    kind: str
    message: str
    status: int | None = None
    retry_after: float | None = None

    @property
    def transient(self) -> bool:
        return self.kind in ("rate_limited", "server", "network")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After")
    if value is not None and value.strip().isdigit():
        return float(value.strip())
    match = re.search(r";\s*t\s*=\s*(\d+)", headers.get("RateLimit") or "")
    return float(match.group(1)) if match else None


def _classify(exc: BaseException) -> _Failure | None:
    """What kind of failure ``exc`` is, or None when it is not a Hub/network failure.

    Transport errors are matched against the HTTP client module that ``huggingface_hub``
    itself uses and re-exports as ``huggingface_hub.utils.httpx`` (``httpx2`` in its 2.x
    releases), so they match whichever client it raises from, and dataset-kit depends
    on no HTTP client of its own.
    """
    from huggingface_hub.errors import (
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )
    from huggingface_hub.utils import httpx as http_client

    for err in _chain(exc):
        if isinstance(err, OfflineModeIsEnabled):
            return _Failure("offline", "offline mode is on (HF_HUB_OFFLINE): unset it to publish")
        if isinstance(err, HfHubHTTPError) and err.response is not None:
            status = err.response.status_code
            detail = (err.server_message or "").strip().splitlines()
            text = f"HTTP {status}" + (f": {detail[0]}" if detail else "")
            if isinstance(err, RevisionNotFoundError):
                return _Failure("revision", text, status)
            if isinstance(err, RepositoryNotFoundError):
                return _Failure("repo", text, status)
            if status == 401:
                return _Failure("auth", text, status)
            if status == 403:
                return _Failure("forbidden", text, status)
            if status in (409, 412):
                return _Failure("conflict", text, status)
            if status == 429:
                return _Failure("rate_limited", text, status, _retry_after(err.response.headers))
            if status == 408 or status >= 500:
                return _Failure("server", text, status, _retry_after(err.response.headers))
            return _Failure("rejected", text, status)
        if isinstance(err, http_client.UnsupportedProtocol):
            return _Failure("rejected", f"bad endpoint URL: {err}")
        if isinstance(err, http_client.TransportError):
            return _Failure("network", f"connection problem: {type(err).__name__}: {err}")
        if isinstance(err, (ConnectionError, TimeoutError)):
            # hf_xet, which uploads the files on the Hub's default path, reports a lost
            # or refused connection as a plain ConnectionError, not an HTTP client error.
            return _Failure("network", f"connection problem: {type(err).__name__}: {err}")
        if isinstance(err, json.JSONDecodeError):
            return _Failure("server", "the Hub sent an answer that is not valid JSON")
        if isinstance(err, ValueError) and "Invalid metadata in README.md" in str(err):
            return _Failure("rejected", str(err))
        if isinstance(err, ValueError) and "LFS batch API returned errors" in str(err):
            return _Failure("rejected", str(err))
    return None


# -- helpers ----------------------------------------------------------------------------


def human_bytes(n: int) -> str:
    """``1234567`` -> ``1.2 MB`` (decimal units, as the Hub shows sizes)."""
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def git_blob_oid(path: Path) -> str:
    """The git blob id of a file, which the Hub reports for files not stored in LFS."""
    digest = hashlib.sha1(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_repo_id(repo_id: str) -> list[str]:
    """Problems with ``repo_id`` (``owner/name``); empty when the Hub would accept it."""
    match = _REPO_ID.fullmatch(repo_id or "")
    if match is None:
        return [
            f"repo id {repo_id!r} is not OWNER/NAME (letters, digits, '-', '_', '.'; "
            "at most 96 characters each; not starting or ending with '-' or '.')"
        ]
    if any("--" in part or ".." in part for part in match.groups()):
        return [f"repo id {repo_id!r}: '--' and '..' are not allowed"]
    return []


def is_published_path(path: str) -> bool:
    """True for the files publish uploads: README.md, croissant.json, data/**, assets/**."""
    return path in PUBLISHED_FILES or path.startswith(PUBLISHED_FOLDERS)


def read_card_metadata(readme: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The YAML front matter of a dataset card, and problems reading it.

    Read as the Hub reads it, by the function ``card`` reads it with
    (:func:`dataset_kit.cards.read_front_matter`), so what preflight checks is the
    metadata the Hub will see.
    """
    try:
        text = readme.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, ["README.md: missing (run `dataset-kit card` or `export` to write it)"]
    except UnicodeDecodeError as exc:
        return None, [f"README.md: not UTF-8 text ({exc})"]
    try:
        data, _ = read_front_matter(text)
    except FrontMatterError as exc:
        if exc.problem is None:
            return None, ["README.md: the YAML metadata must be a mapping"]
        where = f" line {exc.line}" if exc.line is not None else ""
        return None, [f"README.md{where}: invalid YAML metadata: {exc.problem}"]
    if data is None:
        return None, ["README.md: no YAML metadata block (--- ... ---) at the top"]
    return data, []


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _config_patterns(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    """(config name, data_files pattern) pairs from the card's ``configs``."""
    pairs = []
    configs = metadata.get("configs")
    for config in configs if isinstance(configs, list) else []:
        if not isinstance(config, dict):
            continue
        name = str(config.get("config_name", "default"))
        data_files = config.get("data_files")
        if data_files in (None, [], ""):
            # A config without data files: load_dataset finds nothing to load.
            pairs.append((name, ""))
            continue
        items = data_files if isinstance(data_files, list) else [data_files]
        for item in items:
            paths = item.get("path") if isinstance(item, dict) else item
            for pattern in paths if isinstance(paths, list) else [paths]:
                if isinstance(pattern, str):
                    pairs.append((name, pattern))
    return pairs


def _card_consistency(metadata: dict[str, Any], manifest: Manifest) -> list[str]:
    """The card's configs must point at the shards, and its split sizes match them."""
    problems = []
    # Shards of an empty split hold no rows: a config pointing only at them makes
    # `load_dataset` fail ("corresponds to no data"), and none needs to cover them.
    everything = [f.path for f in manifest.data_files()]
    shards = [f.path for f in manifest.data_files() if f.rows != 0]
    pairs = _config_patterns(metadata)
    if pairs:
        regexes = [(name, pattern, _glob_regex(pattern)) for name, pattern in pairs]
        for name, pattern, regex in regexes:
            if not any(regex.fullmatch(path) for path in everything):
                problems.append(
                    f"README.md: configs[{name}] data_files pattern {pattern!r} matches no shard"
                )
            elif not any(regex.fullmatch(path) for path in shards):
                problems.append(
                    f"README.md: configs[{name}] data_files pattern {pattern!r} matches only "
                    "empty shards: load_dataset cannot open a split without data; leave it "
                    "out of configs (`dataset-kit card` does)"
                )
        for path in shards:
            if not any(regex.fullmatch(path) for _, _, regex in regexes):
                problems.append(f"README.md: no configs data_files pattern covers {path}")
    infos = metadata.get("dataset_info")
    for info in infos if isinstance(infos, list) else [infos]:
        if not isinstance(info, dict) or not isinstance(info.get("splits"), list):
            continue
        for split in info["splits"]:
            if not isinstance(split, dict) or split.get("name") not in manifest.splits:
                if isinstance(split, dict):
                    problems.append(
                        f"README.md: dataset_info lists split {split.get('name')!r}, "
                        "which the export does not have"
                    )
                continue
            rows = manifest.splits[split["name"]].rows
            if split.get("num_examples") != rows:
                problems.append(
                    f"README.md: dataset_info says split {split['name']} has "
                    f"{split.get('num_examples')} rows, the manifest says {rows}"
                )
    return problems


def preflight(export_dir: str | os.PathLike[str], repo_id: str) -> Manifest:
    """Check everything that can be checked locally; raise :class:`PreflightError`.

    Returns the manifest when the folder is a complete, consistent export whose card
    passes the vocabulary check and ``repo_id`` is well formed.
    """
    from .storage import is_url
    from .vocabulary import check_card_metadata

    if is_url(export_dir):
        # Path() would fold "s3://b/ds" into "s3:/b/ds" and call it "not a folder".
        raise DatasetKitError(
            f"{export_dir}: publish reads a local export folder; copy the export out of "
            "the store first (the folder, its .dataset-kit/ manifest included)"
        )
    root = Path(export_dir)
    problems = check_repo_id(repo_id)
    if not root.is_dir():
        raise PreflightError(root, [*problems, f"{root}: not a folder"])
    try:
        manifest = load_manifest(root)
    except DatasetKitError as exc:
        raise PreflightError(root, [*problems, str(exc)]) from exc
    problems += verify_files(root, manifest)
    listed = {entry.path for entry in manifest.files}
    for entry in manifest.files:
        if not is_published_path(entry.path):
            problems.append(
                f"{entry.path}: listed in the manifest but not publishable "
                "(only README.md, croissant.json, data/ and assets/ are)"
            )
    if "README.md" not in listed:
        problems.append("README.md: not listed in the manifest (run `dataset-kit card DIR`)")
    for extra in ("README.md", "croissant.json"):
        if extra not in listed and (root / extra).is_file():
            problems.append(f"{extra}: in the folder but not in the manifest")
    assets = root / "assets"
    if assets.is_dir():
        for path in sorted(assets.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and relative not in listed:
                problems.append(f"{relative}: in assets/ but not in the manifest")
    if not manifest.data_files():
        problems.append("the manifest lists no data shards")
    elif not any(f.rows for f in manifest.data_files()):
        problems.append(
            "the export holds no records (every shard is empty): load_dataset cannot open "
            "a dataset without data; export some records first"
        )
    metadata, card_problems = read_card_metadata(root / "README.md")
    problems += card_problems
    if metadata is not None:
        vocabulary = check_card_metadata(metadata)
        problems += [f"README.md metadata: {p}" for p in vocabulary]
        license_id = metadata.get("license")
        if not license_id and not any(p.startswith("license") for p in vocabulary):
            problems.append("README.md metadata: license: missing")
        problems += _card_consistency(metadata, manifest)
    if problems:
        raise PreflightError(root, problems)
    return manifest


def resolve_token(token: str | None) -> tuple[str | None, str | None]:
    """(token, where it came from): ``--token``, ``HF_TOKEN``, or the huggingface_hub login."""
    if token and token.strip():
        return token.strip(), "--token"
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        value = os.environ.get(name, "").strip()
        if value:
            return value, name
    from huggingface_hub import get_token

    stored = get_token()
    if stored:
        return stored, "the huggingface_hub login"
    return None, None


def resolve_endpoint(endpoint: str | None) -> str:
    """``endpoint``, else ``HF_ENDPOINT`` as set now, else the public Hub."""
    value = endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    return value.rstrip("/")


# Seconds one request may wait for a connection or for the next bytes of an answer. A
# hub that accepts the connection but never answers would otherwise hold publish for
# ever: huggingface_hub's shared client has no timeout at all.
DEFAULT_HUB_TIMEOUT = 60.0
HUB_TIMEOUT_ENV = "DATASET_KIT_HUB_TIMEOUT"


def hub_timeout() -> float:
    """The per-request timeout in seconds: ``DATASET_KIT_HUB_TIMEOUT`` or 60."""
    value = os.environ.get(HUB_TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_HUB_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise PublishError(f"{HUB_TIMEOUT_ENV}={value!r}: expected a number of seconds above 0")
    return seconds


def _bound_requests(seconds: float) -> None:
    """Make every request of huggingface_hub's shared client give up after ``seconds``.

    The client's requests are built with ``timeout=None`` (no limit), some with an
    explicit ``timeout=None`` that would override a client default, so the bound is set
    on each request by a request hook, which runs after the request is built and before
    it is sent. A timeout is the client's ``TimeoutException``, a transport error, so it
    is classified as a network failure and retried like a dropped connection.
    """
    from huggingface_hub.utils import _http, set_client_factory
    from huggingface_hub.utils import httpx as http_client

    limit = http_client.Timeout(seconds, connect=min(seconds, 10.0)).as_dict()

    def bound(request: Any) -> None:
        current = request.extensions.get("timeout") or {}
        request.extensions["timeout"] = {
            key: current.get(key) if current.get(key) is not None else value
            for key, value in limit.items()
        }

    def factory() -> Any:
        client = _http.default_client_factory()
        client.event_hooks["request"].append(bound)
        return client

    set_client_factory(factory)


def _offline() -> bool:
    from huggingface_hub import constants

    env = os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE")
    return env or bool(constants.HF_HUB_OFFLINE)


def _batches(changes: list[FileChange], size: int) -> list[list[FileChange]]:
    """Split changes into commits: shards and assets first, deletions, the card last."""

    def rank(change: FileChange) -> tuple[int, str]:
        if change.action == "delete":
            return (2, change.path)
        if change.path.startswith("data/"):
            return (0, change.path)
        if change.path.startswith("assets/"):
            return (1, change.path)
        return (3 if change.path == "README.md" else 2, change.path)

    ordered = sorted(changes, key=rank)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


@contextlib.contextmanager
def progress_bars(show: bool) -> Iterator[None]:
    """Hide huggingface_hub's upload progress bars for a block unless ``show``."""
    from huggingface_hub.utils import (
        are_progress_bars_disabled,
        disable_progress_bars,
        enable_progress_bars,
    )

    if show or are_progress_bars_disabled():
        yield
        return
    disable_progress_bars()
    try:
        yield
    finally:
        enable_progress_bars()


# -- talking to the Hub -----------------------------------------------------------------


class _Session:
    """The client, the token and the retry policy for one publish; never shown to users."""

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        retry: RetryPolicy,
        log: Callable[[str], None],
    ) -> None:
        from huggingface_hub import HfApi

        _bound_requests(hub_timeout())
        self.endpoint = endpoint
        self._token = token
        self.retry = retry
        self.log = log
        # token=False stops the client from looking for a token of its own: the one
        # resolved here (or none) is the only one ever sent.
        self.api: HfApi = HfApi(
            endpoint=endpoint,
            token=token if token else False,
            library_name="dataset-kit",
            library_version=__version__,
        )

    def redact(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text

    def error(self, failure: _Failure, what: str, repo_id: str) -> PublishError:
        message = self.redact(f"{what}: {failure.message}")
        if failure.kind == "auth":
            return HubAuthError(
                f"{message}\nThe Hub did not accept the token. Check it, or log in again "
                "with `hf auth login` (HF_TOKEN takes precedence over a login)."
            )
        if failure.kind == "forbidden":
            return HubAuthError(
                f"{message}\nThe token has no write access to {repo_id}: use a token with "
                "write permission for that user or organization, or publish with "
                "--create-pr to propose the change as a pull request."
            )
        if failure.kind == "revision":
            return HubNotFoundError(
                f"{message}\nThe revision does not exist in {repo_id}: create the branch "
                f"first (`hf repos branch create {repo_id} BRANCH --repo-type dataset`), or "
                "leave out --revision to publish to main."
            )
        if failure.kind == "repo":
            return HubNotFoundError(
                f"{message}\nThe repo {repo_id} does not exist or the token cannot see it."
            )
        if failure.kind == "offline":
            return HubUnavailableError(message)
        if failure.transient:
            return HubUnavailableError(
                f"{message}\nGave up after {self.retry.attempts} attempts. The Hub applies "
                "each commit whole or not at all; run the same command again to finish."
            )
        if failure.kind == "conflict":
            return HubUnavailableError(
                f"{message}\nThe repo kept changing while publishing; run again."
            )
        return HubRejectedError(message)

    def wait(self, failure: _Failure, attempt: int, what: str, repo_id: str) -> None:
        """Sleep before the next try, or raise when the tries or the patience are spent."""
        if attempt >= self.retry.attempts:
            raise self.error(failure, what, repo_id)
        delay = self.retry.delay(attempt, failure.retry_after)
        if delay > self.retry.max_retry_after:
            raise HubUnavailableError(
                self.redact(
                    f"{what}: {failure.message}\nThe Hub asks to wait {delay:.0f} s; "
                    "run the same command again after that."
                )
            )
        reason = "rate limited" if failure.kind == "rate_limited" else failure.message
        self.log(
            f"{what}: {reason}; retrying in {delay:g} s "
            f"(attempt {attempt + 1} of {self.retry.attempts})"
        )
        self.retry.sleep(delay)

    def call(self, what: str, repo_id: str, fn: Callable[[], Any]) -> Any:
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except Exception as exc:
                failure = _classify(exc)
                if failure is None:
                    raise
                if not failure.transient:
                    raise self.error(failure, what, repo_id) from exc
                self.wait(failure, attempt, what, repo_id)

    # Each method below is one read or write, retried by ``call``.

    def whoami(self) -> dict[str, Any]:
        return self.call("checking the token", "", lambda: self.api.whoami(token=self._token))

    def repo_state(self, repo_id: str, revision: str) -> tuple[bool, bool | None, str | None]:
        """(exists, private, head commit of ``revision``); a missing repo is (False, None, None)."""
        from huggingface_hub.errors import RepositoryNotFoundError

        def info() -> Any:
            try:
                return self.api.dataset_info(repo_id, revision=revision)
            except RepositoryNotFoundError:
                return None

        found = self.call(f"reading {repo_id}", repo_id, info)
        if found is None:
            return False, None, None
        return True, bool(found.private), found.sha

    def list_files(
        self, repo_id: str, revision: str, folder: str | None = None
    ) -> list[RemoteFile]:
        from huggingface_hub.errors import RemoteEntryNotFoundError
        from huggingface_hub.hf_api import RepoFile

        def listing() -> list[RemoteFile]:
            try:
                entries = list(
                    self.api.list_repo_tree(
                        repo_id,
                        path_in_repo=folder,
                        recursive=True,
                        revision=revision,
                        repo_type=REPO_TYPE,
                    )
                )
            except RemoteEntryNotFoundError:
                return []
            return [_remote(e) for e in entries if isinstance(e, RepoFile)]

        return self.call(f"listing the files of {repo_id}", repo_id, listing)

    def paths_info(self, repo_id: str, revision: str, paths: list[str]) -> dict[str, RemoteFile]:
        from huggingface_hub.hf_api import RepoFile

        found: dict[str, RemoteFile] = {}
        for start in range(0, len(paths), PATHS_INFO_BATCH):
            batch = paths[start : start + PATHS_INFO_BATCH]
            entries = self.call(
                f"reading back the files of {repo_id}",
                repo_id,
                lambda batch=batch: self.api.get_paths_info(
                    repo_id, batch, revision=revision, repo_type=REPO_TYPE
                ),
            )
            found.update({e.path: _remote(e) for e in entries if isinstance(e, RepoFile)})
        return found

    def pr_refs(self, repo_id: str) -> dict[str, str]:
        refs = self.call(
            f"listing the pull requests of {repo_id}",
            repo_id,
            lambda: self.api.list_repo_refs(
                repo_id, repo_type=REPO_TYPE, include_pull_requests=True
            ),
        )
        return {ref.ref: ref.target_commit for ref in refs.pull_requests or []}

    def last_commit(self, repo_id: str, revision: str) -> tuple[str, list[str]]:
        commits = self.call(
            f"reading the history of {repo_id}",
            repo_id,
            lambda: self.api.list_repo_commits(repo_id, repo_type=REPO_TYPE, revision=revision),
        )
        return commits[0].title, list(commits[0].authors)


def _remote(entry: Any) -> RemoteFile:
    return RemoteFile(
        path=entry.path,
        size=entry.size,
        blob_id=entry.blob_id,
        lfs_sha256=entry.lfs.sha256 if entry.lfs is not None else None,
    )


def _same(entry: FileEntry, remote: RemoteFile, root: Path) -> bool:
    if remote.size != entry.bytes:
        return False
    if remote.lfs_sha256 is not None:
        return remote.lfs_sha256 == entry.sha256
    return remote.blob_id == git_blob_oid(root / entry.path)


def diff(
    root: Path, files: Iterable[FileEntry], remote: dict[str, RemoteFile]
) -> tuple[list[FileChange], list[str]]:
    """(changes that make ``remote`` equal the manifest's files, paths already equal)."""
    changes: list[FileChange] = []
    unchanged: list[str] = []
    wanted = {}
    stored = {f.lfs_sha256 for f in remote.values() if f.lfs_sha256 is not None}
    for entry in files:
        wanted[entry.path] = entry
        current = remote.get(entry.path)
        known = entry.sha256 in stored
        if current is None:
            changes.append(FileChange("add", entry.path, entry.bytes, stored=known))
        elif _same(entry, current, root):
            unchanged.append(entry.path)
        else:
            changes.append(
                FileChange("update", entry.path, entry.bytes, current.size, stored=known)
            )
    for path, current in sorted(remote.items()):
        if path not in wanted and path.split("/", 1)[0] in MANAGED_FOLDERS and "/" in path:
            changes.append(FileChange("delete", path, current.size))
    order = {"add": 0, "update": 1, "delete": 2}
    changes.sort(key=lambda c: (order[c.action], c.path))
    return changes, sorted(unchanged)


# -- public API -------------------------------------------------------------------------


def plan_publish(
    export_dir: str | os.PathLike[str],
    repo_id: str,
    *,
    revision: str | None = None,
    private: bool = False,
    create_pr: bool = False,
    token: str | None = None,
    endpoint: str | None = None,
    offline: bool | None = None,
    retry: RetryPolicy | None = None,
    log: Callable[[str], None] | None = None,
) -> PublishPlan:
    """Preflight, then compare the export with the repo; sends nothing that writes.

    ``offline=True`` (default: ``HF_HUB_OFFLINE``) contacts nobody and plans against an
    empty repo. Raises :class:`PreflightError` for local problems, :class:`HubAuthError`
    for a token the Hub rejects, :class:`HubNotFoundError` for a missing revision and
    :class:`HubUnavailableError` when the Hub cannot be reached.
    """
    plan, _ = _plan(
        export_dir,
        repo_id,
        revision=revision,
        private=private,
        create_pr=create_pr,
        token=token,
        endpoint=endpoint,
        offline=_offline() if offline is None else offline,
        retry=retry or DEFAULT_RETRY,
        log=log or (lambda _message: None),
    )
    return plan


def _plan(
    export_dir: str | os.PathLike[str],
    repo_id: str,
    *,
    revision: str | None,
    private: bool,
    create_pr: bool,
    token: str | None,
    endpoint: str | None,
    offline: bool,
    retry: RetryPolicy,
    log: Callable[[str], None],
) -> tuple[PublishPlan, _Session]:
    manifest = preflight(export_dir, repo_id)
    root = Path(export_dir)
    files = [entry for entry in manifest.files if is_published_path(entry.path)]
    revision = revision or DEFAULT_REVISION
    secret, source = resolve_token(token)
    session = _Session(resolve_endpoint(endpoint), secret, retry, log)
    plan = PublishPlan(
        export_dir=root,
        repo_id=repo_id,
        revision=revision,
        endpoint=session.endpoint,
        private=private,
        create_pr=create_pr,
        files=files,
        changes=[],
        unchanged=[],
        repo_exists=None,
        repo_private=None,
        remote_head=None,
        token_source=source,
        token_role=None,
        user=None,
    )
    if offline:
        _plan_offline(plan)
        return plan, session
    _check_token(session, plan, secret)
    _compare_with_repo(session, plan)
    return plan, session


def _plan_offline(plan: PublishPlan) -> None:
    """Fill in the plan without contacting the Hub (HF_HUB_OFFLINE): all files are new.

    The plan is still shown (``--dry-run`` works offline), but a blocker stops the upload.
    """
    plan.offline = True
    plan.changes, _ = diff(plan.export_dir, plan.files, {})
    plan.notes.append(
        "offline mode (HF_HUB_OFFLINE): the Hub was not contacted; the plan assumes an empty repo"
    )
    plan.blockers.append("offline mode is on (HF_HUB_OFFLINE): unset it to publish")


def _check_token(session: _Session, plan: PublishPlan, secret: str | None) -> None:
    """Record whose token it is and its role; block when there is none or it is read-only.

    This is checked before the repo is looked at, so that a missing token is reported
    as such rather than as a missing (private) repo.
    """
    if secret is None:
        plan.blockers.append("no token: pass --token, set HF_TOKEN or log in with `hf auth login`")
        plan.notes.append("no token: a private repo looks like a missing one")
        return
    try:
        identity = session.whoami()
    except (HubRejectedError, HubNotFoundError):
        # A mirror or self-hosted hub without whoami: the writes will tell.
        identity = {}
        plan.notes.append("could not check the token (no whoami endpoint)")
    plan.user = identity.get("name")
    access = (identity.get("auth") or {}).get("accessToken") or {}
    plan.token_role = access.get("role")
    if plan.token_role == "read":
        plan.blockers.append("the token is read-only: publishing needs a token with write access")


def _compare_with_repo(session: _Session, plan: PublishPlan) -> None:
    """Find the repo and the head of the revision; split the files into changes and unchanged.

    A repo that does not exist yet gets every file (and only on the default revision);
    ``--private`` against an existing public repo is a blocker.
    """
    repo_id, revision, root, files = plan.repo_id, plan.revision, plan.export_dir, plan.files
    exists, repo_private, head = session.repo_state(repo_id, DEFAULT_REVISION)
    plan.repo_exists, plan.repo_private = exists, repo_private
    if not exists:
        if revision != DEFAULT_REVISION:
            raise HubNotFoundError(
                f"{repo_id} does not exist yet, so it has no revision {revision!r}: "
                f"publish to {DEFAULT_REVISION} first, or leave out --revision"
            )
        plan.changes, _ = diff(root, files, {})
        return
    if plan.private and not repo_private:
        plan.blockers.append(
            f"{repo_id} exists and is public, but --private was given: refusing to "
            "upload; make the repo private in its settings first, or drop --private"
        )
    if revision != DEFAULT_REVISION:
        _, _, head = session.repo_state(repo_id, revision)
        if head is None:
            raise HubNotFoundError(f"{repo_id} is no longer visible")
    plan.remote_head = head
    assert head is not None
    remote = {f.path: f for f in session.list_files(repo_id, head)}
    plan.changes, plan.unchanged = diff(root, files, remote)


def _require_writable(plan: PublishPlan) -> None:
    if not plan.blockers:
        return
    text = "; ".join(plan.blockers)
    if plan.offline:
        raise HubUnavailableError(text)
    if plan.private and plan.repo_exists and not plan.repo_private:
        raise PublishError(text)
    raise HubAuthError(text)


def publish(
    export_dir: str | os.PathLike[str],
    repo_id: str,
    *,
    revision: str | None = None,
    private: bool = False,
    create_pr: bool = False,
    message: str | None = None,
    token: str | None = None,
    endpoint: str | None = None,
    dry_run: bool = False,
    offline: bool | None = None,
    max_files_per_commit: int = DEFAULT_MAX_FILES_PER_COMMIT,
    retry: RetryPolicy | None = None,
    log: Callable[[str], None] | None = None,
    on_plan: Callable[[PublishPlan], None] | None = None,
) -> PublishResult:
    """Make the dataset repo ``repo_id`` hold exactly the export in ``export_dir``.

    See the module docstring for the steps. ``log`` receives progress and retry
    messages (never the token); ``on_plan`` gets the plan before anything is written.
    Returns a :class:`PublishResult`; raises a
    :class:`PublishError` subclass whose ``exit_code`` tells the kind of failure.
    """
    if max_files_per_commit < 1:
        raise ValueError("max_files_per_commit must be at least 1")
    say = log or (lambda _message: None)
    plan, session = _plan(
        export_dir,
        repo_id,
        revision=revision,
        private=private,
        create_pr=create_pr,
        token=token,
        endpoint=endpoint,
        offline=_offline() if offline is None else offline,
        retry=retry or DEFAULT_RETRY,
        log=say,
    )
    result = PublishResult(plan=plan, dry_run=dry_run, revision=plan.revision)
    if on_plan is not None:
        on_plan(plan)
    if dry_run:
        return result
    _require_writable(plan)
    if not plan.changes:
        return result
    _commit_all(session, plan, result, message, max_files_per_commit)
    result.verified_files = _verify(session, plan, result)
    return result


def _commit_all(
    session: _Session,
    plan: PublishPlan,
    result: PublishResult,
    message: str | None,
    max_files: int,
) -> None:
    """Create the repo if needed and commit the plan's changes, re-syncing after failures."""
    repo_id = plan.repo_id
    head = _ensure_repo(session, plan)
    known_prs = session.pr_refs(repo_id) if plan.create_pr else {}

    title = message or "Publish dataset with dataset-kit"
    counts = (
        f"{len(plan.additions)} added, {len(plan.updates)} updated, {len(plan.deletions)} deleted"
    )
    description = f"Published with dataset-kit {__version__}: {counts}."
    split = len(_batches(plan.changes, max_files)) > 1
    changes = list(plan.changes)
    pr_ref: str | None = None
    failures = 0
    while changes:
        batch = _batches(changes, max_files)[0]
        part = f"{title} (part {len(result.commits) + 1})" if split else title
        operations = _operations(plan.export_dir, batch)
        opening_pr = plan.create_pr and pr_ref is None
        target = pr_ref or plan.revision
        where = f"a pull request against {target}" if opening_pr else target
        session.log(f"Committing {len(batch)} file change(s) to {where}: {part}")
        try:
            info = session.api.create_commit(
                repo_id,
                operations,
                commit_message=part,
                commit_description=description,
                repo_type=REPO_TYPE,
                revision=target,
                create_pr=opening_pr,
                parent_commit=head,
            )
        except Exception as exc:
            failure = _classify(exc)
            if failure is None:
                raise
            if not (failure.transient or failure.kind == "conflict"):
                raise session.error(failure, f"committing to {repo_id}", repo_id) from exc
            failures += 1
            session.wait(failure, failures, f"committing to {repo_id}", repo_id)
            if opening_pr:
                pr_ref = _find_new_pr(session, plan, known_prs, part)
                if pr_ref is not None:
                    result.pr_url = f"{plan.repo_url}/discussions/{pr_ref.rsplit('/', 1)[1]}"
            head, changes = _resync(session, plan, result, pr_ref, head, part, exc)
            continue
        result.commits.append(CommitRecord(oid=info.oid, url=info.commit_url, title=part))
        head = info.oid
        if opening_pr:
            pr_ref = info.pr_revision
            result.pr_url = info.pr_url
        done = {c.path for c in batch}
        changes = [c for c in changes if c.path not in done]
    result.revision = pr_ref or plan.revision


def _ensure_repo(session: _Session, plan: PublishPlan) -> str:
    """Create the repo when the plan found none; return the commit to build on.

    The plan was made against ``remote_head``; committing on top of it
    (``parent_commit``) makes the Hub refuse the commit if anyone pushed since, instead
    of our stale plan silently winning. A new repo starts from the initial commit the
    Hub made.
    """
    repo_id = plan.repo_id
    if not plan.repo_exists:
        session.log(f"Creating {'private' if plan.private else 'public'} dataset repo {repo_id}")
        session.call(
            f"creating {repo_id}",
            repo_id,
            lambda: session.api.create_repo(
                repo_id, repo_type=REPO_TYPE, private=plan.private, exist_ok=True
            ),
        )
    head = plan.remote_head
    if head is None:
        _, _, head = session.repo_state(repo_id, plan.revision)
    if head is None:
        raise HubNotFoundError(f"{repo_id} is not visible after creating it")
    return head


def _operations(root: Path, batch: list[FileChange]) -> list[Any]:
    """The ``huggingface_hub`` commit operations of one batch: deletions and uploads."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    return [
        CommitOperationDelete(path_in_repo=c.path, is_folder=False)
        if c.action == "delete"
        else CommitOperationAdd(path_in_repo=c.path, path_or_fileobj=str(root / c.path))
        for c in batch
    ]


def _resync(
    session: _Session,
    plan: PublishPlan,
    result: PublishResult,
    pr_ref: str | None,
    head: str,
    part: str,
    exc: Exception,
) -> tuple[str, list[FileChange]]:
    """After a failed commit: the new head and the changes that are still missing.

    The commit may have landed before the connection dropped: read what the repo (or
    the pull request ``pr_ref``) holds now, record the commit when it is ours, and
    commit only what is still missing.
    """
    repo_id = plan.repo_id
    previous = head
    _, _, new_head = session.repo_state(repo_id, pr_ref or plan.revision)
    if new_head is None:
        raise HubNotFoundError(f"{repo_id} is no longer visible") from exc
    if new_head != previous:
        last_title, authors = session.last_commit(repo_id, new_head)
        if last_title == part and (plan.user is None or plan.user in authors):
            session.log(f"The commit landed although its answer was lost: {new_head[:12]}")
            url = f"{plan.repo_url}/commit/{new_head}"
            result.commits.append(CommitRecord(oid=new_head, url=url, title=part))
    remote = {f.path: f for f in session.list_files(repo_id, new_head)}
    changes, _ = diff(plan.export_dir, plan.files, remote)
    return new_head, changes


def _find_new_pr(
    session: _Session, plan: PublishPlan, known: dict[str, str], title: str
) -> str | None:
    """The pull request our lost commit opened, if it did: new, ours, with our title."""
    current = session.pr_refs(plan.repo_id)
    for ref in sorted(set(current) - set(known), key=lambda r: -int(r.rsplit("/", 1)[1])):
        last_title, authors = session.last_commit(plan.repo_id, ref)
        if last_title == title and (plan.user is None or plan.user in authors):
            return ref
    return None


def _verify(session: _Session, plan: PublishPlan, result: PublishResult) -> int:
    """Read the published files back and compare them with the manifest."""
    repo_id = plan.repo_id
    revision = result.commits[-1].oid if result.commits else (result.revision or plan.revision)
    remote = session.paths_info(repo_id, revision, [f.path for f in plan.files])
    problems = []
    for entry in plan.files:
        current = remote.get(entry.path)
        if current is None:
            problems.append(f"{entry.path}: missing on the Hub")
        elif current.size != entry.bytes:
            problems.append(f"{entry.path}: {current.size} bytes on the Hub, {entry.bytes} here")
        elif not _same(entry, current, plan.export_dir):
            problems.append(f"{entry.path}: content on the Hub differs from the manifest")
    wanted = {f.path for f in plan.files}
    for folder in MANAGED_FOLDERS:
        for current in session.list_files(repo_id, revision, folder):
            if current.path not in wanted:
                problems.append(f"{current.path}: on the Hub but not in the manifest")
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise VerificationError(
            f"published to {repo_id} at {revision[:12]}, but what the Hub holds differs "
            f"from the manifest:\n{listing}\nRun the same command again to repair it."
        )
    return len(plan.files)
