"""Executors: how a stage's tasks run, here or in worker processes.

A stage hands an executor a module-level function, a lazy stream of tasks and a
*context* (a picklable dataclass holding what every task needs: the schema, the
settings, the spill folder). The executor yields ``fn(ctx, task)`` for every task,
**in task order**, whatever runs where: merging results in that order is what makes
``--jobs N`` output byte-identical to ``--jobs 1``.

Stage code never reads module state: it gets ``ctx`` as its first argument. The
context is sent once per worker, not once per task, and only compact results come
back (keys, counts, rejects); anything larger travels as a file (the export's spill).

One module per executor: :mod:`.inline` (this process) and :mod:`.local` (a pool of
local processes). A cluster executor is one more module with a ``map_ordered``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

from .inline import InlineExecutor
from .local import LocalExecutor, resolve_jobs

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``fn(ctx, task)`` for each task and yields the results in task order."""

    def map_ordered(
        self, fn: Callable[[C, T], R], tasks: Iterable[T], ctx: C
    ) -> Iterator[R]: ...  # pragma: no cover - a protocol


def executor_for(jobs: int) -> Executor:
    """The executor for ``--jobs``: this process for 1, a local pool otherwise (capped
    at the CPUs this process may use, and at the number of tasks)."""
    return InlineExecutor() if resolve_jobs(jobs) <= 1 else LocalExecutor(jobs)


__all__ = ["Executor", "InlineExecutor", "LocalExecutor", "executor_for"]
