"""Split strategies: how each split unit gets its split.

A *unit* is a set of records that must share a split: a record alone, a
near-duplicate cluster kept whole, a ``--group-by`` group (:mod:`.grouped` forms the
groups). A strategy names the values pass 1 computes of each record for it
(``record_values``: dates, strata, ...; :func:`record_values` adds the groups'), sees
the units' keys and those values (``keys.split_values``), and returns a split index
per unit; it also writes its section of the report's ``splitting`` object and its
words in the card (``card_text``, from the settings the manifest recorded; the card
template ``cards/news_articles.md.j2`` places them, see :func:`card_text`).

Strategies, in the order they are tried (the first whose option is set wins):

* :mod:`.by_date`: ``--split-by-date FIELD:CUTOFF``, a unit by its earliest date;
* :mod:`.stratified`: ``--stratify FIELD``, each value of the field cut at the ratios;
* :mod:`.hashed`: the default, a seeded hash of the unit's key against the ratios.

A new strategy is one module with a class following :class:`SplitStrategy`, plus its
line in :data:`STRATEGIES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import DatasetKitError
from ..splitting import (
    DEFAULT_SPLIT,
    DateSplit,
    SplitSpec,
    parse_split,
    parse_split_by_date,
    split_names_for_dates,
)
from . import grouped
from .base import (
    Assignment,
    CardText,
    Outcome,
    RecordValues,
    SplitRequest,
    SplitStrategy,
    Units,
)
from .by_date import ByDate
from .hashed import Hashed
from .stratified import Stratified

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..config import ExportSettings

# Tried in this order; each returns its strategy, or None when its option is not set.
STRATEGIES = [ByDate.for_request, Stratified.for_request, Hashed.for_request]


def resolve_request(settings: ExportSettings) -> SplitRequest:
    """The split the settings ask for, parsed and checked: names (from ``--split``, or
    train/test for a date split), ratios, cutoffs, seed, stratum and group fields."""
    dates = parse_split_by_date(settings.split_by_date) if settings.split_by_date else None
    if dates is not None:
        spec = parse_split(settings.split) if settings.split is not None else None
        names = split_names_for_dates(spec, dates)
        return SplitRequest(
            names, spec, dates, int(settings.seed), settings.stratify, settings.group_by
        )
    # Only a split that was not given takes the default: an empty one is an error.
    spec = parse_split(settings.split if settings.split is not None else DEFAULT_SPLIT)
    if spec.ratios is None:
        raise DatasetKitError(
            f"--split {settings.split!r} names splits without ratios; give ratios "
            "(e.g. train=0.9,test=0.1) or use --split-by-date"
        )
    return SplitRequest(
        spec.names, spec, None, int(settings.seed), settings.stratify, settings.group_by
    )


def choose(request: SplitRequest) -> SplitStrategy:
    """The strategy for ``request``: the first in :data:`STRATEGIES` that takes it."""
    for make in STRATEGIES:
        strategy = make(request)
        if strategy is not None:
            return strategy
    raise AssertionError("the hash split takes every request")  # pragma: no cover


def splitting_report(
    request: SplitRequest, strategy: SplitStrategy, outcome: Outcome
) -> dict[str, Any]:
    """The report's ``splitting`` object: mode, seed, names, the strategy's sections,
    then the groups' (keys in this order: the report is compared byte for byte)."""
    summary: dict[str, Any] = {
        "mode": strategy.mode,
        "seed": request.seed,
        "splits": list(request.names),
    }
    summary.update(strategy.report(outcome))
    summary.update(grouped.report(request, outcome))
    return summary


def record_values(
    strategy: SplitStrategy,
    group_by: str | None,
    records: list[dict[str, Any]],
    id_hash: np.ndarray,
) -> RecordValues:
    """Pass 1, in a worker: the values of one task's records that ``strategy`` asks
    for, and the groups' with ``--group-by``, by name (see :data:`RecordValues`)."""
    values = dict(strategy.record_values(records, id_hash))
    values.update(grouped.record_values(group_by, records, id_hash))
    return values


def card_text(config: dict[str, Any]) -> CardText:
    """The words of the strategy the manifest recorded, for the card's "Written" line:
    its clause then the groups' (after the split names), and its sentence.

    ``config`` holds the recorded settings as :func:`dataset_kit.cards.creation_facts`
    reads them (``split``, ``split_by_date``, ``stratify``, ``group_by``, ``seed``,
    ``near_keep``); the strategy is the one :func:`choose` picks for them.
    """
    strategy = choose(_recorded_request(config))
    words = strategy.card_text(config)
    return CardText(words.clause + grouped.card_text(config), words.sentence)


def _recorded_request(config: dict[str, Any]) -> SplitRequest:
    """The request a manifest's settings stand for, as far as the card needs it (a
    setting an older manifest did not record takes a neutral value)."""
    spec = parse_split(config["split"]) if config.get("split") else None
    if spec is None or spec.ratios is None:
        names = spec.names if spec else ("train", "test")
        spec = SplitSpec(names, (1 / len(names),) * len(names))
    dates = None
    if config.get("split_by_date"):
        field, _, cutoffs = str(config["split_by_date"]).partition(":")
        dates = DateSplit(field, (), tuple(cutoffs.split(",")))
    seed = config.get("seed")
    return SplitRequest(
        spec.names,
        spec,
        dates,
        int(seed) if isinstance(seed, int) else 0,
        config.get("stratify"),
        config.get("group_by"),
    )


__all__ = [
    "STRATEGIES",
    "Assignment",
    "CardText",
    "Outcome",
    "RecordValues",
    "SplitRequest",
    "SplitStrategy",
    "Units",
    "card_text",
    "choose",
    "record_values",
    "resolve_request",
    "splitting_report",
]
