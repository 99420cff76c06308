"""Task functions for the Dask executor's tests.

They live in a module of their own, not in the test module, because Dask workers
import them by name: LocalCluster workers start with the test run's ``sys.path``, so
this module imports there without pytest or the fixtures.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from dataset_kit.errors import DatasetKitError, InputError


def finish_late_first(count: int, task: int) -> tuple[int, float]:
    """Sleep longer the earlier the task, so that tasks finish out of order; return
    the task and when it finished (``CLOCK_MONOTONIC`` is one clock for the machine)."""
    time.sleep(0.02 * (count - task))
    return task, time.monotonic()


def where_am_i(ctx: object, task: int) -> tuple[int, int, int]:
    """The task, this worker's process id, and the identity of its context object."""
    return task, os.getpid(), id(ctx)


def fail_on_three(attempts: str, task: int) -> int:
    """Record each attempt in the folder ``attempts``; task 3 is a bad input."""
    with open(Path(attempts) / f"{task}.attempts", "a") as log:
        log.write("x")
    if task == 3:
        raise InputError(f"bad.jsonl:{task}: not a record")
    return task


def crash_on_three(attempts: str, task: int) -> int:
    """As :func:`fail_on_three`, with a bug (not a :class:`DatasetKitError`)."""
    with open(Path(attempts) / f"{task}.attempts", "a") as log:
        log.write("x")
    if task == 3:
        raise ValueError("a bug in the stage")
    return task


class WithArguments(DatasetKitError):
    """An error whose ``__init__`` takes other arguments than a message: its pickle
    cannot be rebuilt (``pickle`` calls ``cls(*args)`` with the message only)."""

    exit_code = 3

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"{path}: {'; '.join(problems)}")


def fail_with_arguments(ctx: object, task: int) -> int:
    raise WithArguments("ds", ["no card", "no license"])


def slow_first_then_fail_on_three(ctx: object, task: int) -> int:
    """Task 0 takes half a second, the others none: when 0 is done, several after it
    are too, and their results are fetched together; task 3 is a bad input, or
    (``ctx == "bug"``) a bug."""
    if task == 0:
        time.sleep(0.5)
    if task == 3:
        if ctx == "bug":
            raise ValueError("a bug in task 3")
        raise InputError("bad.jsonl:3: not a record")
    return task


def missing_on_the_worker(path: str, task: int) -> int:
    """As a worker without the client's disk: ``path`` is not there (task 1)."""
    if task == 1:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
    return task
