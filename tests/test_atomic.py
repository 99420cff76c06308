"""Atomic outputs: nothing half-written, and ordinary permissions once in place."""

from __future__ import annotations

import os
import stat

import pytest

from dataset_kit.atomic import atomic_directory, atomic_output_file, atomic_write_bytes


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_outputs_get_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "a.txt", b"x")
        with atomic_output_file(tmp_path / "b.txt") as tmp:
            tmp.write_bytes(b"y")
        with atomic_directory(tmp_path / "out") as folder:
            (folder / "f").write_text("z")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.txt") == 0o644
    assert mode(tmp_path / "b.txt") == 0o644
    assert mode(tmp_path / "out") == 0o755


def test_failed_directory_leaves_the_old_one(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old").write_text("keep")
    with pytest.raises(RuntimeError), atomic_directory(target) as folder:
        (folder / "new").write_text("half")
        raise RuntimeError("interrupted")
    assert [p.name for p in target.iterdir()] == ["old"]
    assert not list(tmp_path.glob(".tmp-*"))


def test_failed_file_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), atomic_output_file(tmp_path / "r.json") as tmp:
        tmp.write_text("partial")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []
