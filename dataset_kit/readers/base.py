"""What a reader is, and the pieces every reader shares.

A reader (one module per input format in this package) is a :class:`Reader`: the
suffixes it reads, whether a file can be cut into parts read in parallel, and how to
read a file, or one part of it, into :class:`~dataset_kit.records.Record` s. Readers
get a :class:`Source` (the file and how to name it) and fill a
:class:`~dataset_kit.records.ReadNotes` with the harmless oddities they accept.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..records import PageOptions, ReadNotes, Record
from ..storage import AnyPath, open_input

COMPRESSED_SUFFIXES = (".gz", ".zst")
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Source:
    """One input file as a reader sees it: ``display`` names it in messages and
    provenance; ``name`` (the record's ``source_file``) and ``pages`` are for page
    dumps, which other readers ignore."""

    path: Path
    display: str
    name: str | None = None
    pages: PageOptions | None = None


# read(source, notes, part): the records of the file, or of one of its parts (None:
# the whole file). parts(path, part_bytes): the parts of a file, in order, each about
# part_bytes of input (None: the format cannot be split).
ReadFn = Callable[[Source, ReadNotes, Any], Iterator[Record]]
PartsFn = Callable[[Path, int], Iterator[Any]]


@dataclass(frozen=True)
class Reader:
    """One input format: its name, the suffixes it reads and how to read them.

    ``line_ranges``: its parts are line-aligned byte ranges of JSON Lines, which the
    commands read on their fast path. ``grouped``: small files (page dumps) that are
    sent to workers several at a time.
    """

    name: str
    suffixes: tuple[str, ...]
    read: ReadFn
    parts: PartsFn | None = None
    line_ranges: bool = False
    grouped: bool = False

    def matches(self, path: Path) -> bool:
        return path.name.lower().endswith(self.suffixes)

    def can_split(self, path: Path) -> bool:
        """Whether ``path`` can be cut into parts (never when it is compressed)."""
        return self.parts is not None and not path.name.lower().endswith(COMPRESSED_SUFFIXES)

    def split(self, path: Path, part_bytes: int) -> list[Any]:
        """The parts of ``path``: ``[None]`` (the whole file) when it cannot be split."""
        if self.parts is None or not self.can_split(path):
            return [None]
        return list(self.parts(path, part_bytes))


def with_compressed(*suffixes: str) -> tuple[str, ...]:
    """``suffixes`` and their ``.gz`` and ``.zst`` compressed forms."""
    return tuple(s + c for s in suffixes for c in ("", *COMPRESSED_SUFFIXES))


def open_binary(path: AnyPath) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing ``.gz`` and ``.zst`` on the fly."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return _GzipInput(open_input(path))  # type: ignore[return-value]
    if name.endswith(".zst"):
        return io.BufferedReader(_ZstdReader(path), buffer_size=1 << 20)  # type: ignore[return-value]
    return open_input(path)


class _GzipInput(gzip.GzipFile):
    """A gzip stream that closes the file under it too (``GzipFile`` given a file
    object leaves it open)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


class _ZstdReader(io.RawIOBase):
    """Decompress a (multi-frame) ``.zst`` file, raising ``EOFError`` if it is cut short.

    ``zstandard``'s own stream reader returns end-of-file quietly when the last frame
    is incomplete, which would drop the tail of a truncated file without a word.
    """

    def __init__(self, path: AnyPath) -> None:
        import zstandard

        self._zstd = zstandard
        self._file = open_input(path)
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


class TruncatedInput(Exception):
    """A compressed file ended early, after ``last_line`` lines were read."""

    def __init__(self, last_line: int, detail: str) -> None:
        super().__init__(detail)
        self.last_line = last_line
        self.detail = detail


def zstd_error() -> type[Exception]:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - zstandard is a dependency
        return OSError
    return zstandard.ZstdError
