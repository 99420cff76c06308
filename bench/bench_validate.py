"""Benchmark ``dataset-kit validate`` against a plain jsonschema loop and the orjson floor.

One run, one synthetic corpus (default ~1 GB, made by :mod:`generate_corpus` and
cached in ``bench/corpora/``), several ways of checking it, each in a fresh process:

(a) ``dataset-kit validate FILE --jobs 1`` and (b) ``--jobs 2``, run as subprocesses
    exactly as a user would (wall time includes interpreter start-up);
(c) a plain Python loop: ``orjson.loads`` per line and
    ``jsonschema.Draft202012Validator(schema, format_checker=FORMAT_CHECKER).iter_errors``;
    it is slow, so by default it runs for a fixed time budget on a prefix of the
    corpus and its rate is extrapolated (the table says so);
(d) the parse-only floor: ``orjson.loads`` per line and nothing else;
(e) for reference, the same loop as (d) plus a bare ``jsonschema-rs`` ``is_valid``,
    i.e. what validation costs without any of dataset-kit's bookkeeping.

Loops (c)-(e) time themselves (start-up excluded, which favours them slightly). Every
approach's verdicts are checked against what the generator says it put in the corpus.
Peak memory is the largest process's maximum RSS (``wait4``), plus, for ``--jobs 2``,
the sampled sum over the process tree. A second table runs ``validate --jobs 1`` on
corpora of different sizes to show that peak memory does not grow with the corpus.

Results are printed as Markdown and written to ``bench/results/validate.md`` (and the
raw numbers to ``validate.json``). MB means 10**6 bytes throughout.

Usage (from the repository root)::

    python bench/bench_validate.py                       # ~1 GB, several minutes
    python bench/bench_validate.py --size-mb 50 --memory-articles 2000,8000 --repeat 1
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

try:
    from bench.generate_corpus import MB, CorpusStats, generate
except ImportError:  # run as a script: bench/ itself is on sys.path
    from generate_corpus import MB, CorpusStats, generate  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GENERATOR = HERE / "generate_corpus.py"
SUMMARY_LINE = re.compile(r"^([\d,]+) records read from .*?: ([\d,]+) valid, ([\d,]+) invalid\.")

# --- loops run in a fresh process (--worker) ------------------------------------------


def _worker(kind: str, path: str, max_seconds: float) -> dict[str, Any]:
    """Run one plain loop over ``path`` and return what it counted and how long it took."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    check: Any = None
    if kind == "jsonschema":
        from jsonschema import Draft202012Validator

        from dataset_kit.validating import load_schema

        checker = Draft202012Validator.FORMAT_CHECKER
        missing = {"date-time", "date", "uri"} - set(checker.checkers)
        if missing:
            raise SystemExit(
                f"jsonschema cannot check formats {sorted(missing)}: install "
                "jsonschema[format-nongpl], or the baseline would skip format assertions"
            )
        iter_errors = Draft202012Validator(load_schema(None), format_checker=checker).iter_errors

        def check(obj: Any) -> bool:
            return not list(iter_errors(obj))

    elif kind == "rs-bare":
        import jsonschema_rs

        from dataset_kit.validating import load_schema

        check = jsonschema_rs.validator_for(load_schema(None), validate_formats=True).is_valid
    elif kind != "orjson":
        raise SystemExit(f"unknown worker {kind!r}")

    records = nbytes = invalid = 0
    complete = True
    with open(path, "rb", buffering=1 << 20) as handle:
        start = time.perf_counter()
        deadline = start + max_seconds if max_seconds > 0 else float("inf")
        if check is None:
            for line in handle:
                records += 1
                nbytes += len(line)
                try:
                    loads(line)
                except decode_error:
                    invalid += 1
        else:
            for line in handle:
                records += 1
                nbytes += len(line)
                try:
                    obj = loads(line)
                except decode_error:
                    invalid += 1
                    continue
                if not check(obj):
                    invalid += 1
                if records & 63 == 0 and time.perf_counter() > deadline:
                    complete = not handle.read(1)
                    break
        seconds = time.perf_counter() - start
    return {
        "records": records,
        "bytes": nbytes,
        "seconds": seconds,
        "invalid": invalid,
        "complete": complete,
    }


# --- measuring a subprocess -----------------------------------------------------------


def _tree_rss(pid: int) -> int:
    """Resident memory of the descendants of ``pid`` (not ``pid`` itself), in bytes."""
    total = 0
    stack = _children(pid)
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            continue
        stack.extend(_children(current))
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found.extend(int(child) for child in children.read().split())
    except (OSError, ValueError):
        pass
    return found


