"""How a document gets a topic without clustering: the reference documents and their neighbour vote.

The reference is a seeded sample of the fitted documents (all of them for corpora up to
`compute.reference_size`) with their topics. A document takes the topic of the similarity-weighted vote of
its nearest reference documents; the winning topic's share of the vote is its probability. The fit uses
this rule for documents the clustering left out (outliers, documents outside the fit sample), and
`transform`, online updates and Dask partitions use the same rule, so they agree with the fit. A document
identical to a reference document (similarity 1) takes that document's topic: a duplicate never moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from topiclab.pipeline.neighbors import nearest, vote

OUTLIER = -1
_IDENTICAL = 1.0 - 1e-5
#: Candidates kept per neighbour the vote needs (`Candidates`). A row whose candidates hold fewer voters than
#: the vote needs is searched again in full; with twice as many, 47% outliers in WordNet's fit sample left a
#: re-fit searching again for a large share of its 117,659 rows (2.6 s); four times costs the cold search
#: about 20% more (the matrix product dominates it) and makes such rows rare.
CANDIDATES_PER_VOTER = 4


@dataclass
class Assignment:
    topics: np.ndarray        # (n,) int64
    probabilities: np.ndarray  # (n,) float32: the topic's share of the neighbour vote
    neighbors: np.ndarray     # (n, k) int64: positions of the nearest reference documents, nearest first
    similarities: np.ndarray  # (n, k) float32
    neighbor_topics: np.ndarray  # (n, k) int64: their topics

    def share_of(self, topics: np.ndarray) -> np.ndarray:
        """Each row's share of the neighbour vote that went to `topics` (its own topic)."""
        return _share_of(topics, self.neighbor_topics, self.similarities)


@dataclass
class Reference:
    """Unit-length vectors of reference documents, their topics and their positions among the fitted ones."""

    vectors: np.ndarray
    topics: np.ndarray
    positions: np.ndarray
    n_neighbors: int = 15

    def assign(self, unit_vectors: np.ndarray, *, threshold: float = 0.0, keep_outliers: bool = False,
               centroids: tuple[np.ndarray, np.ndarray] | None = None, progress=None,
               candidates: "Candidates | None" = None) -> Assignment:
        """Topics for unit vectors by neighbour vote (or nearest centroid, given `centroids` = (ids, unit
        vectors)). Documents whose nearest reference similarity is below `threshold` become outliers (-1).
        Outlier reference documents vote only when `keep_outliers` (outlier_reduction 'none'). `progress(n)`
        is called as blocks of n documents are done. `candidates` (the same rows' nearest pool documents,
        see `Candidates`) spare the search: the result is the same."""
        voters = self if keep_outliers else self.without_outliers()
        if candidates is None:
            indices, similarities = nearest(unit_vectors, voters.vectors, voters.n_neighbors, progress=progress)
        else:
            indices, similarities = candidates.nearest_voters(voters, unit_vectors)
            if progress is not None:
                progress(len(unit_vectors))
        topics, shares = vote(voters.topics[indices], similarities)
        identical = similarities[:, 0] >= _IDENTICAL
        topics = np.where(identical, voters.topics[indices[:, 0]], topics)
        if centroids is not None:
            ids, vectors = centroids
            centroid_similarity = unit_vectors.astype(np.float64) @ vectors.T.astype(np.float64)  # no BLAS-noise ties
            topics = np.where(identical, topics, ids[centroid_similarity.argmax(axis=1)])
        shares = _share_of(topics, voters.topics[indices], similarities)
        topics = np.where(similarities[:, 0] < threshold, OUTLIER, topics)
        return Assignment(topics.astype(np.int64), shares, voters.positions[indices], similarities,
                          voters.topics[indices])

    def distribution(self, unit_vectors: np.ndarray, topic_ids: np.ndarray, keep_outliers: bool = False) -> np.ndarray:
        """(n, len(topic_ids)) share of each topic in each document's neighbour vote; rows sum to 1."""
        voters = self if keep_outliers else self.without_outliers()
        indices, similarities = nearest(unit_vectors, voters.vectors, voters.n_neighbors)
        weights = np.maximum(similarities, 0.0) + 1e-6
        columns = np.searchsorted(topic_ids, voters.topics[indices])
        result = np.zeros((len(unit_vectors), len(topic_ids)), dtype=np.float32)
        np.add.at(result, (np.repeat(np.arange(len(unit_vectors)), indices.shape[1]), columns.ravel()),
                  weights.ravel())
        return result / result.sum(axis=1, keepdims=True)

    def without_outliers(self) -> "Reference":
        keep = self.topics != OUTLIER
        if keep.all() or not keep.any():
            return self
        return Reference(self.vectors[keep], self.topics[keep], self.positions[keep], self.n_neighbors)


