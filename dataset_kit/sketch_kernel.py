"""The MinHash sketch kernel of :mod:`dataset_kit.dedup`, in C, built on first use.

One pass over the UTF-8 bytes of a batch of texts tokenises them, lower-cases ASCII
and U+00C0-U+00DE, flags texts holding any character it cannot normalise itself,
hashes words and shingles, keeps the per-bin minima and densifies empty bins:
exactly what :func:`dataset_kit.dedup.sketch_array_numpy` computes with whole-array
numpy passes (a test checks the two agree), about 2.5x faster, because the numpy
version is bound by the memory traffic of its many passes.

Why C compiled here rather than a package: the source below is compiled once per
machine with the system C compiler (``$CC``, else ``cc``) into the user's cache
folder (``$DATASET_KIT_CACHE``, else ``$XDG_CACHE_HOME/dataset-kit``, else
``~/.cache/dataset-kit``) and loaded with :mod:`ctypes`. A JIT such as numba gave
the same speed but added about 200 MB of LLVM to every worker process, which broke
the export's memory bounds; the compiled library adds almost nothing. Without a
working compiler (or with ``DATASET_KIT_NO_C_KERNEL=1``) :func:`load` returns None
and dedup falls back to numpy, with identical results. Integer arithmetic is modulo
2**64 as in numpy, so the values do not depend on the machine or the compiler.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

MAX_BIN_BITS = 12  # the kernel's per-document scratch holds 4096 bins
MAX_SHINGLE_WORDS = 64

SOURCE = r"""
#include <stdint.h>

#define GOLDEN 0x9E3779B97F4A7C15ULL
#define SEQ_BASE 0x100000001B3ULL
#define SHINGLE_SALT 0x2545F4914F6CDD1DULL

static inline uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

/* Length of the excluded punctuation sequence starting at i (0 when none). */
static inline int64_t excluded(const uint8_t *data, int64_t i, int64_t hi, uint8_t b) {
    if (b == 0xE2) {
        if (i + 3 <= hi && (data[i + 1] == 0x80 || data[i + 1] == 0x81)) return 3;
    } else if (b == 0xE3) {
        if (i + 3 <= hi && data[i + 1] == 0x80) return 3;
    } else if (i + 2 <= hi && data[i + 1] >= 0xA0) {
        return 2;
    }
    return 0;
}

/* Whether the character starting at i is one the kernel does not lower-case or
 * normalise itself (outside the `handled` table of U+0080-U+00FF, U+2000-U+20BF and
 * U+3000-U+303F): its text then goes through Python's NFKC and lower case. */
static inline int unhandled(const uint8_t *data, int64_t i, int64_t hi, const uint8_t *handled) {
    uint8_t b = data[i];
    if (b < 0xE0) {
        if (i + 1 >= hi) return 1;
        int64_t cp = ((int64_t)(b & 0x1F) << 6) | (data[i + 1] & 0x3F);
        return cp < 0x80 || cp >= 0x100 || !handled[cp - 0x80];
    }
    if (b < 0xF0 && i + 2 < hi) {
        int64_t cp = ((int64_t)(b & 0x0F) << 12) | ((int64_t)(data[i + 1] & 0x3F) << 6) |
                     (data[i + 2] & 0x3F);
        if (cp >= 0x2000 && cp < 0x20C0) return !handled[128 + cp - 0x2000];
        if (cp >= 0x3000 && cp < 0x3040) return !handled[320 + cp - 0x3000];
    }
    return 1;
}

