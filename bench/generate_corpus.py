"""Generate synthetic news-article corpora (JSON Lines) for the benchmarks, deterministically.

Each line is one article in the shape of ``schema/article.schema.json``: a 60-100
character headline, a 2-6 KB body of English-like prose (sentences built by a small
grammar over a hand-written vocabulary, grouped into paragraphs separated by a blank
line, with quotes, numbers and a few non-ASCII characters as real news has), a URL,
one of several fictional publishers, bylines, an RFC 3339 ``published_at`` spread
over 2021-2025 (some with UTC offsets or fractional seconds, some date-only or
null), a BCP 47 language tag (mostly ``en``; the tag is metadata only, the prose is
always English-like) and the ingest quality fields.

Two kinds of special records are mixed in, at evenly spread rates (see :func:`generate`):

* **invalid** records (``--invalid-fraction``), each broken in exactly one way, the
  kind chosen at random: a ``published_at`` such as ``"11/11/2022 4:07 PM"``, a
  missing title, a value of the wrong type, an unknown field, an empty body, a URL
  without a scheme, a language name instead of a tag, or a line that is not JSON at
  all (cut short, a trailing comma, a ``NaN``);
* **near-duplicates** (``--near-dup-fraction``): an earlier article republished by
  another publisher, with a new id and URL and a few words changed, which is what
  ``dataset-kit export`` must deduplicate. They are valid records.

The output is streamed (memory holds a bounded sample of earlier articles to copy
from, not the corpus) and written atomically. The same seed and options give a
byte-identical file, and a corpus cut by ``--size-mb`` is a prefix of the same-seed
corpus with more ``--articles``. ``--truth FILE`` records, per special line, what it
is (and which article a near-duplicate copies), so a benchmark can check a tool's
answer against it.

Usage::

    python bench/generate_corpus.py --out bench/corpora/c.jsonl --articles 50000 \\
        --invalid-fraction 0.01 --near-dup-fraction 0.02 --seed 7
    python bench/generate_corpus.py --out big.jsonl --size-mb 1000

From Python: ``from bench.generate_corpus import generate`` (or ``from
generate_corpus import generate`` when ``bench/`` is on ``sys.path``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from dataset_kit.atomic import atomic_output_file

MB = 1_000_000
# Fractions are handled in parts per million so that the number of special records in
# any prefix is exact integer arithmetic, the same on every machine.
_PPM = 1_000_000
# Near-duplicates copy an article from a uniform sample of everything generated so far
# (reservoir sampling): bounded memory, yet copies can be far from their original.
RESERVOIR_SIZE = 2048
TITLE_MIN, TITLE_MAX = 60, 100
BODY_MIN, BODY_MAX = 2000, 6000

INVALID_KINDS = (
    "bad-date",
    "missing-title",
    "wrong-type",
    "unknown-field",
    "empty-text",
    "bad-url",
    "bad-language",
    "malformed-json",
)

# --- vocabulary (written for this generator) --------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


_ADJECTIVES = _words(
    """
new local regional national public private early late major minor key final
former senior junior annual monthly weekly rural urban coastal northern southern
eastern western central federal municipal economic political social financial
digital industrial environmental historic modern temporary permanent sudden steady
sharp modest significant limited broad narrow strong weak rising falling higher
lower cheaper costly popular controversial unexpected delayed ambitious cautious
independent joint official unofficial small large quiet busy crowded empty
"""
)

_NOUNS = _words(
    """
council budget plan report bridge harbour station school hospital clinic library
market festival election campaign vote policy law proposal project contract deal
agreement strike protest union company factory port airport railway road tunnel
museum park stadium team club league season match tournament storm flood drought
fire heatwave river coast forest farm harvest price rent wage tax fee fund grant
loan bank loss profit survey study trial court judge jury ruling appeal inquiry
committee board minister mayor governor official officer spokesperson resident
neighbour tenant worker teacher nurse doctor student farmer driver engineer
scientist researcher volunteer charity shelter network service system program
programme scheme strategy review audit investigation measure target deadline
schedule route line fleet bus tram ferry housing estate district village town city
region province county border crossing supply shortage surplus demand output
export import energy grid turbine battery reactor pipeline water sewer waste
recycling emissions pollution climate weather forecast warning alert outage
"""
)

_VERBS = _words(
    """
