"""Each page layout the ingest command must handle, checked field by field.

Every fixture in tests/fixtures/pages is an invented page dump (the seed is the
user's own). For each we check what a reader of the page would write down: the
headline, the authors, the publication date, the first and last sentence of the
body, and that nothing of the page furniture around the article is left in it.
"""

# Page dumps are full of typographic quotes and dashes.
# ruff: noqa: RUF001

from __future__ import annotations

from pathlib import Path

import pytest

from dataset_kit.ingesting import ingest_page
from dataset_kit.validating import Validator, load_schema

PAGES = Path(__file__).parent / "fixtures" / "pages"

# Phrases of page furniture that must never reach an article body, in any layout.
FURNITURE = [
    "Skip to",
    "Zum Inhalt",
    "Aller au contenu",
    "Subscribe",
    "indicates required",
    "Newsletter",
    "newsletter",
    "Sign up",
    "Enter your email",
    "Read also",
    "Lesen Sie auch",
    "À lire aussi",
    "Advertisement",
    "cookies",
    "Accept all",
    "©",
    "All rights reserved",
    "Privacy Policy",
    "Terms of Use",
    "Impressum",
    "Reporting by",
    "Editing by",
    "Read Next",
    "MORE NEWS",
    "News Feed",
    "Editors' Picks",
    "BREAKING",
    "Mehr zum Thema",
    "Leave a Reply",
    "Like this",
    "Share this",
    "Click to share",
    "Tags:",
    "Related",
    "min read",
    "This audio",
    "Listen to this",
    "Edit post",
    "Partager",
    "Become a member",
]


def _ingest(name: str, **options):
    return ingest_page((PAGES / name).read_bytes(), source_file=name, **options)


CASES = {
    "seed_news_site.txt": dict(
        title="Peskov says 'Kherson remains Russian' as Ukrainian forces enter city.",
        authors=["The Kyiv Independent news desk"],
        published="2022-11-11",
        zoned=("Europe/Kyiv", "2022-11-11T16:07:00+02:00"),
        first="Kremlin's spokesman Dmitry Peskov said on Nov. 11 that Russia continues",
        last="shortly after the start of the full-scale invasion in February.",
        absent=["5:15 AM", "Media identifies", "IMF approves", "Zelensky meets"],
        language="en",
    ),
    "news_feed_site.txt": dict(
        title="Flood barriers hold as river peaks two metres above normal in Dunmore",
        authors=["Priya Raman", "Oskar Lind"],
        published="2023-03-09",
        zoned=("Europe/London", "2023-03-09T07:42:00+00:00"),
        first="The temporary flood barriers installed along the Dunmore river front",
        last="The council said schools in the Quay district would stay closed until Monday.",
        absent=["LIVE", "9:05 AM", "Harbour authority", "cycle lanes", "Museum reopens"],
        language="en",
    ),
    "wire_story.txt": dict(
        title="Baltic grid operators complete switch to European power network ahead of schedule",
        authors=["Liina Tamm", "Mark Jansson"],
        published="2023-04-18T06:12:00+00:00",
        first="TALLINN, April 18 (Northwire) - The electricity grids of Estonia",
        last="mostly for new interconnectors with Poland and Finland.",
        absent=["Our Standards", "Oil edges higher", "Updated 3 hours ago", "Market news"],
        source="Northwire",
        language="en",
    ),
    "blog_post.txt": dict(
        title="Why I stopped digging my vegetable beds",
        authors=["marta_lindqvist"],
        published="2023-05-14",
        first="For eleven years I turned over every bed on my plot each autumn",
        last="I will report back in the autumn on how the squash and the beans did.",
        absent=["Posted on", "Five cover crops", "Your email address", "Post Comment", "Home |"],
        language="en",
    ),
    "cookie_footer.txt": dict(
        title="Ferry operator adds night crossings for summer season",
        authors=[],
        published="2023-06-02",
        first="Travellers between Port Ellis and the islands will be able to cross at night",
        last="Tickets for the night crossings go on sale on Monday.",
        absent=["Cookie Settings", "Reject all", "Transport, Tourism", "The Valley Tribune"],
        source="The Valley Tribune",
        language="en",
    ),
    "german_page.txt": dict(
        title="Stadtwerke wollen bis 2030 alle Busse elektrisch betreiben",
        authors=["Max Mustermann"],
        published="2023-02-04",
        zoned=("Europe/Berlin", "2023-02-04T14:30:00+01:00"),
        first="Die Stadtwerke Nordhafen haben am Freitag einen Plan vorgestellt",
        last="Über den Plan soll der Stadtrat im März abstimmen.",
        absent=["Neue Radwege", "Fernwärme", "Busbahnhof", "Jetzt anmelden", "Startseite"],
        source="Nordhafener Rundschau",
        language="de",
    ),
    "no_byline_no_date.txt": dict(
        title="Volunteers count record number of oystercatchers on the estuary",
        authors=[],
        published=None,
        first="Volunteers taking part in the winter survey counted 4,812 oystercatchers",
        last="The next survey is planned for the second weekend of February.",
        absent=["Back to top", "Membership", "Coastal Birds Society"],
        language="en",
    ),
    "labelled_dates.txt": dict(
        title="Library extends opening hours at three branches",
        authors=[],
        published="2023-03-03T09:15:00-05:00",
        modified="2023-03-04T11:02:00-05:00",
        first="Three branches of the city library will stay open until 9 p.m. on weekdays",
        last="The board will review visitor numbers in December.",
        absent=["Published:", "Last updated", "Parks department", "Contact City Hall"],
        language="en",
    ),
    "inline_read_also.txt": dict(
        title="Rail operator adds sleeper cars to the Przemysl route",
        authors=["Olena Bondar"],
        published="2023-11-22",
        zoned=("Europe/Kyiv", "2023-11-22T10:30:00+02:00"),
        first="Ukraine's state rail operator will add four sleeper cars to the overnight train",
        last="as commercial flights over the country are still suspended.",
        absent=["Kyiv metro extends", "Lviv suburban", "Support independent journalism"],
        paragraphs=4,
        language="en",
    ),
    "cp1252_french.txt": dict(
        title="Le festival de jazz de Valmont bat son record d’affluence",
        authors=["Camille Dubois"],
        published="2023-07-17",
        zoned=("Europe/Paris", "2023-07-17T18:45:00+02:00"),
        first="Le festival de jazz de Valmont a accueilli 48 000 spectateurs",
        last="dont un tiers provient de la billetterie.",
        absent=["médiathèque", "Accueil"],
        source="Le Courrier de Valmont",
        language="fr",
    ),
    "mojibake.txt": dict(
        title="Café owners on Mill Street say roadworks have cut trade by half",
        authors=["Tomás Ferreira"],
        published="2023-08-08",
        first="Owners of the five cafés on Mill Street say their takings have fallen",
        last="until the street reopens.",
        absent=["Ã", "â€"],
        contains=["“People used to stop for a coffee", "Anaïs Roux", "long way round — and"],
        source="Eastbridge Gazette",
        language="en",
    ),
}


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(load_schema(None))


