"""Benchmark ``dataset-kit ingest``: pages per second on a generated set of page dumps.

A seeded generator writes N synthetic page dumps (default 50,000) in the layouts the
ingest command handles: a news site with a feed of other stories and repeated
newsletter forms, a wire story with credits and "Read Next", a blog with share
buttons and a comment form, a cookie banner with a footer, a German page, a page
with no byline or date, labelled Published/Last updated dates, inline "Read also:"
lines, and a few pages with no article (empty, a bare list of links). The same seed
gives the same pages, byte for byte.

Each ``--jobs`` value runs ``dataset-kit ingest DIR -o OUT --jobs J`` as a
subprocess, as a user would (wall time includes start-up and loading the language
model). The outputs of all runs must be byte-identical. The generator knows what it
put in each page, so the table also says how often ingest got the title, authors,
date, first and last body sentence right and left no furniture in the body; on
generated pages this checks the plumbing more than it measures quality, which the
hand-written fixtures in ``tests/fixtures/pages`` do.

Usage (from the repository root)::

    python bench/bench_ingest.py                 # 50,000 pages, --jobs 1 and 2
    python bench/bench_ingest.py --pages 2000    # a quick run
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Anna Ben Clara David Elena Felix Greta Hugo Ines Jonas Karin Lukas Maren Nils Olga Pavel "
    "Rosa Sven Tara Viktor"
)
LAST = _words(
    "Adler Berg Castell Dahl Ek Falk Gomez Holt Ivanova Jansen Kowalski Lind Moreau Novak "
    "Okafor Petrov Quinn Reyes Sato Tamm"
)
PLACES = _words("Calder Dunmore Elmwood Harwick Lindenau Ellis Tallinn Vilnius Kaunas Riga")
SUBJECTS = [
    "The city council",
    "The regional government",
    "The port operator",
    "The rail company",
    "Local residents",
    "The health authority",
    "The central bank",
    "Farmers in the valley",
    "The university",
    "Shop owners",
    "The energy regulator",
    "The school board",
]
VERBS = [
    "approved",
    "rejected",
    "delayed",
    "announced",
    "extended",
    "cut",
    "reviewed",
    "postponed",
    "welcomed",
    "criticised",
    "funded",
    "opened",
]
OBJECTS = [
    "a plan for new cycle lanes",
    "the budget for next year",
    "longer opening hours",
    "a ban on night flights",
    "a new bus route to the hospital",
    "higher parking fees",
    "repairs to the harbour wall",
    "a pilot for free school meals",
    "the closure of two branches",
    "a study of flood defences",
    "new rules for holiday lettings",
    "a wind farm off the coast",
]
TAILS = [
    "on Tuesday",
    "after months of debate",
    "despite protests",
    "earlier than expected",
    "for the third time this year",
    "with a narrow majority",
    "at a meeting on Thursday",
    "following a public consultation",
]
QUOTES = [
    '"We have waited a long time for this," said {name}, who lives nearby.',
    '"The numbers simply did not add up," {name} told reporters.',
    "{name}, a spokesperson, said the decision would be reviewed next year.",
    "According to {name}, about {n} people will be affected.",
]
DE_SUBJECTS = [
    "Der Stadtrat",
    "Die Landesregierung",
    "Die Stadtwerke",
    "Der Kreistag",
    "Die Schulbehörde",
]
DE_VERBS = ["beschloss", "verschob", "kündigte", "prüfte", "lehnte"]
DE_OBJECTS = [
    "einen neuen Radweg",
    "längere Öffnungszeiten",
    "höhere Parkgebühren",
    "den Umbau des Bahnhofs",
    "ein neues Hallenbad",
    "mehr Busse im Umland",
]
DE_TAILS = ["am Dienstag", "nach langer Debatte", "trotz Protesten", "mit knapper Mehrheit"]
MONTHS = _words(
    "January February March April May June July August September October November December"
)
FEED = [
    "Harbour authority delays ferry timetable change.",
    "Council approves budget for cycle lanes.",
    "Museum reopens east wing after renovation.",
    "Storm warning issued for the coast.",
    "Bus drivers accept new shift pattern.",
]
FURNITURE = [
    "Subscribe",
    "indicates required",
    "Read also",
    "Lesen Sie auch",
    "Advertisement",
    "cookies",
    "©",
    "Privacy Policy",
    "Reporting by",
    "Read Next",
    "News Feed",
    "MORE NEWS",
    "Leave a Reply",
    "Share this",
    "Mehr zum Thema",
    "Newsletter",
    "BREAKING",
]


@dataclass
class Truth:
    title: str | None
    authors: list[str]
    published: str | None
    first: str | None
    last: str | None


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in "
        f"{rng.choice(PLACES)} {rng.choice(TAILS)}."
    )


def _paragraphs(rng: random.Random, german: bool = False) -> list[str]:
    out = []
    for _ in range(rng.randint(4, 9)):
        if german:
            parts = [
                f"{rng.choice(DE_SUBJECTS)} {rng.choice(DE_VERBS)} {rng.choice(DE_OBJECTS)} "
                f"{rng.choice(DE_TAILS)}, wie die Verwaltung mitteilte."
                for _ in range(rng.randint(1, 3))
            ]
        else:
            parts = [_sentence(rng) for _ in range(rng.randint(1, 3))]
            if rng.random() < 0.3:
                parts.append(rng.choice(QUOTES).format(name=_name(rng), n=rng.randint(20, 900)))
        out.append(" ".join(parts))
    return out


def _title(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"


def make_page(rng: random.Random) -> tuple[str, Truth]:
    """One synthetic page dump and what a reader would extract from it."""
    kind = rng.choices(
        ["news", "wire", "blog", "cookie", "german", "bare", "labelled", "inline", "reject"],
        weights=[20, 15, 10, 12, 10, 8, 10, 12, 3],
    )[0]
    year, month, day = rng.randint(2022, 2024), rng.randint(1, 12), rng.randint(1, 28)
    hour, minute = rng.randint(1, 12), rng.randint(0, 59)
    iso = f"{year}-{month:02d}-{day:02d}"
    us_date = f"{MONTHS[month - 1]} {day}, {year}"
    title = _title(rng)
    authors = [_name(rng) for _ in range(rng.choice([1, 1, 2]))]
    german = kind == "german"
    body = _paragraphs(rng, german)
    lines: list[str] = []
    published: str | None = iso
    if kind == "reject":
        if rng.random() < 0.5:
            return "", Truth(None, [], None, None, None)
        links = [f"https://news.example/{year}/{i}" for i in range(rng.randint(5, 20))]
        return "\n".join(["Site index", *links]) + "\n", Truth(None, [], None, None, None)
    if kind == "news":
        lines = ["Skip to content", "Edit post", "", title, ""]
        lines += [f"by {' and '.join(authors)} {us_date} {hour}:{minute:02d} PM 2 min read"]
        lines += ["This audio is created with AI assistance", ""]
        lines += [p + "\n" for p in body]
        lines += ["BREAKING: " + _title(rng), "", "News Feed", ""]
        for item in rng.sample(FEED, 3):
            lines += [
                f"{rng.randint(1, 12)}:{rng.randint(10, 59)} AM",
                "",
                item,
                "",
                _sentence(rng),
            ]
        lines += ["MORE NEWS", "", "Editors' Picks", "", "Enter your email to subscribe"]
        lines += ["Subscribe", "* indicates required"] * rng.randint(3, 10)
    elif kind == "wire":
        body[0] = f"{rng.choice(PLACES).upper()}, {MONTHS[month - 1]} {day} (Northwire) - {body[0]}"
        lines = ["Skip to main content", "World", "Europe", "", title, ""]
        lines += [
            f"By {' and '.join(authors)}",
            f"{us_date} {hour}:{minute:02d} AM UTC Updated 2 hours ago",
            "",
        ]
        lines += [p + "\n" for p in body]
        lines += [f"Reporting by {authors[0]}; Editing by {_name(rng)}", "", "Read Next", ""]
        lines += [_title(rng) for _ in range(3)]
        published = f"{iso}T{hour:02d}:{minute:02d}:00+00:00"
    elif kind == "blog":
        authors = [rng.choice(FIRST).lower() + "_" + rng.choice(LAST).lower()]
        lines = [
            "Field Notes",
            "Home | About | Contact",
            "",
            title,
            "",
            f"Posted on {iso} by {authors[0]}",
            "",
        ]
        lines += [p + "\n" for p in body]
        lines += [
            "Share this:",
            "Click to share on X (Opens in new window)",
            "Like this:",
            "Like Loading...",
        ]
        lines += [
            "",
            "Leave a Reply Cancel reply",
            "Your email address will not be published.",
            "Name *",
            "Email *",
            "Post Comment",
        ]
    elif kind == "cookie":
        lines = [
            "We use cookies to improve your experience. By clicking Accept all you agree to our "
            "use of cookies.",
            "Accept all",
            "Reject all",
            "",
            "The Valley Tribune",
            "News | Sport | Business",
            "",
            title,
            "",
            f"By {' and '.join(authors)}",
            us_date,
            "",
        ]
        lines += [p + "\n" for p in body]
        lines += [
            f"© {year} The Valley Tribune. All rights reserved.",
            "Privacy Policy | Terms of Use",
        ]
    elif kind == "german":
        title = f"{rng.choice(DE_SUBJECTS)} {rng.choice(DE_VERBS)} {rng.choice(DE_OBJECTS)}"
        lines = ["Zum Inhalt springen", "Startseite", "Politik", "Wirtschaft", "", title, ""]
        when = f"{day:02d}.{month:02d}.{year}, {hour + 8}:{minute:02d} Uhr"
        lines += [f"Von {' und '.join(authors)} | {when}", ""]
        lines += (
            [p + "\n" for p in body[:2]]
            + ["Lesen Sie auch: " + _title(rng)]
            + [p + "\n" for p in body[2:]]
        )
        lines += [
            "Mehr zum Thema",
            _title(rng),
            _title(rng),
            "",
            "Newsletter abonnieren",
            "Jetzt anmelden",
        ]
    elif kind == "bare":
        authors, published = [], None
        lines = ["Menu", "Search", "", title, ""] + [p + "\n" for p in body] + ["Back to top"]
    elif kind == "labelled":
        authors = []
        lines = [
            "City News",
            "",
            title,
            "",
            f"Published: {us_date} at {hour}:{minute:02d} a.m.",
            f"Last updated: {us_date}",
            "",
        ]
        lines += [p + "\n" for p in body] + ["Related: " + _title(rng)]
    elif kind == "inline":
        lines = [
            "Morning Post",
            "News | Business | Culture",
            "",
            title,
            "",
            f"By {' and '.join(authors)}",
            f"{us_date}, 10:30",
            "",
        ]
        for index, paragraph in enumerate(body):
            lines += [paragraph, ""]
            if index in (0, 2):
                lines += ["Read also: " + _title(rng), ""]
            if index == 1:
                lines += ["Advertisement", ""]
        lines += ["Support independent journalism. Become a member today."]
    first = body[0].split(". ")[0]
    last = body[-1].rsplit(". ", 1)[-1]
    return "\n".join(lines) + "\n", Truth(title, authors, published, first, last)


def generate(folder: Path, pages: int, seed: int) -> list[Truth]:
    """Write ``pages`` dumps to ``folder`` (100 per sub-folder); return the truth per file."""
    rng = random.Random(seed)
    truths = []
    for index in range(pages):
        text, truth = make_page(rng)
        target = folder / f"{index // 100:04d}" / f"{index:06d}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        truths.append(truth)
    return truths


def score(out: Path, truths: list[Truth]) -> dict[str, float]:
    """Share of pages where each field came out as the generator wrote it."""
    records = {}
    with out.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            number = int(Path(record["source_file"]).stem)
            records[number] = record
    checks = {"title": 0, "authors": 0, "date": 0, "first": 0, "last": 0, "clean": 0, "reject": 0}
    for number, truth in enumerate(truths):
        record = records.get(number)
        if truth.title is None:
            checks["reject"] += record is None
            for key in ("title", "authors", "date", "first", "last", "clean"):
                checks[key] += 1
            continue
        if record is None:
            continue
        text = record["text"]
        checks["title"] += record["title"] == truth.title
        checks["authors"] += record["authors"] == truth.authors
        published = record["published_at"]
        checks["date"] += published == truth.published or (
            truth.published is not None
            and published is not None
            and published[:10] == truth.published[:10]
        )
        checks["first"] += truth.first in text
        checks["last"] += truth.last in text
        checks["clean"] += not any(phrase in text for phrase in FURNITURE)
    checks["reject"] += sum(1 for t in truths if t.title is not None)  # articles not rejected
    return {key: value / len(truths) for key, value in checks.items()}


def run_ingest(corpus: Path, out: Path, jobs: int) -> float:
    command = [
        sys.executable,
        "-m",
        "dataset_kit.cli",
        "ingest",
        str(corpus),
        "-o",
        str(out),
        "--jobs",
        str(jobs),
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"ingest failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pages", type=int, default=50_000, help="pages to generate (default 50,000)"
    )
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values (default 1,2)")
    parser.add_argument("--seed", type=int, default=20221111)
    parser.add_argument("--results", type=Path, default=HERE / "results" / "ingest.md")
    args = parser.parse_args(argv)
    jobs_list = [int(j) for j in args.jobs.split(",")]

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        corpus = work / "pages"
        started = time.perf_counter()
        truths = generate(corpus, args.pages, args.seed)
        generated = time.perf_counter() - started
        size = sum(p.stat().st_size for p in corpus.rglob("*.txt"))
        rows, digests = [], set()
        for jobs in jobs_list:
            out = work / f"out-{jobs}.jsonl"
            elapsed = run_ingest(corpus, out, jobs)
            digests.add(
                hashlib.sha256(
                    out.read_bytes() + (work / f"out-{jobs}.rejects.jsonl").read_bytes()
                ).hexdigest()
            )
            rows.append((jobs, elapsed, args.pages / elapsed, args.pages / elapsed / jobs))
        accuracy = score(work / f"out-{jobs_list[0]}.jsonl", truths)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"## dataset-kit ingest: {args.pages:,} generated page dumps ({size / 1e6:.1f} MB)",
        "",
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"generated in {generated:.1f} s (seed {args.seed}). Wall time of the whole command, "
        "start-up and language model included.",
        "",
        "| --jobs | wall s | pages/s | pages/s per process |",
        "|---:|---:|---:|---:|",
    ]
    lines += [f"| {j} | {e:.1f} | {r:,.0f} | {p:,.0f} |" for j, e, r, p in rows]
    lines += [
        "",
        f"Outputs identical across --jobs: {'yes' if len(digests) == 1 else 'NO'}",
        "",
        "| field right | title | authors | date | first sentence | last sentence "
        "| no furniture | rejects right |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        "| share of pages | "
        + " | ".join(
            f"{accuracy[k]:.1%}"
            for k in ("title", "authors", "date", "first", "last", "clean", "reject")
        )
        + " |",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(report, encoding="utf-8")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
