"""Benchmark ``dataset-kit export`` against what users write today and the pyarrow floor.

One run, one synthetic corpus (default ~1 GB, made by :mod:`generate_corpus` with
invalid records and near-duplicates, cached in ``bench/corpora/``), each approach in
a fresh process started through the same launcher as the validate benchmark (wall
time and peak RSS of the command and its workers):

(a) ``dataset-kit export CORPUS --out DIR --jobs N``: validation, rejects, exact and
    near-duplicate removal, leak-free splits, Parquet shards, manifest and card;
(b) what users write today: ``datasets.load_dataset("json")`` -> ``.filter`` with a
    ``jsonschema`` ``Draft202012Validator`` (format checks on) -> ``train_test_split``
    -> ``to_parquet`` per split. ``load_dataset("json")`` cannot read the raw corpus
    (its malformed lines and mixed types raise ``DatasetGenerationError``; the table
    records the attempt), so (b) is timed on the clean records, the same input as (c),
    which favours it: it still validates every record but has nothing to reject;
(c) the floor: ``pyarrow.json.read_json`` + ``pyarrow.parquet.write_table(
    compression="zstd")`` on the clean records (one table in memory, no validation,
    no dedup, no splits).

The clean-records file (valid lines only, from the generator's truth file) is made
before timing. Throughput is each approach's own input bytes per second (MB = 10**6
bytes). Results are printed as Markdown and written to ``bench/results/export.md``
and ``export.json``.

Usage (from the repository root)::

    python bench/bench_export.py                  # ~1 GB corpus, several minutes
    python bench/bench_export.py --size-mb 50     # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import orjson

try:
    from bench.bench_validate import dataset_kit_command, ensure_corpus, measure, warm_page_cache
    from bench.generate_corpus import MB, CorpusStats
except ImportError:  # run as a script: bench/ itself is on sys.path
    from bench_validate import (  # type: ignore[no-redef]
        dataset_kit_command,
        ensure_corpus,
        measure,
        warm_page_cache,
    )
    from generate_corpus import MB, CorpusStats  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# --- (b) and (c), run in a fresh process (--worker) -----------------------------------


def _worker_hf(path: str, out: str) -> dict[str, Any]:
    import datasets
    import jsonschema

    datasets.disable_progress_bars()
    schema = json.loads((ROOT / "schema" / "article.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    started = time.perf_counter()
    ds = datasets.load_dataset(
        "json", data_files=path, split="train", cache_dir=str(Path(out) / "cache")
    )
    read = ds.num_rows
    # Arrow fills absent fields with None; drop them so that the schema sees the record.
    ds = ds.filter(lambda r: validator.is_valid({k: v for k, v in r.items() if v is not None}))
    parts = ds.train_test_split(test_size=0.1, seed=0)
    for name, part in parts.items():
        part.to_parquet(str(Path(out) / f"{name}.parquet"))
    return {
        "seconds": time.perf_counter() - started,
        "records": read,
        "written": sum(p.num_rows for p in parts.values()),
    }


def _worker_pyarrow(path: str, out: str) -> dict[str, Any]:
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    started = time.perf_counter()
    table = pj.read_json(path)
    pq.write_table(table, str(Path(out) / "all.parquet"), compression="zstd")
    return {
        "seconds": time.perf_counter() - started,
        "records": table.num_rows,
        "written": table.num_rows,
    }


# --- the run --------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    label: str
    records: int
    bytes: int
    seconds: float
    max_rss: int
    tree_rss: int
    note: str = ""
    # The machine is shared: the 1-minute load average just before the run says how
    # much else was running (2 cores: a load of 1 leaves this run about one core).
    load: float | None = None

    @property
    def mb_per_s(self) -> float:
        return self.bytes / MB / self.seconds

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds


def clean_copy(corpus: Path, truth: Path) -> Path:
    """The corpus without its invalid lines (cached beside it)."""
    clean = corpus.with_name(corpus.stem + ".clean.jsonl")
    if clean.exists() and clean.stat().st_mtime >= corpus.stat().st_mtime:
        return clean
    invalid = set()
    with open(truth, "rb") as notes:
        for line in notes:
            note = orjson.loads(line)
            if note["kind"] == "invalid":
                invalid.add(note["line"])
    with open(corpus, "rb") as source, open(clean, "wb") as out:
        for number, line in enumerate(source, 1):
            if number not in invalid:
                out.write(line)
    return clean


def run_export(corpus: Path, jobs: int, scratch: Path, checkout: Path | None = None) -> Row:
    """(a) on ``corpus``; with ``checkout``, the dataset-kit source tree there instead (a
    worktree of an earlier commit), for a before/after row measured in the same run."""
    key = f"baseline-j{jobs}" if checkout else f"export-j{jobs}"
    out = scratch / key
    prefix = ["env", f"PYTHONPATH={checkout}"] if checkout else []
    cmd = [*prefix, *dataset_kit_command(), "export", str(corpus), "--out", str(out)]
    cmd += ["--jobs", str(jobs)]
    load = os.getloadavg()[0]
    result = measure(cmd)
    if result.returncode != 0:
        raise SystemExit(
            f"dataset-kit export failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )
    report = json.loads((scratch / f"{key}.report.json").read_text())
    counts = report["counts"]
    note = (
        f"{counts['written']:,} written, {counts['rejected']:,} rejected, "
        f"{counts['duplicates_dropped']:,} duplicates dropped, "
        f"{report['dedup'].get('clusters', 0):,} near-dup clusters, "
        f"{report['dedup'].get('candidate_pairs', 0):,} candidate pairs checked"
        + (" exactly" if report["dedup"].get("verification") == "exact" else "")
    )
    shutil.rmtree(out, ignore_errors=True)
    label = f"(a) `dataset-kit export --jobs {jobs}`"
    if checkout:
        label += f" from `{checkout.name}` (baseline)"
    return Row(
        key,
        label,
        counts["read"],
        corpus.stat().st_size,
        result.seconds,
        result.max_rss,
        result.tree_rss,
        note,
        load,
    )


def run_worker(kind: str, path: Path, scratch: Path, label: str) -> Row | str:
    out = scratch / kind
    out.mkdir(exist_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--file", str(path)]
    load = os.getloadavg()[0]
    result = measure([*cmd, "--out", str(out)])
    shutil.rmtree(out, ignore_errors=True)
    if result.returncode != 0:
        last = [line for line in result.stderr.strip().splitlines() if line.strip()]
        return last[-1] if last else f"exit status {result.returncode}"
    counted = orjson.loads(result.stdout.strip().splitlines()[-1])
    return Row(
        kind,
        label,
        counted["records"],
        path.stat().st_size,
        result.seconds,
        result.max_rss,
        result.tree_rss,
        f"{counted['written']:,} written",
        load,
    )


def render(rows: list[Row], corpus: Path, stats: Any, raw_failure: str | None) -> str:
    a = min((r for r in rows if r.key.startswith("export")), key=lambda r: r.seconds)
    by = {r.key: r for r in rows}
    lines = [
        f"Corpus: {stats.records:,} records, {stats.bytes / MB:,.0f} MB "
        f"({stats.invalid:,} invalid, {stats.near_duplicates:,} near-duplicates), "
        f"`{corpus.name}`. Machine: {platform.machine()}, Python {platform.python_version()}.",
        "",
        "| approach | input MB | seconds | MB/s | records/s | peak RSS (largest process) "
        "| peak RSS (process tree) | load before | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.label} | {r.bytes / MB:,.0f} | {r.seconds:,.1f} | {r.mb_per_s:,.1f} "
            f"| {r.records_per_s:,.0f} | {r.max_rss / MB:,.0f} MB | {r.tree_rss / MB:,.0f} MB "
            f"| {'n/a' if r.load is None else f'{r.load:.2f}'} | {r.note} |"
        )
    lines.append("")
    lines.append(f"- Ratios use the fastest (a): {a.label}.")
    if "hf" in by:
        lines.append(f"- (a) vs (b): {by['hf'].seconds / a.seconds:.1f}x faster (target >= 4x).")
        written = int(by["hf"].note.split()[0].replace(",", ""))
        if written < stats.valid:
            lines.append(
                f"- (b) silently lost {stats.valid - written:,} of the {stats.valid:,} valid "
                'records: `load_dataset("json")` infers `modified_at` as a timestamp, so '
                "the values no longer validate as RFC 3339 strings."
            )
    if "pyarrow" in by:
        c = by["pyarrow"]
        lines.append(
            f"- (a) vs (c) throughput: {a.mb_per_s / c.mb_per_s:.2f}x (target >= 1.0x); "
            f"peak memory (process tree): {a.tree_rss / c.max_rss:.2f} of (c)'s "
            "(target <= 0.25)."
        )
    if raw_failure:
        lines.append(f'- (b) on the raw corpus: `load_dataset("json")` failed: {raw_failure}')
    return "\n".join(lines) + "\n"


def settle() -> None:
    # The previous run's spill and shards are still being written back to disk; let
    # that finish so it does not take CPU from the next run.
    os.sync()
    time.sleep(1)


def run_round(
    args: argparse.Namespace,
    corpus: Path,
    clean: Path,
    scratch: Path,
    skip: set[str],
    raw: dict[str, bool],
) -> Iterator[Row | str]:
    """One run of each approach; a str is why (b) could not read the raw corpus.

    ``raw["loads"]`` remembers whether (b) could read the raw corpus: it is tried in
    the first round only, and later rounds run (b) on whatever it could read.
    """
    for jobs in (int(j) for j in args.jobs.split(",")):
        warm_page_cache(corpus)
        settle()
        print(f"(a) dataset-kit export --jobs {jobs} ...", file=sys.stderr)
        yield run_export(corpus, jobs, scratch)
        if args.baseline:
            warm_page_cache(corpus)
            settle()
            print(f"(a) baseline --jobs {jobs} ...", file=sys.stderr)
            yield run_export(corpus, jobs, scratch, args.baseline.resolve())
    if "hf" not in skip:
        if raw.get("loads", True):
            print("(b) datasets on the raw corpus ...", file=sys.stderr)
            warm_page_cache(corpus)
            settle()
            attempt = run_worker("hf", corpus, scratch, "")
            raw["loads"] = not isinstance(attempt, str)
            if not isinstance(attempt, str):
                attempt.label = '(b) `load_dataset("json")` + `.filter` + split + `to_parquet`'
            yield attempt
        if not raw["loads"]:
            yield from _run_hf_clean(clean, scratch)
    if "pyarrow" not in skip:
        print("(c) pyarrow floor ...", file=sys.stderr)
        warm_page_cache(clean)
        settle()
        label = "(c) `pyarrow.json.read_json` + `write_table(zstd)` (clean records)"
        result = run_worker("pyarrow", clean, scratch, label)
        if isinstance(result, str):
            raise SystemExit(f"(c) failed: {result}")
        yield result


def _run_hf_clean(clean: Path, scratch: Path) -> Iterator[Row]:
    print("(b) datasets on the clean records ...", file=sys.stderr)
    warm_page_cache(clean)
    settle()
    label = (
        '(b) `load_dataset("json")` + `.filter(jsonschema)` + '
        "`train_test_split` + `to_parquet` (clean records)"
    )
    result = run_worker("hf", clean, scratch, label)
    if isinstance(result, str):
        raise SystemExit(f"(b) failed on the clean records too: {result}")
    yield result


def fastest(rows: list[Row]) -> Row:
    """The fastest of an approach's runs, with the highest memory any run used."""
    best = min(rows, key=lambda r: r.seconds)
    return replace(
        best, max_rss=max(r.max_rss for r in rows), tree_rss=max(r.tree_rss for r in rows)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--size-mb", type=float, help="corpus size in MB (default 1000)")
    size.add_argument("--articles", type=int, help="corpus size in articles")
    parser.add_argument("--invalid-fraction", type=float, default=0.01)
    parser.add_argument("--near-dup-fraction", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", default="2", help="comma-separated --jobs values for (a)")
    parser.add_argument("--skip", default="", help="comma-separated: hf, pyarrow")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="also time the export of the dataset-kit source tree at this path (a git "
        "worktree of an earlier commit), interleaved with (a): a before/after row. With "
        "this tree installed editable, copy the checkout's schema/ and cards/ into its "
        "dataset_kit/schema and dataset_kit/card_templates first (the editable install "
        "maps those packages to this tree)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each approach, interleaved; the table shows the fastest run and "
        "the highest memory seen (default 3)",
    )
    parser.add_argument("--corpora", type=Path, default=HERE / "corpora")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--render", type=Path, help="re-print the table of a results JSON")
    parser.add_argument("--worker", choices=["hf", "pyarrow"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        work = _worker_hf if args.worker == "hf" else _worker_pyarrow
        print(json.dumps(work(args.file, args.out)))
        return 0

    if args.render:
        saved = json.loads(args.render.read_text())
        saved_stats = CorpusStats(**saved["corpus"])
        print(
            render(
                [Row(**r) for r in saved["rows"]],
                Path(saved_stats.path),
                saved_stats,
                saved.get("raw_failure"),
            )
        )
        return 0
    args.corpora.mkdir(parents=True, exist_ok=True)
    size_mb = args.size_mb if args.size_mb is not None or args.articles else 1000.0
    corpus, truth, stats = ensure_corpus(
        args.corpora,
        articles=args.articles,
        size_mb=size_mb if args.articles is None else None,
        invalid_fraction=args.invalid_fraction,
        near_dup_fraction=args.near_dup_fraction,
        seed=args.seed,
    )
    clean = clean_copy(corpus, truth)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    raw_failure = None
    runs: dict[str, list[Row]] = {}
    raw: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(dir=args.corpora) as scratch_name:
        scratch = Path(scratch_name)
        for round_number in range(1, max(1, args.repeat) + 1):
            print(f"round {round_number}/{args.repeat}", file=sys.stderr)
            for row in run_round(args, corpus, clean, scratch, skip, raw):
                if isinstance(row, str):
                    raw_failure = row
                else:
                    runs.setdefault(row.key, []).append(row)
    rows = [fastest(found) for found in runs.values()]
    text = render(rows, corpus, stats, raw_failure)
    print(text)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "export.md").write_text(text)
    (args.results / "export.json").write_text(
        json.dumps(
            {
                "corpus": stats.as_dict(),
                "rows": [asdict(r) for r in rows],
                "raw_failure": raw_failure,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
