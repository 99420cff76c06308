"""Stream records, with provenance, out of files, folders and globs.

Every reader is a generator: a corpus is never held in memory, only the line (or
JSON array element, or Parquet batch) being read. Each :class:`Record` says where it
came from (``file`` and 1-based ``line``; for Parquet the 1-based row) so that any
error can be reported as ``file:line``.

Input that cannot be parsed does not stop reading. It becomes a record with
``problem`` set (malformed JSON, invalid UTF-8, a value that is not an object, a
truncated archive, ...), which the validator counts as invalid and the rejects file
keeps. Harmless oddities (a UTF-8 byte-order mark, CRLF line ends, blank lines) are
accepted and counted in :class:`ReadNotes` so the summary can mention them.

Supported inputs: ``.jsonl``/``.ndjson`` (optionally ``.gz`` or ``.zst``), ``.json``
(one object or an array of objects), ``.parquet``, and ``.txt`` page dumps, which are
turned into article records on the fly by :mod:`dataset_kit.ingesting`.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import glob
import gzip
import io
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .errors import InputError, printable

JSONL_SUFFIXES = (".jsonl", ".ndjson")
COMPRESSED_SUFFIXES = (".gz", ".zst")
SUPPORTED_DESCRIPTION = (
    ".jsonl, .ndjson (also .gz or .zst compressed), .json, .parquet, .txt page dumps"
)
_BOM = b"\xef\xbb\xbf"
_GLOB_CHARS = re.compile(r"[*?\[]")


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


def input_kind(path: Path) -> str | None:
    """Name the reader for ``path`` from its suffixes, or None when unsupported."""
    name = path.name.lower()
    for compressed in ("", *COMPRESSED_SUFFIXES):
        for suffix in JSONL_SUFFIXES:
            if name.endswith(suffix + compressed):
                return "jsonl"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".txt"):
        return "txt"
    return None


def expand_inputs(inputs: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Resolve files, folders (searched recursively) and globs into a sorted file list.

    Raises :class:`InputError` for a path that does not exist, a glob that matches
    nothing, a folder without supported files, or a file of an unsupported type.
    A file named twice is read once.
    """
    return [path for path, _ in expand_inputs_named(inputs)]


def source_name(path: Path, folder: Path | None = None) -> str:
    """The name a page dump's record gives as ``source_file``.

    The path inside ``folder`` when the page was found in a folder that was named
    (``2023/a.txt`` for ``pages/2023/a.txt`` when ``pages`` was given), else the
    path as given, or only the file name for an absolute path: a record must not tie
    a published dataset to the folders of the machine that made it.
    """
    if folder is not None:
        return printable(path.relative_to(folder).as_posix())
    return printable(path.name if path.is_absolute() else path.as_posix())


def expand_inputs_named(
    inputs: Sequence[str | os.PathLike[str]], notes: ReadNotes | None = None
) -> list[tuple[Path, str]]:
    """:func:`expand_inputs`, with each file's :func:`source_name`.

    Files that a named folder holds but that are not read are counted in ``notes``
    (see :func:`folder_inputs`)."""
    if not inputs:
        raise InputError("no input given: name at least one file, folder or glob")
    files: list[tuple[Path, str]] = []
    for item in inputs:
        text = os.fspath(item)
        path = Path(text)
        if path.is_file():
            if input_kind(path) is None:
                raise InputError(
                    f"{text}: unsupported file type; supported: {SUPPORTED_DESCRIPTION}"
                )
            files.append((path, source_name(path)))
        elif path.is_dir():
            found = folder_inputs(path, notes if notes is not None else ReadNotes())
            if not found:
                raise InputError(f"{text}: folder holds no {SUPPORTED_DESCRIPTION} files")
            files.extend((p, source_name(p, path)) for p in found)
        elif _GLOB_CHARS.search(text):
            matched = sorted(
                Path(p)
                for p in glob.glob(text, recursive=True)
                if Path(p).is_file() and input_kind(Path(p)) is not None
            )
            if not matched:
                raise InputError(f"{text}: glob matched no {SUPPORTED_DESCRIPTION} files")
            files.extend((p, source_name(p)) for p in matched)
        elif text == "-" or os.path.exists(text):
            raise InputError(f"{printable(text)}: {NOT_A_FILE}")
        else:
            raise InputError(f"{printable(text)}: no such file or folder")
    return first_of_each_file(files)


