"""Offline checks of dataset-card metadata against the Hub's vocabularies.

The Hub accepts only known values for ``license``, ``task_categories``, ``task_ids``,
``size_categories``, ``multilinguality`` and ``language``. A card with an unknown value
is flagged (or its commit refused) only after it has been uploaded, so ``card``,
``export`` and ``publish`` check the values here first, without any network access.

The lists ship as JSON files in ``dataset_kit/vocab/`` (licenses, the task taxonomy,
size bins, multilinguality, ISO 639-1 codes). Three-letter ISO 639-2/3 codes, which the
Hub also accepts, come from the language list that the ``datasets`` library ships for
the same purpose (``datasets/utils/resources/languages.json``; read as a file, without
importing ``datasets``). Where that file is missing, a three-letter code is accepted
when it is three lowercase letters, so a newer ``datasets`` never makes a valid card
fail; two-letter codes are always checked against our own list.
"""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

# Keys whose values must come from a vocabulary, and the ones that must be lists.
_LIST_KEYS = ("language", "task_categories", "task_ids", "size_categories", "tags")
_LIST_KEYS += ("source_datasets", "multilinguality")
_LICENSE_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_THREE_LETTERS = re.compile(r"^[a-z]{3}$")


def _load(name: str) -> dict[str, Any]:
    resource = importlib.resources.files("dataset_kit") / "vocab" / name
    return orjson.loads(resource.read_bytes())


@functools.lru_cache(maxsize=1)
def licenses() -> frozenset[str]:
    """License identifiers the Hub knows."""
    return frozenset(_load("licenses.json")["values"])


@functools.lru_cache(maxsize=1)
def task_taxonomy() -> dict[str, tuple[str, ...]]:
    """Each task category with its task ids, in the Hub's order."""
    data = _load("tasks.json")["task_categories"]
    return {category: tuple(ids) for category, ids in data.items()}


@functools.lru_cache(maxsize=1)
def task_categories() -> frozenset[str]:
    return frozenset(task_taxonomy())


@functools.lru_cache(maxsize=1)
def task_ids() -> frozenset[str]:
    return frozenset(i for ids in task_taxonomy().values() for i in ids)


@functools.lru_cache(maxsize=1)
def size_categories() -> tuple[str, ...]:
    """The Hub's size bins, smallest first, then ``unknown``."""
    return tuple(_load("size_categories.json")["values"])


@functools.lru_cache(maxsize=1)
def multilinguality_values() -> frozenset[str]:
    return frozenset(_load("multilinguality.json")["values"])


@functools.lru_cache(maxsize=1)
def iso639_1_codes() -> frozenset[str]:
    return frozenset(_load("languages_iso639_1.json")["values"])


@functools.lru_cache(maxsize=1)
def _datasets_language_codes() -> frozenset[str] | None:
    spec = importlib.util.find_spec("datasets")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "utils" / "resources" / "languages.json"
        if path.is_file():
            try:
                return frozenset(orjson.loads(path.read_bytes()))
            except (OSError, orjson.JSONDecodeError):
                return None
    return None


def is_language_code(code: str) -> bool:
    """True for an ISO 639-1 code, or an ISO 639-2/3 code the Hub accepts."""
    if code in iso639_1_codes():
        return True
    if len(code) == 2:
        return False
    known = _datasets_language_codes()
    if known is not None:
        return code in known
    return bool(_THREE_LETTERS.match(code))


def size_category(rows: int) -> str:
    """The Hub's size bin for ``rows`` examples: ``n<1K``, ``1K<n<10K``, ... ``n>1T``.

    A count equal to a bound belongs to the bin that starts there (1,000 rows is
    ``1K<n<10K``), as in the ``datasets`` library.
    """
    if rows < 0:
        raise ValueError(f"row count cannot be negative: {rows}")
    bins = [b for b in size_categories() if b != "unknown"]
    bound = 1_000
    for name in bins[:-1]:
        if rows < bound:
            return name
        bound *= 10
    return bins[-1]


def language_subtag(tag: str) -> str:
    """The lowercase primary language subtag of a BCP 47 tag (``pt-BR`` -> ``pt``)."""
    return tag.strip().split("-")[0].split("_")[0].lower()


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return value
    return None


def _unknown(kind: str, values: Iterable[str], known: frozenset[str], hint: str) -> list[str]:
    return [f"{kind}: unknown value {value!r} ({hint})" for value in values if value not in known]


def check_card_metadata(metadata: dict[str, Any], *, require_license: bool = True) -> list[str]:
    """Problems with a card's YAML metadata, one readable sentence each; empty when valid.

    Checks ``license`` (present, unless ``require_license`` is false, and a Hub
    identifier; ``other`` needs ``license_name``), ``task_categories``, ``task_ids``,
    ``size_categories``, ``multilinguality`` and ``language`` against the Hub's
    vocabularies, and that list-valued keys hold strings. Keys it does not know are
    left alone: the Hub accepts many more.
    """
    problems: list[str] = []
    lists: dict[str, list[str]] = {}
    for key in _LIST_KEYS:
        if key not in metadata or metadata[key] is None:
            continue
        values = _as_list(metadata[key])
        if values is None or not all(isinstance(v, str) for v in values):
            problems.append(f"{key}: must be a string or a list of strings, got {metadata[key]!r}")
            continue
        lists[key] = values

    license_id = metadata.get("license")
    if license_id is None or license_id == "" or license_id == []:
        if require_license:
            problems.append(
                "license: missing; set `license` in the [card] table of dataset-kit.toml "
                "to a Hub license id (for example cc-by-4.0)"
            )
    else:
        license_values = _as_list(license_id)
        if license_values is None or not all(isinstance(v, str) for v in license_values):
            problems.append(f"license: must be a license id string, got {license_id!r}")
        else:
            problems += _unknown(
                "license", license_values, licenses(), "see the Hub's list of license ids"
            )
            if "other" in license_values:
                name = metadata.get("license_name")
                if not isinstance(name, str) or not _LICENSE_NAME.match(name):
                    problems.append(
                        "license: `other` needs `license_name` (lowercase letters, digits, "
                        "'-' and '.') and should have `license_link`"
                    )

    if "task_categories" in lists:
        problems += _unknown(
            "task_categories",
            lists["task_categories"],
            task_categories(),
            "not a Hub task category, for example text-generation or summarization",
        )
    if "task_ids" in lists:
        problems += _unknown(
            "task_ids",
            lists["task_ids"],
            task_ids(),
            "not a Hub task id, for example language-modeling or news-articles-summarization",
        )
    if "size_categories" in lists:
        known_sizes = frozenset(size_categories())
        problems += _unknown(
            "size_categories",
            lists["size_categories"],
            known_sizes,
            "one of " + ", ".join(size_categories()),
        )
    if "multilinguality" in lists:
        problems += _unknown(
            "multilinguality",
            lists["multilinguality"],
            multilinguality_values(),
            "one of " + ", ".join(sorted(multilinguality_values())),
        )
    for code in lists.get("language", []):
        if not is_language_code(code):
            problems.append(
                f"language: unknown value {code!r} (use ISO 639-1 codes such as en or pt, "
                "or ISO 639-3 codes; not region tags such as pt-BR)"
            )
    return problems
