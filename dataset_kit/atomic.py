"""Write files and folders so that an interrupted run never leaves half of one.

Everything dataset-kit publishes is first written under a temporary name in the same
folder as its target and then renamed into place, which the operating system does in
one step. A crash or Ctrl-C before the rename leaves the old file or folder untouched
and, at worst, a ``.tmp-*`` leftover that the next run removes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

TMP_PREFIX = ".tmp-dataset-kit-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _ordinary_mode(path: str | os.PathLike[str], base: int) -> None:
    # mkstemp/mkdtemp create private (0600/0700) entries; what we rename into place
    # should have the permissions any other file the user creates would have.
    os.chmod(path, base & ~_umask())


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (write a temp file, fsync, rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=target.parent)
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
    unless the block finishes without an exception.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _ordinary_mode(tmp, 0o666)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary folder next to ``path``; swap it in on success.

    On success an existing ``path`` is moved aside, the new folder renamed into place
    and the old one deleted; on failure the temporary folder is deleted and ``path``
    is exactly as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target.parent)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=target.parent))
    _ordinary_mode(tmp, 0o777)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=TMP_PREFIX + "old-", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temp files and folders left in ``folder`` by an interrupted earlier run."""
    if not folder.is_dir():
        return
    for leftover in folder.glob(TMP_PREFIX + "*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
