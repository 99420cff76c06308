"""One TOML loader: dataset-kit.toml (export, init, card) and the furniture rules files
are read by ``tomlfile.read_toml`` and fail the same way, naming the file (the furniture
rules' own test checks their message: tests/test_furniture_rules.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataset_kit.cards import CardError, load_card_config
from dataset_kit.config import load_config
from dataset_kit.errors import DatasetKitError
from dataset_kit.tomlfile import read_toml

BROKEN = {
    "syntax": (b"[export\n", "not valid TOML: "),
    "encoding": (b"[card]\npretty_name = '\xff'\n", "not UTF-8 text (invalid start byte)"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_config_and_card_loaders_fail_alike(tmp_path: Path, case: str) -> None:
    content, message = BROKEN[case]
    path = tmp_path / "dataset-kit.toml"
    path.write_bytes(content)
    with pytest.raises(DatasetKitError) as from_config:
        load_config(path)
    with pytest.raises(CardError) as from_card:
        load_card_config(path)
    assert str(from_config.value) == str(from_card.value)
    assert str(from_config.value).startswith(f"{path}: {message}")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetKitError, match=r"nope\.toml: config file not found"):
        read_toml(tmp_path / "nope.toml")
