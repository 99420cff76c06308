"""Run a function over a stream of tasks in worker processes, results in input order.

``ordered_map`` keeps at most a few tasks in flight per worker, so a fast producer
(a reader splitting a 1 GB file) cannot queue the whole corpus in memory the way
``multiprocessing.Pool.imap`` does. With ``jobs=1`` it runs in this process, through
the same functions, which is what makes ``--jobs N`` output identical to ``--jobs 1``.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT_PER_WORKER = 3


def resolve_jobs(jobs: int) -> int:
    """``jobs`` as given, or the number of CPUs when it is 0 or negative."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def ordered_map(
    func: Callable[[T], R],
    tasks: Iterable[T],
    *,
    jobs: int = 1,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[R]:
    """Yield ``func(task)`` for each task, in order, using ``jobs`` processes.

    ``func`` and ``initializer`` must be importable module-level functions (they are
    pickled by reference). The initializer runs once per worker, e.g. to compile a
    schema; with ``jobs=1`` it runs once here.
    """
    jobs = resolve_jobs(jobs)
    if jobs == 1:
        if initializer is not None:
            initializer(*initargs)
        for task in tasks:
            yield func(task)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=initializer, initargs=initargs) as pool:
        pending: collections.deque[Future[R]] = collections.deque()
        for task in tasks:
            pending.append(pool.submit(func, task))
            if len(pending) >= jobs * IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
