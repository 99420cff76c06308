"""Reader edge cases: the streaming JSON array scanner and chunk boundaries."""

from __future__ import annotations

import json

import pytest

from dataset_kit.readers import json as json_reader
from dataset_kit.reading import ReadNotes, read_file


@pytest.fixture(autouse=True)
def tiny_chunks(monkeypatch):
    # Force many refills so elements straddle chunk boundaries.
    original = json_reader._scan_json_array

    def scan(stream, head, display):
        class Slow:
            def read(self, n):
                return stream.read(7)

        return original(Slow(), head, display)

    monkeypatch.setattr(json_reader, "_scan_json_array", scan)


def test_array_elements_across_chunks_keep_their_lines(tmp_path):
    items = [{"id": str(i), "t": 'a "quoted" [x], {y} \\ back' * (i + 1)} for i in range(20)]
    path = tmp_path / "a.json"
    path.write_text("[\n" + ",\n".join(json.dumps(item) for item in items) + "\n]\n")
    records = list(read_file(path, ReadNotes()))
    assert [r.data for r in records] == items
    assert [r.line for r in records] == list(range(2, 22))


def test_array_problems(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('[{"a": 1}, , 3, {"b": 2}')
    records = list(read_file(path, ReadNotes()))
    kinds = [r.problem.keyword if r.problem else "ok" for r in records]
    assert kinds == ["ok", "json", "not-an-object", "ok", "truncated"]


def test_empty_array_and_bom(tmp_path):
    path = tmp_path / "c.json"
    path.write_bytes(b"\xef\xbb\xbf[ ]")
    notes = ReadNotes()
    assert list(read_file(path, notes)) == []
    assert notes.counts["UTF-8 byte-order mark removed"] == 1
