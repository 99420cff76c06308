"""Give freed heap back to the operating system between tasks and phases."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

# A process that runs tasks returns freed heap to the OS after a task once its resident
# size is this much above what it was when its first task began. Relative, not absolute:
# a Dask worker's own libraries take about 60 MB more than a forked --jobs worker, and
# with an absolute limit it trimmed after every task, then faulted the same pages back
# in on the next one (with :func:`reuse_freed_heap`, a tenth of a worker's CPU in pass 1).
TRIM_ABOVE_BYTES = 160 << 20
# glibc's mallopt parameters (malloc.h), and the ceilings its adaptive thresholds can
# reach on a 64-bit system (the largest mmap threshold, and twice that for trimming).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_CEILING = 32 << 20
TRIM_THRESHOLD_CEILING = 64 << 20
# The variable a Dask nanny sets for the workers it starts, and Dask's value for it: any
# other value was chosen by whoever runs the cluster, and stays.
NANNY_TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
NANNY_TRIM_DEFAULT = "65536"

_baseline: tuple[int, int] | None = None  # (pid, resident bytes when its first task began)


def _resident_bytes() -> int | None:
    """This process's resident size; None where it cannot be read (not Linux)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@functools.cache
def _libc() -> Any:
    """glibc, loaded once per process; None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018 - both, or neither: not glibc
    except (OSError, AttributeError):
        return None
    return libc


def _malloc_trim() -> Callable[[int], Any] | None:
    """glibc's ``malloc_trim``; None where there is none."""
    libc = _libc()
    return None if libc is None else libc.malloc_trim


def task_started() -> None:
    """Note this process's resident size when its first task begins (once per process;
    a forked worker notes its own): :func:`release_memory` measures a task's growth
    from there."""
    global _baseline
    pid = os.getpid()
    # Unlocked: two first tasks in threads of one worker may both note a size, the last
    # one wins, a little larger. Harmless: the limit only moves by that much.
    if _baseline is None or _baseline[0] != pid:
        _baseline = (pid, _resident_bytes() or 0)


@functools.cache
def reuse_freed_heap() -> bool:
    """Undo the malloc setting of a Dask nanny in this worker, once; True if it did.

    A nanny starts its worker with ``MALLOC_TRIM_THRESHOLD_=65536`` so that freed memory
    goes back to the OS at once. Setting any threshold switches off glibc's adaptive
    ones, so every allocation over 128 kB became a fresh ``mmap``, zero-filled page by
    page when touched: 120,000 page faults in 4 s per worker, where a ``--jobs`` worker
    had 3,000. The tasks give memory back themselves (:func:`release_memory`), so the
    thresholds are set to the ceilings glibc's adaptive ones can reach. Another value
    of the variable than Dask's is left alone: someone chose it.
    """
    libc = _libc()
    if os.environ.get(NANNY_TRIM_VARIABLE) != NANNY_TRIM_DEFAULT or libc is None:
        return False
    # mallopt answers 0 when it fails.
    taken = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_CEILING)
    return bool(taken and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_CEILING))


def release_memory(force: bool = False) -> None:
    """Hand freed heap back to the OS after a task (glibc and Arrow's allocator keep it
    otherwise), so that a worker's resident size is its working set, not its
    high-water mark. Between phases (``force``) it always runs: the next phase's
    peak then starts from what is really in use."""
    resident = _resident_bytes()
    if not force and resident is not None and resident < _trim_limit():
        return  # small enough: trimming would only cost page faults on the next task
    if force:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim:
        trim(0)


def _trim_limit() -> int:
    """The resident size above which a task's end trims: :data:`TRIM_ABOVE_BYTES` above
    the size noted by :func:`task_started` in this process (or above nothing)."""
    start = _baseline[1] if _baseline is not None and _baseline[0] == os.getpid() else 0
    return start + TRIM_ABOVE_BYTES
