"""The Dask executor (``--scheduler``), on one LocalCluster of two worker processes.

The executor itself: results in task order when tasks finish out of order, a bounded
number of tasks in flight however long the stream, the context sent once, errors
coming back clean. Then the commands: ``export`` on the cluster writes the same bytes
as inline ``--jobs 1`` for every split mode, also when a worker is killed in the
middle of pass 1; ``validate`` and ``ingest`` too; an unreachable scheduler and a
missing ``distributed`` are clear errors (exit 2).
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from dask_helpers import (
    WithArguments,
    crash_on_three,
    fail_on_three,
    fail_with_arguments,
    finish_late_first,
    missing_on_the_worker,
    slow_first_then_fail_on_three,
    where_am_i,
)
from distributed import Client, LocalCluster, SchedulerPlugin
from distributed.client import FutureCancelledError
from distributed.scheduler import KilledWorker
from export_helpers import corpus, tree_digests, write_jsonl

from dataset_kit.cli import cli
from dataset_kit.errors import DatasetKitError, InputError
from dataset_kit.executors import open_executor, resolve_scheduler
from dataset_kit.executors.dask import (
    LOCAL_CLUSTER_SETTINGS,
    DaskExecutor,
    _outcome,
    _portable,
    check_workers,
    dask_executor,
    worker_identity,
)
from dataset_kit.exporting import export
from dataset_kit.sample import pages_dir

FIXTURE_PAGES = Path(__file__).parent / "fixtures" / "pages"


@pytest.fixture(scope="module")
def cluster():
    """One LocalCluster for the whole module: starting one takes about a second."""
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as running,
        Client(running, set_as_default=False) as client,
    ):
        yield running, client


@pytest.fixture
def client(cluster) -> Client:
    """The module's client, with both workers up (a test may have killed one)."""
    _, client = cluster
    client.wait_for_workers(2, timeout=30)
    return client


@pytest.fixture
def address(client, cluster) -> str:
    return cluster[0].scheduler_address


@pytest.fixture(autouse=True)
def _no_scheduler_from_the_environment(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)


# --------------------------------------------------------------------------- the executor


def test_results_come_back_in_task_order_though_tasks_finish_out_of_order(client):
    count = 8
    results = list(DaskExecutor(client).map_ordered(finish_late_first, range(count), count))
    assert [task for task, _ in results] == list(range(count))
    finished = [at for _, at in results]
    assert finished != sorted(finished)  # the later tasks really finished first


def test_a_lazy_stream_of_tasks_is_read_only_a_window_ahead(client):
    pulled = []

    def tasks():
        for n in itertools.count():
            pulled.append(n)
            yield n

    executor = DaskExecutor(client, in_flight_per_thread=2)
    window = executor.window()
    assert window == 4  # 2 workers x 1 thread x 2
    results = executor.map_ordered(where_am_i, tasks(), None)
    first = [task for task, _, _ in itertools.islice(results, 5)]
    assert first == [0, 1, 2, 3, 4]
    # Tasks submitted a batch at a time as results are taken: never the whole stream.
    assert len(pulled) <= window + 5
    results.close()  # the consumer gives up: the pending tasks are cancelled
    deadline = time.monotonic() + 10
    while _tasks_of(client, "where_am_i") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _tasks_of(client, "where_am_i") == []


def _tasks_of(client: Client, name: str) -> list[str]:
    """Keys of ``name``'s tasks the scheduler still holds."""
    held = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks))
    return [key for key in held if isinstance(key, str) and key.startswith(name + "-")]


def test_the_context_is_sent_once_and_tasks_run_on_the_workers(client):
    ctx = {"schema": "big enough to matter", "n": list(range(1000))}
    results = list(DaskExecutor(client).map_ordered(where_am_i, range(40), ctx))
    assert [task for task, _, _ in results] == list(range(40))
    contexts: dict[int, set[int]] = {}
    for _, pid, ctx_id in results:
        contexts.setdefault(pid, set()).add(ctx_id)
    assert os.getpid() not in contexts
    # One copy of the context per worker, shared by all its tasks.
    assert all(len(ids) == 1 for ids in contexts.values())


def test_a_tasks_dataset_kit_error_comes_back_clean_and_is_not_retried(client, tmp_path):
    with pytest.raises(InputError, match=r"^bad.jsonl:3: not a record$"):
        list(DaskExecutor(client).map_ordered(fail_on_three, range(6), str(tmp_path)))
    # A bad input fails the same way every time: it is not run again.
    assert (tmp_path / "3.attempts").read_text() == "x"


