"""More page layouts, written to probe the extractor beyond the issue's list.

Each page in tests/fixtures/pages_more is an invented dump in the style of a kind of
site not covered by tests/fixtures/pages: a standfirst with the byline under it, a
wire story with photo captions, a Blogger post, a page whose cookie notice comes
last, a Substack-style newsletter post, hard-wrapped text, a byline above the
headline, a masthead date, the HTML title repeated above the headline, Spanish, ...
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dataset_kit.ingesting import ingest_page
from dataset_kit.validating import Validator, load_schema
from tests.test_ingest_pages import FURNITURE

PAGES = Path(__file__).parent / "fixtures" / "pages_more"

# name: (title, authors, published_at, first words of the body, last words of the body)
LAYOUTS = {
    "ap_like.txt": (
        "Lawmakers back bill to protect wetlands from new drainage",
        ["Jane Holloway", "Peter Adeyemi"],
        None,
        "SPRINGFIELD (Newsline) — State lawmakers voted on Thursday to",
        "Holloway reported from Springfield. Adeyemi reported from Chicago.",
    ),
    "blogger.txt": (
        "Sourdough without a starter jar",
        ["Helen Marsh"],
        "2023-05-13",
        "I have kept a sourdough starter in a glass",
        "piece of dough no longer than a week.",
    ),
    "blog_share_bar.txt": (
        "Bread in a cold kitchen: slower is better",
        ["Greta Holm"],
        "2023-12-02",
        "Every winter the same question arrives in my inbox",
        "with only the light switched on.",
    ),
    "byline_first.txt": (
        "Ice on the lake is thick enough for skating, town says",
        ["Nora Castell"],
        "2024-01-09",
        "The town has declared the ice on Miller Lake",
        "from 10 a.m. to 6 p.m. on weekends.",
    ),
    "cookie_bottom.txt": (
        "Town hall clock to chime again after repairs",
        [],
        None,
        "A specialist firm has repaired the mechanism of the",
        "every week since 1974 will keep doing so.",
    ),
    "german_magazine.txt": (
        "Warum in Mittelstädten plötzlich die Mieten steigen",
        ["Lena Hartmann"],
        "2023-09-12",
        "Viele Familien ziehen aus den Großstädten weg. Das verändert",
        "Grundstück am alten Güterbahnhof für genossenschaftlichen Wohnungsbau reserviert.",
    ),
    "german_variant.txt": (
        "Neue Buslinie verbindet Neubaugebiet mit der Innenstadt",
        ["Felix Brandt"],
        "2024-03-14",
        "Ab Montag fährt die neue Buslinie 12 im Zwanzig-Minuten-Takt",
        "Elektrobusse ein. Am Wochenende fährt der Bus stündlich.",
    ),
    "guardian_like.txt": (
        "Night trains return to the west coast after a gap of nine years",
        ["Dana Whitfield"],
        "2023-03-14T12:30:00+00:00",
        "The sleeper service will run three times a week",
        "that were taken out of service in 2020.",
    ),
    "hard_wrapped.txt": (
        "New bridge opens to cyclists and walkers after two-year delay",
        [],
        "2022-06-30T08:00:00+01:00",
        "The footbridge over the railway at Eastbridge opened on",
        "frustrating but the result was worth the wait.",
    ),
    "inline_variant.txt": (
        "Minimum wage to rise by 6% next year",
        ["Tomás Reyes"],
        "2024-10-02",
        "The national minimum wage will rise by 6% in",
        "new rate applies to about 1.2 million workers.",
    ),
    "issue_blog.txt": (
        "A winter walk to the old quarry",
        ["tom"],
        "2023-01-22",
        "The path from the village to the old quarry",
        "three hours, including a long stop for tea.",
    ),
    "issue_cookie.txt": (
        "Council agrees to reopen public toilets in the town centre",
        [],
        "2024-03-12",
        "The public toilets on Bridge Street will reopen in",
        "from 8 a.m. to 6 p.m. every day.",
    ),
    "issue_german.txt": (
        "Stadtbibliothek bekommt einen Lesegarten",
        ["Max Mustermann"],
        "2023-02-04",
        "Hinter der Stadtbibliothek entsteht bis zum Sommer ein Lesegarten",
        "sein. Bücher dürfen mit nach draußen genommen werden.",
    ),
    "issue_inline.txt": (
        "New tram depot to be built on former gasworks site",
        ["Ana Sousa"],
        "2024-05-02",
        "The city will build a new tram depot on",
        "The depot is due to open in 2027.",
    ),
    "issue_labelled.txt": (
        "Regional airport adds summer routes to Split and Porto",
        [],
        "2023-03-03",
        "The regional airport will offer direct flights to Split",
        "year, still below its level before the pandemic.",
    ),
    "issue_news.txt": (
        "Drone debris damages power line near Kharkiv, thousands without electricity.",
        ["Iryna Koval"],
        "2024-02-07",
        "Debris from a downed drone damaged a high-voltage power",
        "of 18 shot down over the region overnight.",
    ),
    "issue_nobyline.txt": (
        "Annual plant sale raises record sum for the village hall",
        [],
        None,
        "The society's annual plant sale raised 2,340 for the",
        "at about two thirds of the amount needed.",
    ),
    "issue_wire.txt": (
        "Carmaker to cut 2,000 jobs at Slovak plant as electric car demand slows",
        ["Peter Novak"],
        "2023-04-18T06:12:00+00:00",
        "BRATISLAVA, April 18 (NORTHWIRE) — A carmaker will cut",
        "about support for workers who lose their jobs.",
    ),
    "labelled_variant.txt": (
        "Lake ice is forming later every decade, study finds",
        [],
        "2023-03-14T09:00:00+00:00",
        "Ice on lakes across the northern hemisphere now forms",
        "warming air temperatures explained most of the change.",
    ),
    "masthead_date.txt": (
        "Council to plant 5,000 trees along ring road",
        ["Lucy Barnes"],
        "2023-06-12",
        "The city council will plant 5,000 trees along the",
        "the council website until the end of July.",
    ),
    "news_variant.txt": (
        "Ministry says new air defence systems arrived in Odesa region",
        ["Anna Petrenko"],
        "2023-11-03",
        "The Defence Ministry said on Nov. 3 that two",
        "start of October, according to the infrastructure ministry.",
    ),
    "press_release.txt": (
        "Harbour authority appoints new chief engineer",
        [],
        None,
        "The Northport Harbour Authority has appointed Ewa Nowak as",
        "of June after 31 years with the authority.",
    ),
    "spanish_page.txt": (
        "La ciudad amplía el horario del metro los fines de semana",
        ["Lucía Ferrer", "Andrés Molina"],
        "2023-10-14T09:20:00+02:00",
        "El metro funcionará hasta las dos de la madrugada",
        "seguridad en las estaciones durante el nuevo horario.",
    ),
    "substack_like.txt": (
        "Why small towns are buying their own broadband",
        ["Ruth Calloway"],
        "2023-09-12",
        "Municipal networks are spreading. Here is what the numbers",
        "customers to bother, local governments are stepping in.",
    ),
    "title_repeated.txt": (
        "Harbour expansion approved despite objections",
        ["Sam Okoro"],
        "2023-04-21",
        "The planning committee on Thursday approved a 60-million-pound expansion",
        "start in the autumn and finish in 2026.",
    ),
    "wire_variant.txt": (
        "Utilities bet on batteries as solar output swings widen",
        ["Mark Jansson", "Ruth Okafor", "Liina Tamm"],
        "2024-03-02T16:05:00+00:00",
        "KAUNAS, March 2 (Northwire) - Utilities across the Baltic",
        "until last year came mostly from gas plants.",
    ),
    "blog_slashed_date.txt": (
        "Planting garlic before the ground freezes",
        ["Ola Nordmann"],
        "2023-11-14",
        "I planted the garlic last weekend",
        "first green shoots will show before Christmas.",
    ),
    "date_before_byline.txt": (
        "Ferry fares to rise by a fifth from April",
        ["Marta Lind"],
        "2024-02-19",
        "The ferry operator said on Monday that fares",
        "for residents under 25 and over 70.",
    ),
    "dek_published_updated.txt": (
        "Tiny beetles can smell a forest fire from fifty kilometres away",
        ["Jonas Weber", "Priya Raman"],
        "2024-03-05",
        "Researchers found that a sensor on the beetle's leg",
        "but it is far from ready for use outdoors.",
    ),
    "french_publie.txt": (
        "La bibliothèque municipale ouvre le dimanche",
        ["Claire Dubois"],
        "2023-06-07",
        "À partir de septembre, la bibliothèque municipale",
        "est estimé à 80 000 euros par an.",
    ),
    "german_veroeffentlicht.txt": (
        "Fähre nach Helgoland fährt wieder täglich",
        ["Jana Albers"],
        "2024-03-12",
        "Nach der Winterpause fährt die Fähre",
        "am Hafen, solange Plätze frei sind.",
    ),
    "iso_datetime_author.txt": (
        "Why your laptop battery lasts longer in spring",
        ["Henrik Dahl"],
        "2023-08-30T07:45:00+02:00",
        "Lithium-ion batteries lose capacity in the cold",
        "avoid leaving it charging on a hot windowsill.",
    ),
    "magazine_pullquote.txt": (
        "The last typewriter repair shop in town",
        ["Aurelio Conti"],
        "2023-09-05",
        "For forty years, one man has kept the machines",
        "has become harder than finding customers.",
    ),
    "photo_captions.txt": (
        "Volunteers clear two tonnes of plastic from the river banks",
        ["Ines Carvalho"],
        "2023-06-03",
        "More than 300 volunteers spent Saturday morning",
        "The next clean-up is planned for October.",
    ),
    "relative_date.txt": (
        "Storm warning issued for the north coast as gusts reach 110 km/h",
        ["Sam Hart"],
        None,
        "Forecasters issued an amber warning for the north coast",
        "The warning runs until 6 a.m. on Monday.",
    ),
    # Scripts without spaces between words (issue #13, item 17): measured in word
    # equivalents, these are articles, not lists of links.
    "chinese_page.txt": (
        "市图书馆延长周末开放时间",
        [],
        "2024-03-05",
        "从下个月起，市图书馆将在每个星期六和星期日开放到晚上九点",  # noqa: RUF001
        "市交通局说，将考虑在周末晚上增加几班公交车。",  # noqa: RUF001
    ),
    "japanese_page.txt": (
        "町営プール、夏休み期間は夜九時まで営業",
        [],
        "2023-07-12",
        "町は十二日、夏休みの期間中、町営プールの営業時間を",
        "「暑い夜でも子どもたちが安心して泳げる場所を用意したい」と話している。",
    ),
    "thai_page.txt": (
        "เทศบาลเปิดตลาดนัดเกษตรกรทุกเช้าวันเสาร์",
        [],
        "2024-01-20",
        "เทศบาลเมืองประกาศว่าตั้งแต่เดือนหน้าเป็นต้นไป",
        "และหวังว่าตลาดแห่งนี้จะช่วยให้รายได้ของครอบครัวมั่นคงขึ้น",
    ),
    "wire_updated_relative.txt": (
        "Copper hits six-month high on supply worries",
        ["Akira Tanaka"],
        None,
        "LONDON (Metalwire) - Copper prices rose",
        "could not yet say when production would resume.",
    ),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_more_layouts(name):
    title, authors, published, first, last = LAYOUTS[name]
    record = ingest_page((PAGES / name).read_bytes(), source_file=name).record
    assert Validator(load_schema(None)).is_valid(record)
    assert record["title"] == title
    assert record["authors"] == authors
    assert record["published_at"] == published
    assert record["text"].startswith(first)
    assert record["text"].endswith(last)
    for phrase in FURNITURE:
        assert phrase not in record["text"], phrase


# Furniture particular to some pages, which must not reach their bodies either.
ABSENT = {
    "blog_slashed_date.txt": ["Tagged", "4 Comments", "Archive"],
    "date_before_byline.txt": ["Ferries, Transport", "Bus lane plan", "More from"],
    "dek_published_updated.txt": [
        "Why some pine cones",
        "Wildfire season",
        "How drones map",
        "is a science writer",
        "12 comments",
        "Most popular",
    ],
    "french_publie.txt": ["Publicité", "musée des beaux-arts", "Mentions légales"],
    "german_veroeffentlicht.txt": ["Anzeige", "Neue Mole", "Datenschutz"],
    "iso_datetime_author.txt": ["Share this", "Facebook", "Twitter"],
    "magazine_pullquote.txt": ["is a freelance writer", "4 comments", "Crafts, Repair"],
    "photo_captions.txt": ["Photograph", "Photo:", "Volunteers sort plastic", "Copyright"],
    "relative_date.txt": ["3 hours ago", "Most read", "Council tax"],
    "wire_updated_relative.txt": ["Updated", "Oil steadies", "Editing by"],
    "chinese_page.txt": ["相关阅读", "博物馆推出免费夜场", "版权所有", "首页"],
    "japanese_page.txt": ["関連記事", "海岸清掃", "みなと新聞", "ホーム"],
    "thai_page.txt": ["ข่าวที่เกี่ยวข้อง", "สวนสาธารณะ", "หน้าแรก"],
}


def test_page_specific_furniture_is_gone():
    for name, phrases in ABSENT.items():
        text = ingest_page((PAGES / name).read_bytes(), source_file=name).record["text"]
        for phrase in phrases:
            assert phrase not in text, (name, phrase)


def test_a_pull_quote_appears_once():
    name = "magazine_pullquote.txt"
    text = ingest_page((PAGES / name).read_bytes(), source_file=name).record["text"]
    assert text.count("They are not dead, they are patient") == 1


def test_every_page_has_expectations():
    assert {p.name for p in PAGES.glob("*.txt")} == set(LAYOUTS)
