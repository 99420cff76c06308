"""Host-wide resources (issue 13, part A): worker counts are bounded, and no worker
outlives the process that started it."""

from __future__ import annotations

import operator
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from export_helpers import corpus, write_jsonl

from dataset_kit.cli import cli
from dataset_kit.executors import local as parallel
from tests.conftest import article

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


@pytest.fixture
def pools(monkeypatch):
    """The max_workers of every process pool the local executor starts."""
    started: list[int] = []
    real = parallel.ProcessPoolExecutor

    def recording(*args, **kwargs):
        started.append(kwargs["max_workers"])
        return real(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", recording)
    return started


# --- 7. never more workers than CPUs or tasks ------------------------------------------


def test_jobs_beyond_the_cpus_is_capped_and_says_so(tmp_path, pools):
    source = write_jsonl(tmp_path / "in.jsonl", corpus(200))
    result = CliRunner().invoke(cli, ["validate", str(source), "--jobs", "100000"])
    assert result.exit_code == 0, result.output
    cpus = parallel.available_cpus()
    assert f"Note: --jobs 100000 is more than the {cpus} CPU" in result.stderr
    assert all(workers <= cpus for workers in pools)


def test_never_more_workers_than_tasks(monkeypatch, pools):
    monkeypatch.setattr(parallel, "available_cpus", lambda: 64)
    executor = parallel.LocalExecutor(64)
    assert list(executor.map_ordered(operator.mul, [-1, -2, -3], -1)) == [1, 2, 3]
    assert pools == [3]
    assert list(executor.map_ordered(operator.mul, [-5], -1)) == [5]
    assert pools == [3]  # one task: run here, no pool at all


def test_export_with_huge_jobs_starts_at_most_one_worker_per_task(tmp_path, monkeypatch, pools):
    monkeypatch.setattr(parallel, "available_cpus", lambda: 64)
    source = write_jsonl(tmp_path / "in.jsonl", corpus(23))
    result = CliRunner().invoke(
        cli, ["export", str(source), "--out", str(tmp_path / "ds"), "-j", "64"]
    )
    assert result.exit_code == 0, result.output
    assert all(workers <= 2 for workers in pools)  # 23 small records are one or two tasks


@pytest.mark.parametrize("jobs", [0, -1])
def test_zero_or_negative_jobs_means_one_per_cpu(jobs):
    assert parallel.resolve_jobs(jobs) == parallel.available_cpus()
    assert parallel.jobs_note(jobs) is None


# --- 8. workers die with their parent ---------------------------------------------------


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.add(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan may wait for a reaper that never comes)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in (b"Z", b"X")


def wait_for_children(process: subprocess.Popen, count: int, timeout: float) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        children = children_of(process.pid)
        if len(children) >= count:
            return children
        time.sleep(0.02)
    return set()


def assert_all_gone(pids: set[int], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(running(pid) for pid in pids):
            return
        time.sleep(0.05)
    alive = [pid for pid in pids if running(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    pytest.fail(f"workers {alive} outlived their parent")


SLEEPERS = """
import time
from dataset_kit.executors.local import LocalExecutor
def nap(ctx, seconds):
    time.sleep(seconds)
for _ in LocalExecutor(2).map_ordered(nap, [0.2] * 1000, None):
    pass
"""


@linux_only
@pytest.mark.skipif(parallel.available_cpus() < 2, reason="needs two CPUs for two workers")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_their_parent_is_killed(sig):
    parent = subprocess.Popen([sys.executable, "-c", SLEEPERS])
    workers = wait_for_children(parent, 2, timeout=60)
    assert workers, "the workers never started"
    parent.send_signal(sig)
    parent.wait(timeout=30)
    assert_all_gone(workers)


@linux_only
@pytest.mark.skipif(parallel.available_cpus() < 2, reason="needs two CPUs for two workers")
def test_the_portable_watchdog_alone_ends_orphaned_workers():
    """Where there is no prctl (macOS, BSD), the parent-watching thread does it."""
    script = "from dataset_kit.executors import local\nlocal.sys.platform = 'darwin'\n" + SLEEPERS
    parent = subprocess.Popen([sys.executable, "-c", script])
    workers = wait_for_children(parent, 2, timeout=60)
    assert workers, "the workers never started"
    parent.kill()
    parent.wait(timeout=30)
    assert_all_gone(workers, within=3 + 2 * parallel.PARENT_POLL_SECONDS)


@linux_only
@pytest.mark.skipif(parallel.available_cpus() < 2, reason="needs two CPUs for two workers")
def test_export_workers_exit_when_the_export_is_killed(tmp_path):
    rows = [article(n, text=f"Body {n}. " + "word " * 200) for n in range(60000)]
    source = write_jsonl(tmp_path / "big.jsonl", rows)
    export = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dataset_kit.cli",
            "export",
            str(source),
            "--out",
            str(tmp_path / "ds"),
            "--jobs",
            "2",
            "--quiet",
        ],
        stderr=subprocess.DEVNULL,
    )
    workers = wait_for_children(export, 2, timeout=120)
    if not workers:
        export.wait(timeout=300)
        pytest.skip("the export finished before its workers could be seen")
    export.kill()
    export.wait(timeout=30)
    assert_all_gone(workers)
    assert not (tmp_path / "ds").exists()  # and nothing half-written in its place
