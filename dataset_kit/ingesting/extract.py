"""Find the article in the text of a page dump: title, authors, dates and body.

The page is read as lines (a paragraph per line, or hard-wrapped paragraphs, which
are joined back when a line ends mid-sentence and the next one starts in lower
case). Every line is classified once:

* *metadata*: a byline ("By A and B", "Von X | 04.02.2023, 14:30 Uhr", "Posted on
  ... by ...") or a date line (a date and time with at most a label and a few names
  around it: "Published: ...", "April 18, 2023 6:12 AM UTC Updated 3 hours ago");
* *furniture*: see :mod:`.furniture`;
* *content*: everything else, which is *prose* when it ends like a sentence (four
  words or more) or runs for twenty words or more.

The headline is found by walking up from the first long paragraph, or from the
byline or date line above it when only prose lies in between (a one-sentence lede)
or short button-like lines with a headline-like line above the byline,
past metadata and furniture, and taking the most headline-like content line of the
block met there (four to twenty-five words, not ending in a full stop scores best;
a section label, a bare name, the HTML title with the site name, or a two-sentence
standfirst score low). Metadata or furniture above the block ends it.

The *header* runs from the headline to the first long paragraph, or to the last
byline or date line after a standfirst: in it, prose is kept (a standfirst is part
of the article) and nothing ends the body. After it the body runs until a terminal
furniture line (a "Related" or "News Feed" heading, a bare feed time, credits, a
comment form, a copyright footer, a "BREAKING:" teaser), an unlabelled date line
(the next item of a feed), three short or link-like lines in a row (a list of
headlines; unless a line ending in ":" announced a list), or four furniture lines
in a row. Inline furniture ("Read also: ...", "Advertisement", photo credits) and
newsletter or share boxes are dropped without ending the body; short lines between
paragraphs (sub-headings) are kept, short lines after the last paragraph are not,
and neither are a promotion after furniture at the very end ("Help us keep going
...") or the author's biography.

Dates come only from metadata lines: the header, labelled dates next to the body,
and the two lines right above the headline (share buttons in between skipped). A
copyright year in the footer or a
time in a feed of other stories is never read as the article's date.
"""

# Typographic dashes, quotes and arrows are what page dumps contain: match them.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from .bylines import bare_name, names_in_meta, parse_byline
from .dates import DateHit, find_dates
from .furniture import INLINE, TERMINAL, classify, is_sentence_end, normalise, words_set

MIN_BODY_WORDS = 15
# Chinese and Japanese (Han, kana) and Thai, Lao, Khmer and Burmese write words without
# spaces between them, so counting spaces would make a paragraph one "word" and every
# such page a list of headlines. Their text length is measured in word equivalents
# instead: a word of Chinese or Japanese averages about two characters, one of the
# Southeast Asian scripts about four code points (vowel and tone marks included).
_HAN_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_SOUTHEAST_ASIAN = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")
_UNSPACED = re.compile(_HAN_KANA.pattern[:-1] + _SOUTHEAST_ASIAN.pattern[1:])
HAN_KANA_PER_WORD = 2
SOUTHEAST_ASIAN_PER_WORD = 4
# A paragraph this long (or a full sentence this long) is article text, not a headline.
LONG_WORDS = 25
LONG_SENTENCE_WORDS = 12
PROSE_SENTENCE_WORDS = 4
PROSE_WORDS = 20
RUN_END = 3
BLOCK_END = 4
HEADER_MAX_LINES = 12
TITLE_CLUSTER = 4
# Lines this short under a byline may be buttons rather than a headline.
BUTTON_WORDS = 3
# At most this many headlines in a box of links inside an article.
BOX_HEADLINES = 5
# Shorter lines may repeat inside a paragraph by chance ("Thank you.").
PULL_QUOTE_MIN_WORDS = 6
_HEADER_META_SCAN = 60

