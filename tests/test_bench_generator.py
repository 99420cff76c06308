"""The benchmark corpus generator: deterministic, exact rates, real invalid records and
near-duplicates; and a smoke run of the validate benchmark at a tiny size."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import orjson
import pytest
from jsonschema import Draft202012Validator

from dataset_kit.validating import load_schema
from dataset_kit.validation_run import validate

ROOT = Path(__file__).resolve().parents[1]


def _bench(name: str) -> ModuleType:
    """Import ``bench.<name>`` from the checkout (bench/ is not an installed package)."""
    if "bench" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "bench",
            ROOT / "bench" / "__init__.py",
            submodule_search_locations=[str(ROOT / "bench")],
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules["bench"] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"bench.{name}")


gen = _bench("generate_corpus")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def read_truth(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    options = {"articles": 300, "invalid_fraction": 0.05, "near_dup_fraction": 0.05}
    a = gen.generate(tmp_path / "a.jsonl", seed=7, truth=tmp_path / "a.truth", **options)
    b = gen.generate(tmp_path / "b.jsonl", seed=7, truth=tmp_path / "b.truth", **options)
    c = gen.generate(tmp_path / "c.jsonl", seed=8, **options)
    assert sha256(tmp_path / "a.jsonl") == sha256(tmp_path / "b.jsonl")
    assert sha256(tmp_path / "a.truth") == sha256(tmp_path / "b.truth")
    assert sha256(tmp_path / "a.jsonl") != sha256(tmp_path / "c.jsonl")
    assert a.as_dict() | {"path": ""} == b.as_dict() | {"path": ""}
    assert a.bytes == (tmp_path / "a.jsonl").stat().st_size
    assert len(read_lines(tmp_path / "a.jsonl")) == a.records == 300
    assert c.records == 300


def test_size_limited_corpus_is_a_prefix_of_the_longer_one(tmp_path):
    options = {"invalid_fraction": 0.03, "near_dup_fraction": 0.04, "seed": 3}
    small = gen.generate(tmp_path / "small.jsonl", size_mb=0.4, **options)
    gen.generate(tmp_path / "long.jsonl", articles=small.records + 40, **options)
    assert small.bytes >= 0.4 * gen.MB
    # It stops at the first line that reaches the size: one line less is too small.
    last_line = read_lines(tmp_path / "small.jsonl")[-1]
    assert small.bytes - len(last_line) - 1 < 0.4 * gen.MB
    assert (
        (tmp_path / "long.jsonl").read_bytes().startswith((tmp_path / "small.jsonl").read_bytes())
    )


def test_invalid_records_are_exactly_the_requested_fraction_and_varied(tmp_path):
    corpus, truth = tmp_path / "corpus.jsonl", tmp_path / "truth.jsonl"
    stats = gen.generate(corpus, articles=800, invalid_fraction=0.1, seed=11, truth=truth)
    assert stats.invalid == 80
    assert stats.valid == 720
    assert sum(stats.invalid_by_kind.values()) == 80
    assert set(stats.invalid_by_kind) == set(gen.INVALID_KINDS)

    rejects = tmp_path / "rejects.jsonl"
    result = validate([corpus], rejects=rejects, jobs=1)
    assert (result.records, result.valid, result.invalid) == (800, 720, 80)

    expected = {note["line"]: note["reason"] for note in read_truth(truth)}
    rejected = {entry["line"]: entry for entry in map(orjson.loads, read_lines(rejects))}
    assert set(rejected) == set(expected)
    # Each kind of breakage is caught for the reason it was made.
    reasons = {
        "bad-date": ("/published_at", "anyOf"),
        "missing-title": ("/title", "required"),
        "unknown-field": (None, "additionalProperties"),
        "empty-text": ("/text", "minLength"),
        "bad-url": ("/url", "anyOf"),
        "bad-language": ("/language", "pattern"),
        "malformed-json": ("", "json"),
        "wrong-type": (None, "type"),
    }
    for line, reason in expected.items():
        pointer, keyword = reasons[reason]
        errors = rejected[line]["errors"]
        assert any(
            e["keyword"] == keyword and (pointer is None or e["pointer"] == pointer) for e in errors
        ), (reason, errors)
    # The format trap from the issue is among them.
    dates = [
        orjson.loads(rejected[line]["raw"])["published_at"]
        for line, reason in expected.items()
        if reason == "bad-date"
    ]
    assert any("/" in value and value.endswith(("AM", "PM")) for value in dates)


def test_invalid_records_are_invalid_for_the_python_jsonschema_too(tmp_path):
    corpus, truth = tmp_path / "corpus.jsonl", tmp_path / "truth.jsonl"
    gen.generate(
        corpus, articles=400, invalid_fraction=0.1, near_dup_fraction=0.1, seed=5, truth=truth
    )
    checker = Draft202012Validator(
        load_schema(None), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    invalid_lines = set()
    for number, line in enumerate(read_lines(corpus), 1):
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            invalid_lines.add(number)
            continue
        if any(True for _ in checker.iter_errors(record)):
            invalid_lines.add(number)
    expected = {note["line"] for note in read_truth(truth) if note["kind"] == "invalid"}
    assert invalid_lines == expected


def test_near_duplicates_are_republished_copies_with_a_few_words_changed(tmp_path):
    corpus, truth = tmp_path / "corpus.jsonl", tmp_path / "truth.jsonl"
    stats = gen.generate(
        corpus, articles=600, near_dup_fraction=0.1, invalid_fraction=0.02, seed=2, truth=truth
    )
    assert 59 <= stats.near_duplicates <= 60
    assert stats.invalid == 12
    lines = read_lines(corpus)
    notes = [note for note in read_truth(truth) if note["kind"] == "near-duplicate"]
    assert len(notes) == stats.near_duplicates
    for note in notes:
        copy = orjson.loads(lines[note["line"] - 1])
        original = orjson.loads(lines[note["of_line"] - 1])
        assert note["of_line"] < note["line"]
        assert (copy["id"], original["id"]) == (note["id"], note["of_id"])
        assert copy["id"] != original["id"]
        assert copy["url"] != original["url"]
        assert copy["source"] != original["source"]
        words, original_words = copy["text"].split(" "), original["text"].split(" ")
        assert len(words) == len(original_words)
        changed = sum(a != b for a, b in zip(words, original_words, strict=True))
        assert 1 <= changed <= 5
    # Near-duplicates are valid records: only the invalid ones are rejected.
    result = validate([corpus], jobs=1)
    assert (result.records, result.invalid) == (600, 12)


def test_records_look_like_news_articles(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    gen.generate(corpus, articles=300, seed=4)
    records = [orjson.loads(line) for line in read_lines(corpus)]
    assert all(60 <= len(r["title"]) <= 100 for r in records)
    lengths = [len(r["text"].encode()) for r in records]
    assert min(lengths) >= 2000 and max(lengths) <= 8000
    assert sum(lengths) / len(lengths) > 3000
    assert all("\n\n" in r["text"] for r in records)
    assert all(r["word_count"] == len(r["text"].split()) for r in records)
    languages = Counter(r["language"] for r in records)
    assert languages["en"] / len(records) > 0.75 and len(languages) > 2
    assert len({r["source"] for r in records}) >= 8
    years = {r["published_at"][:4] for r in records if r["published_at"]}
    assert years == {"2021", "2022", "2023", "2024", "2025"}
    assert len({r["id"] for r in records}) == len(records)
    assert validate([corpus], jobs=1).invalid == 0


def test_bad_options_are_refused(tmp_path):
    with pytest.raises(ValueError, match="exactly one"):
        gen.generate(tmp_path / "x.jsonl", articles=10, size_mb=1)
    with pytest.raises(ValueError, match="exactly one"):
        gen.generate(tmp_path / "x.jsonl")
    with pytest.raises(ValueError, match="between 0 and 1"):
        gen.generate(tmp_path / "x.jsonl", articles=10, invalid_fraction=1.5)
    with pytest.raises(ValueError, match="must not exceed 1"):
        gen.generate(tmp_path / "x.jsonl", articles=10, invalid_fraction=0.6, near_dup_fraction=0.6)
    assert not (tmp_path / "x.jsonl").exists()


def test_command_line_writes_the_same_corpus(tmp_path, capsys):
    out = tmp_path / "cli.jsonl"
    argv = ["--out", str(out), "--articles", "50", "--invalid-fraction", "0.1", "--seed", "9"]
    assert gen.main(argv) == 0
    printed = orjson.loads(capsys.readouterr().out)
    assert (printed["records"], printed["invalid"]) == (50, 5)
    gen.generate(tmp_path / "api.jsonl", articles=50, invalid_fraction=0.1, seed=9)
    assert sha256(out) == sha256(tmp_path / "api.jsonl")


def test_validate_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path):
    bench = _bench("bench_validate")
    out = tmp_path / "results" / "validate.md"
    argv = ["--size-mb", "1", "--memory-articles", "100", "--repeat", "1"]
    argv += ["--jsonschema-seconds", "0.2", "--corpus-dir", str(tmp_path / "corpora")]
    argv += ["--out", str(out)]
    assert bench.main(argv) == 0
    text = out.read_text()
    for label in ("(a) `dataset-kit validate --jobs 1`", "(b) `dataset-kit validate --jobs 2`"):
        assert label in text
    assert "(c) plain loop" in text and "(d) orjson parse-only floor" in text
    assert "met: every approach found exactly the invalid records" in text
    assert "Machine:" in text
    raw = orjson.loads(out.with_suffix(".json").read_bytes())
    rows = raw["rows"]
    assert rows["validate-j1"]["records"] == raw["corpus"]["records"]
    assert rows["validate-j1"]["invalid"] == raw["corpus"]["invalid"]
    assert 10 * 2**20 < rows["validate-j1"]["max_rss"] < 150 * 10**6
    assert [m["corpus"]["records"] for m in raw["memory"]] == sorted(
        [100, raw["corpus"]["records"]]
    )
