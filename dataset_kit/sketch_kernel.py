"""The compiled MinHash sketch kernel of :mod:`dataset_kit.dedup`: ``dataset_kit/_sketch.c``.

One pass over the UTF-8 bytes of a batch of texts tokenises them, lower-cases ASCII
and U+00C0-U+00DE, flags texts holding any character it cannot normalise itself,
hashes words and shingles, keeps the per-bin minima and densifies empty bins:
exactly what :func:`dataset_kit.dedup.sketch_array_numpy` computes with whole-array
numpy passes (a test checks the two agree), about 2.5x faster, because the numpy
version is bound by the memory traffic of its many passes. The same tokeniser and
shingle hash also give each text's whole *set* of shingle hashes (``dk_shingles``) and
the intersection sizes of pairs of sets (``dk_intersections``), with which candidate
near-duplicate pairs are verified on their exact Jaccard similarity.

How it is built: ``pip install`` compiles the C file into the extension module
``dataset_kit._sketch`` (setuptools, declared in ``pyproject.toml``); nothing is
compiled or cached at run time. Its functions take the addresses of numpy arrays and
are called through :mod:`ctypes`, which keeps the C free of Python object handling.
A JIT such as numba gave the same speed but added about 200 MB of LLVM to every
worker process, which broke the export's memory bounds.

Without the extension (no C compiler when the package was installed, so the optional
build was skipped) :func:`load` warns once and returns None, and dedup runs the numpy
functions instead: identical results, about 2.5x slower. ``DATASET_KIT_NO_C_KERNEL=1``
asks for the numpy path on purpose (no warning).
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import KernelMissingWarning

MODULE = "dataset_kit._sketch"
KERNEL_VERSION = 3  # KERNEL_VERSION in _sketch.c: what the values mean
MAX_BIN_BITS = 12  # the kernel's per-document scratch holds 4096 bins
MAX_SHINGLE_WORDS = 64


@dataclass(frozen=True)
class Kernel:
    """The kernel's entry points, bound with their argument types."""

    sketch: Any  # dk_sketch: exact keys and MinHash signatures
    shingles: Any  # dk_shingles: each text's sorted set of shingle hashes
    intersections: Any  # dk_intersections: |A & B| for pairs of those sets
    intersections_file: Any  # dk_intersections_file: the same, sets read from a file


_loaded: list[Kernel | None] = []


def load() -> Kernel | None:
    """The kernel, or None (after a :class:`KernelMissingWarning`) when it is not
    installed or cannot be loaded. Looked up once per process."""
    if _loaded:
        return _loaded[0]
    kernel = None
    if os.environ.get("DATASET_KIT_NO_C_KERNEL") != "1":
        problem = "it is not installed (no C compiler when dataset-kit was installed?)"
        spec = importlib.util.find_spec(MODULE)
        if spec is not None and spec.origin:
            try:
                kernel = _bind(ctypes.CDLL(spec.origin))
            except (OSError, AttributeError) as error:
                problem = f"it cannot be loaded ({error})"
        if kernel is None:
            warnings.warn(
                KernelMissingWarning(
                    f"the compiled MinHash kernel ({MODULE}) is not used: {problem}. "
                    "Near-duplicate detection runs in numpy instead: identical results, "
                    "about 2.5x slower. Reinstall dataset-kit where a C compiler is "
                    "available to build it."
                ),
                stacklevel=2,
            )
    _loaded.append(kernel)
    return kernel


# The entry points that return a status (0 when all went well).
RETURNS_STATUS = frozenset({"dk_shingles", "dk_intersections_file"})


def _bind(library: Any) -> Kernel:
    pointer = ctypes.c_void_p
    size = ctypes.c_int64
    signatures = {
        "dk_sketch": [pointer, pointer, size, size, size, size, *[pointer] * 8],
        "dk_shingles": [pointer, pointer, size, size, *[pointer] * 7],
        "dk_intersections": [*[pointer] * 5, size, pointer],
        "dk_intersections_file": [size, *[pointer] * 4, size, pointer],
    }
    library.dk_version.restype = ctypes.c_int64
    library.dk_version.argtypes = []
    built = library.dk_version()
    if built != KERNEL_VERSION:
        raise OSError(f"it is a stale build (version {built}, this code needs {KERNEL_VERSION})")
    for name, argtypes in signatures.items():
        function = getattr(library, name)
        function.restype = ctypes.c_int64 if name in RETURNS_STATUS else None
        function.argtypes = argtypes
    return Kernel(
        library.dk_sketch,
        library.dk_shingles,
        library.dk_intersections,
        library.dk_intersections_file,
    )


def address(array: np.ndarray) -> int:
    """The data pointer of a C-contiguous array, for the kernel."""
    assert array.flags.c_contiguous
    return int(array.ctypes.data)