_META_WORDS = words_set(
    """published updated last posted on at by am um uhr stand veröffentlicht aktualisiert
    zuletzt erschienen publié le mis à jour publicado actualizado el pubblicato aggiornato
    il op door gepubliceerd bijgewerkt first modified date datum fecha data ago min mins
    minute minutes read lesezeit reading time h hours hour days day seconds vor stunden
    minuten tagen and und et y e de of the, - | • · / — – : , ."""
)
_RESIDUE_DROP = re.compile(
    r"\b\d{1,2}(?:[:.h]\d{2})+\b|\b(?:UTC|GMT|CES?T|MES?Z|EE?S?T|[ECMP][SD]T|BST|[ECMP]T)\b"
    r"[+-]?\d*(?::\d\d)?"
    r"|\b\d+\s*(?:min|mins|minutes?|minuten|hours?|stunden|days?|tage[n]?|h)\b\.?"
    r"|\b(?:ago|read|lesezeit)\b|[|•·/—–:,()\-]|\b(?:a\.?m\.?|p\.?m\.?)",
    re.I,
)
# Furniture that, with short lines, makes up a list of links ending the article;
# newsletter boxes, share bars and cookie notices can sit inside an article.
_RUN_CATEGORIES = frozenset({"nav", "url", "symbols"})
_LINK_LIKE = frozenset({"url", "nav", "related", "symbols"})
_PROMO = re.compile(
    r"\b(?:you|your|our|e-?mail|inbox|subscribe|subscribers?|newsletter|sign up|join|member|"
    r"membership|support us|download|app|follow us|sie|ihr|ihre|unser|unsere|abonn|vous|votre)\b"
)
_LIST_ITEM = re.compile(r"^(?:[-•*–·▪●◦]|\d{1,2}[.)])\s")
_DATELINE_AGENCY = re.compile(
    r"^[A-ZÀ-Ý][A-ZÀ-Ýa-zà-ÿ .'’/-]{1,40},?\s+(?:[A-Za-zä]+\.?\s+\d{1,2}\s+)?"
    r"\((?P<agency>[A-Za-z][\w .&/-]{1,30})\)\s*[-–—]"
)
_COPYRIGHT_HOLDER = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?(?:by\s+)?"
    r"(?P<name>[A-Z][\w&'’.\- ]{1,60}?)\s*(?:[.,|;]|\ball rights\b|\balle rechte\b|"
    r"\btous droits\b|\btodos los\b|\d{4}|$)",
    re.I,
)
_LEGAL_FORM = re.compile(
    r"[\s,]+(?:ltd|limited|llc|inc|plc|gmbh|ag|kg|s\.?a|s\.?l|b\.?v|co)\.?$", re.I
)
_URL_LINE = re.compile(r"^(?:(?:url|canonical|source|link|quelle)\s*:\s*)?(https?://\S+)$", re.I)
# Lines that start like metadata are never the continuation of a wrapped line.
_META_START = re.compile(
    r"(?:by|von|par|por|posted|published|updated|veröffentlicht|aktualisiert|stand)\b", re.I
)
_LETTER = re.compile(r"[^\W\d_]")
_SITE_SUFFIX = re.compile(r"^\s*[|\-–—:·•]\s*\S")
_MID_SENTENCE = re.compile(r"[.!?]\s+[A-Z\"“]")


@dataclass(slots=True)
class _Line:
    text: str
    low: str
    words: int
    physical: int
    category: str | None = None
    names: list[str] | None = None
    dates: list[DateHit] | None = None
    residue_names: list[str] = field(default_factory=list)

    @property
    def is_meta(self) -> bool:
        return self.names is not None or bool(self.dates)

    @property
    def is_content(self) -> bool:
        return self.category is None and not self.is_meta

    @property
    def sentence_end(self) -> bool:
        return is_sentence_end(self.text)

    @property
    def prose(self) -> bool:
        return self.words >= PROSE_WORDS or (
            self.words >= PROSE_SENTENCE_WORDS and is_sentence_end(self.text)
        )


