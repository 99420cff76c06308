"""Write files and folders so that an interrupted run never leaves half of one.

Everything dataset-kit publishes is first written under a temporary name in the same
folder as its target and then renamed into place, which the operating system does in
one step. A crash or Ctrl-C before the rename leaves the old file or folder untouched
and, at worst, a ``.tmp-dataset-kit-*`` leftover that a later run removes.

Invariants this module keeps, because each was once a way to lose a user's file:

* A temporary name carries its owner (host, pid and the pid's start time), and a
  run removes only leftovers whose owner is gone: two runs in one folder never
  delete each other's files (:func:`remove_stale_temporaries`).
* An output path that is a symlink is written at the link's target (the link stays);
  one that is a device node or a FIFO (``/dev/null``, a pipe) is written through,
  never replaced; ``-`` is standard output (:func:`open_output`).
* No output is ever the same file as an input or as another output of the same run
  (:func:`refuse_overlaps`): renaming a temp over it would lose the input.
* Several outputs that belong together (an export folder, its rejects and report)
  are swapped in as one step recorded in a journal (:func:`atomic_set`): after any
  interruption the next run finds the whole old set or completes the whole new set.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .errors import DatasetKitError
from .storage import is_remote

TMP_PREFIX = ".tmp-dataset-kit-"
JOURNAL_PREFIX = ".dataset-kit-swap-"
STDOUT = "-"

# host-hash, pid, pid start time: who owns a temporary name (see _owner_tag).
_OWNER = re.compile(r"^([0-9a-f]{8})-(\d+)-(\d+)-")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _ordinary_mode(path: str | os.PathLike[str], base: int) -> None:
    # mkstemp/mkdtemp create private (0600/0700) entries; what we rename into place
    # should have the permissions any other file the user creates would have.
    os.chmod(path, base & ~_umask())


# --- owners of temporary names ---------------------------------------------------------


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _start_time(pid: int) -> int:
    """When ``pid`` started (clock ticks since boot, Linux), or 0 where unknown.

    With the pid it tells a live owner from an unrelated process that reused its pid.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields_after_name = handle.read().rsplit(b")", 1)[1].split()
        return int(fields_after_name[19])
    except (OSError, IndexError, ValueError):
        return 0


def _owner_tag() -> str:
    pid = os.getpid()
    return f"{_host()}-{pid}-{_start_time(pid)}-"


def temp_prefix(kind: str = "") -> str:
    """The prefix of this process's temporary names (``kind`` tells them apart)."""
    return TMP_PREFIX + _owner_tag() + kind


def owner_alive(name: str) -> bool:
    """Whether the process that made the temporary ``name`` may still be running.

    Names from another host (a shared network folder) always count as alive: their
    owner cannot be checked from here. Names without an owner (an older version's)
    count as gone, as they always did.
    """
    match = _OWNER.match(name[len(TMP_PREFIX) :])
    if match is None:
        return False
    host, pid, started = match.group(1), int(match.group(2)), int(match.group(3))
    if host != _host():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's live process
    return started == 0 or _start_time(pid) in (0, started)


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temp files and folders left in ``folder`` by runs that are gone.

    A temporary whose owner still runs is left alone (it may be a second export
    or a ``validate --rejects`` writing beside this one), and so is anything a
    pending swap journal still needs (see :func:`recover_swaps`).
    """
    if not folder.is_dir():
        return
    needed = _journaled_names(folder)
    for leftover in folder.glob(TMP_PREFIX + "*"):
        if leftover.name in needed or owner_alive(leftover.name):
            continue
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


# --- where an output really goes -------------------------------------------------------


def output_target(path: str | os.PathLike[str]) -> tuple[Path, bool]:
    """Where to write ``path``, and whether to write it directly (not by rename).

    A symlink resolves to its target, so that the rename replaces the target and the
    link stays. A device node, FIFO or socket is written directly: renaming over it
    would replace ``/dev/null`` or a pipe with a regular file.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return Path(os.path.realpath(path)), False  # new file, or a dangling link's target
    except OSError:
        return Path(path), False  # e.g. permission denied: the write will say why
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return Path(os.path.realpath(path)), False
    return Path(path), True


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    if STDOUT in (os.fspath(a), os.fspath(b)):
        return os.fspath(a) == os.fspath(b)
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links, bind mounts
    except OSError:
        return False