void dk_sketch(const uint8_t *data, const int64_t *offsets, int64_t n, int64_t k,
               int64_t bin_bits, int64_t want, const uint8_t *cls, const uint8_t *lower,
               const uint64_t *factors, const uint8_t *handled, uint64_t *keys,
               int64_t *counts, uint32_t *sig, uint8_t *has, uint8_t *python) {
    int64_t bins = want ? ((int64_t)1 << bin_bits) : 0;
    uint64_t shift = want ? (uint64_t)(64 - bin_bits) : 0;
    uint64_t bin_mask = (uint64_t)bins - 1;
    uint8_t filled[1 << 12];
    uint64_t ring[64];
    for (int64_t d = 0; d < n; d++) {
        int64_t lo = offsets[d], hi = offsets[d + 1];
        uint64_t acc = 0, power = 1, shingle = 0, window = 0;
        int64_t words = 0, slot_in_ring = 0;
        uint32_t *row = want ? sig + d * bins : 0;
        if (want)
            for (int64_t c = 0; c < bins; c++) filled[c] = 0;
        int64_t i = lo;
        while (i < hi) {
            uint8_t b = data[i];
            uint8_t c = cls[b];
            if (c == 0) { i++; continue; }
            if (c == 2) {
                int64_t skip = excluded(data, i, hi, b);
                if (skip) {
                    if (unhandled(data, i, hi, handled)) python[d] = 1;
                    i += skip;
                    continue;
                }
            }
            /* A word starts at i: its length, first 8 and last 8 lower-cased bytes. */
            int64_t length = 0;
            uint64_t head = 0, tail = 0;
            int after_c3 = 0;
            for (;;) {
                if (b < 0x80) {
                    b = lower[b];
                } else {
                    if (b >= 0xC0 && unhandled(data, i, hi, handled)) python[d] = 1;
                    if (after_c3 && b <= 0x9E && b != 0x97) b += 0x20;
                    after_c3 = b == 0xC3;
                }
                if (length < 8) head |= (uint64_t)b << (8 * length);
                tail = (tail >> 8) | ((uint64_t)b << 56);
                length++;
                i++;
                if (i >= hi) break;
                b = data[i];
                c = cls[b];
                if (c == 0) break;
                if (c == 2 && excluded(data, i, hi, b)) break;
            }
            uint64_t word = head;
            if (length > 8) word ^= mix(tail);
            word ^= (uint64_t)length * GOLDEN;
            acc += word * power;
            power *= SEQ_BASE;
            words++;
            if (want) {
                /* The shingle hash sum(w[i + o] * G * (2o + 1)) slides by one word:
                 * with W the window's sum before the step, it grows by
                 * G * ((2k - 1) * new + old - 2 * W). */
                uint64_t old = ring[slot_in_ring];
                ring[slot_in_ring] = word;
                if (++slot_in_ring == k) slot_in_ring = 0;
                if (words <= k) {
                    shingle += word * factors[words - 1];
                    window += word;
                } else {
                    shingle += GOLDEN * ((uint64_t)(2 * k - 1) * word + old - 2 * window);
                    window += word - old;
                }
                if (words >= k) {
                    uint64_t x = mix(shingle ^ SHINGLE_SALT);
                    int64_t slot = (int64_t)(x >> shift);
                    uint32_t value = (uint32_t)x;
                    if (value < row[slot]) row[slot] = value;
                    filled[slot] = 1;
                }
            }
        }
        counts[d] = words;
        if (words) keys[d] = mix(acc ^ (uint64_t)words);
        if (want && words) {
            if (words < k) {
                /* Fewer words than a shingle: the word sequence is the only shingle. */
                uint64_t x = mix(keys[d] ^ SHINGLE_SALT);
                int64_t slot = (int64_t)(x >> shift);
                row[slot] = (uint32_t)x;
                filled[slot] = 1;
            }
            has[d] = 1;
            for (int64_t col = 0; col < bins; col++) { /* optimal densification */
                if (filled[col]) continue;
                for (uint64_t attempt = 1;; attempt++) {
                    int64_t probe = (int64_t)(mix((uint64_t)col * 0x10000ULL + attempt) & bin_mask);
                    if (filled[probe]) { row[col] = row[probe]; break; }
                }
            }
        }
    }
}
"""

_FLAGS = ["-O2", "-shared", "-fPIC", "-std=c99"]
_loaded: list[Any] = []


def cache_dir() -> Path:
    """Where the compiled kernel is kept."""
    explicit = os.environ.get("DATASET_KIT_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dataset-kit"


def _build(target: Path, compiler: str) -> bool:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        source = Path(scratch) / "sketch.c"
        source.write_text(SOURCE, encoding="utf-8")
        built = Path(scratch) / target.name
        try:
            result = subprocess.run(
                [compiler, *_FLAGS, "-o", str(built), str(source)],
                capture_output=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return False
        if result.returncode != 0 or not built.is_file():
            return False
        # Atomic: processes building at the same time each rename a complete file.
        os.replace(built, target)
    return True


def load() -> Any:
    """The kernel function (ctypes), building it if needed; None when it cannot be built."""
    if _loaded:
        return _loaded[0]
    function = None
    if sys.platform != "win32" and os.environ.get("DATASET_KIT_NO_C_KERNEL") != "1":
        compiler = os.environ.get("CC") or "cc"
        digest = hashlib.sha256(
            "\0".join([SOURCE, compiler, *_FLAGS, sys.platform, os.uname().machine]).encode()
        ).hexdigest()[:16]
        target = cache_dir() / f"sketch-{digest}.so"
        try:
            if target.is_file() or (shutil.which(compiler) and _build(target, compiler)):
                function = _bind(ctypes.CDLL(str(target)).dk_sketch)
        except OSError:
            function = None
    _loaded.append(function)
    return function


def _bind(function: Any) -> Any:
    pointer = ctypes.c_void_p
    function.restype = None
    function.argtypes = [
        pointer,
        pointer,
        ctypes.c_int64,
        ctypes.c_int64,
        ctypes.c_int64,
        ctypes.c_int64,
        *[pointer] * 9,
    ]
    return function


def address(array: np.ndarray) -> int:
    """The data pointer of a C-contiguous array, for the kernel."""
    assert array.flags.c_contiguous
    return int(array.ctypes.data)