@dataclass(slots=True)
class Article:
    """What was found in a page; ``removed`` lists the furniture lines."""

    title: str
    text: str
    authors: list[str]
    published: DateHit | None
    modified: DateHit | None
    source: str | None
    url: str | None
    word_count: int
    lines_total: int
    lines_removed: int
    removed: list[str]


@dataclass(slots=True)
class Rejection:
    """Why no article could be taken from a page: a short ``reason`` and a ``detail``."""

    reason: str
    detail: str
    lines_total: int = 0


def split_lines(text: str) -> list[_Line]:
    """Logical lines of ``text``: normalised, blank lines dropped, wrapped lines joined."""
    out: list[_Line] = []
    previous_blank = True
    for raw in text.splitlines():
        line = normalise(raw)
        if not line:
            previous_blank = True
            continue
        if (
            not previous_blank
            and out
            and line[0].islower()
            and not _META_START.match(line)
            and out[-1].words >= 6
            and not is_sentence_end(out[-1].text)
            and not out[-1].text.endswith(":")
        ):
            last = out[-1]
            last.text = f"{last.text} {line}"
            last.low = last.text.lower()
            last.words += count_words(line)
            last.physical += 1
        else:
            out.append(_Line(line, line.lower(), count_words(line), 1))
        previous_blank = False
    return out


def _classify_line(line: _Line) -> None:
    text, words = line.text, line.words
    if words <= 30:
        names = parse_byline(text)
        hits = find_dates(text) if _has_year(text) else []
        if names is not None:
            line.names = names
            line.dates = hits
            return
        if hits and _is_date_line(line, hits):
            line.dates = hits
            return
    line.category = classify(text, line.low, words)


_LABEL_ONLY = {
    "published": "published",
    "first published": "published",
    "posted": "published",
    "veröffentlicht": "published",
    "erschienen": "published",
    "publié": "published",
    "publicado": "published",
    "pubblicato": "published",
    "updated": "modified",
    "last updated": "modified",
    "modified": "modified",
    "aktualisiert": "modified",
    "zuletzt aktualisiert": "modified",
    "stand": "modified",
    "mis à jour": "modified",
    "actualizado": "modified",
    "aggiornato": "modified",
}


def _apply_label_lines(lines: list[_Line]) -> None:
    """A label on its own line ("Published") labels the date line under it, and a
    bare time under a date line ("November 11, 2022" / "4:07 PM") is its time."""
    for index in range(len(lines) - 1):
        line, below = lines[index], lines[index + 1]
        if (
            line.dates
            and len(line.dates) == 1
            and line.dates[0].time is None
            and below.category == "time"
        ):
            timed = find_dates(f"{line.text} {below.text}")
            if len(timed) == 1 and timed[0].time is not None:
                line.dates[0] = dataclasses.replace(
                    timed[0], label=line.dates[0].label, start=line.dates[0].start
                )
                below.category = "label"
    for index in range(len(lines) - 1):
        label = _LABEL_ONLY.get(lines[index].low.strip(" :"))
        following = lines[index + 1]
        if label is None or not following.dates or following.names is not None:
            continue
        first = following.dates[0]
        if first.label is None:
            following.dates[0] = dataclasses.replace(first, label=label)
            lines[index].category = "label"


# Every date form we read has a four-digit year: lines without one skip the parsers.
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _has_year(text: str) -> bool:
    return _YEAR.search(text) is not None


def _is_date_line(line: _Line, hits: list[DateHit]) -> bool:
    """A date with only labels, names and separators around it (not a sentence)."""
    text = line.text
    pieces = []
    position = 0
    for hit in hits:
        pieces.append(text[position : hit.start])
        position = hit.end
    pieces.append(text[position:])
    residue = " | ".join(pieces)
    residue = _RESIDUE_DROP.sub(" | ", residue)
    leftover = [w for w in residue.split() if w.lower() not in _META_WORDS and w != "|"]
    if len(leftover) > 6:
        return False
    if any(not (w[0].isupper() or w[0] in "@#") for w in leftover):
        return False
    line.residue_names = names_in_meta(residue)
    return True


