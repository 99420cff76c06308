"""The ``dataset-kit`` command line: option parsing and printing only.

Each command is a thin layer over the Python API of the module named for the work
(``validating``, ``ingesting``, ``exporting``, ``cards``, ``publishing``); modules are
imported inside the command so that ``dataset-kit --help`` does not pay for pyarrow.
A :class:`~dataset_kit.errors.DatasetKitError` becomes ``Error: ...`` and exit 2.
"""

from __future__ import annotations

import sys

import click

from . import __version__
from .errors import DatasetKitError


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except DatasetKitError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="dataset-kit")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
