"""Edits of a fitted model's topics: merge, split, move documents, and merge down to a number of topics.

Each edit changes the documents' topics, the reference documents that give new documents their topics (so
`transform` and later updates follow the edit), the term counts (only the documents that moved are counted
again), and records lineage: which earlier topics each topic came from. Words are recomputed for the
topics that changed; the others keep theirs. Texts and embeddings of the fitted documents are passed in
(the model does not hold them).
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from topiclab.errors import ConfigError
from topiclab.pipeline.neighbors import nearest, normalize, vote
from topiclab.pipeline.predictor import OUTLIER


def merge_topics(model, groups: Sequence[Sequence[int]], texts: Sequence[str], embeddings: np.ndarray,
                 how: str = "merge") -> dict[int, int]:
    """Merge each group into its first topic; returns {old id: new id} for the topics that went away."""
    mapping: dict[int, int] = {}
    for group in groups:
        group = [int(t) for t in group]
        _check_topics(model, group)
        if OUTLIER in group:
            raise ConfigError("Outliers (-1) cannot be merged; move their documents instead.")
        if len(set(group)) < 2:
            raise ConfigError(f"A merge needs at least two different topics, got {group}.")
        target = group[0]
        for topic in group[1:]:
            mapping[topic] = target
        names = [model.topic_names_.get(t) for t in group if model.topic_names_.get(t)]
        if names and target not in model.topic_names_:
            model.topic_names_[target] = names[0]
            model.topic_kinds_[target] = model.topic_kinds_.get(next(t for t in group if model.topic_names_.get(t)))
        model.lineage_[target] = {"from": sorted(set(group)), "how": how}
    _renumber(model, mapping)
    model.term_counts_ = model.term_counts_.relabel(mapping)
    model.topic_ids_ = model.term_counts_.topic_ids.copy()
    for gone in mapping:
        for table in (model.topic_names_, model.topic_kinds_, model.lineage_):
            table.pop(gone, None)
    model._refresh_words(changed=set(mapping.values()))
    model._topic_vectors(embeddings)
    return mapping


def reduce_topics(model, n_topics: int, texts: Sequence[str], embeddings: np.ndarray) -> dict[int, int]:
    """Merge the most similar topics (average linkage of centroids, cosine) until `n_topics` remain."""
    from scipy.cluster.hierarchy import fcluster, linkage

    ids = np.array([t for t in model.topic_ids_ if t != OUTLIER])
    if len(ids) <= n_topics:
        return {}
    vectors = normalize(model.topic_embeddings_[np.searchsorted(model.topic_ids_, ids)])
    groups = fcluster(linkage(vectors, method="average", metric="cosine"), n_topics, criterion="maxclust")
    merges = []
    for group in np.unique(groups):
        members = ids[groups == group]
        if len(members) > 1:  # the largest topic gives its id to the merged one
            members = sorted(members, key=lambda t: (-model.topic_sizes_[int(t)], t))
            merges.append([int(t) for t in members])
    return merge_topics(model, merges, texts, embeddings, how="reduce")


def split_topic(model, topic: int, texts: Sequence[str], embeddings: np.ndarray,
                n_parts: Optional[int] = None) -> list[int]:
    """Split a topic into `n_parts` (k-means) or, by default, the clusters its own documents form (the
    same reduction and layer search as the fit). The largest part keeps the id; returns every part's id."""
    _check_topics(model, [topic])
    members = np.flatnonzero(model.topics_ == topic)
    if len(members) < 4:
        raise ConfigError(f"Topic {topic} has {len(members)} documents, too few to split.")
    unit = normalize(embeddings[members])
    parts = _parts(unit, model._config, n_parts)
    sizes = np.bincount(parts)
    order = np.argsort(-sizes, kind="stable")
    next_id = int(model.topic_ids_.max()) + 1
    ids = {int(order[0]): topic, **{int(p): next_id + i for i, p in enumerate(order[1:])}}
    new_topics = np.array([ids[int(p)] for p in parts])
    _move(model, members, new_topics, texts)
    for new in ids.values():
        model.lineage_[new] = {"from": [topic], "how": "split"}
    model._refresh_words(changed=set(ids.values()))
    model._topic_vectors(embeddings)
    return sorted(ids.values())


