"""Unit tests of the ingest building blocks: dates, bylines, furniture, decoding, body rules."""

# Page dumps are full of typographic quotes and dashes.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from dataset_kit.ingesting import ingest_page
from dataset_kit.ingesting.bylines import bare_name, parse_byline
from dataset_kit.ingesting.dates import find_dates, parse_timezone
from dataset_kit.ingesting.decode import decode_page
from dataset_kit.ingesting.extract import Rejection, extract, split_lines
from dataset_kit.ingesting.furniture import classify, normalise

# --- dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "label", "plain", "in_kyiv"),
    [
        (
            "by The Kyiv Independent news desk November 11, 2022 4:07 PM 1 min read",
            None,
            "2022-11-11",
            "2022-11-11T16:07:00+02:00",
        ),
        (
            "April 18, 2023 6:12 AM UTC Updated 3 hours ago",
            None,
            "2023-04-18T06:12:00+00:00",
            "2023-04-18T06:12:00+00:00",
        ),
        (
            "Von Max Mustermann | 04.02.2023, 14:30 Uhr",
            None,
            "2023-02-04",
            "2023-02-04T14:30:00+02:00",
        ),
        ("Posted on 2023-05-14 by jane", "published", "2023-05-14", "2023-05-14"),
        (
            "Published: March 3, 2023 at 9:15 a.m. ET",
            "published",
            "2023-03-03T09:15:00-05:00",
            "2023-03-03T09:15:00-05:00",
        ),
        (
            "Last updated: 4. Februar 2023, 16:07",
            "modified",
            "2023-02-04",
            "2023-02-04T16:07:00+02:00",
        ),
        (
            "2023-05-14T10:00:00Z",
            None,
            "2023-05-14T10:00:00+00:00",
            "2023-05-14T10:00:00+00:00",
        ),
        ("14:30 Uhr, 04.02.2023", None, "2023-02-04", "2023-02-04T14:30:00+02:00"),
        ("Stand: 31/12/2023", "asof", "2023-12-31", "2023-12-31"),
        (
            "Publicado el 14 de octubre de 2023, 09:20 CEST",
            "published",
            "2023-10-14T09:20:00+02:00",
            "2023-10-14T09:20:00+02:00",
        ),
        (
            "Tue 14 Mar 2023 12.30 GMT",
            None,
            "2023-03-14T12:30:00+00:00",
            "2023-03-14T12:30:00+00:00",
        ),
        (
            "Updated 3:47 PM EDT, July 2, 2023",
            "modified",
            "2023-07-02T15:47:00-04:00",
            "2023-07-02T15:47:00-04:00",
        ),
        (
            "17 juillet 2023 à 18h45",
            None,
            "2023-07-17",
            "2023-07-17T18:45:00+03:00",
        ),
    ],
)
def test_dates_with_times_zones_and_labels(line, label, plain, in_kyiv):
    hits = find_dates(line)
    assert len(hits) == 1
    assert hits[0].label == label
    assert hits[0].format(None) == plain
    assert hits[0].format(zoneinfo.ZoneInfo("Europe/Kyiv")) == in_kyiv


def test_us_eastern_time_follows_daylight_saving():
    winter, summer = find_dates("Jan 5, 2023 9:00 AM ET | Jul 5, 2023 9:00 AM ET")
    assert winter.format() == "2023-01-05T09:00:00-05:00"
    assert summer.format() == "2023-07-05T09:00:00-04:00"


def test_two_dates_in_one_line_keep_their_own_labels():
    first, second = find_dates("April 18, 2023 6:12 AM UTC Updated April 18, 2023 9:40 AM UTC")
    assert (first.label, first.format()) == (None, "2023-04-18T06:12:00+00:00")
    assert (second.label, second.format()) == ("modified", "2023-04-18T09:40:00+00:00")


@pytest.mark.parametrize(
    "line",
    [
        "03/04/2023",  # day and month cannot be told apart
        "February 30, 2023",
        "5:15 AM",
        "Updated 3 hours ago",
        "It rained 14.30 millimetres",
        "In 2023 the plan changed",
    ],
)
def test_no_date_is_guessed(line):
    assert [h.date for h in find_dates(line)] == []


