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
import time
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


# --- 3. the final swap of DIR, rejects and report is one recoverable step -------------

CRASH_AFTER_RENAMES = """
import os, sys
from pathlib import Path
from dataset_kit import atomic
from dataset_kit.cli import cli

folder, limit = Path(sys.argv[1]), int(sys.argv[2])
real_replace, done = os.replace, [0]

def replace(src, dst):
    # Count only the renames of the swap: those after its journal was written.
    if list(folder.glob(atomic.JOURNAL_PREFIX + "*")):
        if done[0] == limit:
            os._exit(9)  # as a kill -9 or a power cut would: no cleanup at all
        done[0] += 1
    real_replace(src, dst)

os.replace = replace
cli.main(args=sys.argv[3:], prog_name="dataset-kit")
"""


def export_set(out: Path) -> tuple[int, int, int]:
    """(rows in DIR's manifest, lines in DIR.rejects.jsonl, records read in the report)."""
    manifest = json.loads((out / ".dataset-kit" / "manifest.json").read_text())
    rejects = out.parent / f"{out.name}.rejects.jsonl"
    report = json.loads((out.parent / f"{out.name}.report.json").read_text())
    return (
        manifest["counts"]["written"],
        len(rejects.read_text().splitlines()),
        report["counts"]["read"],
    )


@pytest.mark.parametrize("renames_done", [0, 1, 2, 3, 5])
def test_an_export_killed_during_its_final_renames_is_completed_by_the_next_run(
    tmp_path, renames_done
):
    old_input = write_jsonl(tmp_path / "old.jsonl", [*corpus(30), {"id": "bad-1"}])
    new_input = write_jsonl(
        tmp_path / "new.jsonl", [*corpus(40, seed=8), {"id": "b1"}, {"id": "b2"}]
    )
    out = tmp_path / "ds"
    assert invoke("export", old_input, "--out", out).exit_code == 0
    assert export_set(out) == (30, 1, 31)

    crashed = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASH_AFTER_RENAMES,
            str(tmp_path),
            str(renames_done),
            "export",
            str(new_input),
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert crashed.returncode == 9, crashed.stderr
    assert list(tmp_path.glob(atomic.JOURNAL_PREFIX + "*"))  # the swap was cut short

    # The next run completes the interrupted swap before anything else, and says so.
    result = invoke("export", new_input, "--out", out)
    assert result.exit_code == 0, result.output
    assert "Recovered: completed the replacement of ds, ds.rejects.jsonl" in result.output
    assert export_set(out) == (40, 2, 42)
    assert not list(tmp_path.glob(".tmp-dataset-kit-*"))
    assert not list(tmp_path.glob(atomic.JOURNAL_PREFIX + "*"))


def test_recovery_alone_puts_the_whole_new_set_in_place(tmp_path):
    old_input = write_jsonl(tmp_path / "old.jsonl", [*corpus(30), {"id": "bad-1"}])
    new_input = write_jsonl(
        tmp_path / "new.jsonl", [*corpus(40, seed=8), {"id": "b1"}, {"id": "b2"}]
    )
    out = tmp_path / "ds"
    assert invoke("export", old_input, "--out", out).exit_code == 0
    crashed = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASH_AFTER_RENAMES,
            str(tmp_path),
            "3",
            "export",
            str(new_input),
            "--out",
            str(out),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert crashed.returncode == 9, crashed.stderr
    assert len(atomic.recover_swaps(tmp_path)) == 1
    assert export_set(out) == (40, 2, 42)


