"""Assign records to named splits: deterministic, stable, leak-free.

A record's split is never drawn from a shuffle. Each *split unit* (a record, or a
near-duplicate cluster or ``--group-by`` group taken as a whole) has a 64-bit key
that depends only on its own content (the hash of its ``id``, of the smallest id in
its cluster, or of its group value); a seeded hash of that key gives a number in
[0, 1), and the cumulative ratios cut that interval into splits. So the same input
gives the same splits, and adding records never moves an existing one: its key and
therefore its number do not change. Only a record that joins a cluster can move,
since the whole cluster then follows the cluster's key.

With ``--stratify FIELD``, units are ranked by that number *within each value* of
the field and cut at the exact ratios (weighted by unit size), so each value gets
its ratio to within one unit; the price is that growing a stratum can move the
units nearest a cut. With ``--split-by-date FIELD:CUTOFF[,CUTOFF...]`` a unit goes
to the split of its earliest date: before the first cutoff -> first split, between
cutoffs -> the next, and so on; undated units go to the first split, so later splits
only hold records known to come after their cutoff.

All functions work on numpy arrays of keys, never on records.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dedup import mix64
from .errors import DatasetKitError

SPLIT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Split indices are stored as int16; far fewer splits than that make sense anyway.
MAX_SPLITS = 1000
DEFAULT_SPLIT = "train=0.9,test=0.1"
NO_DATE = np.iinfo(np.int64).max
_SEED_SALT = 0x6A09E667F3BCC909
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SplitSpec:
    """Split names in order, with their ratios (None when only names were given)."""

    names: tuple[str, ...]
    ratios: tuple[float, ...] | None

    def __str__(self) -> str:
        if self.ratios is None:
            return ",".join(self.names)
        return ",".join(f"{n}={r:g}" for n, r in zip(self.names, self.ratios, strict=True))


def parse_split(value: str | Mapping[str, Any]) -> SplitSpec:
    """Parse ``train=0.9,test=0.1`` (or a mapping, or names only: ``train,test``).

    Ratios may be fractions or percentages; they must be positive and add up to 1
    (or 100). Names are letters, digits and underscores, starting with a letter, as
    the Hub's file naming (``{split}-00000-of-00001.parquet``) requires.
    """
    if isinstance(value, Mapping):
        items: list[tuple[str, str | None]] = [(str(k), str(v)) for k, v in value.items()]
    else:
        text = str(value).strip()
        if not text:
            raise DatasetKitError("--split is empty; expected e.g. train=0.9,test=0.1")
        items = []
        for part in text.split(","):
            name, sep, ratio = part.partition("=")
            items.append((name.strip(), ratio.strip() if sep else None))
    names = tuple(name for name, _ in items)
    for name in names:
        if not SPLIT_NAME.match(name):
            raise DatasetKitError(
                f"--split: invalid split name {name!r}: use letters, digits and underscores, "
                "starting with a letter (e.g. train, validation, test)"
            )
    if len(set(names)) != len(names):
        raise DatasetKitError(f"--split: split names must be unique, got {', '.join(names)}")
    if len({name.lower() for name in names}) != len(names):
        raise DatasetKitError(
            f"--split: split names must differ in more than case, got {', '.join(names)}: "
            "their shard files would collide on case-insensitive file systems"
        )
    if len(names) > MAX_SPLITS:
        raise DatasetKitError(f"--split: {len(names)} splits; at most {MAX_SPLITS} are supported")
    given = [ratio for _, ratio in items if ratio is not None]
    if not given:
        return SplitSpec(names, None)
    if len(given) != len(items):
        raise DatasetKitError(
            f"--split: give a ratio for every split or for none, got {value!r} "
            "(e.g. train=0.8,validation=0.1,test=0.1)"
        )
    try:
        # "80%" is a percentage, as the documentation writes them.
        ratios = [float(r[:-1]) / 100 if r.endswith("%") else float(r) for r in given]
    except ValueError:
        raise DatasetKitError(
            f"--split: ratios must be numbers, got {value!r} (e.g. train=0.9,test=0.1)"
        ) from None
    if any(not ratio > 0 for ratio in ratios):
        raise DatasetKitError(f"--split: every ratio must be positive, got {value!r}")
    total = sum(ratios)
    if abs(total - 100.0) < 1e-6 and len(ratios) > 1:
        ratios = [ratio / 100.0 for ratio in ratios]
        total = 1.0
    if abs(total - 1.0) > 1e-6:
        raise DatasetKitError(f"--split: ratios must add up to 1 (or 100), got {total:g}")
    return SplitSpec(names, tuple(ratios))


def parse_timestamp(value: Any) -> int | None:
    """Seconds since the epoch (UTC) of an RFC 3339 date-time or a full date; None if not one.

    A date means its midnight UTC; a date-time without an offset is taken as UTC.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if _DATE_ONLY.match(text):
            day = _dt.date.fromisoformat(text)
            return int(
                _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.timezone.utc).timestamp()
            )
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        if len(text) > 10 and text[10] in "tT ":
            text = text[:10] + "T" + text[11:]
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return int(moment.timestamp())