def _is_special(path: str | os.PathLike[str]) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def refuse_overlaps(
    inputs: Iterable[str | os.PathLike[str]],
    outputs: Sequence[tuple[str, str | os.PathLike[str] | None]],
) -> None:
    """Raise :class:`DatasetKitError` when an output would replace an input or another
    output of the same run.

    ``outputs`` are ``(option, path)`` pairs (``None`` paths are skipped). Writing
    to the same device node twice (``--report /dev/null --rejects /dev/null``) is
    harmless and allowed; standard output can carry only one of them. An input in a
    store (a URL) is never a local output.
    """
    given = [(option, path) for option, path in outputs if path is not None]
    input_list = [source for source in inputs if not is_remote(source)]
    for option, path in given:
        for source in input_list:
            if os.fspath(path) != STDOUT and _same_file(source, path):
                raise DatasetKitError(
                    f"{option} {path}: is the input {source}; writing it would destroy "
                    "the input. Choose another output path"
                )
    for i, (option, path) in enumerate(given):
        for other_option, other in given[i + 1 :]:
            if _same_file(path, other) and not _is_special(path):
                where = "standard output" if os.fspath(path) == STDOUT else str(path)
                raise DatasetKitError(
                    f"{option} and {other_option} both name {where}; one would overwrite "
                    "the other. Give them different paths"
                )


# --- single files ----------------------------------------------------------------------


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (write a temp file, fsync, rename).

    A symlink is followed and a special file written through (:func:`output_target`).
    In a store (a URL) an object is written whole or not at all by its nature.
    """
    if is_remote(path):
        path.write_bytes(data)
        return
    target, direct = output_target(path)
    if direct:
        with open(target, "wb") as handle:
            handle.write(data)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(), dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _ordinary_mode(tmp, 0o666)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with UTF-8 ``text`` in one step."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_output_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on success.

    For outputs written incrementally (a rejects file, a report streamed line by
    line): the caller writes the temporary path, and nothing appears at ``path``
    unless the block finishes without an exception. A special file (``/dev/null``,
    a FIFO) is yielded itself, to be written directly: it cannot be replaced.
    """
    target, direct = output_target(path)
    if direct:
        yield target
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(), dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _ordinary_mode(tmp, 0o666)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str], buffering: int = 1 << 20) -> Iterator[BinaryIO]:
    """A binary handle for an output: ``-`` is standard output, anything else is
    written as :func:`atomic_output_file` does (complete at ``path``, or not at all)."""
    if os.fspath(path) == STDOUT:
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    with atomic_output_file(path) as tmp, open(tmp, "wb", buffering=buffering) as handle:
        yield handle
        handle.flush()


# --- folders and sets of outputs -------------------------------------------------------


