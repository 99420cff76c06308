"""Plan the export over key arrays only: what is dropped, what is rejected, which split.

Four steps, each a function, composed by :func:`plan_export`:

1. :func:`drop_exact_copies`: the first of records with the same words and URL is
   kept; a later record reusing a kept record's id is rejected (``DUPLICATE_ID``);
2. :func:`cluster_near_duplicates`: candidate pairs from the LSH bands, each accepted
   only on the exact Jaccard of its shingle sets (:func:`dataset_kit.dedup.verify_pairs`),
   joined into clusters named by their member with the smallest id hash;
3. :func:`split_units`: records that must share a split (a cluster kept whole, a
   ``--group-by`` group) joined into units;
4. :func:`assign_splits`: the split strategy (:mod:`dataset_kit.splits`) gives each
   unit a split; every record of a unit gets it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..dedup import (
    NearDupParams,
    candidate_pairs,
    connected_components,
    first_occurrences,
    index_dtype,
)
from ..splits import SplitStrategy, Units
from .memory import release_memory
from .merge import KeyArrays

# Record status after planning.
KEPT, EXACT_DUPLICATE, DUPLICATE_ID, NEAR_DROPPED = 0, 1, 2, 3


@dataclass
class SplitPlan:
    """What happens to each valid record, from :func:`plan_export`."""

    status: np.ndarray  # KEPT, EXACT_DUPLICATE, DUPLICATE_ID, NEAR_DROPPED
    kept_copy_of: np.ndarray  # for a dropped or rejected record: the record it repeats
    representative: np.ndarray  # the cluster representative (itself when alone)
    split: np.ndarray  # split index, -1 when not written
    pairs: np.ndarray  # verified near-duplicate pairs
    candidate_pairs: int
    cross_split_pairs: int
    cross_split_groups: int
    undated_units: int = 0


@dataclass
class _Dedup:
    """Steps 1 and 2 so far: status and kept copy of each record, and the clusters."""

    status: np.ndarray
    kept_copy_of: np.ndarray
    representative: np.ndarray
    pairs: np.ndarray
    candidates: int = 0


def plan_export(
    keys: KeyArrays,
    *,
    strategy: SplitStrategy,
    dedup: str,
    near: NearDupParams | None,
    near_keep: str,
    verify: Callable[[np.ndarray], np.ndarray] | None,
) -> SplitPlan:
    """Decide, over key arrays only, which records are written and to which split."""
    state = drop_exact_copies(keys, dedup)
    if near is not None and keys.bands is not None and keys.size:
        assert verify is not None
        cluster_near_duplicates(keys, state, verify, near_keep)
    kept = state.status == KEPT
    components = split_units(keys, kept, state.pairs, keep_clusters=near_keep == "cluster")
    split, cross_groups, undated = assign_splits(keys, kept, components, strategy)
    pairs = state.pairs
    both_kept = kept[pairs[:, 0]] & kept[pairs[:, 1]] if len(pairs) else np.zeros(0, bool)
    cross_pairs = int((split[pairs[both_kept, 0]] != split[pairs[both_kept, 1]]).sum())
    return SplitPlan(
        status=state.status,
        kept_copy_of=state.kept_copy_of,
        representative=state.representative,
        split=split,
        pairs=pairs,
        candidate_pairs=state.candidates,
        cross_split_pairs=cross_pairs,
        cross_split_groups=cross_groups,
        undated_units=undated,
    )


def drop_exact_copies(keys: KeyArrays, dedup: str) -> _Dedup:
    """Step 1: mark exact copies (all but the first) and later reuses of a kept id."""
    n = keys.size
    index = np.arange(n, dtype=index_dtype(n))
    status = np.zeros(n, dtype=np.int8)
    kept_copy_of = index.copy()
    if dedup != "off" and n:
        assert keys.exact is not None
        first = first_occurrences(keys.exact)
        copies = first != index
        status[copies] = EXACT_DUPLICATE
        kept_copy_of[copies] = first[copies]
        first_id = first_occurrences(keys.id_hash, eligible=status == KEPT)
        reused = (first_id != index) & (status == KEPT)
        status[reused] = DUPLICATE_ID
        kept_copy_of[reused] = first_id[reused]
    return _Dedup(status, kept_copy_of, index.copy(), np.zeros((0, 2), dtype=np.int64))


def cluster_near_duplicates(
    keys: KeyArrays, state: _Dedup, verify: Callable[[np.ndarray], np.ndarray], near_keep: str
) -> None:
    """Step 2: verified near-duplicate pairs, their clusters and representatives; with
    ``near_keep="one"`` the other kept members are dropped."""
    assert keys.has_signature is not None and keys.bands is not None
    n = keys.size
    index = np.arange(n, dtype=index_dtype(n))
    eligible = (state.status == KEPT) & keys.has_signature
    found = candidate_pairs(keys.bands, eligible)
    # The band hashes (4 bytes per band per record) are done with, and so is the
    # sorting's scratch: give both back before the texts are read for the check.
    keys.bands = None
    release_memory(force=True)
    state.candidates = len(found)
    state.pairs = found[verify(found)]
    labels = connected_components(n, state.pairs)
    # The representative is the member with the smallest id hash: independent of
    # input order, and it names the cluster (cluster_id).
    order = np.lexsort((keys.id_hash, labels))
    first_of_label = np.ones(n, dtype=bool)
    first_of_label[1:] = labels[order][1:] != labels[order][:-1]
    label_rep = np.empty(n, dtype=index.dtype)
    label_rep[labels[order][first_of_label]] = order[first_of_label]
    state.representative = label_rep[labels]
    if near_keep == "one":
        extra = (state.representative != index) & (state.status == KEPT)
        state.status[extra] = NEAR_DROPPED
        state.kept_copy_of[extra] = state.representative[extra]


def split_units(
    keys: KeyArrays, kept: np.ndarray, pairs: np.ndarray, *, keep_clusters: bool
) -> np.ndarray:
    """Step 3: the component of each record; records of a component share a split.

    Verified near-duplicate ``pairs`` link records when clusters are kept whole, and so
    do the ``--group-by`` groups of kept records. (With neither, the pairs still make
    the components: only a cluster's representative is kept then, so this changes no
    split, and it keeps the units' numbering as it always was.)
    """
    n = keys.size
    index = np.arange(n, dtype=index_dtype(n))
    links = [pairs] if keep_clusters else []
    groups = keys.split_values.get("groups")
    if groups is not None:
        group_first = first_occurrences(groups, eligible=kept)
        joined = np.flatnonzero(group_first != index)
        links.append(np.stack([group_first[joined], joined], axis=1))
    return connected_components(n, np.concatenate(links) if links else pairs)


def assign_splits(
    keys: KeyArrays, kept: np.ndarray, components: np.ndarray, strategy: SplitStrategy
) -> tuple[np.ndarray, int, int]:
    """Step 4: the split of each record (-1 when not written), the number of groups
    found in more than one split, and the number of undated units."""
    split = np.full(keys.size, -1, dtype=np.int16)
    kept_index = np.flatnonzero(kept)
    if not len(kept_index):
        return split, 0, 0
    groups = keys.split_values.get("groups")
    unit_key = groups if groups is not None else keys.id_hash
    units, unit_of = np.unique(components[kept_index], return_inverse=True)
    unit_keys = np.full(len(units), np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(unit_keys, unit_of, unit_key[kept_index])
    assigned = strategy.assign(
        Units(keys=unit_keys, of_record=unit_of, records=kept_index, record_keys=unit_key),
        keys,
    )
    split[kept_index] = assigned.codes[unit_of]
    cross_groups = 0
    if groups is not None:
        group_splits = np.unique(
            np.stack([groups[kept_index], split[kept_index].astype(np.uint64)], axis=1),
            axis=0,
        )
        cross_groups = int(len(group_splits) - len(np.unique(group_splits[:, 0])))
    return split, cross_groups, assigned.undated_units
