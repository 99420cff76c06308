"""Reading and writing TOML: the one place that does either.

:func:`read_toml` is the project's only TOML loader (``dataset-kit.toml`` for
``export``, ``init`` and ``card``, the furniture rules files): every caller gets the
same errors, each naming the file. Writing goes through ``tomli-w``, which escapes
every string and key as TOML requires (a hand-made writer once wrote U+007F raw, which
TOML forbids, so ``init`` could write a file ``export`` could not read); this module
only lays out the lines, because ``tomli-w`` writes no comments and puts each array
item on a line of its own, while ``dataset-kit.toml`` keeps ``inputs = ["a.jsonl"]``
on one line under its comment.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import tomli_w

from .errors import DatasetKitError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def read_toml(
    path: str | os.PathLike[str],
    *,
    label: str | None = None,
    error: Callable[[str], Exception] = DatasetKitError,
) -> dict[str, Any]:
    """The parsed document at ``path``; a problem raises ``error("LABEL: what is wrong")``.

    ``label`` is how messages name the file (default: the path as given).
    """
    name = str(path) if label is None else label
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{name}: config file not found") from None
    except OSError as exc:
        raise error(f"{name}: cannot read config: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{name}: not UTF-8 text ({exc.reason})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{name}: not valid TOML: {exc}") from None


def toml_value(value: Any) -> str:
    """``value`` as TOML on one line; arrays and tables inline (``["a", "b"]``).

    Keys and scalars are formatted by ``tomli-w``; anything TOML cannot hold (None, an
    object) raises :class:`DatasetKitError`.
    """
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(toml_assignment(k, v) for k, v in value.items()) + "}"
    try:
        line = tomli_w.dumps({"v": value})
    except TypeError:
        raise DatasetKitError(f"cannot write {value!r} to TOML") from None
    return line.removeprefix("v = ").removesuffix("\n")


def toml_assignment(key: str, value: Any) -> str:
    """The line ``key = value`` (the key quoted by ``tomli-w`` when it must be)."""
    key_text = tomli_w.dumps({str(key): 0}).removesuffix(" = 0\n")
    return f"{key_text} = {toml_value(value)}"