def extract(text: str) -> Article | Rejection:
    """Find the article in the decoded text of one page."""
    lines = split_lines(text)
    total = sum(line.physical for line in lines)
    if not lines:
        return Rejection("empty", "the page holds no text", 0)
    for line in lines:
        _classify_line(line)
    _apply_label_lines(lines)

    first_long = _first_long(lines)
    title_index = _find_title(lines, first_long)
    start = _body_start(lines, title_index)
    if start is None:
        return _no_body(lines, total)
    if title_index is None:
        return Rejection(
            "no-title",
            f"article text starts at line {_physical_number(lines, start)} but no headline "
            "precedes it",
            total,
        )
    # The header runs from the headline to the first long paragraph: standfirst,
    # bylines, dates, share buttons. Lines there never end the body.
    header_end = _header_end(lines, title_index, start, first_long)
    for index in range(title_index + 1, header_end):
        line = lines[index]
        if line.is_content and not line.prose:
            names = bare_name(line.text)
            if names:
                line.names = names
    body, end = _body(lines, start, header_end)
    body_words = sum(lines[i].words for i in body)
    if body_words < MIN_BODY_WORDS:
        return Rejection(
            "no-text", f"only {body_words} words of article text (at least {MIN_BODY_WORDS})", total
        )
    if max(lines[i].words for i in body) < LONG_SENTENCE_WORDS:
        # Every article has a sentence of a dozen words somewhere; a page of short
        # one-line items, even ones ending in a full stop, is a list of headlines.
        return Rejection(
            "link-list",
            f"{len(body) + 1} short lines (a list of headlines) and no paragraph of article text",
            total,
        )

    used = set(body)
    used.add(title_index)
    published, modified, meta_used = _dates(lines, title_index, header_end, end)
    used.update(meta_used)
    authors, author_lines = _authors(lines, title_index, header_end, end)
    used.update(author_lines)
    url, url_index = _url(lines, title_index)
    if url_index is not None:
        used.add(url_index)

    body = _drop_quoted_repeats(lines, body)
    if len(body) > 1 and _is_author_bio(lines[body[-1]].text, authors):
        used.discard(body[-1])
        body = body[:-1]
    removed = [line.text for i, line in enumerate(lines) if i not in used]
    removed_count = sum(line.physical for i, line in enumerate(lines) if i not in used)
    body_text = "\n\n".join(lines[i].text for i in body)
    return Article(
        title=lines[title_index].text,
        text=body_text,
        authors=authors,
        published=published,
        modified=modified,
        source=_source(lines, body),
        url=url,
        word_count=count_words(body_text),
        lines_total=total,
        lines_removed=removed_count,
        removed=removed,
    )


def _physical_number(lines: list[_Line], index: int) -> int:
    # 1-based number among non-blank lines: good enough to find the spot in the file.
    return 1 + sum(line.physical for line in lines[:index])


def _first_long(lines: list[_Line]) -> int | None:
    for index, line in enumerate(lines):
        if line.is_content and (
            line.words >= LONG_WORDS or (line.words >= LONG_SENTENCE_WORDS and line.sentence_end)
        ):
            return index
    return None


def _mark_nav_runs(lines: list[_Line], stop: int) -> None:
    """Menus written one item per line: three or more short label lines in a row."""
    run: list[int] = []
    for index in range(stop):
        line = lines[index]
        if line.is_content and line.words <= 3 and not line.sentence_end:
            run.append(index)
            continue
        if len(run) >= 3:
            for i in run:
                lines[i].category = "nav"
        run = []
    if len(run) >= 3:
        for i in run:
            lines[i].category = "nav"


def _title_score(line: _Line) -> float:
    words = line.words
    score = 0.0
    if 4 <= words <= LONG_WORDS:
        score += 2
    elif 2 <= words <= 3:
        score += 0.5
    elif words > LONG_WORDS:
        score -= 1
    if words <= 14:
        score += 0.75
    if words >= 6:
        score += 0.25
    if line.text.endswith("."):
        score -= 1
    if _MID_SENTENCE.search(line.text):
        score -= 1  # two sentences: a standfirst, not a headline
    if line.text.endswith(":"):
        score -= 3
    if words <= 3 and line.text.isupper():
        score -= 0.5
    return score


