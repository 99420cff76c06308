"""The ``dataset-kit`` command line: option parsing and printing only.

Each command is a thin layer over the Python API of the module named for the work
(``validating``, ``ingesting``, ``exporting``, ``cards``, ``publishing``); modules are
imported inside the command so that ``dataset-kit --help`` does not pay for pyarrow.
A :class:`~dataset_kit.errors.DatasetKitError` becomes ``Error: ...`` and its exit code
(2, or 1 for a refusal).
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import click

from . import __version__
from .errors import DatasetKitError, KernelMissingWarning
from .settings import (
    BY_NAME,
    DEFAULT_SPLIT,
    JOBS_HELP,
    SETTINGS,
    SOURCE_HELP,
    TIMEZONE_HELP,
    ExportSettings,
    Setting,
)

_default_show_warning = warnings.showwarning


class _Group(click.Group):
    """Turns every fault of the input or environment into ``Error: ...`` and exit 2.

    An ``OSError`` that no command anticipated (a read-only folder, a full disk, an
    input deleted mid-run) is the environment's fault, not a bug: it gets one line
    naming the file and what to do. Anything else is a bug in dataset-kit: the
    traceback is shown, with a request to report it.
    """

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except DatasetKitError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            from .errors import describe_os_error

            click.echo(f"Error: {describe_os_error(exc)}", err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception:
            import traceback

            click.echo(traceback.format_exc(), err=True, nl=False)
            click.echo(
                f"This is a bug in dataset-kit {__version__}: please report it, with the "
                "command you ran and the traceback above.",
                err=True,
            )
            ctx.exit(70)  # EX_SOFTWARE: an internal error


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dataset-kit")
def cli() -> None:
    """Turn extracted news articles into a clean, validated, leak-free dataset on the
    Hugging Face Hub.

    \b
    Typical workflow:
      dataset-kit ingest pages/ -o articles.jsonl     # raw page dumps -> records
      dataset-kit validate articles.jsonl             # check against the schema
      dataset-kit export articles.jsonl --out ds/     # dedup, split, Parquet, card
      dataset-kit publish ds/ --repo-id me/news --dry-run

    Run `dataset-kit demo` to see all of it on the bundled sample corpus.
    """
    warnings.showwarning = _show_warning


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """dataset-kit's own warnings as one ``Warning:`` line, like the others it prints."""
    if issubclass(category, KernelMissingWarning):
        click.echo(f"Warning: {message}", err=True)
    else:
        _default_show_warning(message, category, *args, **kwargs)


class _Progress:
    """A one-line progress counter on stderr, shown only when stderr is a terminal."""

    def __init__(self, label: str, enabled: bool) -> None:
        import time

        self._time = time.monotonic
        self._label = label
        self._enabled = enabled and sys.stderr.isatty()
        self._count = 0
        self._start = self._last = self._time()

    def __call__(self, n: int) -> None:
        self._count += n
        now = self._time()
        if self._enabled and now - self._last >= 0.25:
            self._last = now
            rate = self._count / max(now - self._start, 1e-9)
            click.echo(
                f"\r{self._label} {self._count:,} records ({rate:,.0f}/s)", nl=False, err=True
            )

    def done(self) -> None:
        if self._enabled and self._count:
            click.echo("\r" + " " * 60 + "\r", nl=False, err=True)


def _dashboard(enabled: bool) -> Any:
    """What prints the link to the Dask dashboard, when a command runs on a cluster."""

    def show(link: str) -> None:
        if enabled:
            click.echo(f"Dask dashboard: {link}", err=True)

    return show


def _note_jobs(jobs: int | None) -> None:
    """Say so on stderr when --jobs is capped at the CPUs (the output does not change)."""
    from .executors.local import jobs_note

    note = jobs_note(jobs or 1)
    if note:
        click.echo(note, err=True)