def test_any_other_task_error_is_retried_then_raised(client, tmp_path):
    executor = DaskExecutor(client, retries=1)
    with pytest.raises(ValueError, match="a bug in the stage"):
        list(executor.map_ordered(crash_on_three, range(6), str(tmp_path)))
    assert (tmp_path / "3.attempts").read_text() == "xx"


class _GraphUpdates(SchedulerPlugin):
    """Counts the graphs the scheduler receives: one per ``submit`` or ``map`` call."""

    name = "count-graph-updates"

    def __init__(self) -> None:
        self.updates = 0

    def update_graph(self, scheduler, **kwargs) -> None:
        self.updates += 1


def test_tasks_are_submitted_a_batch_at_a_time_and_all_come_back_in_order(client, monkeypatch):
    fetched: list[int] = []
    gather = client.gather

    def counting_gather(futures, *args, **kwargs):
        fetched.append(len(futures))
        return gather(futures, *args, **kwargs)

    monkeypatch.setattr(client, "gather", counting_gather)
    client.register_plugin(_GraphUpdates())
    try:
        executor = DaskExecutor(client)
        window = executor.window()  # 2 workers x 1 thread x 3
        count = 60
        got = list(executor.map_ordered(slow_first_then_fail_on_three, range(4, count), None))
        got = [*executor.map_ordered(slow_first_then_fail_on_three, [0, 1, 2], None), *got]
        updates = client.run_on_scheduler(
            lambda dask_scheduler: dask_scheduler.plugins["count-graph-updates"].updates
        )
    finally:
        client.unregister_scheduler_plugin("count-graph-updates")
    assert got == [0, 1, 2, *range(4, count)]
    # The first window in one message, then a third of a window (or more) in each.
    assert updates <= 2 + (count - 4 - window) / (window // 3)
    # Results already done behind the one waited for came back in one request: after
    # task 0's half second, at least task 1 was done.
    assert max(fetched) > 1, fetched


@pytest.mark.parametrize(
    ("ctx", "error", "said"),
    [("input", InputError, r"^bad.jsonl:3: not a record$"), ("bug", ValueError, "a bug in task 3")],
)
def test_a_failure_among_results_fetched_together_is_raised_after_the_ones_before(
    client, ctx, error, said
):
    got: list[int] = []
    executor = DaskExecutor(client, retries=0)
    with pytest.raises(error, match=said):
        got.extend(executor.map_ordered(slow_first_then_fail_on_three, range(30), ctx))
    assert got == [0, 1, 2]

    # Nothing else of the run stays on the cluster: the finished tasks fetched with the
    # failed one are let go, the pending ones cancelled (the failed task is held by the
    # error being raised, which carries its traceback).
    def others() -> list[str]:
        return [k for k in _tasks_of(client, "slow_first_then_fail") if not k.endswith("-3")]

    deadline = time.monotonic() + 10
    while others() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert others() == []


def test_a_file_a_worker_cannot_see_but_this_machine_can_is_named_so(client, tmp_path):
    # A worker on another machine, without this one's disk: ``validate -`` saves
    # standard input to a local temporary file, a path on a local disk is not shared.
    here = tmp_path / "records.jsonl"
    here.write_text("{}\n")
    executor = DaskExecutor(client, retries=0)
    with pytest.raises(DatasetKitError, match="a Dask worker cannot see this file") as seen:
        list(executor.map_ordered(missing_on_the_worker, range(3), str(here)))
    assert str(seen.value).startswith(f"{here}: ")
    assert "shared file system" in str(seen.value)
    # Missing here too (deleted while the command ran): the plain error, reported as any
    # missing file, though its folder is here.
    with pytest.raises(FileNotFoundError):
        list(executor.map_ordered(missing_on_the_worker, range(3), str(tmp_path / "gone")))


def test_an_error_that_cannot_be_unpickled_arrives_as_its_message_and_exit_code(client):
    with pytest.raises(DatasetKitError, match=r"^ds: no card; no license$") as caught:
        list(DaskExecutor(client).map_ordered(fail_with_arguments, range(2), None))
    assert type(caught.value) is DatasetKitError and caught.value.exit_code == 3
    kept = InputError("a.jsonl: unreadable")
    assert _portable(kept) is kept
    assert isinstance(_portable(WithArguments("ds", ["x"])), DatasetKitError)


def test_workers_running_another_dataset_kit_are_refused(client):
    check_workers(client, worker_identity())  # the same: accepted
    with pytest.raises(DatasetKitError, match=r"runs dataset-kit .* but this client runs 0\.0\.0 "):
        check_workers(client, ("0.0.0", *worker_identity()[1:]))
    # A worker that joins later is checked by each task.
    executor = DaskExecutor(client)
    executor.identity = ("0.0.0", *executor.identity[1:])
    with pytest.raises(DatasetKitError, match="install the same dataset-kit on every worker"):
        list(executor.map_ordered(where_am_i, range(3), None))
    # Another checkout of the same version: its code differs.
    with pytest.raises(
        DatasetKitError, match=r"code [0-9a-f]{12}\), but this client .* code 0{12}"
    ):
        check_workers(client, (*worker_identity()[:2], "0" * 12))


class _LostFuture:
    """A future whose task can no longer finish, the way ``distributed`` says so."""

    key = "key_task-0123-7"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def result(self) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            KilledWorker("key_task-0123-7", SimpleNamespace(address="tcp://10.0.0.2:9"), 3),
            "was running on a Dask worker that died",
        ),
        (FutureCancelledError("key_task-0123-7", "scheduler-connection-lost"), "was cancelled"),
    ],
)
def test_a_task_lost_for_good_is_a_clear_error(error, said):
    with pytest.raises(DatasetKitError, match=f"^task key_task-0123-7 {said}"):
        _outcome(_LostFuture(error))


