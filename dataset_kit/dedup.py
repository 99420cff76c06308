"""Exact and near-duplicate detection over compact numpy arrays of keys.

Everything here is a pure function of its inputs (no global state, no I/O), so a
batch of records can be keyed in any process and the keys merged afterwards.

**Matching text.** Texts are compared after NFKC normalisation and lower-casing,
as the sequence of their *words*: maximal runs of letters and digits (any byte of a
non-ASCII character counts as a letter, except the common punctuation blocks, so
curly quotes and dashes separate words like their ASCII forms). Whitespace, line
breaks and punctuation therefore never make two copies of an article look
different. Tokenising, lower-casing, hashing words and shingles and keeping the
MinHash minima run in one compiled pass over the UTF-8 bytes of a whole batch
(:mod:`dataset_kit.sketch_kernel`, a C extension built at install time; a vectorised
numpy version computes the same values and is the fallback), never word by word in
Python.

**Exact duplicates** share the hash of that word sequence *and* of their canonical
URL (:func:`canonical_url`); the first copy in input order is kept.

**Near duplicates** are found with MinHash over shingles of ``shingle_words``
consecutive words, using one-permutation hashing (each shingle hash falls into one
of ``bins`` bins, the minimum per bin is kept, empty bins are filled by optimal
densification), which gives a signature of ``bins`` values for the cost of hashing
each shingle once. Locality-sensitive hashing then cuts the signature into
``bands`` x ``rows``; two records sharing any band hash are candidates, and a
candidate pair counts as near-duplicate only when the *exact* Jaccard similarity of
the two texts' shingle sets (:func:`verify_pairs`) reaches the threshold, never the
signatures' estimate. Pairs are merged into clusters by connected components.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

DEFAULT_THRESHOLD = 0.8
DEFAULT_BINS = 128
DEFAULT_SHINGLE_WORDS = 5
# Texts are tokenised in chunks of about this many UTF-8 bytes so that the per-byte and
# per-word work arrays stay in the CPU cache (a third faster than 1 MiB chunks).
CHUNK_BYTES = 256 << 10

_U64 = np.uint64
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = 0x9E3779B97F4A7C15
_SEQ_BASE = 0x100000001B3
_SHINGLE_SALT = 0x2545F4914F6CDD1D
_EMPTY = np.uint32(0xFFFFFFFF)
# _BYTE_MASKS[n] keeps the low n bytes of a little-endian uint64.
_BYTE_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [2**64 - 1], dtype=np.uint64)
_WORD_SEED = 0x243F6A8885A308D3
# Shingle hashes are polynomials in this base (odd, 3 mod 8): see _chunk_shingles.
_SHINGLE_BASE = np.uint64(0xD6E8FEB86659FD93)


def mix64(values: np.ndarray) -> np.ndarray:
    """A bijective avalanche mix of uint64 values (the splitmix64 finaliser)."""
    return _mix64_inplace(np.array(values, dtype=_U64))


def _mix64_inplace(x: np.ndarray) -> np.ndarray:
    shifted = x >> _U64(30)
    x ^= shifted
    x *= _M1
    np.right_shift(x, _U64(27), out=shifted)
    x ^= shifted
    x *= _M2
    np.right_shift(x, _U64(31), out=shifted)
    x ^= shifted
    return x


def hash64(data: bytes) -> int:
    """A stable 64-bit hash of ``data`` (BLAKE2b): the same on every machine and run."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def value_bytes(value: Any) -> bytes:
    """The bytes a value is hashed by: a string's UTF-8, anything else's sorted JSON."""
    if isinstance(value, str):
        return value.encode("utf-8")
    return b"\x00json:" + orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def hash64_array(items: Iterable[bytes]) -> np.ndarray:
    """:func:`hash64` of each item, as a uint64 array."""
    blake = hashlib.blake2b
    joined = b"".join(blake(item, digest_size=8).digest() for item in items)
    return np.frombuffer(joined, dtype="<u8").astype(_U64)


