"""croissant.json: valid Croissant 1.0 that mlcroissant validates and reads records from."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from card_fixtures import CARD_CONFIG, standard_export

from dataset_kit.cards import write_card
from dataset_kit.croissant import arrow_to_croissant_type
from dataset_kit.manifest import load_manifest, sha256_file

mlc = pytest.importorskip("mlcroissant")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    standard_export(root, 60)
    write_card(root, CARD_CONFIG)
    return root


def test_mlcroissant_validates_without_errors(export):
    dataset = mlc.Dataset(jsonld=str(export / "croissant.json"))
    issues = dataset.metadata.ctx.issues
    assert not issues.errors, issues.report()
    assert dataset.metadata.name == "Example News Articles"


def test_mlcroissant_reads_every_record(export):
    dataset = mlc.Dataset(jsonld=str(export / "croissant.json"))
    records = list(dataset.records("default"))
    rows = [
        (path.name.split("-")[0], row)
        for path in sorted((export / "data").glob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]
    assert len(records) == len(rows) == 60

    def decode(value):
        return value.decode("utf-8") if isinstance(value, bytes) else value

    by_id = {decode(r["default/id"]): r for r in records}
    assert len(by_id) == 60
    for split, row in rows:
        record = by_id[row["id"]]
        assert decode(record["default/split"]) == split
        assert decode(record["default/title"]) == row["title"]
        assert decode(record["default/text"]) == row["text"]
        assert decode(record["default/source"]) == row["source"]
        assert [decode(a) for a in record["default/authors"]] == row["authors"]
        assert record["default/word_count"] == row["word_count"]
    assert Counter(decode(r["default/split"]) for r in records) == {"train": 48, "test": 12}


def test_distribution_lists_every_shard_with_its_sha256(export):
    document = json.loads((export / "croissant.json").read_text(encoding="utf-8"))
    assert document["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    assert document["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert document["url"] == "https://huggingface.co/datasets/example-org/example-news"
    assert document["inLanguage"] == ["de", "en", "pt"]
    files = {d["contentUrl"]: d for d in document["distribution"] if d["@type"] == "cr:FileObject"}
    manifest = load_manifest(export)
    shards = {f.path for f in manifest.data_files()}
    assert set(files) == shards
    for path, entry in files.items():
        assert entry["sha256"] == sha256_file(export / path)
        assert entry["contentSize"] == f"{(export / path).stat().st_size} B"
        assert entry["encodingFormat"] == "application/x-parquet"
    fields = {f["name"]: f for f in document["recordSet"][0]["field"]}
    assert fields["authors"]["repeated"] is True
    assert fields["word_count"]["dataType"] == "sc:Integer"
    assert fields["furniture_ratio"]["dataType"] == "sc:Float"
    assert fields["title"]["description"] == "Headline of the article, as published."


@pytest.mark.parametrize(
    ("arrow_type", "expected"),
    [
        (pa.string(), ("sc:Text", False)),
        (pa.large_string(), ("sc:Text", False)),
        (pa.int32(), ("sc:Integer", False)),
        (pa.float32(), ("sc:Float", False)),
        (pa.bool_(), ("sc:Boolean", False)),
        (pa.timestamp("us", tz="UTC"), ("sc:DateTime", False)),
        (pa.date32(), ("sc:Date", False)),
        (pa.list_(pa.string()), ("sc:Text", True)),
        (pa.list_(pa.int64()), ("sc:Integer", True)),
    ],
)
def test_type_mapping(arrow_type, expected):
    assert arrow_to_croissant_type(arrow_type) == expected