def settings_option(declared: Setting, environment: bool = True):  # type: ignore[no-untyped-def]
    """The Click argument or option of one export setting, from its declaration.

    Options have no Click default (None: "not given"), so that a value from
    dataset-kit.toml is not overridden by a default; the help texts say the default.
    With ``environment``, a setting's environment variable counts as given (it comes
    after the flag and before the config file).
    """
    if declared.argument:
        return click.argument(declared.name, nargs=-1, metavar=declared.metavar)
    names = [declared.flag, *([declared.short] if declared.short else [])]
    if declared.type is bool:
        return click.option(*names, is_flag=True, default=None, help=declared.help_text)
    if declared.choices:
        kind: Any = click.Choice(list(declared.choices))
    elif declared.path:
        kind = click.Path(file_okay=declared.path == "file", dir_okay=declared.path == "dir")
    else:
        kind = declared.type if declared.type in (int, float) else None
    envvar = declared.envvar if environment else None
    return click.option(
        *names, type=kind, metavar=declared.metavar, help=declared.help_text, envvar=envvar
    )


def settings_options(func, environment: bool = True):  # type: ignore[no-untyped-def]
    """The options of ``export`` and ``init``: every setting, and ``--config`` after
    ``--schema`` (where --help has always listed it). ``init`` takes no environment
    variable: what it writes is for any machine."""
    options = []
    for declared in SETTINGS:
        options.append(settings_option(declared, environment))
        if declared.name == "schema":
            options.append(
                click.option(
                    "--config",
                    "config_file",
                    type=click.Path(dir_okay=False),
                    help="Settings file (default: ./dataset-kit.toml when it exists).",
                )
            )
    for option in reversed(options):
        func = option(func)
    return func