def normalise_text(text: str) -> str:
    """The form texts are compared in: NFKC (so ligatures, full-width letters and
    non-breaking spaces match their plain forms) and lower case."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


_TRACKING_PREFIXES = ("utm_", "mc_")
_TRACKING_NAMES = frozenset({"fbclid", "gclid", "dclid", "msclkid", "igshid", "yclid", "_ga"})


def canonical_url(url: str | None) -> str:
    """A canonical form of ``url`` for duplicate detection; "" when there is none.

    Two URLs of the same page compare equal: the scheme (http/https) is dropped, the
    host lower-cased without ``www.`` and default ports, the fragment removed,
    trailing slashes stripped, tracking parameters (``utm_*``, ``fbclid``, ...)
    dropped and the remaining query parameters sorted.
    """
    if not url:
        return ""
    text = url.strip().split("#", 1)[0]
    _scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    host, _, path = rest.partition("/")
    host = host.rpartition("@")[2].lower()
    for default_port in (":80", ":443"):
        if host.endswith(default_port):
            host = host[: -len(default_port)]
    host = host.removeprefix("www.")
    path, _, query = path.partition("?")
    path = path.rstrip("/")
    if query:
        params = sorted(
            part
            for part in query.split("&")
            if part
            and not part.startswith(_TRACKING_PREFIXES)
            and part.partition("=")[0] not in _TRACKING_NAMES
        )
        query = "&".join(params)
    canonical = f"{host}/{path}"
    return f"{canonical}?{query}" if query else canonical


# --- parameters ------------------------------------------------------------------------


# The banding's promise: a pair this much above the threshold becomes a candidate
# (and is then checked exactly) with probability at least 1 - MAX_MISS.
RECALL_MARGIN = 0.05
MAX_MISS = 1e-4
# ... and a pair exactly at the threshold with probability at least 1 - this.
MAX_MISS_AT_THRESHOLD = 0.01


def recall_point(threshold: float) -> float:
    """The similarity at which the banding promises recall: ``threshold + 0.05``, or
    halfway from the threshold to 1 when that is closer (thresholds above 0.9)."""
    return min(threshold + RECALL_MARGIN, (1.0 + threshold) / 2)


def miss_probability(similarity: float, bands: int, rows: int) -> float:
    """The chance that a pair of this Jaccard similarity shares no band, so is never
    a candidate: ``(1 - s**rows) ** bands`` for independent signature values."""
    return float((1.0 - similarity**rows) ** bands)


@functools.lru_cache(maxsize=16)
def lsh_params(threshold: float, bins: int = DEFAULT_BINS) -> tuple[int, int]:
    """Bands and rows per band for a similarity ``threshold`` with ``bins`` values.

    Chosen for recall, not balance: a pair at :func:`recall_point` (0.85 for the
    default 0.8) must become a candidate with probability at least ``1 - MAX_MISS``
    (99.99%), and a pair at the threshold itself with at least 99%. Among the
    splittings of the signature that keep both promises, the one with the most rows
    per band wins (its S-curve is the steepest, so the fewest pairs below the
    threshold become candidates), with the fewest bands that keep them at that width.
    For 0.8 over 128 values that is 20 bands of 6 rows: a pair at 0.8 is missed with
    probability 0.23%, at 0.85 with 0.008%. The cost is candidates below the
    threshold (a pair at 0.5 becomes one 27% of the time, at 0.3 1.5%), each of which
    the exact check reads back and rejects, and 4 bytes per band per record in the
    planner's memory. When no splitting keeps the promise (thresholds below about
    0.05), every value is its own band.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"near-duplicate threshold must be between 0 and 1, got {threshold}")
    target = recall_point(threshold)
    for rows in range(bins, 0, -1):
        caught = target**rows
        if caught <= 0.0:
            continue
        bands = 1 if caught >= 1.0 else math.ceil(math.log(MAX_MISS) / math.log1p(-caught))
        if bands * rows > bins:
            continue
        if miss_probability(threshold, bands, rows) > MAX_MISS_AT_THRESHOLD:
            # Enough bands for the threshold itself, if that width leaves room for them.
            at = threshold**rows
            bands = max(bands, math.ceil(math.log(MAX_MISS_AT_THRESHOLD) / math.log1p(-at)))
            if bands * rows > bins:
                continue
        return bands, rows
    return bins, 1


@dataclass(frozen=True)
class NearDupParams:
    """MinHash/LSH settings; ``bands * rows`` values of the signature are banded."""

    threshold: float = DEFAULT_THRESHOLD
    bins: int = DEFAULT_BINS
    shingle_words: int = DEFAULT_SHINGLE_WORDS
    bands: int = 0
    rows: int = 0

    @classmethod
    def for_threshold(
        cls,
        threshold: float = DEFAULT_THRESHOLD,
        bins: int = DEFAULT_BINS,
        shingle_words: int = DEFAULT_SHINGLE_WORDS,
    ) -> NearDupParams:
        bands, rows = lsh_params(threshold, bins)
        return cls(threshold, bins, shingle_words, bands, rows)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "threshold": self.threshold,
            "num_perm": self.bins,
            "shingle_words": self.shingle_words,
            "bands": self.bands,
            "rows": self.rows,
        }


# --- sketches ------------------------------------------------------------------------


@dataclass
class Sketches:
    """Keys of a batch of texts.

    ``text_keys`` hash the word sequence (for exact duplicates). ``signatures`` is
    ``(n, bins)`` uint32 MinHash values, meaningful only where ``has_signature``
    (a text without words has none). Only filled when near-duplicates are wanted.
    """

    text_keys: np.ndarray
    signatures: np.ndarray | None
    has_signature: np.ndarray | None


_SEQ_POWERS = [np.ones(1, dtype=_U64)]


def _seq_powers(n: int) -> np.ndarray:
    table = _SEQ_POWERS[0]
    if len(table) < n:
        size = max(n, 2 * len(table))
        grown = np.cumprod(np.full(size, _SEQ_BASE, dtype=_U64), dtype=_U64)
        table = _SEQ_POWERS[0] = np.concatenate([np.ones(1, _U64), grown[:-1]])
    return table[:n]


def _word_mask(buf: np.ndarray) -> np.ndarray:
    # Unsigned wrap-around turns each range test into one subtraction and one compare.
    shifted = np.subtract(buf, np.uint8(0x61), dtype=np.uint8)
    mask = shifted < 26
    np.subtract(buf, np.uint8(0x41), out=shifted)
    mask |= shifted < 26
    np.subtract(buf, np.uint8(0x30), out=shifted)
    mask |= shifted < 10
    mask |= buf >= 0x80
    # U+2000-U+206F (general punctuation: dashes, quotes, ellipsis, thin spaces) and
    # U+3000-U+303F (CJK punctuation) are three-byte sequences, U+00A0-U+00BF
    # (no-break space, guillemets, inverted marks) two-byte ones. Lead bytes are rare,
    # so they are found first and only their neighbours examined.
    size = len(buf)
    for lead, seconds, width in ((0xE2, (0x80, 0x81), 3), (0xE3, (0x80,), 3), (0xC2, None, 2)):
        at = np.flatnonzero(buf == lead)
        at = at[at + width <= size]
        if not len(at):
            continue
        second = buf[at + 1]
        at = at[second >= 0xA0] if seconds is None else at[np.isin(second, seconds)]
        for offset in range(width):
            mask[at + offset] = False
    return mask


