"""Unit tests of the duplicate detection primitives in :mod:`dataset_kit.dedup`."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest
from export_helpers import VOCABULARY, body, shingles

from dataset_kit.dedup import (
    MAX_MISS,
    MAX_MISS_AT_THRESHOLD,
    NearDupParams,
    band_hashes,
    candidate_pairs,
    canonical_url,
    connected_components,
    exact_jaccard,
    first_occurrences,
    intersection_sizes,
    intersection_sizes_in_file,
    intersection_sizes_numpy,
    lsh_params,
    miss_probability,
    normalise_array,
    recall_point,
    shingle_sets,
    shingle_sets_numpy,
    signature_similarity,
    sketch_array,
    sketch_texts,
    verify_pairs,
)

PARAMS = NearDupParams.for_threshold(0.8)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "HTTP://www.Example.com:80/a/b/?utm_source=x&b=2&a=1#top",
            "https://example.com/a/b?a=1&b=2",
        ),
        ("https://example.com/story?fbclid=abc", "http://example.com/story"),
        ("https://user@Example.com:443/x/", "https://example.com/x"),
    ],
)
def test_canonical_url_matches_forms_of_one_page(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)


def test_canonical_url_keeps_different_pages_apart() -> None:
    assert canonical_url("https://example.com/a?id=1") != canonical_url(
        "https://example.com/a?id=2"
    )
    assert canonical_url("https://example.com/a") != canonical_url("https://example.org/a")
    assert canonical_url(None) == canonical_url("") == ""


def test_exact_key_ignores_case_whitespace_and_punctuation_only() -> None:
    texts = [
        "The Mayor said: “no new taxes” — again.",
        'the  mayor said\n\nno new taxes" -- again',
        "The Mayor said no new taxes again!",
        "The Mayor said new taxes again.",
        "\ufb01nal \uff37ord",  # ligature fi, full-width W
        "final word",
        "!!!",
        "???",
    ]
    keys = sketch_texts(texts).text_keys
    assert keys[0] == keys[1] == keys[2]
    assert keys[3] != keys[0]
    assert keys[4] == keys[5]  # NFKC: ligature and full-width letters
    assert keys[6] != keys[7]  # no words: the characters themselves count


def test_documents_never_run_into_each_other() -> None:
    # Laid end to end in one buffer, "abc" + "def" must not become the word "abcdef".
    together = sketch_texts(["abc", "def", "abcdef", "x y z"], PARAMS)
    apart = [sketch_texts([t], PARAMS) for t in ["abc", "def", "abcdef", "x y z"]]
    assert list(together.text_keys) == [s.text_keys[0] for s in apart]
    for i, single in enumerate(apart):
        assert np.array_equal(together.signatures[i], single.signatures[0])


def test_sliced_and_null_arrays() -> None:
    values = ["alpha beta gamma delta epsilon zeta", None, "eta theta iota kappa lambda mu"]
    array = pa.array(["padding", *values])[1:]
    sketches = sketch_array(normalise_array(array), PARAMS)
    reference = sketch_texts([values[0], "", values[2]], PARAMS)
    assert np.array_equal(sketches.text_keys, reference.text_keys)
    assert list(sketches.has_signature) == [True, False, True]


def test_similarity_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(5)
    base = body(rng, 400)
    words = base.split(" ")
    texts, truths = [], []
    for changes in (0, 3, 10, 30, 80, 400):
        copy = list(words)
        for i in rng.sample(range(len(copy)), min(changes, len(copy))):
            copy[i] = rng.choice(VOCABULARY)
        texts.append(" ".join(copy))
        a, b = shingles(base), shingles(texts[-1])
        truths.append(len(a & b) / len(a | b))
    sketches = sketch_texts([base, *texts], PARAMS)
    estimates = signature_similarity(
        np.repeat(sketches.signatures[:1], len(texts), axis=0), sketches.signatures[1:]
    )
    for truth, estimate in zip(truths, estimates, strict=True):
        assert abs(truth - estimate) < 0.15, (truth, estimate)
    assert estimates[0] == 1.0 and estimates[-1] < 0.1


def test_lsh_parameters_keep_their_recall_promise() -> None:
    for threshold in (0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99):
        bands, rows = lsh_params(threshold)
        assert bands * rows <= 128
        assert miss_probability(recall_point(threshold), bands, rows) <= MAX_MISS
        assert miss_probability(threshold, bands, rows) <= MAX_MISS_AT_THRESHOLD
        # No wider band could keep both promises within 128 values.
        for wider in range(rows + 1, 129):
            assert not any(
                b * wider <= 128
                and miss_probability(recall_point(threshold), b, wider) <= MAX_MISS
                and miss_probability(threshold, b, wider) <= MAX_MISS_AT_THRESHOLD
                for b in range(1, 129)
            ), (threshold, wider)
    assert lsh_params(0.8) == (20, 6)
    assert recall_point(0.8) == pytest.approx(0.85)
    assert lsh_params(0.9)[1] > lsh_params(0.5)[1]
    with pytest.raises(ValueError):
        lsh_params(1.0)


def test_candidates_clusters_and_first_occurrences() -> None:
    rng = random.Random(8)
    originals = [body(rng, 150) for _ in range(40)]
    copies = []
    for text in originals[:10]:
        words = text.split(" ")
        words[rng.randrange(len(words))] = "changed"
        copies.append(" ".join(words))
    texts = originals + copies
    sketches = sketch_texts(texts, PARAMS)
    bands = band_hashes(sketches.signatures, PARAMS.bands, PARAMS.rows)
    pairs = candidate_pairs(bands, sketches.has_signature)
    found = {tuple(p) for p in pairs.tolist()}
    assert {(i, 40 + i) for i in range(10)} <= found
    labels = connected_components(len(texts), pairs)
    assert all(labels[40 + i] == labels[i] == i for i in range(10))
    assert len(set(labels.tolist())) == 40

    keys = np.array([5, 3, 5, 7, 3, 5], dtype=np.uint64)
    assert first_occurrences(keys).tolist() == [0, 1, 0, 3, 1, 0]
    eligible = np.array([False, True, True, True, True, True])
    assert first_occurrences(keys, eligible).tolist() == [0, 1, 2, 3, 1, 2]


def test_large_buckets_stay_connected_without_quadratic_pairs() -> None:
    bands = np.zeros((500, 3), dtype=np.uint32)
    pairs = candidate_pairs(bands, np.ones(500, dtype=bool))
    assert len(pairs) < 2 * 500
    assert set(connected_components(500, pairs).tolist()) == {0}


def test_connected_components_on_chains() -> None:
    pairs = np.array([[i, i + 1] for i in range(0, 99)] + [[200, 150]], dtype=np.int64)
    labels = connected_components(201, pairs)
    assert set(labels[:100].tolist()) == {0}
    assert labels[150] == labels[200] == 150
    assert labels[120] == 120


EDGE_TEXTS = [
    "",
    "!!! ...",
    "one",
    "two words",
    "ÀÉÎÕÜ Ølstad ÆØÅ \u00d7 ß ÿ straße MÜNCHEN",
    "ΟΔΟΣ ΣΟΦΟΣ Athens — Ελλάδα",
    "İstanbul ILIK \u0131i",
    "Москва ПРИВЕТ мир",
    "e\u0301te\u0301 cafe\u0301 naïve",
    "x\u00b9 \u00bd H\u2082O \u2070 \u00aa \u00b5m \u00a0nbsp \u2122 \u2460 \u20a8 \u20ac5",
    "\ufb01nal \uff37ord \u3000\u3001\u3038 \u2017x",
    "Supercalifragilistic SUPERCALIFRAGILISTIC abcdefgh ABCDEFGHI 12345678 123456789",
    "“Quoted” \u2018text\u2019 \u2013 dash — dash… ellipsis «guillemets» ¿qué? ¡sí!",
    "emoji 😀 mixed 中文文本 日本語 한국어 text " * 3,
    "Wire copy: The MAYOR said the budget would rise by 5 percent next year, officials said.",
]


def _require_kernel() -> None:
    import importlib.util
    import os
    import shutil

    if importlib.util.find_spec("dataset_kit._sketch") is None:
        if shutil.which(os.environ.get("CC") or "cc"):
            pytest.fail("a C compiler is here but the dataset_kit._sketch extension was not built")
        pytest.skip("no C compiler when dataset-kit was installed: sketches come from numpy")


def test_compiled_kernel_matches_the_numpy_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataset_kit import sketch_kernel
    from dataset_kit.dedup import sketch_array_numpy

    _require_kernel()
    assert sketch_kernel.load() is not None, "the extension is installed but does not load"
    rng = random.Random(11)
    texts = list(EDGE_TEXTS)
    # Every character of the ranges the kernel lower-cases or passes through itself.
    for low, high in ((0x80, 0x100), (0x2000, 0x20C0), (0x3000, 0x3040), (0x370, 0x400)):
        texts += [f"Word{chr(cp)}Word {chr(cp)}x A{chr(cp)}" for cp in range(low, high)]
    # Combining marks that NFKC reorders or composes, next to each other and to letters.
    texts += ["a\u302b\u302a b", "x\u302e\u302a\u302d y", "e\u0301\u0323 o\u0308", "\u2026", "..."]
    texts += [body(rng, rng.randrange(1, 60)).upper() for _ in range(50)]
    values: list[str | None] = [*texts, None]
    array = pa.array(values, type=pa.string())
    for params in (PARAMS, None):
        compiled = sketch_array(array, params, values)
        reference = sketch_array_numpy(normalise_array(array, values), params)
        assert np.array_equal(compiled.text_keys, reference.text_keys)
        if params is not None:
            assert np.array_equal(compiled.has_signature, reference.has_signature)
            assert np.array_equal(compiled.signatures, reference.signatures)
    compiled_sets = shingle_sets(array, PARAMS.shingle_words, values)
    reference_sets = shingle_sets_numpy(normalise_array(array, values), PARAMS.shingle_words)
    assert np.array_equal(compiled_sets.sizes, reference_sets.sizes)
    for i in range(len(values)):
        assert np.array_equal(compiled_sets.members(i), reference_sets.members(i)), values[i]
    left = np.array([rng.randrange(len(values)) for _ in range(400)])
    right = np.array([rng.randrange(len(values)) for _ in range(400)])
    assert np.array_equal(
        intersection_sizes(compiled_sets, left, right),
        intersection_sizes_numpy(reference_sets, left, right),
    )
    # Without the kernel (no compiler), sketch_array falls back to numpy: same values.
    monkeypatch.setattr(sketch_kernel, "_loaded", [None])
    fallback = sketch_array(array, PARAMS, values)
    assert np.array_equal(
        fallback.signatures, sketch_array_numpy(normalise_array(array), PARAMS).signatures
    )
    monkeypatch.undo()
    # Case never matters, in any script.
    cased = [
        "ÀÉÎÕÜ Ølstad ÆØÅ \u00d7 München",
        "ΟΔΟΣ ΣΟΦΟΣ Ελλάδα",
        "Москва ПРИВЕТ мир",
        "Café Noël",
    ]
    upper = sketch_texts([t.upper() for t in cased], PARAMS)
    lower = sketch_texts([t.lower() for t in cased], PARAMS)
    assert np.array_equal(upper.text_keys, lower.text_keys)
    assert np.array_equal(upper.signatures, lower.signatures)


def test_missing_kernel_warns_once_and_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    import warnings

    from dataset_kit import sketch_kernel
    from dataset_kit.errors import KernelMissingWarning

    texts = ["The mayor said taxes would rise next year, officials said.", "Short one"]
    reference = sketch_texts(texts, PARAMS)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == sketch_kernel.MODULE else real_find_spec(name, *a),
    )
    monkeypatch.setattr(sketch_kernel, "_loaded", [])
    with pytest.warns(KernelMissingWarning, match="runs in numpy instead"):
        fallback = sketch_texts(texts, PARAMS)
    assert np.array_equal(fallback.signatures, reference.signatures)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sketch_texts(texts, PARAMS)  # once per process, not per batch
    # Asking for the numpy path on purpose is not worth a warning.
    monkeypatch.setenv("DATASET_KIT_NO_C_KERNEL", "1")
    monkeypatch.setattr(sketch_kernel, "_loaded", [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sketch_kernel.load() is None


def _python_jaccard(a: str, b: str) -> float:
    left, right = shingles(a), shingles(b)
    return len(left & right) / len(left | right)


def _messy(rng: random.Random, words: list[str]) -> str:
    """The words with random case, punctuation and white space between them."""
    glue = [" ", "  ", "\n", ", ", ". ", " — ", "; ", "\n\n", " “", "” "]
    return "".join(
        (w.upper() if rng.random() < 0.1 else w.capitalize() if rng.random() < 0.1 else w)
        + rng.choice(glue)
        for w in words
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_jaccard_agrees_with_python_sets(seed: int) -> None:
    rng = random.Random(seed)
    texts = []
    for _ in range(60):
        base = [rng.choice(VOCABULARY) for _ in range(rng.choice([1, 3, 4, 5, 6, 30, 200]))]
        texts.append(_messy(rng, base))
        copy = list(base)
        for _ in range(rng.randrange(0, 12)):
            edit = rng.random()
            at = rng.randrange(len(copy) + 1)
            if edit < 0.4 and copy:
                copy[min(at, len(copy) - 1)] = rng.choice(VOCABULARY)
            elif edit < 0.7:
                copy.insert(at, rng.choice(VOCABULARY))
            elif copy[1:]:
                del copy[min(at, len(copy) - 1)]
        texts.append(_messy(rng, copy))
    sets = shingle_sets(pa.array(texts), 5, texts)
    left = np.arange(0, len(texts), 2)
    right = np.arange(1, len(texts), 2)
    # Also unrelated pairs, and each text with itself.
    left, right = (
        np.concatenate([left, left[:-1], left]),
        np.concatenate([right, right[1:], left]),
    )
    exact = exact_jaccard(sets, left, right)
    for p, (a, b) in enumerate(zip(left.tolist(), right.tolist(), strict=True)):
        assert exact[p] == _python_jaccard(texts[a], texts[b]), (texts[a], texts[b])


def _pair_at(rng: random.Random, replaced: int, words: int = 404) -> tuple[str, str]:
    """A text of distinct words and a copy with ``replaced`` words swapped for new ones,
    at least five apart: each swap changes five of its ``words - 4`` shingles."""
    base = rng.sample(VOCABULARY, words)
    copy = list(base)
    for slot in range(replaced):
        copy[10 + 12 * slot] = f"new{slot}x{rng.randrange(10**6)}"
    return " ".join(base), " ".join(copy)


def test_verify_pairs_decides_on_the_exact_similarity(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(4)
    texts, expected = [], []
    # 400 shingles: 8 swaps give 360/440 = 0.818, 9 give 355/445 = 0.798.
    for replaced in [8, 9] * 15 + [0, 2, 20]:
        a, b = _pair_at(rng, replaced)
        texts += [a, b]
        expected.append(_python_jaccard(a, b) >= 0.8)
    assert expected.count(True) == 17 and expected.count(False) == 16
    candidates = np.arange(len(texts)).reshape(-1, 2)
    array = pa.array(texts)

    def groups(rows: np.ndarray):
        # Two texts at a time, last ones first: any grouping and order must do.
        for start in reversed(range(0, len(rows), 2)):
            part = np.arange(start, min(start + 2, len(rows)))
            yield part, array.take(pa.array(rows[part]))

    accepted = verify_pairs(candidates, groups, PARAMS, tmp_path / "sets")
    assert accepted.tolist() == expected
    # Pairs in any order, a record in several pairs, and the numpy reader of the file.
    shuffled = np.array([[2, 0], [1, 3], [0, 1], [4, 0]])[:, ::-1]
    again = verify_pairs(np.sort(shuffled, axis=1), groups, PARAMS, tmp_path / "sets2")
    assert again.tolist() == [
        _python_jaccard(texts[a], texts[b]) >= 0.8 for a, b in np.sort(shuffled, axis=1)
    ]
    sets = shingle_sets(array, 5)
    packed = sets.compact()
    (tmp_path / "packed").write_bytes(packed.values.tobytes())
    left, right = np.arange(0, 20, 2), np.arange(1, 21, 2)
    from dataset_kit import sketch_kernel

    compiled = intersection_sizes_in_file(
        tmp_path / "packed", packed.starts, packed.sizes, left, right
    )
    monkeypatch.setattr(sketch_kernel, "_loaded", [None])
    fallback = intersection_sizes_in_file(
        tmp_path / "packed", packed.starts, packed.sizes, left, right
    )
    assert compiled.tolist() == fallback.tolist() == intersection_sizes(sets, left, right).tolist()


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("1 4 a b c", "2 5 a b c"),  # word hashes whose differences cancelled out
        ("the cat sat cat the", "cat the sat the cat"),  # mirrored windows
        ("Bundesverfassungsgericht", "Bundesverwaltungsgericht"),  # same ends and length
        ("a b c d e f", "a b c d e g"),
    ],
)
def test_different_shingles_never_share_a_hash(left: str, right: str) -> None:
    sets = shingle_sets(pa.array([left, right]), 5)
    assert exact_jaccard(sets, np.array([0]), np.array([1]))[0] == _python_jaccard(left, right)
    keys = sketch_texts([left, right]).text_keys
    assert keys[0] != keys[1]