@dataclass(frozen=True)
class DateSplit:
    """A temporal split: ``field`` and ascending cutoffs (epoch seconds and as given)."""

    field: str
    cutoffs: tuple[int, ...]
    cutoff_texts: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.field}:{','.join(self.cutoff_texts)}"


def parse_split_by_date(value: str) -> DateSplit:
    """Parse ``FIELD:CUTOFF[,CUTOFF...]``, e.g. ``published_at:2024-01-01``."""
    field, sep, rest = str(value).partition(":")
    field = field.strip()
    if not sep or not field or not rest.strip():
        raise DatasetKitError(
            f"--split-by-date: expected FIELD:CUTOFF[,CUTOFF...], got {value!r} "
            "(e.g. published_at:2024-01-01)"
        )
    texts = tuple(part.strip() for part in rest.split(","))
    cutoffs = []
    for text in texts:
        moment = parse_timestamp(text)
        if moment is None:
            raise DatasetKitError(
                f"--split-by-date: cutoff {text!r} is not a date (YYYY-MM-DD) or an RFC 3339 "
                "date-time"
            )
        cutoffs.append(moment)
    if any(b <= a for a, b in itertools.pairwise(cutoffs)):
        raise DatasetKitError(f"--split-by-date: cutoffs must be in increasing order, got {rest}")
    if len(cutoffs) >= MAX_SPLITS:
        raise DatasetKitError(
            f"--split-by-date: {len(cutoffs)} cutoffs; at most {MAX_SPLITS - 1} are supported"
        )
    return DateSplit(field, tuple(cutoffs), texts)


def split_names_for_dates(spec: SplitSpec | None, dates: DateSplit) -> tuple[str, ...]:
    """Names of the temporal splits: from ``--split`` if given (ratios are not used),
    else train/test for one cutoff and train/validation/test for two."""
    needed = len(dates.cutoffs) + 1
    if spec is not None:
        if len(spec.names) != needed:
            raise DatasetKitError(
                f"--split-by-date with {len(dates.cutoffs)} cutoff(s) makes {needed} splits, "
                f"but --split names {len(spec.names)}: {', '.join(spec.names)}"
            )
        return spec.names
    if needed == 2:
        return ("train", "test")
    if needed == 3:
        return ("train", "validation", "test")
    raise DatasetKitError(
        f"--split-by-date with {len(dates.cutoffs)} cutoffs: name the {needed} splits with "
        "--split, e.g. --split a,b,c,d"
    )


# --- assignment ------------------------------------------------------------------------


def unit_interval(keys: np.ndarray, seed: int) -> np.ndarray:
    """A seeded, uniformly spread number in [0, 1) for each uint64 key."""
    salt = mix64(np.array([(seed * 0x9E3779B97F4A7C15 + _SEED_SALT) & (2**64 - 1)], np.uint64))
    mixed = mix64(np.asarray(keys, dtype=np.uint64) ^ salt)
    return (mixed >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _cut_points(ratios: Sequence[float]) -> np.ndarray:
    cuts = np.cumsum(np.asarray(ratios, dtype=np.float64))
    cuts[-1] = 1.0
    return cuts


def assign_by_hash(keys: np.ndarray, ratios: Sequence[float], seed: int) -> np.ndarray:
    """Split index of each unit from its seeded hash: stable and order-independent."""
    codes = np.searchsorted(_cut_points(ratios), unit_interval(keys, seed), side="right")
    return np.minimum(codes, len(ratios) - 1).astype(np.int16)


def assign_stratified(
    keys: np.ndarray,
    sizes: np.ndarray,
    strata: np.ndarray,
    ratios: Sequence[float],
    seed: int,
) -> np.ndarray:
    """Split index of each unit so that every stratum meets the ratios in records.

    Within a stratum, units are ordered by their seeded hash and each goes to the
    split in which the middle of its run of records falls.
    """
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int16)
    position = unit_interval(keys, seed)
    order = np.lexsort((np.asarray(keys, dtype=np.uint64), position, strata))
    sorted_sizes = np.asarray(sizes, dtype=np.float64)[order]
    sorted_strata = strata[order]
    running = np.cumsum(sorted_sizes)
    new_stratum = np.ones(n, dtype=bool)
    new_stratum[1:] = sorted_strata[1:] != sorted_strata[:-1]
    stratum_id = np.cumsum(new_stratum) - 1
    before_stratum = (running - sorted_sizes)[new_stratum][stratum_id]
    totals = np.bincount(stratum_id, weights=sorted_sizes)[stratum_id]
    middle = (running - sorted_sizes - before_stratum + sorted_sizes / 2.0) / totals
    codes = np.empty(n, dtype=np.int16)
    codes[order] = np.minimum(
        np.searchsorted(_cut_points(ratios), middle, side="right"), len(ratios) - 1
    )
    return codes


def assign_by_date(dates: np.ndarray, cutoffs: Sequence[int]) -> np.ndarray:
    """Split index of each unit from its date (``NO_DATE`` = undated -> first split)."""
    dates = np.asarray(dates, dtype=np.int64)
    codes = np.searchsorted(np.asarray(cutoffs, dtype=np.int64), dates, side="right")
    codes[dates == NO_DATE] = 0
    return codes.astype(np.int16)