def _word_hashes(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A 64-bit hash per word: its bytes in blocks of eight, each folded in with a full
    mix (:func:`mix64`), then its length, mixed once more.

    Every byte counts, so distinct words collide only by chance (about 2**-64 a pair),
    and the values are uniform, as the shingle polynomial needs. Words are short, so
    the loop runs over block positions (a few), each a vectorised pass over the words
    that are that long.
    """
    padded = np.zeros(len(buf) + 8, dtype=np.uint8)
    padded[: len(buf)] = buf
    # A uint64 view with a one-byte stride: element i is the 8 bytes from offset i.
    windows = np.ndarray(shape=(len(buf) + 1,), dtype="<u8", buffer=padded, strides=(1,))
    lengths = ends - starts
    hashes = np.full(len(starts), _WORD_SEED, dtype=_U64)
    blocks = (lengths + 7) // 8
    for block in range(int(blocks.max()) if len(blocks) else 0):
        long = np.flatnonzero(blocks > block)
        rest = np.minimum(lengths[long] - 8 * block, 8)
        values = windows[starts[long] + 8 * block] & _BYTE_MASKS[rest]
        hashes[long] = mix64(hashes[long] ^ values)
    hashes ^= lengths.astype(_U64) * _U64(_GOLDEN)
    return _mix64_inplace(hashes)


@dataclass
class _ChunkWords:
    """The words of the documents laid end to end in one buffer."""

    words: np.ndarray  # uint64 hash of each word, in order
    word_count: np.ndarray  # words per document
    doc_of_word: np.ndarray
    text_keys: np.ndarray  # exact key of each document


def _chunk_words(buf: np.ndarray, doc_start: np.ndarray) -> _ChunkWords:
    """Tokenise and hash the documents laid end to end in ``buf`` from ``doc_start``."""
    n = len(doc_start)
    size = len(buf)
    mask = _word_mask(buf)
    padded_mask = np.zeros(size + 2, dtype=bool)
    padded_mask[1:-1] = mask
    changes = np.flatnonzero(padded_mask[1:] != padded_mask[:-1])
    starts, ends = changes[0::2], changes[1::2]
    # Documents are not separated in the buffer: a word running over a boundary is
    # cut there into the end of one document's last word and the next one's first.
    # Empty documents share their start with the next one: each cut counts once.
    inner = np.unique(doc_start[(doc_start > 0) & (doc_start < size)])
    across = inner[mask[inner] & mask[inner - 1]]
    if len(across):
        starts = np.sort(np.concatenate([starts, across]))
        ends = np.sort(np.concatenate([ends, across]))
    words = _word_hashes(buf, starts, ends)
    word_count = np.diff(np.searchsorted(starts, np.append(doc_start, size + 1)))
    doc_of_word = np.repeat(np.arange(n, dtype=np.int64), word_count)
    first_word = np.zeros(n, dtype=np.int64)
    np.cumsum(word_count[:-1], out=first_word[1:])

    # Exact key: an order-sensitive hash of each document's word sequence.
    text_keys = np.zeros(n, dtype=_U64)
    has_words = word_count > 0
    if len(words):
        position = np.arange(len(words), dtype=np.int64) - first_word[doc_of_word]
        weighted = words * _seq_powers(int(word_count.max()))[position]
        sums = np.add.reduceat(weighted, first_word[has_words])
        text_keys[has_words] = mix64(sums ^ word_count[has_words].astype(_U64))
    doc_end = np.append(doc_start[1:], size)
    for i in np.flatnonzero(~has_words):
        # No words at all (punctuation or symbols only): key the characters themselves.
        text_keys[i] = hash64(b"nowords\x00" + buf[doc_start[i] : doc_end[i]].tobytes().strip())
    return _ChunkWords(words, word_count, doc_of_word, text_keys)


def _chunk_shingles(chunk: _ChunkWords, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The mixed hash of every ``k``-word shingle and the document it belongs to.

    A document with fewer words than a shingle has one: its whole word sequence.
    """
    words, doc_of_word = chunk.words, chunk.doc_of_word
    parts, docs = [], []
    if len(words) >= k:
        # sum(w[i + o] * B**(k - 1 - o)) modulo 2**64, by Horner's rule.
        count = len(words) - k + 1
        acc = np.zeros(count, dtype=_U64)
        for offset in range(k):
            acc *= _SHINGLE_BASE
            acc += words[offset : count + offset]
        whole = doc_of_word[: len(acc)] == doc_of_word[k - 1 :]
        parts.append(acc[whole])
        docs.append(doc_of_word[: len(acc)][whole])
    short = np.flatnonzero((chunk.word_count > 0) & (chunk.word_count < k))
    if len(short):
        parts.append(chunk.text_keys[short])
        docs.append(short)
    if not parts:
        return np.zeros(0, dtype=_U64), np.zeros(0, dtype=np.int64)
    hashes = np.concatenate(parts) if len(parts) > 1 else parts[0]
    hashes ^= _U64(_SHINGLE_SALT)
    _mix64_inplace(hashes)
    return hashes, np.concatenate(docs)


def _sketch_chunk(
    buf: np.ndarray, doc_start: np.ndarray, params: NearDupParams | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Keys of the documents laid end to end in ``buf``, starting at ``doc_start``."""
    n = len(doc_start)
    chunk = _chunk_words(buf, doc_start)
    if params is None:
        return chunk.text_keys, None, None
    bins = params.bins
    signatures = np.full((n, bins), _EMPTY, dtype=np.uint32)
    hashes, docs = _chunk_shingles(chunk, params.shingle_words)
    if not len(hashes):
        return chunk.text_keys, signatures, np.zeros(n, dtype=bool)
    bin_bits = bins.bit_length() - 1
    slot = docs * bins + (hashes >> _U64(64 - bin_bits)).astype(np.int64)
    flat = signatures.reshape(-1)
    np.minimum.at(flat, slot, (hashes & _U64(0xFFFFFFFF)).astype(np.uint32))
    filled = np.zeros(n * bins, dtype=bool)
    filled[slot] = True
    filled = filled.reshape(n, bins)
    has_signature = filled.any(axis=1)
    _densify(signatures, filled, has_signature)
    return chunk.text_keys, signatures, has_signature


def _densify(signatures: np.ndarray, filled: np.ndarray, has_signature: np.ndarray) -> None:
    """Fill empty bins from other bins of the same row (optimal densification).

    Each empty bin probes a fixed pseudo-random sequence of bins (the same for every
    document, so similar documents borrow alike) and takes the first filled one.
    """
    rows, cols = np.nonzero(~filled & has_signature[:, None])
    if not len(rows):
        return
    bins = signatures.shape[1]
    attempt = 0
    while len(rows):
        attempt += 1
        probe = mix64(cols.astype(_U64) * _U64(0x10000) + _U64(attempt)) % _U64(bins)
        probe = probe.astype(np.int64)
        hit = filled[rows, probe]
        signatures[rows[hit], cols[hit]] = signatures[rows[hit], probe[hit]]
        rows, cols = rows[~hit], cols[~hit]


def normalise_array(texts: Any, values: Sequence[str | None] | None = None) -> Any:
    """:func:`normalise_text` over an Arrow string array.

    ``values`` are the same texts as Python strings when the caller has them. Only
    non-ASCII texts go through Python (NFKC and lower case, whose quick paths return a
    string that needs neither untouched); ASCII ones are lower-cased in Arrow.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if values is None:
        values = texts.to_pylist()
    changed: dict[int, str] = {}
    for i, text in enumerate(values):
        if text is not None and not text.isascii():
            normal = normalise_text(text)
            if normal != text:
                changed[i] = normal
    if changed:
        mask = np.zeros(len(values), dtype=bool)
        mask[list(changed)] = True
        texts = pc.replace_with_mask(
            texts, pa.array(mask), pa.array(list(changed.values()), type=pa.string())
        )
    return pc.ascii_lower(texts)


def _plain_strings(texts: Any) -> Any:
    """One Arrow ``string`` array (32-bit offsets), as the byte-level passes read it."""
    import pyarrow as pa

    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if pa.types.is_large_string(texts.type):
        texts = texts.cast(pa.string())
    return texts


def _utf8_parts(texts: Any) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of a string array and each text's offsets into them (n + 1)."""
    _, offsets_buffer, data_buffer = texts.buffers()
    n = len(texts)
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[texts.offset : texts.offset + n + 1]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, np.uint8)
    )
    return data, offsets.astype(np.int64)


