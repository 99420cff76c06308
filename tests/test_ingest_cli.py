"""`dataset-kit ingest` end to end, as a user runs it on a folder of page dumps."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dataset_kit.cli import cli
from dataset_kit.ingesting import ingest
from dataset_kit.validating import Validator, load_schema

PAGES = Path(__file__).parent / "fixtures" / "pages"
GOOD = 11
REJECTED = {"binary": 1, "empty": 1, "link-list": 1, "no-title": 1}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The fixture pages in a nested folder, as a scraper would leave them."""
    root = tmp_path / "dumps"
    for index, page in enumerate(sorted(PAGES.glob("*.txt"))):
        target = root / ("2023" if index % 2 else "2022") / page.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
    return root


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(runner, *args):
    return runner.invoke(cli, ["ingest", *map(str, args)])


def test_counts_add_up_and_every_page_is_somewhere(runner, corpus, tmp_path):
    out = tmp_path / "out" / "articles.jsonl"
    result = run(runner, corpus, "-o", out)
    assert result.exit_code == 0, result.output
    records = read_jsonl(out)
    rejects = read_jsonl(tmp_path / "out" / "articles.rejects.jsonl")
    pages = len(list(PAGES.glob("*.txt")))
    assert len(records) == GOOD and len(rejects) == sum(REJECTED.values())
    assert len(records) + len(rejects) == pages
    # Nothing lost: every file is in exactly one of the two outputs.
    seen = [r["source_file"] for r in records] + [r["source_file"] for r in rejects]
    on_disk = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*.txt"))
    assert sorted(seen) == on_disk
    # Rejects say why.
    assert {r["reason"] for r in rejects} == set(REJECTED)
    assert all(r["detail"] for r in rejects)
    # Records are valid and in sorted file order.
    validator = Validator(load_schema(None))
    assert all(validator.is_valid(r) for r in records)
    assert [r["source_file"] for r in records] == sorted(r["source_file"] for r in records)
    # The summary tells the same story.
    assert f"pages read:       {pages}" in result.output
    assert f"records written:  {GOOD}" in result.output
    assert "rejected:         4 (binary: 1, empty: 1, link-list: 1, no-title: 1)" in result.output
    removed = sum(r["furniture_lines"] for r in records)
    assert f"lines removed:    {removed:,} furniture lines" in result.output
    assert "not UTF-8:        1 decoded" in result.output
    assert "mojibake:         1 pages repaired" in result.output