def _find_title(lines: list[_Line], first_long: int | None) -> int | None:
    if first_long is None:
        first_long = next(
            (i for i, line in enumerate(lines) if line.is_content and line.prose), None
        )
        if first_long is None:
            return None
    _mark_nav_runs(lines, first_long)
    cluster: list[int] = []
    for index in range(_title_anchor(lines, first_long) - 1, -1, -1):
        line = lines[index]
        if line.is_meta or line.category is not None:
            # Metadata and furniture are skipped between headline and body, and
            # mark the top of the headline block once a candidate is found.
            if cluster:
                break
            continue
        if line.words > 40 or len(line.text) > 300:
            break
        if _real_words(line.text) < 2 and not cluster:
            continue  # "∙ Paid", "48": counters and labels under the headline
        cluster.append(index)
        if len(cluster) >= TITLE_CLUSTER:
            break
    if cluster:
        # A bare name under the headline ("Jane Doe") is a byline, not a headline,
        # as long as there is something else to choose.
        titles = [i for i in cluster if bare_name(lines[i].text) is None] or cluster
        # "Headline | Site" (the HTML title) next to "Headline": keep the headline.
        texts = [lines[i].text for i in titles]
        titles = [
            i
            for i in titles
            if not any(
                other != lines[i].text and _SITE_SUFFIX.match(lines[i].text[len(other) :])
                for other in texts
                if lines[i].text.startswith(other)
            )
        ]
        return max(reversed(titles), key=lambda i: _title_score(lines[i]))
    # No line above the first long paragraph: it may itself be a headline that ends
    # with a full stop, if it is short, one sentence, and prose follows it.
    candidate = lines[first_long]
    if candidate.words <= 18 and not _MID_SENTENCE.search(candidate.text):
        for line in lines[first_long + 1 :]:
            if line.is_content and line.prose:
                return first_long
            if line.is_content:
                break
    return None


def _title_anchor(lines: list[_Line], first_long: int) -> int:
    """Where to start looking upwards for the headline.

    Normally the first long paragraph. But when a byline or date line sits above it
    with only prose in between (a short one-sentence lede under the byline), the
    headline is above that metadata line, and the lede must not be taken for it.
    """
    buttons = 0
    for index in range(first_long - 1, max(-1, first_long - HEADER_MAX_LINES), -1):
        line = lines[index]
        if line.is_meta:
            if buttons and not _headline_above(lines, index):
                break
            return index
        if line.is_content and not line.prose and _real_words(line.text) >= 2:
            if line.words <= BUTTON_WORDS and not line.sentence_end:
                # "Save for later", "Gift article": a button this module does not know,
                # between the byline and the body. Look on, but move the anchor only
                # if a headline-like line sits right above the metadata.
                buttons += 1
                continue
            break
    return first_long


def _headline_above(lines: list[_Line], meta: int) -> bool:
    """Whether the nearest content line above the metadata block reads like a headline."""
    for index in range(meta - 1, max(-1, meta - HEADER_MAX_LINES), -1):
        line = lines[index]
        if line.is_meta or line.category is not None:
            continue
        return line.words > BUTTON_WORDS and _title_score(line) >= 2
    return False


def _real_words(text: str) -> int:
    """Words with at least one letter: "∙ Paid" has one, "48 Likes" one."""
    return sum(
        (count_words(token) if _UNSPACED.search(token) else 1)
        for token in text.split()
        if _LETTER.search(token)
    )


def _body_start(lines: list[_Line], title_index: int | None) -> int | None:
    begin = 0 if title_index is None else title_index + 1
    for index in range(begin, len(lines)):
        line = lines[index]
        if line.is_content and line.prose:
            return index
    return None