# Why standard input, a pipe (FIFO) or a device cannot be an input.
NOT_A_FILE = (
    "standard input, pipes (FIFOs) and devices are not supported as inputs: the format "
    "comes from the file name, and large files are read in parallel byte ranges, which "
    "needs a regular file; save the stream to a file first (e.g. `... > articles.jsonl`)"
)


# Notes about the files a named folder holds but that are not read.
SKIPPED_UNSUPPORTED = "files in folders skipped: not a supported type"
SKIPPED_README = "README/LICENSE-like .txt files skipped in a folder of records"
SKIPPED_LINK_LOOP = "linked folders skipped: already read (a link loop or a second link)"
# .txt files by these names beside record files document the data; they are not pages.
_DOCUMENT_STEMS = frozenset(
    {"readme", "license", "licence", "copying", "notice", "changelog", "authors", "contributing"}
)


def folder_inputs(folder: Path, notes: ReadNotes) -> list[Path]:
    """The input files under ``folder``, sorted; what is left out is counted in ``notes``.

    Linked sub-folders are followed, each real folder read once (a link loop, or two
    links to one folder, is skipped and noted). Files of other types (``.bz2``,
    ``.xz``, ``.csv``, ...) are skipped and counted. A ``README.txt``, ``LICENSE.txt``
    and the like among record files (``.jsonl``, ``.json``, ``.parquet``) documents
    them and is skipped too; in a folder of page dumps every ``.txt`` is a page.
    """
    seen: set[tuple[int, int]] = set()
    found: list[Path] = []
    documents: list[Path] = []
    for root, dirs, names in os.walk(folder, followlinks=True):
        info = os.stat(root)
        if (info.st_dev, info.st_ino) in seen:
            notes.add(SKIPPED_LINK_LOOP, printable(root))
            dirs.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs.sort()
        for name in names:
            path = Path(root, name)
            if not path.is_file():
                continue
            kind = input_kind(path)
            if kind is None:
                notes.add(SKIPPED_UNSUPPORTED, printable(path))
            elif kind == "txt" and path.stem.lower() in _DOCUMENT_STEMS:
                documents.append(path)
            else:
                found.append(path)
    if documents and any(input_kind(p) != "txt" for p in found):
        for path in sorted(documents):
            notes.add(SKIPPED_README, printable(path))
    else:
        found += documents
    return sorted(found)


