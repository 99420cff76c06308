"""JSON Lines (``.jsonl``, ``.ndjson``, also ``.gz``/``.zst`` compressed): one record
per non-blank line. An uncompressed file is cut into line-aligned byte ranges that
workers read from disk themselves; a compressed one is read whole by one worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..records import ReadNotes, ReadProblem, Record, parse_json_object
from .base import (
    BOM,
    Reader,
    Source,
    TruncatedInput,
    open_binary,
    open_input,
    with_compressed,
    zstd_error,
)

JSONL_SUFFIXES = (".jsonl", ".ndjson")
SUFFIXES = with_compressed(*JSONL_SUFFIXES)


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
            if at_file_start and number == first_line and line.startswith(BOM):
                line = line[len(BOM) :]
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
    except zstd_error() as exc:
        raise TruncatedInput(number, str(exc)) from exc


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


def _read(source: Source, notes: ReadNotes, part: tuple[int, int] | None) -> Iterator[Record]:
    # A range of a file is read by the commands' fast path (see LineRange); here only
    # whole files are read.
    assert part is None
    return read_jsonl(source.path, source.display, notes)


def line_aligned_ranges(path: Path, size: int, range_bytes: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` offsets of about ``range_bytes`` each, every one ending a line.

    Only a line is read at each cut, so a file in a store is fetched in small blocks:
    the client reads a few kilobytes per range, never the file."""
    start = 0
    with open_input(path, block_size=1 << 16) as handle:
        while start < size:
            end = start + range_bytes
            if end >= size:
                yield start, size
                return
            handle.seek(end)
            handle.readline()
            end = handle.tell()
            yield start, end
            start = end


def _parts(path: Path, part_bytes: int) -> Iterator[tuple[int, int]]:
    return line_aligned_ranges(path, path.stat().st_size, part_bytes)


READER = Reader("jsonl", SUFFIXES, _read, _parts, line_ranges=True)