def test_a_scheduler_without_workers_is_a_clear_error_within_the_timeout(monkeypatch):
    monkeypatch.setenv("DATASET_KIT_DASK_TIMEOUT", "0.5")
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as empty:
        started = time.monotonic()
        refused = pytest.raises(DatasetKitError, match=r"has no worker \(waited 0\.5 s\): start")
        with refused, open_executor(1, empty.scheduler_address):
            pass
        assert time.monotonic() - started < 5


def test_the_scheduler_comes_from_the_flag_then_the_environment(monkeypatch):
    assert resolve_scheduler(None) is None
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://10.0.0.1:8786")
    assert resolve_scheduler(None) == "tcp://10.0.0.1:8786"
    assert resolve_scheduler("local") == "local"
    assert resolve_scheduler("none") is None
    # The two words in any case, as a user may type them.
    assert resolve_scheduler(" LOCAL ") == "local"
    assert resolve_scheduler("None") is None


# --------------------------------------------------------------------------- the commands


def _records(tmp_path: Path, files: int = 5, per_file: int = 80) -> Path:
    """Inputs with exact and near duplicates and some invalid records, in several
    files (one task each), one of them gzipped."""
    folder = tmp_path / "in"
    folder.mkdir()
    rows = corpus(files * per_file, near_every=7, exact_every=11, seed=5)
    for i in range(files):
        part: list = list(rows[i * per_file : (i + 1) * per_file])
        part.insert(3, {**part[2], "id": f"bad-{i}", "language": 7})  # invalid: a number
        part.insert(9, b'{"id": "broken", "title": ')  # invalid: not JSON
        path = write_jsonl(folder / f"part-{i}.jsonl", part)
        if i == 2:
            path.with_suffix(".jsonl.gz").write_bytes(gzip.compress(path.read_bytes(), mtime=0))
            path.unlink()
    return folder


def _export(
    tmp_path: Path, name: str, inputs: Path, *options: str, env=None, stderr=None
) -> dict[str, str]:
    """Export ``inputs`` into ``tmp_path/name/ds``; digests of everything written (the
    report with the export's own folder cut out: it names where it was written).
    ``stderr``, a list, receives what the command printed there."""
    (tmp_path / name).mkdir()
    out = tmp_path / name / "ds"
    args = ["export", str(inputs), "--out", str(out), "--max-shard-size", "60KB", *options]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    if stderr is not None:
        stderr.append(result.stderr)
    files = {f"ds/{path}": digest for path, digest in tree_digests(out).items()}
    for companion in ("rejects.jsonl", "report.json"):
        data = out.with_name(f"ds.{companion}").read_bytes()
        data = data.replace(str(out.parent).encode(), b"HERE")
        files[companion] = hashlib.sha256(data).hexdigest()
    return files


SPLIT_MODES = {
    "hashed": [],
    "stratified": ["--stratify", "source"],
    "grouped": ["--group-by", "source", "--split", "train=0.5,test=0.5"],
    "by-date": ["--split-by-date", "published_at:2023-03-01"],
}


