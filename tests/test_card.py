"""`dataset-kit card`: the card parses, loads, and every number in it matches the shards."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from card_fixtures import CARD_CONFIG, make_articles, standard_export, write_export

from dataset_kit.cards import split_front_matter, write_card
from dataset_kit.cli import cli
from dataset_kit.manifest import load_manifest, verify_files


def write_config(path: Path, card: dict) -> Path:
    lines = ["[card]"]
    for key, value in card.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def export(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    standard_export(root, 60)
    return root


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "dataset-kit.toml", CARD_CONFIG)


def run_card(runner, export: Path, *args: str):
    return runner.invoke(cli, ["card", str(export), *args], catch_exceptions=False)


def front_matter(export: Path) -> dict:
    return split_front_matter((export / "README.md").read_text(encoding="utf-8"))[0]


def all_rows(export: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in sorted((export / "data").glob("*.parquet")))


def test_card_cli_writes_card_charts_croissant_and_manifest(runner, export, config):
    result = run_card(runner, export, "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "60 articles" in result.output
    for name in ("README.md", "croissant.json", "assets/articles_per_month.png"):
        assert (export / name).is_file(), name
    assert (export / "assets/text_length.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    manifest = load_manifest(export)
    roles = {f.path: f.role for f in manifest.files}
    assert roles["README.md"] == "card"
    assert roles["croissant.json"] == "metadata"
    assert roles["assets/articles_per_month.png"] == roles["assets/text_length.png"] == "asset"
    assert verify_files(export, manifest) == []


def test_card_parses_with_huggingface_hub(runner, export, config):
    from huggingface_hub import DatasetCard

    assert run_card(runner, export, "--config", str(config)).exit_code == 0
    card = DatasetCard.load(export / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "cc-by-4.0"
    assert data["pretty_name"] == "Example News Articles"
    assert data["task_categories"] == ["text-generation", "summarization"]
    assert data["task_ids"] == ["language-modeling", "news-articles-summarization"]
    assert data["size_categories"] == ["n<1K"]
    # de, en and pt-BR are in the data: ISO 639-1 codes, region dropped.
    assert data["language"] == ["de", "en", "pt"]
    assert data["multilinguality"] == ["multilingual"]
    assert data["tags"] == ["news", "journalism"]
    assert data["source_datasets"] == ["original"]
    assert "# Example News Articles" in card.text
    assert 'load_dataset("example-org/example-news")' in card.text


def test_every_number_matches_the_shards(runner, export, config):
    assert run_card(runner, export, "--config", str(config)).exit_code == 0
    meta = front_matter(export)
    info = meta["dataset_info"]
    shards = sorted((export / "data").glob("*.parquet"))

    # configs: each split maps to exactly its shards.
    (default,) = meta["configs"]
    assert default["config_name"] == "default"
    by_split = {entry["split"]: entry["path"] for entry in default["data_files"]}
    assert sorted(p for paths in by_split.values() for p in paths) == [
        f"data/{p.name}" for p in shards
    ]
    assert list(by_split) == ["train", "test"]

    # features: what `datasets` derives from the shards' Arrow schema.
    import datasets

    arrow_schema = pq.read_schema(shards[0])
    expected = datasets.Features.from_arrow_schema(arrow_schema)._to_yaml_list()
    assert info["features"] == expected
    assert [f["name"] for f in info["features"]] == arrow_schema.names

    # splits, download_size, dataset_size recomputed independently from the files.
    for split in info["splits"]:
        files = [export / p for p in by_split[split["name"]]]
        assert split["num_examples"] == sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        assert split["num_bytes"] == sum(pq.read_table(f).nbytes for f in files)
    assert info["download_size"] == sum(p.stat().st_size for p in shards)
    assert info["dataset_size"] == sum(s["num_bytes"] for s in info["splits"])

    # The body's tables say the same.
    text = (export / "README.md").read_text(encoding="utf-8")
    table = all_rows(export)
    named_sources = {s for s in table.column("source").to_pylist() if s is not None}
    assert f"holds **{table.num_rows} news articles** from {len(named_sources)} sources" in text
    for source, count in Counter(table.column("source").to_pylist()).items():
        name = source if source is not None else "(unknown)"
        assert f"| {name} | {count} |" in text
    for tag, count in Counter(table.column("language").to_pylist()).items():
        name = tag if tag is not None else "(unknown)"
        assert f"| {name} | {count} |" in text
    dates = [d[:10] for d in table.column("published_at").to_pylist() if d]
    assert f"between **{min(dates)}** and **{max(dates)}**" in text
    for month, count in Counter(d[:7] for d in dates).items():
        assert f"| {month} | {count} |" in text
    assert f"{len(dates)} articles have a publication date and {table.num_rows - len(dates)}" in (
        text
    )


def test_load_dataset_honours_configs(runner, export, config, tmp_path):
    import datasets

    assert run_card(runner, export, "--config", str(config)).exit_code == 0
    # A stray Parquet file in the folder must not be picked up: the configs list shards.
    extra = export / "data" / "stray.parquet"
    pq.write_table(pa.table({"x": [1]}), extra)
    loaded = datasets.load_dataset(
        str(export), cache_dir=str(tmp_path / "cache"), verification_mode="all_checks"
    )
    extra.unlink()
    meta = front_matter(export)
    assert list(loaded) == [s["name"] for s in meta["dataset_info"]["splits"]]
    for split in meta["dataset_info"]["splits"]:
        assert loaded[split["name"]].num_rows == split["num_examples"]

    # datasets' own size computation, without our card, agrees with the card.
    bare = tmp_path / "bare"
    shutil.copytree(export / "data", bare / "data")
    data_files = {
        entry["split"]: [str(bare / p) for p in entry["path"]]
        for entry in meta["configs"][0]["data_files"]
    }
    plain = datasets.load_dataset(
        "parquet", data_files=data_files, cache_dir=str(tmp_path / "cache2")
    )
    for split in meta["dataset_info"]["splits"]:
        computed = plain[split["name"]].info.splits[split["name"]]
        assert computed.num_examples == split["num_examples"]
        assert computed.num_bytes == split["num_bytes"]


def test_same_export_gives_byte_identical_card(runner, export, config, tmp_path):
    assert run_card(runner, export, "--config", str(config)).exit_code == 0
    names = ["README.md", "croissant.json", "assets/articles_per_month.png"]
    names.append("assets/text_length.png")
    first = {n: (export / n).read_bytes() for n in names}
    assert run_card(runner, export, "--config", str(config)).exit_code == 0
    assert {n: (export / n).read_bytes() for n in names} == first
    # A second export of the same data in another folder gives the same files too.
    other = tmp_path / "other"
    standard_export(other, 60)
    assert run_card(runner, other, "--config", str(config)).exit_code == 0
    assert {n: (other / n).read_bytes() for n in names} == first


def test_regenerating_after_new_export_updates_numbers(runner, tmp_path, config):
    root = tmp_path / "ds"
    standard_export(root, 60)
    assert run_card(runner, root, "--config", str(config)).exit_code == 0
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8").replace(
        "Small and synthetic.", "Small, synthetic, and edited by hand."
    )
    readme.write_text(text, encoding="utf-8")
    previous = root.parent / "previous-README.md"
    shutil.copy(readme, previous)

    # A new export replaces the folder (as export's atomic swap does); the card of the
    # folder it replaced is passed along.
    shutil.rmtree(root)
    rows = make_articles(1500, seed=3)
    write_export(root, {"train": rows[:1200], "validation": rows[1200:]})
    write_card(root, CARD_CONFIG, previous_card=previous)
    meta = front_matter(root)
    assert meta["size_categories"] == ["1K<n<10K"]
    assert [s["name"] for s in meta["dataset_info"]["splits"]] == ["train", "validation"]
    assert [s["num_examples"] for s in meta["dataset_info"]["splits"]] == [1200, 300]
    new_text = readme.read_text(encoding="utf-8")
    assert "holds **1,500 news articles**" in new_text
    assert "Small, synthetic, and edited by hand." in new_text


def test_missing_license_warns_and_bad_values_fail(runner, export, tmp_path):
    no_license = {k: v for k, v in CARD_CONFIG.items() if k != "license"}
    result = run_card(
        runner, export, "--config", str(write_config(tmp_path / "a.toml", no_license))
    )
    assert result.exit_code == 0
    assert "Warning: no license" in result.output
    assert "license" not in front_matter(export)

    before = (export / "README.md").read_bytes()
    bad = dict(CARD_CONFIG, license="cc-by-5.0", task_categories=["text-generaton"])
    result = run_card(runner, export, "--config", str(write_config(tmp_path / "b.toml", bad)))
    assert result.exit_code == 2
    assert "license: unknown value 'cc-by-5.0'" in result.output
    assert "task_categories: unknown value 'text-generaton'" in result.output
    assert "Traceback" not in result.output
    assert (export / "README.md").read_bytes() == before  # nothing written


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ({"task_ids": ["news-summarisation"]}, "task_ids: unknown value 'news-summarisation'"),
        ({"language": ["english"]}, "language: unknown value 'english'"),
        ({"license": "other"}, "`other` needs `license_name`"),
        ({"licence": "mit"}, "unknown key 'licence'"),
        ({"tags": [1, 2]}, "tags must be a list of strings"),
    ],
)
def test_config_problems_are_clear_errors(runner, export, tmp_path, card, message):
    path = write_config(tmp_path / "c.toml", dict(CARD_CONFIG, **card))
    result = run_card(runner, export, "--config", str(path))
    assert result.exit_code == 2
    assert message in result.output


def test_bad_toml_names_file_and_line(runner, export, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[card]\nlicense = "mit"\npretty_name = \n', encoding="utf-8")
    result = run_card(runner, export, "--config", str(path))
    assert result.exit_code == 2
    assert "broken.toml: not valid TOML" in result.output
    assert "line 3" in result.output


def test_card_without_config_uses_the_exports_card_table(runner, tmp_path):
    root = tmp_path / "ds"
    write_export(
        root,
        {"train": make_articles(20)},
        manifest_extra={"config": {"card": dict(CARD_CONFIG, pretty_name="From Export")}},
    )
    result = run_card(runner, root)
    assert result.exit_code == 0, result.output
    assert front_matter(root)["pretty_name"] == "From Export"


def test_not_an_export_is_a_clear_error(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_card(runner, tmp_path / "empty")
    assert result.exit_code == 2
    assert "not a dataset-kit export" in result.output


def test_changed_shard_is_refused(runner, export, config):
    shard = sorted((export / "data").glob("train-*.parquet"))[0]
    pq.write_table(pq.read_table(shard).slice(0, 3), shard)
    result = run_card(runner, export, "--config", str(config))
    assert result.exit_code == 2
    assert "do not match the export manifest" in result.output
    assert shard.name in result.output


def test_custom_template(runner, export, config, tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text(
        "# {{ pretty_name }}\n\n{{ rows|num }} rows; median {{ words.p50 }} words.\n\n"
        "<!-- dataset-kit:keep notes -->\nnotes\n<!-- /dataset-kit:keep notes -->\n",
        encoding="utf-8",
    )
    result = run_card(runner, export, "--config", str(config), "--template", str(template))
    assert result.exit_code == 0, result.output
    text = (export / "README.md").read_text(encoding="utf-8")
    assert "60 rows; median" in text
    assert front_matter(export)["dataset_info"]["splits"][0]["num_examples"] == 48

    template.write_text("{{ rows|num }\n", encoding="utf-8")
    result = run_card(runner, export, "--config", str(config), "--template", str(template))
    assert result.exit_code == 2
    assert "mine.md.j2:1: template syntax error" in result.output

    template.write_text("{{ no_such_value }}\n", encoding="utf-8")
    result = run_card(runner, export, "--config", str(config), "--template", str(template))
    assert result.exit_code == 2
    assert "unknown value" in result.output and "no_such_value" in result.output


def test_fields_table_example_record_and_creation_numbers(runner, export, config):
    assert run_card(runner, export, "--config", str(config)).exit_code == 0
    text = (export / "README.md").read_text(encoding="utf-8")
    assert "| `authors` | `list<string>` | Names of the authors from the byline" in text
    assert "| `cluster_id` | `string` | Identifier of the near-duplicate cluster" in text
    first = pq.read_table(sorted((export / "data").glob("train-*.parquet"))[0]).slice(0, 1)
    example = json.loads(text.split("```json\n", 1)[1].split("\n```", 1)[0])
    assert example["id"] == first.column("id")[0].as_py()
    assert len(example["text"]) <= 300 + len(" […]")
    manifest = load_manifest(export)
    assert f"**Read:** {manifest.counts['read']} records" in text
    assert "**Rejected:** 3 records" in text and "`required`: 2, `format`: 1" in text
    assert "**Duplicates dropped:** 2 (near deduplication, similarity threshold 0.8)" in text
    assert "11 clusters of similar articles (largest: 4 articles)" in text
    assert "split `train=0.8,test=0.2`, seed 42. A record's split comes from a seeded hash" in text
    assert "each cluster stays whole in one split" in text
    assert "63 page dumps" in text and "1,234 lines of page furniture" in text
    assert "![Bar chart of the number of articles published per month" in text


def test_size_category_of_a_larger_export(tmp_path):
    root = tmp_path / "ds"
    write_export(root, {"train": make_articles(1000)})
    result = write_card(root, CARD_CONFIG)
    assert result.metadata["size_categories"] == ["1K<n<10K"]


def test_monolingual_and_language_override(tmp_path):
    root = tmp_path / "ds"
    rows = [dict(r, language="de-AT") for r in make_articles(10)]
    write_export(root, {"train": rows})
    meta = write_card(root, CARD_CONFIG).metadata
    assert meta["language"] == ["de"]
    assert meta["multilinguality"] == ["monolingual"]
    meta = write_card(root, dict(CARD_CONFIG, language=["de", "fr"])).metadata
    assert meta["language"] == ["de", "fr"]
    assert meta["multilinguality"] == ["multilingual"]


def test_export_without_dates_has_no_month_chart(tmp_path):
    root = tmp_path / "ds"
    write_export(root, {"train": [dict(r, published_at=None) for r in make_articles(10)]})
    result = write_card(root, CARD_CONFIG)
    assert "assets/articles_per_month.png" not in result.files
    assert not (root / "assets/articles_per_month.png").exists()
    text = (root / "README.md").read_text(encoding="utf-8")
    assert "None of the 10 articles has a publication date." in text
    assert yaml.safe_load(text.split("---\n")[1])["dataset_info"]["splits"][0]["num_examples"] == 10


def test_many_sources_are_cut_to_the_top_twenty(tmp_path):
    root = tmp_path / "ds"
    rows = [dict(r, source=f"Source {i % 25:02d}") for i, r in enumerate(make_articles(100))]
    write_export(root, {"train": rows})
    write_card(root, CARD_CONFIG)
    text = (root / "README.md").read_text(encoding="utf-8")
    assert "from 25 sources" in text
    source_rows = [line for line in text.splitlines() if re.match(r"\| Source \d\d \|", line)]
    assert len(source_rows) == 20
    assert "| *5 other sources* | 20 | 20.0% |" in text


def test_card_reads_dataset_kit_toml_in_the_current_folder(runner, export, tmp_path, monkeypatch):
    write_config(tmp_path / "dataset-kit.toml", dict(CARD_CONFIG, pretty_name="From Cwd"))
    monkeypatch.chdir(tmp_path)
    result = run_card(runner, export)
    assert result.exit_code == 0, result.output
    assert front_matter(export)["pretty_name"] == "From Cwd"
