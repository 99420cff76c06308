"""Each export setting is declared once (dataset_kit/settings.py): the file that ``init``
writes reads back to every setting, whatever its strings hold; bad files are clear
errors naming the file and the key; the docs table and the manifest agree with the
declaration."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from export_helpers import corpus, write_jsonl

from dataset_kit.cli import cli
from dataset_kit.config import ExportSettings, load_config, render_config
from dataset_kit.errors import DatasetKitError
from dataset_kit.settings import BY_NAME, DEFAULT_SPLIT, SETTINGS, docs_block, docs_table

ROOT = Path(__file__).resolve().parents[1]
# What a hand-made TOML writer gets wrong: DEL (U+007F) must be escaped, and so must
# quotes, backslashes and newlines; non-ASCII text is written as it is.
HOSTILE = 'Kyiv "Post" \\ back\x7fslash\nsecond line\ttab Łódź 東京 \u2028 end'


def _every_setting_given() -> dict[str, Any]:
    """A value other than the default for every setting (strings hostile where free)."""
    values = {
        "split": "train=0.7,validation=0.1,test=0.2",
        "split_by_date": None,  # cannot be combined with stratify; set in its own case
        "stratify": HOSTILE,
        "group_by": "group " + HOSTILE,
        "seed": -(2**63),
        "dedup": "exact",
        "near_threshold": 0.85,
        "near_keep": "one",
        "max_shard_size": "256MiB",
        "timezone": "Europe/Kyiv",
        "source": HOSTILE,
        "jobs": 0,
        "scheduler": "none",  # local processes: the export below runs here
        "allow_empty": True,
    }
    assert set(values) | {"inputs", "out", "schema"} == set(BY_NAME)
    return values


def _flags(values: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for name, value in values.items():
        if value is None:
            continue
        declared = BY_NAME[name]
        args += [declared.flag] if value is True else [declared.flag, str(value)]
    return args


def test_init_then_export_reads_back_every_setting(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / f"in {HOSTILE.replace(chr(10), ' ')}"
    folder.mkdir()
    source = write_jsonl(folder / "ä\x7f.jsonl", corpus(3, seed=40))
    schema = folder / "s.json"
    schema.write_text((ROOT / "schema" / "article.schema.json").read_text())
    values = _every_setting_given()
    args = [str(source), "--out", str(folder / "out\x7f"), "--schema", str(schema)]
    result = runner.invoke(cli, ["init", *args, *_flags(values)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "dataset-kit.toml").read_text(encoding="utf-8")
    assert "\x7f" not in text and "\\u007f" in text.lower()

    loaded = load_config(tmp_path / "dataset-kit.toml")
    for name, value in values.items():
        assert getattr(loaded, name) == value, name
    assert [Path(p).resolve() for p in loaded.inputs] == [source.resolve()]
    assert Path(loaded.out or "").resolve() == (folder / "out\x7f").resolve()
    assert Path(loaded.schema or "").resolve() == schema.resolve()

    # `export` reads what `init` wrote (--config: the flags below win over the file).
    exported = runner.invoke(cli, ["export", "--stratify", "source", "--group-by", "source", "-q"])
    assert exported.exit_code == 0, exported.output
    manifest = json.loads((folder / "out\x7f" / ".dataset-kit" / "manifest.json").read_text())
    assert manifest["config"]["page_dumps"]["source"] == HOSTILE
    assert manifest["config"]["seed"] == -(2**63)


def test_split_by_date_and_card_round_trip(tmp_path: Path) -> None:
    settings = ExportSettings(
        inputs=("a.jsonl",),
        split_by_date="published_at:2024-01-01",
        card={"pretty_name": HOSTILE, "tags": ["news", HOSTILE], "odd key": "x"},
    )
    path = tmp_path / "dataset-kit.toml"
    path.write_text(render_config(settings, tmp_path), encoding="utf-8")
    loaded = load_config(path)
    assert loaded.split_by_date == settings.split_by_date
    assert loaded.card == settings.card


def test_render_of_defaults_is_what_init_always_wrote() -> None:
    """The layout stays: comments, unset settings commented out, one-line arrays."""
    text = render_config(ExportSettings(inputs=("a.jsonl", "b/*.jsonl")))
    assert 'inputs = ["a.jsonl", "b/*.jsonl"]' in text
    assert '# out = "dataset"' in text
    assert "near_threshold = 0.8\n" in text
    assert "allow_empty = false\n\n[card]\n" in text
    assert text.endswith("# table is passed unchanged to the card writer.\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[export]\nsplitt = 'train=1'\n", "unknown setting [export].splitt (known: allow_empty"),
        ("[export]\nseed = 'one'\n", "[export].seed has the wrong type (str; expected an integer)"),
        ("[export]\njobs = true\n", "[export].jobs has the wrong type (bool; expected an integer)"),
        (
            "[export]\nsplit = 3\n",
            "[export].split has the wrong type (int; expected a string or a table)",
        ),
        ("[export]\ninputs = ['a', 1]\n", "[export].inputs must be a list of paths"),
        ("[export]\ndedup = 'fuzzy'\n", "[export].dedup must be one of near, exact, off, got"),
        ("[export]\nnear-threshold = 1\n", "[export].near-threshold must be between 0 and 1"),
        ("[export]\nseed = 9223372036854775808\n", "[export].seed must be a 64-bit signed"),
        ("export = 1\n", "[export] must be a table"),
        ("[export\n", "not valid TOML"),
    ],
)
def test_bad_file_names_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(DatasetKitError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_not_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"[export]\nsource = '\xff'\n")
    with pytest.raises(DatasetKitError, match=r"c\.toml: not UTF-8 text"):
        load_config(path)


def test_flags_win_over_the_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[export]\ndedup = 'exact'\nseed = 3\nmax_shard_size = 2000000\n")
    result = runner.invoke(cli, ["init", "--config", str(path), "--seed", "4", "--file", "-"])
    assert result.exit_code == 0, result.output
    assert 'dedup = "exact"\n' in result.output and "seed = 4\n" in result.output
    assert 'max_shard_size = "2000000"\n' in result.output


def test_docs_table_matches_the_declaration() -> None:
    """Run `python -m dataset_kit.settings docs/export.md` to rewrite the table."""
    text = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    assert docs_block(text) == docs_table(), "run: python -m dataset_kit.settings docs/export.md"


def test_every_setting_has_a_row_and_its_default() -> None:
    table = docs_table()
    for declared in SETTINGS:
        assert f"`{declared.name}`" in table
    assert "| `--seed N` | `seed` | 0 |" in table
    assert "`train=0.9,test=0.1`" in table


def test_default_split_is_the_splitters() -> None:
    from dataset_kit.splitting import DEFAULT_SPLIT as SPLITTING_DEFAULT

    assert DEFAULT_SPLIT == SPLITTING_DEFAULT


def test_defaults_and_types_come_from_the_dataclass() -> None:
    by_field = {f.name: f for f in fields(ExportSettings)}
    for declared in SETTINGS:
        assert by_field[declared.name].default == declared.default
    assert BY_NAME["seed"].type is int and BY_NAME["near_threshold"].type is float
    assert BY_NAME["out"].type is str and BY_NAME["inputs"].type is tuple
    assert BY_NAME["allow_empty"].type is bool


def _leaves(value: Any, prefix: str) -> set[str]:
    if isinstance(value, dict) and value:
        return set().union(*(_leaves(v, f"{prefix}.{k}") for k, v in value.items()))
    return {prefix}


def test_manifest_records_where_the_declaration_says(runner: CliRunner, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", corpus(20, near_every=5, seed=41))
    out = tmp_path / "ds"
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    args = ["export", str(source), "--out", str(out), "--config", str(empty)]
    given = ["--stratify", "source", "--timezone", "UTC", "--source", "S", "-q"]
    result = runner.invoke(cli, [*args, *given])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / ".dataset-kit" / "manifest.json").read_text())
    declared_paths = {p for s in SETTINGS for p in s.manifest}
    for dotted in declared_paths:
        node: Any = manifest
        for part in dotted.split("."):
            assert part in node, dotted
            node = node[part]
    assert manifest["config"]["page_dumps"] == {"timezone": "UTC", "source": "S"}
    # Every leaf of `config` is a setting's, or derived by the export (not a setting).
    derived = {"num_perm", "shingle_words", "bands", "rows"}
    leaves = _leaves(manifest["config"], "config") - {"config.card"}
    unclaimed = {
        leaf
        for leaf in leaves
        if leaf.split(".")[-1] not in derived
        and not any(leaf == p or leaf.startswith(p + ".") for p in declared_paths)
    }
    assert unclaimed == set()
    unrecorded = {s.name for s in SETTINGS if not s.manifest}
    assert unrecorded == {"out", "jobs", "scheduler", "allow_empty"}
