"""Replace an export in an object store (``s3://``, ``gs://``) as nearly atomically as
the store allows: the counterpart of :func:`dataset_kit.atomic.atomic_set`.

A store has no rename and no folders: each object is written whole or not at all,
but several objects cannot change in one step. So the new export is built under a
run-specific *staging prefix* beside ``NAME`` and then *committed* by a journaled
sequence of idempotent steps:

1. the journal object ``.dataset-kit-swap-NAME.json`` is written beside ``NAME``,
   listing every copy to make and every object of the earlier export to remove;
2. each staged object is copied (server side) to its final key, the companions
   (``NAME.rejects.jsonl``, ``NAME.report.json``) included;
3. the manifest ``NAME/.dataset-kit/manifest.json`` is copied LAST: it is the commit
   point, the moment a reader that starts from the manifest sees the new export;
4. the journal is marked clean-up, then the earlier export's objects that the new one
   does not have are removed, then the staging prefix, then the journal.

What a reader sees: until step 2 starts, the earlier export, whole (staging takes
the long part of the run: every shard is written there). During steps 2-3 an object
whose name both exports use may already be the new one while the manifest is still
the earlier one; the manifest's sizes and sha256 tell them apart. From step 3 on,
the manifest and every object it lists are the new export's; objects only the
earlier export had disappear in step 4.

After an interruption the next export to the same ``NAME`` first rolls a journaled
commit forward from wherever it stopped (every step can be repeated), so it always
ends with the whole new export; a staging prefix without a journal was never
committed and is removed, once its owner is gone (as local temporaries are: see
:func:`dataset_kit.atomic.remove_stale_temporaries`). One export at a time may write
to a ``NAME``: a store offers no lock to enforce it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from .atomic import JOURNAL_PREFIX, TMP_PREFIX, owner_alive, temp_prefix
from .errors import DatasetKitError
from .manifest import MANIFEST_RELATIVE_PATH
from .storage import AnyPath, as_path, store_faults

JOURNAL_FORMAT = "dataset-kit remote commit 1"


@dataclass
class RemoteStagedSet:
    """New versions of an export folder and its companions, staged in a store.

    The same interface as :class:`dataset_kit.atomic.StagedSet`: ``folder`` is the new
    folder to fill, :meth:`file` the object to write each companion's new version at,
    ``recovered`` what an interrupted earlier commit left and how it was completed.
    """

    folder: AnyPath
    staging: AnyPath
    files: dict[str, AnyPath] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)

    def file(self, final: object) -> AnyPath:
        return self.files[str(final)]


def journal_path(folder: AnyPath) -> AnyPath:
    return folder.parent / f"{JOURNAL_PREFIX}{folder.name}.json"


@contextlib.contextmanager
def remote_set(folder: AnyPath, companions: Sequence[AnyPath] = ()) -> Iterator[RemoteStagedSet]:
    """Stage a new ``folder`` and ``companions`` in a store; commit all on success.

    The companions live beside ``folder``. On failure inside the block the staging
    prefix is removed and nothing of the earlier export was touched. On success the
    commit of the module docstring runs; an interruption during it is completed by
    the next :func:`remote_set` on the same folder, which says so in ``recovered``.
    """
    folder = as_path(folder)
    parent = folder.parent
    with store_faults(folder):
        recovered = recover_commits(parent)
        remove_stale_staging(parent)
    staging = parent / f"{temp_prefix('new-')}{uuid.uuid4().hex[:12]}"
    staged = RemoteStagedSet(staging / folder.name, staging, recovered=recovered)
    for companion in companions:
        staged.files[str(companion)] = staging / as_path(companion).name
    try:
        yield staged
    except BaseException:
        with contextlib.suppress(Exception):
            _remove_prefix(staging)
        raise
    with store_faults(folder):
        try:
            journal = _plan_commit(folder, staged)
        except BaseException:
            # No journal, no commit: the staged objects are of no use to anyone.
            if not journal_path(folder).exists():
                with contextlib.suppress(Exception):
                    _remove_prefix(staging)
            raise
        complete_commit(journal_path(folder), journal)


def _plan_commit(folder: AnyPath, staged: RemoteStagedSet) -> dict[str, Any]:
    """Write the journal of committing ``staged`` over ``folder``; return it."""
    fs = folder.fs
    # Workers wrote the staged objects from other processes: list the store afresh.
    fs.invalidate_cache()
    staging_key = _key(staged.staging)
    copies: list[list[str]] = []
    manifest: list[str] | None = None
    finals = {_key(staged.folder): _key(folder)}
    finals.update({_key(tmp): _key(as_path(final)) for final, tmp in staged.files.items()})
    for key in sorted(fs.find(staging_key)):
        for source, final in finals.items():
            if key == source or key.startswith(source + "/"):
                pair = [key, final + key[len(source) :]]
                break
        else:
            raise DatasetKitError(f"{staged.staging}: unexpected staged object {key}")
        if pair[1] == f"{_key(folder)}/{MANIFEST_RELATIVE_PATH}":
            manifest = pair
        else:
            copies.append(pair)
    if manifest is None:
        raise DatasetKitError(f"{staged.folder}: the staged export has no manifest")
    new = {final for _, final in copies} | {manifest[1]}
    earlier = sorted(set(fs.find(_key(folder))) - new) if fs.isdir(_key(folder)) else []
    journal = {
        "format": JOURNAL_FORMAT,
        "staging": _key(staged.staging),
        "phase": "copy",
        "copies": [*copies, manifest],
        "remove": earlier,
    }
    journal_path(folder).write_bytes(orjson.dumps(journal, option=orjson.OPT_INDENT_2))
    return journal


def complete_commit(journal_file: AnyPath, journal: dict[str, Any]) -> None:
    """Carry the commit ``journal`` describes to its end, from whatever step it reached.

    Every step can be repeated: copying a staged object again gives the same object,
    and removing what is gone is nothing. In the ``copy`` phase every staged object
    still exists (the staging prefix is removed only in the ``clean`` phase)."""
    fs = journal_file.fs
    if journal["phase"] == "copy":
        missing = [source for source, _ in journal["copies"] if not fs.isfile(source)]
        if missing:
            raise DatasetKitError(
                f"{journal_file}: an interrupted commit cannot be completed: the staged "
                f"object {missing[0]} is gone; remove the journal and export again"
            )
        for source, final in journal["copies"]:
            copy_object(fs, source, final)
        journal["phase"] = "clean"
        journal_file.write_bytes(orjson.dumps(journal, option=orjson.OPT_INDENT_2))
    earlier = [key for key in journal["remove"] if fs.isfile(key)]
    if earlier:
        fs.rm(earlier)
    _remove_prefix(as_path(fs.unstrip_protocol(journal["staging"])))
    fs.rm(_key(journal_file))


def copy_object(fs: Any, source: str, final: str) -> None:
    """One step of a commit: a server-side copy (one object whole, never part of it)."""
    fs.copy(source, final)


def recover_commits(parent: AnyPath) -> list[str]:
    """Complete every commit whose journal in ``parent`` shows it was interrupted;
    return a sentence per commit completed."""
    done = []
    for journal_file, journal in _journals(parent):
        if owner_alive(journal["staging"].rsplit("/", 1)[-1]):
            continue  # a live run is committing right now
        complete_commit(journal_file, journal)
        name = journal_file.name[len(JOURNAL_PREFIX) : -len(".json")]
        done.append(f"completed the replacement of {name} that an interrupted run began")
    return done


def _journals(parent: AnyPath) -> list[tuple[AnyPath, dict[str, Any]]]:
    fs = parent.fs
    fs.invalidate_cache()
    found = []
    for key in sorted(fs.glob(f"{_key(parent)}/{JOURNAL_PREFIX}*.json")):
        path = as_path(fs.unstrip_protocol(key))
        try:
            journal = orjson.loads(path.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            continue
        if isinstance(journal, dict) and journal.get("format") == JOURNAL_FORMAT:
            found.append((path, journal))
    return found


def remove_stale_staging(parent: AnyPath) -> None:
    """Remove staging prefixes in ``parent`` that no journal needs and whose owner is
    gone: runs that stopped before their commit began."""
    fs = parent.fs
    needed = {journal["staging"] for _, journal in _journals(parent)}
    for key in sorted(fs.glob(f"{_key(parent)}/{TMP_PREFIX}*")):
        name = key.rstrip("/").rsplit("/", 1)[-1]
        if key.rstrip("/") in needed or owner_alive(name):
            continue
        _remove_prefix(as_path(fs.unstrip_protocol(key)))


def _remove_prefix(prefix: AnyPath) -> None:
    fs = prefix.fs
    keys = fs.find(_key(prefix))
    if keys:
        fs.rm(keys)


def _key(path: AnyPath) -> str:
    """``bucket/key`` of a store path, without a trailing ``/``."""
    return str(path.path).rstrip("/")