def _header_end(lines: list[_Line], title: int, start: int, first_long: int | None) -> int:
    """Where the header under the headline ends: after its last byline or date line.

    The header reaches at least to the first long paragraph, and further when
    bylines or dates follow a standfirst; it never spans a second long paragraph
    or more than HEADER_MAX_LINES lines.
    """
    end = start
    if first_long is not None and first_long > start:
        end = first_long
    long_seen = 0
    for index in range(title + 1, min(len(lines), title + HEADER_MAX_LINES)):
        line = lines[index]
        if line.is_meta:
            end = max(end, index + 1)
        elif line.is_content and (
            line.words >= LONG_WORDS or (line.words >= LONG_SENTENCE_WORDS and line.sentence_end)
        ):
            long_seen += 1
            if long_seen == 2:
                break
    return min(end, title + HEADER_MAX_LINES)


def _body(lines: list[_Line], start: int, header_end: int) -> tuple[list[int], int]:
    """Indices of the body lines, and the index where the body zone ends.

    Before ``header_end`` (still in the header) only prose is kept and nothing ends
    the body; from there on, the rules of the module docstring apply.
    """
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.low] = counts.get(line.low, 0) + 1
    seen: set[str] = set()
    body: list[int] = []
    for index in range(start, min(header_end, len(lines))):
        line = lines[index]
        if line.is_content and line.prose and line.low not in seen:
            seen.add(line.low)
            body.append(index)
    end, pending, in_list, island = _scan_body(lines, max(start, header_end), counts, seen, body)
    # Short lines after the last paragraph are labels of what follows, not article,
    # unless a line ending in ":" announced them as a list.
    if in_list:
        body.extend(pending)
    return _without_promo_tail(lines, body, island), end


def _scan_body(
    lines: list[_Line], start: int, counts: dict[str, int], seen: set[str], body: list[int]
) -> tuple[int, list[int], bool, int]:
    """Walk the lines after the header, appending article lines to ``body``, until the end.

    Returns where the body zone ends, the short lines still waiting for a paragraph
    after them, whether a list was open at the end, and where the last prose after
    furniture began (a possible promo island). One loop with local state: this runs
    for every line of every page, so it calls no helper per line.
    """
    pending: list[int] = []  # short content lines waiting for a paragraph after them
    end = len(lines)
    run = block = island = skip_to = 0
    in_list = link_follows = furniture_seen = False
    run_start = block_start = start
    for index in range(start, len(lines)):
        if index < skip_to:
            continue
        line = lines[index]
        category = line.category
        if line.is_meta:
            if line.names is None and line.dates and all(h.label is None for h in line.dates):
                end = index  # an unlabelled date: the next item of a feed
                break
            continue
        if category in TERMINAL:
            resume = _resumes_after_box(lines, index, counts) if category == "related" else None
            if resume is None:
                end = index
                break
            skip_to = resume  # a box of links inside the article: the article goes on
            continue
        if category in INLINE:
            # "Read also" on a line of its own: the headline under it is the link.
            link_follows = category == "read-also" and line.words <= 3
            continue
        if link_follows:
            link_follows = False
            if line.is_content and line.words <= 25:
                continue
        repeated = counts[line.low] > 1 and line.words <= 12
        if category is not None or repeated:
            furniture_seen = True
            block_start = index if block == 0 else block_start
            block += 1
            if block >= BLOCK_END:
                end = block_start  # a wall of furniture: the article is over
                break
            if category in _RUN_CATEGORIES:
                run_start = index if run == 0 else run_start
                run += 1
                if run >= RUN_END and not in_list:
                    end = run_start
                    break
            continue
        block = 0
        if line.prose or (in_list and _LIST_ITEM.match(line.text)):
            if line.low in seen:
                continue  # a pull quote repeating a paragraph
            seen.add(line.low)
            if furniture_seen:
                island = len(body)  # prose again after furniture: may be a promo island
            body.extend(pending)
            pending = []
            body.append(index)
            run = 0
            furniture_seen = False
            in_list = line.text.endswith(":") or (in_list and bool(_LIST_ITEM.match(line.text)))
            continue
        run_start = index if run == 0 else run_start
        run += 1
        if line.text.endswith(":") and line.words >= 3:
            in_list = True  # "The plan includes:" announces short lines to come
        if in_list or run < RUN_END:
            pending.append(index)
        if run >= RUN_END and not in_list:
            end = run_start
            break
    return end, pending, in_list, island


