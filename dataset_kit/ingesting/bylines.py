"""Read author names out of byline lines.

A byline starts with a word that introduces authors ("By", "Von", "Par", "Por",
"Di", "Door", "Author:", "Written by", "Posted ... by") and lists one or more names,
often followed by a date, a time, a reading time or a separator ("|", "•", "-").
Names are cut at the first of those, split on commas and conjunctions in several
languages ("and", "und", "et", "y", "&"), and each kept only if it looks like a name:
at most seven words, no digits, starting with a capital letter (handles such as
"jane_doe" are accepted after "posted by"), with lower-case words only where names
have them ("van", "de", "news desk"). A line that reads as a sentence ("By Friday,
the troops had left") is therefore not a byline. Job titles and news agencies that
follow a name after a comma ("Jane Doe, Staff Writer"; "Jane Doe, Reuters") are
dropped from the author list.

:func:`names_in_meta` reads names from a metadata line without an introducing word
("Jane Doe | March 3, 2023"), used when the page has no proper byline.
"""

# Typographic dashes, quotes and arrows are what page dumps contain: match them.
# ruff: noqa: RUF001

from __future__ import annotations

import re

from .dates import MONTHS
from .furniture import SECTIONS, words_set

_INTRO = re.compile(
    r"^(?:(?:written|words|reported|story|text|posted|photos and text|"
    r"text and photos)\s+by|(?:ein|eine) (?:artikel|beitrag|gastbeitrag|kommentar|"
    r"analyse|reportage|interview) (?:von|vom)|un article de|"
    r"by|von|vom|par|por|di|door|av|af|przez|від|автор|"
    r"autor(?:in|en|es|a)?|author(?:s)?|auteur|autore|texto|text|redakteur(?:in)?)"
    r"(?:\s*:\s*|\s+)(?P<rest>.+)$",
    re.I,
)
_POSTED = re.compile(
    r"^(?:posted|published|veröffentlicht|publié|publicado|pubblicato|updated)\b.*?\b"
    r"(?:by|von|par|por|da|door)\s+(?P<rest>.+)$",
    re.I,
)
# First words that can open a byline (the patterns above decide the rest).
_FIRST_WORDS = words_set(
    """written words reported story text posted photos by von vom par por di door
    av af przez від автор autor autorin autoren autores autora author authors auteur autore
    texto redakteur redakteurin ein eine un published veröffentlicht publié publicado
    pubblicato updated"""
)
_WEEKDAYS = words_set(
    """monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch
    donnerstag freitag samstag sonntag lundi mardi mercredi jeudi vendredi samedi dimanche
    lunes martes miércoles jueves viernes
    sábado domingo lunedì martedì mercoledì giovedì venerdì sabato domenica"""
)
# Where the list of names ends.
_CUT = re.compile(
    r"\s*(?:[|•·●▪/—–]|\s-\s|\(|\bon\b|\bat\b|\bam\b(?=\s*\d)|\bum\b|\bupdated\b|"
    r"\bpublished\b|\bposted\b|\baktualisiert\b|\bveröffentlicht\b|\bstand\b|\d|"
    r"\b(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?\s+\d|"
    r"\b(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b|"
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[.,]|"
    r"\b(?:min|mins|minute|minutes)\s+read\b|\blesezeit\b|\breading time\b)",
    re.I,
)
_SPLIT = re.compile(r"\s*(?:,|;|&|\+|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\boch\b|\bog\b)\s*")
_IN_PLACE = re.compile(r"\s+(?:in|aus|en|à|a|da|em)\s+[A-ZÀ-Ý][\w.-]*(?:\s+[A-ZÀ-Ý][\w.-]*)*$")
_PARTICLES = words_set(
    """van von de der den del della da das dos du la le al el bin ibn zu ten ter y
    di st. mc news desk staff team editorial board redaktion rédaction redacción
    redazione online digital and"""
)
_ROLES = words_set(
    """staff writer writers reporter reporters correspondent correspondents editor editors
    senior chief contributing contributor columnist political foreign special associate
    deputy managing science business economics health tech technology sports culture
    opinion investigative data news desk journalist freelance freelancer photographer
    photojournalist producer video audio intern fellow analyst global international
    national local europe european washington london berlin bureau head of the for
    in and correspondentin korrespondent korrespondentin redakteur redakteurin autor
    autorin reporterin"""
)
_AGENCIES = words_set(
    """reuters ap afp dpa epd kna apa sda bloomberg xinhua ansa efe interfax ukrinform
    tass kyodo yonhap pa upi anadolu"""
) | {"associated press", "press association", "agence france-presse", "the associated press"}
_NAME_TOKEN = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-ſА-ЯЄІЇҐ][\w'’.\-]*$|^[A-Z]\.$")
_HANDLE = re.compile(r"^[\w.\-]{2,40}$")


def parse_byline(line: str) -> list[str] | None:
    """Author names of a byline line, or None when ``line`` is not a byline."""
    first = line[:24].split(None, 1)[0].lower().rstrip(":") if line else ""
    if first not in _FIRST_WORDS:
        return None  # the common case, decided without running the patterns
    match = _POSTED.match(line) or _INTRO.match(line)
    if match is None:
        return None
    posted = match.re is _POSTED or line[:6].lower() == "posted"
    rest = match["rest"].strip()
    cut = _CUT.search(rest)
    names_part = rest[: cut.start()] if cut else rest
    tail = rest[cut.start() :] if cut else ""
    if not names_part.strip(" ,;:"):
        return None
    # A sentence that happens to start with "By" goes on for many words after a comma.
    if cut is None and len(rest.split()) > 12:
        return None
    names = split_names(names_part, allow_handle=posted)
    if names is None:
        return None
    if tail and not names:
        return None
    return names


def split_names(text: str, *, allow_handle: bool = False) -> list[str] | None:
    """Split "A, B and C" into names; None if some part is neither a name nor a role."""
    parts = [p.strip(" .,;:'\"“”") for p in _SPLIT.split(text.strip(" ,;:"))]
    names: list[str] = []
    dropped_affiliation = False
    for index, part in enumerate(parts):
        if not part:
            continue
        part = _IN_PLACE.sub("", part)
        low = part.lower()
        if index > 0 and (low in _AGENCIES or all(t in _ROLES for t in low.split())):
            dropped_affiliation = True
            continue
        if _is_name(part) or (allow_handle and len(parts) == 1 and _HANDLE.match(part)):
            names.append(_unshout(part))
        else:
            return None
    if not names and not dropped_affiliation:
        return None
    return names


def _unshout(name: str) -> str:
    """ "JANE O'NEIL" -> "Jane O'Neil": bylines in capitals are typography, not spelling."""
    if name.isupper() and len(name) > 3:
        return " ".join(
            token.capitalize() if "'" not in token else token.title() for token in name.split()
        )
    return name


def _is_name(part: str) -> bool:
    tokens = part.split()
    if not 1 <= len(tokens) <= 7 or len(part) > 60:
        return False
    first = tokens[0].lower()
    if first in _WEEKDAYS or first.rstrip(".") in MONTHS:
        return False
    if not _NAME_TOKEN.match(tokens[0]):
        return False
    for token in tokens[1:]:
        if _NAME_TOKEN.match(token):
            continue
        if token.lower() in _PARTICLES:
            continue
        return False
    return not any(ch.isdigit() for ch in part)


def names_in_meta(residue: str) -> list[str]:
    """Names in what is left of a date line once dates and labels are removed.

    Only parts that are two to four capitalised words count, so that "Politics" or
    "Updated" left over from a metadata line are not taken for a person.
    """
    names: list[str] = []
    for part in re.split(r"\s*[|•·●▪/—–]\s*|\s-\s", residue):
        part = part.strip(" ,;:")
        tokens = part.split()
        if 2 <= len(tokens) <= 4 and all(_NAME_TOKEN.match(t) for t in tokens):
            low = part.lower()
            if low in _AGENCIES or all(t in _ROLES for t in low.split()):
                continue
            if any(t.lower().rstrip(".") in MONTHS or t.lower() in _WEEKDAYS for t in tokens):
                continue
            names.append(part)
    return names


_ORG_WORDS = words_set(
    """news times post press media agency service radio tv daily weekly journal herald
    tribune gazette courier chronicle observer online digital network channel group
    magazine review world international staff desk team editorial office ministry
    council university police department images photo photos getty"""
)
_ROLE_NOUNS = words_set(
    """correspondent correspondents editor editors reporter reporters writer columnist
    journalist producer critic analyst photographer korrespondent korrespondentin
    redakteur redakteurin reporterin autor autorin"""
)
_BARE_NAME = re.compile(r"^[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’\-]+$|^[A-Z]\.$")


def bare_name(line: str) -> list[str] | None:
    """A line that is only a person's name, optionally with a job title after it.

    "Jane Doe", "Jane Doe Transport correspondent", "Jane Doe, Staff Writer": two to
    four capitalised words (not a section, organisation, month or weekday), then
    only a job title. Used for the header lines between headline and body.
    """
    text = line.strip().rstrip(".")
    if len(text) > 80 or any(ch.isdigit() for ch in text):
        return None
    head, comma, role = text.partition(",")
    tokens = head.split()
    all_words = (head + " " + role).split()
    ends_in_role = all_words[-1].lower().strip(".,") in _ROLE_NOUNS
    name_tokens: list[str] = []
    for token in tokens:
        if _BARE_NAME.match(token) and token.lower() not in _ROLES:
            name_tokens.append(token)
        else:
            break
    if ends_in_role and not comma and len(name_tokens) > 2:
        # "Jane Doe Transport correspondent": the words before the role noun are its topic.
        name_tokens = name_tokens[:2]
    rest = tokens[len(name_tokens) :] + role.split()
    if not 2 <= len(name_tokens) <= 4:
        return None
    lowered = [t.lower().rstrip(".") for t in name_tokens]
    if any(
        t in _ORG_WORDS or t in MONTHS or t in _WEEKDAYS or t in SECTIONS or t in _ROLES
        for t in lowered
    ):
        return None
    if rest and not ends_in_role and not all(t.lower().strip(".,") in _ROLES for t in rest):
        return None
    return [" ".join(name_tokens)]
