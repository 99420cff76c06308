"""The local executor: tasks run in a pool of worker processes on this machine.

Results come back in task order, with at most a few tasks in flight per worker, so a
fast producer (a reader cutting a 1 GB file into ranges) cannot queue the whole
corpus in memory the way ``multiprocessing.Pool.imap`` does.

The context is handed to each worker once, when it starts, and kept in this module's
:data:`_contexts` under a key of its run; every task names that key. Stage code never
sees the registry: it receives the context as its first argument.

Host-wide limits it keeps, because each was once a way to take a machine down:

* never more workers than CPUs this process may run on, nor than tasks
  (``--jobs 100000`` on 23 records once started 100,000 processes);
* no worker outlives the process that started it: a worker exits as soon as its
  parent is gone, even after SIGKILL (the OOM killer's signal), which no cleanup code
  in the parent can catch (:func:`_exit_with_parent`).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT_PER_WORKER = 3
# ``--scheduler local``: these tasks on a Dask LocalCluster of --jobs processes instead.
LOCAL_SCHEDULER = "local"
# How often a worker checks that its parent still runs, where the kernel cannot
# tell it (no prctl), and as a second line where it can.
PARENT_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1

# In a worker: the context of each run it serves, by run key (see the module docstring).
_contexts: dict[int, Any] = {}
_run_keys = itertools.count(1)


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def resolve_jobs(jobs: int) -> int:
    """The worker processes to use: ``jobs``, at most one per available CPU; one per
    CPU when ``jobs`` is 0 or negative (``--jobs 0`` and ``--jobs -1`` alike)."""
    cpus = available_cpus()
    return cpus if jobs <= 0 else min(jobs, cpus)


def jobs_note(jobs: int) -> str | None:
    """The note to print when ``--jobs`` asks for more processes than CPUs, else None."""
    cpus = available_cpus()
    if jobs <= cpus:
        return None
    return (
        f"Note: --jobs {jobs} is more than the {cpus} CPU{'s' if cpus != 1 else ''} this "
        f"process may use; using {cpus} worker{'s' if cpus != 1 else ''}."
    )


class LocalExecutor:
    """Runs ``fn(ctx, task)`` in up to ``jobs`` local processes (see :func:`resolve_jobs`).

    ``fn`` must be an importable module-level function (it is pickled by reference)
    and ``ctx`` picklable. The first tasks are read ahead to count them: fewer tasks
    than workers means fewer workers, and one task runs here, with no pool at all.
    """

    task_scale = 1

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def map_ordered(self, fn: Callable[[C, T], R], tasks: Iterable[T], ctx: C) -> Iterator[R]:
        task_iter = iter(tasks)
        head = list(itertools.islice(task_iter, resolve_jobs(self.jobs)))
        workers = len(head)
        stream = itertools.chain(head, task_iter)
        if workers <= 1:
            for task in stream:
                yield fn(ctx, task)
            return
        key = next(_run_keys)
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_start_worker, initargs=(os.getpid(), key, ctx)
        ) as pool:
            pending: collections.deque[Future[R]] = collections.deque()
            for task in stream:
                pending.append(pool.submit(_run_task, fn, key, task))
                if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


def _start_worker(owner: int, key: int, ctx: Any) -> None:
    _exit_with_parent(owner)
    _contexts[key] = ctx


def _run_task(fn: Callable[[Any, T], R], key: int, task: T) -> R:
    return fn(_contexts[key], task)


def _exit_with_parent(owner: int) -> None:
    """Make this worker exit when its parent process is gone, however it went.

    On Linux the kernel sends SIGKILL to the worker when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``). Everywhere, a daemon thread watches for the worker
    being handed to another parent (``os.getppid()`` changes) or for ``owner``, the
    pid of the process that created the pool, being gone, and exits then. The second
    check catches a parent that died before this ran (the kernel then sent no signal,
    and the worker may already have its new parent).
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    parent = os.getppid()
    if not _alive(owner):
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent, owner), daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch_parent(parent: int, owner: int) -> None:
    while os.getppid() == parent and _alive(owner):
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)  # no cleanup: the results have nowhere to go