def move_documents(model, positions: Sequence[int], topic: int, texts: Sequence[str], embeddings: np.ndarray) -> None:
    """Put the documents at `positions` into `topic` (an existing topic, or a new id for a new topic)."""
    positions = np.unique(np.asarray(positions, dtype=np.int64))
    if len(positions) == 0:
        raise ConfigError("No documents to move.")
    if positions.min() < 0 or positions.max() >= len(model.topics_):
        raise ConfigError(f"Document positions must be 0 to {len(model.topics_) - 1}.")
    before = set(np.unique(model.topics_[positions]).tolist())
    if topic not in model.topic_ids_:
        model.lineage_[int(topic)] = {"from": sorted(before), "how": "move"}
    _move(model, positions, np.full(len(positions), int(topic)), texts)
    model._refresh_words(changed=before | {int(topic)})
    model._topic_vectors(embeddings)


def _move(model, positions: np.ndarray, new_topics: np.ndarray, texts: Sequence[str]) -> None:
    """Reassign documents, their counts and their reference entries."""
    config = model._config
    chosen = [texts[i] for i in positions]
    old = model.topics_[positions]
    counts = model.term_counts_.add(chosen, old, config.vectorizer, sign=-1)
    model.term_counts_ = counts.add(chosen, new_topics, config.vectorizer)
    model.topics_ = model.topics_.copy()
    model.topics_[positions] = new_topics
    model.assigned_by_ = model.assigned_by_.copy()
    model.assigned_by_[positions] = "edit"
    model.probabilities_ = model.probabilities_.copy()
    model.probabilities_[positions] = 1.0
    lookup = dict(zip(positions.tolist(), new_topics.tolist()))
    reference = model.reference_
    reference.topics = np.array([lookup.get(int(p), t) for p, t in zip(reference.positions, reference.topics)])
    empty = [t for t in model.term_counts_.topic_ids if not (model.topics_ == t).any()]
    model.term_counts_ = _drop_rows(model.term_counts_, empty)
    model.topic_ids_ = model.term_counts_.topic_ids.copy()
    for topic in empty:
        for table in (model.topic_names_, model.topic_kinds_, model.lineage_, model.representative_docs_):
            table.pop(int(topic), None)


def _parts(unit: np.ndarray, config, n_parts: Optional[int]) -> np.ndarray:
    if n_parts is None and len(unit) >= 40:
        from topiclab.pipeline.cluster import cluster
        from topiclab.pipeline.reduce import neighbor_graph, umap_layout

        graph = neighbor_graph(unit, config.umap.n_neighbors, config.seed)
        coords = umap_layout(unit, graph, min(config.umap.n_components, len(unit) - 2), min_dist=0.0,
                             n_epochs=config.umap.n_epochs or 200, init="pca", seed=config.seed)
        layers = cluster(coords, config.clustering)
        labels = layers.labels[layers.most_persistent()]
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


def _renumber(model, mapping: dict[int, int]) -> None:
    if not mapping:
        return
    lookup = np.vectorize(lambda t: mapping.get(int(t), int(t)), otypes=[np.int64])
    model.topics_ = lookup(model.topics_)
    model.reference_.topics = lookup(model.reference_.topics)


def _drop_rows(counts, topics):
    if not topics:
        return counts
    from topiclab.pipeline.words import TermCounts

    keep = ~np.isin(counts.topic_ids, topics)
    return TermCounts(counts.topic_ids[keep], counts.counts[np.flatnonzero(keep)], counts.document_frequency,
                      counts.vocabulary)


def _check_topics(model, topics: Sequence[int]) -> None:
    unknown = sorted(set(int(t) for t in topics) - set(int(t) for t in model.topic_ids_))
    if unknown:
        raise ConfigError(f"No topic {', '.join(map(str, unknown))}; the topics are "
                          f"{', '.join(map(str, model.topic_ids_))}.")
