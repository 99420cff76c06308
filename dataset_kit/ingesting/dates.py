"""Find publication dates in the metadata lines of a page, and format them as RFC 3339.

Recognised forms, in English, German, French, Spanish, Italian, Dutch and Portuguese
month names: ``2023-05-14`` (with an optional ISO time and offset), ``November 11,
2022``, ``Nov. 11 2022``, ``11 November 2022``, ``4. Februar 2023``, ``11 de
noviembre de 2022``, ``04.02.2023`` (day first), and ``5/14/2023`` only when the
day is unambiguous (greater than 12). A time next to the date is picked up in 12- or
24-hour form (``4:07 PM``, ``14:30 Uhr``, ``16h07``), with a zone when the page gives
one: ``UTC``/``GMT`` with an optional offset, ``Z``, ``+02:00``, or an abbreviation
(``EST``, ``CEST``, ``MESZ``, ...; ``ET``/``PT``/``CT``/``MT`` are read as the US
zones, daylight saving included).

Each date is labelled by the words before it: "Published", "Posted", "Veröffentlicht"
give a publication date; "Updated", "Last updated", "Aktualisiert", "Stand" a
modification date; "Stand" (as of) either, when the page gives no other; no label
leaves it unlabelled (a byline date is a publication
date). Relative times ("Updated 3 hours ago") are not dates: nothing is guessed.

This module only parses; which lines are metadata (and so never a copyright year or
a feed time) is decided by :mod:`.extract`.
"""

# Typographic dashes, quotes and arrows are what page dumps contain: match them.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan januar jänner jän janvier janv enero ene gennaio genn gen januari janeiro",
        "february feb februar feber février févr fevr febrero febbraio febr februari fevereiro fev",
        "march mar märz maerz mär mrz mars marzo maart mrt março",
        "april apr avril avr abril aprile",
        "may mai mayo maggio mei maio mag",
        "june jun juni juin junio giugno giu junho",
        "july jul juli juillet juil julio luglio lug julho",
        "august aug août aout agosto ago augustus",
        "september sep sept septembre septiembre settembre set setembro",
        "october oct oktober okt octobre octubre ottobre ott outubro out",
        "november nov novembre noviembre novembro",
        "december dec dezember dez décembre déc diciembre dic dicembre dezembro",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_DAY = r"(?P<day>[0-3]?\d)"

_DATE_PATTERNS = [
    (
        "iso",
        re.compile(
            r"(?<!\d)(?P<year>(?:19|20)\d{2})-(?P<month>[01]\d)-(?P<day>[0-3]\d)"
            r"(?:[T ](?P<hour>[0-2]\d):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?(?:\.\d+)?"
            r"\s*(?P<offset>Z|[+-][0-2]\d:?[0-5]\d)?)?(?!\d)",
            re.I,
        ),
    ),
    (
        "mdy",
        re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r"(?:st|nd|rd|th)?,?\s+" + _YEAR + r"\b", re.I),
    ),
    (
        "dmy",
        re.compile(
            r"\b"
            + _DAY
            + r"(?:\.|st|nd|rd|th|er|º)?\s+(?:de\s+|of\s+)?"
            + _MONTH
            + r",?\s+(?:de\s+)?"
            + _YEAR
            + r"\b",
            re.I,
        ),
    ),
    (
        "dotted",
        re.compile(r"(?<![\d.])(?P<day>[0-3]?\d)\.(?P<month>[01]?\d)\.(?P<year>(?:19|20)\d{2})\b"),
    ),
    (
        "slashed",
        re.compile(r"(?<![\d/])(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<year>(?:19|20)\d{2})\b"),
    ),
]

_ZONE_NAMES = (
    r"UTC|GMT|Z|EST|EDT|CST|CDT|MST|MDT|PST|PDT|AKST|AKDT|HST|BST|CET|CEST|MEZ|MESZ|WET|WEST|"
    r"EET|EEST|OEZ|OESZ|MSK|JST|KST|HKT|SGT|AEST|AEDT|ACST|AWST|NZST|NZDT|IST|ET|PT|CT|MT"
)
_TIME = re.compile(
    r"(?<![\d:.])(?P<hour>[0-2]?\d)(?:(?P<sep>[:.h])(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?)?"
    r"\s*(?P<ampm>a\.?\s?m\.?|p\.?\s?m\.?)?(?![\d])(?:\s*(?:uhr|h))?"
    r"(?:\s*\(?\s*(?P<zone>(?-i:" + _ZONE_NAMES + r"))\b\s*(?P<zoff>[+-]\d{1,2}(?::?\d{2})?)?\)?"
    r"|\s*(?P<offset>[+-][0-2]\d:?[0-5]\d))?",
    re.I,
)