@dataclass
class Candidates:
    """Each document's nearest documents in a pool chosen without looking at topics (`pool`: positions among
    the fitted documents), CANDIDATES_PER_VOTER times as many as the vote needs. The search against the pool
    is the costly part of assigning a large corpus, and it depends only on the embeddings, so it is cached: a
    re-fit that changes which pool documents vote, and for which topic, takes each row's nearest voters from
    here."""

    pool: np.ndarray          # (p,) sorted positions
    indices: np.ndarray       # (n, K) rows of `pool`, nearest first
    similarities: np.ndarray  # (n, K) float32

    def nearest_voters(self, voters: Reference, unit_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What `nearest(unit_vectors, voters.vectors, k)` gives, for voters drawn from the pool: the first k
        voters among each row's candidates, searched again only for rows with fewer than k of them."""
        k = int(min(voters.n_neighbors, len(voters.positions)))
        row_of = np.full(len(self.pool), -1, np.int64)
        row_of[np.searchsorted(self.pool, voters.positions)] = np.arange(len(voters.positions))
        mapped = row_of[self.indices]
        is_voter = mapped >= 0
        rank = np.cumsum(is_voter, axis=1, dtype=np.int32)  # each candidate's place among the row's voters
        short = rank[:, -1] < k
        taken = is_voter & (rank <= k) & ~short[:, None]  # exactly k per full row, nearest first
        indices = np.full((len(mapped), k), -1, np.int64)
        similarities = np.zeros((len(mapped), k), np.float32)
        indices[~short] = mapped[taken].reshape(-1, k)
        similarities[~short] = self.similarities[taken].reshape(-1, k)
        short = np.flatnonzero(short)
        if len(short):
            indices[short], similarities[short] = nearest(unit_vectors[short], voters.vectors, k)
        return indices, similarities


@dataclass
class Decided:
    """Every fitted document's topic after the vote, how it got it, its probability, and the reference documents
    that voted for it (`neighbors`: their positions among the fitted documents), which place it on the map."""

    topics: np.ndarray         # (n,) int64
    assigned_by: np.ndarray    # (n,) object: "cluster", "neighbors", "zero-shot", "label", "" (outlier)
    probabilities: np.ndarray  # (n,) float32
    neighbors: np.ndarray      # (n, k) int64
    similarities: np.ndarray   # (n, k) float32

    @classmethod
    def concatenate(cls, parts: list["Decided"]) -> "Decided":
        """The parts of consecutive blocks of documents as one."""
        return cls(*(np.concatenate([getattr(part, name) for part in parts])
                     for name in ("topics", "assigned_by", "probabilities", "neighbors", "similarities")))


def decide(reference: Reference, unit_vectors: np.ndarray, topics: np.ndarray, assigned_by: np.ndarray,
           in_sample: np.ndarray, *, threshold: float = 0.0, keep_outliers: bool = False,
           centroids: tuple[np.ndarray, np.ndarray] | None = None, progress=None,
           candidates: Candidates | None = None) -> Decided:
    """The fit's last step for a block of documents: those the clustering and guidance left undecided (topic -1)
    take the vote's topic (with `keep_outliers`, HDBSCAN's noise in the fit sample stays noise), and every
    document gets the vote's share for its topic as probability (1 for zero-shot names and known labels).
    Each row depends only on its own vector, so blocks give what the whole corpus gives at once: this runs
    in-process for the fit and per partition on a Dask cluster."""
    voted = reference.assign(unit_vectors, threshold=threshold, keep_outliers=keep_outliers, centroids=centroids,
                             progress=progress, candidates=candidates)
    topics, assigned_by = topics.copy(), assigned_by.copy()
    undecided = (topics == OUTLIER) & ~(keep_outliers & in_sample)
    topics[undecided] = voted.topics[undecided]
    assigned_by[undecided] = np.where(voted.topics[undecided] == OUTLIER, "", "neighbors")
    known = np.isin(assigned_by, ("zero-shot", "label"))
    probabilities = np.where(known, 1.0, voted.share_of(topics)).astype(np.float32)
    return Decided(topics, assigned_by, probabilities, voted.neighbors, voted.similarities)


def choose_reference(topics: np.ndarray, size: int, seed: int, must_keep: np.ndarray | None = None) -> np.ndarray:
    """Sorted positions of at most `size` documents with each topic in proportion (and at least a few of
    every topic), seeded. All positions when there are `size` or fewer."""
    if len(topics) <= size:
        return np.arange(len(topics))
    rng = np.random.default_rng(seed)
    chosen = []
    for topic in np.unique(topics):
        members = np.flatnonzero(topics == topic)
        quota = min(len(members), max(5, int(round(size * len(members) / len(topics)))))
        chosen.append(rng.choice(members, quota, replace=False))
    if must_keep is not None:
        chosen.append(np.flatnonzero(must_keep))
    return np.unique(np.concatenate(chosen))


def _share_of(topics: np.ndarray, neighbor_topics: np.ndarray, similarities: np.ndarray) -> np.ndarray:
    weights = np.maximum(similarities, 0.0) + 1e-6
    return ((weights * (neighbor_topics == topics[:, None])).sum(axis=1) / weights.sum(axis=1)).astype(np.float32)
