"""Page dumps (``.txt``, one web page per file): each is turned into one article
record on the fly by :mod:`dataset_kit.ingesting.page`. Small files, sent to workers
several at a time."""

from __future__ import annotations

from collections.abc import Iterator

from ..ingesting.page import page_records
from ..records import ReadNotes, Record
from .base import Reader, Source


def _read(source: Source, notes: ReadNotes, part: None) -> Iterator[Record]:
    return page_records(source.path, source.display, notes, source.pages, source.name)


READER = Reader("txt", (".txt",), _read, grouped=True)
