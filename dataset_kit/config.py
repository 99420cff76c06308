"""Export settings, and the ``dataset-kit.toml`` file that records them.

``dataset-kit init`` writes ``dataset-kit.toml`` with every export setting spelled
out, so that ``dataset-kit export`` (which reads ``./dataset-kit.toml`` by itself, or
the file named with ``--config``) reruns the same export exactly. Settings come
from three layers, later ones winning: the defaults, the config file, the flags.

The file has an ``[export]`` table with one key per setting (the names of
:data:`dataset_kit.settings.SETTINGS`, which declares each once; relative paths are
relative to the file's folder) and a ``[card]`` table that is handed unchanged to
the dataset card writer. Other tables belong to other commands and are ignored here;
an unknown key in ``[export]`` is an error, so a misspelt setting is never silently
dropped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import DatasetKitError
from .settings import BY_NAME, SETTINGS, ExportSettings, Setting
from .storage import is_url
from .tomlfile import read_toml, toml_assignment

__all__ = ["CONFIG_NAME", "ExportSettings", "find_config", "load_config", "render_config"]

CONFIG_NAME = "dataset-kit.toml"


def load_config(path: str | os.PathLike[str]) -> ExportSettings:
    """Read a ``dataset-kit.toml``; clear errors name the file and the key.

    Every key of ``[export]`` must be a declared setting (dashes or underscores) of an
    accepted type and value, so a misspelt or malformed setting is never dropped or
    left to fail later without the file's name.
    """
    config_path = Path(path)
    document = read_toml(config_path)
    export = document.get("export", {})
    card = document.get("card", {})
    if not isinstance(export, dict):
        raise DatasetKitError(f"{config_path}: [export] must be a table")
    if not isinstance(card, dict):
        raise DatasetKitError(f"{config_path}: [card] must be a table")
    base = config_path.resolve().parent
    values: dict[str, Any] = {}
    for key, value in export.items():
        declared = BY_NAME.get(key.replace("-", "_"))
        if declared is None:
            known = ", ".join(sorted(BY_NAME))
            raise DatasetKitError(f"{config_path}: unknown setting [export].{key} (known: {known})")
        values[declared.name] = _from_toml(declared, value, base, f"{config_path}: [export].{key}")
    return ExportSettings(**values, card=card)


def _from_toml(declared: Setting, value: Any, base: Path, where: str) -> Any:
    """The setting's value from its TOML value; ``where`` opens every error message."""
    # bool is an int in Python: refuse `jobs = true`, accept `allow_empty = true`.
    wrong_bool = isinstance(value, bool) and bool not in declared.toml_types
    if wrong_bool or not isinstance(value, declared.toml_types):
        raise DatasetKitError(
            f"{where} has the wrong type ({type(value).__name__}; expected {_expected(declared)})"
        )
    if declared.type is tuple:
        items = [value] if isinstance(value, str) else value
        if not all(isinstance(item, str) for item in items):
            raise DatasetKitError(f"{where} must be a list of paths")
        return tuple(_relative_to(base, item) for item in items)
    if isinstance(value, dict):  # split = {train = 0.8, test = 0.2}
        value = ",".join(f"{name}={ratio}" for name, ratio in value.items())
    value = declared.type(value)  # max_shard_size = 500000000, near_threshold = 1
    problem = declared.problem(value)
    if problem is not None:
        raise DatasetKitError(f"{where} {problem}")
    return _relative_to(base, value) if declared.path else value


_EXPECTED = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _expected(declared: Setting) -> str:
    if declared.type is tuple:
        return "a list of paths or one path"
    forms = {**_EXPECTED, dict: "a table"}
    return " or ".join(forms[t] for t in (declared.type, *declared.also))


def _relative_to(base: Path, value: str) -> str:
    if is_url(value):  # s3://b/k: Path would fold it into "s3:/b/k", a local path
        return value
    path = Path(value).expanduser()
    if path.is_absolute():
        return str(path)
    # Keep globs as text: joining is enough, and Path.resolve would not expand them.
    return os.path.relpath(base / path) if _is_inside_cwd(base / path) else str(base / path)


def absolute_path(value: str) -> str:
    """``value`` made absolute, a URL of a store left as it is (``Path`` would fold
    ``s3://b/k`` into the local path ``s3:/b/k``)."""
    return value if is_url(value) else str(Path(value).resolve())


def _is_inside_cwd(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return False
    return True


def find_config(explicit: str | os.PathLike[str] | None) -> Path | None:
    """The config file to use: the one given, else ``./dataset-kit.toml`` if present."""
    if explicit is not None:
        return Path(explicit)
    default = Path(CONFIG_NAME)
    return default if default.is_file() else None


_HEADER = """\
# dataset-kit settings: `dataset-kit export` reads this file from the current folder
# (or the one named with --config); flags given on the command line win over it.
# Paths are relative to this file's folder.

[export]
"""
_CARD_HEADER = """
[card]
# Settings for the dataset card (README.md) written into the export folder; this
# table is passed unchanged to the card writer.
"""


def render_config(settings: ExportSettings, base: Path | None = None) -> str:
    """The text of a ``dataset-kit.toml`` holding ``settings`` (paths relative to ``base``).

    Each setting gets its declared comment and its value; the inputs and the settings
    that may be left unset come first, an unset one written commented out with its
    declared example. The
    text reads back (:func:`load_config`) to the same settings, whatever the strings
    hold: every key and value is escaped by ``tomli-w``.
    """
    unset_first = sorted(SETTINGS, key=lambda s: not (s.argument or s.example is not None))
    lines = []
    for declared in unset_first:
        lines += ["# " + line for line in declared.comment.split("\n")]
        value = getattr(settings, declared.name)
        if value is None or (declared.path and not declared.argument and not value):
            lines.append("# " + toml_assignment(declared.name, declared.example))
            continue
        if declared.path:
            value = _path_text(value, base)
        lines.append(toml_assignment(declared.name, declared.type(value)))
    card = [toml_assignment(key, value) for key, value in settings.card.items()]
    return _HEADER + "\n".join(lines) + "\n" + _CARD_HEADER + "".join(c + "\n" for c in card)


def _path_text(value: str | tuple[str, ...], base: Path | None) -> Any:
    """A path (or paths) as written to the file: relative to ``base``, its folder.

    Relative even outside the folder ("../data/*.jsonl"): the folder with its settings
    can then be moved or shared as a whole, and no path of the machine that wrote it
    ends up in a file that may be published.
    """
    if isinstance(value, tuple):
        return [_path_text(item, base) for item in value]
    if base is None or is_url(value):
        return value
    try:
        return os.path.relpath(value, base)
    except ValueError:  # pragma: no cover - other drive on Windows
        return value
