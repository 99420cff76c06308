"""--timezone and --source reach page dumps read by validate and export, as in ingest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dataset_kit.cli import cli

PAGES = Path(__file__).parent / "fixtures" / "pages"


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    root = tmp_path / "dumps"
    shutil.copytree(PAGES, root)
    return root


def _run(runner, *args):
    return runner.invoke(cli, [*map(str, args)], catch_exceptions=False)


def _exported(folder: Path) -> dict[str, dict]:
    rows = [
        row
        for shard in sorted(folder.glob("data/*.parquet"))
        for row in pq.read_table(shard).to_pylist()
    ]
    return {Path(row["source_file"]).name: row for row in rows}


def _ingested(path: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {Path(row["source_file"]).name: row for row in rows}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_export_ingests_pages_with_the_options(runner, dumps, tmp_path, jobs):
    options = ["--timezone", "Europe/Kyiv", "--source", "Test Wire"]
    out = tmp_path / "ds"
    result = _run(runner, "export", dumps, "--out", out, "--dedup", "off", "--jobs", jobs, *options)
    assert result.exit_code == 0, result.output
    exported = _exported(out)
    assert exported["seed_news_site.txt"]["published_at"] == "2022-11-11T16:07:00+02:00"
    assert {row["source"] for row in exported.values()} == {"Test Wire"}

    # The same records `dataset-kit ingest` writes with the same options.
    ingested_path = tmp_path / "ingested.jsonl"
    assert _run(runner, "ingest", dumps, "-o", ingested_path, *options).exit_code == 0
    ingested = _ingested(ingested_path)
    assert set(exported) == set(ingested)
    for name, record in ingested.items():
        assert {k: exported[name][k] for k in record} == record, name

    manifest = json.loads((out / ".dataset-kit" / "manifest.json").read_text(encoding="utf-8"))
    recorded = json.dumps(manifest)
    assert '"timezone": "Europe/Kyiv"' in recorded and '"source": "Test Wire"' in recorded


def test_without_options_pages_keep_only_the_day_and_their_publisher(runner, dumps, tmp_path):
    out = tmp_path / "ds"
    assert _run(runner, "export", dumps, "--out", out, "--dedup", "off").exit_code == 0
    exported = _exported(out)
    assert exported["seed_news_site.txt"]["published_at"] == "2022-11-11"
    assert len({row["source"] for row in exported.values()}) > 1


def test_init_records_the_options_and_export_reruns_them(runner, dumps, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run(runner, "init", "dumps", "--out", "ds", "--timezone", "Europe/Kyiv")
    assert result.exit_code == 0, result.output
    assert 'timezone = "Europe/Kyiv"' in (tmp_path / "dataset-kit.toml").read_text("utf-8")
    assert _run(runner, "export", "--quiet").exit_code == 0
    assert _exported(tmp_path / "ds")["seed_news_site.txt"]["published_at"].endswith("+02:00")


@pytest.mark.parametrize("command", ["export", "validate"])
def test_unknown_timezone_is_a_usage_error(runner, dumps, tmp_path, command):
    extra = ["--out", tmp_path / "ds"] if command == "export" else []
    result = _run(runner, command, dumps, *extra, "--timezone", "Mars/Olympus")
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Olympus'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "ds").exists()


def test_validate_checks_the_records_export_would_write(runner, dumps, tmp_path):
    # A schema that wants a full date-time: a page's "4:07 PM" only becomes one with
    # a timezone, so --timezone changes the verdict on that page.
    schema = json.loads((Path(__file__).parents[1] / "schema" / "article.schema.json").read_text())
    schema["properties"]["published_at"] = {"type": "string", "format": "date-time"}
    schema_path = tmp_path / "strict.schema.json"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    page = dumps / "seed_news_site.txt"

    plain = _run(runner, "validate", page, "--schema", schema_path)
    assert plain.exit_code == 1 and "/published_at" in plain.output
    zoned = _run(runner, "validate", page, "--schema", schema_path, "--timezone", "Europe/Kyiv")
    assert zoned.exit_code == 0, zoned.output


@pytest.mark.parametrize("command", ["ingest", "export", "validate"])
def test_empty_source_is_a_usage_error_everywhere(runner, dumps, tmp_path, command):
    extra = {"ingest": ["-o", tmp_path / "a.jsonl"], "export": ["--out", tmp_path / "ds"]}
    result = _run(runner, command, dumps, *extra.get(command, []), "--source", " ")
    assert result.exit_code == 2
    assert "--source must not be empty" in result.output