def test_a_failure_before_the_swap_leaves_the_whole_old_set(tmp_path, monkeypatch):
    old_input = write_jsonl(tmp_path / "old.jsonl", [*corpus(30), {"id": "bad-1"}])
    out = tmp_path / "ds"
    assert invoke("export", old_input, "--out", out).exit_code == 0

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_swap_in", fail)
    new_input = write_jsonl(tmp_path / "new.jsonl", corpus(40, seed=8))
    result = CliRunner().invoke(
        cli, ["export", str(new_input), "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert "Error:" in result.output and "the disk is full" in result.output
    assert "Traceback" not in result.output
    assert export_set(out) == (30, 1, 31)


# --- 4. an empty export never silently replaces a good one ----------------------------


def test_an_empty_export_does_not_replace_a_good_one(tmp_path):
    out = tmp_path / "ds"
    assert invoke("export", good_records(tmp_path), "--out", out).exit_code == 0
    before = export_set(out)
    broken = write_jsonl(tmp_path / "broken.jsonl", [{"id": "x"}, {"id": "y"}])
    result = invoke("export", broken, "--out", out)
    assert result.exit_code == 1, result.output
    assert "Error: --out" in result.output and "--allow-empty" in result.output
    assert export_set(out) == before

    allowed = invoke("export", broken, "--out", out, "--allow-empty")
    assert allowed.exit_code == 0, allowed.output
    assert export_set(out) == (0, 2, 2)


def test_allow_empty_as_a_config_key(tmp_path, monkeypatch):
    out = tmp_path / "ds"
    assert invoke("export", good_records(tmp_path), "--out", out).exit_code == 0
    broken = write_jsonl(tmp_path / "broken.jsonl", [{"id": "x"}])
    (tmp_path / "dataset-kit.toml").write_text(
        f'[export]\ninputs = ["{broken.name}"]\nout = "ds"\nallow_empty = true\n'
    )
    monkeypatch.chdir(tmp_path)
    result = invoke("export")
    assert result.exit_code == 0, result.output
    assert export_set(out)[0] == 0


def test_a_first_export_may_be_empty(tmp_path):
    broken = write_jsonl(tmp_path / "broken.jsonl", [{"id": "x"}])
    result = invoke("export", broken, "--out", tmp_path / "ds")
    assert result.exit_code == 0, result.output


# --- 5. files a user added to DIR are carried over ------------------------------------


def test_files_added_to_an_export_are_carried_over(tmp_path):
    out = tmp_path / "ds"
    source = good_records(tmp_path)
    assert invoke("export", source, "--out", out).exit_code == 0
    (out / "LICENSE").write_text("CC-BY-4.0 text")
    (out / "notes").mkdir()
    (out / "notes" / "sources.md").write_text("where the pages came from")
    result = invoke("export", source, "--out", out)
    assert result.exit_code == 0, result.output
    assert "Kept from the earlier ds: LICENSE, notes/" in result.output
    assert (out / "LICENSE").read_text() == "CC-BY-4.0 text"
    assert (out / "notes" / "sources.md").read_text() == "where the pages came from"
    publish = invoke("publish", out, "--repo-id", "me/news", "--dry-run")
    assert "LICENSE" not in publish.output  # not part of what is published


def test_a_rerun_without_extras_says_nothing_about_them(tmp_path):
    out = tmp_path / "ds"
    source = good_records(tmp_path)
    assert invoke("export", source, "--out", out).exit_code == 0
    result = invoke("export", source, "--out", out)
    assert "Kept from" not in result.output


# --- 12. two runs in one folder leave each other's temporaries alone -------------------


def owned_temp(folder: Path, pid: int, name: str) -> Path:
    path = folder / f"{atomic.TMP_PREFIX}{atomic._host()}-{pid}-{atomic._start_time(pid)}-{name}"
    path.write_text("in use")
    return path


def test_export_removes_only_temporaries_whose_owner_is_gone(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        busy = owned_temp(tmp_path, live.pid, "rejects")
        stale = owned_temp(tmp_path, dead.pid, "old")
        legacy = tmp_path / f"{atomic.TMP_PREFIX}abc123"  # an older version's leftover
        legacy.mkdir()
        result = invoke("export", good_records(tmp_path), "--out", tmp_path / "ds")
        assert result.exit_code == 0, result.output
        assert busy.read_text() == "in use"
        assert not stale.exists() and not legacy.exists()
    finally:
        live.kill()
        live.wait()


def test_a_reused_pid_does_not_keep_a_leftover_alive(tmp_path):
    """Same pid, other start time: the owner is gone and its pid went to someone else."""
    pid = os.getpid()
    leftover = tmp_path / f"{atomic.TMP_PREFIX}{atomic._host()}-{pid}-1-x"
    leftover.write_text("")
    if atomic._start_time(pid) in (0, 1):
        pytest.skip("no process start times here")
    atomic.remove_stale_temporaries(tmp_path)
    assert not leftover.exists()


def test_export_beside_a_running_validate_keeps_its_rejects(tmp_path):
    """The case from the issue: validate --rejects writing while an export starts."""
    source = write_jsonl(tmp_path / "in.jsonl", [article(1), {"id": "x"}] * 20000)
    validate = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dataset_kit.cli",
            "validate",
            str(source),
            "--rejects",
            str(tmp_path / "bad.jsonl"),
            "--quiet",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(600):
            if list(tmp_path.glob(atomic.TMP_PREFIX + "*")) or validate.poll() is not None:
                break
            time.sleep(0.05)
        result = invoke("export", good_records(tmp_path, "other.jsonl"), "--out", tmp_path / "ds")
        assert result.exit_code == 0, result.output
    finally:
        _, stderr = validate.communicate(timeout=300)
    assert validate.returncode == 1, stderr
    assert len((tmp_path / "bad.jsonl").read_text().splitlines()) == 20000


# --- 6. demo: never over a user's folder, stop at the first failure -------------------


def test_demo_refuses_a_folder_with_the_users_files(tmp_path):
    workdir = tmp_path / "mine"
    workdir.mkdir()
    (workdir / "dataset-kit.toml").write_text("# my settings")
    (workdir / "articles.jsonl").write_text("my records\n")
    result = invoke("demo", "--dir", workdir)
    assert result.exit_code == 2, result.output
    assert "Error: --dir" in result.output
    assert "articles.jsonl, dataset-kit.toml" in result.output
    assert (workdir / "dataset-kit.toml").read_text() == "# my settings"
    assert (workdir / "articles.jsonl").read_text() == "my records\n"


def test_demo_stops_at_the_first_failed_step(tmp_path, monkeypatch):
    from dataset_kit import sample

    empty = tmp_path / "no-pages"
    empty.mkdir()
    monkeypatch.setattr(sample, "pages_dir", lambda: empty)
    result = invoke("demo", "--dir", tmp_path / "demo")
    assert result.exit_code == 2, result.output
    assert "Demo stopped: `dataset-kit ingest" in result.output
    assert "== 2/5" not in result.output
    assert not (tmp_path / "demo" / "dataset").exists()


def test_demo_reruns_over_its_own_earlier_output(tmp_path):
    workdir = tmp_path / "demo"
    workdir.mkdir()
    (workdir / ".dataset-kit-demo").write_text("")
    (workdir / "articles.jsonl").write_text("from the earlier demo\n")
    (workdir / ".tmp-dataset-kit-leftover").write_text("")
    from dataset_kit.demo import claim_workdir

    claim_workdir(workdir)  # no error: only demo files and a leftover temporary
    (workdir / "LICENSE").write_text("mine")
    result = invoke("demo", "--dir", workdir)
    assert result.exit_code == 2 and "(LICENSE)" in result.output


def test_init_to_standard_output_and_never_over_an_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = good_records(tmp_path)
    result = invoke("init", source.name, "--out", "ds", "--file", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# dataset-kit settings") and not Path("-").exists()
    refused = invoke("init", source.name, "--out", "ds", "--file", source.name, "--force")
    assert refused.exit_code == 2 and "is the input" in refused.output
    assert source.read_text().startswith("{")


def test_an_output_inside_an_input_folder_is_refused_on_the_first_run(tmp_path, monkeypatch):
    """Not only on the rerun, when the first export's rejects and shards would be read."""
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    write_jsonl(corpus_dir / "a.jsonl", corpus(20, seed=3))
    monkeypatch.chdir(tmp_path)
    for out in ("corpus/sub", "corpus/deeper/sub"):
        result = CliRunner().invoke(cli, ["export", "corpus", "--out", out])
        assert result.exit_code == 2, result.output
        assert "is inside the input folder corpus" in result.output
        assert "Traceback" not in result.output
    assert sorted(p.name for p in corpus_dir.iterdir()) == ["a.jsonl"]
    # An input file (not a folder) beside the output stays allowed.
    result = CliRunner().invoke(cli, ["export", "corpus/a.jsonl", "--out", "corpus/sub"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", ["card", "stats"])
def test_card_and_stats_say_they_read_a_local_folder_when_given_a_url(command):
    result = CliRunner().invoke(cli, [command, "s3://bucket/ds"])
    assert result.exit_code == 2, result.output
    assert "s3://bucket/ds: this command reads a local export folder" in result.output
    assert "does not exist" not in result.output
