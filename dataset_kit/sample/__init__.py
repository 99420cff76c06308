"""A small bundled corpus of raw page dumps for ``dataset-kit demo`` and the docs.

``pages/`` holds about two dozen invented news pages (original text, not copied from
any site) as a scraper would save them: four publishers, layouts with navigation,
bylines, feeds of other stories, newsletter forms, cookie banners and footers, dates
from 2022 to 2024, a wire story republished with small edits by several sites, one
byte-identical copy of a page, and two pages with no article (a bare list of links
and an empty file) that ingest must reject.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def pages_dir() -> Path:
    """Folder of the bundled sample page dumps (``*.txt``)."""
    return Path(str(resources.files(__name__) / "pages"))
