"""The inline executor: every task runs in this process, in order.

It calls the very functions a worker would, with the same context, so an export with
``--jobs 1`` goes through the same code as one with ``--jobs 8``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")


class InlineExecutor:
    """Runs ``fn(ctx, task)`` here, one task at a time (results are yielded lazily, so
    a stream of tasks is never held whole)."""

    task_scale = 1

    def map_ordered(self, fn: Callable[[C, T], R], tasks: Iterable[T], ctx: C) -> Iterator[R]:
        for task in tasks:
            yield fn(ctx, task)