approve:approved reject:rejected announce:announced delay:delayed expand:expanded
reduce:reduced raise:raised cut:cut open:opened close:closed launch:launched
review:reviewed suspend:suspended extend:extended confirm:confirmed deny:denied
fund:funded block:blocked support:supported oppose:opposed replace:replaced
restore:restored rebuild:rebuilt upgrade:upgraded propose:proposed defend:defended
question:questioned criticise:criticised welcome:welcomed sign:signed finish:finished
start:started postpone:postponed cancel:cancelled challenge:challenged
investigate:investigated publish:published release:released revise:revised
unveil:unveiled adopt:adopted overturn:overturned test:tested report:reported
"""
)

_ADVERBS = _words(
    """
quickly slowly sharply narrowly quietly publicly formally briefly finally again
largely partly mostly recently already nearly roughly widely
"""
)

_PREPOSITIONS = _words(
    """
in on at after before during across near under over despite following beyond
"""
)

_TIMES = [
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "over the weekend",
    "last week",
    "earlier this month",
    "late on Thursday",
    "this year",
    "last year",
    "in the spring",
    "by the end of the year",
    "within weeks",
    "for the first time",
]

_PLACES = """
Northgate|Ashford Bay|Linden Valley|Port Halloway|Eastmere|Granby|Westholm|Carrow
Kestrel Point|Millbrook|Redfield|São Marcos|Brennau|Ølstad|Villeneuve-sur-Lys
Harrowgate Cross|Thornbury|Lakeview|Marlow Heights|Sundale
""".replace("\n", "|").strip("|")
_PLACES_LIST = [p for p in _PLACES.split("|") if p]

_ORGS = [
    "the city council",
    "the regional transport authority",
    "the health ministry",
    "the central bank",
    "the teachers' union",
    "local businesses",
    "the port authority",
    "the environment agency",
    "the finance committee",
    "the national statistics office",
    "the chamber of commerce",
    "the water utility",
    "a coalition of residents' groups",
    "the university",
]

_ROLES = [
    "spokesperson",
    "senior analyst",
    "councillor",
    "professor of economics",
    "director",
    "deputy mayor",
    "union representative",
    "chief engineer",
    "researcher",
    "community organiser",
]

_FIRST_NAMES = _words(
    """
Anna Ben Carla David Elena Farid Grace Hugo Ines James Kenji Laura Mateo Nadia
Omar Priya Quentin Rosa Samuel Tara Ulrich Valeria Wei Yusuf Zoë José Aisling
Björn Chloé Dmitri Fatima Giulia Hannah Ivan Jonas Lena Marta Nils Olga Pedro
"""
)

_LAST_NAMES = _words(
    """
