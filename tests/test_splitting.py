"""Unit tests of split assignment: ratios, stability under growth, strata, dates."""

from __future__ import annotations

import numpy as np
import pytest

from dataset_kit.dedup import hash64_array
from dataset_kit.errors import DatasetKitError
from dataset_kit.splitting import (
    NO_DATE,
    assign_by_date,
    assign_by_hash,
    assign_stratified,
    parse_split,
    parse_split_by_date,
    parse_timestamp,
    split_names_for_dates,
)


def keys(n: int, start: int = 0) -> np.ndarray:
    return hash64_array(f"article-{i}".encode() for i in range(start, start + n))


def test_parse_split_forms() -> None:
    assert parse_split("train=0.9,test=0.1").ratios == (0.9, 0.1)
    assert parse_split("train=80, validation=10, test=10").ratios == (0.8, 0.1, 0.1)
    assert parse_split({"a": 0.25, "b": 0.75}).names == ("a", "b")
    assert parse_split("train,test").ratios is None
    assert str(parse_split("train=0.9,test=0.1")) == "train=0.9,test=0.1"
    for bad in (
        "train=0.9,test=0.2",
        "train=0.9,train=0.1",
        "9train=1",
        "train=x,test=1",
        "train=0,test=1",
        "a=1,b",
    ):
        with pytest.raises(DatasetKitError):
            parse_split(bad)


def test_ratios_hold_within_a_fraction_of_a_percent() -> None:
    n = 200_000
    codes = assign_by_hash(keys(n), (0.8, 0.1, 0.1), seed=0)
    shares = np.bincount(codes, minlength=3) / n
    assert np.all(np.abs(shares - [0.8, 0.1, 0.1]) < 0.003)


def test_assignment_is_stable_when_keys_are_added_and_reordered() -> None:
    old = keys(10_000)
    grown = np.concatenate([keys(5_000, start=50_000), old[::-1]])
    before = assign_by_hash(old, (0.7, 0.3), seed=1)
    after = assign_by_hash(grown, (0.7, 0.3), seed=1)
    assert np.array_equal(after[5_000:][::-1], before)


def test_seed_gives_another_split() -> None:
    a = assign_by_hash(keys(5_000), (0.5, 0.5), seed=1)
    b = assign_by_hash(keys(5_000), (0.5, 0.5), seed=2)
    assert 0.4 < (a == b).mean() < 0.6


def test_stratified_meets_ratios_in_every_stratum() -> None:
    n = 3_000
    strata = np.arange(n) % 7
    sizes = np.ones(n, dtype=np.int64)
    sizes[::50] = 4  # a few clusters
    codes = assign_stratified(keys(n), sizes, strata, (0.6, 0.2, 0.2), seed=0)
    for value in range(7):
        mine = strata == value
        total = sizes[mine].sum()
        for split, ratio in enumerate((0.6, 0.2, 0.2)):
            got = sizes[mine & (codes == split)].sum()
            assert abs(got - ratio * total) <= 4


def test_dates_and_cutoffs() -> None:
    assert parse_timestamp("2024-01-01") == 1704067200
    assert parse_timestamp("2024-01-01T02:00:00+02:00") == 1704067200
    assert parse_timestamp("2024-01-01T00:00:00Z") == 1704067200
    assert parse_timestamp("2024-01-01 00:00:00") == 1704067200
    assert parse_timestamp("11/11/2022") is None and parse_timestamp(None) is None
    dates = parse_split_by_date("published_at:2023-01-01,2024-01-01")
    assert dates.field == "published_at" and len(dates.cutoffs) == 2
    assert split_names_for_dates(None, dates) == ("train", "validation", "test")
    values = np.array(
        [parse_timestamp(v) or NO_DATE for v in ("2022-12-31", "2023-01-01", "2024-06-01", None)],
        dtype=np.int64,
    )
    assert assign_by_date(values, dates.cutoffs).tolist() == [0, 1, 2, 0]
    for bad in ("published_at", "published_at:", "published_at:2024-01-01,2023-01-01"):
        with pytest.raises(DatasetKitError):
            parse_split_by_date(bad)
    with pytest.raises(DatasetKitError, match="makes 2 splits"):
        split_names_for_dates(parse_split("a,b,c"), parse_split_by_date("d:2024-01-01"))