def test_bad_timezone_is_a_clear_error():
    assert parse_timezone("Europe/Berlin") == zoneinfo.ZoneInfo("Europe/Berlin")
    assert parse_timezone(None) is None
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        parse_timezone("Mars/Olympus")


# --- bylines -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "names"),
    [
        (
            "by The Kyiv Independent news desk November 11, 2022 4:07 PM 1 min read",
            ["The Kyiv Independent news desk"],
        ),
        ("By Anna Kowalski and Tomás Reyes", ["Anna Kowalski", "Tomás Reyes"]),
        ("By A. Kowalski, B. Reyes & C. Moreau", ["A. Kowalski", "B. Reyes", "C. Moreau"]),
        (
            "Von Max Mustermann und Erika Musterfrau | 04.02.2023",
            ["Max Mustermann", "Erika Musterfrau"],
        ),
        ("Posted on 2023-05-14 by jane", ["jane"]),
        ("Posted by jane at 10:32", ["jane"]),
        ("By Jane Doe, Staff Writer", ["Jane Doe"]),
        ("By Jane Doe, Reuters", ["Jane Doe"]),
        ("By JANE HOLLOWAY and PETER O'NEIL", ["Jane Holloway", "Peter O'Neil"]),
        ("Ein Artikel von Lena Hartmann • 12.09.2023, 06.00 Uhr", ["Lena Hartmann"]),
        ("Par Camille Dubois | 17 juillet 2023", ["Camille Dubois"]),
        ("Por Lucía Ferrer y Andrés Molina", ["Lucía Ferrer", "Andrés Molina"]),
        ("Author: Sam Okoro", ["Sam Okoro"]),
        ("By Sun Li in Beijing", ["Sun Li"]),
    ],
)
def test_byline_names(line, names):
    assert parse_byline(line) == names


@pytest.mark.parametrize(
    "line",
    [
        "By Friday, the troops had left the city.",
        "Von der Leyen sagte am Montag, dass die Gespräche weitergehen.",
        "By the time the ferry arrived, most passengers had gone home.",
        "by jane doe",
        "Par ailleurs, le gouvernement a annoncé une réforme.",
        "By March 2024 the plant should be finished.",
    ],
)
def test_sentences_starting_like_a_byline_are_not_bylines(line):
    assert parse_byline(line) is None


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Dana Whitfield", ["Dana Whitfield"]),
        ("Dana Whitfield Transport correspondent", ["Dana Whitfield"]),
        ("Lucy Barnes, Environment Reporter", ["Lucy Barnes"]),
        ("BBC News", None),
        ("Middle East", None),
        ("Climate Change", None),
        ("Getty Images", None),
        ("The Valley Tribune", None),
        ("Share", None),
        ("Published 2 hours ago", None),
    ],
)
def test_name_only_lines(line, names):
    assert bare_name(line) == names


# --- furniture ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("Skip to content", "nav"),
        ("Zum Inhalt springen", "nav"),
        ("Home | About | Recipes | Contact", "nav"),
        ("World > Europe", "nav"),
        ("Politik", "nav"),
        ("5:15 AM", "time"),
        ("3 hours ago", "time"),
        ("vor 2 Stunden", "time"),
        ("Read also: Kyiv metro extends night service", "read-also"),
        ("READ MORE: Oil prices fall", "read-also"),
        ("Lesen Sie auch: Neue Radwege geplant", "read-also"),
        ("Advertisement", "ad"),
        ("Anzeige", "ad"),
        ("* indicates required", "newsletter"),
        ("Enter your email to subscribe", "newsletter"),
        ("Newsletter abonnieren", "newsletter"),
        (
            "Thank you for signing up for this newsletter. We’ve sent you a confirmation email.",
            "newsletter",
        ),
        ("We use cookies to improve your experience. By continuing to browse you agree.", "cookie"),
        ("Alle akzeptieren", "cookie"),
        ("© 2023 Example Media. All rights reserved.", "footer"),
        ("Privacy Policy | Terms of Use", "footer"),
        ("Reporting by Liina Tamm; Editing by Ruth Okafor", "credits"),
        ("Read Next", "related"),
        ("MORE NEWS", "related"),
        ("Editors' Picks", "related"),
        ("Mehr zum Thema", "related"),
        ("Leave a Reply Cancel reply", "comments"),
        ("Comments (12)", "comments"),
        ("Your email address will not be published. Required fields are marked *", "form"),
        ("Share this:", "share-heading"),
        ("Like this:", "share-heading"),
        ("Click to share on X (Opens in new window)", "share"),
        ("Pin it", "share"),
        ("Share on X", "share"),
        ("Tweet", "share"),
        ("Email", "share"),
        ("Print", "share"),
        ("WhatsApp", "share"),
        ("Share · Tweet · Pin · Email", "share"),
        ("Facebook X LinkedIn Email", "share"),
        ("BREAKING: Ukrainian Armed Forces enter Kherson", "breaking"),
        ("Tags: Transport, Tourism", "tags"),
        ("Photo: Jane Roe/Northwire", "caption"),
        ("This audio is created with AI assistance", "audio"),
        ("https://news.example.org/2023/04/18/grid-switch", "url"),
        ("***", "symbols"),
    ],
)
def test_furniture_categories(line, category):
    line = normalise(line)
    assert classify(line, line.lower(), len(line.split())) == category


