"""Offline vocabulary checks of card metadata (license, tasks, sizes, languages)."""

from __future__ import annotations

import json
from importlib.util import find_spec
from pathlib import Path

import pytest

from dataset_kit.vocabulary import (
    check_card_metadata,
    is_language_code,
    iso639_1_codes,
    language_subtag,
    licenses,
    size_categories,
    size_category,
    task_categories,
    task_ids,
)

GOOD = {
    "license": "cc-by-4.0",
    "language": ["en", "de", "pt", "yue"],
    "multilinguality": ["multilingual"],
    "size_categories": ["10K<n<100K"],
    "task_categories": ["text-generation", "summarization", "text-classification"],
    "task_ids": ["language-modeling", "news-articles-summarization", "topic-classification"],
    "tags": ["news"],
    "pretty_name": "Anything at all",
    "annotations_creators": ["whatever: not checked"],
}


def test_valid_metadata_has_no_problems():
    assert check_card_metadata(GOOD) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"license": "cc-by-5.0"}, "license: unknown value 'cc-by-5.0'"),
        ({"license": "Apache-2.0"}, "license: unknown value 'Apache-2.0'"),
        ({"license": None}, "license: missing"),
        ({"license": "other"}, "`other` needs `license_name`"),
        ({"task_categories": ["text-generaton"]}, "task_categories: unknown value"),
        ({"task_categories": ["language-modeling"]}, "'language-modeling' (not a Hub task cat"),
        ({"task_ids": ["headline-generation"]}, "task_ids: unknown value 'headline-generation'"),
        ({"size_categories": ["10K<n<1M"]}, "size_categories: unknown value '10K<n<1M'"),
        ({"size_categories": ["n<1k"]}, "size_categories: unknown value 'n<1k'"),
        ({"language": ["en", "EN"]}, "language: unknown value 'EN'"),
        ({"language": ["pt-BR"]}, "language: unknown value 'pt-BR'"),
        ({"language": ["xx"]}, "language: unknown value 'xx'"),
        ({"language": ["english"]}, "language: unknown value 'english'"),
        ({"multilinguality": ["bilingual"]}, "multilinguality: unknown value 'bilingual'"),
        ({"tags": "news"}, None),
        ({"tags": [1]}, "tags: must be a string or a list of strings"),
        ({"task_ids": {"a": 1}}, "task_ids: must be a string or a list of strings"),
    ],
)
def test_bad_values_are_named(change, expected):
    problems = check_card_metadata({**GOOD, **change})
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1, problems
        assert expected in problems[0]


def test_license_optional_when_not_required():
    metadata = {k: v for k, v in GOOD.items() if k != "license"}
    assert check_card_metadata(metadata, require_license=False) == []
    assert check_card_metadata(metadata)[0].startswith("license: missing")


def test_other_license_with_name_is_accepted():
    metadata = {**GOOD, "license": "other", "license_name": "publisher-terms-1.0"}
    assert check_card_metadata(metadata) == []


def test_several_problems_are_all_reported():
    problems = check_card_metadata({"license": "nope", "task_categories": ["x"], "language": "zz"})
    assert len(problems) == 3


@pytest.mark.parametrize(
    ("rows", "category"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (9_999, "1K<n<10K"),
        (10_000, "10K<n<100K"),
        (100_000, "100K<n<1M"),
        (999_999, "100K<n<1M"),
        (1_000_000, "1M<n<10M"),
        (10**9, "1B<n<10B"),
        (10**12, "n>1T"),
        (10**15, "n>1T"),
    ],
)
def test_size_category_bins(rows, category):
    assert size_category(rows) == category
    assert category in size_categories()


def test_size_category_rejects_negative():
    with pytest.raises(ValueError):
        size_category(-1)


def test_language_helpers():
    assert language_subtag("pt-BR") == "pt"
    assert language_subtag("EN") == "en"
    assert language_subtag("zh_Hant") == "zh"
    assert is_language_code("en") and is_language_code("yue")
    assert not is_language_code("qq") and not is_language_code("e")


def test_vocabularies_are_sane():
    assert {"apache-2.0", "mit", "cc-by-4.0", "cc0-1.0", "other", "unknown"} <= licenses()
    assert {"text-generation", "summarization", "text-classification"} <= task_categories()
    assert {"language-modeling", "news-articles-headline-generation"} <= task_ids()
    assert not task_categories() & task_ids() - {
        "visual-question-answering",
        "document-question-answering",
    }
    assert size_categories()[0] == "n<1K" and "n>1T" in size_categories()
    assert len(iso639_1_codes()) == 185


@pytest.mark.skipif(find_spec("datasets") is None, reason="datasets not installed")
def test_iso639_1_list_agrees_with_the_hub_list_shipped_by_datasets():
    spec = find_spec("datasets")
    assert spec is not None and spec.submodule_search_locations
    path = Path(spec.submodule_search_locations[0]) / "utils" / "resources" / "languages.json"
    if not path.is_file():
        pytest.skip("this datasets release ships no languages.json")
    hub = {code for code in json.loads(path.read_text(encoding="utf-8")) if len(code) == 2}
    assert hub == set(iso639_1_codes())
