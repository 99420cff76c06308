"""The export's seams: stages, executors and split strategies (issue 11)."""

from __future__ import annotations

import json
import operator
import os
import random
from dataclasses import dataclass

import numpy as np
import pyarrow.parquet as pq
import pytest
from export_helpers import article

from dataset_kit import splits
from dataset_kit.executors import InlineExecutor, open_executor
from dataset_kit.executors.local import LocalExecutor, available_cpus
from dataset_kit.exporting import export
from dataset_kit.splits import Assignment
from dataset_kit.stages.merge import KeyArrays


def test_notes_past_the_first_range_give_the_line_in_the_file(tmp_path):
    """A note's first place is a line of the file, not of the 2 MB range it was read in."""
    rng = random.Random(7)
    lines = [json.dumps(article(rng, n)).encode() + b"\n" for n in range(4000)]
    lines[3100] = lines[3100][:-1] + b"\r\n"  # line 3101, well past the first 2 MB
    lines.insert(3500, b"\n")  # a blank line: line 3501
    source = tmp_path / "big.jsonl"
    source.write_bytes(b"".join(lines))
    assert source.stat().st_size > 3 * (2 << 20) // 2
    result = export([source], tmp_path / "ds", dedup="exact")
    assert f"CRLF line ends: 1 (first at {source}:3101)" in result.notes.lines()
    assert f"blank lines skipped: 1 (first at {source}:3501)" in result.notes.lines()


def _where(ctx: dict, task: int) -> tuple[int, int, int]:
    return task * ctx["factor"], os.getpid(), id(ctx)


def test_executors_agree_and_send_the_context_once_per_worker():
    tasks = list(range(40))
    inline = [r[0] for r in InlineExecutor().map_ordered(_where, tasks, {"factor": 3})]
    assert inline == [t * 3 for t in tasks]
    results = list(LocalExecutor(2).map_ordered(_where, tasks, {"factor": 3}))
    assert [r[0] for r in results] == inline  # in task order
    contexts = {pid: set() for _, pid, _ in results}
    for _, pid, ctx_id in results:
        contexts[pid].add(ctx_id)
    # One context object per worker process, kept for all its tasks.
    assert all(len(ids) == 1 for ids in contexts.values())
    if available_cpus() >= 2:
        assert os.getpid() not in contexts  # run by workers (which ones is up to the pool)


def test_one_job_runs_inline(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with open_executor(1) as executor:
        assert isinstance(executor, InlineExecutor)
        assert list(executor.map_ordered(operator.add, [1, 2], 10)) == [11, 12]


@dataclass(frozen=True)
class _Alternate:
    """A split strategy in one class: units alternate between the splits, shortest
    text first (a per-record value it asks pass 1 for), then by key."""

    names: tuple[str, ...]
    mode: str = "alternate"
    report_values = ("length",)  # what its report reads after the split

    @classmethod
    def for_request(cls, request: splits.SplitRequest) -> _Alternate:
        return cls(request.names)

    def record_values(self, records: list[dict], id_hash: np.ndarray) -> splits.RecordValues:
        length = np.array([len(r["text"]) for r in records], dtype=np.int64)
        return {"length": length, "records_keyed": len(records)}

    def assign(self, units: splits.Units, keys: KeyArrays) -> Assignment:
        unit_length = np.zeros(len(units.keys), dtype=np.int64)
        np.maximum.at(unit_length, units.of_record, keys.split_values["length"][units.records])
        order = np.lexsort((units.keys, unit_length))
        codes = np.empty(len(order), dtype=np.int16)
        codes[order] = np.arange(len(order)) % len(self.names)
        return Assignment(codes)

    def report(self, outcome: splits.Outcome) -> dict:
        keys = outcome.keys
        return {
            "alternate": {
                "written": int((outcome.split >= 0).sum()),
                "records_keyed": keys.split_counts["records_keyed"],
                "longest": int(keys.split_values["length"].max()),
            }
        }

    def card_text(self, config: dict) -> splits.CardText:
        return splits.CardText(", alternating by key", " Units take the splits in turn.")


def test_a_new_split_strategy_is_one_class_and_its_registration(tmp_path, monkeypatch):
    monkeypatch.setattr(splits, "STRATEGIES", [_Alternate.for_request, *splits.STRATEGIES])
    rng = random.Random(3)
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(article(rng, n)) + "\n" for n in range(40)))
    result = export([source], tmp_path / "ds", dedup="off")
    assert result.report["splitting"]["mode"] == "alternate"
    lengths = sorted(len(json.loads(line)["text"]) for line in source.read_text().splitlines())
    # Its per-record value and count came back from pass 1 through its own module ...
    assert result.report["splitting"]["alternate"] == {
        "written": 40,
        "records_keyed": 40,
        "longest": lengths[-1],
    }
    assert result.splits == {"train": 20, "test": 20}
    # ... and made the split: the shortest texts alternate, the shortest to train.
    train = pq.read_table(next((tmp_path / "ds" / "data").glob("train-*.parquet")))
    assert sorted(len(text) for text in train.column("text").to_pylist()) == lengths[::2]
    # Its words in the card came from its module too, placed by the template.
    card = (tmp_path / "ds" / "README.md").read_text()
    assert "articles, split `train=0.9,test=0.1`, alternating by key, seed 0." in card
    assert "seed 0. Units take the splits in turn.\n" in card
    assert "seeded hash" not in card


@pytest.mark.parametrize("jobs", [1, 2])
def test_export_output_is_the_same_for_any_executor(tmp_path, jobs):
    rng = random.Random(11)
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(article(rng, n)) + "\n" for n in range(300)))
    result = export([source], tmp_path / f"ds{jobs}", jobs=jobs)
    assert result.counts["written"] == 300