@pytest.mark.parametrize("mode", list(SPLIT_MODES))
def test_export_on_the_cluster_is_byte_identical_to_inline(tmp_path, address, mode):
    inputs = _records(tmp_path)
    options = SPLIT_MODES[mode]
    inline = _export(tmp_path, "inline", inputs, *options, "--jobs", "1")
    on_cluster = _export(tmp_path, "dask", inputs, *options, "--scheduler", address)
    assert on_cluster == inline
    # Every part of the export is exercised: rejects, dropped copies, near-duplicate
    # clusters, several shards.
    report = json.loads((tmp_path / "dask" / "ds.report.json").read_text())
    assert report["counts"]["rejected"] == 10  # the planted invalid records
    assert report["dedup"]["exact_duplicates"] > 0 and report["dedup"]["clusters"] > 0
    assert len([p for p in inline if p.startswith("ds/data/")]) >= 3


def test_tasks_undo_the_nannys_malloc_setting_on_the_workers_that_ran_them(
    tmp_path, client, address
):
    # A nanny starts its workers with MALLOC_TRIM_THRESHOLD_ set, which made every large
    # allocation a fresh mmap (stages/memory.py): each worker that ran a task set the
    # thresholds back, and glibc took them.
    assert set(client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()) == {"65536"}
    inputs = _records(tmp_path, files=4, per_file=40)
    _export(tmp_path, "dask", inputs, "--scheduler", address)

    def undone() -> bool | None:
        from dataset_kit.stages.memory import reuse_freed_heap

        # Its answer if a task called it (cached), else None: not called here.
        return reuse_freed_heap() if reuse_freed_heap.cache_info().currsize else None

    # (Either worker may have run every task of so small an export.)
    found = list(client.run(undone).values())
    assert True in found and False not in found, found


def test_export_with_a_local_cluster_and_the_dashboard_link(tmp_path):
    inputs = _records(tmp_path, files=3, per_file=40)
    inline = _export(tmp_path, "inline", inputs)
    printed: list[str] = []
    options = ("--scheduler", "local", "--jobs", "2")
    assert _export(tmp_path, "local", inputs, *options, stderr=printed) == inline
    assert "Dask dashboard: http://127.0.0.1:" in printed[0]


def test_the_local_cluster_runs_its_workers_with_fewer_wakeups():
    def settings(dask_worker) -> tuple[bool, bool, float]:
        import dask

        return (
            dask.config.get("distributed.worker.profile.enabled"),
            "profile" in dask_worker.periodic_callbacks,
            dask_worker.periodic_callbacks["memory_monitor"].callback_time,
        )

    with dask_executor("local", 2) as executor:
        found = executor.client.run(settings)
    assert len(found) == 2
    assert set(found.values()) == {(False, False, 1000)}  # milliseconds
    assert LOCAL_CLUSTER_SETTINGS["distributed.worker.memory.monitor-interval"] == "1s"
    # Only that cluster's: the settings of this process are as they were.
    import dask

    assert dask.config.get("distributed.worker.profile.enabled") is True


def test_the_environment_names_the_scheduler_and_overrides_the_config(tmp_path, address):
    inputs = _records(tmp_path, files=2, per_file=30)
    inline = _export(tmp_path, "inline", inputs)
    config = tmp_path / "dataset-kit.toml"
    config.write_text('[export]\nscheduler = "tcp://127.0.0.1:9"\n')
    env = {"DASK_SCHEDULER_ADDRESS": address}
    assert _export(tmp_path, "env", inputs, "--config", str(config), env=env) == inline
    # The flag wins over both; `none` runs here.
    assert _export(tmp_path, "flag", inputs, "--config", str(config), "--scheduler", "none") == (
        inline
    )
    # init writes what was given, not this machine's environment.
    result = CliRunner().invoke(cli, ["init", "--file", "-"], env=env)
    assert result.exit_code == 0 and address not in result.output


def test_validate_on_the_cluster_matches_inline(tmp_path, address):
    inputs = _records(tmp_path, files=4, per_file=30)
    outputs = {}
    for name, options in (("inline", []), ("dask", ["--scheduler", address])):
        (tmp_path / name).mkdir()
        report, rejects = tmp_path / name / "report.json", tmp_path / name / "rejects.jsonl"
        args = ["validate", str(inputs), "--report", str(report), "--rejects", str(rejects)]
        result = CliRunner().invoke(cli, [*args, *options])
        assert result.exit_code == 1, result.output  # some records are invalid
        here = str(tmp_path / name).encode()
        outputs[name] = [
            data.replace(here, b"HERE")
            for data in (report.read_bytes(), rejects.read_bytes(), result.stdout_bytes)
        ]
    assert outputs["dask"] == outputs["inline"]
    assert outputs["dask"][1].count(b"\n") == 8


