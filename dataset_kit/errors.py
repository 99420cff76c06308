"""Exceptions that carry a message meant for the user.

The CLI turns a :class:`DatasetKitError` into ``Error: <message>`` on stderr and
its ``exit_code`` (2, or 1 for a :class:`RefusedError`), never a traceback. Code that
finds a problem with the user's input, schema, config or environment raises one of
these with a message that names the file (and line, where there is one) and says
what to do.
"""

from __future__ import annotations

import errno


class DatasetKitError(Exception):
    """A problem the user can fix: bad arguments, unreadable input, bad config."""

    exit_code = 2


class InputError(DatasetKitError):
    """An input path is missing, empty, matches nothing or cannot be read at all."""


class SchemaError(DatasetKitError):
    """The JSON schema itself is not valid against its meta-schema, or cannot be loaded."""


class RefusedError(DatasetKitError):
    """The run worked but would destroy something worth keeping, so it stopped (exit 1):
    e.g. an export with no records over an earlier export that has some."""

    exit_code = 1


class KernelMissingWarning(RuntimeWarning):
    """The compiled MinHash kernel is not installed: near-duplicate detection runs in
    numpy instead (identical results, slower). See :mod:`dataset_kit.sketch_kernel`."""


def printable(path: object) -> str:
    """``path`` as text that can be printed and written to JSON.

    A file name that is not valid UTF-8 reaches Python with its odd bytes as lone
    surrogates, which no terminal, ``orjson`` or UTF-8 file accepts; they are shown as
    ``\\xNN`` escapes instead. Only for showing and recording a name, never for opening
    the file (the escaped name may not exist).
    """
    import os

    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


# What to do about the operating-system errors a user can cause or fix.
_OS_ERROR_ADVICE = {
    errno.ENOENT: "no such file or folder (was it moved or deleted while the command ran?)",
    errno.EACCES: "permission denied: choose another place or fix its permissions",
    errno.EPERM: "operation not permitted: choose another place or fix its permissions",
    errno.EROFS: "the file system is read-only: choose another place",
    errno.ENOSPC: "the disk is full: free some space (or choose another disk) and run again",
    errno.EDQUOT: "the disk quota is exceeded: free some space and run again",
    errno.EBUSY: "the file or folder is busy (the current folder or a mount point?)",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) or use fewer --jobs",
}


def describe_os_error(exc: OSError) -> str:
    """One line for the user about ``exc``: the file it concerns and what to do.

    The reason comes from the error number, not from the exception text, so that the
    message is the same whichever library (Python, Arrow, ...) met the fault.
    """
    where = [printable(name) for name in (exc.filename, exc.filename2) if name is not None]
    advice = _OS_ERROR_ADVICE.get(exc.errno) if exc.errno is not None else None
    reason = advice or exc.strerror or str(exc) or type(exc).__name__
    return f"{' -> '.join(where)}: {reason}" if where else reason