Adams Brennan Costa Dubois Eriksen Fischer García Hughes Ito Jansen Kowalski
Lindqvist Moreau Nakamura O'Neill Petrov Quinn Rossi Schmidt Tanaka Umar Vasquez
Walsh Xu Yilmaz Zimmermann Okafor Novak Müller Haddad Singh Fernández Lund Byrne
"""
)

_CONNECTORS = [
    "However,",
    "Meanwhile,",
    "In addition,",
    "Still,",
    "At the same time,",
    "Separately,",
    "By contrast,",
    "Earlier,",
]

_SOURCES = [
    ("The Northgate Herald", "www.northgate-herald.example"),
    ("Ashford Bay Chronicle", "chronicle.ashford-bay.example"),
    ("Linden Valley Post", "www.lindenvalleypost.example"),
    ("Port Halloway Gazette", "gazette.port-halloway.example"),
    ("Eastmere Daily", "www.eastmere-daily.example"),
    ("The Regional Wire", "regionalwire.example"),
    ("Coastal Times", "www.coastaltimes.example"),
    ("Civic Ledger", "civic-ledger.example"),
    ("Morning Dispatch", "www.morningdispatch.example"),
    ("The Weekly Standard-Bearer", "standard-bearer.example"),
    ("Kestrel Point Observer", "observer.kestrelpoint.example"),
    ("Metro Bulletin", "www.metrobulletin.example"),
]

_SECTIONS = ["news", "politics", "business", "local", "world", "science", "sport", "culture"]

# Language tags, weighted by repetition: mostly English.
_LANGUAGES: list[str | None] = ["en"] * 86 + ["en-GB"] * 4 + ["de", "fr", "es", "pt-BR", "nl"]
_LANGUAGES += ["it", "sv", "pl", None, None]

_OFFSETS = ["+01:00", "+02:00", "-05:00", "-04:00", "+05:30", "+09:00", "-03:00", "+00:00"]

_DATE_START = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc)
_DATE_SPAN = int((dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) - _DATE_START).total_seconds())


def _third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _plural(noun: str) -> str:
    if noun.endswith(("s", "sh", "ch", "x")):
        return noun + "es"
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun in ("spokesperson",):
        return "spokespeople"
    return noun + "s"


_VERB_BASE = [pair.split(":")[0] for pair in _VERBS]
_VERB_PAST = [pair.split(":")[1] for pair in _VERBS]
_VERB_THIRD = [_third_person(v) for v in _VERB_BASE]
_PLURALS = [_plural(n) for n in _NOUNS]
# Function words dominate real text; weighting the determiners by repetition keeps
# the prose's word frequencies closer to news than a uniform draw would.
_DETERMINERS = ["the"] * 8 + ["a", "a", "this", "that", "its", "their", "every", "another"]
_REPLACEMENTS = sorted(set(_ADJECTIVES) | set(_NOUNS))


def _article(determiner: str, word: str) -> str:
    if determiner == "a" and word[0] in "aeiou":
        return f"an {word}"
    return f"{determiner} {word}"


# --- results ----------------------------------------------------------------------------


@dataclass
class CorpusStats:
    """What a generated corpus holds; ``records == valid + invalid``."""

    path: str
    seed: int
    records: int = 0
    bytes: int = 0
    valid: int = 0
    invalid: int = 0
    near_duplicates: int = 0
    invalid_by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- generation -------------------------------------------------------------------------


class _Articles:
    """Makes article dicts from one seeded random stream (all randomness goes through it)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._random = rng.random

    def pick(self, items: list[Any]) -> Any:
        return items[int(self._random() * len(items))]

    def chance(self, p: float) -> bool:
        return self._random() < p

    # prose

    def noun_phrase(self) -> str:
        pick = self.pick
        r = self._random()
        if r < 0.12:
            return pick(_ORGS)
        if r < 0.2:
            return f"{_article(pick(_DETERMINERS), pick(_NOUNS))} in {pick(_PLACES_LIST)}"
        if r < 0.45:
            return f"{_article(pick(_DETERMINERS), pick(_ADJECTIVES))} {pick(_NOUNS)}"
        if r < 0.55:
            return f"{pick(_ADJECTIVES)} {pick(_PLURALS)}"
        return _article(pick(_DETERMINERS), pick(_NOUNS))

    def person(self) -> str:
        return f"{self.pick(_FIRST_NAMES)} {self.pick(_LAST_NAMES)}"

    def clause(self) -> str:
        pick = self.pick
        tail = ""
        if self.chance(0.6):
            tail = f" {pick(_PREPOSITIONS)} {self.noun_phrase()}"
        return f"{self.noun_phrase()} {pick(_VERB_PAST)} {self.noun_phrase()}{tail}"

    def sentence(self) -> str:
        pick = self.pick
        r = self._random()
        if r < 0.3:
            text = f"{self.clause()} {pick(_TIMES)}."
        elif r < 0.45:
            text = f"{self.clause()}, according to {pick(_ORGS)}."
        elif r < 0.58:
            text = (
                f"{self.person()}, a {pick(_ROLES)} at {pick(_ORGS)}, said the "
                f"{pick(_NOUNS)} would {pick(_VERB_BASE)} {self.noun_phrase()} "
                f"{pick(_TIMES)}."
            )
        elif r < 0.68:
            quote = f"we will {pick(_VERB_BASE)} {self.noun_phrase()} {pick(_TIMES)}"
            text = f'"{quote[0].upper()}{quote[1:]}," said {self.person()}.'
        elif r < 0.77:
            number = int(self._random() * 9000) + 100
            text = (
                f"about {number:,} {pick(_PLURALS)} {pick(_VERB_PAST)} {self.noun_phrase()} "
                f"{pick(_TIMES)}."
            )
        elif r < 0.86:
            pct = int(self._random() * 40) + 1
            text = (
                f"{pick(_CONNECTORS)} {self.noun_phrase()} {pick(_ADVERBS)} "
                f"{pick(_VERB_PAST)} {self.noun_phrase()} by {pct} percent."
            )
        elif r < 0.93:
            year = 2000 + int(self._random() * 21)
            text = (
                f"the {pick(_NOUNS)} in {pick(_PLACES_LIST)} has been {pick(_ADJECTIVES)} "
                f"since {year}, and {self.clause()}."
            )
        else:
            amount = int(self._random() * 900) + 5
            currency = pick(["€", "$", "£"])
            text = (
                f"the {pick(_ADJECTIVES)} {pick(_NOUNS)} will cost {currency}{amount} million "
                f"— {pick(['more', 'less'])} than {pick(_ORGS)} expected."
            )
        return text[0].upper() + text[1:]

    def body(self) -> str:
        target = BODY_MIN + int(self._random() * (BODY_MAX - BODY_MIN))
        paragraphs: list[str] = []
        length = 0
        while length < target:
            count = 2 + int(self._random() * 4)
            paragraph = " ".join(self.sentence() for _ in range(count))
            paragraphs.append(paragraph)
            length += len(paragraph) + 2
        return "\n\n".join(paragraphs)

    def title(self) -> str:
        pick = self.pick
        while True:
            words = [
                pick(_PLACES_LIST),
                pick(_NOUNS).capitalize(),
                pick(_VERB_THIRD).capitalize(),
                pick(_ADJECTIVES).capitalize(),
                pick(_NOUNS).capitalize(),
            ]
            text = " ".join(words)
            while len(text) < TITLE_MIN:
                extra = f"{pick(_PREPOSITIONS)} {pick(_ADJECTIVES).capitalize()} "
                extra += pick(_NOUNS).capitalize()
                if self.chance(0.3):
                    extra = f"as {pick(_NOUNS).capitalize()} {pick(_VERB_THIRD).capitalize()}"
                text = f"{text} {extra}"
            if len(text) > TITLE_MAX:
                text = text[: TITLE_MAX + 1].rsplit(" ", 1)[0]
            if TITLE_MIN <= len(text) <= TITLE_MAX:
                return text

    # metadata

    def moment(self) -> dt.datetime:
        return _DATE_START + dt.timedelta(seconds=int(self._random() * _DATE_SPAN))

    def timestamp(self, when: dt.datetime) -> str | None:
        r = self._random()
        if r < 0.7:
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")
        if r < 0.8:
            millis = int(self._random() * 1000)
            return when.strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"
        if r < 0.9:
            offset = self.pick(_OFFSETS)
            sign = 1 if offset[0] == "+" else -1
            delta = dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
            return (when + delta).strftime("%Y-%m-%dT%H:%M:%S") + offset
        if r < 0.95:
            return when.strftime("%Y-%m-%d")
        return None

    def slug(self, title: str) -> str:
        words = [w.lower() for w in title.split()[:8] if w.isascii() and w.isalpha()]
        return "-".join(words) or "story"

    def url(self, domain: str, section: str, when: dt.datetime, slug: str, ident: str) -> str:
        return f"https://{domain}/{section}/{when:%Y/%m/%d}/{slug}-{ident[:8]}"

    def authors(self) -> list[str]:
        r = self._random()
        count = 0 if r < 0.15 else 1 if r < 0.75 else 2 if r < 0.93 else 3
        return [self.person() for _ in range(count)]

    def article(self) -> dict[str, Any]:
        ident = f"{self.rng.getrandbits(64):016x}"
        title = self.title()
        text = self.body()
        source, domain = self.pick(_SOURCES)
        when = self.moment()
        section = self.pick(_SECTIONS)
        slug = self.slug(title)
        modified = None
        if self.chance(0.3):
            later = when + dt.timedelta(seconds=int(self._random() * 3 * 86400))
            modified = later.strftime("%Y-%m-%dT%H:%M:%SZ")
        record: dict[str, Any] = {
            "id": ident,
            "title": title,
            "text": text,
            "url": self.url(domain, section, when, slug, ident),
            "source": source,
            "authors": self.authors(),
            "published_at": self.timestamp(when),
            "modified_at": modified,
            "language": self.pick(_LANGUAGES),
            "source_file": f"crawl/{domain.split('.')[-2]}/{when:%Y/%m}/{ident}.html",
            "word_count": len(text.split()),
        }
        if self.chance(0.5):
            lines = int(self._random() * 60)
            record["furniture_lines"] = lines
            record["furniture_ratio"] = round(lines / (lines + 40), 3)
            record["removed_lines"] = None
        return record

    def near_duplicate(self, original: dict[str, Any]) -> dict[str, Any]:
        """The same story republished elsewhere: new id, URL and source, a few words changed."""
        copy = dict(original)
        ident = f"{self.rng.getrandbits(64):016x}"
        source, domain = self.pick(_SOURCES)
        while source == original["source"]:
            source, domain = self.pick(_SOURCES)
        copy["id"] = ident
        copy["source"] = source
        copy["text"] = self._change_words(original["text"], 2 + int(self._random() * 4))
        if self.chance(0.5):
            copy["title"] = self._change_words(original["title"], 1)
        when = self.moment()
        copy["url"] = self.url(domain, self.pick(_SECTIONS), when, self.slug(copy["title"]), ident)
        copy["published_at"] = self.timestamp(when)
        copy["modified_at"] = None
        if self.chance(0.5):
            copy["authors"] = []  # wire copies often drop the byline
        copy["source_file"] = f"crawl/{domain.split('.')[-2]}/{when:%Y/%m}/{ident}.html"
        copy["word_count"] = len(copy["text"].split())
        return copy

    def _change_words(self, text: str, count: int) -> str:
        tokens = text.split(" ")
        changed = 0
        for _ in range(count * 20):
            if changed == count:
                break
            i = int(self._random() * len(tokens))
            token = tokens[i]
            # Plain words only: punctuation, names and paragraph breaks stay as they were.
            if token.isalpha() and token.isascii() and len(token) > 2:
                new = self.pick(_REPLACEMENTS)
                if new.lower() != token.lower():
                    tokens[i] = new.capitalize() if token[0].isupper() else new
                    changed += 1
        return " ".join(tokens)

    # invalid records

    def break_record(self, record: dict[str, Any], kind: str) -> bytes:
        """The line for ``record`` broken in the way ``kind`` names (one problem only)."""
        record = dict(record)
        pick = self.pick
        if kind == "bad-date":
            when = self.moment()
            hour = when.hour % 12 or 12
            half = "AM" if when.hour < 12 else "PM"
            record["published_at"] = pick(
                [
                    f"{when.month}/{when.day}/{when.year} {hour}:{when.minute:02d} {half}",
                    when.strftime("%b %d, %Y"),
                    when.strftime("%Y-%m-%dT%H:%M:%S"),  # no UTC offset: not RFC 3339
                ]
            )
        elif kind == "missing-title":
            del record["title"]
        elif kind == "wrong-type":
            field_name = pick(["authors", "word_count", "title", "source"])
            if field_name == "authors":
                record["authors"] = self.person()
            elif field_name == "word_count":
                record["word_count"] = str(record["word_count"])
            elif field_name == "title":
                record["title"] = int(self._random() * 100000)
            else:
                record["source"] = [record["source"], pick(_SOURCES)[0]]
        elif kind == "unknown-field":
            extra = pick(["category", "publishedAt", "tags"])
            if extra == "category":
                record["category"] = pick(_SECTIONS)
            elif extra == "publishedAt":
                record["publishedAt"] = record["published_at"]
            else:
                record["tags"] = [pick(_NOUNS), pick(_NOUNS)]
        elif kind == "empty-text":
            record["text"] = ""
            record["word_count"] = 0
        elif kind == "bad-url":
            record["url"] = record["url"].split("://", 1)[1]
        elif kind == "bad-language":
            record["language"] = pick(["English", "english (US)", "EN_US"])
        elif kind == "malformed-json":
            line = orjson.dumps(record)
            how = pick(["cut", "trailing-comma", "nan"])
            if how == "cut":
                return line[: 1 + int(self._random() * (len(line) - 2))]
            if how == "trailing-comma":
                return line[:-1] + b",}"
            return line[:-1] + b',"word_count_estimate":NaN}'
        else:
            raise ValueError(f"unknown invalid kind {kind!r}")
        return orjson.dumps(record)


