"""Hand-written parts of the card survive regeneration; no hand edit is lost silently."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from card_fixtures import CARD_CONFIG, make_articles, standard_export, write_export

from dataset_kit.cards import (
    CardError,
    keep_blocks,
    merge_keep_blocks,
    split_front_matter,
    write_card,
)
from dataset_kit.cli import cli


@pytest.fixture
def export(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    standard_export(root, 40)
    write_card(root, CARD_CONFIG)
    return root


def readme(export: Path) -> str:
    return (export / "README.md").read_text(encoding="utf-8")


def edit(export: Path, old: str, new: str) -> None:
    text = readme(export)
    assert old in text, old
    (export / "README.md").write_text(text.replace(old, new, 1), encoding="utf-8")


def test_edited_sections_survive_and_numbers_update(export):
    edit(export, "Small and synthetic.", "Hand-written limitations.\n\nWith two paragraphs.")
    edit(export, "Built to test dataset-kit.", "Hand-written rationale.")
    before = readme(export)
    # A new export: more rows, so every number changes (old shards replaced).
    shutil.rmtree(export / "data")
    rows = make_articles(90, seed=11)
    write_export(export, {"train": rows[:70], "test": rows[70:]})
    result = write_card(export, CARD_CONFIG)
    after = readme(export)
    assert "Hand-written limitations.\n\nWith two paragraphs." in after
    assert "Hand-written rationale." in after
    assert sorted(result.kept_sections) == ["curation_rationale", "limitations"]
    assert "holds **90 news articles**" in after and "holds **40 news articles**" in before
    # The sections sit where the template puts them, once each.
    assert after.count("<!-- dataset-kit:keep limitations") == 1
    assert after.index("## Bias, Risks and Limitations") < after.index("Hand-written limitations")


def test_untouched_sections_follow_the_config(export):
    write_card(export, dict(CARD_CONFIG, description="A better description."))
    text = readme(export)
    assert "A better description." in text
    assert "News articles collected from three example publishers." not in text


def test_text_is_never_replaced_by_a_placeholder(export):
    # The config no longer has the prose: the card keeps what it had.
    bare = {k: v for k, v in CARD_CONFIG.items() if k not in ("description", "limitations")}
    result = write_card(export, bare)
    text = readme(export)
    assert "News articles collected from three example publishers." in text
    assert "Small and synthetic." in text
    assert "Not written yet" not in text.split("## Bias, Risks and Limitations")[1].split("##")[0]
    assert not any("not written yet" in w for w in result.warnings)


def test_emptied_section_goes_back_to_the_config(export):
    edit(export, "Small and synthetic.", "")
    write_card(export, dict(CARD_CONFIG, limitations="From the config again."))
    assert "From the config again." in readme(export)


def test_hand_written_section_added_by_the_user_is_kept(export):
    text = readme(export)
    text += (
        "\n<!-- dataset-kit:keep acknowledgements -->\n## Acknowledgements\n\n"
        "Thanks to the editors.\n<!-- /dataset-kit:keep acknowledgements -->\n"
    )
    (export / "README.md").write_text(text, encoding="utf-8")
    result = write_card(export, CARD_CONFIG)
    assert "Thanks to the editors." in readme(export)
    assert "acknowledgements" in result.kept_sections
    write_card(export, CARD_CONFIG)
    assert readme(export).count("Thanks to the editors.") == 1


def test_added_section_stays_under_its_heading(export):
    edit(
        export,
        "## Dataset Creation\n",
        "<!-- dataset-kit:keep caveat -->\nA caveat about the statistics.\n"
        "<!-- /dataset-kit:keep caveat -->\n\n## Dataset Creation\n",
    )
    write_card(export, CARD_CONFIG)
    text = readme(export)
    at = text.index("A caveat about the statistics.")
    assert text.index("### Text Length") < at < text.index("## Dataset Creation")


def test_edit_outside_keep_sections_is_refused_not_lost(runner, export):
    edit(export, "## Statistics\n", "## Statistics\n\nMy own remark.\n")
    before = readme(export)
    result = runner.invoke(cli, ["card", str(export)])
    assert result.exit_code == 2
    assert "edited outside its dataset-kit:keep sections" in result.output
    assert "--force" in result.output
    assert readme(export) == before
    result = runner.invoke(cli, ["card", str(export), "--force"])
    assert result.exit_code == 0, result.output
    assert "My own remark." not in readme(export)


def test_hand_written_readme_is_not_overwritten(runner, tmp_path):
    root = tmp_path / "ds"
    standard_export(root, 20)
    (root / "README.md").write_text("# My dataset\n\nWritten by me.\n", encoding="utf-8")
    with pytest.raises(CardError, match="not written by dataset-kit"):
        write_card(root, CARD_CONFIG)
    # Wrapped in a keep section, the same text is kept.
    (root / "README.md").write_text(
        "<!-- dataset-kit:keep mine -->\nWritten by me.\n<!-- /dataset-kit:keep mine -->\n",
        encoding="utf-8",
    )
    write_card(root, CARD_CONFIG)
    assert "Written by me." in readme(root)


def test_front_matter_edits_and_extra_configs_are_kept(export):
    meta, body = split_front_matter(readme(export))
    meta["annotations_creators"] = ["no-annotation"]
    meta["viewer"] = True
    meta["configs"][0]["default"] = True
    meta["configs"].append(
        {"config_name": "sample", "data_files": [{"split": "train", "path": "sample/*.parquet"}]}
    )
    import yaml

    (export / "README.md").write_text(
        "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body, encoding="utf-8"
    )
    # A config without these keys does not remove them from the card either.
    bare = {k: v for k, v in CARD_CONFIG.items() if k not in ("tags", "source_datasets")}
    write_card(export, bare)
    new, _ = split_front_matter(readme(export))
    assert new["annotations_creators"] == ["no-annotation"]
    assert new["viewer"] is True
    assert new["tags"] == CARD_CONFIG["tags"]
    assert new["source_datasets"] == ["original"]
    default, sample = new["configs"]
    assert default["config_name"] == "default" and default["default"] is True
    assert [d["split"] for d in default["data_files"]] == ["train", "test"]
    assert sample["config_name"] == "sample"


def test_regeneration_without_changes_is_byte_identical(export):
    edit(export, "Small and synthetic.", "Edited.")
    write_card(export, CARD_CONFIG)
    first = readme(export)
    write_card(export, CARD_CONFIG)
    assert readme(export) == first


def test_merge_rules_unit():
    template = (
        "# T\n<!-- dataset-kit:keep a -->\nnew a\n<!-- /dataset-kit:keep a -->\n"
        "<!-- dataset-kit:keep b -->\nnew b\n<!-- /dataset-kit:keep b -->\n"
    )
    first = merge_keep_blocks(template, [])
    assert first.kept == []
    blocks = {b.name: b for b in keep_blocks(first.body)}
    assert blocks["a"].body.strip() == "new a" and blocks["a"].generated
    # b edited by hand; a untouched.
    edited = first.body.replace("new b", "mine")
    template2 = template.replace("new a", "newer a").replace("new b", "newer b")
    second = merge_keep_blocks(template2, keep_blocks(edited))
    assert "newer a" in second.body
    assert "mine" in second.body and "newer b" not in second.body
    assert second.kept == ["b"]
    assert second.texts == {"a": "newer a", "b": "mine"}
    with pytest.raises(CardError, match="two keep sections named 'a'"):
        merge_keep_blocks(template + template, [])


def test_croissant_description_comes_from_hand_written_summary(export):
    edit(export, "News articles collected from three example publishers.", "Hand summary.")
    bare = {k: v for k, v in CARD_CONFIG.items() if k != "description"}
    write_card(export, bare)
    croissant = json.loads((export / "croissant.json").read_text(encoding="utf-8"))
    assert croissant["description"] == "Hand summary."