@pytest.mark.parametrize("name", sorted(CASES))
def test_layout_gives_the_article_and_nothing_else(name, validator):
    case = CASES[name]
    result = _ingest(name)
    assert result.reject_reason is None, result.reject_detail
    record = result.record
    assert validator.is_valid(record), validator.errors(record)
    assert record["title"] == case["title"]
    assert record["authors"] == case["authors"]
    assert record["published_at"] == case["published"]
    assert record["modified_at"] == case.get("modified")
    assert record["language"] == case["language"]
    assert record["source"] == case.get("source")
    text = record["text"]
    assert text.startswith(case["first"]), text[:200]
    assert text.endswith(case["last"]), text[-200:]
    for phrase in FURNITURE + case["absent"]:
        assert phrase not in text, f"furniture {phrase!r} left in the body of {name}"
    for phrase in case.get("contains", []):
        assert phrase in text
    assert record["title"] not in text
    paragraphs = text.split("\n\n")
    assert all(p.strip() == p and p for p in paragraphs)
    assert "\n\n\n" not in text
    if "paragraphs" in case:
        assert len(paragraphs) == case["paragraphs"]
    # Evidence: the counts describe the page.
    assert record["word_count"] == len(text.split())
    assert 0 < record["furniture_lines"] < result.lines_total
    assert record["furniture_ratio"] == round(record["furniture_lines"] / result.lines_total, 4)
    assert record["removed_lines"] is None
    assert record["source_file"] == name


@pytest.mark.parametrize("name", sorted(n for n in CASES if "zoned" in CASES[n]))
def test_timezone_turns_a_local_time_into_an_offset(name):
    zone, expected = CASES[name]["zoned"]
    assert _ingest(name, timezone=zone).record["published_at"] == expected


def test_zone_given_by_the_page_wins_over_the_option():
    record = _ingest("wire_story.txt", timezone="America/New_York").record
    assert record["published_at"] == "2023-04-18T06:12:00+00:00"


def test_source_option_overrides_the_page():
    assert _ingest("wire_story.txt", source="Harbor Ledger").record["source"] == "Harbor Ledger"


def test_keep_boilerplate_lists_exactly_the_removed_lines():
    result = _ingest("seed_news_site.txt", keep_boilerplate=True)
    removed = result.record["removed_lines"]
    assert len(removed) == result.record["furniture_lines"] == result.lines_removed
    assert removed[:3] == [
        "Skip to content",
        "Edit post",
        "This audio is created with AI assistance",
    ]
    assert "News Feed" in removed and "5:15 AM" in removed
    assert removed.count("* indicates required") == 11
    # Nothing is both removed and kept.
    for line in removed:
        assert line not in result.record["text"].split("\n\n")


def test_non_utf8_page_is_decoded_by_detection():
    result = _ingest("cp1252_french.txt")
    assert result.encoding.replace("_", "").lower() in {"cp1252", "windows1252", "latin1"}
    assert "soirées" in result.record["text"]


def test_mojibake_is_repaired_and_reported():
    result = _ingest("mojibake.txt")
    assert result.repaired and result.encoding == "utf-8"


REJECTS = {
    "empty.txt": "empty",
    "binary.txt": "binary",
    "link_list.txt": "link-list",
    "no_title.txt": "no-title",
}


@pytest.mark.parametrize("name", sorted(REJECTS))
def test_page_without_article_is_rejected_with_reason(name):
    result = _ingest(name)
    assert result.record is None
    assert result.reject_reason == REJECTS[name]
    assert result.reject_detail


def test_every_fixture_is_covered():
    assert {p.name for p in PAGES.glob("*.txt")} == set(CASES) | set(REJECTS)


def test_id_is_stable_and_depends_on_bytes_only():
    data = (PAGES / "wire_story.txt").read_bytes()
    first = ingest_page(data, source_file="a.txt").record["id"]
    assert ingest_page(data, source_file="elsewhere/b.txt").record["id"] == first
    assert ingest_page(data.replace(b"Tuesday", b"Monday"), source_file="a.txt").id != first
    assert len(first) == 16 and int(first, 16) >= 0