def _byte_chunks(offsets: np.ndarray) -> Iterator[tuple[int, int]]:
    """Runs ``[first, last)`` of texts whose bytes start within :data:`CHUNK_BYTES` of
    the run's first byte (at least one text each), so work arrays stay cache-sized."""
    n = len(offsets) - 1
    first = 0
    while first < n:
        last = int(np.searchsorted(offsets, offsets[first] + CHUNK_BYTES, side="right")) - 1
        last = min(max(last, first + 1), n)
        yield first, last
        first = last


def sketch_array_numpy(texts: Any, params: NearDupParams | None = None) -> Sketches:
    """:func:`sketch_array` in vectorised numpy, over *normalised* texts (see
    :func:`normalise_array`); nulls count as empty texts.

    The reference implementation: the compiled kernel gives exactly the same keys and
    signatures (a test checks it); also the fallback when the C kernel cannot be built.

    The UTF-8 bytes are read straight from the Arrow buffers, in chunks of about
    :data:`CHUNK_BYTES`, so memory stays small whatever the batch size.
    """
    texts = _plain_strings(texts)
    n = len(texts)
    bins = params.bins if params else 0
    if n == 0:
        return Sketches(
            np.zeros(0, _U64),
            np.zeros((0, bins), np.uint32) if params else None,
            np.zeros(0, bool) if params else None,
        )
    data, offsets = _utf8_parts(texts)
    keys: list[np.ndarray] = []
    sigs: list[np.ndarray] = []
    has: list[np.ndarray] = []
    for first, last in _byte_chunks(offsets):
        lo, hi = int(offsets[first]), int(offsets[last])
        text_keys, signatures, has_signature = _sketch_chunk(
            data[lo:hi], offsets[first:last] - lo, params
        )
        keys.append(text_keys)
        if signatures is not None and has_signature is not None:
            sigs.append(signatures)
            has.append(has_signature)
    return Sketches(
        np.concatenate(keys),
        np.concatenate(sigs) if params else None,
        np.concatenate(has) if params else None,
    )


# --- the compiled kernel ---------------------------------------------------------------
#
# dataset_kit.sketch_kernel holds the same computation as one loop in C, which tokenises,
# lower-cases, hashes words and shingles and keeps the MinHash minima in a single pass
# over the bytes: about 2.5x faster than the vectorised numpy above, whose many
# whole-array passes are bound by memory traffic. It computes exactly the same values,
# so whether it could be built never changes an export.

