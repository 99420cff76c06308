"""``dataset-kit demo``: the whole job on the bundled sample corpus, one command at a time.

The demo is the tutorial: it runs the very commands a user would type (ingest raw
page dumps, validate, export with dedup and stable splits, look at the statistics,
plan a publish) through the same Click commands, printing each one first, in a work
folder the user can then explore. The settings file it writes is an ordinary
``dataset-kit.toml``, so ``dataset-kit export`` in that folder reruns the export.

The publish step is a dry run planned offline (``HF_HUB_OFFLINE=1``): the demo
never needs a network, a token or an account, and sends nothing anywhere.

The work folder must be new, empty or an earlier demo's (it holds the marker file
:data:`DEMO_MARKER` and nothing but demo files): the demo writes ``dataset-kit.toml``
and ``articles.jsonl``, names a user's own folder may well hold. It stops at the
first step that fails, with that step's exit status.
"""

from __future__ import annotations

import contextlib
import os
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

DEMO_REPO_ID = "your-name/news-sample"
DEMO_MARKER = ".dataset-kit-demo"
# Everything a demo run writes into its work folder (besides temporaries).
DEMO_FILES = frozenset(
    {
        DEMO_MARKER,
        "dataset-kit.toml",
        "articles.jsonl",
        "articles.rejects.jsonl",
        "validate.report.json",
        "dataset",
        "dataset.rejects.jsonl",
        "dataset.report.json",
    }
)

DEMO_CARD = {
    "pretty_name": "News sample (dataset-kit demo)",
    "license": "cc-by-4.0",
    "task_categories": ["text-generation", "text-classification"],
    "task_ids": ["language-modeling", "topic-classification"],
    "tags": ["news", "dataset-kit-demo"],
    "repo_id": DEMO_REPO_ID,
    "description": (
        "News articles from four small (fictional) publishers and a blog, extracted from "
        "raw page dumps by dataset-kit: headline, byline, date and body, with navigation, "
        "feeds of other stories, newsletter forms and footers removed."
    ),
    "curation_rationale": (
        "A small, hand-written corpus that exercises every step of dataset-kit: layouts "
        "in English and German, a wire story republished with edits by two other sites, "
        "an exact copy, and pages with no article at all."
    ),
}


@dataclass(frozen=True)
class DemoStep:
    """One command of the demo: what it shows, and its arguments after ``dataset-kit``."""

    title: str
    args: list[str]
    offline: bool = False
    ok_exit_codes: tuple[int, ...] = (0,)

    @property
    def command_line(self) -> str:
        return "dataset-kit " + " ".join(shlex.quote(arg) for arg in self.args)


def demo_steps(pages: Path) -> list[DemoStep]:
    """The demo's commands, to run inside the demo's work folder."""
    return [
        DemoStep(
            "Ingest the raw page dumps into article records",
            ["ingest", str(pages), "-o", "articles.jsonl"],
        ),
        DemoStep(
            "Validate the records against the bundled article schema",
            ["validate", "articles.jsonl", "--report", "validate.report.json"],
        ),
        DemoStep(
            "Export: validate, drop copies, cluster near-duplicates, split, write shards + card",
            ["export", "articles.jsonl", "--out", "dataset", "--config", "dataset-kit.toml"],
        ),
        DemoStep("Statistics of the exported dataset", ["stats", "dataset"]),
        DemoStep(
            "Plan the upload to the Hub (dry run, offline: nothing is sent)",
            ["publish", "dataset", "--repo-id", DEMO_REPO_ID, "--dry-run"],
            offline=True,
        ),
    ]


def write_demo_config(workdir: Path) -> Path:
    """Write the demo's ``dataset-kit.toml``: default export settings plus a card."""
    from .config import ExportSettings, render_config

    settings = ExportSettings(
        inputs=("articles.jsonl",),
        out="dataset",
        split="train=0.8,test=0.2",
        card=DEMO_CARD,
    )
    path = workdir / "dataset-kit.toml"
    path.write_text(render_config(settings, base=workdir), encoding="utf-8")
    return path


def claim_workdir(workdir: Path) -> None:
    """Make ``workdir`` the demo's, or raise :class:`DatasetKitError` naming what in it
    is not the demo's: an existing folder is used only when empty or an earlier demo's."""
    from .atomic import JOURNAL_PREFIX, TMP_PREFIX
    from .errors import DatasetKitError

    if workdir.exists() and not workdir.is_dir():
        raise DatasetKitError(f"--dir {workdir}: exists and is not a folder")
    if workdir.is_dir():
        names = sorted(entry.name for entry in workdir.iterdir())
        earlier_demo = DEMO_MARKER in names
        foreign = [
            name
            for name in names
            if not (earlier_demo and name in DEMO_FILES)
            and not name.startswith((TMP_PREFIX, JOURNAL_PREFIX))
        ]
        if foreign:
            shown = ", ".join(foreign[:10]) + (", ..." if len(foreign) > 10 else "")
            raise DatasetKitError(
                f"--dir {workdir}: the folder holds files that are not an earlier demo's "
                f"({shown}); the demo would overwrite them. Choose a new or empty folder"
            )
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / DEMO_MARKER).write_text(
        "This folder is dataset-kit demo output; `dataset-kit demo` may replace it.\n",
        encoding="utf-8",
    )


@contextlib.contextmanager
def _inside(folder: Path, offline: bool) -> Iterator[None]:
    previous_dir = Path.cwd()
    previous_offline = os.environ.get("HF_HUB_OFFLINE")
    os.chdir(folder)
    if offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        os.chdir(previous_dir)
        if offline:
            if previous_offline is None:
                os.environ.pop("HF_HUB_OFFLINE", None)
            else:
                os.environ["HF_HUB_OFFLINE"] = previous_offline


def run_demo(
    workdir: Path,
    run_command: Callable[[list[str]], int],
    echo: Callable[[str], None],
) -> int:
    """Run every demo step in ``workdir`` with ``run_command``; return the first failure.

    ``run_command`` takes the arguments after ``dataset-kit`` and returns the exit
    code; the CLI passes its own command group, so the demo runs exactly what a user
    would type. Returns 0 when every step ended as expected, else the exit status of
    the first step that did not (no later step runs). Raises
    :class:`~dataset_kit.errors.DatasetKitError` for a work folder that is not the
    demo's to write (:func:`claim_workdir`).
    """
    from .sample import pages_dir

    claim_workdir(workdir)
    write_demo_config(workdir)
    echo(f"Work folder: {workdir} (settings: dataset-kit.toml)")
    steps = demo_steps(pages_dir())
    for number, step in enumerate(steps, 1):
        echo("")
        echo(f"== {number}/{len(steps)} {step.title}")
        echo(f"$ {step.command_line}")
        with _inside(workdir, step.offline):
            code = run_command(step.args)
        if code not in step.ok_exit_codes:
            echo(f"Demo stopped: `{step.command_line}` exited with status {code}.")
            return code or 1
    echo("")
    echo(f"Done. Explore {workdir}: articles.jsonl, dataset/ (data/, README.md, assets/,")
    echo("croissant.json), dataset.report.json, dataset.rejects.jsonl. Publish for real with")
    echo(f"  dataset-kit publish {workdir / 'dataset'} --repo-id YOU/NAME")
    return 0
