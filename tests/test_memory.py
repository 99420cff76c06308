"""When a task's process hands freed heap back to the OS (``stages/memory.py``).

Trimming costs page faults on the next task, so it runs only when a process has grown
well past where it began: measured from its first task, not from zero, because a Dask
worker's own libraries take more than a forked ``--jobs`` worker's.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dataset_kit.stages import memory

MB = 1 << 20


@pytest.fixture
def trims(monkeypatch) -> list[int]:
    """Calls of ``malloc_trim``, with the resident size under the test's control."""
    calls: list[int] = []
    monkeypatch.setattr(memory, "_malloc_trim", lambda: calls.append)
    monkeypatch.setattr(memory, "_baseline", None)
    return calls


def _resident(monkeypatch, size: int) -> None:
    monkeypatch.setattr(memory, "_resident_bytes", lambda: size)


def test_a_task_trims_only_past_its_allowance_above_where_the_process_began(monkeypatch, trims):
    _resident(monkeypatch, 110 * MB)  # a Dask worker before its first task
    memory.task_started()
    _resident(monkeypatch, 250 * MB)  # its working set after a task: no trim
    memory.release_memory()
    assert trims == []
    _resident(monkeypatch, 110 * MB + memory.TRIM_ABOVE_BYTES + MB)
    memory.release_memory()
    assert trims == [0]


def test_the_first_task_sets_the_baseline_and_later_ones_do_not_move_it(monkeypatch, trims):
    _resident(monkeypatch, 50 * MB)
    memory.task_started()
    _resident(monkeypatch, 300 * MB)
    memory.task_started()  # grown since: still measured from 50 MB
    memory.release_memory()
    assert trims == [0]


def test_a_forked_worker_measures_from_its_own_first_task(monkeypatch, trims):
    _resident(monkeypatch, 50 * MB)
    memory.task_started()  # the parent ran a task inline
    monkeypatch.setattr(memory.os, "getpid", lambda: -1)  # now in a forked child
    _resident(monkeypatch, 300 * MB)  # the parent's pages, counted in the child
    memory.task_started()
    memory.release_memory()
    assert trims == []


def test_without_a_task_the_allowance_counts_from_zero(monkeypatch, trims):
    _resident(monkeypatch, memory.TRIM_ABOVE_BYTES - MB)
    memory.release_memory()
    _resident(monkeypatch, memory.TRIM_ABOVE_BYTES + MB)
    memory.release_memory()
    assert trims == [0]


def test_between_phases_it_always_trims(monkeypatch, trims):
    _resident(monkeypatch, MB)
    memory.release_memory(force=True)
    assert trims == [0]


class _FakeLibc:
    def __init__(self) -> None:
        self.mallopt_calls: list[tuple[int, int]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.mallopt_calls.append((parameter, value))
        return 1


@pytest.fixture
def libc(monkeypatch) -> _FakeLibc:
    fake = _FakeLibc()
    monkeypatch.setattr(memory, "_libc", lambda: fake)
    memory.reuse_freed_heap.cache_clear()
    yield fake
    memory.reuse_freed_heap.cache_clear()


def test_a_nanny_trim_threshold_is_replaced_by_the_adaptive_ceilings(monkeypatch, libc):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    assert memory.reuse_freed_heap() is True
    assert memory.reuse_freed_heap() is True  # once per process
    assert libc.mallopt_calls == [
        (memory.M_MMAP_THRESHOLD, memory.MMAP_THRESHOLD_CEILING),
        (memory.M_TRIM_THRESHOLD, memory.TRIM_THRESHOLD_CEILING),
    ]


def test_without_the_nanny_setting_the_allocator_is_left_alone(monkeypatch, libc):
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert memory.reuse_freed_heap() is False
    assert libc.mallopt_calls == []


def test_another_value_than_the_nannys_is_left_alone(monkeypatch, libc):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1048576")  # an operator's choice
    assert memory.reuse_freed_heap() is False
    assert libc.mallopt_calls == []


def test_the_real_allocator_takes_the_setting(tmp_path):
    # In a process of its own: the setting would stay with the test run's allocator.
    if memory._libc() is None:
        pytest.skip("not glibc")
    script = "from dataset_kit.stages.memory import reuse_freed_heap; print(reuse_freed_heap())"
    environment = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True
    )
    assert done.stdout.strip() == "True", done.stderr


def test_where_the_size_cannot_be_read_a_task_end_trims(monkeypatch, trims):
    monkeypatch.setattr(memory, "_resident_bytes", lambda: None)
    memory.task_started()
    memory.release_memory()
    assert trims == [0]


def test_a_refused_setting_is_reported(monkeypatch, libc):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.setattr(libc, "mallopt", lambda parameter, value: 0)
    assert memory.reuse_freed_heap() is False