# Byte classes: 0 separator; 1 word byte; 2 lead byte of a possibly excluded
# punctuation sequence (C2, E2, E3), as in _word_mask.
_CLASS = np.zeros(256, dtype=np.uint8)
_CLASS[[*range(0x30, 0x3A), *range(0x41, 0x5B), *range(0x61, 0x7B), *range(0x80, 0x100)]] = 1
_CLASS[[0xC2, 0xE2, 0xE3]] = 2
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[0x41:0x5B] += 0x20


def _kernel_for(params: NearDupParams | None) -> Any:
    """The C kernel, when it is available and supports these settings."""
    from . import sketch_kernel

    if params is not None and (
        params.bins & (params.bins - 1)
        or params.bins.bit_length() - 1 > sketch_kernel.MAX_BIN_BITS
        or not 1 <= params.shingle_words <= sketch_kernel.MAX_SHINGLE_WORDS
    ):
        return None
    return sketch_kernel.load()


def _handled(cp: int) -> bool:
    char = chr(cp)
    if unicodedata.normalize("NFKC", char) != char or unicodedata.combining(char):
        return False
    if 0xC0 <= cp <= 0xDE and cp != 0xD7:
        return char.lower() == chr(cp + 0x20)
    return char.lower() == char


# The non-ASCII characters the kernel takes as they are, in U+0080-U+00FF (indices
# 0-127), U+2000-U+20BF (128-319) and U+3000-U+303F (320-383): those NFKC leaves
# alone (and no reordering of combining marks can move) and whose lower case is
# themselves or, for U+00C0-U+00DE, the one the kernel applies.
_HANDLED = np.array(
    [_handled(cp) for cp in [*range(0x80, 0x100), *range(0x2000, 0x20C0), *range(0x3000, 0x3040)]],
    dtype=bool,
)


def _run_kernel(
    texts: Any, params: NearDupParams | None, kernel: Any
) -> tuple[Sketches, np.ndarray, np.ndarray]:
    from .sketch_kernel import address

    n = len(texts)
    bins = params.bins if params else 0
    keys = np.zeros(n, dtype=_U64)
    counts = np.zeros(n, dtype=np.int64)
    signatures = np.full((n, bins), _EMPTY, dtype=np.uint32)
    has = np.zeros(n, dtype=bool)
    python = np.zeros(n, dtype=bool)
    if n:
        data, offsets = _utf8_parts(texts)
        data = np.ascontiguousarray(data)
        kernel.sketch(
            address(data),
            address(offsets),
            n,
            params.shingle_words if params else 0,
            bins.bit_length() - 1 if params else 0,
            int(params is not None),
            address(_CLASS),
            address(_LOWER),
            address(_HANDLED),
            address(keys),
            address(counts),
            address(signatures),
            address(has),
            address(python),
        )
    sketches = Sketches(keys, signatures if params else None, has if params else None)
    return sketches, counts, python


def sketch_array(
    texts: Any,
    params: NearDupParams | None = None,
    values: Sequence[str | None] | None = None,
) -> Sketches:
    """Exact keys (and MinHash signatures when ``params`` is given) of an Arrow string
    array, compared in their :func:`normalise_text` forms; nulls count as empty texts.

    The compiled kernel lower-cases ASCII and Latin-1 itself; only the rare texts
    holding a character it does not handle (see :data:`_HANDLED`: other cased
    scripts, ligatures, combining marks, ...) are normalised in Python and keyed
    again. ``values``, the same texts as Python strings, spare reading those back
    from Arrow. Without the C kernel (no compiler), :func:`sketch_array_numpy` does
    the same work.
    """
    import pyarrow as pa

    texts = _plain_strings(texts)
    kernel = _kernel_for(params)
    if kernel is None:
        return sketch_array_numpy(normalise_array(texts, values), params)
    sketches, counts, python = _run_kernel(texts, params, kernel)

    def value(i: int) -> str:
        text = values[i] if values is not None else texts[i].as_py()
        return text or ""

    redo = {i: normalise_text(value(i)) for i in np.flatnonzero(python).tolist()}
    if redo:
        rows = np.fromiter(redo, dtype=np.int64, count=len(redo))
        again, again_counts, _ = _run_kernel(
            pa.array(list(redo.values()), pa.string()), params, kernel
        )
        sketches.text_keys[rows] = again.text_keys
        counts[rows] = again_counts
        if params is not None:
            sketches.signatures[rows] = again.signatures  # type: ignore[index]
            sketches.has_signature[rows] = again.has_signature  # type: ignore[index]
    for i in np.flatnonzero(counts == 0).tolist():
        # No words at all (punctuation or symbols only): key the characters themselves.
        text = redo.get(i) or normalise_text(value(i))
        sketches.text_keys[i] = hash64(b"nowords\x00" + text.encode("utf-8").strip())
    return sketches


def sketch_texts(texts: Sequence[str], params: NearDupParams | None = None) -> Sketches:
    """:func:`sketch_array` of Python strings."""
    import pyarrow as pa

    values = list(texts)
    return sketch_array(pa.array(values, type=pa.string()), params, values)


# --- exact verification ------------------------------------------------------------


@dataclass
class ShingleSets:
    """Each text's *set* of shingle hashes: the very values MinHash keeps minima of.

    Text ``i``'s set is ``values[starts[i] : starts[i] + sizes[i]]``, sorted and without
    repeats; a text without words has the empty set. Word hashes fold in every byte
    with a full mix and shingle hashes are a polynomial in them with an odd base, then
    mixed, so two different shingles share a hash only by chance: comparing sets of
    64-bit hashes instead of the shingles themselves differs on the order of once in
    ``2**64 / len(set)**2`` comparisons.
    """

    def compact(self) -> ShingleSets:
        """The same sets, packed end to end in a new array (no unused room)."""
        total = int(self.sizes.sum())
        first = np.cumsum(self.sizes) - self.sizes
        where = np.repeat(self.starts - first, self.sizes) + np.arange(total, dtype=np.int64)
        return ShingleSets(self.values[where], first.astype(np.int64), self.sizes.copy())

    values: np.ndarray  # uint64
    starts: np.ndarray  # int64
    sizes: np.ndarray  # int64

    def members(self, i: int) -> np.ndarray:
        start = int(self.starts[i])
        return self.values[start : start + int(self.sizes[i])]


def shingle_sets_numpy(texts: Any, shingle_words: int = DEFAULT_SHINGLE_WORDS) -> ShingleSets:
    """:func:`shingle_sets` in vectorised numpy, over *normalised* texts: the reference
    the compiled kernel is tested against, and the fallback without a compiler."""
    texts = _plain_strings(texts)
    n = len(texts)
    data, offsets = _utf8_parts(texts)
    parts, owners = [np.zeros(0, _U64)], [np.zeros(0, np.int64)]
    for first, last in _byte_chunks(offsets):
        lo, hi = int(offsets[first]), int(offsets[last])
        words = _chunk_words(data[lo:hi], offsets[first:last] - lo)
        hashes, docs = _chunk_shingles(words, shingle_words)
        parts.append(hashes)
        owners.append(docs + first)
    values, owner = np.concatenate(parts), np.concatenate(owners)
    order = np.lexsort((values, owner))
    values, owner = values[order], owner[order]
    fresh = np.ones(len(values), dtype=bool)
    fresh[1:] = (values[1:] != values[:-1]) | (owner[1:] != owner[:-1])
    values, owner = values[fresh], owner[fresh]
    sizes = np.bincount(owner, minlength=n).astype(np.int64)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    return ShingleSets(values, starts, sizes)


def _run_shingle_kernel(
    texts: Any, shingle_words: int, kernel: Any
) -> tuple[ShingleSets, np.ndarray]:
    from .sketch_kernel import address

    n = len(texts)
    data, offsets = _utf8_parts(texts)
    data = np.ascontiguousarray(data)
    # A word takes at least one byte and a separator, so a text of L bytes has at most
    # L // 2 + 1 shingles: room for that many, untouched (so not resident) when unused.
    room = np.diff(offsets) // 2 + 1
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(room[:-1], out=starts[1:])
    values = np.empty(int(room.sum()), dtype=_U64)
    sizes = np.zeros(n, dtype=np.int64)
    python = np.zeros(n, dtype=bool)
    if n and kernel.shingles(
        address(data),
        address(offsets),
        n,
        shingle_words,
        address(_CLASS),
        address(_LOWER),
        address(_HANDLED),
        address(starts),
        address(values),
        address(sizes),
        address(python),
    ):
        raise MemoryError("no memory for the shingle sets of a batch of texts")
    # The room reserved (4 bytes per byte of text) is about three times what is used:
    # hand back only the used part.
    return ShingleSets(values, starts, sizes).compact(), python


def shingle_sets(
    texts: Any,
    shingle_words: int = DEFAULT_SHINGLE_WORDS,
    values: Sequence[str | None] | None = None,
) -> ShingleSets:
    """The shingle-hash set of each text of an Arrow string array, with exactly the
    normalisation, tokenising and shingling of :func:`sketch_array` (nulls are empty).

    Like :func:`sketch_array`, the compiled kernel does the work in one pass (sorting
    each set in C) and only texts holding characters it does not normalise itself go
    through Python's NFKC first; without the kernel, :func:`shingle_sets_numpy`.
    """
    import pyarrow as pa

    texts = _plain_strings(texts)
    kernel = _kernel_for(NearDupParams(shingle_words=shingle_words))
    if kernel is None:
        return shingle_sets_numpy(normalise_array(texts, values), shingle_words)
    sets, python = _run_shingle_kernel(texts, shingle_words, kernel)
    rows = np.flatnonzero(python)
    if len(rows):
        redo = [
            normalise_text((values[i] if values is not None else texts[i].as_py()) or "")
            for i in rows.tolist()
        ]
        again, _ = _run_shingle_kernel(pa.array(redo, pa.string()), shingle_words, kernel)
        sets.starts[rows] = again.starts + len(sets.values)
        sets.sizes[rows] = again.sizes
        sets.values = np.concatenate([sets.values, again.values])
    return sets


