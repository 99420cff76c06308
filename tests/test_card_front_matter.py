"""A card's YAML front matter is read one way: the Hub's.

``card`` (which keeps an existing card's metadata and checks it for hand edits) and
``publish`` (whose preflight checks the metadata the Hub will see) used to find the block
with two hand-written regexes that disagreed with each other and with the Hub. Each case
below is a README.md on which at least one of them differed; the expected reading is the
Hub's (``huggingface_hub``'s ``RepoCard``, whose pattern is the Hub server's).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dataset_kit import publishing
from dataset_kit.cards import dump_front_matter, split_front_matter

MIT = {"license": "mit"}

# name: (README.md text, the metadata the Hub reads or None without a block, the body)
CASES = {
    "a blank line before the block": ("\n---\nlicense: mit\n---\n# T\n", MIT, "# T\n"),
    "--- indented inside a block scalar": (
        "---\nlicense: mit\ndescription: |\n  before\n  ---\n  after\n---\n# T\n",
        {"license": "mit", "description": "before\n---\nafter"},
        "# T\n",
    ),
    "a value ending in ---": (
        "---\nlicense: mit\npretty_name: News ---\n---\n# T\n",
        {"license": "mit", "pretty_name": "News ---"},
        "# T\n",
    ),
    "spaces after the opening ---": ("---  \nlicense: mit\n---\n# T\n", None, None),
    "an empty block": ("---\n---\n# T\n", None, None),
    "a byte order mark": ("\ufeff---\nlicense: mit\n---\n# T\n", MIT, "# T\n"),
    "CRLF line ends": ("---\r\nlicense: mit\r\n---\r\n# T\r\n", MIT, "# T\r\n"),
    "spaces after the closing ---": ("---\nlicense: mit\n---  \n# T\n", MIT, "# T\n"),
    "no newline at the end": ("---\nlicense: mit\n---", MIT, ""),
    "no block": ("# T\n\n---\n\nlicense: mit\n", None, None),
}


@pytest.mark.parametrize("name", CASES)
def test_card_and_publish_read_the_front_matter_as_the_hub_does(tmp_path: Path, name: str):
    text, metadata, body = CASES[name]
    readme = tmp_path / "README.md"
    readme.write_bytes(text.encode("utf-8"))

    card_meta, card_body = split_front_matter(text)
    assert card_meta == (metadata or {})
    assert card_body == (text if body is None else body)

    publish_meta, problems = publishing.read_card_metadata(readme)
    assert publish_meta == metadata
    if metadata is None:
        assert problems == ["README.md: no YAML metadata block (--- ... ---) at the top"]


def test_an_invalid_block_is_reported_at_its_line_in_the_file(tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text("\n\n---\nlicense: mit\nlanguage: [en\n---\n# T\n", encoding="utf-8")
    _, (problem,) = publishing.read_card_metadata(readme)
    assert problem.startswith("README.md line 5: invalid YAML metadata")


def test_what_the_card_writes_reads_back_unchanged():
    """The writer stays dataset-kit's own (its YAML layout is part of the card's bytes);
    whatever it writes, the Hub's reading gives back the same metadata and body."""
    metadata = {
        "pretty_name": "News --- a dataset",
        "license": "mit",
        "description": "one\n---\ntwo\n",
        "tags": ["news", "---"],
        "viewer": None,
    }
    body = "\n<!-- dataset-kit:card digest=0 -->\n\n# News\n\n---\n\nText.\n"
    assert split_front_matter(dump_front_matter(metadata) + body) == (metadata, body)
