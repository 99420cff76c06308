"""Benchmark near-duplicate recall: planted pairs of known Jaccard similarity, found by
``dataset-kit export`` and, in the same run, by datasketch's ``MinHashLSH`` (the anchor).

The corpus is built here, deterministically (cached in ``bench/corpora/``):

* **unrelated articles** of 50-1,500 words drawn from a Zipf-weighted vocabulary of
  invented words (so common words repeat as in prose), and
* **planted pairs**: an article and an edited copy whose *true* similarity, the
  Jaccard of their sets of 5-word shingles (lower-cased words, as the export
  compares them), falls in a chosen bin: 0.70-0.75, 0.75-0.80, ..., 0.95-1.00, at
  least ``--pairs`` (default 1,000) per bin. Edits are of several kinds, mixed at
  random: word substitutions, insertions and deletions, an appended credit or update
  line, a prepended dateline. Each pair gets a family number; so does each
  unrelated article.

Then, per bin, the share of pairs each approach clusters together:

(a) ``dataset-kit export CORPUS --out DIR --split train=0.8,test=0.2`` (default
    ``--near-threshold 0.8``): a pair is clustered when both records carry the same
    ``cluster_id``. Also checked from the shards: no cluster joins two families, and
    no pair at similarity >= threshold + 0.05 has one record in train and the other
    in test.
(b) datasketch ``MinHashLSH(threshold=0.8, num_perm=128)`` over the same shingles:
    every record inserted, then queried; a pair is clustered when one is among the
    other's results (what a user of datasketch gets; its LSH does no verification).

Targets (issue #10): recall >= 99.9% for pairs at >= threshold + 0.05 and >= 99%
between threshold and threshold + 0.05; at most 2% of pairs below threshold - 0.05
merged; no cluster joining unrelated articles; no pair at >= threshold + 0.05 split
across train and test.

datasketch is installed for this benchmark only: ``pip install datasketch``. Results
are printed as Markdown and written to ``bench/results/dedup.md`` and ``dedup.json``.

Usage (from the repository root)::

    python bench/bench_dedup.py                 # 1,000 pairs per bin, a few minutes
    python bench/bench_dedup.py --pairs 200     # a quick run
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

try:
    from bench.bench_validate import dataset_kit_command, machine, measure
except ImportError:  # run as a script: bench/ itself is on sys.path
    from bench_validate import dataset_kit_command, machine, measure  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
BINS = [(0.70, 0.75), (0.75, 0.80), (0.80, 0.85), (0.85, 0.90), (0.90, 0.95), (0.95, 1.00)]
THRESHOLD = 0.8
SHINGLE = 5
WORD = re.compile(r"[a-z0-9]+")
CITIES = ["LONDON", "NAIROBI", "LIMA", "OSLO", "DELHI", "QUITO", "ACCRA", "HANOI"]


# --- the corpus -----------------------------------------------------------------------


class Vocabulary:
    """Invented words with Zipf weights: frequent short words, a long tail of rare ones."""

    def __init__(self, rng: random.Random, size: int = 40_000) -> None:
        letters = "abcdefghijklmnopqrstuvwxyz"
        words: set[str] = set()
        while len(words) < size:
            length = min(12, 2 + int(rng.expovariate(0.35)))
            words.add("".join(rng.choice(letters) for _ in range(length)))
        self.words = sorted(words)
        rng.shuffle(self.words)
        self.cumulative = list(_cumulative([1.0 / (rank + 1) ** 1.05 for rank in range(size)]))

    def sample(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=count)


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def shingle_set(words: list[str]) -> set[tuple[str, ...]]:
    if len(words) < SHINGLE:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def tokens(text: str) -> list[str]:
    return WORD.findall(text.lower())


def edit(rng: random.Random, vocab: Vocabulary, words: list[str]) -> None:
    """One random edit of ``words``, in place, of the kinds a republished story shows."""
    kind = rng.random()
    at = rng.randrange(len(words) + 1)
    if kind < 0.45 and words:
        words[min(at, len(words) - 1)] = vocab.sample(rng, 1)[0]
    elif kind < 0.7:
        words[at:at] = vocab.sample(rng, rng.randint(1, 3))
    elif kind < 0.88 and len(words) > SHINGLE:
        del words[min(at, len(words) - 1)]
    elif kind < 0.95:
        line = rng.choice(
            [["reporting", "by"], ["updated", "at", str(rng.randint(1, 12)), "with", "comment"]]
        )
        words += line + vocab.sample(rng, rng.randint(1, 4))
    else:
        words[:0] = [rng.choice(CITIES).lower(), "march", str(rng.randint(1, 28)), "reuters"]


def plant_pair(
    rng: random.Random, vocab: Vocabulary, low: float, high: float
) -> tuple[list[str], list[str], float]:
    """An article and an edited copy whose shingle Jaccard lies in ``[low, high)``
    (``[low, 1]`` for the top bin). Tries fresh articles until one lands in the bin."""
    top = high >= 1.0
    while True:
        length = rng.randint(50, 1500)
        base = vocab.sample(rng, length)
        base_set = shingle_set(base)
        target = rng.uniform(low, high)
        # Roughly how many single-word substitutions reach the target, then one by one.
        guess = int(len(base_set) * (1 - target) / (2 * SHINGLE * (1 + target)) * 0.8)
        guess = max(1, guess)
        copy = list(base)
        for _ in range(guess):
            edit(rng, vocab, copy)
        similarity = jaccard(base_set, shingle_set(copy))
        while similarity >= high and not (top and similarity >= low):
            edit(rng, vocab, copy)
            similarity = jaccard(base_set, shingle_set(copy))
        if similarity >= low and (similarity < high or top):
            return base, copy, similarity


def _sentences(words: list[str]) -> str:
    """Words as prose: capitalised sentences of 8-16 words, paragraphs of four."""
    out, sentence, paragraphs = [], [], []
    for i, word in enumerate(words):
        sentence.append(word)
        if len(sentence) >= 8 + (i * 7) % 9 or i == len(words) - 1:
            out.append(" ".join(sentence).capitalize() + ".")
            sentence = []
            if len(out) == 4:
                paragraphs.append(" ".join(out))
                out = []
    if out:
        paragraphs.append(" ".join(out))
    return "\n\n".join(paragraphs)


def record(n: int, words: list[str]) -> dict[str, Any]:
    return {
        "id": f"doc-{n:07d}",
        "title": f"Story {n}",
        "text": _sentences(words),
        "url": f"https://news.example.org/{n}",
        "source": "Bench News",
        "language": "en",
    }


@dataclass
class Pair:
    left: str
    right: str
    similarity: float
    family: int


@dataclass
class Corpus:
    path: Path
    pairs: list[Pair]
    family_of: dict[str, int]
    records: int


def build_corpus(path: Path, pairs_per_bin: int, unrelated: int, seed: int) -> Corpus:
    """Write the corpus (records shuffled) and its truth file; reuse them when cached."""
    truth_path = path.with_suffix(".truth.json")
    if path.exists() and truth_path.exists():
        truth = json.loads(truth_path.read_text())
        return Corpus(
            path, [Pair(**p) for p in truth["pairs"]], truth["family_of"], truth["records"]
        )
    rng = random.Random(seed)
    vocab = Vocabulary(rng)
    records: list[dict[str, Any]] = []
    pairs: list[Pair] = []
    family_of: dict[str, int] = {}
    for low, high in BINS:
        for _ in range(pairs_per_bin):
            base, copy, _ = plant_pair(rng, vocab, low, high)
            first, second = record(len(records), base), record(len(records) + 1, copy)
            # The truth is measured on the texts as written, exactly as compared.
            similarity = jaccard(
                shingle_set(tokens(first["text"])), shingle_set(tokens(second["text"]))
            )
            family = len(pairs)
            pairs.append(Pair(first["id"], second["id"], similarity, family))
            family_of[first["id"]] = family_of[second["id"]] = family
            records += [first, second]
    for _ in range(unrelated):
        words = vocab.sample(rng, rng.randint(50, 1500))
        family_of[f"doc-{len(records):07d}"] = len(pairs) + len(records)
        records.append(record(len(records), words))
    rng.shuffle(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    with open(scratch, "w", encoding="utf-8") as out:
        for row in records:
            out.write(json.dumps(row) + "\n")
    scratch.replace(path)
    truth = {"pairs": [p.__dict__ for p in pairs], "family_of": family_of, "records": len(records)}
    truth_path.write_text(json.dumps(truth))
    return Corpus(path, pairs, family_of, len(records))


# --- the approaches -----------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    seconds: float
    peak_rss: int
    clustered: set[tuple[str, str]]
    cluster_of: dict[str, str] = field(default_factory=dict)
    split_of: dict[str, str] = field(default_factory=dict)
    notes: str = ""


def run_export(corpus: Corpus, scratch: Path, jobs: int, checkout: Path | None = None) -> Outcome:
    """The export's clusters and splits; ``checkout``: run that dataset-kit source tree
    instead (a worktree of an earlier commit, for a before/after comparison)."""
    out = scratch / ("baseline" if checkout else "export")
    shutil.rmtree(out, ignore_errors=True)
    prefix = ["env", f"PYTHONPATH={checkout}"] if checkout else []
    cmd = [
        *prefix,
        *dataset_kit_command(),
        "export",
        str(corpus.path),
        "--out",
        str(out),
        "--split",
        "train=0.8,test=0.2",
        "--jobs",
        str(jobs),
    ]
    result = measure(cmd)
    if result.returncode != 0:
        raise SystemExit(f"dataset-kit export failed:\n{result.stderr[-3000:]}")
    cluster_of: dict[str, str] = {}
    split_of: dict[str, str] = {}
    for shard in sorted((out / "data").glob("*.parquet")):
        table = pq.read_table(shard, columns=["id", "cluster_id"]).to_pydict()
        for ident, cluster in zip(table["id"], table["cluster_id"], strict=True):
            split_of[ident] = shard.name.split("-", 1)[0]
            if cluster is not None:
                cluster_of[ident] = cluster
    clustered = {
        (p.left, p.right)
        for p in corpus.pairs
        if p.left in cluster_of and cluster_of.get(p.left) == cluster_of.get(p.right)
    }
    dedup = json.loads((scratch / f"{out.name}.report.json").read_text())["dedup"]
    check = "exactly" if dedup.get("verification") == "exact" else "on the signatures"
    notes = (
        f"{dedup['bands']} bands x {dedup['rows']} rows; {dedup['candidate_pairs']:,} "
        f"candidates checked {check}, {dedup['near_duplicate_pairs']:,} accepted"
    )
    label = f"(c) `{checkout.name}` checkout" if checkout else "(a) `dataset-kit export`"
    return Outcome(
        f"{label} --jobs {jobs}",
        result.seconds,
        result.max_rss,
        clustered,
        cluster_of,
        split_of,
        notes,
    )


def run_datasketch(corpus: Corpus) -> Outcome:
    """datasketch's MinHashLSH over the same 5-word shingles (measured in this process)."""
    import resource

    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        raise SystemExit("the anchor needs datasketch: pip install datasketch") from None
    started = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=128)
    sketches: dict[str, Any] = {}
    with open(corpus.path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            sketch = MinHash(num_perm=128)
            sketch.update_batch([" ".join(s).encode() for s in shingle_set(tokens(row["text"]))])
            lsh.insert(row["id"], sketch)
            sketches[row["id"]] = sketch
    clustered = set()
    for pair in corpus.pairs:
        if pair.right in lsh.query(sketches[pair.left]):
            clustered.add((pair.left, pair.right))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return Outcome(
        "(b) datasketch `MinHashLSH(0.8, 128)`",
        seconds,
        peak,
        clustered,
        notes=f"{lsh.b} bands x {lsh.r} rows; candidates not verified",
    )


# --- the report -----------------------------------------------------------------------


def bin_of(similarity: float) -> int:
    return min(int((similarity - BINS[0][0]) / 0.05 + 1e-9), len(BINS) - 1)


def recall_table(corpus: Corpus, outcomes: list[Outcome]) -> list[dict[str, Any]]:
    rows = []
    for index, (low, high) in enumerate(BINS):
        members = [p for p in corpus.pairs if bin_of(p.similarity) == index]
        row: dict[str, Any] = {"bin": f"{low:.2f}-{high:.2f}", "pairs": len(members)}
        for outcome in outcomes:
            found = sum(1 for p in members if (p.left, p.right) in outcome.clustered)
            row[outcome.name] = found / len(members) if members else math.nan
        rows.append(row)
    return rows


def checks(corpus: Corpus, export: Outcome, table: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, each with its measured value and verdict."""
    name = export.name
    above = [r[name] for r in table if float(r["bin"][:4]) >= THRESHOLD + 0.05 - 1e-9]
    between = [r[name] for r in table if abs(float(r["bin"][:4]) - THRESHOLD) < 1e-9]
    below = [r[name] for r in table if float(r["bin"][5:]) <= THRESHOLD - 0.05 + 1e-9]
    members: dict[str, set[int]] = defaultdict(set)
    for ident, cluster in export.cluster_of.items():
        members[cluster].add(corpus.family_of[ident])
    mixed = sum(1 for families in members.values() if len(families) > 1)
    leaks = sum(
        1
        for p in corpus.pairs
        if p.similarity >= THRESHOLD + 0.05 and export.split_of[p.left] != export.split_of[p.right]
    )

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    return [
        f"recall at >= {THRESHOLD + 0.05:.2f}: {min(above):.4%} (target >= 99.9%): "
        f"{verdict(min(above) >= 0.999)}",
        f"recall at {THRESHOLD:.2f}-{THRESHOLD + 0.05:.2f}: {min(between):.4%} (target >= 99%): "
        f"{verdict(min(between) >= 0.99)}",
        f"merged below {THRESHOLD - 0.05:.2f}: {max(below):.4%} (target <= 2%): "
        f"{verdict(max(below) <= 0.02)}",
        f"clusters joining unrelated articles: {mixed} (target 0): {verdict(mixed == 0)}",
        f"pairs at >= {THRESHOLD + 0.05:.2f} split across train and test: {leaks} (target 0): "
        f"{verdict(leaks == 0)}",
    ]


def render(corpus: Corpus, outcomes: list[Outcome], table: list[dict[str, Any]]) -> str:
    info = machine()
    lines = [
        f"Corpus: {corpus.records:,} records, {len(corpus.pairs):,} planted pairs "
        f"({corpus.path.stat().st_size / 1e6:,.0f} MB). Machine: {info['cpu']}, "
        f"{info['usable_cpus']} usable cores, {info['python']}, commit {info['commit']}.",
        "",
        "| true Jaccard | pairs | " + " | ".join(o.name for o in outcomes) + " |",
        "|---|---:|" + "---:|" * len(outcomes),
    ]
    for row in table:
        shares = " | ".join(f"{row[o.name]:.2%}" for o in outcomes)
        lines.append(f"| {row['bin']} | {row['pairs']:,} | {shares} |")
    lines += ["", "| approach | seconds | peak RSS | notes |", "|---|---:|---:|---|"]
    for o in outcomes:
        lines.append(f"| {o.name} | {o.seconds:.1f} | {o.peak_rss / 1e6:,.0f} MB | {o.notes} |")
    lines += ["", "Targets for (a):", *[f"- {line}" for line in checks(corpus, outcomes[0], table)]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=1000, help="planted pairs per bin")
    parser.add_argument("--unrelated", type=int, default=2000, help="unrelated articles")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--baseline",
        type=Path,
        help="also run the export of the dataset-kit source tree at this path (a git "
        "worktree of an earlier commit) as column (c), for a before/after comparison. With "
        "this tree installed editable, copy the checkout's schema/ and cards/ into its "
        "dataset_kit/schema and dataset_kit/card_templates first (the editable install "
        "maps those packages to this tree)",
    )
    args = parser.parse_args(argv)
    corpus_path = HERE / "corpora" / f"dedup-p{args.pairs}-u{args.unrelated}-s{args.seed}.jsonl"
    started = time.perf_counter()
    corpus = build_corpus(corpus_path, args.pairs, args.unrelated, args.seed)
    print(f"corpus ready in {time.perf_counter() - started:.0f} s: {corpus_path}", file=sys.stderr)
    scratch = Path(tempfile.mkdtemp(prefix="bench-dedup-"))
    try:
        outcomes = [run_export(corpus, scratch, args.jobs), run_datasketch(corpus)]
        if args.baseline:
            outcomes.append(run_export(corpus, scratch, args.jobs, args.baseline.resolve()))
        table = recall_table(corpus, outcomes)
        text = render(corpus, outcomes, table)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(text)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "dedup.md").write_text(text + "\n", encoding="utf-8")
    summary = {
        "table": table,
        "approaches": [
            {"name": o.name, "seconds": o.seconds, "peak_rss": o.peak_rss, "notes": o.notes}
            for o in outcomes
        ],
        "checks": checks(corpus, outcomes[0], table),
    }
    (results / "dedup.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
