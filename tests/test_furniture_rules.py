"""The furniture rules as data files: one per language, read by furniture_loader.

The lines below were classified by the phrase tables before they moved out of
furniture.py into dataset_kit/ingesting/furniture_rules/; each language's lines must
still get the same category, and must depend on that language's file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dataset_kit.ingesting import furniture
from dataset_kit.ingesting.furniture import classifier, classify, load, normalise
from dataset_kit.ingesting.furniture_loader import RULES_DIR, FurnitureRulesError

LINES = {
    "en": [
        ("Skip to content", "nav"),
        ("Read also: Kyiv metro extends night service", "read-also"),
        ("Reporting by Jane Doe; Editing by John Roe", "credits"),
        ("We use cookies to improve your experience on our site.", "cookie"),
        ("3 hours ago", "time"),
        ("Share Tweet Pin Email", "share"),
        ("Home | World | Politics", "nav"),
    ],
    "de": [
        ("Zum Inhalt springen", "nav"),
        ("Lesen Sie auch: Neue Radwege für die Stadt", "read-also"),
        ("Mit Material von dpa", "credits"),
        ("Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten.", "cookie"),
        ("vor 3 Stunden", "time"),
        ("Alle Rechte vorbehalten.", "footer"),
        ("Teilen Drucken", "share"),
    ],
    "fr": [
        ("Aller au contenu", "nav"),
        ("À lire aussi : la grève des dockers", "read-also"),
        ("Tous droits réservés", "footer"),
        ("il y a 2 heures", "time"),
        ("Laisser un commentaire", "comments"),
        ("Partager sur Facebook", "share"),
    ],
    "es": [
        ("Saltar al contenido", "nav"),
        ("Lee también: la huelga del puerto", "read-also"),
        ("Utilizamos cookies propias y de terceros para mejorar nuestros servicios.", "cookie"),
        ("hace 5 horas", "time"),
        ("Deja un comentario", "comments"),
        ("Todos los derechos reservados", "footer"),
    ],
    "it": [
        ("Vai al contenuto", "nav"),
        ("Leggi anche: lo sciopero del porto", "read-also"),
        ("Tutti i diritti riservati", "footer"),
        ("3 ore fa", "time"),
        ("Condividi su Facebook", "share"),
        ("Tempo di lettura: 4 minuti", "audio"),
    ],
    "nl": [
        ("Naar inhoud springen", "nav"),
        ("Lees ook: de staking in de haven", "read-also"),
        ("Alle rechten voorbehouden", "footer"),
        ("Wij gebruiken cookies om de website te verbeteren.", "cookie"),
        ("Reacties", "comments"),
    ],
    "pt": [
        ("Pular para o conteúdo", "nav"),
        ("Leia também: a greve no porto", "read-also"),
        ("Todos os direitos reservados", "footer"),
        ("Deixe um comentário", "comments"),
        ("Compartilhar", "share"),
    ],
    "common": [
        ("Facebook", "share"),
        ("https://example.com/news/2024/port-strike", "url"),
        ("Follow us on Telegram", "share"),
        ("Jane Roe/AFP via Getty Images", "caption"),
        ("• • •", "symbols"),
        ("English", "nav"),
    ],
}
LANGUAGES = [language for language in LINES if language != "common"]


def _category(line: str, classify_line=classify) -> str | None:
    text = normalise(line)
    return classify_line(text, text.lower(), len(text.split()))


def _copy(tmp_path: Path, without: str | None = None) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    if without:
        (folder / without).unlink()
    return folder


def test_the_packaged_rules_are_common_toml_and_one_file_per_language():
    assert furniture.RULES.files == (
        "common.toml",
        *sorted(f"{language}.toml" for language in LANGUAGES),
    )


@pytest.mark.parametrize(
    ("language", "line", "category"),
    [(language, line, category) for language, lines in LINES.items() for line, category in lines],
)
def test_lines_of_every_language_classify_as_before(language, line, category):
    assert _category(line) == category


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_languages_phrases_come_from_its_file(tmp_path, language):
    without = classifier(load(_copy(tmp_path, without=f"{language}.toml")))
    for line, category in LINES[language][:2]:
        assert _category(line, without) != category, line


def test_prefix_rules_keep_their_order():
    # The first prefix rule that matches gives the category: common.toml fixes the order.
    assert [(category, limit) for category, _, limit in furniture.RULES.prefix] == [
        ("read-also", 40),
        ("credits", 60),
        ("credits", 25),
        ("caption", 25),
        ("breaking", 30),
        ("tags", 40),
        ("caption", 50),
        ("caption", 50),
        ("comments", 6),
        ("comments", 25),
        ("comments", 8),
        ("author-bio", 12),
        ("related", 8),
        ("share", 10),
        ("share", 15),
        ("share", 20),
        ("nav", 20),
        ("nav", 12),
        ("nav", 6),
        ("nav", 8),
        ("caption", 60),
        ("audio", 8),
        ("share", 25),
    ]


def test_a_copy_of_the_folder_gives_the_same_rules(tmp_path):
    copy = load(_copy(tmp_path))
    rules = furniture.RULES
    assert copy.exact == rules.exact
    assert copy.words == rules.words
    assert [(c, p.pattern, n) for c, p, n in copy.prefix] == [
        (c, p.pattern, n) for c, p, n in rules.prefix
    ]
    assert [(c, t, p.pattern, n) for c, t, p, n in copy.anywhere] == [
        (c, t, p.pattern, n) for c, t, p, n in rules.anywhere
    ]


CZECH = """
[exact]
nav = ["přeskočit na obsah"]
share = ["sdílet"]

