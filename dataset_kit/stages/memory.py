"""Give freed heap back to the operating system between tasks and phases."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

# A worker returns freed heap to the OS after a task once its resident size passes this.
TRIM_ABOVE_BYTES = 160 << 20


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return TRIM_ABOVE_BYTES


@functools.cache
def _malloc_trim() -> Callable[[int], Any] | None:
    """glibc's ``malloc_trim``, looked up once per process; None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def release_memory(force: bool = False) -> None:
    """Hand freed heap back to the OS after a task (glibc and Arrow's allocator keep it
    otherwise), so that a worker's resident size is its working set, not its
    high-water mark. Between phases (``force``) it always runs: the next phase's
    peak then starts from what is really in use."""
    if not force and _resident_bytes() < TRIM_ABOVE_BYTES:
        return  # small enough: trimming would only cost page faults on the next task
    if force:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim:
        trim(0)
