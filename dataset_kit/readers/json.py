"""JSON (``.json``): one object, or each object of a top-level array, read whole by
one worker (an array cannot be cut without scanning it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ..records import ReadNotes, ReadProblem, Record, parse_json_object
from .base import BOM, Reader, Source, open_binary

_JSON_TOKENS = re.compile(rb'["\\\[\]{},\n]')


def read_json(path: Path, display: str, notes: ReadNotes) -> Iterator[Record]:
    """Records of a ``.json`` file: one object, or each object of a top-level array.

    Arrays are split into elements by a small streaming scanner, so a large array is
    never loaded whole; each element keeps the line it starts on.
    """
    with open_binary(path) as stream:
        head = stream.read(1 << 16)
        if head.startswith(BOM):
            head = head[len(BOM) :]
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


def _read(source: Source, notes: ReadNotes, part: None) -> Iterator[Record]:
    return read_json(source.path, source.display, notes)


READER = Reader("json", (".json",), _read)
