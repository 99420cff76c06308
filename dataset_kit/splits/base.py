"""The types every split strategy shares (see :mod:`dataset_kit.splits`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np

from ..splitting import DateSplit, SplitSpec

if TYPE_CHECKING:  # pragma: no cover
    from ..stages.merge import KeyArrays


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
    not written), the keys, and the counts the planning and pass 1 found."""

    split: np.ndarray
    keys: KeyArrays
    undated_units: int
    unparseable_dates: int
    cross_split_groups: int


class CardText(NamedTuple):
    """A strategy's words in the card's "Written" line: ``clause`` after the split
    names (", stratified by `source`"), ``sentence`` after the line's full stop."""

    clause: str = ""
    sentence: str = ""


class SplitStrategy(Protocol):
    """One way of giving each unit a split."""

    mode: str  # the report's ``splitting.mode``

    def assign(self, units: Units, keys: KeyArrays) -> Assignment:
        """The split of each unit (``int16`` codes into the split names)."""

    def report(self, outcome: Outcome) -> dict[str, Any]:
        """This strategy's sections of the report's ``splitting`` object."""

    def card_text(self, config: dict[str, Any]) -> CardText:
        """This strategy's words in the card, from the settings the manifest recorded
        (:func:`dataset_kit.cards.creation_facts`: ``split_by_date``, ``stratify``,
        ``near_keep``, ...)."""
