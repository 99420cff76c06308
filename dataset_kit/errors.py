"""Exceptions that carry a message meant for the user.

The CLI turns a :class:`DatasetKitError` into ``Error: <message>`` on stderr and
its ``exit_code`` (2, or 1 for a :class:`RefusedError`), never a traceback. Code that
finds a problem with the user's input, schema, config or environment raises one of
these with a message that names the file (and line, where there is one) and says
what to do.
"""

from __future__ import annotations


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