def _without_promo_tail(lines: list[_Line], body: list[int], island: int) -> list[int]:
    """``body`` without a promotion at its very end.

    One or two short lines after furniture at the very end, speaking to the reader
    ("Thousands of readers get new posts by email."), are a promotion.
    """
    if 0 < island < len(body) and len(body) - island <= 2:
        tail = [lines[i] for i in body[island:]]
        if all(t.words < LONG_WORDS for t in tail) and any(_PROMO.search(t.low) for t in tail):
            return body[:island]
    return body


def _resumes_after_box(lines: list[_Line], heading: int, counts: dict[str, int]) -> int | None:
    """Where the article resumes after a "Related" box inside it, or None.

    A box inside an article is the heading, one to five headlines, and then two
    paragraphs of article text in a row. A list after the article is followed by
    nothing, by more furniture, or by teasers alternating with headlines.
    """
    index = heading + 1
    headlines = 0
    while index < len(lines) and headlines < BOX_HEADLINES:
        line = lines[index]
        if line.category in _LINK_LIKE or (
            line.is_content and not line.prose and 3 <= line.words <= LONG_WORDS
        ):
            headlines += 1
            index += 1
            continue
        break
    if headlines == 0 or index + 1 >= len(lines):
        return None
    for line in lines[index : index + 2]:
        if not (line.is_content and line.prose and counts[line.low] == 1):
            return None
    if lines[index].words < LONG_SENTENCE_WORDS:
        return None
    return index


def _drop_quoted_repeats(lines: list[_Line], body: list[int]) -> list[int]:
    """Drop pull quotes: a short paragraph whose words all reappear inside a longer one."""
    cores = [_core(lines[i].low) for i in body]
    keep: list[int] = []
    for position, index in enumerate(body):
        core = cores[position]
        short = PULL_QUOTE_MIN_WORDS <= lines[index].words <= LONG_WORDS * 2
        if short and any(
            other != position and len(cores[other]) > len(core) and core in cores[other]
            for other in range(len(body))
        ):
            continue
        keep.append(index)
    return keep


_NOT_WORD = re.compile(r"[^\w]+")


def _core(low: str) -> str:
    # Quotes and punctuation differ between a pull quote and the sentence it repeats.
    return " " + _NOT_WORD.sub(" ", low).strip() + " "


def _dates(
    lines: list[_Line], title: int, start: int, end: int
) -> tuple[DateHit | None, DateHit | None, list[int]]:
    """Published and modified dates from the metadata lines, and the lines used.

    Windows, in order of trust: the header between headline and body; the metadata
    lines inside the body zone and the three lines after it (labelled dates only,
    since an unlabelled date there belongs to the next story); the two lines right
    above the headline ("Politics | March 3, 2023").
    """
    header = [i for i in range(title + 1, start) if lines[i].dates]
    zone = [i for i in range(start, min(end + 3, len(lines))) if lines[i].dates]
    above = [i for i in _lines_above(lines, title, 2) if lines[i].dates]
    used: list[int] = [i for i in range(title + 1, end) if lines[i].is_meta]

    def first(indices: list[int], label: str | None, bylines_only: bool = False):
        for index in indices:
            if bylines_only and lines[index].names is None:
                continue
            for hit in lines[index].dates or ():
                if hit.label == label:
                    return hit, index
        return None, None

    published = None
    for indices, label, bylines_only in (
        (header, "published", False),
        (zone, "published", False),
        (header, None, False),
        (zone, None, True),
        (above, "published", False),
        (above, None, False),
        # "Stand: ..." (as of) is the only date many German pages give.
        (header, "asof", False),
        (above, "asof", False),
    ):
        published, index = first(indices, label, bylines_only)
        if published is not None:
            used.append(index)
            break
    modified = None
    for indices, label in (
        (header, "modified"),
        (zone, "modified"),
        (above, "modified"),
        (header, "asof"),
        (zone, "asof"),
        (above, "asof"),
    ):
        modified, index = first(indices, label)
        if modified is not None:
            used.append(index)
            break
    return published, modified, used


