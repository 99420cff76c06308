"""What every reader produces: :class:`Record` (one input record with where it came
from), :class:`ReadProblem` (why input could not become a record) and
:class:`ReadNotes` (harmless oddities counted on the way), and :class:`PageOptions`
(how ``.txt`` page dumps become records).

These are shared by the readers (:mod:`dataset_kit.readers`), the page ingester
(:mod:`dataset_kit.ingesting`) and every command, and import none of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from .errors import InputError


@dataclass(frozen=True, slots=True)
class PageOptions:
    """How ``.txt`` page dumps become records (see :func:`dataset_kit.ingesting.ingest_page`).

    ``timezone`` (an IANA name) is the zone of times a page gives without one;
    ``source`` overrides the publisher found on the page. Other inputs ignore them.
    """

    timezone: str | None = None
    source: str | None = None

    def check(self) -> PageOptions:
        """Raise :class:`InputError` naming a timezone that does not exist; return self."""
        if self.timezone is not None:
            # Imported only when needed: the ingest package is big, and a run on JSON
            # Lines should not pay for loading it.
            from .ingesting.dates import parse_timezone

            try:
                parse_timezone(self.timezone)
            except ValueError as exc:
                raise InputError(str(exc)) from None
        if self.source is not None and not self.source.strip():
            raise InputError("--source must not be empty")
        return self


@dataclass(slots=True)
class ReadProblem:
    """Why a line could not become a record: ``keyword`` names the kind of problem."""

    keyword: str
    message: str


@dataclass(slots=True)
class Record:
    """One input record and where it came from.

    ``data`` is the parsed JSON object, or None when ``problem`` says why it could not
    be read. ``raw`` holds the original bytes of the line (JSONL) or array element
    (JSON) without the line terminator, so a rejects file can keep it unchanged; it is
    None for Parquet rows and ingested page dumps, whose ``data`` is the original.
    """

    file: str
    line: int
    data: dict[str, Any] | None
    raw: bytes | None = None
    problem: ReadProblem | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class ReadNotes:
    """Harmless input oddities, counted per kind with the first place each was seen."""

    counts: Counter = field(default_factory=Counter)
    first_seen: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, where: str, n: int = 1) -> None:
        self.counts[kind] += n
        self.first_seen.setdefault(kind, where)

    def merge(self, other: ReadNotes) -> None:
        for kind, n in other.counts.items():
            self.add(kind, other.first_seen[kind], n)

    def shift_lines(self, offset: int) -> None:
        """Add ``offset`` to the line numbers of ``first_seen`` (for ranges of a file)."""
        for kind, where in self.first_seen.items():
            file, _, line = where.rpartition(":")
            if file and line.isdigit():
                self.first_seen[kind] = f"{file}:{int(line) + offset}"

    def lines(self) -> list[str]:
        return [
            f"{kind}: {n:,} (first at {self.first_seen[kind]})"
            for kind, n in sorted(self.counts.items())
        ]


def parse_json_object(raw: bytes) -> tuple[dict[str, Any] | None, ReadProblem | None]:
    """Parse one JSON text that must be an object; explain precisely when it is not."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            return None, ReadProblem(
                "encoding",
                f"invalid UTF-8 at byte {bad.start + 1} of the line "
                f"(byte 0x{raw[bad.start]:02x}); re-encode the file as UTF-8",
            )
        return None, ReadProblem("json", f"malformed JSON: {_describe_json_error(exc)}")
    if not isinstance(value, dict):
        return None, ReadProblem(
            "not-an-object", f"expected a JSON object, got {_json_type_name(value)}"
        )
    return value, None


def _describe_json_error(exc: orjson.JSONDecodeError) -> str:
    # orjson reports "line 1 column N (char M)" for a single line; the column is what a
    # person needs, since the file line is already in the provenance.
    message = exc.msg if hasattr(exc, "msg") else str(exc)
    column = getattr(exc, "colno", None)
    return f"{message} at column {column}" if column else message


def _json_type_name(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return type(value).__name__