@pytest.mark.parametrize(
    "line",
    [
        "The bakery sold 5,000 cookies at the fair, twice as many as last year.",
        "The court ruled that the copyright law did not apply to the photographs.",
        "Comments from the minister were broadcast on Thursday evening.",
        "More than 300 residents spent the night in a sports hall.",
        "Share prices fell by 4% in early trading.",
        "The city of Kherson in southern Ukraine was occupied by Russian forces in March.",
        "Related problems emerged later in the year, officials said.",
        "Watching the river rise, residents began to move their cars.",
        "Email scams rose sharply last year.",
        "Print runs were cut by half.",
    ],
)
def test_article_sentences_are_not_furniture(line):
    assert classify(line, line.lower(), len(line.split())) is None


# --- decoding ----------------------------------------------------------------------


def test_decode_utf8_with_bom_and_utf16():
    assert decode_page("\ufeffHällo".encode()).text == "Hällo"
    decoded = decode_page("Grüße aus Köln".encode("utf-16"))
    assert (decoded.text, decoded.encoding) == ("Grüße aus Köln", "utf-16")


def test_decode_latin1_german_by_detection():
    text = (
        "Die Bürgerinnen und Bürger der Stadt äußerten sich überwiegend zufrieden über "
        "die neue Straßenbahnlinie, die künftig alle fünf Minuten fährt."
    )
    decoded = decode_page(text.encode("latin-1"))
    assert decoded.text == text and decoded.encoding != "utf-8"


def test_decode_control_characters_are_binary():
    decoded = decode_page(bytes(range(1, 32)) * 20 + b"some text")
    assert decoded.binary and "control characters" in decoded.detail


def test_clean_text_is_not_touched_by_the_mojibake_repair():
    text = "Ein Café in Köln — “quoted” – naïve Ångström ½"
    decoded = decode_page(text.encode())
    assert decoded.text == text and not decoded.repaired


# --- lines and body rules ----------------------------------------------------------


def test_hard_wrapped_paragraphs_are_joined():
    lines = split_lines(
        "Title line here\r\n\r\nThe footbridge opened on Wednesday, two years\r\n"
        "later than planned, after problems with the\r\nsteel supplier.\r\nNext paragraph.\n"
    )
    assert [line.text for line in lines] == [
        "Title line here",
        "The footbridge opened on Wednesday, two years later than planned, after problems "
        "with the steel supplier.",
        "Next paragraph.",
    ]
    assert lines[1].physical == 3