# A process's peak RSS counts what it had before exec(): a child started straight from
# this benchmark (which holds a corpus sample in memory) would report this process's
# size. So each command is started by a tiny fresh interpreter, whose own few MB are the
# only floor, and which reports RUSAGE_CHILDREN: the command's peak RSS, or its largest
# descendant's. It also times the command, without its own start-up.
_LAUNCHER = """
import json, os, resource, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status = os.waitpid(pid, 0)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss,
               "cpu_seconds": usage.ru_utime + usage.ru_stime,
               "returncode": os.waitstatus_to_exitcode(status)}, out)
"""


@dataclass
class Measured:
    seconds: float
    max_rss: int  # bytes: the largest single process (the command or any descendant)
    tree_rss: int  # bytes: largest sampled sum over the command's process tree
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # user + system time of the command and its descendants


def measure(cmd: list[str]) -> Measured:
    """Run ``cmd``: wall time, peak RSS (getrusage) and a sampled process-tree RSS."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        result_path = Path(scratch) / "result.json"
        launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(result_path), *cmd]
        proc = subprocess.Popen(launcher, stdout=out, stderr=err, cwd=ROOT)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], _tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        proc.wait()
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        if proc.returncode != 0 or not result_path.exists():
            raise SystemExit(f"launcher failed for {cmd}:\n{stderr[-3000:]}")
        result = orjson.loads(result_path.read_bytes())
    max_rss = result["maxrss_kb"] * 1024  # Linux reports kilobytes
    return Measured(
        result["seconds"],
        max_rss,
        max(peak[0], max_rss),
        result["returncode"],
        stdout,
        stderr,
        result["cpu_seconds"],
    )


def dataset_kit_command() -> list[str]:
    script = Path(sys.executable).parent / "dataset-kit"
    if script.exists():
        return [str(script)]
    found = shutil.which("dataset-kit")
    return [found] if found else [sys.executable, "-m", "dataset_kit.cli"]


# --- the approaches -------------------------------------------------------------------


@dataclass
class Row:
    key: str
    label: str
    records: int
    bytes: int
    seconds: float
    max_rss: int
    tree_rss: int
    invalid: int
    expected_invalid: int
    complete: bool = True
    runs: int = 1

    @property
    def mb_per_s(self) -> float:
        return self.bytes / MB / self.seconds

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds


def run_validate(corpus: Path, jobs: int, stats: CorpusStats) -> Row:
    result = measure([*dataset_kit_command(), "validate", str(corpus), "--jobs", str(jobs)])
    match = SUMMARY_LINE.match(result.stdout)
    if result.returncode not in (0, 1) or match is None:
        raise SystemExit(
            f"dataset-kit validate failed (exit {result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    records, _valid, invalid = (int(group.replace(",", "")) for group in match.groups())
    return Row(
        f"validate-j{jobs}",
        f"`dataset-kit validate --jobs {jobs}`",
        records,
        corpus.stat().st_size,
        result.seconds,
        result.max_rss,
        result.tree_rss,
        invalid,
        stats.invalid,
    )


def run_loop(kind: str, corpus: Path, max_seconds: float, truth: Path, stats: CorpusStats) -> Row:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--file", str(corpus)]
    cmd += ["--max-seconds", str(max_seconds)]
    result = measure(cmd)
    if result.returncode != 0:
        raise SystemExit(f"{kind} loop failed:\n{result.stderr[-3000:]}")
    counted = orjson.loads(result.stdout)
    if kind == "orjson":
        expected = stats.invalid_by_kind.get("malformed-json", 0)
        label = "orjson parse-only floor (`orjson.loads` per line)"
    else:
        expected = _truth_invalid(truth, counted["records"])
        label = (
            "plain loop: `orjson.loads` + `jsonschema` `Draft202012Validator` with "
            "`FORMAT_CHECKER`, `iter_errors`"
            if kind == "jsonschema"
            else "reference: `orjson.loads` + bare `jsonschema-rs` `is_valid` loop"
        )
    return Row(
        kind,
        label,
        counted["records"],
        counted["bytes"],
        counted["seconds"],
        result.max_rss,
        result.tree_rss,
        counted["invalid"],
        expected,
        complete=counted["complete"],
    )


def _truth_invalid(truth: Path, first_lines: int) -> int:
    """How many of the first ``first_lines`` lines the generator made invalid."""
    count = 0
    with open(truth, "rb") as handle:
        for line in handle:
            note = orjson.loads(line)
            if note["line"] <= first_lines and note["kind"] == "invalid":
                count += 1
    return count


def best_of(rows: list[Row]) -> Row:
    """The fastest run; memory is the highest seen over all runs (the cautious number)."""
    best = min(rows, key=lambda row: row.seconds)
    best.max_rss = max(row.max_rss for row in rows)
    best.tree_rss = max(row.tree_rss for row in rows)
    best.runs = len(rows)
    return best


# --- corpora --------------------------------------------------------------------------


def ensure_corpus(
    directory: Path,
    *,
    articles: int | None,
    size_mb: float | None,
    invalid_fraction: float,
    near_dup_fraction: float,
    seed: int,
) -> tuple[Path, Path, CorpusStats]:
    """Generate a corpus (with truth file and stats) unless this exact one is cached."""
    version = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:10]
    size = f"{articles}a" if articles is not None else f"{size_mb:g}mb"
    name = f"articles-{size}-i{invalid_fraction:g}-d{near_dup_fraction:g}-s{seed}-{version}"
    path = directory / f"{name}.jsonl"
    truth = directory / f"{name}.truth.jsonl"
    stats_path = directory / f"{name}.stats.json"
    if path.exists() and truth.exists() and stats_path.exists():
        stats = CorpusStats(**orjson.loads(stats_path.read_bytes()))
        if stats.bytes == path.stat().st_size:
            _log(f"using cached corpus {_rel(path)}")
            return path, truth, stats
    _log(f"generating {_rel(path)} ...")
    started = time.perf_counter()
    stats = generate(
        path,
        articles=articles,
        size_mb=size_mb,
        invalid_fraction=invalid_fraction,
        near_dup_fraction=near_dup_fraction,
        seed=seed,
        truth=truth,
    )
    stats_path.write_bytes(orjson.dumps(stats.as_dict()))
    _log(
        f"  {stats.records:,} records, {stats.bytes / MB:,.1f} MB "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return path, truth, stats


def warm_page_cache(path: Path) -> None:
    """Read the file once so that every approach reads it from memory, not the disk."""
    with open(path, "rb") as handle:
        while handle.read(16 << 20):
            pass


# --- report ---------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "usable_cpus": usable,
        "ram_bytes": ram,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": {
            name: version(name) for name in ("dataset-kit", "jsonschema-rs", "orjson", "jsonschema")
        },
        "commit": _git_commit(),
    }


def _git_commit() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "dataset_kit"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + (" (dataset_kit/ modified)" if dirty.stdout.strip() else "")


def _mb(value: float) -> str:
    return f"{value / MB:,.0f} MB"


def _seconds(value: float) -> str:
    return f"{value:,.2f} s" if value < 100 else f"{value:,.0f} s"


def render(
    rows: dict[str, Row],
    memory_rows: list[tuple[CorpusStats, Row]],
    stats: CorpusStats,
    corpus: Path,
    info: dict[str, Any],
    loads: tuple[tuple[float, ...], tuple[float, ...]],
    settings: dict[str, Any],
) -> str:
    floor = rows["orjson"]
    baseline = rows["jsonschema"]
    out: list[str] = ["## `dataset-kit validate` benchmark", ""]
    out.append(
        f"Corpus: `{_rel(corpus)}`, made by `bench/generate_corpus.py` (seed {stats.seed}): "
        f"{stats.records:,} synthetic news articles, {stats.bytes / MB:,.1f} MB of JSON Lines "
        f"({stats.bytes / max(stats.records, 1) / 1000:.1f} KB per line), {stats.invalid:,} "
        f"invalid ({stats.invalid / max(stats.records, 1):.1%}, eight kinds of breakage) and "
        f"{stats.near_duplicates:,} near-duplicates."
    )
    out.append("")
    versions = info["versions"]
    cpus = info["cpus"]
    usable = info["usable_cpus"]
    out.append(
        f"Machine: {info['cpu']}, {cpus} logical CPU{'s' if cpus != 1 else ''}"
        + (f" ({usable} usable)" if usable and usable != cpus else "")
        + f", {info['ram_bytes'] / 2**30:.1f} GiB RAM, {info['os']}; {info['python']}; "
        f"dataset-kit {versions['dataset-kit']}"
        + (f" at {info['commit']}" if info["commit"] else "")
        + f", jsonschema-rs {versions['jsonschema-rs']}, orjson {versions['orjson']}, "
        f"jsonschema {versions['jsonschema']}. The CPUs are shared with other people's jobs "
        f"(load average {loads[0][0]:.2f} at the start, {loads[1][0]:.2f} at the end), so "
        "timings are noisy; each fast approach ran "
        f"{settings['repeat']} time{'s' if settings['repeat'] != 1 else ''}, interleaved, "
        "and the table shows the fastest run and the highest memory seen. The corpus was "
        "in the page cache for every run."
    )
    out.append("")
    out.append(
        "| Approach | Records | Data | Time | MB/s | records/s | vs jsonschema loop "
        "| vs orjson floor | Peak RSS | Invalid found (expected) |"
    )
    out.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for key in ("validate-j1", "validate-j2", "jsonschema", "orjson", "rs-bare"):
        row = rows[key]
        label = f"({'abcde'[list(rows).index(key)]}) {row.label}"
        time_cell = _seconds(row.seconds)
        if not row.complete:
            full = stats.records / row.records_per_s
            label += (
                f" — **sampled**: first {row.records:,} records ({row.bytes / stats.bytes:.0%} "
                "of the corpus) in a fixed time budget; rates extrapolated to the corpus"
            )
            time_cell += f" (≈{_seconds(full)} for all)"
        rss = _mb(row.max_rss)
        if row.key == "validate-j2":
            rss += f" per process, {_mb(row.tree_rss)} all processes"
        check = "" if row.invalid == row.expected_invalid else " **mismatch**"
        if row.key == "orjson":
            check = " (malformed JSON only)" + check
        out.append(
            f"| {label} | {row.records:,} | {_mb(row.bytes)} | {time_cell} "
            f"| {row.mb_per_s:,.0f} | {row.records_per_s:,.0f} "
            f"| {row.records_per_s / baseline.records_per_s:,.1f}x "
            f"| {row.mb_per_s / floor.mb_per_s:.2f}x | {rss} "
            f"| {row.invalid:,} ({row.expected_invalid:,}){check} |"
        )
    out.append("")
    out.append(
        "Time for (a) and (b) is the wall time of the whole command, start-up included; "
        "(c)-(e) time their loop only. 'vs jsonschema loop' compares records/s, 'vs orjson "
        "floor' compares MB/s. Peak RSS is the maximum resident set size of the largest "
        "process (from `wait4`); for `--jobs 2` also the sampled sum over all processes."
    )
    out.append("")
    j1, bare = rows["validate-j1"], rows["rs-bare"]
    per = [1e6 / floor.records_per_s, 1e6 / bare.records_per_s, 1e6 / j1.records_per_s]
    own = per[2] - per[1]
    own_text = (
        f"dataset-kit's own work, start-up included, {own:.1f} µs more (a - e)"
        if own >= 0
        else f"dataset-kit {-own:.1f} µs less than the bare loop (a - e), start-up "
        "included, because it hands jsonschema-rs a prefix of each long text instead of "
        "the whole (see `Validator`)"
    )
    out.append(
        f"Where one process spends its time, per record: reading and parsing {per[0]:.1f} µs "
        f"(d); jsonschema-rs `is_valid` {per[1] - per[0]:.1f} µs more (e - d); {own_text}; "
        f"{per[2]:.1f} µs in all."
    )
    out.append("")
    out.append("Peak memory of `dataset-kit validate --jobs 1` as the corpus grows:")
    out.append("")
    out.append("| Corpus | Records | Data | Time | Peak RSS |")
    out.append("|---|--:|--:|--:|--:|")
    for corpus_stats, row in memory_rows:
        out.append(
            f"| `{Path(corpus_stats.path).name}` | {row.records:,} | {_mb(row.bytes)} "
            f"| {_seconds(row.seconds)} | {_mb(row.max_rss)} |"
        )
    out.append("")
    out += ["Targets:", ""]
    j2 = rows["validate-j2"]
    speedup = j1.records_per_s / baseline.records_per_s
    vs_floor = j1.mb_per_s / floor.mb_per_s
    out.append(_target(speedup >= 10, f"one process >= 10x the jsonschema loop: {speedup:.1f}x"))
    out.append(
        _target(
            vs_floor >= 0.6, f"one process >= 0.6x the orjson parse-only floor: {vs_floor:.2f}x"
        )
    )
    out.append(
        _target(
            j2.seconds < j1.seconds,
            f"`--jobs 2` faster than `--jobs 1`: {j1.seconds / j2.seconds:.2f}x "
            f"({_seconds(j2.seconds)} vs {_seconds(j1.seconds)})",
        )
    )
    big = [row for corpus_stats, row in memory_rows if corpus_stats.records >= 200_000]
    if big:
        peak = max(row.max_rss for row in big)
        out.append(_target(peak < 150 * MB, f"peak memory < 150 MB at 200k articles: {_mb(peak)}"))
    else:
        out.append("- not measured: peak memory at 200k articles (this run used smaller corpora)")
    mismatches = [row.key for row in rows.values() if row.invalid != row.expected_invalid]
    out.append(
        _target(
            not mismatches,
            "every approach found exactly the invalid records the generator made"
            + (f" (mismatch: {', '.join(mismatches)})" if mismatches else ""),
        )
    )
    out.append("")
    return "\n".join(out)


def _target(ok: bool, text: str) -> str:
    return f"- {'met' if ok else '**missed**'}: {text}"


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- main -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark dataset-kit validate against jsonschema and orjson.",
        epilog="Example (quick): python bench/bench_validate.py --size-mb 50 "
        "--memory-articles 2000,8000 --repeat 1",
    )
    parser.add_argument("--size-mb", type=float, default=1000.0, help="corpus size (1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--invalid-fraction", type=float, default=0.01)
    parser.add_argument("--near-dup-fraction", type=float, default=0.02)
    parser.add_argument(
        "--memory-articles",
        default="50000,200000",
        help="corpus sizes (articles) for the memory table (50000,200000)",
    )
    parser.add_argument(
        "--jsonschema-seconds",
        type=float,
        default=60.0,
        help="time budget of the jsonschema loop; 0 = the whole corpus (60)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each fast approach (5)")
    parser.add_argument("--corpus-dir", type=Path, default=HERE / "corpora")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "validate.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--max-seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(orjson.dumps(_worker(args.worker, args.file, args.max_seconds)).decode())
        return 0

    memory_sizes = [int(part) for part in args.memory_articles.split(",") if part.strip()]
    load_start = os.getloadavg()
    common = {
        "invalid_fraction": args.invalid_fraction,
        "near_dup_fraction": args.near_dup_fraction,
        "seed": args.seed,
    }
    corpus, truth, stats = ensure_corpus(
        args.corpus_dir, articles=None, size_mb=args.size_mb, **common
    )
    memory_corpora = [
        ensure_corpus(args.corpus_dir, articles=n, size_mb=None, **common) for n in memory_sizes
    ]

    warm_page_cache(corpus)
    runs: dict[str, list[Row]] = {"validate-j1": [], "validate-j2": [], "orjson": [], "rs-bare": []}
    for attempt in range(1, args.repeat + 1):
        _log(f"round {attempt}/{args.repeat}: validate --jobs 1, --jobs 2, orjson, jsonschema-rs")
        runs["validate-j1"].append(run_validate(corpus, 1, stats))
        runs["validate-j2"].append(run_validate(corpus, 2, stats))
        runs["orjson"].append(run_loop("orjson", corpus, 0, truth, stats))
        runs["rs-bare"].append(run_loop("rs-bare", corpus, 0, truth, stats))
    budget = args.jsonschema_seconds
    _log(f"jsonschema loop ({'whole corpus' if budget <= 0 else f'{budget:g} s budget'}) ...")
    jsonschema_row = run_loop("jsonschema", corpus, budget, truth, stats)

    rows = {
        "validate-j1": best_of(runs["validate-j1"]),
        "validate-j2": best_of(runs["validate-j2"]),
        "jsonschema": jsonschema_row,
        "orjson": best_of(runs["orjson"]),
        "rs-bare": best_of(runs["rs-bare"]),
    }
    memory_rows = []
    for path, _truth, corpus_stats in memory_corpora:
        _log(f"memory: validate --jobs 1 on {corpus_stats.records:,} articles")
        warm_page_cache(path)
        memory_rows.append((corpus_stats, run_validate(path, 1, corpus_stats)))
    memory_rows.append((stats, rows["validate-j1"]))
    memory_rows.sort(key=lambda item: item[0].records)

    info = machine()
    settings = {"repeat": args.repeat, "jsonschema_seconds": budget}
    text = render(rows, memory_rows, stats, corpus, info, (load_start, os.getloadavg()), settings)
    print(text)
    from dataset_kit.atomic import atomic_write_bytes, atomic_write_text

    atomic_write_text(args.out, text)
    raw = {
        "machine": info,
        "settings": settings,
        "corpus": stats.as_dict(),
        "rows": {key: {**asdict(row), "mb_per_s": row.mb_per_s} for key, row in rows.items()},
        "memory": [
            {"corpus": corpus_stats.as_dict(), "row": asdict(row)}
            for corpus_stats, row in memory_rows
        ],
    }
    atomic_write_bytes(args.out.with_suffix(".json"), orjson.dumps(raw, option=orjson.OPT_INDENT_2))
    _log(f"wrote {_rel(args.out)} and {_rel(args.out.with_suffix('.json'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
