"""`dataset-kit validate` end to end, as a user runs it, including every bad-input case."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import zstandard

from dataset_kit import validation_run
from dataset_kit.cli import cli
from tests.conftest import article


def run(runner, *args):
    return runner.invoke(cli, ["validate", *map(str, args)])


def test_all_valid_exits_0_with_counts(runner, write_jsonl):
    path = write_jsonl("ok.jsonl", [article(i) for i in range(5)])
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "5 records read from 1 file: 5 valid, 0 invalid." in result.output


def test_format_assertion_trap_is_invalid(runner, write_jsonl, tmp_path):
    path = write_jsonl(
        "dates.jsonl",
        [
            article(1, published_at="11/11/2022 4:07 PM"),
            article(2, published_at="2022-11-11"),
            article(3, published_at="2022-11-11T16:07:00+02:00"),
            article(4, published_at=None),
            article(5, published_at="2022-11-11T16:07:00"),  # no offset: not RFC 3339
            article(6, url="not a uri"),
        ],
    )
    report = tmp_path / "report.json"
    result = run(runner, path, "--report", report)
    assert result.exit_code == 1, result.output
    data = json.loads(report.read_text())
    assert (data["records"], data["valid"], data["invalid"]) == (6, 3, 3)
    bad = {(e["line"], e["pointer"]) for e in data["errors"]}
    assert bad == {(1, "/published_at"), (5, "/published_at"), (6, "/url")}
    first = next(e for e in data["errors"] if e["line"] == 1)
    assert first["id"] == "a00001"
    assert 'is not a "date-time"' in first["message"]
    assert "/published_at  [anyOf]" in result.output
    assert f"{path}:1 id=a00001" in result.output


def test_bad_lines_are_reported_and_validation_goes_on(runner, write_jsonl, tmp_path):
    rows = [
        article(1),
        b"{not json",
        b"[1, 2, 3]",
        b'"just a string"',
        b'\xff\xfe{"id": "x"}',
        b"",
        b"   ",
        article(2),
    ]
    path = write_jsonl("mixed.jsonl", rows)
    report = tmp_path / "r.json"
    rejects = tmp_path / "rejects.jsonl"
    result = run(runner, path, "--report", report, "--rejects", rejects)
    assert result.exit_code == 1
    data = json.loads(report.read_text())
    assert (data["records"], data["valid"], data["invalid"]) == (6, 2, 4)
    by_line = {e["line"]: e for e in data["errors"]}
    assert by_line[2]["keyword"] == "json" and "malformed JSON" in by_line[2]["message"]
    assert by_line[3]["keyword"] == "not-an-object" and "an array" in by_line[3]["message"]
    assert by_line[4]["keyword"] == "not-an-object"
    assert by_line[5]["keyword"] == "encoding" and "UTF-8" in by_line[5]["message"]
    assert data["summary"]["notes"] == {"blank lines skipped": 2}
    assert "blank lines skipped: 2 (first at" in result.output
    # Nothing lost: valid records + rejects = records, and raw lines are unchanged.
    reject_rows = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert len(reject_rows) + data["valid"] == data["records"]
    assert reject_rows[0]["raw"] == "{not json"
    assert [r["line"] for r in reject_rows] == [2, 3, 4, 5]
    import base64

    assert base64.b64decode(reject_rows[3]["raw_base64"]) == b'\xff\xfe{"id": "x"}'


def test_bom_and_crlf_are_accepted_with_a_note(runner, tmp_path):
    path = tmp_path / "windows.jsonl"
    body = b"\r\n".join(json.dumps(article(i)).encode() for i in range(3)) + b"\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + body)
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "3 valid, 0 invalid" in result.output
    assert "UTF-8 byte-order mark removed: 1" in result.output
    assert "CRLF line ends: 3" in result.output


def test_single_50mb_line(runner, write_jsonl):
    big = article(1, text="word " * (10 * 1024 * 1024))
    path = write_jsonl("big.jsonl", [big, article(2, title="")])
    result = run(runner, path)
    assert result.exit_code == 1
    assert "2 records read from 1 file: 1 valid, 1 invalid." in result.output
    assert "/title  [minLength]" in result.output


def test_truncated_gzip_reports_the_cut_and_keeps_earlier_lines(runner, tmp_path):
    payload = b"".join(json.dumps(article(i)).encode() + b"\n" for i in range(200))
    whole = gzip.compress(payload)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    report = tmp_path / "r.json"
    result = run(runner, path, "--report", report)
    assert result.exit_code == 1
    data = json.loads(report.read_text())
    assert data["invalid"] == 1
    assert data["errors"][0]["keyword"] == "truncated"
    assert data["valid"] >= 1 and data["records"] == data["valid"] + 1
    assert "truncated" in result.output


def test_zstd_whole_and_truncated(runner, tmp_path):
    payload = b"".join(json.dumps(article(i)).encode() + b"\n" for i in range(50))
    good = tmp_path / "good.jsonl.zst"
    good.write_bytes(zstandard.ZstdCompressor().compress(payload))
    assert "50 valid, 0 invalid" in run(runner, good).output
    cut = tmp_path / "cut.ndjson.zst"
    cut.write_bytes(good.read_bytes()[:-20])
    result = run(runner, cut)
    assert result.exit_code == 1
    assert "[truncated]" in result.output


def test_json_array_object_and_parquet_inputs(runner, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    array = tmp_path / "many.json"
    array.write_text(
        "[\n"
        + ",\n".join(json.dumps(article(i), indent=1) for i in range(3))
        + ',\n {"id": "bad", "title": "x, ] tricky \\" }", "text": 5}\n]'
    )
    single = tmp_path / "one.json"
    single.write_text(json.dumps(article(9)))
    table = pa.Table.from_pylist([article(10), article(11, authors=None)])
    parquet = tmp_path / "rows.parquet"
    pq.write_table(table, parquet)
    report = tmp_path / "r.json"
    result = run(runner, array, single, parquet, "--report", report)
    assert result.exit_code == 1, result.output
    data = json.loads(report.read_text())
    assert (data["records"], data["invalid"]) == (7, 2)
    where = {(Path(e["file"]).name, e["line"], e["pointer"]) for e in data["errors"]}
    assert ("many.json", 38, "/text") in where
    assert ("rows.parquet", 2, "/authors") in where


def test_folders_and_globs(runner, tmp_path, write_jsonl):
    sub = tmp_path / "corpus" / "2023"
    sub.mkdir(parents=True)
    (sub / "a.jsonl").write_text(json.dumps(article(1)) + "\n")
    (tmp_path / "corpus" / "b.ndjson").write_text(json.dumps(article(2)) + "\n")
    (tmp_path / "corpus" / "notes.md").write_text("ignored: not a corpus file")
    assert "2 records read from 2 files" in run(runner, tmp_path / "corpus").output
    result = run(runner, f"{tmp_path}/corpus/**/*.jsonl")
    assert "1 record read from 1 file" in result.output


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p / "missing.jsonl", "no such file or folder"),
        (lambda p: Path(f"{p}/*.nothing.jsonl"), "glob matched no"),
        (lambda p: (p / "empty.jsonl").write_bytes(b"") or p / "empty.jsonl", "input is empty"),
        (
            lambda p: (p / "blank.jsonl").write_bytes(b"\n\n") and p / "blank.jsonl",
            "input is empty",
        ),
        (lambda p: (p / "x.csv").write_text("a,b") and p / "x.csv", "unsupported file type"),
        (lambda p: (p / "d").mkdir() or p / "d", "folder holds no"),
    ],
)
def test_unusable_input_is_a_clear_error(runner, tmp_path, make, expected):
    target = make(tmp_path)
    result = run(runner, target)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_invalid_schema_is_exit_2_naming_the_problem(runner, tmp_path, write_jsonl):
    data = write_jsonl("ok.jsonl", [article(1)])
    bad_type = tmp_path / "bad.schema.json"
    bad_type.write_text('{"type": "objekt"}')
    result = run(runner, data, "--schema", bad_type)
    assert result.exit_code == 2
    assert "schema is invalid against its meta-schema at /type" in result.output
    not_json = tmp_path / "broken.schema.json"
    not_json.write_text('{"type": "object",}')
    result = run(runner, data, "--schema", not_json)
    assert result.exit_code == 2
    assert "schema is not valid JSON (line 1" in result.output
    result = run(runner, data, "--schema", tmp_path / "nope.json")
    assert result.exit_code == 2 and "schema file not found" in result.output


def test_custom_schema_and_unknown_fields_policy(runner, tmp_path, write_jsonl):
    data = write_jsonl("x.jsonl", [article(1, sentiment="positive")])
    result = run(runner, data)
    assert result.exit_code == 1
    assert "unknown field 'sentiment'" in result.output
    loose = tmp_path / "loose.schema.json"
    loose.write_text(json.dumps({"type": "object", "required": ["id"]}))
    assert run(runner, data, "--schema", loose).exit_code == 0


def test_jobs_output_is_identical(runner, tmp_path, write_jsonl, monkeypatch):
    monkeypatch.setattr(validation_run, "RANGE_BYTES", 4096)
    monkeypatch.setattr(validation_run, "PART_BYTES", 4096)
    rows = []
    for i in range(400):
        if i % 37 == 0:
            rows.append(b"{broken")
        elif i % 11 == 0:
            rows.append(article(i, published_at="yesterday"))
        else:
            rows.append(article(i))
    plain = write_jsonl("big.jsonl", rows)
    packed = tmp_path / "big2.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    outputs = []
    for jobs in ("1", "2"):
        report, rejects = tmp_path / f"r{jobs}.json", tmp_path / f"x{jobs}.jsonl"
        result = run(
            runner, plain, packed, "--jobs", jobs, "--report", report, "--rejects", rejects
        )
        assert result.exit_code == 1
        outputs.append(
            (
                result.output.replace(str(tmp_path), ""),
                report.read_bytes().replace(f"r{jobs}.json".encode(), b""),
                rejects.read_bytes(),
            )
        )
    assert outputs[0][1] == outputs[1][1]
    assert outputs[0][2] == outputs[1][2]
    data = json.loads(outputs[0][1])
    assert data["records"] == 800
    lines = sorted({e["line"] for e in data["errors"] if e["file"].endswith("big.jsonl")})
    expected = sorted(i + 1 for i in range(400) if i % 37 == 0 or i % 11 == 0)
    assert lines == expected


def test_quiet_prints_nothing_and_keeps_exit_code(runner, write_jsonl):
    path = write_jsonl("q.jsonl", [article(1, title=None)])
    result = run(runner, path, "--quiet")
    assert result.exit_code == 1
    assert result.output == ""


def test_help_explains_with_examples(runner):
    result = runner.invoke(cli, ["validate", "--help"])
    assert result.exit_code == 0
    for text in ("--schema", "--report", "--rejects", "--jobs", "Exit status", "Examples"):
        assert text in result.output


def test_outputs_are_not_left_half_written_on_error(runner, tmp_path, write_jsonl):
    data = write_jsonl("ok.jsonl", [article(1)])
    report = tmp_path / "r.json"
    result = run(runner, data, tmp_path / "missing.jsonl", "--report", report)
    assert result.exit_code == 2
    assert not report.exists()
    assert not list(tmp_path.glob(".tmp-*"))


def test_notes_in_later_ranges_name_the_file_line(runner, tmp_path, write_jsonl, monkeypatch):
    monkeypatch.setattr(validation_run, "RANGE_BYTES", 2048)
    rows = [article(i) for i in range(60)] + [b""] + [article(99)]
    path = write_jsonl("long.jsonl", rows)
    result = run(runner, path)
    assert f"blank lines skipped: 1 (first at {path}:61)" in result.output
