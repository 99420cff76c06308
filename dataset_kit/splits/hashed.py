"""The default split: a seeded hash of each unit's key, cut at the ratios.

Stable as the corpus grows (a unit's key, hence its number, never changes) and
independent of input order. Card: "A record's split comes from a seeded hash of its
id ..." (:func:`hash_sentence`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..splitting import assign_by_hash
from .base import Assignment, CardText, Outcome, RecordValues, SplitRequest, Units

if TYPE_CHECKING:  # pragma: no cover
    from ..stages.merge import KeyArrays


def hash_sentence(config: dict[str, Any]) -> str:
    """The card's sentence on the seeded hash (also the stratified split's ranks)."""
    whole = (
        " (of its cluster for near duplicates, so that each cluster stays whole in one split)"
        if config.get("near_keep") == "cluster"
        else ""
    )
    return (
        f" A record's split comes from a seeded hash of its id{whole}, so the same input "
        "always gives the same splits."
    )


@dataclass(frozen=True)
class Hashed:
    """``--split train=0.9,test=0.1`` with nothing else: the hash split."""

    names: tuple[str, ...]
    ratios: tuple[float, ...]
    seed: int
    mode: str = "hash"

    @classmethod
    def for_request(cls, request: SplitRequest) -> Hashed:
        assert request.spec is not None and request.spec.ratios is not None
        return cls(request.spec.names, request.spec.ratios, request.seed)

    def record_values(self, records: list[dict[str, Any]], id_hash: np.ndarray) -> RecordValues:
        return {}  # the units' keys are all it needs

    def assign(self, units: Units, keys: KeyArrays) -> Assignment:
        return Assignment(assign_by_hash(units.keys, self.ratios, self.seed))

    def report(self, outcome: Outcome) -> dict[str, Any]:
        return {"ratios": dict(zip(self.names, self.ratios, strict=True))}

    def card_text(self, config: dict[str, Any]) -> CardText:
        return CardText(sentence=hash_sentence(config))