[prefix.read-also]
labels = ['čtěte také', 'přečtěte si také']

[anywhere.copyright]
triggers = ["vyhrazena"]
rights_reserved = ['všechna práva vyhrazena']

[shape.time]
before = ['před']
units_after = ['hodinami']

[words]
sections = "zprávy domácí zahraničí"
share_buttons = "sdílet"
"""


def test_a_new_language_is_one_more_file(tmp_path):
    folder = _copy(tmp_path)
    (folder / "cs.toml").write_text(CZECH, encoding="utf-8")
    rules = load(folder)
    assert "cs.toml" in rules.files
    czech = classifier(rules)
    lines = [
        ("Přeskočit na obsah", "nav"),
        ("Čtěte také: Stávka v přístavu pokračuje", "read-also"),
        ("© Všechna práva vyhrazena", "footer"),
        ("Všechna práva vyhrazena.", "footer"),
        ("před 3 hodinami", "time"),
        ("Zprávy Domácí Zahraničí", "nav"),
        ("Sdílet Facebook X", "share"),
    ]
    for line, category in lines:
        assert _category(line, czech) == category, line
    # The packaged rules do not know Czech, and the other languages still work.
    assert _category("Čtěte také: Stávka v přístavu pokračuje") is None
    assert _category("Zum Inhalt springen", czech) == "nav"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[exact\nnav = 1", "not valid TOML"),
        ('[exact]\nnavigation = ["foo"]', "unknown category 'navigation'"),
        ('[phrases]\nnav = ["foo"]', "unknown key 'phrases'"),
        ('[exact]\nnav = "menu"', "exact.nav must be a list of strings"),
        ("[prefix.read-more]\nlabels = ['x']", "[prefix.read-more] no such rule"),
        ("[prefix.read-also]\nwords = ['x']", "prefix.read-also.words: the rule has no slot"),
        ("[prefix.read-also]\nlabels = ['(unclosed']", "not a valid regular expression"),
        ('[exact]\nshare = ["skip to content"]', "already 'nav' in en.toml"),
        ('[exact]\nnav = ["Skip to content:"]', "can never match"),
        ('[words]\nplaces = "x"', "unknown word set 'places'"),
        ("[[prefix_rules]]\nname = 'x'", "unknown key 'prefix_rules'"),
    ],
)
def test_a_malformed_file_is_named_in_a_clear_error(tmp_path, text, expected):
    folder = _copy(tmp_path)
    (folder / "xx.toml").write_text(text, encoding="utf-8")
    with pytest.raises(FurnitureRulesError) as caught:
        load(folder)
    assert "xx.toml" in str(caught.value)
    assert expected in str(caught.value)


def test_a_folder_without_common_toml_is_refused(tmp_path):
    with pytest.raises(FurnitureRulesError, match=r"no common\.toml"):
        load(_copy(tmp_path, without="common.toml"))