def page(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


HEAD = "Town council votes to keep the old market hall open"
P1 = (
    "The town council voted on Tuesday to keep the old market hall open for at least five "
    "more years, reversing a decision taken last spring."
)
P2 = (
    "Traders had collected more than 4,000 signatures against the closure, and several "
    "councillors changed their minds after a site visit."
)
P3 = "The hall needs a new roof, which will cost about 900,000, the council said."


def _text(source: str) -> str:
    result = extract(source)
    assert not isinstance(result, Rejection), result
    return result.text


def test_a_list_of_headlines_ends_the_body():
    source = page(
        HEAD,
        P1,
        P2,
        "Harbour plan delayed again",
        "New bus routes from May",
        "Library hours extended",
        P3,
    )
    assert _text(source) == "\n\n".join([P1, P2])


def test_a_list_announced_by_a_colon_is_kept():
    source = page(
        HEAD,
        P1,
        "The plan includes:",
        "a new roof",
        "longer opening hours",
        "twelve new stalls",
        P3,
    )
    assert _text(source).endswith("twelve new stalls\n\n" + P3)


def test_sub_headings_between_paragraphs_are_kept_and_trailing_labels_are_not():
    source = page(HEAD, P1, "What happens next", P2, "Around the region")
    assert _text(source) == "\n\n".join([P1, "What happens next", P2])


def test_a_feed_time_ends_the_body_even_without_a_heading():
    source = page(
        HEAD,
        P1,
        P2,
        "8:47 AM",
        "Another story entirely, with a long paragraph that reads like prose and goes on.",
    )
    assert _text(source) == "\n\n".join([P1, P2])


def test_an_unlabelled_date_after_the_body_starts_the_next_story():
    source = page(
        HEAD,
        P1,
        P2,
        "March 3, 2023",
        "A teaser of another story that reads like a sentence of prose.",
    )
    assert _text(source) == "\n\n".join([P1, P2])


def test_a_newsletter_box_inside_the_article_does_not_end_it():
    source = page(
        HEAD,
        P1,
        "Sign up for our daily newsletter",
        "Enter your email address",
        "Subscribe",
        P2,
        P3,
    )
    assert _text(source) == "\n\n".join([P1, P2, P3])


def test_a_wall_of_furniture_ends_the_article():
    source = page(
        HEAD,
        P1,
        P2,
        "Subscribe",
        "Share",
        "Facebook",
        "Twitter",
        "A teaser paragraph about another story that reads like prose too.",
    )
    assert _text(source) == "\n\n".join([P1, P2])


def test_a_pull_quote_repeating_a_paragraph_is_dropped():
    source = page(HEAD, P1, P2, P1, P3)
    assert _text(source) == "\n\n".join([P1, P2, P3])


def test_a_promotion_after_the_article_is_dropped():
    source = page(
        HEAD,
        P1,
        P2,
        "Subscribe to The Quiet Ledger",
        "Thousands of readers get new posts by email.",
    )
    assert _text(source) == "\n\n".join([P1, P2])


def test_the_author_biography_is_not_article_text():
    source = page(
        HEAD, "By Dana Whitfield", P1, P2, "Dana Whitfield is a reporter covering local government."
    )
    result = extract(source)
    assert result.authors == ["Dana Whitfield"]
    assert result.text == "\n\n".join([P1, P2])


def test_a_label_on_its_own_line_labels_the_date_below():
    source = page(HEAD, "Published", "March 3, 2023", "Last updated", "March 9, 2023", P1, P2)
    result = extract(source)
    assert result.published.format() == "2023-03-03"
    assert result.modified.format() == "2023-03-09"


def test_dates_are_never_taken_from_the_body_or_a_copyright_line():
    source = page(
        HEAD,
        P1,
        "On March 3, 2023, the council met again and voted to keep the hall open for good.",
        "© 2024 Market Times",
    )
    result = extract(source)
    assert result.published is None and result.modified is None
    assert result.source == "Market Times"


def test_rejects_say_why():
    assert extract("").reason == "empty"
    assert extract(page("Home", "News", "Sport", "Contact")).reason == "link-list"
    cookie_wall = "We use cookies to improve your experience. Accept all cookies to continue."
    assert extract(page(cookie_wall)).reason == "no-text"
    assert extract(page(P1, P2)).reason == "no-title"
    assert extract(page(HEAD, "Too short.")).reason == "no-text"


def test_text_input_and_bytes_input_agree():
    source = page(HEAD, "By Dana Whitfield | June 1, 2023", P1, P2)
    from_text = ingest_page(source, source_file="x.txt").record
    from_bytes = ingest_page(source.encode(), source_file="x.txt").record
    assert from_text == from_bytes
    assert from_text["published_at"] == dt.date(2023, 6, 1).isoformat()


def test_substring_triggers_never_change_a_verdict():
    """Every line of every fixture and sample page: gated rules agree with the bare patterns."""
    from pathlib import Path

    from dataset_kit.ingesting import furniture
    from dataset_kit.sample import pages_dir

    fixtures = Path(__file__).parent / "fixtures"
    folders = [fixtures / "pages", fixtures / "pages_more", pages_dir()]
    lines = {
        normalise(line).lower()
        for folder in folders
        for path in folder.glob("*.txt")
        for line in path.read_bytes().decode("utf-8", "replace").splitlines()
    }
    lines |= {
        normalise(line).lower()
        for line in [
            "We and our partners store data.",
            "Wenn Sie diese Website weiter nutzen, stimmen Sie zu.",
            "Save my name, email, and website in this browser.",
            "Story continues below advertisement",
            "Jane Roe/AFP via Getty Images",
            "Follow us on Bluesky for updates",
            "Listen to this article, 4 minutes",
            "You're subscribed! Check your inbox.",
            "4 Min. Lesezeit",
            "We have been working hard. Help us keep going by becoming a member today.",
            "Please consider a donation: donate now",
        ]
    }
    checked = 0
    for low in lines:
        words = len(low.split())
        for category, triggers, pattern, limit in furniture._ANYWHERE:
            if words <= limit and pattern.search(low):
                checked += 1
                assert any(t in low for t in triggers), (category, low)
    assert checked > 40


def test_a_short_one_sentence_lede_under_the_byline_is_not_the_headline():
    lede = "The port operator postponed the new parking fees on Tuesday."
    source = page("Skip to content", HEAD, "by Dana Whitfield May 14, 2022 4:40 PM 2 min read")
    source += "This audio is created with AI assistance\n\n" + page(lede, P1, P2)
    result = extract(source)
    assert result.title == HEAD
    assert result.text == "\n\n".join([lede, P1, P2])
    assert result.authors == ["Dana Whitfield"]


def test_read_also_label_on_its_own_line_takes_the_link_below_with_it():
    source = page(HEAD, P1, "Read also", "Kyiv metro extends night service", P2, P3)
    assert _text(source) == "\n\n".join([P1, P2, P3])


def test_the_html_title_with_the_site_name_is_not_the_headline():
    source = page(f"{HEAD} | Market Times", HEAD, "By Dana Whitfield", P1, P2)
    assert extract(source).title == HEAD


def test_a_time_on_the_line_under_the_date_is_its_time():
    source = page(HEAD, "By Dana Whitfield", "November 11, 2022", "4:07 PM", P1, P2)
    result = extract(source)
    assert result.published.format() == "2022-11-11"
    assert result.published.format(zoneinfo.ZoneInfo("Europe/Kyiv")) == "2022-11-11T16:07:00+02:00"


@pytest.mark.parametrize(
    ("line", "category"),
    [
        ("We value your privacy", "cookie"),
        ("Follow The Morning Post on Telegram", "share"),
        (
            "Item 1 of 3 A view of the harbour. Jane Roe/Northwire Acquire Licensing Rights",
            "caption",
        ),
        ("Zur Startseite", "nav"),
        ("Read also", "read-also"),
    ],
)
def test_more_furniture(line, category):
    assert classify(line, line.lower(), len(line.split())) == category


def test_a_list_of_headlines_ending_in_full_stops_is_a_link_list():
    source = page(
        "Latest stories",
        "Council approves budget for cycle lanes.",
        "Museum reopens east wing after renovation.",
        "Storm warning issued for the northern coast.",
        "Bus drivers vote to accept new shift pattern.",
        "Harbour authority delays ferry timetable change.",
    )
    assert extract(source).reason == "link-list"


def test_utf16_without_a_byte_order_mark_is_text_not_binary():
    text = "Headline\n\nThe council approved the plan on Tuesday after a long debate.\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        decoded = decode_page(text.encode(encoding))
        assert (decoded.text, decoded.encoding, decoded.binary) == (text, encoding, False)
    assert decode_page(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))).binary


@pytest.mark.parametrize(
    "line",
    [
        "Rescuers search the rubble in Kharkiv on Feb. 7, 2024. (Jane Roe/Northwire)",
        "The new depot will be built on the site of the gasworks. Photo: Ana Sousa",
        "A heron at the flooded quarry. Photo by Tom Hill on Unsplash",
        "Listen · 3:45",
    ],
)
def test_captions_and_players(line):
    low = normalise(line).lower()
    assert classify(line, low, len(line.split())) in {"caption", "audio"}


def test_a_slash_in_a_sentence_is_not_a_caption():
    line = "The plant runs 24/7 and employs 1,200 people, the company said on Monday."
    assert classify(line, line.lower(), len(line.split())) is None
