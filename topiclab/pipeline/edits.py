"""Edits of a fitted model's topics: merge, split, move documents, and merge down to a number of topics.

Each edit changes the documents' topics, the reference documents that give new documents their topics (so
`transform` and later updates follow the edit), the term counts (only the documents that moved are counted
again), and records lineage: which earlier topics each topic came from. Words are recomputed for the
topics that changed; the others keep theirs. The model's `TopicState` does each change; this module decides
what changes. Texts and embeddings of the fitted documents are passed in (the model does not hold them).
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from topiclab.config import RunConfig
from topiclab.errors import ConfigError
from topiclab.pipeline.neighbors import nearest, normalize, vote
from topiclab.pipeline.predictor import OUTLIER
from topiclab.pipeline.steps import cluster_subset


def merge_topics(model, groups: Sequence[Sequence[int]], texts: Sequence[str], embeddings: np.ndarray,
                 how: str = "merge") -> dict[int, int]:
    """Merge each group into its first topic; returns {old id: new id} for the topics that went away."""
    state = model.state_
    mapping: dict[int, int] = {}
    for group in groups:
        group = [int(t) for t in group]
        _check_topics(state, group)
        if OUTLIER in group:
            raise ConfigError("Outliers (-1) cannot be merged; move their documents instead.")
        if len(set(group)) < 2:
            raise ConfigError(f"A merge needs at least two different topics, got {group}.")
        target = group[0]
        for topic in group[1:]:
            mapping[topic] = target
        names = [state.topic_names.get(t) for t in group if state.topic_names.get(t)]
        if names and target not in state.topic_names:
            state.name_topic(target, names[0], state.topic_kinds.get(next(t for t in group if state.topic_names.get(t))))
        state.record_lineage(target, sorted(set(group)), how)
    state.renumber(mapping)
    _refresh(model, set(mapping.values()), embeddings)
    return mapping


def reduce_topics(model, n_topics: int, texts: Sequence[str], embeddings: np.ndarray) -> dict[int, int]:
    """Merge the most similar topics (average linkage of centroids, cosine) until `n_topics` remain."""
    from scipy.cluster.hierarchy import fcluster, linkage

    state = model.state_
    ids = np.array([t for t in state.topic_ids if t != OUTLIER])
    if len(ids) <= n_topics:
        return {}
    vectors = normalize(state.topic_embeddings[np.searchsorted(state.topic_ids, ids)])
    groups = fcluster(linkage(vectors, method="average", metric="cosine"), n_topics, criterion="maxclust")
    merges = []
    for group in np.unique(groups):
        members = ids[groups == group]
        if len(members) > 1:  # the largest topic gives its id to the merged one
            members = sorted(members, key=lambda t: (-state.topic_sizes[int(t)], t))
            merges.append([int(t) for t in members])
    return merge_topics(model, merges, texts, embeddings, how="reduce")


def split_topic(model, topic: int, texts: Sequence[str], embeddings: np.ndarray,
                n_parts: Optional[int] = None) -> list[int]:
    """Split a topic into `n_parts` (k-means) or, by default, the clusters its own documents form (the
    same reduction and layer search as the fit). The largest part keeps the id; returns every part's id."""
    state, config = model.state_, model.settings
    _check_topics(state, [topic])
    members = np.flatnonzero(state.topics == topic)
    if len(members) < 4:
        raise ConfigError(f"Topic {topic} has {len(members)} documents, too few to split.")
    unit = normalize(embeddings[members])
    parts = _parts(unit, config, n_parts)
    sizes = np.bincount(parts)
    order = np.argsort(-sizes, kind="stable")
    next_id = int(state.topic_ids.max()) + 1
    ids = {int(order[0]): topic, **{int(p): next_id + i for i, p in enumerate(order[1:])}}
    state.move(members, np.array([ids[int(p)] for p in parts]), texts, config.vectorizer)
    for new in ids.values():
        state.record_lineage(new, [topic], "split")
    _refresh(model, set(ids.values()), embeddings)
    return sorted(ids.values())


def move_documents(model, positions: Sequence[int], topic: int, texts: Sequence[str], embeddings: np.ndarray) -> None:
    """Put the documents at `positions` into `topic` (an existing topic, or a new id for a new topic)."""
    positions = np.unique(np.asarray(positions, dtype=np.int64))
    if len(positions) == 0:
        raise ConfigError("No documents to move.")
    state = model.state_
    if positions.min() < 0 or positions.max() >= state.n_documents:
        raise ConfigError(f"Document positions must be 0 to {state.n_documents - 1}.")
    before = set(np.unique(state.topics[positions]).tolist())
    if topic not in state.topic_ids:
        state.record_lineage(topic, sorted(before), "move")
    state.move(positions, np.full(len(positions), int(topic)), texts, model.settings.vectorizer)
    _refresh(model, before | {int(topic)}, embeddings)


def _refresh(model, changed: set[int], embeddings: np.ndarray) -> None:
    """Words of the `changed` topics, sizes, centroids and representative documents after an edit."""
    config = model.settings
    model.state_.refresh_words(config, changed)
    model.state_.refresh_vectors(embeddings, config.topics.representative_docs)


def _parts(unit: np.ndarray, config: RunConfig, n_parts: Optional[int]) -> np.ndarray:
    if n_parts is None and len(unit) >= 40:
        labels = cluster_subset(unit, config, min_dist=0.0)
        if len(np.unique(labels[labels >= 0])) >= 2:
            clustered = labels >= 0
            if not clustered.all():  # documents in no part join the part of their nearest clustered documents
                indices, similarities = nearest(unit[~clustered], unit[clustered], min(10, clustered.sum()))
                labels[~clustered] = vote(labels[clustered][indices], similarities)[0]
            return np.unique(labels, return_inverse=True)[1]
    from sklearn.cluster import KMeans

    k = n_parts or 2
    if not 2 <= k <= len(unit):
        raise ConfigError(f"A topic of {len(unit)} documents cannot be split into {k} parts.")
    return KMeans(k, n_init=4, random_state=config.seed).fit_predict(unit)


def _check_topics(state, topics: Sequence[int]) -> None:
    unknown = sorted(set(int(t) for t in topics) - set(int(t) for t in state.topic_ids))
    if unknown:
        raise ConfigError(f"No topic {', '.join(map(str, unknown))}; the topics are "
                          f"{', '.join(map(str, state.topic_ids))}.")
