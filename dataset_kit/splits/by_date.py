"""``--split-by-date FIELD:CUTOFF[,CUTOFF...]``: the honest temporal split.

A unit goes to the split of its earliest date: before the first cutoff, the first
split, and so on; undated units go to the first split, so later splits only hold
records known to come after their cutoff. Card: "split by date at `FIELD:CUTOFF`"
(:meth:`ByDate.card_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..splitting import NO_DATE, DateSplit, assign_by_date, parse_timestamp
from .base import Assignment, CardText, Outcome, RecordValues, SplitRequest, Units

if TYPE_CHECKING:  # pragma: no cover
    from ..stages.merge import KeyArrays


def record_dates(valid: list[dict[str, Any]], field: str) -> tuple[np.ndarray, int]:
    """Each record's date in epoch seconds (pass 1; ``NO_DATE`` when absent or not a
    date), and how many had a value that is not a date."""
    dates = np.full(len(valid), NO_DATE, dtype=np.int64)
    bad = 0
    for i, record in enumerate(valid):
        value = record.get(field)
        if value is None:
            continue
        moment = parse_timestamp(value)
        if moment is None:
            bad += 1
        else:
            dates[i] = moment
    return dates, bad


@dataclass(frozen=True)
class ByDate:
    dates: DateSplit
    mode: str = "date"

    @classmethod
    def for_request(cls, request: SplitRequest) -> ByDate | None:
        return cls(request.dates) if request.dates is not None else None

    def record_values(self, records: list[dict[str, Any]], id_hash: np.ndarray) -> RecordValues:
        dates, bad = record_dates(records, self.dates.field)
        return {"dates": dates, "unparseable_dates": bad}

    def assign(self, units: Units, keys: KeyArrays) -> Assignment:
        dates = keys.split_values["dates"]
        unit_dates = np.full(len(units.keys), NO_DATE, dtype=np.int64)
        np.minimum.at(unit_dates, units.of_record, dates[units.records])
        return Assignment(
            assign_by_date(unit_dates, self.dates.cutoffs), int((unit_dates == NO_DATE).sum())
        )

    def report(self, outcome: Outcome) -> dict[str, Any]:
        return {
            "by_date": {
                "field": self.dates.field,
                "cutoffs": list(self.dates.cutoff_texts),
                "undated_units_in_first_split": outcome.undated_units,
                "unparseable_dates": outcome.keys.split_counts.get("unparseable_dates", 0),
            }
        }

    def card_text(self, config: dict[str, Any]) -> CardText:
        return CardText(f", split by date at `{config['split_by_date']}`")
