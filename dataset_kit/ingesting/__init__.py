"""Turn raw page dumps (one web page per ``.txt`` file) into clean article records.

A page dump holds the article and everything around it: navigation, bylines, feeds
of other stories, newsletter forms, cookie banners, footers. :func:`ingest_page`
keeps the article and nothing else, as one record valid against
``schema/article.schema.json``, or says why the page holds no article (empty,
binary, a bare list of links, no headline, no article text).

The modules, in the order a page goes through them:

* :mod:`.page`: :func:`ingest_page`, one page in, one record or a rejection out;
* :mod:`.decode`: bytes to text (UTF-8, else detection; mojibake repaired);
* :mod:`.furniture`: which lines are page furniture, and which of those end the body
  (the phrases: ``furniture_rules/``, one file per language, read by
  :mod:`.furniture_loader`);
* :mod:`.bylines` and :mod:`.dates`: authors and dates from the metadata lines;
* :mod:`.extract`: headline, body, metadata and the evidence of what was removed;
* :mod:`.language`: the language of the body;
* :mod:`.run`: :func:`ingest`, the ``dataset-kit ingest`` command over many files.

Record ids: ``id`` is the first 16 hex digits of the SHA-256 of the page's bytes
(of its UTF-8 encoding when text is passed in). The same file always gets the same
id, whatever its name or where it is ingested, and two byte-identical dumps of a
page get the same id, which is what lets ``export`` drop the copy. An article
re-published with edits gets a different id (near-duplicates are export's job).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .page import REJECT_REASONS, PageResult, ingest_page, page_id, page_records

if TYPE_CHECKING:  # pragma: no cover
    from .run import IngestSummary as IngestSummary
    from .run import ingest as ingest

__all__ = [
    "REJECT_REASONS",
    "IngestSummary",
    "PageResult",
    "ingest",
    "ingest_page",
    "page_id",
    "page_records",
]


def __getattr__(name: str) -> Any:
    # ingest() pulls in the process pool and file writing; load it only when asked for.
    if name in ("ingest", "IngestSummary"):
        from . import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