def intersection_sizes_numpy(sets: ShingleSets, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """:func:`intersection_sizes` in numpy: the reference and the fallback."""

    def gather(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sizes = sets.sizes[rows]
        total = int(sizes.sum())
        first = np.cumsum(sizes) - sizes
        where = np.repeat(sets.starts[rows] - first, sizes) + np.arange(total, dtype=np.int64)
        return sets.values[where], np.repeat(np.arange(len(rows), dtype=np.int64), sizes)

    left_values, left_pair = gather(left)
    right_values, right_pair = gather(right)
    values = np.concatenate([left_values, right_values])
    pair = np.concatenate([left_pair, right_pair])
    order = np.lexsort((values, pair))
    values, pair = values[order], pair[order]
    # Each side is repeat-free, so a value seen twice in one pair is in both sets.
    shared = (values[1:] == values[:-1]) & (pair[1:] == pair[:-1])
    return np.bincount(pair[1:][shared], minlength=len(left)).astype(np.int64)


def intersection_sizes(sets: ShingleSets, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``|A & B|`` for each pair of sets ``(left[p], right[p])`` (a merge walk in C)."""
    from . import sketch_kernel

    left = np.ascontiguousarray(left, dtype=np.int64)
    right = np.ascontiguousarray(right, dtype=np.int64)
    if left.shape != right.shape or left.ndim != 1:
        raise ValueError("left and right must be 1-d arrays of one length")
    # The kernel trusts its indices: check them here, once, for the whole batch.
    if len(left) and not (
        min(left.min(), right.min()) >= 0 and max(left.max(), right.max()) < len(sets.sizes)
    ):
        raise IndexError("a pair names a set that does not exist")
    kernel = sketch_kernel.load()
    if kernel is None:
        return intersection_sizes_numpy(sets, left, right)
    address = sketch_kernel.address
    out = np.zeros(len(left), dtype=np.int64)
    values = np.ascontiguousarray(sets.values)
    starts = np.ascontiguousarray(sets.starts)
    sizes = np.ascontiguousarray(sets.sizes)
    if len(left):
        kernel.intersections(
            address(values),
            address(starts),
            address(sizes),
            address(left),
            address(right),
            len(left),
            address(out),
        )
    return out


def exact_jaccard(sets: ShingleSets, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The Jaccard similarity ``|A & B| / |A | B|`` of each pair of shingle sets."""
    both = intersection_sizes(sets, left, right)
    union = sets.sizes[left] + sets.sizes[right] - both
    return np.divide(both, union, out=np.zeros(len(both)), where=union > 0)


def intersection_sizes_in_file(
    path: str | os.PathLike[str],
    starts: np.ndarray,
    sizes: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
) -> np.ndarray:
    """:func:`intersection_sizes` for sets kept in a file of uint64 values (set ``i``:
    ``sizes[i]`` values from element ``starts[i]``), read pair by pair with ``pread``
    in C, so memory holds two sets whatever their number. (Not memory-mapped: the
    kernel maps whole large folios of page cache into the process on a fault, so
    scattered reads through a map grow the resident size by megabytes each.)"""
    from . import sketch_kernel

    starts = np.ascontiguousarray(starts, dtype=np.int64)
    sizes = np.ascontiguousarray(sizes, dtype=np.int64)
    left = np.ascontiguousarray(left, dtype=np.int64)
    right = np.ascontiguousarray(right, dtype=np.int64)
    out = np.zeros(len(left), dtype=np.int64)
    kernel = sketch_kernel.load()
    with open(path, "rb") as handle:
        if kernel is not None and len(left):
            address = sketch_kernel.address
            status = kernel.intersections_file(
                handle.fileno(),
                address(starts),
                address(sizes),
                address(left),
                address(right),
                len(left),
                address(out),
            )
            if status == 0:
                return out
            if status == -1:
                raise OSError(f"cannot read the shingle sets back from {path}")
        for p, (a, b) in enumerate(zip(left.tolist(), right.tolist(), strict=True)):
            out[p] = len(
                np.intersect1d(
                    _read_values(handle, int(starts[a]), int(sizes[a])),
                    _read_values(handle, int(starts[b]), int(sizes[b])),
                    assume_unique=True,
                )
            )
    return out


def _read_values(handle: Any, start: int, count: int) -> np.ndarray:
    handle.seek(start * 8)
    return np.frombuffer(handle.read(count * 8), dtype=_U64)


# Texts are shingled in groups of about this many bytes: enough to amortise a call,
# small enough that the kernel's room (4 bytes per byte of text) stays a few MB.
VERIFY_TEXT_BYTES = 2 << 20


def verify_pairs(
    candidates: np.ndarray,
    read_texts: Callable[[np.ndarray], Iterator[tuple[np.ndarray, Any]]],
    params: NearDupParams,
    scratch: str | os.PathLike[str],
) -> np.ndarray:
    """Which candidate pairs are near duplicates: exact Jaccard of their shingle sets
    at least ``params.threshold``, never an estimate (so a true pair near the
    threshold is not lost to the signature's sampling noise).

    Two steps, each in bounded memory: ``read_texts(records)`` yields the texts of the
    candidates' records (sorted, unique) group by group, as ``(positions into
    records, Arrow string array)``, in whatever order reads them fastest (the export:
    spill by spill, each read once); their shingle sets are written one after the other
    to the file ``scratch``. Then every pair is compared from that file
    (:func:`intersection_sizes_in_file`). The file holds 8 bytes per shingle of the
    candidates' records.
    """
    if not len(candidates):
        return np.zeros(0, dtype=bool)
    records = np.unique(candidates)
    starts = np.zeros(len(records), dtype=np.int64)
    sizes = np.zeros(len(records), dtype=np.int64)
    written = 0
    with open(scratch, "wb") as out:
        for rows, sets in _grouped_sets(read_texts(records), params.shingle_words):
            out.write(memoryview(sets.values))
            starts[rows] = written + sets.starts
            sizes[rows] = sets.sizes
            written += len(sets.values)
    left = np.searchsorted(records, candidates[:, 0])
    right = np.searchsorted(records, candidates[:, 1])
    both = intersection_sizes_in_file(scratch, starts, sizes, left, right)
    union = sizes[left] + sizes[right] - both
    similarity = np.divide(both, union, out=np.zeros(len(both)), where=union > 0)
    return similarity >= params.threshold


def _grouped_sets(
    groups: Iterator[tuple[np.ndarray, Any]], shingle_words: int
) -> Iterator[tuple[np.ndarray, ShingleSets]]:
    """Shingle sets of the texts of ``groups``, a call per :data:`VERIFY_TEXT_BYTES`."""
    import pyarrow as pa

    rows: list[np.ndarray] = []
    texts: list[Any] = []
    held = 0
    for group_rows, group_texts in groups:
        rows.append(group_rows)
        texts.append(_plain_strings(group_texts))
        held += texts[-1].nbytes
        if held >= VERIFY_TEXT_BYTES:
            yield np.concatenate(rows), shingle_sets(pa.concat_arrays(texts), shingle_words)
            rows, texts, held = [], [], 0
    if rows:
        yield np.concatenate(rows), shingle_sets(pa.concat_arrays(texts), shingle_words)


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``(n, bands)`` uint32 hashes of each band of ``rows`` signature values.

    32 bits per band keep memory at 4 bytes per band per record; the rare chance
    collisions only add candidates, which verification then rejects.
    """
    n = signatures.shape[0]
    parts = signatures[:, : bands * rows].reshape(n, bands, rows).astype(_U64)
    factors = mix64(np.arange(1, rows + 1, dtype=_U64) * _U64(_GOLDEN)) | _U64(1)
    combined = (parts * factors).sum(axis=2, dtype=_U64)
    combined += np.arange(bands, dtype=_U64) * _U64(_SHINGLE_SALT)
    return (mix64(combined) >> _U64(32)).astype(np.uint32)


# --- grouping ------------------------------------------------------------------------


def index_dtype(n: int) -> type[np.integer]:
    """The smallest integer type that indexes ``n`` rows (int32 below 2**31 rows)."""
    return np.int32 if n < 2**31 - 1 else np.int64


def first_occurrences(keys: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """For each position, the first position (in order) holding the same key.

    Positions not ``eligible`` are ignored and map to themselves. A position whose
    result is itself is the first of its key (or unique).
    """
    n = len(keys)
    dtype = index_dtype(n)
    result = np.arange(n, dtype=dtype)
    index = result.copy() if eligible is None else np.flatnonzero(eligible).astype(dtype)
    if len(index) < 2:
        return result
    order = index[np.argsort(keys[index], kind="stable")]
    sorted_keys = keys[order]
    new_run = np.ones(len(order), dtype=bool)
    new_run[1:] = sorted_keys[1:] != sorted_keys[:-1]
    run_id = np.cumsum(new_run, dtype=dtype) - 1
    run_first = order[new_run]
    result[order] = run_first[run_id]
    return result


def candidate_pairs(bands: np.ndarray, eligible: np.ndarray, max_all_pairs: int = 16) -> np.ndarray:
    """Pairs of eligible rows that share a band hash, as a unique ``(m, 2)`` array (a < b).

    In a bucket of up to ``max_all_pairs`` rows every pair is a candidate; a larger
    bucket (a template repeated many times) yields each row paired with the bucket's
    first row and with its predecessor, enough to connect it without quadratic cost.
    """
    dtype = index_dtype(len(eligible))
    index = np.flatnonzero(eligible).astype(dtype)
    found: list[np.ndarray] = []
    if len(index) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    everyone = len(index) == len(eligible)
    positions = np.arange(len(index), dtype=np.uint64)
    packed = np.empty(len(index), dtype=np.uint64)
    for band in range(bands.shape[1]):
        # Sorting (value, position) pairs packed in one uint64 gives the order of a
        # stable argsort by value, several times faster (numpy's SIMD sort). One
        # buffer serves every band, and only rows sharing their value with a
        # neighbour go on: memory stays a few bytes per record whatever the bands.
        packed[:] = bands[:, band] if everyone else bands[index, band]
        packed <<= np.uint64(32)
        packed |= positions
        packed.sort()
        high = packed >> np.uint64(32)
        same = high[1:] == high[:-1]
        del high
        if not same.any():
            continue
        shared = np.zeros(len(packed), dtype=bool)
        shared[1:] = same
        shared[:-1] |= same
        bucketed = packed[shared]
        order = (bucketed & np.uint64(0xFFFFFFFF)).astype(np.int64)
        values = bucketed >> np.uint64(32)
        new_run = np.ones(len(order), dtype=bool)
        new_run[1:] = values[1:] != values[:-1]
        run_id = np.cumsum(new_run, dtype=dtype) - 1
        run_start = np.flatnonzero(new_run).astype(dtype)
        run_size = np.diff(np.append(run_start, len(order)))
        members = index[order]
        # Predecessor and first-of-bucket edges, for every bucket.
        follower = np.flatnonzero(~new_run)
        found.append(np.stack([members[follower - 1], members[follower]], axis=1))
        found.append(np.stack([members[run_start[run_id[follower]]], members[follower]], axis=1))
        # All pairs in small buckets (3..max_all_pairs members).
        for size in range(3, max_all_pairs + 1):
            starts = run_start[run_size == size]
            if not len(starts):
                continue
            left, right = np.triu_indices(size, k=1)
            found.append(
                np.stack(
                    [
                        members[(starts[:, None] + left[None, :]).ravel()],
                        members[(starts[:, None] + right[None, :]).ravel()],
                    ],
                    axis=1,
                )
            )
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    pairs = np.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0)


def signature_similarity(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of row pairs: the share of equal signature values."""
    return (left == right).mean(axis=1)


def connected_components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Label of each of ``n`` nodes joined by ``pairs``: the smallest node of its component.

    Vectorised union-find: every round hooks the larger root of each edge under the
    smaller one, then compresses paths fully; rounds repeat until no edge joins two
    different roots.
    """
    dtype = index_dtype(n)
    parent = np.arange(n, dtype=dtype)
    if not len(pairs):
        return parent
    left = pairs[:, 0].astype(dtype)
    right = pairs[:, 1].astype(dtype)
    while True:
        root_left = parent[left]
        root_right = parent[right]
        differ = root_left != root_right
        if not differ.any():
            return parent
        left, right = left[differ], right[differ]
        low = np.minimum(root_left[differ], root_right[differ])
        high = np.maximum(root_left[differ], root_right[differ])
        np.minimum.at(parent, high, low)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