def test_export_progress_counts_every_record_on_the_cluster(tmp_path, address):
    inputs = _records(tmp_path, files=3, per_file=20)
    seen: list[int] = []
    links: list[str] = []
    result = export(
        [inputs],
        tmp_path / "ds",
        scheduler=address,
        progress=seen.append,
        on_dashboard=links.append,
    )
    assert len(seen) == 3 and sum(seen) == result.counts["read"] == 3 * 22
    assert links and links[0].startswith("http://")


def test_ingest_on_the_cluster_matches_inline(tmp_path, address):
    pages = tmp_path / "pages"
    for copy in range(3):  # more pages than one task holds (64)
        shutil.copytree(pages_dir(), pages / f"sample-{copy}")
        shutil.copytree(FIXTURE_PAGES, pages / f"fixtures-{copy}")
    outputs = []
    for name, options in (("inline", []), ("dask", ["--scheduler", address])):
        out = tmp_path / f"{name}.jsonl"
        result = CliRunner().invoke(cli, ["ingest", str(pages), "-o", str(out), *options])
        assert result.exit_code == 0, result.output
        outputs.append((out.read_bytes(), out.with_name(f"{name}.rejects.jsonl").read_bytes()))
    assert outputs[1] == outputs[0]
    assert outputs[0][0].count(b"\n") > 64 and outputs[0][1]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("command", ["export", "validate", "ingest"])
def test_an_unreachable_scheduler_is_a_clear_error_within_the_timeout(tmp_path, command):
    source = write_jsonl(tmp_path / "a.jsonl", corpus(5))
    page = tmp_path / "page.txt"
    shutil.copy(next(pages_dir().glob("*.txt")), page)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    args = {
        "export": ["export", str(source), "--out", str(tmp_path / "ds")],
        "validate": ["validate", str(source)],
        "ingest": ["ingest", str(page), "-o", str(tmp_path / "out.jsonl")],
    }[command]
    started = time.monotonic()
    result = CliRunner().invoke(
        cli, [*args, "--scheduler", address], env={"DATASET_KIT_DASK_TIMEOUT": "1"}
    )
    assert time.monotonic() - started < 8
    assert result.exit_code == 2
    expected = f"Error: cannot reach the Dask scheduler at {address} within 1 s: "
    assert result.stderr.startswith(expected)
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "page.txt"]


def test_a_port_that_never_answers_is_a_clear_error_within_the_timeout(tmp_path):
    """Dask's own handshake has no timeout: a port that accepts the connection and
    says nothing (another service, a stuck proxy) must not hold the command."""
    source = write_jsonl(tmp_path / "a.jsonl", corpus(5))
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = CliRunner().invoke(
            cli,
            ["validate", str(source), "--scheduler", address],
            env={"DATASET_KIT_DASK_TIMEOUT": "1"},
        )
        assert time.monotonic() - started < 8
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: cannot reach the Dask scheduler at {address} within 1 s: no answer "
        "(set DATASET_KIT_DASK_TIMEOUT=SECONDS to wait longer)\n"
    )


