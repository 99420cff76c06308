"""One page dump to one article record: :func:`ingest_page`, and
:func:`page_records`, the records the page reader yields (see the package's
docstring for the steps and the record ids)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..errors import DatasetKitError
from .dates import parse_timezone
from .decode import decode_page
from .extract import Article, Rejection, extract
from .language import detect_language

if TYPE_CHECKING:  # pragma: no cover
    from ..records import PageOptions, ReadNotes, Record

ID_HEX_DIGITS = 16

REJECT_REASONS = {
    "empty": "the page holds no text",
    "binary": "the file is not text",
    "html": "HTML markup, not a page's extracted text",
    "link-list": "a bare list of links or headlines",
    "no-title": "no headline before the article text",
    "no-text": "no article text outside page furniture",
    "unreadable": "the file could not be read",
}

__all__ = [
    "REJECT_REASONS",
    "PageResult",
    "ingest_page",
    "page_id",
    "page_records",
]


@dataclass(slots=True)
class PageResult:
    """The outcome of ingesting one page.

    Exactly one of ``record`` (a dict valid against the article schema) and
    ``reject_reason`` (a key of :data:`REJECT_REASONS`, with ``reject_detail``
    saying what was found) is set. ``lines_total`` counts the page's non-blank
    lines and ``lines_removed`` those dropped as furniture (0 for a rejected page).
    """

    id: str
    source_file: str
    record: dict[str, Any] | None
    reject_reason: str | None = None
    reject_detail: str | None = None
    lines_total: int = 0
    lines_removed: int = 0
    encoding: str = "utf-8"
    repaired: bool = False
    removed: list[str] = field(default_factory=list)

    def reject_line(self) -> dict[str, Any]:
        """The rejects-file entry for a rejected page."""
        return {
            "source_file": self.source_file,
            "id": self.id,
            "reason": self.reject_reason,
            "detail": self.reject_detail,
            "lines": self.lines_total,
            "encoding": self.encoding,
        }


def page_id(data: bytes) -> str:
    """The stable id of a page: the start of the SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()[:ID_HEX_DIGITS]


def ingest_page(
    text_or_bytes: str | bytes,
    *,
    source_file: str,
    source: str | None = None,
    timezone: str | ZoneInfo | None = None,
    keep_boilerplate: bool = False,
) -> PageResult:
    """Extract the article of one page dump.

    ``source`` overrides the publisher found on the page; ``timezone`` (an IANA name)
    is the zone of times that the page gives without one, so that such a time becomes
    an RFC 3339 date-time with offset (without it, only the date is kept). With
    ``keep_boilerplate`` the record lists the removed lines in ``removed_lines``.
    """
    zone = _zone(timezone)
    if isinstance(text_or_bytes, bytes):
        data = text_or_bytes
        decoded = decode_page(data)
    else:
        data = text_or_bytes.encode("utf-8", "surrogatepass")
        decoded = decode_page(data)
    result = PageResult(
        id=page_id(data),
        source_file=source_file,
        record=None,
        encoding=decoded.encoding,
        repaired=decoded.repaired,
    )
    if decoded.binary:
        result.reject_reason, result.reject_detail = "binary", decoded.detail
        return result
    if not decoded.text.strip():
        result.reject_reason, result.reject_detail = "empty", "the page holds no text"
        return result
    markup = html_markup(decoded.text)
    if markup:
        result.reject_reason, result.reject_detail = "html", markup
        return result
    found = extract(decoded.text)
    result.lines_total = found.lines_total
    if isinstance(found, Rejection):
        result.reject_reason, result.reject_detail = found.reason, found.detail
        return result
    result.lines_removed = found.lines_removed
    result.removed = found.removed
    result.record = _record(result, found, source, zone, keep_boilerplate)
    return result


# The start of an HTML document, and tags that only markup has in numbers.
_HTML_START = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|a|br|li|ul|script|style|meta|link|head|body|table|td|tr|img)"
    r"(?:\s[^<>]*)?/?>",
    re.I,
)
HTML_TAGS_PER_LINE = 0.5


def html_markup(text: str) -> str | None:
    """Why ``text`` is HTML source rather than the extracted text of a page, or None.

    Page dumps are the text a browser shows; HTML saved as ``.txt`` would otherwise be
    ingested tags and all. A document start (``<!DOCTYPE html>``, ``<html>``) decides
    it, or markup tags on at least every other line.
    """
    if _HTML_START.match(text):
        return (
            "the file is an HTML document (starts with <!DOCTYPE html> or <html>): "
            "extract its text first"
        )
    lines = max(1, text.count("\n") + 1)
    tags = len(_HTML_TAG.findall(text))
    if tags >= 10 and tags >= lines * HTML_TAGS_PER_LINE:
        return f"the file is HTML markup ({tags} tags in {lines} lines): extract its text first"
    return None


def _zone(timezone: str | ZoneInfo | None) -> ZoneInfo | None:
    if timezone is None or isinstance(timezone, ZoneInfo):
        return timezone
    try:
        return parse_timezone(timezone)
    except ValueError as exc:
        raise DatasetKitError(str(exc)) from exc


def _record(
    result: PageResult,
    article: Article,
    source: str | None,
    zone: ZoneInfo | None,
    keep_boilerplate: bool,
) -> dict[str, Any]:
    ratio = article.lines_removed / article.lines_total if article.lines_total else 0.0
    return {
        "id": result.id,
        "title": article.title,
        "text": article.text,
        "url": article.url,
        "source": source or article.source,
        "authors": article.authors,
        "published_at": article.published.format(zone) if article.published else None,
        "modified_at": article.modified.format(zone) if article.modified else None,
        "language": detect_language(article.text),
        "source_file": result.source_file,
        "word_count": article.word_count,
        "furniture_lines": article.lines_removed,
        "furniture_ratio": round(ratio, 4),
        "removed_lines": article.removed if keep_boilerplate else None,
    }


def page_records(
    path: Path,
    display: str,
    notes: ReadNotes,
    options: PageOptions | None = None,
    source_file: str | None = None,
) -> Iterator[Record]:
    """Records of one ``.txt`` page dump, for the page reader (:mod:`dataset_kit.readers.pages`).

    Yields one :class:`~dataset_kit.records.Record` at line 1: the article, or a read
    problem of kind ``"ingest"`` naming why the page was rejected, so that
    ``validate`` and ``export`` count and report it like any other bad input.
    ``source_file`` is the record's ``source_file`` (default: ``display``).
    """
    from ..records import PageOptions, ReadProblem, Record

    data = path.read_bytes()
    options = options or PageOptions()
    result = ingest_page(
        data,
        source_file=source_file or display,
        source=options.source,
        timezone=options.timezone,
    )
    where = f"{display}:1"
    if result.encoding not in ("utf-8", "binary"):
        notes.add(f"page dumps decoded as {result.encoding} (not UTF-8)", where)
    if result.repaired:
        notes.add("page dumps with mojibake repaired", where)
    if result.record is not None:
        yield Record(display, 1, result.record)
    else:
        yield Record(
            display,
            1,
            None,
            None,
            ReadProblem(
                "ingest",
                f"no article in this page ({result.reject_reason}): {result.reject_detail}",
            ),
        )