def _lines_above(lines: list[_Line], title: int, count: int) -> list[int]:
    """The ``count`` lines nearest above the headline, top first, skipping the
    furniture (share buttons) that a page may put between a byline and its headline."""
    found: list[int] = []
    for index in range(title - 1, max(-1, title - HEADER_MAX_LINES), -1):
        if lines[index].category is None:
            found.append(index)
            if len(found) == count:
                break
    return found[::-1]


def _authors(lines: list[_Line], title: int, start: int, end: int) -> tuple[list[str], list[int]]:
    """Authors from the first byline: under the headline, just above it, then later."""
    header = list(range(title + 1, start)) + list(range(max(0, title - 3), title))
    for index in header:
        if lines[index].names:
            return list(dict.fromkeys(lines[index].names or ())), [index]
    for index in header:
        if lines[index].residue_names:
            return list(dict.fromkeys(lines[index].residue_names)), [index]
    for index in range(title + 1, start):
        if lines[index].is_content:
            names = bare_name(lines[index].text)
            if names:
                return names, [index]
    for index in range(start, min(end + 4, len(lines))):
        if lines[index].names:
            return list(dict.fromkeys(lines[index].names or ())), [index]
    return [], []


_BIO_VERB = re.compile(
    r"^\S+(?:\s+\S+){0,3}\s+(?:is|was|writes|covers|reports|has been|ist|schreibt|berichtet|"
    r"est|es|è)\b"
)


def _is_author_bio(text: str, authors: list[str]) -> bool:
    """ "Jane Doe is a reporter covering ...": the author's biography after the article."""
    for name in authors:
        first = name.split()[0]
        if (text.startswith(name) or text.startswith(first + " ")) and _BIO_VERB.match(text):
            return len(text.split()) <= 60
    return False


def _url(lines: list[_Line], title: int) -> tuple[str | None, int | None]:
    for index in range(min(title, 5)):
        match = _URL_LINE.match(lines[index].text)
        if match:
            return match.group(1), index
    return None, None


def _source(lines: list[_Line], body: list[int]) -> str | None:
    for line in lines:
        if line.category is not None and ("©" in line.text or "copyright" in line.low):
            match = _COPYRIGHT_HOLDER.search(line.text)
            if match:
                name = _LEGAL_FORM.sub("", match["name"].strip(" .,-")).strip(" .,-")
                if name and not name[0].isdigit() and len(name.split()) <= 6:
                    return name
    if body:
        match = _DATELINE_AGENCY.match(lines[body[0]].text)
        if match:
            return match["agency"].strip()
    return None


def count_words(text: str) -> int:
    """Words in ``text``: space-separated, plus word equivalents of unspaced scripts."""
    tokens = text.split()
    if _UNSPACED.search(text) is None:
        return len(tokens)
    spaced = sum(1 for token in tokens if _UNSPACED.search(token) is None)
    han_kana = len(_HAN_KANA.findall(text))
    southeast = len(_SOUTHEAST_ASIAN.findall(text))
    return spaced + -(-han_kana // HAN_KANA_PER_WORD) + -(-southeast // SOUTHEAST_ASIAN_PER_WORD)


def _no_body(lines: list[_Line], total: int) -> Rejection:
    links = sum(
        1 for line in lines if line.category in _LINK_LIKE or (line.is_content and not line.prose)
    )
    if links >= max(3, (len(lines) + 1) // 2):
        return Rejection(
            "link-list",
            f"a list of {links} links or headlines with no paragraph of article text",
            total,
        )
    return Rejection(
        "no-text", "no paragraph of article text outside navigation and page furniture", total
    )