@dataclass
class StagedSet:
    """New versions of a folder and its companion files, staged under temporary names.

    ``folder`` is the new folder to fill; :meth:`file` gives the path to write each
    companion's new version at. ``recovered`` says what an interrupted earlier swap
    left and how it was completed.
    """

    folder: Path
    files: dict[Path, Path] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)

    def file(self, final: str | os.PathLike[str]) -> Path:
        return self.files[Path(final)]


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary folder next to ``path``; swap it in on success.

    On success an existing ``path`` is moved aside, the new folder renamed into place
    and the old one deleted; on failure the temporary folder is deleted and ``path``
    is exactly as it was.
    """
    with atomic_set(path) as staged:
        yield staged.folder


@contextlib.contextmanager
def atomic_set(
    folder: str | os.PathLike[str], companions: Sequence[str | os.PathLike[str]] = ()
) -> Iterator[StagedSet]:
    """Stage a new ``folder`` and new ``companions`` (files); swap all in as one step.

    The companions must live in ``folder``'s parent (an export's rejects and report
    beside it). On failure inside the block every staged file is deleted and nothing
    was touched. On success a journal naming every rename is written first, then the
    renames run; an interruption between them is completed by the next
    :func:`atomic_set` on the same folder (:func:`recover_swaps`), which says so in
    ``recovered``. A companion that is a special file is written through after the
    swap (it cannot take part in a rename); a symlinked one is replaced at its target.
    """
    target = Path(folder)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    recovered = recover_swaps(parent)
    remove_stale_temporaries(parent)
    staged = StagedSet(Path(tempfile.mkdtemp(prefix=temp_prefix("new-"), dir=parent)))
    staged.recovered = recovered
    _ordinary_mode(staged.folder, 0o777)
    try:
        for companion in companions:
            fd, tmp = tempfile.mkstemp(prefix=temp_prefix("new-"), dir=parent)
            os.close(fd)
            staged.files[Path(companion)] = Path(tmp)
        yield staged
    except BaseException:
        shutil.rmtree(staged.folder, ignore_errors=True)
        for tmp in staged.files.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    _swap_in(target, staged)


def _swap_in(target: Path, staged: StagedSet) -> None:
    """Journal, then rename every staged item into place, then forget the old ones."""
    renames: list[tuple[Path, Path]] = [(staged.folder, target)]
    through: list[tuple[Path, Path]] = []
    for final, tmp in staged.files.items():
        _ordinary_mode(tmp, 0o666)
        # The journal will say this file is complete: make it so on disk first.
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        destination, direct = output_target(final)
        destination.parent.mkdir(parents=True, exist_ok=True)  # a dangling link's folder
        # A symlink to another file system cannot be renamed onto: write it through,
        # rather than journal a rename that would fail on every later run too.
        direct = direct or not _same_device(tmp, destination.parent)
        (through if direct else renames).append((tmp, destination))
    parent = target.parent
    entries = []
    for new, final in renames:
        old = Path(tempfile.mkdtemp(prefix=temp_prefix("old-"), dir=parent))
        os.rmdir(old)  # only its unique name is wanted
        # Absolute: the next run that completes the swap may start in another folder.
        entries.append(
            {
                key: os.path.abspath(value)
                for key, value in (("new", new), ("final", final), ("old", old))
            }
        )
    journal = parent / f"{JOURNAL_PREFIX}{target.name}.json"
    atomic_write_bytes(journal, orjson.dumps({"renames": entries}))
    _complete(journal, entries)
    for tmp, destination in through:
        with open(tmp, "rb") as source, open(destination, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        os.unlink(tmp)


def _same_device(a: Path, b: Path) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return True  # a missing folder: let the rename say why


def _complete(journal: Path, entries: list[dict[str, str]]) -> None:
    """Finish the renames a journal lists, from whatever point they reached.

    Each entry is in one of three states, and every step moves it to the next:
    ``new`` present and ``final`` old (move ``final`` to ``old``), ``new`` present and
    ``final`` gone (move ``new`` to ``final``), or done (``new`` gone). Only when every
    entry is done are the old versions deleted, then the journal.
    """
    for entry in entries:
        new, final, old = Path(entry["new"]), Path(entry["final"]), Path(entry["old"])
        if not os.path.lexists(new):
            continue
        if os.path.lexists(final):
            os.replace(final, old)
        os.replace(new, final)
    for entry in entries:
        old = Path(entry["old"])
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
    journal.unlink()


def _journals(folder: Path) -> list[tuple[Path, list[dict[str, str]]]]:
    found = []
    for journal in sorted(folder.glob(JOURNAL_PREFIX + "*.json")):
        try:
            entries: Any = orjson.loads(journal.read_bytes())["renames"]
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
            continue  # not ours, or unreadable: leave it alone
        found.append((journal, entries))
    return found


def _journaled_names(folder: Path) -> set[str]:
    return {
        Path(entry[key]).name
        for _, entries in _journals(folder)
        for entry in entries
        for key in ("new", "old")
    }


def recover_swaps(folder: Path) -> list[str]:
    """Complete every swap that a journal in ``folder`` shows was interrupted.

    The journal is written only once every new item is complete on disk, so the new
    set is always the one to finish. Returns a sentence per completed swap.
    """
    if not folder.is_dir():
        return []
    done = []
    for journal, entries in _journals(folder):
        if any(owner_alive(Path(entry["new"]).name) for entry in entries):
            continue  # a live run is swapping right now
        try:
            _complete(journal, entries)
        except OSError as exc:
            raise DatasetKitError(
                f"{journal}: an interrupted run left this swap unfinished and it cannot be "
                f"completed ({exc.strerror}: {exc.filename}); fix that, or restore by hand "
                "from the `new`/`old` paths the journal lists"
            ) from None
        names = ", ".join(Path(entry["final"]).name for entry in entries)
        done.append(f"completed the replacement of {names} that an interrupted run began")
    return done
