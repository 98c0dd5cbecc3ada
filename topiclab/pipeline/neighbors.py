"""Exact cosine nearest neighbours, and the neighbour vote that gives every document its topic.

One function decides a document's topic wherever it happens (the fit's outliers, documents outside the
fit sample, `transform` on new documents, an online update, a Dask partition): a similarity-weighted
vote of its nearest reference documents. It is exact and the same whatever the blocks: a float32 matrix
product (BLAS) picks twice the candidates needed per row, whose similarities are then computed again in a
fixed order in float64 and ranked (ties: the lower index). BLAS's own results change in the last bits with
the block's shape, the thread count and the CPU, so a corpus cut into partitions on a Dask cluster would
otherwise get slightly different neighbours than the same corpus at once; this way it gets the same.
"""

from __future__ import annotations

from typing import Callable, Optional

import numba
import numpy as np

from topiclab.pipeline.jit import rebuilt_if_damaged

#: Similarities computed per block: about 64 MB of float32 at a time, whatever the reference size.
_BLOCK_CELLS = 16_000_000
#: Candidates per neighbour wanted, picked by the fast product and ranked exactly: a true neighbour is missed
#: only if more than this many others sit within float32 rounding (1e-6) of it.
_CANDIDATES = 2


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32), so a dot product is the cosine similarity."""
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def nearest(queries: np.ndarray, reference: np.ndarray, k: int, *, skip_self: bool = False,
            progress: Optional[Callable[[int], object]] = None) -> tuple[np.ndarray, np.ndarray]:
    """The `k` most cosine-similar rows of `reference` for each query: (indices int64, similarities float32),
    best first. Both inputs must already be unit rows (`normalize`). `skip_self` treats `queries` as
    `reference` itself and leaves each row's own index out. `progress(n)` is called after each block of n
    queries."""
    available = len(reference) - (1 if skip_self else 0)
    k = int(min(k, available))
    pool = int(min(available, _CANDIDATES * k))
    candidates = np.empty((len(queries), pool), dtype=np.int64)
    rough = np.empty((len(queries), pool), dtype=np.float32)
    rows = max(1, _BLOCK_CELLS // max(1, len(reference)))
    for start in range(0, len(queries), rows):
        block = queries[start:start + rows] @ reference.T
        if skip_self:
            own = np.arange(start, start + len(block))
            block[np.arange(len(block)), own] = -np.inf
        rebuilt_if_damaged(lambda: _top_k(block, pool, candidates[start:start + rows], rough[start:start + rows]))
        if progress is not None:
            progress(len(block))
    indices = np.empty((len(queries), k), dtype=np.int64)
    similarities = np.empty((len(queries), k), dtype=np.float32)
    rebuilt_if_damaged(lambda: _exact_top_k(np.ascontiguousarray(queries, dtype=np.float32),
                                            np.ascontiguousarray(reference, dtype=np.float32), candidates, indices,
                                            similarities))
    return indices, similarities


def vote(neighbor_topics: np.ndarray, similarities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's topic by similarity-weighted vote of its neighbours' topics, and that topic's share of
    the vote (an honest probability: 1.0 when every neighbour agrees). Ties go to the nearest neighbour's
    topic, so the result never depends on the order of topic ids."""
    return rebuilt_if_damaged(lambda: _vote(np.ascontiguousarray(neighbor_topics, dtype=np.int64),
                                            np.ascontiguousarray(similarities, dtype=np.float32)))


@numba.njit(parallel=True, cache=True)
def _top_k(block, k, out_indices, out_similarities):  # pragma: no cover (compiled)
    for row in numba.prange(block.shape[0]):
        values = block[row]
        best = np.full(k, -np.inf, dtype=np.float32)
        where = np.full(k, -1, dtype=np.int64)
        for column in range(values.shape[0]):
            value = values[column]
            if value <= best[k - 1]:
                continue
            slot = k - 1
            while slot > 0 and best[slot - 1] < value:
                best[slot] = best[slot - 1]
                where[slot] = where[slot - 1]
                slot -= 1
            best[slot] = value
            where[slot] = column
        out_indices[row] = where
        out_similarities[row] = best


@numba.njit(parallel=True, cache=True)
def _exact_top_k(queries, reference, candidates, out_indices, out_similarities):  # pragma: no cover (compiled)
    k = out_indices.shape[1]
    for row in numba.prange(candidates.shape[0]):
        pool = candidates.shape[1]
        exact = np.empty(pool, dtype=np.float64)
        for c in range(pool):
            column = candidates[row, c]
            total = 0.0
            for d in range(queries.shape[1]):  # in order, in float64: the same sum on any machine
                total += np.float64(queries[row, d]) * np.float64(reference[column, d])
            exact[c] = total
        taken = np.zeros(pool, dtype=np.bool_)
        for slot in range(k):
            best = -1
            for c in range(pool):
                if taken[c]:
                    continue
                if best < 0 or exact[c] > exact[best] or (exact[c] == exact[best]
                                                           and candidates[row, c] < candidates[row, best]):
                    best = c
            taken[best] = True
            out_indices[row, slot] = candidates[row, best]
            out_similarities[row, slot] = np.float32(exact[best])


@numba.njit(parallel=True, cache=True)
def _vote(topics, similarities):  # pragma: no cover (compiled)
    n, k = topics.shape
    chosen = np.empty(n, dtype=np.int64)
    share = np.empty(n, dtype=np.float32)
    for row in numba.prange(n):
        weights = np.zeros(k, dtype=np.float32)  # per neighbour slot: total weight of that slot's topic
        total = 0.0
        for i in range(k):
            weight = max(similarities[row, i], 0.0) + 1e-6
            total += weight
            for j in range(i + 1):
                if topics[row, j] == topics[row, i]:
                    weights[j] += weight
                    break
        best = 0
        for j in range(1, k):
            if weights[j] > weights[best]:
                best = j
        chosen[row] = topics[row, best]
        share[row] = weights[best] / total
    return chosen, share
