"""Executors: how a stage's tasks run, here or in worker processes.

A stage hands an executor a module-level function, a lazy stream of tasks and a
*context* (a picklable dataclass holding what every task needs: the schema, the
settings, the spill folder). The executor yields ``fn(ctx, task)`` for every task,
**in task order**, whatever runs where: merging results in that order is what makes
``--jobs N`` output byte-identical to ``--jobs 1``.

Stage code never reads module state: it gets ``ctx`` as its first argument. The
context is sent once per worker, not once per task, and only compact results come
back (keys, counts, rejects); anything larger travels as a file (the export's spill).

One module per executor: :mod:`.inline` (this process), :mod:`.local` (a pool of
local processes) and :mod:`.dask` (a Dask distributed cluster, imported only when one
is asked for). :func:`open_executor` picks one and owns its lifetime: a command opens
it once, around every stage that runs tasks.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

from .inline import InlineExecutor
from .local import LOCAL_SCHEDULER, LocalExecutor, resolve_jobs

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``fn(ctx, task)`` for each task and yields the results in task order.

    ``task_scale`` asks the stages for tasks that many times their usual size: a
    cluster pays a few milliseconds of scheduling per task, a local pool next to
    nothing. The output never depends on it (tests cut the same inputs both ways).
    """

    task_scale: int

    def map_ordered(
        self, fn: Callable[[C, T], R], tasks: Iterable[T], ctx: C
    ) -> Iterator[R]: ...  # pragma: no cover - a protocol


# Dask's own variable for "the scheduler to use": a Dask user who exports it expects
# every Dask program, this one too, to run there.
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
# The --scheduler value that means "no cluster", even when DASK_SCHEDULER_ADDRESS is set.
NO_SCHEDULER = "none"


def resolve_scheduler(scheduler: str | None) -> str | None:
    """The scheduler to use: ``scheduler`` when given, else ``DASK_SCHEDULER_ADDRESS``;
    None (local processes) when neither is set or the value is ``none``. The words
    ``none`` and ``local`` in any case (``LOCAL`` was taken for a host name)."""
    value = (scheduler or os.environ.get(SCHEDULER_ENV, "")).strip()
    if not value or value.lower() == NO_SCHEDULER:
        return None
    return LOCAL_SCHEDULER if value.lower() == LOCAL_SCHEDULER else value


def _local_executor(jobs: int) -> Executor:
    """The executor for ``--jobs``: this process for 1, a local pool otherwise (capped
    at the CPUs this process may use, and at the number of tasks)."""
    return InlineExecutor() if resolve_jobs(jobs) <= 1 else LocalExecutor(jobs)


@contextlib.contextmanager
def open_executor(
    jobs: int,
    scheduler: str | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> Iterator[Executor]:
    """The executor of one command, open for the ``with`` block.

    ``scheduler`` (see :func:`resolve_scheduler`) None: :func:`_local_executor` ``jobs``;
    ``local``: a Dask LocalCluster of ``jobs`` worker processes, closed at the end;
    any other value: the Dask scheduler at that address (``tcp://HOST:8786``), where
    ``jobs`` does not apply. ``on_dashboard`` receives the link to Dask's dashboard.
    Raises :class:`~dataset_kit.errors.DatasetKitError` when the cluster cannot be
    used (see :func:`.dask.dask_executor`); the output is the same on any executor.
    """
    address = resolve_scheduler(scheduler)
    if address is None:
        yield _local_executor(jobs)
        return
    from .dask import dask_executor

    with dask_executor(address, jobs, on_dashboard) as executor:
        yield executor


__all__ = [
    "Executor",
    "InlineExecutor",
    "LocalExecutor",
    "open_executor",
    "resolve_scheduler",
]
