"""``--stratify FIELD``: every value of the field gets the ratios, to within one unit.

Units are ranked by their seeded hash within each value and cut at the exact ratios
(weighted by unit size). A unit's stratum is that of its record with the smallest
key. Card: "stratified by `FIELD`" and the hash split's sentence (:meth:`card_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import orjson

from ..splitting import assign_stratified
from .base import Assignment, CardText, Outcome, RecordValues, SplitRequest, Units
from .hashed import hash_sentence

if TYPE_CHECKING:  # pragma: no cover
    from ..stages.merge import KeyArrays


def record_strata(valid: list[dict[str, Any]], field: str) -> list[str | None]:
    """Each record's stratum (pass 1): the field's string, or its JSON for another value."""
    return [
        None
        if (v := r.get(field)) is None
        else (v if isinstance(v, str) else orjson.dumps(v).decode())
        for r in valid
    ]


@dataclass(frozen=True)
class Stratified:
    names: tuple[str, ...]
    ratios: tuple[float, ...]
    seed: int
    field: str
    mode: str = "stratified"
    report_values: ClassVar[tuple[str, ...]] = ("strata",)

    @classmethod
    def for_request(cls, request: SplitRequest) -> Stratified | None:
        if not request.stratify:
            return None
        assert request.spec is not None and request.spec.ratios is not None
        return cls(request.spec.names, request.spec.ratios, request.seed, request.stratify)

    def record_values(self, records: list[dict[str, Any]], id_hash: np.ndarray) -> RecordValues:
        return {"strata": record_strata(records, self.field)}  # coded in input order

    def assign(self, units: Units, keys: KeyArrays) -> Assignment:
        strata = keys.split_values["strata"]
        kept, unit_of = units.records, units.of_record
        # A unit's stratum is that of its record with the smallest key.
        order = np.lexsort((keys.id_hash[kept], units.record_keys[kept], unit_of))
        first = np.ones(len(order), dtype=bool)
        first[1:] = unit_of[order][1:] != unit_of[order][:-1]
        unit_strata = np.empty(len(units.keys), dtype=np.int64)
        unit_strata[unit_of[order][first]] = strata[kept][order][first]
        sizes = np.bincount(unit_of, minlength=len(units.keys))
        return Assignment(assign_stratified(units.keys, sizes, unit_strata, self.ratios, self.seed))

    def report(self, outcome: Outcome) -> dict[str, Any]:
        sections: dict[str, Any] = {"ratios": dict(zip(self.names, self.ratios, strict=True))}
        strata = outcome.keys.split_values.get("strata")
        if strata is None:
            return sections
        written = outcome.split >= 0
        pairs = np.stack([strata[written], outcome.split[written].astype(np.int64)], axis=1)
        combos, counts = (
            np.unique(pairs, axis=0, return_counts=True)
            if len(pairs)
            else (np.zeros((0, 2), np.int64), [])
        )
        table: dict[str, dict[str, int]] = {}
        for (code, split), count in zip(combos.tolist(), list(counts), strict=True):
            name = outcome.keys.split_labels["strata"][code]
            label = "null" if name is None else name
            table.setdefault(label, {n: 0 for n in self.names})[self.names[split]] = int(count)
        sections["stratify"] = {"field": self.field, "per_value": dict(sorted(table.items()))}
        return sections

    def card_text(self, config: dict[str, Any]) -> CardText:
        return CardText(f", stratified by `{config['stratify']}`", hash_sentence(config))