def test_output_is_deterministic_and_independent_of_jobs(runner, corpus, tmp_path):
    outputs = []
    for name, jobs in (("a", 1), ("b", 1), ("c", 2)):
        out = tmp_path / f"{name}.jsonl"
        result = run(runner, corpus, "-o", out, "--jobs", jobs, "--timezone", "Europe/Berlin")
        assert result.exit_code == 0, result.output
        outputs.append((out.read_bytes(), (tmp_path / f"{name}.rejects.jsonl").read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]


def test_options_reach_the_records(runner, corpus, tmp_path):
    out = tmp_path / "a.jsonl"
    rejects = tmp_path / "elsewhere" / "bad.jsonl"
    result = run(
        runner,
        corpus,
        "-o",
        out,
        "--rejects",
        rejects,
        "--timezone",
        "Europe/Kyiv",
        "--source",
        "Test Wire",
        "--keep-boilerplate",
    )
    assert result.exit_code == 0, result.output
    records = {Path(r["source_file"]).name: r for r in read_jsonl(out)}
    assert len(read_jsonl(rejects)) == 4
    seed = records["seed_news_site.txt"]
    assert seed["published_at"] == "2022-11-11T16:07:00+02:00"
    assert all(r["source"] == "Test Wire" for r in records.values())
    assert "News Feed" in seed["removed_lines"]
    assert len(seed["removed_lines"]) == seed["furniture_lines"]


def test_single_files_and_globs(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(PAGES)
    out = tmp_path / "one.jsonl"
    result = run(runner, "wire_story.txt", "b*.txt", "-o", out)
    assert result.exit_code == 0, result.output
    assert [r["source_file"] for r in read_jsonl(out)] == ["wire_story.txt", "blog_post.txt"]
    assert "rejected:         1 (binary: 1)" in result.output


def test_the_same_file_named_twice_is_read_once(runner, tmp_path):
    out = tmp_path / "o.jsonl"
    page = PAGES / "wire_story.txt"
    result = run(runner, page, page, PAGES, "-o", out)
    assert result.exit_code == 0, result.output
    assert len(read_jsonl(out)) == GOOD


def test_all_pages_rejected_exits_1(runner, tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    shutil.copyfile(PAGES / "empty.txt", folder / "a.txt")
    shutil.copyfile(PAGES / "link_list.txt", folder / "b.txt")
    result = run(runner, folder, "-o", tmp_path / "o.jsonl")
    assert result.exit_code == 1
    assert "records written:  0" in result.output
    assert (tmp_path / "o.jsonl").read_bytes() == b""
    assert len(read_jsonl(tmp_path / "o.rejects.jsonl")) == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing", "no such file or folder"),
        (lambda tmp: _write(tmp / "a.jsonl", "{}\n"), "ingest reads .txt page dumps"),
        (lambda tmp: _mkdir(tmp / "nothing"), "folder holds no .txt page dumps"),
        (lambda tmp: tmp / "x*.txt", "glob matched no .txt files"),
    ],
)
def test_bad_inputs_are_clear_errors(runner, tmp_path, make, message):
    out = tmp_path / "o.jsonl"
    result = run(runner, make(tmp_path), "-o", out)
    assert result.exit_code == 2
    assert "Error:" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_timezone_is_an_error_and_writes_nothing(runner, tmp_path):
    out = tmp_path / "o.jsonl"
    result = run(runner, PAGES, "-o", out, "--timezone", "Mars/Olympus")
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Olympus'" in result.output
    assert not out.exists()


def test_rejects_cannot_overwrite_the_output(runner, tmp_path):
    out = tmp_path / "o.jsonl"
    result = run(runner, PAGES, "-o", out, "--rejects", out)
    assert result.exit_code == 2 and "would overwrite the other" in result.output


def test_previous_output_survives_a_failed_run(tmp_path, monkeypatch):
    out = tmp_path / "o.jsonl"
    out.write_text("previous\n")
    from dataset_kit.ingesting import run as ingest_run

    calls = {"n": 0}
    real = ingest_run._ingest_task

    def failing(ctx, task):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return real(ctx, task)

    monkeypatch.setattr(ingest_run, "_ingest_task", failing)
    with pytest.raises(RuntimeError):
        ingest([PAGES], out)
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.jsonl"]


def test_api_summary_counts(tmp_path):
    summary = ingest([PAGES], tmp_path / "o.jsonl")
    assert summary.pages == GOOD + sum(REJECTED.values())
    assert summary.written == GOOD and dict(summary.rejected) == REJECTED
    assert summary.as_dict()["rejected"] == 4
    assert summary.lines_removed <= summary.lines_total


def test_validate_reads_page_dumps_directly(runner, corpus, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    for name in ("seed_news_site.txt", "wire_story.txt", "german_page.txt"):
        shutil.copyfile(PAGES / name, good / name)
    result = runner.invoke(cli, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 records read from 3 files: 3 valid, 0 invalid." in result.output

    report = tmp_path / "report.json"
    result = runner.invoke(cli, ["validate", str(corpus), "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert f"{GOOD} valid, 4 invalid" in result.output
    assert "no article in this page" in report.read_text()


def test_help_has_an_example(runner):
    result = runner.invoke(cli, ["ingest", "--help"])
    assert result.exit_code == 0
    assert "dataset-kit ingest pages/ -o articles.jsonl" in result.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def test_generated_benchmark_pages_come_out_right(tmp_path):
    """The benchmark's generator knows every page's fields; ingest must recover them."""
    from bench.bench_ingest import generate, score

    truths = generate(tmp_path / "pages", 300, seed=7)
    out = tmp_path / "o.jsonl"
    summary = ingest([tmp_path / "pages"], out, jobs=2)
    assert summary.pages == 300 == summary.written + summary.rejected_total
    accuracy = score(out, truths)
    assert min(accuracy.values()) >= 0.99, accuracy


def test_an_unreadable_page_is_a_counted_reject(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(PAGES / "wire_story.txt", folder / "a.txt")
    shutil.copyfile(PAGES / "blog_post.txt", folder / "locked.txt")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    summary = ingest([folder], tmp_path / "o.jsonl")
    assert (summary.pages, summary.written, dict(summary.rejected)) == (2, 1, {"unreadable": 1})
    (reject,) = read_jsonl(tmp_path / "o.rejects.jsonl")
    assert reject["source_file"] == "locked.txt"
    assert reject["detail"] == "cannot be read: Permission denied"
