"""The types every split strategy shares (see :mod:`dataset_kit.splits`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np

from ..splitting import DateSplit, SplitSpec

if TYPE_CHECKING:  # pragma: no cover
    from ..stages.merge import KeyArrays

# Per-record values a strategy asks pass 1 for, by name (in the worker, one task's
# valid records at a time), joined over all tasks in input order into ``KeyArrays``:
# a numpy array (one value per record) is concatenated into ``split_values[name]``; a
# list (one hashable label per record) becomes ``int64`` codes there, with the labels
# by code in ``split_labels[name]``; an ``int`` is a count, summed into ``split_counts``.
RecordValues = dict[str, np.ndarray | list[Any] | int]


@dataclass(frozen=True)
class SplitRequest:
    """What the settings ask of the split, parsed (``names`` resolved)."""

    names: tuple[str, ...]
    spec: SplitSpec | None
    dates: DateSplit | None
    seed: int
    stratify: str | None
    group_by: str | None

    def as_config(self, clusters_whole: bool) -> dict[str, Any]:
        """The ``config.split`` object of the manifest and the report (the card reads it
        back from the manifest). ``clusters_whole``: near-duplicate clusters are kept
        whole, so the cluster is the split key when no group is."""
        spec, dates = self.spec, self.dates
        ratios = (
            dict(zip(spec.names, spec.ratios, strict=True))
            if spec and spec.ratios and not dates
            else None
        )
        return {
            "names": list(self.names),
            "ratios": ratios,
            "seed": self.seed,
            "key": self.group_by or ("cluster_id" if clusters_whole else "id"),
            "stratify": self.stratify,
            "by_date": str(dates) if dates else None,
        }


@dataclass(frozen=True)
class Units:
    """The split units of the kept records.

    ``keys[u]`` is unit ``u``'s key (the smallest key of its records: stable as the
    corpus grows); ``records`` are the kept records' indices and ``of_record`` the unit
    of each of them; ``record_keys`` is every record's key (its group's, else its id's).
    """

    keys: np.ndarray
    of_record: np.ndarray
    records: np.ndarray
    record_keys: np.ndarray


@dataclass(frozen=True)
class Assignment:
    """A split index per unit, and how many units had no date (date splits only)."""

    codes: np.ndarray
    undated_units: int = 0


@dataclass(frozen=True)
class Outcome:
    """What the report tells of a finished split: the split of every record (-1 when
    not written), the keys (with the counts pass 1 found, ``keys.split_counts``), and
    the counts the planning found."""

    split: np.ndarray
    keys: KeyArrays
    undated_units: int
    cross_split_groups: int


class CardText(NamedTuple):
    """A strategy's words in the card's "Written" line: ``clause`` after the split
    names (", stratified by `source`"), ``sentence`` after the line's full stop."""

    clause: str = ""
    sentence: str = ""


class SplitStrategy(Protocol):
    """One way of giving each unit a split."""

    mode: str  # the report's ``splitting.mode``

    def record_values(self, records: list[dict[str, Any]], id_hash: np.ndarray) -> RecordValues:
        """Pass 1, in a worker: the values this strategy needs of each record (of one
        task; ``id_hash`` is their id hashes), by name, as :data:`RecordValues` says.
        ``assign`` and ``report`` find them in ``keys.split_values[name]``. (A strategy
        may also name, in a ``report_values`` tuple, those its report still reads: the
        others are freed before the shards are written.)"""

    def assign(self, units: Units, keys: KeyArrays) -> Assignment:
        """The split of each unit (``int16`` codes into the split names)."""

    def report(self, outcome: Outcome) -> dict[str, Any]:
        """This strategy's sections of the report's ``splitting`` object."""

    def card_text(self, config: dict[str, Any]) -> CardText:
        """This strategy's words in the card, from the settings the manifest recorded
        (:func:`dataset_kit.cards.creation_facts`: ``split_by_date``, ``stratify``,
        ``near_keep``, ...)."""