def first_of_each_file(named: Iterable[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """``(path, name)`` pairs without a file named twice (compared after resolving
    links and ``..``), in order, the first naming kept."""
    unique: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path, name in named:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((path, name))
    return unique


def open_binary(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing ``.gz`` and ``.zst`` on the fly."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith(".zst"):
        return io.BufferedReader(_ZstdReader(path), buffer_size=1 << 20)  # type: ignore[return-value]
    return open(path, "rb", buffering=1 << 20)


class _ZstdReader(io.RawIOBase):
    """Decompress a (multi-frame) ``.zst`` file, raising ``EOFError`` if it is cut short.

    ``zstandard``'s own stream reader returns end-of-file quietly when the last frame
    is incomplete, which would drop the tail of a truncated file without a word.
    """

    def __init__(self, path: Path) -> None:
        import zstandard

        self._zstd = zstandard
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._decompressor = zstandard.ZstdDecompressor().decompressobj()
        self._in_frame = False
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = self._file.read(1 << 20)
            if not chunk:
                if self._in_frame:
                    raise EOFError("zstd stream ended in the middle of a frame")
                return 0
            self._pending = self._feed(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _feed(self, chunk: bytes) -> bytes:
        out = []
        while chunk:
            self._in_frame = True
            out.append(self._decompressor.decompress(chunk))
            if not self._decompressor.eof:
                break
            chunk = self._decompressor.unused_data
            self._decompressor = self._zstd.ZstdDecompressor().decompressobj()
            self._in_frame = False
        return b"".join(out)

    def close(self) -> None:
        self._file.close()
        super().close()


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


def iter_jsonl_lines(
    stream: BinaryIO,
    display: str,
    notes: ReadNotes,
    *,
    first_line: int = 1,
    at_file_start: bool = True,
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, line)`` for each non-blank line, terminators stripped.

    A truncated compressed stream raises ``EOFError`` from the decompressor; it is
    turned into :class:`TruncatedInput` carrying the last good line number.
    """
    number = first_line - 1
    try:
        for line in stream:
            number += 1
            if at_file_start and number == first_line and line.startswith(_BOM):
                line = line[len(_BOM) :]
                notes.add("UTF-8 byte-order mark removed", f"{display}:{number}")
            if line.endswith(b"\n"):
                line = line[:-1]
                if line.endswith(b"\r"):
                    line = line[:-1]
                    notes.add("CRLF line ends", f"{display}:{number}")
            if not line.strip():
                notes.add("blank lines skipped", f"{display}:{number}")
                continue
            yield number, line
    except (EOFError, OSError) as exc:
        raise TruncatedInput(number, str(exc)) from exc
    except _zstd_error() as exc:
        raise TruncatedInput(number, str(exc)) from exc


class TruncatedInput(Exception):
    """A compressed file ended early, after ``last_line`` lines were read."""

    def __init__(self, last_line: int, detail: str) -> None:
        super().__init__(detail)
        self.last_line = last_line
        self.detail = detail


def _zstd_error() -> type[Exception]:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - zstandard is a dependency
        return OSError
    return zstandard.ZstdError


def read_jsonl(path: Path, display: str, notes: ReadNotes) -> Iterator[Record]:
    """Records of a JSON Lines file, compressed or not, one per non-blank line."""
    with open_binary(path) as stream:
        lines = iter_jsonl_lines(stream, display, notes)
        pending: tuple[int, bytes] | None = None
        try:
            for number, line in lines:
                if pending is not None:
                    yield _jsonl_record(display, *pending)
                pending = (number, line)
        except TruncatedInput as cut:
            # The line read just before the decompressor failed may itself be cut off.
            where = pending[0] if pending else cut.last_line + 1
            yield Record(
                display,
                where,
                None,
                pending[1] if pending else None,
                ReadProblem(
                    "truncated",
                    f"compressed file is truncated or corrupt ({cut.detail}): this line may be "
                    "incomplete and nothing after it could be read",
                ),
            )
            return
        if pending is not None:
            yield _jsonl_record(display, *pending)


def _jsonl_record(display: str, number: int, line: bytes) -> Record:
    data, problem = parse_json_object(line)
    return Record(display, number, data, line, problem)


_JSON_TOKENS = re.compile(rb'["\\\[\]{},\n]')


def read_json(path: Path, display: str, notes: ReadNotes) -> Iterator[Record]:
    """Records of a ``.json`` file: one object, or each object of a top-level array.

    Arrays are split into elements by a small streaming scanner, so a large array is
    never loaded whole; each element keeps the line it starts on.
    """
    with open_binary(path) as stream:
        head = stream.read(1 << 16)
        if head.startswith(_BOM):
            head = head[len(_BOM) :]
            notes.add("UTF-8 byte-order mark removed", f"{display}:1")
        stripped = head.lstrip()
        if not stripped:
            return
        if stripped[:1] != b"[":
            rest = stream.read()
            raw = (head + rest).strip()
            line = 1 + head[: len(head) - len(stripped)].count(b"\n")
            data, problem = parse_json_object(raw)
            if problem is not None and problem.keyword == "json" and _holds_more(raw):
                # Several objects one after the other: JSON Lines under a .json name.
                problem = ReadProblem(
                    "json",
                    "more than one JSON value: a .json file holds one object or one array "
                    "of records; one record per line is JSON Lines: name it .jsonl",
                )
            yield Record(display, line, data, raw, problem)
            return
        yield from _scan_json_array(stream, head, display)


def _holds_more(raw: bytes) -> bool:
    """Whether ``raw`` starts with one whole JSON value followed by more content."""
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        at = getattr(exc, "pos", None)
        if not at:
            return False
        try:
            orjson.loads(raw[:at])
        except orjson.JSONDecodeError:
            return False
        return bool(raw[at:].strip())
    return False


def _scan_json_array(stream: BinaryIO, head: bytes, display: str) -> Iterator[Record]:
    buf = bytearray(head)
    depth = 0
    in_string = False
    skip_to = -1
    line = 1
    # Start of the current top-level element: just after the "[" or "," before it.
    element_from = -1
    element_from_line = 0
    after_comma = False
    pos = 0
    while True:
        for match in _JSON_TOKENS.finditer(buf, pos):
            i = match.start()
            if i < skip_to:
                continue
            ch = buf[i]
            if ch == 0x0A:
                line += 1
                continue
            if in_string:
                if ch == 0x5C:  # a backslash escapes the next byte
                    skip_to = i + 2
                elif ch == 0x22:
                    in_string = False
                continue
            if ch == 0x22:
                in_string = True
            elif ch in (0x5B, 0x7B):
                depth += 1
                if depth == 1:
                    element_from, element_from_line = i + 1, line
            elif depth == 1 and ch in (0x2C, 0x5D):
                raw = bytes(buf[element_from:i])
                if raw.strip():
                    yield _element(display, element_from_line, raw)
                elif ch == 0x2C or after_comma:
                    yield Record(
                        display,
                        element_from_line,
                        None,
                        raw,
                        ReadProblem("json", "malformed JSON: empty element in the array"),
                    )
                if ch == 0x5D:
                    yield from _after_array(display, line, bytes(buf[i + 1 :]), stream)
                    return
                after_comma = True
                element_from, element_from_line = i + 1, line
            elif ch in (0x5D, 0x7D):
                depth -= 1
        # Bytes before the open element are done with; keep the rest for the next chunk.
        keep_from = max(element_from, 0) if depth >= 1 else len(buf)
        del buf[:keep_from]
        skip_to -= keep_from
        element_from -= keep_from
        pos = len(buf)
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        buf.extend(chunk)
    # The array was cut off: the element in progress may still be whole, so try it. An
    # element cut in the middle is one record, reported as the truncation itself (not
    # as malformed JSON and a truncation besides, which would count it twice).
    truncated = ReadProblem("truncated", "file ends before the top-level JSON array is closed")
    raw = bytes(buf[element_from:]) if depth >= 1 and element_from >= 0 else b""
    if raw.strip():
        element = _element(display, element_from_line, raw)
        if element.problem is None:
            yield element
        else:
            yield Record(display, element.line, None, element.raw, truncated)
            return
    yield Record(display, line, None, None, truncated)


def _after_array(display: str, line: int, rest: bytes, stream: Any) -> Iterator[Record]:
    """Whatever follows the closing ``]`` must be white space. Anything else (a second
    array, an object, garbage) is one rejected record holding all of it, so that no
    input is dropped without a word."""
    tail = bytearray(rest)
    while chunk := stream.read(1 << 20):
        tail.extend(chunk)
    content = bytes(tail).strip()
    if not content:
        return
    at = line + bytes(tail[: len(tail) - len(bytes(tail).lstrip())]).count(b"\n")
    yield Record(
        display,
        at,
        None,
        content,
        ReadProblem(
            "json",
            "unexpected content after the top-level JSON array (a .json file holds one "
            "array of records; one record per line is JSON Lines: name it .jsonl)",
        ),
    )


def _element(display: str, line: int, raw: bytes) -> Record:
    leading = raw[: len(raw) - len(raw.lstrip())]
    line += leading.count(b"\n")
    raw = raw.strip()
    data, problem = parse_json_object(raw)
    return Record(display, line, data, raw, problem)


def read_parquet(path: Path, display: str, notes: ReadNotes) -> Iterator[Record]:
    """Records of a Parquet file, one per row, numbered from 1; read batch by batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        yield Record(display, 1, None, None, ReadProblem("parquet", f"unreadable Parquet: {exc}"))
        return
    row = 0
    try:
        for batch in parquet.iter_batches(batch_size=4096):
            for item in batch.to_pylist():
                row += 1
                try:
                    yield Record(display, row, _jsonable(item))
                except _NotJson as exc:
                    yield Record(display, row, None, None, ReadProblem("not-json", str(exc)))
    except (pa.ArrowException, OSError) as exc:
        yield Record(
            display,
            row + 1,
            None,
            None,
            ReadProblem("truncated", f"Parquet file is corrupt after row {row}: {exc}"),
        )


class _NotJson(ValueError):
    """A Parquet value that no JSON record can hold (binary data, NaN, infinity)."""


def _jsonable(value: Any, where: str = "") -> Any:
    # Parquet columns may hold timestamps and decimals; validate them as the JSON text
    # a user would have written for the same value. Values JSON has no text for are
    # refused here, naming them, rather than turned into something else: a NaN would
    # otherwise reach the validator as null and be reported as "null".
    if isinstance(value, dict):
        return {key: _jsonable(item, f"{where}/{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item, f"{where}/{i}") for i, item in enumerate(value)]
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _NotJson(f"{where or 'the value'}: {value} is not a JSON number")
    if isinstance(value, (bytes, bytearray)):
        try:
            # Some writers store text as binary without marking it as UTF-8.
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            shown = bytes(value[:16]).hex(" ") + (" ..." if len(value) > 16 else "")
            raise _NotJson(
                f"{where or 'the value'}: binary data ({len(value)} bytes: {shown}) that is "
                "not UTF-8 text; JSON records cannot hold it: drop or encode the column"
            ) from None
    return value


PageReader = Callable[[Path, str, ReadNotes], Iterable[Record]]


def _read_txt(
    path: Path,
    display: str,
    notes: ReadNotes,
    pages: PageOptions | None = None,
    name: str | None = None,
) -> Iterator[Record]:
    from .ingesting import page_records

    yield from page_records(path, display, notes, pages, name or source_name(path))


READERS: dict[str, PageReader] = {
    "jsonl": read_jsonl,
    "json": read_json,
    "parquet": read_parquet,
    "txt": _read_txt,
}


def read_file(
    path: Path,
    notes: ReadNotes | None = None,
    display: str | None = None,
    pages: PageOptions | None = None,
    name: str | None = None,
) -> Iterator[Record]:
    """Stream the records of one file, choosing the reader from its suffix.

    ``pages`` says how a ``.txt`` page dump is ingested (default: no timezone, the
    publisher found on the page); ``name`` is its record's ``source_file`` (default:
    :func:`source_name` of ``path``).
    """
    kind = input_kind(path)
    if kind is None:
        raise InputError(f"{path}: unsupported file type; supported: {SUPPORTED_DESCRIPTION}")
    try:
        if kind == "txt":
            yield from _read_txt(
                path, display or printable(path), notes or ReadNotes(), pages, name
            )
        else:
            yield from READERS[kind](path, display or printable(path), notes or ReadNotes())
    except PermissionError as exc:
        raise InputError(f"{display or path}: cannot be read: {exc.strerror}") from exc


def read_records(
    inputs: Sequence[str | os.PathLike[str]],
    notes: ReadNotes | None = None,
    pages: PageOptions | None = None,
) -> Iterator[Record]:
    """Stream every record of every input, in order, with provenance.

    This is the entry point of every pipeline: ``inputs`` are files, folders or globs
    (see :func:`expand_inputs`). Pass a :class:`ReadNotes` to learn about BOMs, CRLF
    line ends and blank lines that were accepted on the way. Raises
    :class:`InputError` when the inputs hold no record at all. ``pages`` says how
    ``.txt`` page dumps are ingested (see :class:`PageOptions`).
    """
    notes = notes if notes is not None else ReadNotes()
    produced = 0
    for path, name in expand_inputs_named(inputs):
        for record in read_file(path, notes, pages=pages, name=name):
            produced += 1
            yield record
    if produced == 0:
        raise InputError("the input is empty: no records found in " + ", ".join(map(str, inputs)))