# Fixed offsets in hours; the two-letter US forms follow daylight saving via zoneinfo.
_ZONE_OFFSETS = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "BST": 1,
    "CET": 1,
    "MEZ": 1,
    "WEST": 1,
    "CEST": 2,
    "MESZ": 2,
    "EET": 2,
    "OEZ": 2,
    "EEST": 3,
    "OESZ": 3,
    "MSK": 3,
    "IST": 5.5,
    "SGT": 8,
    "HKT": 8,
    "AWST": 8,
    "JST": 9,
    "KST": 9,
    "ACST": 9.5,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
    "HST": -10,
    "AKST": -9,
    "AKDT": -8,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "CST": -6,
    "CDT": -5,
    "EST": -5,
    "EDT": -4,
}
_ZONE_REGIONS = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
}

_PUBLISHED = re.compile(
    r"(?:first published|published|publication date|posted|released|created|date|dated|"
    r"veröffentlicht|erschienen|erstellt|datum|publié|publie|paru|publicado|publicada|fecha|"
    r"pubblicato|pubblicata|data|gepubliceerd|geplaatst|publicado em)\b[^|•·]*$",
    re.I,
)
_AS_OF = re.compile(r"(?:stand|as of|état au|estado a)\b[^|•·]*$", re.I)
_MODIFIED = re.compile(
    r"(?:last updated|updated|update|last modified|modified|revised|edited|aktualisiert|"
    r"zuletzt aktualisiert|geändert|mis à jour|mise à jour|modifié|actualizado|"
    r"actualizada|aggiornato|aggiornata|bijgewerkt|atualizado)\b[^|•·]*$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class DateHit:
    """One date found in a line.

    ``label`` is ``"published"``, ``"modified"``, ``"asof"`` ("Stand: ...", which
    stands for both when nothing else is given) or None; ``time`` is ``(hour,
    minute, second)`` or None; ``offset`` a fixed UTC offset in minutes, ``region`` an
    IANA zone named by the page, both None when the page gives no zone.
    """

    date: dt.date
    time: tuple[int, int, int] | None
    offset: int | None
    region: str | None
    label: str | None
    start: int
    end: int

    def format(self, default_zone: ZoneInfo | None = None) -> str:
        """RFC 3339: date-time with offset when time and zone are known, else the date."""
        if self.time is None:
            return self.date.isoformat()
        tzinfo: dt.tzinfo | None
        if self.offset is not None:
            tzinfo = dt.timezone(dt.timedelta(minutes=self.offset))
        elif self.region is not None:
            tzinfo = _zone(self.region)
        else:
            tzinfo = default_zone
        if tzinfo is None:
            return self.date.isoformat()
        moment = dt.datetime(*self.date.timetuple()[:3], *self.time, tzinfo=tzinfo)
        return moment.isoformat()


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def find_dates(line: str) -> list[DateHit]:
    """All dates in ``line``, in order of position, each with its time and label."""
    spans: list[tuple[int, int, dt.date, re.Match[str]]] = []
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(line):
            if any(s < match.end() and match.start() < e for s, e, _, _ in spans):
                continue
            day = _to_date(kind, match)
            if day is not None:
                spans.append((match.start(), match.end(), day, match))
    if not spans:
        return []
    spans.sort(key=lambda item: item[0])
    hits: list[DateHit] = []
    previous_end = 0
    for index, (start, end, day, match) in enumerate(spans):
        next_start = spans[index + 1][0] if index + 1 < len(spans) else len(line)
        time, offset, region, end = _time_near(line, match, end, next_start, previous_end)
        label = _label(line[previous_end:start])
        hits.append(DateHit(day, time, offset, region, label, start, end))
        previous_end = end
    return hits


def _to_date(kind: str, match: re.Match[str]) -> dt.date | None:
    try:
        year = int(match["year"])
        if kind == "slashed":
            a, b = int(match["a"]), int(match["b"])
            if a > 12 >= b:
                day, month = a, b
            elif b > 12 >= a:
                month, day = a, b
            else:
                return None  # 03/04/2023: day and month cannot be told apart
        elif kind in ("iso", "dotted"):
            month, day = int(match["month"]), int(match["day"])
        else:
            month = MONTHS[match["month"].lower()]
            day = int(match["day"])
        return dt.date(year, month, day)
    except (ValueError, KeyError):
        return None


def _time_near(
    line: str, match: re.Match[str], end: int, next_start: int, previous_end: int
) -> tuple[tuple[int, int, int] | None, int | None, str | None, int]:
    """The time (and zone) written just after the date, or just before it."""
    if match.re is _DATE_PATTERNS[0][1] and match["hour"]:
        time = (int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
        offset = _parse_offset(match["offset"]) if match["offset"] else None
        if time[0] > 23:
            return None, None, None, end
        return time, offset, None, end
    after = re.match(r"[\s,;|/·•–—-]*(?:at|um|à|a las|alle|om|às|,)?\s*", line[end:next_start])
    start = end + (after.end() if after else 0)
    found = _read_time(line, start, next_start)
    if found is not None:
        return found
    # "14:30 Uhr, 04.02.2023" or "4:07 PM, Nov 11, 2022": a time right before the date.
    window_start = max(previous_end, match.start() - 24)
    for candidate in _TIME.finditer(line, window_start, match.start()):
        if candidate.group("sep") or candidate.group("ampm"):
            tail = line[candidate.end() : match.start()]
            if re.fullmatch(r"[\s,;|/·•–—-]*(?:on|am|le|el|il|op)?\s*", tail, re.I):
                parsed = _time_from(candidate)
                if parsed is not None:
                    time, offset, region = parsed
                    return time, offset, region, end
    return None, None, None, end


def _read_time(
    line: str, start: int, limit: int
) -> tuple[tuple[int, int, int], int | None, str | None, int] | None:
    candidate = _TIME.match(line, start, limit)
    if candidate is None or not (candidate.group("sep") or candidate.group("ampm")):
        return None
    # 14.30 is a time only when "Uhr", a zone or am/pm follows; else it may be a number.
    if (
        candidate.group("sep") == "."
        and not candidate.group("ampm")
        and not candidate.group("zone")
        and not candidate.group("offset")
        and not re.match(r"\s*uhr", line[candidate.end("minute") :], re.I)
    ):
        return None
    parsed = _time_from(candidate)
    if parsed is None:
        return None
    time, offset, region = parsed
    return time, offset, region, candidate.end()


def _time_from(
    candidate: re.Match[str],
) -> tuple[tuple[int, int, int], int | None, str | None] | None:
    hour = int(candidate["hour"])
    minute = int(candidate["minute"] or 0)
    second = int(candidate["second"] or 0)
    ampm = (candidate["ampm"] or "").lower().replace(".", "").replace(" ", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif hour > 23:
        return None
    offset: int | None = None
    region: str | None = None
    zone = (candidate["zone"] or "").upper()
    if candidate["offset"]:
        offset = _parse_offset(candidate["offset"])
    elif zone in _ZONE_REGIONS:
        region = _ZONE_REGIONS[zone]
    elif zone:
        offset = round(_ZONE_OFFSETS[zone] * 60)
        if candidate["zoff"]:
            offset += _parse_offset(candidate["zoff"])
    return (hour, minute, second), offset, region


def _parse_offset(text: str) -> int:
    if text.upper() == "Z":
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:-2] or 0) if len(digits) > 2 else int(digits)
    minutes = int(digits[-2:]) if len(digits) > 2 else 0
    return sign * (hours * 60 + minutes)


def _label(before: str) -> str | None:
    before = before.strip()
    if not before:
        return None
    if _MODIFIED.search(before):
        return "modified"
    if _AS_OF.search(before):
        return "asof"
    if _PUBLISHED.search(before):
        return "published"
    return None


def parse_timezone(name: str | None) -> ZoneInfo | None:
    """The IANA zone for ``--timezone``; raises ValueError naming the bad zone."""
    if not name:
        return None
    try:
        return _zone(name)
    except (ValueError, KeyError, OSError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin or UTC"
        ) from exc