def _due(index: int, parts_per_million: int) -> bool:
    """Whether record ``index`` (0-based) brings the running count of a fraction up by one."""
    return (index + 1) * parts_per_million // _PPM > index * parts_per_million // _PPM


def _fraction_ppm(name: str, value: float) -> int:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return round(value * _PPM)


def generate(
    path: str | os.PathLike[str],
    *,
    articles: int | None = None,
    size_mb: float | None = None,
    invalid_fraction: float = 0.0,
    near_dup_fraction: float = 0.0,
    seed: int = 0,
    truth: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CorpusStats:
    """Write a corpus of ``articles`` lines (or at least ``size_mb`` MB) to ``path``.

    Exactly one of ``articles`` and ``size_mb`` is given (MB = 10**6 bytes; generation
    stops at the first line that reaches the size). ``invalid_fraction`` and
    ``near_dup_fraction`` are fractions of all lines: the first n lines hold exactly
    ``floor(n * invalid_fraction)`` invalid records; a near-duplicate due on a line that
    is already invalid (or before any article exists to copy) goes on the next free
    line, so near-duplicates can fall one short of ``floor(n * near_dup_fraction)``.
    ``truth`` optionally receives one
    JSON line per special record: ``{"line", "id", "kind": "invalid", "reason"}`` or
    ``{"line", "id", "kind": "near-duplicate", "of_id", "of_line"}``. ``progress`` is
    called now and then with (records, bytes) written so far.
    """
    if (articles is None) == (size_mb is None):
        raise ValueError("give exactly one of articles and size_mb")
    if articles is not None and articles < 0:
        raise ValueError("articles must be >= 0")
    if size_mb is not None and size_mb <= 0:
        raise ValueError("size_mb must be > 0")
    invalid_ppm = _fraction_ppm("invalid_fraction", invalid_fraction)
    dup_ppm = _fraction_ppm("near_dup_fraction", near_dup_fraction)
    if invalid_ppm + dup_ppm > _PPM:
        raise ValueError("invalid_fraction + near_dup_fraction must not exceed 1")
    limit_bytes = int(size_mb * MB) if size_mb is not None else None

    rng = random.Random(seed)
    maker = _Articles(rng)
    stats = CorpusStats(path=os.fspath(path), seed=seed)
    kinds: Counter[str] = Counter()
    reservoir: list[tuple[int, dict[str, Any]]] = []
    originals = 0
    owed_duplicates = 0

    with (
        atomic_output_file(path) as tmp,
        open(tmp, "wb", buffering=1 << 20) as out,
        _truth_writer(truth) as truth_out,
    ):
        index = 0
        while True:
            if articles is not None and index >= articles:
                break
            if limit_bytes is not None and stats.bytes >= limit_bytes:
                break
            line_number = index + 1
            if _due(index, dup_ppm):
                owed_duplicates += 1
            if _due(index, invalid_ppm):
                kind = maker.pick(INVALID_KINDS)
                base = maker.article()
                line = maker.break_record(base, kind)
                kinds[kind] += 1
                stats.invalid += 1
                note = {"line": line_number, "id": base["id"], "kind": "invalid", "reason": kind}
            elif owed_duplicates and reservoir:
                of_line, original = maker.pick(reservoir)
                record = maker.near_duplicate(original)
                line = orjson.dumps(record)
                owed_duplicates -= 1
                stats.valid += 1
                stats.near_duplicates += 1
                note = {
                    "line": line_number,
                    "id": record["id"],
                    "kind": "near-duplicate",
                    "of_id": original["id"],
                    "of_line": of_line,
                }
            else:
                record = maker.article()
                line = orjson.dumps(record)
                stats.valid += 1
                note = None
                originals += 1
                if len(reservoir) < RESERVOIR_SIZE:
                    reservoir.append((line_number, record))
                else:
                    slot = int(rng.random() * originals)
                    if slot < RESERVOIR_SIZE:
                        reservoir[slot] = (line_number, record)
            out.write(line)
            out.write(b"\n")
            stats.bytes += len(line) + 1
            stats.records += 1
            if note is not None and truth_out is not None:
                truth_out.write(orjson.dumps(note) + b"\n")
            if progress is not None and stats.records % 10000 == 0:
                progress(stats.records, stats.bytes)
            index += 1
    stats.invalid_by_kind = dict(sorted(kinds.items()))
    return stats


class _truth_writer:
    """An atomically written truth file when a path is given, else None."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self._path = path
        self._atomic: Any = None
        self._handle: Any = None

    def __enter__(self) -> Any:
        if self._path is None:
            return None
        self._atomic = atomic_output_file(self._path)
        tmp = self._atomic.__enter__()
        self._handle = open(tmp, "wb", buffering=1 << 20)
        return self._handle

    def __exit__(self, *exc: Any) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._atomic is not None:
            self._atomic.__exit__(*exc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a deterministic synthetic news-article JSONL corpus.",
        epilog="Example: python bench/generate_corpus.py --out c.jsonl --articles 10000 "
        "--invalid-fraction 0.01 --near-dup-fraction 0.02 --seed 1",
    )
    parser.add_argument("--out", required=True, type=Path, help="JSONL file to write")
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--articles", type=int, help="number of lines to write")
    size.add_argument("--size-mb", type=float, help="write lines until the file reaches M MB")
    parser.add_argument("--invalid-fraction", type=float, default=0.0, help="default 0")
    parser.add_argument("--near-dup-fraction", type=float, default=0.0, help="default 0")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--truth", type=Path, help="also write what each special line is")
    args = parser.parse_args(argv)

    def report(records: int, written: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{records:,} records, {written / MB:,.0f} MB", end="", file=sys.stderr)

    try:
        stats = generate(
            args.out,
            articles=args.articles,
            size_mb=args.size_mb,
            invalid_fraction=args.invalid_fraction,
            near_dup_fraction=args.near_dup_fraction,
            seed=args.seed,
            truth=args.truth,
            progress=report,
        )
    except ValueError as exc:
        parser.error(str(exc))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(orjson.dumps(stats.as_dict(), option=orjson.OPT_INDENT_2).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
