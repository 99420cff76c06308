"""Recognise page furniture: the lines of a page dump that are not the article.

A dump of a news page holds navigation ("Skip to content"), share buttons, cookie
banners, newsletter forms, feeds of other stories with their times, "Read also:"
links, credits, comment forms and footers around and inside the article. This module
classifies one line at a time from general signals that hold across sites and
languages:

* known furniture phrases, matched as the whole line (a button label such as
  "Subscribe" or "Teilen") or as the start of the line ("Read also: ...",
  "Reporting by ..."), in English, German, French, Spanish, Italian, Dutch and
  Portuguese;
* phrases that mark a line anywhere in it (cookie consent, copyright notices,
  "indicates required", "min read");
* the shape of the line: a bare time or "3 hours ago" (a feed entry), a bare URL, a
  chain of short items joined by ``|`` or ``>`` (menus and breadcrumbs).

The phrases themselves are data: ``furniture_rules/*.toml``, one file per language
plus ``common.toml``, which declares the rules (see :mod:`.furniture_loader`, which
also says how to add a language). This module holds the logic that applies them.

Each category says what it means for the article around it (see :data:`TERMINAL`
and :data:`INLINE`): a *terminal* line ("Related", "News Feed", "Leave a Reply", a
copyright notice, a bare feed time) ends the article body; an *inline* line ("Read
also: ...", "Advertisement", a photo credit) is dropped and the body goes on; other
furniture is dropped and counts towards a run of non-article lines, which also ends
the body (see :mod:`.extract`).
"""

# Typographic dashes, quotes and arrows are what page dumps contain: match them.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

from .furniture_loader import RULES_DIR, Rules, load_rules

# Categories whose appearance after the body has started ends the body.
TERMINAL = frozenset(
    {
        "related",
        "comments",
        "form",
        "footer",
        "credits",
        "breaking",
        "tags",
        "share-heading",
        "author-bio",
        "time",
    }
)
# Categories dropped from inside the body without ending it.
INLINE = frozenset({"read-also", "ad", "caption"})

_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
# Characters that decorate a label without changing it: "Related »", "More news ›".
_DECORATION = " \t:;.,!?*#|>»›→←‹«<-–—•·»❯▶►▸…()[]"

# The CJK full stop and full-width marks end sentences in Chinese and Japanese.
SENTENCE_END = re.compile(r"[.!?…。！？](?:[\"'”’»)\]」』）]+)?$|[\"”»」』]$")


