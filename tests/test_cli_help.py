"""Every command explains itself, and start-up does not pay for heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dataset_kit.cli import cli


def test_top_level_help_lists_the_workflow(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "dataset-kit demo" in result.output
    for name in cli.commands:
        assert name in result.output


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_each_command_has_help_with_an_example(runner, name):
    result = runner.invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`dataset-kit {name} --help` shows no example"
    assert f"dataset-kit {name}" in result.output


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from dataset_kit.cli import cli\n"
        "try:\n"
        "    cli(['--help'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('pyarrow', 'datasets', 'huggingface_hub', 'jinja2', 'numpy')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "HEAVY=", result.stdout


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and "dataset-kit" in result.output


@pytest.mark.parametrize("name", ["validate", "ingest", "export"])
def test_help_says_inputs_may_be_urls_of_a_store(runner, name):
    result = runner.invoke(cli, [name, "--help"])
    assert "s3://" in result.output.split("Options:")[0], result.output


def test_export_help_says_out_may_be_in_a_store(runner):
    result = runner.invoke(cli, ["export", "--help"])
    options = " ".join(result.output.split("Options:")[1].split())
    assert "Export folder DIR: a path, or a folder in a store (s3://BUCKET/NAME" in options
