"""Reading TOML: the one place that does it.

:func:`read_toml` is the project's only TOML loader (``dataset-kit.toml`` for
``export``, ``init`` and ``card``, the furniture rules files): every caller gets the
same errors, each naming the file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
