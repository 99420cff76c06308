"""The Dask executor: tasks run on a Dask distributed cluster (``--scheduler``).

:func:`dask_executor` connects to a running scheduler (``tcp://HOST:8786`` or any
address Dask accepts) or, for ``local``, starts a :class:`distributed.LocalCluster` of
``--jobs`` single-threaded worker processes on this machine, and closes what it
opened at the end. :class:`DaskExecutor` keeps the executor protocol's promises there:

* the context is sent to the cluster **once** per stage (``scatter`` with
  ``broadcast``), and every task names it: Dask hands each task the worker's copy;
* at most a few tasks per worker thread are in flight, so a lazy stream of tasks (a
  reader cutting a 1 GB file into ranges) is never materialised whole, on the client
  or on the scheduler;
* results come back **in task order**, which is what makes the output byte-identical
  to an inline run; each task has a unique key and runs with ``retries``, and a
  task whose worker is lost (killed, out of memory) is rescheduled by Dask: tasks
  are idempotent (deterministic spill names, no appends), so a second run of one
  gives the same result;
* a task's :class:`~dataset_kit.errors.DatasetKitError` (a bad input) comes back as
  a value, not raised on the worker: retrying it would only fail again, and the
  client raises it as the same clean ``Error: ...``.

Workers must run the same dataset-kit as the client (version, sketch kernel version
and a digest of its code): checked when connecting, and again by every task, for workers that join
later. The workers read inputs and write the spill themselves, so the paths must
mean the same on every machine (a shared file system, or object-store URLs).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import itertools
import logging
import math
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..errors import DatasetKitError, printable
from ..stages.memory import reuse_freed_heap
from .local import LOCAL_SCHEDULER, resolve_jobs

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

# Seconds to wait for the scheduler to answer, and for a worker to be there.
DEFAULT_TIMEOUT = 10.0
TIMEOUT_ENV = "DATASET_KIT_DASK_TIMEOUT"
INSTALL_HINT = "pip install 'dataset-kit[dask]'"
# Tasks in flight per worker thread: enough to keep every thread busy while the
# client takes results in order, few enough that memory does not follow the corpus.
IN_FLIGHT_PER_THREAD = 3
# Reruns of a task that raised something other than a DatasetKitError (a transient
# read error of a remote store, say). A lost worker is not a failure of the task:
# the scheduler reruns those on its own, up to its ``allowed-failures``.
TASK_RETRIES = 2
# Tasks this many times the usual size (8 MB ranges in the export's pass 1): the
# scheduler spends about 4 ms on each task and the client a few more receiving its
# result, which at 2 MB a task was a tenth of the workers' time (bench/bench_scale.py).
TASK_SCALE = 4


def connect_timeout() -> float:
    """The seconds to wait for the scheduler: ``DATASET_KIT_DASK_TIMEOUT`` or 10."""
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    # Dask turns the number into a duration: infinity is no duration it knows.
    if not 0 < seconds < math.inf:
        raise DatasetKitError(
            f"{TIMEOUT_ENV}={value!r}: expected a finite number of seconds above 0"
        )
    return seconds


def worker_identity() -> tuple[str, int, str]:
    """What must match between the client and every worker: dataset-kit's version, the
    sketch kernel's (the meaning of the MinHash values a task returns) and a digest of
    its code (two checkouts of one version differ there, and a task of one called with
    the other's arguments failed with a traceback)."""
    from .. import __version__
    from ..sketch_kernel import KERNEL_VERSION

    return (__version__, KERNEL_VERSION, _code_digest())


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class TaskFailed:
    """A task's :class:`DatasetKitError`, returned rather than raised (see the module
    docstring); the client raises ``error``."""

    error: DatasetKitError


def run_task(
    fn: Callable[[C, T], R], ctx: C, task: T, expected: tuple[str, int, str], folder: str = ""
) -> Any:
    """What a worker runs for one task: ``fn(ctx, task)``, after checking that this
    worker runs the client's dataset-kit, in the client's current ``folder``."""
    found = worker_identity()
    if found != expected:
        return TaskFailed(DatasetKitError(_mismatch(_worker_name(), found, expected)))
    _enter(folder)
    reuse_freed_heap()
    try:
        return fn(ctx, task)
    except DatasetKitError as exc:
        return TaskFailed(_portable(exc))


def _enter(folder: str) -> None:
    """Run in the client's current folder, where it exists here.

    Paths the user gave relative to where the command runs (``export data/ --out
    ds``) name files in that folder; a worker started elsewhere (``dask worker``
    from another folder, on a shared file system) would otherwise read and write
    other files, or none. Where the folder does not exist (a worker on a machine
    without it), the task runs where it is: absolute paths and URLs still work,
    and a relative path fails as a missing file naming that path.
    """
    if not folder:
        return
    try:
        here = os.getcwd()
    except OSError:  # the folder it was in is gone
        here = ""
    if here != folder:
        with contextlib.suppress(OSError):
            os.chdir(folder)


def _portable(exc: DatasetKitError) -> DatasetKitError:
    """``exc``, or a plain :class:`DatasetKitError` with its message and exit code when
    its class cannot be rebuilt from its pickle (an ``__init__`` with other arguments)."""
    import pickle

    try:
        copy = pickle.loads(pickle.dumps(exc))
    except Exception:  # any failure means: send the plain form
        copy = None
    if type(copy) is type(exc) and str(copy) == str(exc):
        return exc
    plain = DatasetKitError(str(exc))
    plain.exit_code = exc.exit_code
    return plain


def _worker_name() -> str:
    with contextlib.suppress(ImportError, ValueError):
        from distributed import get_worker

        return get_worker().address
    return "a worker"


def _mismatch(worker: str, found: Any, expected: tuple[str, int, str]) -> str:
    version, kernel = found[0], found[1]
    code = f", code {found[2]}" if len(found) > 2 else ""
    return (
        f"the Dask worker {worker} runs dataset-kit {version} (sketch kernel {kernel}{code}), "
        f"but this client runs {expected[0]} (sketch kernel {expected[1]}, code "
        f"{expected[2]}): install the same dataset-kit on every worker, or the output would "
        "depend on where a task ran"
    )


class DaskExecutor:
    """Runs ``fn(ctx, task)`` on the workers of ``client``; see the module docstring.

    ``fn`` must be an importable module-level function and ``ctx`` picklable, as for
    the local executor.
    """

    def __init__(
        self,
        client: Any,
        *,
        retries: int = TASK_RETRIES,
        in_flight_per_thread: int = IN_FLIGHT_PER_THREAD,
    ) -> None:
        self.client = client
        self.retries = retries
        self.in_flight_per_thread = in_flight_per_thread
        self.identity = worker_identity()
        self.folder = os.getcwd()
        self.task_scale = TASK_SCALE

    def window(self) -> int:
        """Tasks in flight at most: a few per worker thread the cluster has now."""
        threads = sum(self.client.nthreads().values())
        return max(1, threads) * self.in_flight_per_thread

    def map_ordered(self, fn: Callable[[C, T], R], tasks: Iterable[T], ctx: C) -> Iterator[R]:
        from distributed.comm.core import CommClosedError

        try:
            yield from self._map_ordered(fn, tasks, ctx)
        except CommClosedError as exc:  # the client's own connection, not a task's OSError
            raise DatasetKitError(
                f"lost the connection to the Dask scheduler ({exc}); run again when the "
                "cluster is back"
            ) from exc

    def _map_ordered(self, fn: Callable[[C, T], R], tasks: Iterable[T], ctx: C) -> Iterator[R]:
        client = self.client
        window = self.window()
        # Tasks go to the scheduler a batch at a time (a third of the window, while two
        # thirds stay in flight) and finished results come back together: one message
        # each instead of one per task cut the client's and the scheduler's CPU per task
        # from 4.4 ms to 3.1 ms (2 workers on 2 cores), which bounds a large cluster.
        batch = max(1, window // 3)
        run = f"{getattr(fn, '__name__', 'task')}-{uuid.uuid4().hex[:12]}"
        # In a list, so that a context that is itself a collection is not split up.
        [shared] = client.scatter([ctx], broadcast=True, hash=False)
        numbered = enumerate(tasks)
        pending: deque[Any] = deque()
        try:
            pending.extend(self._submit(fn, shared, _take(numbered, window), run))
            while pending:
                values, failure = self._results(_ready(pending, batch))
                # Refilled before the results are handed on: the workers keep busy while
                # the consumer takes them.
                if failure is None and len(pending) <= window - batch:
                    pending.extend(
                        self._submit(fn, shared, _take(numbered, window - len(pending)), run)
                    )
                yield from values
                if failure is not None:
                    raise failure
        finally:
            if pending:  # stopped early (an error, or the consumer gave up)
                client.cancel(list(pending))
                pending.clear()
            shared.release()

    def _results(self, ready: list[Any]) -> tuple[list[Any], BaseException | None]:
        """The values of the futures ``ready``, in order, up to the first that failed,
        and the clean error of that one (None if none failed). Fetched in one request
        (one round trip through the scheduler, not one each); when that fails, one at a
        time, to say which task failed and how, as :func:`_outcome` does."""
        values: list[Any] = []
        try:
            raw = self.client.gather(ready) if len(ready) > 1 else None
        except Exception:  # a task failed, or the fetch did: see them one at a time
            raw = None
        try:
            for position, future in enumerate(ready):
                values.append(_outcome(future) if raw is None else _value(raw[position]))
        except Exception as failure:  # raised by the caller once the values before it are out
            return values, failure
        finally:
            # The error's traceback keeps this frame: without the futures, so that the
            # finished tasks after a failed one are not held on the cluster.
            ready.clear()
        return values, None

    def _submit(
        self, fn: Callable[..., Any], shared: Any, chunk: list[tuple[int, T]], run: str
    ) -> list[Any]:
        """Submit ``chunk`` (numbered tasks) in one message; its futures, in order."""
        if not chunk:
            return []
        count = len(chunk)
        return self.client.map(  # type: ignore[no-any-return]
            run_task,
            [fn] * count,
            [shared] * count,
            [task for _, task in chunk],
            [self.identity] * count,
            [self.folder] * count,
            key=[f"{run}-{index}" for index, _ in chunk],
            retries=self.retries,
            pure=False,
            # Earlier tasks first: the client waits for them in this order.
            priority=-chunk[0][0],
        )


def _take(numbered: Iterator[tuple[int, T]], count: int) -> list[tuple[int, T]]:
    """The next ``count`` numbered tasks (fewer at the end of the stream)."""
    return list(itertools.islice(numbered, count))


def _ready(pending: deque[Any], most: int) -> list[Any]:
    """The first of ``pending`` (waited for), and up to ``most - 1`` after it that are
    already done, taken off ``pending``."""
    ready = [pending.popleft()]
    while pending and len(ready) < most and pending[0].done():
        ready.append(pending.popleft())
    return ready


def _outcome(future: Any) -> Any:
    """The result of one task, or the clean error it stands for."""
    from distributed.scheduler import KilledWorker

    try:
        value = future.result()
    except FileNotFoundError as exc:
        unseen = _unseen_by_workers(exc.filename)
        if unseen is None:
            raise  # missing here too: reported as any missing file
        raise DatasetKitError(unseen) from exc
    except KilledWorker as exc:
        raise DatasetKitError(
            f"task {future.key} was running on a Dask worker that died each time it was "
            "tried (out of memory? see the workers' logs; a worker needs about as much "
            f"memory as a --jobs process): {exc}"
        ) from exc
    except CancelledError as exc:
        raise DatasetKitError(
            f"task {future.key} was cancelled by the Dask cluster (every worker was lost, "
            f"the connection to the scheduler was lost, or the cluster was shut down): {exc}"
        ) from exc
    return _value(value)


def _unseen_by_workers(path: Any) -> str | None:
    """Why a worker found no file at ``path`` that this machine has: it has another
    disk. None when this machine has none either (deleted while the command ran, say:
    reported as any missing file)."""
    if not isinstance(path, str) or not os.path.exists(path):
        return None
    return (
        f"{printable(path)}: a Dask worker cannot see this file, though it exists on this "
        "machine: the workers must see the inputs, --out and --work-dir under the same "
        "names (a shared file system, or object-store URLs; standard input, -, is saved "
        "to a temporary file on this machine: save it to shared storage first)"
    )


def _value(value: Any) -> Any:
    """A task's result, or its :class:`TaskFailed` raised as the error it carries."""
    if isinstance(value, TaskFailed):
        raise value.error
    return value


@contextlib.contextmanager
def dask_executor(
    address: str, jobs: int, on_dashboard: Callable[[str], None] | None = None
) -> Iterator[DaskExecutor]:
    """A :class:`DaskExecutor` on the cluster at ``address`` (``local``: a new
    LocalCluster of ``jobs`` workers, see :func:`~.local.resolve_jobs`), checked and
    closed at the end. Raises :class:`DatasetKitError` when ``distributed`` is missing,
    the scheduler cannot be reached or has no worker within :func:`connect_timeout`,
    or a worker runs another dataset-kit."""
    try:
        import distributed
    except ImportError as exc:
        raise DatasetKitError(
            f"--scheduler {address} needs Dask distributed, which is not installed: {INSTALL_HINT}"
        ) from exc
    timeout = connect_timeout()
    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_logs())
        if address == LOCAL_SCHEDULER:
            target: Any = stack.enter_context(_local_cluster(distributed, jobs))
        else:
            target = address
        client = stack.enter_context(_connect(distributed, target, address, timeout))
        _wait_for_a_worker(client, address, timeout)
        check_workers(client, worker_identity())
        if on_dashboard is not None and client.dashboard_link:
            on_dashboard(client.dashboard_link)
        yield DaskExecutor(client)


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Keep Dask's own log lines (tracebacks of a lost connection, restarted workers)
    off the terminal while the executor is open: each fault that matters reaches the
    user as one ``Error:`` line, and the workers' logs keep the details."""
    # Dask's loggers ("distributed.client", ...) set their own levels, and hand their
    # records to the handlers of "distributed": filtered there, all of them are.
    handlers = logging.getLogger("distributed").handlers
    for handler in handlers:
        handler.addFilter(_only_critical)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(_only_critical)


def _only_critical(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.CRITICAL


# Dask settings of the LocalCluster that ``--scheduler local`` starts (its workers and
# its scheduler). A worker's event loop shares the GIL with its task thread, and these
# callbacks woke it every 10 to 500 ms: the statistical profiler (the dashboard's
# Profile page), the event-loop health tick and the memory and system monitors (the
# memory monitor also pauses or restarts a worker over its limit: within 1 s now).
# Less often, pass 1 took 3% less time (2 workers on 2 cores). A cluster of your own
# keeps its own settings (docs/scale.md says which to set).
LOCAL_CLUSTER_SETTINGS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


@contextlib.contextmanager
def _local_cluster(distributed: Any, jobs: int) -> Iterator[Any]:
    """A LocalCluster of ``jobs`` single-threaded processes (a --jobs run, on Dask),
    with :data:`LOCAL_CLUSTER_SETTINGS` (its nannies hand them to the workers)."""
    import dask

    try:
        with dask.config.set(LOCAL_CLUSTER_SETTINGS):
            cluster = distributed.LocalCluster(
                n_workers=resolve_jobs(jobs),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: 8787 may be taken
                silence_logs=logging.ERROR,
            )
    except Exception as exc:  # whatever stopped it, say so in one line
        raise DatasetKitError(f"cannot start a local Dask cluster: {exc}") from exc
    try:
        yield cluster
    finally:
        cluster.close()


@contextlib.contextmanager
def _connect(distributed: Any, target: Any, address: str, timeout: float) -> Iterator[Any]:
    """A client of ``target`` (an address or a cluster), within ``timeout`` seconds."""
    problem = None
    try:
        if isinstance(target, str):
            _handshake(target, timeout)
        client = distributed.Client(target, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:  # refused or silent until the timeout
        reason = "no answer" if isinstance(exc, TimeoutError) else str(exc)
        problem = (
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s: {reason} "
            f"(set {TIMEOUT_ENV}=SECONDS to wait longer)"
        )
    except Exception as exc:  # a malformed address, an unknown protocol
        problem = f"--scheduler {address}: not a Dask scheduler address ({exc})"
    if problem is not None:
        # The half-made client is only held by the traceback, gone now: collected while
        # Dask's event loop still runs, it closes at once; left to the end of the
        # process, it would wait for a dead loop and print a traceback.
        gc.collect()
        raise DatasetKitError(problem)
    try:
        yield client
    finally:
        client.close()


def _handshake(address: str, timeout: float) -> None:
    """Greet the scheduler at ``address`` as a client does, within ``timeout`` seconds
    in all (``TimeoutError`` otherwise).

    ``Client(address, timeout=...)`` bounds only the TCP connection: a port that
    accepts it but never answers (another service, a stuck proxy) would hold the
    client for ever in Dask's handshake, which has no timeout of its own.
    """
    from distributed.comm import connect
    from distributed.security import Security
    from distributed.utils import LoopRunner, sync

    arguments = Security().get_connection_args("client")  # TLS from Dask's config

    async def greet() -> None:
        comm = await connect(address, timeout=timeout, **arguments)
        await comm.close()

    runner = LoopRunner(asynchronous=False)
    runner.start()
    try:
        sync(runner.loop, greet, callback_timeout=timeout)
    finally:
        runner.stop()


def _wait_for_a_worker(client: Any, address: str, timeout: float) -> None:
    if client.nthreads():
        return
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception as exc:  # a TimeoutError, or the scheduler went away
        raise DatasetKitError(
            f"the Dask scheduler at {address} has no worker (waited {timeout:g} s): start "
            f"some with `dask worker {address}`"
        ) from exc


def check_workers(client: Any, expected: tuple[str, int, str]) -> None:
    """Raise :class:`DatasetKitError` unless every worker of ``client`` runs the
    dataset-kit ``expected`` (see :func:`worker_identity`)."""
    try:
        found = client.run(worker_identity)
    except Exception as exc:  # a worker without dataset_kit fails to unpickle
        raise DatasetKitError(
            f"the Dask workers cannot run dataset-kit ({type(exc).__name__}: {exc}): install "
            f"dataset-kit {expected[0]} on every worker"
        ) from exc
    for worker, identity in sorted(found.items()):
        if tuple(identity) != expected:
            raise DatasetKitError(_mismatch(worker, identity, expected))