def words_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``, for vocabularies written as prose."""
    return frozenset(text.split())


def normalise(line: str) -> str:
    """Collapse every kind of space to one, drop invisible characters, strip."""
    if _INVISIBLE.search(line):
        line = _INVISIBLE.sub("", line)
    # str.split() splits on every Unicode space (NBSP, thin spaces, ...) and is far
    # cheaper than a regular expression on the many lines that need nothing done.
    return " ".join(line.split())


_CHAIN_SPLIT = re.compile(r"\s+(?:[|>»›/•·]|::)\s+")
_CRUMB = re.compile(r"\s[>»›]\s")

# Every category a rule may give; the data files may use no other.
CATEGORIES = (
    TERMINAL
    | INLINE
    | frozenset({"nav", "share", "newsletter", "cookie", "audio", "url", "symbols"})
)
# Patterns and word sets the classifier below uses by name.
_SHAPES = ("time", "url", "link", "short_promo")
_WORD_SETS = ("sections", "share_buttons", "share_filler")


def _key(low: str) -> str:
    return low.strip(_DECORATION)


def _lookup_form(label: str) -> str:
    # How classify() looks a line up in the whole-line labels.
    return _key(normalise(label).lower())


@functools.cache
def load(folder: Path = RULES_DIR) -> Rules:
    """The furniture rules read from the data files in ``folder`` (read once per folder).

    See :mod:`.furniture_loader` for the files and how to add a language.
    """
    return load_rules(
        folder, categories=CATEGORIES, key=_lookup_form, shapes=_SHAPES, word_sets=_WORD_SETS
    )


def classifier(rules: Rules) -> Callable[[str, str, int], str | None]:
    """The line classifier that applies ``rules``; :func:`classify` applies the packaged ones.

    The rules are bound once as closure variables: the classifier runs on every line
    of every page, and these are the cheapest lookups Python has.
    """
    exact, prefix, any_prefix = rules.exact, rules.prefix, rules.any_prefix
    anywhere = rules.anywhere
    time_only, url_only = rules.shapes["time"], rules.shapes["url"]
    link, short_promo = rules.shapes["link"], rules.shapes["short_promo"]
    sections = rules.words["sections"]
    # Button labels of share bars, and those that do not make one on their own.
    share_words, share_filler = rules.words["share_buttons"], rules.words["share_filler"]

    def classify(text: str, low: str, words: int) -> str | None:
        """Return the furniture category of one normalised line, or None for content.

        ``low`` is ``text.lower()`` and ``words`` its number of words (passed in because
        the caller needs both anyway).
        """
        if "©" in low and words <= 40:
            return "footer"
        if words <= 8:
            category = exact.get(_key(low))
            if category is not None:
                return category
            if time_only.match(low):
                return "time"
            if url_only.match(low):
                return "url"
            if _is_share_bar(low, share_words, share_filler):
                return "share"
            if _is_chain(low, sections):
                return "nav"
        if words <= 60 and any_prefix.match(low):
            for category, pattern, limit in prefix:
                if words <= limit and pattern.match(low):
                    return category
        for category, triggers, pattern, limit in anywhere:
            if words <= limit and any(t in low for t in triggers) and pattern.search(low):
                return category
        if words <= 12 and "|" in low and _is_chain(low, sections):
            return "nav"
        if 8 < words <= 20 and _CRUMB.search(low) and _is_chain(low, sections):
            return "nav"
        if words <= 15:
            if link.search(low):
                return "url"
            if short_promo.search(low):
                return "newsletter"
        if not _LETTER.search(low):
            return "symbols"
        return None

    return classify


# The packaged rules, read at import so that a broken file fails every run at once.
RULES = load()
classify = classifier(RULES)
# Section names that make up menus and breadcrumbs (bylines.py uses them too).
SECTIONS = RULES.words["sections"]
EXACT = RULES.exact
_ANYWHERE = RULES.anywhere


_LETTER = re.compile(r"[^\W\d_]")


def _is_chain(low: str, sections: frozenset[str]) -> bool:
    """A menu or breadcrumb: short items joined by separators, or all section names."""
    parts = _CHAIN_SPLIT.split(low)
    if len(parts) >= 3 and all(len(part.split()) <= 4 for part in parts):
        return True
    if len(parts) == 2 and _CRUMB.search(low) and all(len(p.split()) <= 3 for p in parts):
        return True
    if (
        len(parts) >= 2
        and _CRUMB.search(low)
        and all(len(part.split()) <= 4 for part in parts[:-1])
        and (len(parts) >= 3 or all(t in sections for t in parts[0].split()))
    ):
        # A breadcrumb ends with the article's own headline, which may be long:
        # "Home » Kitchen » Bread in a cold kitchen".
        return True
    tokens = low.replace("&", " ").replace(",", " ").split()
    return bool(tokens) and len(tokens) <= 8 and all(t.strip(".") in sections for t in tokens)


def _is_share_bar(low: str, share_words: frozenset[str], filler: frozenset[str]) -> bool:
    """A share bar: a short line made only of button labels ("Share Tweet Pin Email",
    "Facebook X LinkedIn"), however the site spells it."""
    tokens = [t.strip(_DECORATION) for t in low.split()]
    tokens = [t for t in tokens if t]
    # At least one token must be a real button word, not just "on this post".
    return (
        bool(tokens)
        and all(t in share_words for t in tokens)
        and any(t not in filler for t in tokens)
    )


def is_sentence_end(text: str) -> bool:
    """Whether the line ends like a sentence (., !, ?, … possibly before a quote)."""
    return SENTENCE_END.search(text) is not None
