"""Hostile and careless use of output paths (issue 13, part A): never lose a user's file.

Each test drives the CLI as a user would and checks that no input, earlier export or
other run's file is lost, and that the answer is ``Error: ...`` with a typed exit code.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from export_helpers import corpus, write_jsonl

from dataset_kit import atomic
from dataset_kit.cli import cli
from tests.conftest import article

PAGES = Path(__file__).parent / "fixtures" / "pages"


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def good_records(tmp_path: Path, name: str = "in.jsonl", count: int = 40) -> Path:
    return write_jsonl(tmp_path / name, corpus(count))


@pytest.fixture
def null_device(tmp_path: Path) -> Path:
    """A private null device: a test that went wrong must never replace the system's
    /dev/null (a regression here once did, running as root)."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        node.write_bytes(b"probe")
    except OSError:
        pytest.skip("cannot make or write a device node here (needs root, a dev mount)")
    return node


def one_page(tmp_path: Path) -> Path:
    page = tmp_path / "page.txt"
    shutil.copyfile(PAGES / "blog_post.txt", page)
    return page


# --- 1. an output that is an input -----------------------------------------------------


@pytest.mark.parametrize("option", ["--rejects", "--report"])
def test_validate_refuses_to_write_over_its_input(tmp_path, option):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1), {"id": "x"}])
    before = source.read_bytes()
    result = invoke("validate", source, option, source)
    assert result.exit_code == 2, result.output
    assert f"Error: {option} {source}: is the input" in result.output
    assert source.read_bytes() == before


def test_validate_refuses_an_output_that_is_a_hard_link_to_an_input(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1)])
    os.link(source, tmp_path / "alias.jsonl")
    result = invoke("validate", source, "--report", tmp_path / "alias.jsonl")
    assert result.exit_code == 2 and "is the input" in result.output
    assert json.loads(source.read_text())["id"] == "a00001"


def test_validate_refuses_the_schema_as_an_output(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1)])
    schema = tmp_path / "s.json"
    schema.write_text('{"type": "object"}')
    result = invoke("validate", source, "--schema", schema, "--report", schema)
    assert result.exit_code == 2 and "is the input" in result.output
    assert schema.read_text() == '{"type": "object"}'


def test_validate_refuses_report_and_rejects_in_one_file(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1), {"id": "x"}])
    out = tmp_path / "r.json"
    result = invoke("validate", source, "--report", out, "--rejects", out)
    assert result.exit_code == 2, result.output
    assert "--report and --rejects both name" in result.output
    assert not out.exists()


def test_ingest_refuses_to_write_over_its_page(tmp_path):
    page = one_page(tmp_path)
    before = page.read_bytes()
    result = invoke("ingest", page, "-o", page)
    assert result.exit_code == 2 and "--output" in result.output and "is the input" in result.output
    assert page.read_bytes() == before


@pytest.mark.parametrize("suffix", ["rejects.jsonl", "report.json"])
def test_export_refuses_an_input_that_is_its_rejects_or_report(tmp_path, suffix):
    source = good_records(tmp_path, f"ds.{suffix}")
    before = source.read_bytes()
    result = invoke("export", source, "--out", tmp_path / "ds")
    assert result.exit_code == 2, result.output
    assert "is the input" in result.output and "Traceback" not in result.output
    assert source.read_bytes() == before and not (tmp_path / "ds").exists()


# --- 2. symlinks, device nodes, standard output ----------------------------------------


def test_validate_writes_through_dev_null_and_keeps_it(tmp_path, null_device):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1), {"id": "x"}])
    result = invoke("validate", source, "--rejects", null_device, "--report", null_device)
    assert result.exit_code == 1, result.output
    assert null_device.is_char_device()
    assert not list(tmp_path.glob(atomic.TMP_PREFIX + "*"))


def test_a_symlinked_report_keeps_its_link_and_updates_the_target(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1), {"id": "x"}])
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "latest.json"
    target.write_text("old")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    result = invoke("validate", source, "--report", link)
    assert result.exit_code == 1, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["invalid"] == 1


def test_a_fifo_output_is_written_through(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1), {"id": "x"}])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    result = invoke("validate", source, "--rejects", fifo)
    received, _ = reader.communicate(timeout=30)
    assert result.exit_code == 1, result.output
    assert json.loads(received)["id"] == "x"
    assert fifo.is_fifo()


def test_validate_rejects_to_standard_output(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1), {"id": "x"}])
    result = invoke("validate", source, "--rejects", "-")
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["id"] == "x"  # the summary went to stderr
    assert "rejects: standard output" in result.stderr
    assert not (tmp_path / "-").exists()


def test_two_streams_to_standard_output_are_refused(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [article(1)])
    result = invoke("validate", source, "--rejects", "-", "--report", "-")
    assert result.exit_code == 2 and "both name standard output" in result.output


def test_ingest_to_standard_output(tmp_path):
    page = one_page(tmp_path)
    rejects = tmp_path / "rejects.jsonl"
    result = invoke("ingest", page, "-o", "-", "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"]
    assert rejects.read_text() == ""


def test_ingest_to_standard_output_needs_a_rejects_file(tmp_path):
    result = invoke("ingest", one_page(tmp_path), "-o", "-")
    assert result.exit_code == 2 and "--rejects FILE" in result.output


def test_ingest_through_a_dev_stdout_style_link(tmp_path, null_device):
    """`-o /dev/stdout` once replaced /dev/stdout: a link to a device is written through."""
    page = one_page(tmp_path)
    link = tmp_path / "out.jsonl"
    link.symlink_to(null_device)
    result = invoke("ingest", page, "-o", link, "--rejects", null_device)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and null_device.is_char_device()


def test_export_rejects_through_a_symlink(tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [*corpus(30), {"id": "bad"}])
    (tmp_path / "keep").mkdir()
    target = tmp_path / "keep" / "rejects.jsonl"
    link = tmp_path / "ds.rejects.jsonl"
    link.symlink_to(target)
    result = invoke("export", source, "--out", tmp_path / "ds")
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert json.loads(target.read_text())["id"] == "bad"


def test_no_traceback_for_any_of_these(tmp_path):
    """The run as a subprocess, as a user sees it: an error line and exit 2, no traceback."""
    source = write_jsonl(tmp_path / "in.jsonl", [article(1)])
    run = subprocess.run(
        [sys.executable, "-m", "dataset_kit.cli", "validate", str(source), "--report", str(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and run.stderr.startswith("Error: ")
    assert "Traceback" not in run.stderr
