"""``--group-by FIELD``: records sharing a value form one unit, hence one split.

Not a strategy of its own: it shapes the units every strategy assigns (a group's key
is the hash of its value, so the hash split stays stable as the group grows). A
record without a value is a group of its own. Card: "records sharing a `FIELD` kept
in one split" (:func:`card_text`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dedup import hash64_array, value_bytes
from .base import Outcome, RecordValues, SplitRequest


def record_groups(valid: list[dict[str, Any]], field: str, id_hash: np.ndarray) -> np.ndarray:
    """Each record's group key (pass 1): a hash of its value, else its id's hash."""
    groups = id_hash.copy()
    values = [r.get(field) for r in valid]
    present = [i for i, v in enumerate(values) if v is not None]
    if present:
        groups[present] = hash64_array(b"group\x00" + value_bytes(values[i]) for i in present)
    return groups


def record_values(
    field: str | None, records: list[dict[str, Any]], id_hash: np.ndarray
) -> RecordValues:
    """Pass 1: ``groups``, each record's group key, with ``--group-by FIELD``."""
    return {"groups": record_groups(records, field, id_hash)} if field else {}


def report(request: SplitRequest, outcome: Outcome) -> dict[str, Any]:
    """The report's ``group_by`` section (none without ``--group-by``)."""
    if not request.group_by:
        return {}
    return {
        "group_by": {
            "field": request.group_by,
            "groups_across_splits": outcome.cross_split_groups,
        }
    }


def card_text(config: dict[str, Any]) -> str:
    """The card's clause on the groups (none without ``--group-by``)."""
    field = config.get("group_by")
    return f", records sharing a `{field}` kept in one split" if field else ""