class LocalExportFolder(click.Path):
    """An existing local folder; a store URL gets a clear word rather than Click's
    "does not exist" (``card`` and ``stats`` read the files themselves)."""

    def __init__(self) -> None:
        super().__init__(file_okay=False, exists=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from .storage import is_url

        if is_url(value):
            self.fail(
                f"{value}: this command reads a local export folder; copy the export out "
                "of the store first",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--schema",
    "schema_path",
    type=click.Path(dir_okay=False),
    help="JSON schema to validate against (default: the bundled article schema).",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="Write a JSON report: counts, every error with file, line, id, pointer, keyword, "
    "message, and the grouped summary (- for standard output).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help='Write each invalid record as JSONL: its original line ("raw") with file, line '
    "and errors, ready to fix and feed back (- for standard output).",
)
@click.option("--jobs", "-j", type=int, default=1, show_default=True, help=JOBS_HELP)
@click.option(
    "--engine",
    type=click.Choice(["rust", "python"]),
    default="rust",
    show_default=True,
    help="rust: jsonschema-rs (fast). python: the reference jsonschema library, to "
    "cross-check a verdict.",
)
@settings_option(BY_NAME["scheduler"])
@settings_option(BY_NAME["timezone"])
@settings_option(BY_NAME["source"])
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; only the exit status tells.")
def validate(
    inputs: tuple[str, ...],
    schema_path: str | None,
    report: str | None,
    rejects: str | None,
    jobs: int,
    engine: str,
    scheduler: str | None,
    timezone: str | None,
    source: str | None,
    quiet: bool,
) -> None:
    """Validate records against a JSON schema, with format checks on.

    INPUT is a file, a folder (searched recursively) or a glob: .jsonl/.ndjson
    (also .gz/.zst), .json (an object or an array of objects), .parquet, or .txt
    page dumps (ingested on the fly, as `dataset-kit ingest` would, with --timezone
    and --source); `-` reads JSON Lines from standard input. Each may be a URL of
    a store (s3://BUCKET/KEY, gs://..., hf://datasets/OWNER/NAME/...), read in
    place; credentials come from the store's own configuration. Every record is
    checked; bad lines (malformed JSON, invalid UTF-8, truncated archives) are
    reported with file:line and the run goes on.

    Exit status: 0 all valid, 1 some records invalid, 2 usage error, unreadable
    input or invalid schema (or an unreachable --scheduler).

    \b
    Examples:
      dataset-kit validate articles.jsonl
      dataset-kit validate 'dumps/**/*.jsonl.gz' --report report.json --rejects bad.jsonl
      dataset-kit validate corpus/ --schema my.schema.json --jobs 4
      dataset-kit validate dumps/ --timezone Europe/Kyiv
      dataset-kit validate /shared/corpus/ --scheduler tcp://scheduler:8786
    """
    from .reading import PageOptions
    from .validation_run import validate as run_validation

    if not quiet:
        _note_jobs(jobs)
    progress = _Progress("validated", enabled=not quiet)
    result = run_validation(
        inputs,
        schema_path=schema_path,
        report=report,
        rejects=rejects,
        jobs=jobs,
        engine=engine,
        progress=progress,
        pages=PageOptions(timezone=timezone, source=source),
        scheduler=scheduler,
        on_dashboard=_dashboard(enabled=not quiet),
    )
    progress.done()
    if not quiet:
        from .validation_run import format_summary

        # Standard output may carry the report or rejects: the summary goes aside then.
        click.echo(format_summary(result), err="-" in (report, rejects))
    sys.exit(result.exit_code)


@cli.command()
@click.argument("export_dir", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--repo-id", required=True, metavar="OWNER/NAME", help="Dataset repo to publish to.")
@click.option(
    "--private",
    is_flag=True,
    help="Create the repo private. Refuses to upload to an existing public repo.",
)
@click.option(
    "--revision", metavar="BRANCH", help="Branch to publish to (default: main); it must exist."
)
@click.option("--create-pr", is_flag=True, help="Open a pull request against the branch instead.")
@click.option("--message", "-m", metavar="TEXT", help="Commit title.")
@click.option(
    "--token",
    metavar="TOKEN",
    help="Hub token (default: HF_TOKEN, then the `hf auth login` token). Prefer "
    "HF_TOKEN: command lines are visible to other users of the machine.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan; send nothing that changes the Hub.")
def publish(
    export_dir: str,
    repo_id: str,
    private: bool,
    revision: str | None,
    create_pr: bool,
    message: str | None,
    token: str | None,
    dry_run: bool,
) -> None:
    """Publish an export folder DIR to a dataset repo on the Hugging Face Hub.

    Checks DIR first (complete export, sizes and sha256 as in the manifest, card
    metadata, license), then uploads README.md, croissant.json, data/ and assets/
    in one commit, deleting shards an earlier publish left under data/ and assets/.
    Unchanged files are not sent; an unchanged export makes no commit. The result
    is read back and compared with the manifest. HF_ENDPOINT selects another hub.

    Exit status: 0 published or already up to date, 2 DIR not ready (nothing sent),
    3 no token, token rejected or no write access, 4 revision not found, 5 Hub
    unreachable or rate limited after retries (run again to finish), 6 request
    refused by the Hub, 7 the Hub's files differ from the manifest after the commit.

    \b
    Examples:
      dataset-kit publish ds/ --repo-id me/news --dry-run
      HF_TOKEN=hf_... dataset-kit publish ds/ --repo-id me/news --private
      dataset-kit publish ds/ --repo-id org/news --create-pr -m "Add March articles"
    """
    from .publishing import PublishError, human_bytes, progress_bars
    from .publishing import publish as run_publish

    def show_plan(plan) -> None:
        for line in plan.describe():
            click.echo(line)

    try:
        with progress_bars(show=sys.stderr.isatty()):
            result = run_publish(
                export_dir,
                repo_id,
                revision=revision,
                private=private,
                create_pr=create_pr,
                message=message,
                token=token,
                dry_run=dry_run,
                log=lambda text: click.echo(text, err=True),
                on_plan=show_plan,
            )
    except PublishError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    plan = result.plan
    if dry_run:
        for blocker in plan.blockers:
            click.echo(f"Publishing would stop here: {blocker}")
        click.echo("Dry run: nothing was sent that changes the Hub.")
    elif not result.committed:
        at = f" ({plan.remote_head[:12]})" if plan.remote_head else ""
        click.echo(
            f"Nothing to publish: {repo_id} at {plan.revision}{at} already matches the "
            "export; no commit made."
        )
    else:
        count = len(result.commits)
        click.echo(
            f"Published {human_bytes(plan.upload_bytes)} in {count} commit"
            f"{'s' if count != 1 else ''} to {result.revision}: {result.commit_url}"
        )
        if result.pr_url:
            click.echo(f"Pull request: {result.pr_url}")
        click.echo(
            f"Verified: the {result.verified_files} files on the Hub match the manifest "
            "(sizes and sha256)."
        )


@cli.command()
@click.argument("export_dir", metavar="DIR", type=LocalExportFolder())
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    type=click.Path(dir_okay=False, exists=True),
    help="dataset-kit.toml whose [card] table to use (default: the one the export used).",
)
@click.option(
    "--template",
    metavar="PATH",
    type=click.Path(dir_okay=False, exists=True),
    help="Jinja2 card template to use instead of the bundled news_articles.md.j2.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Regenerate even if README.md was edited outside its keep sections "
    "(those edits are lost; keep sections are still kept).",
)
def card(export_dir: str, config_file: str | None, template: str | None, force: bool) -> None:
    """Write the dataset card of the export folder DIR: README.md, charts, croissant.json.

    The card's YAML metadata (license, languages, size category, configs and
    dataset_info) and every number in it are computed from the shards in DIR/data.
    Text between <!-- dataset-kit:keep NAME --> markers that was edited by hand is
    kept as it is; the rest is regenerated. Unknown license, task or language values
    are an error here, before anything is uploaded.

    \b
    Examples:
      dataset-kit card ds/
      dataset-kit card ds/ --config dataset-kit.toml --template my_card.md.j2
    """
    from pathlib import Path

    from .cards import card_command_config, write_card

    root = Path(export_dir)
    card_config = card_command_config(root, Path(config_file) if config_file else None)
    result = write_card(
        root, card_config, template=Path(template) if template else None, force=force
    )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    stats = result.statistics
    click.echo(
        f"Wrote {root / 'README.md'} ({stats.rows:,} articles, "
        f"{len(stats.splits)} split{'s' if len(stats.splits) != 1 else ''}), "
        f"{sum(1 for f in result.files if f.startswith('assets/'))} chart(s) and "
        f"{root / 'croissant.json'}."
    )
    if result.kept_sections:
        click.echo("Kept from the existing card: " + ", ".join(result.kept_sections))


@cli.command()
@click.argument("export_dir", metavar="DIR", type=LocalExportFolder())
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
def stats(export_dir: str, as_json: bool) -> None:
    """Print the statistics of the export folder DIR, computed from its shards.

    Articles per split, source and language, publication date range and articles
    per month, and text length percentiles: the numbers the card shows.

    \b
    Examples:
      dataset-kit stats ds/
      dataset-kit stats ds/ --json > stats.json
    """
    from .statistics import compute_statistics, render_text

    result = compute_statistics(export_dir)
    if as_json:
        import orjson

        click.echo(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(render_text(result), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--output",
    "-o",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="JSONL file to write, one article record per page (- for standard output; "
    "then name --rejects).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="JSONL file for pages without an article, with the reason "
    "(default: OUT.rejects.jsonl beside the output; - for standard output).",
)
@click.option("--timezone", metavar="TZ", help=TIMEZONE_HELP)
@click.option("--source", metavar="NAME", help=SOURCE_HELP)
@click.option("--jobs", "-j", type=int, default=1, show_default=True, help=JOBS_HELP)
@settings_option(BY_NAME["scheduler"])
@click.option(
    "--keep-boilerplate",
    is_flag=True,
    help="List the removed furniture lines in each record (removed_lines).",
)
def ingest(
    paths: tuple[str, ...],
    out_path: str,
    rejects: str | None,
    timezone: str | None,
    source: str | None,
    jobs: int,
    scheduler: str | None,
    keep_boilerplate: bool,
) -> None:
    """Turn raw page dumps into clean article records.

    PATH is a .txt page dump (one web page per file), a folder searched
    recursively for them, or a glob, local or a URL of a store (s3://...,
    as for validate). Each page becomes one record valid against
    the article schema: title, body text without navigation, feeds, newsletter
    forms or footers, authors, dates, language, and how many lines were removed.
    Pages without an article (empty, binary, HTML source, a bare list of links,
    no headline) go to the rejects file with the reason. Output order and bytes do not depend
    on --jobs.

    Exit status: 0 when at least one record was written, 1 when every page was
    rejected, 2 on bad arguments or unreadable input (or an unreachable --scheduler).

    \b
    Examples:
      dataset-kit ingest pages/ -o articles.jsonl
      dataset-kit ingest dumps/*.txt -o articles.jsonl --timezone Europe/Kyiv --jobs 4
    """
    from .ingesting import ingest as run_ingest

    _note_jobs(jobs)
    progress = _Progress("ingested", enabled=True)
    summary = run_ingest(
        paths,
        out_path,
        rejects_path=rejects,
        timezone=timezone,
        source=source,
        jobs=jobs,
        keep_boilerplate=keep_boilerplate,
        progress=progress,
        scheduler=scheduler,
        on_dashboard=_dashboard(enabled=True),
    )
    progress.done()
    for line in summary.lines():
        # Standard output may carry the records or rejects: the summary goes aside then.
        click.echo(line, err="-" in (out_path, rejects))
    sys.exit(0 if summary.written else 1)


def _export_settings(config_file: str | None, **flags: object):  # type: ignore[no-untyped-def]
    from .config import find_config, load_config

    path = find_config(config_file)
    settings = load_config(path) if path is not None else ExportSettings()
    return settings.with_overrides(**flags), path


@cli.command()
@settings_options
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def export(config_file: str | None, quiet: bool, **flags: object) -> None:
    """Export a validated, deduplicated, leak-free dataset as Parquet shards.

    Reads INPUT (files, folders or globs, as for validate), validates every record,
    drops exact copies, clusters near-duplicates, assigns stable splits and writes
    DIR/data/{split}-00000-of-0000N.parquet, the manifest DIR/.dataset-kit/manifest.json
    and the dataset card. Rejected records (with their original line and errors) go
    to DIR.rejects.jsonl and the report (counts, clusters, splits) to
    DIR.report.json, beside DIR. DIR is replaced only when everything succeeded,
    together with its rejects and report in one step; files you added to DIR are
    carried over, and an export with no valid records does not replace one that has
    some (exit 1) unless --allow-empty. With --out in a store (s3://BUCKET/NAME) the
    replacement is a journaled commit, the manifest last: a killed run leaves the
    earlier export, and the next run finishes an interrupted commit.

    Settings not given as flags come from --config or ./dataset-kit.toml (see
    `dataset-kit init`), then the defaults; --scheduler comes from
    DASK_SCHEDULER_ADDRESS before the file. With --scheduler the tasks run on a Dask
    cluster whose workers read INPUT and write beside DIR themselves: paths must be
    the same on every machine. The output does not depend on --jobs or --scheduler.

    \b
    Examples:
      dataset-kit export articles.jsonl --out ds
      dataset-kit export corpus/ --out ds --split train=0.8,validation=0.1,test=0.1
      dataset-kit export a.jsonl --out ds --split-by-date published_at:2024-01-01
      dataset-kit export a.jsonl --out ds --group-by source --near-keep one --jobs 4
      dataset-kit export dumps/ --out ds --timezone Europe/Kyiv --source "Kyiv Post"
      dataset-kit export /shared/corpus/ --out /shared/ds --scheduler tcp://scheduler:8786
    """
    from .exporting import export as run_export

    settings, path = _export_settings(config_file, **flags)
    if path is not None and not quiet:
        click.echo(f"Using settings from {path}", err=True)
    if not quiet:
        _note_jobs(settings.jobs)
        for note in settings.ignored():
            click.echo(f"Note: {note}.", err=True)
    progress = _Progress("read", enabled=not quiet)
    result = run_export(
        settings=settings, progress=progress, on_dashboard=_dashboard(enabled=not quiet)
    )
    progress.done()
    if not quiet:
        click.echo(result.summary())


def _init_options(func):  # type: ignore[no-untyped-def]
    return settings_options(func, environment=False)


@cli.command()
@_init_options
@click.option(
    "--file",
    "target",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="dataset-kit.toml",
    show_default=True,
    help="Where to write the settings (- for standard output).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing settings file.")
def init(config_file: str | None, target: str, force: bool, **flags: object) -> None:
    """Write dataset-kit.toml: every export setting, spelled out, to rerun an export.

    Takes the same options as `dataset-kit export`; what is not given gets its
    default (or the value in --config, to start from another file). Then
    `dataset-kit export` in the same folder reruns exactly that export; flags still
    override the file. The [card] table holds the dataset card's settings.

    \b
    Examples:
      dataset-kit init articles.jsonl --out ds --split train=0.8,validation=0.1,test=0.1
      dataset-kit export
    """
    from pathlib import Path

    from .atomic import STDOUT, atomic_write_text, refuse_overlaps
    from .config import absolute_path, render_config

    settings, _ = _export_settings(config_file, **flags)
    settings = settings.check()
    if settings.split is None and settings.split_by_date is None:
        settings = settings.with_overrides(split=DEFAULT_SPLIT)
    destination = Path(target)
    refuse_overlaps(
        [*settings.inputs, *([settings.schema] if settings.schema else [])], [("--file", target)]
    )
    if target != STDOUT and destination.exists() and not force:
        raise DatasetKitError(f"{destination} already exists; pass --force to overwrite it")
    base = destination.resolve().parent
    absolute = settings.with_overrides(
        inputs=tuple(absolute_path(p) for p in settings.inputs) or None,
        out=absolute_path(settings.out) if settings.out else None,
        schema=absolute_path(settings.schema) if settings.schema else None,
    )
    if target == STDOUT:
        click.echo(render_config(absolute, base), nl=False)
        return
    atomic_write_text(destination, render_config(absolute, base))
    click.echo(f"Wrote {destination}: run `dataset-kit export` to export with these settings.")


@cli.command()
@click.option(
    "--dir",
    "workdir",
    default="dataset-kit-demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Work folder for the demo's files: new, empty or an earlier demo's (which is "
    "replaced); a folder holding other files is refused.",
)
def demo(workdir: str) -> None:
    """Run the whole job on the bundled sample corpus, printing each command.

    Ingests 25 raw page dumps shipped with dataset-kit, validates the records,
    exports a deduplicated, split Parquet dataset with its card, prints its
    statistics and plans the upload to the Hub as a dry run (offline: nothing is
    sent). Then explore the work folder, or rerun any printed command yourself.

    \b
    Example:
      dataset-kit demo --dir /tmp/news-demo
    """
    from pathlib import Path

    from .demo import run_demo

    def run_command(args: list[str]) -> int:
        try:
            # Without standalone mode, an `Error:` exit (ctx.exit) comes back as the
            # return value, not as an exception: it must not read as success.
            code = cli.main(args=args, prog_name="dataset-kit", standalone_mode=False)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except click.exceptions.Exit as exc:
            return exc.exit_code
        except click.ClickException as exc:
            exc.show()
            return exc.exit_code
        except DatasetKitError as exc:
            click.echo(f"Error: {exc}", err=True)
            return exc.exit_code
        return code if isinstance(code, int) else 0

    sys.exit(run_demo(Path(workdir).resolve(), run_command, click.echo))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="dataset-kit")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