def test_a_malformed_address_is_a_clear_error(tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", corpus(5))
    result = CliRunner().invoke(cli, ["validate", str(source), "--scheduler", "foo://x:1"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: --scheduler foo://x:1: not a Dask scheduler address (unknown address scheme"
    )


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan", "inf", "1e999"])
def test_a_bad_timeout_is_a_clear_error(tmp_path, value):
    source = write_jsonl(tmp_path / "a.jsonl", corpus(5))
    result = CliRunner().invoke(
        cli,
        ["validate", str(source), "--scheduler", "local"],
        env={"DATASET_KIT_DASK_TIMEOUT": value},
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: DATASET_KIT_DASK_TIMEOUT={value!r}: expected a finite number of seconds"
    )


def test_without_distributed_the_error_says_what_to_install(tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", corpus(5))
    blocked = (
        "import sys; sys.modules['distributed'] = None; from dataset_kit.cli import main; main()"
    )
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    result = subprocess.run(
        [sys.executable, "-c", blocked, "validate", str(source), "--scheduler", "local"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "Error: --scheduler local needs Dask distributed, which is not installed: "
        "pip install 'dataset-kit[dask]'\n"
    )


def test_a_scheduler_lost_mid_run_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DATASET_KIT_DASK_TIMEOUT", "1")
    inputs = _records(tmp_path, files=30, per_file=40)
    doomed = LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    )
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            export([inputs], tmp_path / "ds", scheduler=doomed.scheduler_address)
        except BaseException as exc:  # reported by the assertions below
            outcome.append(exc)

    exporting = threading.Thread(target=run)
    exporting.start()
    deadline = time.monotonic() + 30
    while not any(w.processing for w in doomed.scheduler.workers.values()):
        assert time.monotonic() < deadline and exporting.is_alive()
        time.sleep(0.005)
    doomed.close()
    exporting.join(30)
    assert not exporting.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], DatasetKitError), outcome
    # Cancelled (the scheduler said goodbye) or cut off (it just vanished).
    said = str(outcome[0])
    assert "was cancelled by the Dask cluster" in said or "lost the connection" in said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # nothing half-written


def test_relative_paths_mean_the_clients_folder_on_every_worker(tmp_path, address, monkeypatch):
    """Workers started in another folder (here: the tests' folder) run each task in the
    folder the command runs in, so relative inputs and --out name the same files."""
    inputs = _records(tmp_path, files=3, per_file=40)
    inline = _export(tmp_path, "inline", inputs)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dask").mkdir()
    args = ["export", "in", "--out", "dask/ds", "--max-shard-size", "60KB"]
    result = CliRunner().invoke(cli, [*args, "--scheduler", address])
    assert result.exit_code == 0, result.output
    written = {f"ds/{path}": digest for path, digest in tree_digests(tmp_path / "dask/ds").items()}
    # The manifest names the inputs as given: relative here, absolute in the other run.
    manifest = "ds/.dataset-kit/manifest.json"
    expected = {k: v for k, v in inline.items() if k.startswith("ds/") and k != manifest}
    assert {k: v for k, v in written.items() if k != manifest} == expected
    assert any(k.endswith(".parquet") for k in expected)


class _TransitionRecorder(SchedulerPlugin):
    def __init__(self) -> None:
        self.seen: list[tuple[object, str, str]] = []

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        self.seen.append((key, start, finish))


# Last: it kills a worker (the nanny starts another; the `client` fixture waits for it).
def test_a_worker_killed_during_pass_1_changes_nothing(tmp_path, cluster, client, address):
    # Few large tasks (tens of milliseconds each), so that the kill lands inside one
    # rather than just after it finished.
    inputs = _records(tmp_path, files=6, per_file=700)
    inline = _export(tmp_path, "inline", inputs)
    scheduler = cluster[0].scheduler
    # The scheduler's own transition log keeps only the latest transitions, which pass 2
    # pushes out: record them here instead.
    transitions = _TransitionRecorder()
    scheduler.add_plugin(transitions, name="kill-test")
    pids = client.run(os.getpid)
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["files"] = _export(tmp_path, "dask", inputs, "--scheduler", address)
        except BaseException as exc:  # reported by the assertion below
            outcome["error"] = exc

    exporting = threading.Thread(target=run)
    exporting.start()
    victim, held = None, []
    deadline = time.monotonic() + 30
    while victim is None and exporting.is_alive() and time.monotonic() < deadline:
        for worker, state in list(scheduler.workers.items()):
            held = [t.key for t in state.processing if str(t.key).startswith("key_task-")]
            if held and worker in pids:
                os.kill(pids[worker], signal.SIGKILL)
                victim = worker
                break
        time.sleep(0.005)
    assert victim is not None, "pass 1 ended before a worker could be killed"
    assert exporting.is_alive()  # killed while the export had tasks in flight
    exporting.join(120)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["files"] == inline
    # Tasks it held went back to the scheduler and ran again elsewhere: a transition
    # out of "processing" to anything but "memory" (done).
    scheduler.remove_plugin(name="kill-test")
    run = str(held[0]).rsplit("-", 1)[0]
    rescheduled = [
        key
        for key, start, finish in transitions.seen
        if str(key).startswith(run + "-") and start == "processing" and finish != "memory"
    ]
    assert rescheduled, held
    client.wait_for_workers(2, timeout=30)
    assert pids[victim] not in client.run(os.getpid).values()
