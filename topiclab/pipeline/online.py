"""Online updates: new documents join a fitted model without refitting it.

Each new document takes a topic by the fit's own rule (zero-shot names, then the neighbour vote), so old
topic ids stay and topics grow. Documents less similar to every reference document than 95% of the
fitted documents were to their nearest neighbour are novel; when enough novel documents cluster together
(the same reduction and layer search as the fit, on them alone) they form new topics, numbered after the
existing ones. Words, sizes, centroids and the reference are updated from the counts and vectors the model
keeps; old documents are never reassigned. `model.updates_` logs each update.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional, Sequence

import numpy as np

from topiclab.pipeline import guidance
from topiclab.pipeline.cluster import cluster
from topiclab.pipeline.neighbors import normalize
from topiclab.pipeline.predictor import OUTLIER, Reference, choose_reference
from topiclab.pipeline.reduce import neighbor_graph, umap_layout


def add_documents(model, texts: list[str], embeddings: np.ndarray, y: Optional[Sequence] = None) -> None:
    config = model._config
    unit = normalize(embeddings)
    offset, n = model.n_documents_, len(texts)
    voted = model._predict_unit(unit)
    topics = voted.topics.copy()
    assigned_by = np.where(topics == OUTLIER, "", "neighbors").astype(object)
    named = model._zero_shot_of(unit)
    if named is not None:
        assigned_by[named >= 0] = "zero-shot"
    next_id = int(max(model.topic_ids_.max(), -1)) + 1
    created: list[int] = []
    if y is not None:
        next_id = _apply_labels(model, y, topics, assigned_by, next_id, created)

    novel = (voted.similarities[:, 0] < model.novelty_threshold_) & np.isin(assigned_by, ("neighbors", ""))
    if novel.sum() >= max(2 * config.clustering.smallest_cluster, 20):
        clusters = _cluster_novel(unit[novel], config)
        for label in np.unique(clusters[clusters >= 0]):
            members = np.flatnonzero(novel)[clusters == label]
            topics[members], assigned_by[members] = next_id, "cluster"
            model.lineage_[next_id] = {"from": [], "how": "update", "update": len(model.updates_) + 1}
            created.append(next_id)
            next_id += 1

    changed = set(np.unique(topics).tolist())
    before = dict(zip(map(int, model.topic_ids_), zip(model.topic_embeddings_, map(model.topic_sizes_.get,
                                                                                      map(int, model.topic_ids_)))))
    model.topics_ = np.concatenate([model.topics_, topics])
    model.probabilities_ = np.concatenate([model.probabilities_, np.where(
        assigned_by == "neighbors", voted.probabilities, 1.0).astype(np.float32)])
    model.assigned_by_ = np.concatenate([model.assigned_by_, assigned_by])
    model.term_counts_ = model.term_counts_.add(texts, topics, config.vectorizer)
    model.topic_ids_ = model.term_counts_.topic_ids.copy()
    _update_vectors(model, unit, embeddings, topics, offset, before)
    _update_reference(model, unit, topics, offset, created)
    model.n_documents_ = offset + n
    model._refresh_words(changed)
    model.updates_.append({
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "n_documents": n,
        "first_position": offset, "new_topics": created, "novel": int(novel.sum()),
        "assigned": {str(t): int((topics == t).sum()) for t in sorted(changed)},
    })


def _apply_labels(model, y: Sequence, topics: np.ndarray, assigned_by: np.ndarray, next_id: int,
                  created: list[int]) -> int:
    codes, names = guidance.known_labels(y)
    lookup = {name.lower(): topic for topic, name in model.topic_names_.items()}
    for code, name in enumerate(names):
        if name.lower() not in lookup:
            lookup[name.lower()] = next_id
            model.topic_names_[next_id], model.topic_kinds_[next_id] = name, "label"
            model.lineage_[next_id] = {"from": [], "how": "label", "update": len(model.updates_) + 1}
            created.append(next_id)
            next_id += 1
        hit = codes == code
        topics[hit], assigned_by[hit] = lookup[name.lower()], "label"
    return next_id


def _cluster_novel(unit: np.ndarray, config) -> np.ndarray:
    """Clusters among the novel documents alone, at their most persistent layer."""
    graph = neighbor_graph(unit, config.umap.n_neighbors, config.seed)
    coords = umap_layout(unit, graph, min(config.umap.n_components, len(unit) - 2), min_dist=config.umap.min_dist,
                         n_epochs=config.umap.n_epochs or 200, init="pca", seed=config.seed)
    layers = cluster(coords, config.clustering)
    return layers.labels[layers.most_persistent()]


def _update_vectors(model, unit: np.ndarray, embeddings: np.ndarray, topics: np.ndarray, offset: int,
                    before: dict[int, tuple[np.ndarray, int]]) -> None:
    """Running means for centroids (`before`: each old topic's centroid and size); representative documents
    re-chosen among the topic's reference documents and its new members."""
    centroids = []
    for topic in map(int, model.topic_ids_):
        added = embeddings[topics == topic]
        previous, size = before.get(topic, (0.0, 0))
        centroids.append((previous * size + added.sum(axis=0)) / max(size + len(added), 1))
    model.topic_embeddings_ = np.vstack(centroids).astype(np.float32)
    reference = model.reference_
    for row, topic in enumerate(map(int, model.topic_ids_)):
        new = np.flatnonzero(topics == topic)
        if not len(new):
            continue
        old = reference.topics == topic
        positions = np.concatenate([reference.positions[old], offset + new])
        vectors = np.vstack([reference.vectors[old], unit[new]])
        centroid = normalize(model.topic_embeddings_[row:row + 1])[0]
        order = np.argsort(-(vectors @ centroid), kind="stable")[:model._config.topics.representative_docs]
        model.representative_docs_[topic] = positions[order].astype(int).tolist()


def _update_reference(model, unit: np.ndarray, topics: np.ndarray, offset: int, created: list[int]) -> None:
    reference = model.reference_
    vectors = np.vstack([reference.vectors, unit])
    all_topics = np.concatenate([reference.topics, topics])
    positions = np.concatenate([reference.positions, offset + np.arange(len(topics))])
    voters = all_topics != OUTLIER if model._config.topics.outlier_reduction != "none" else np.ones(len(all_topics), bool)
    vectors, all_topics, positions = vectors[voters], all_topics[voters], positions[voters]
    keep = choose_reference(all_topics, model._config.compute.reference_size,
                            model._config.seed + len(model.updates_) + 1, must_keep=np.isin(all_topics, created))
    model.reference_ = Reference(vectors[keep], all_topics[keep], positions[keep], reference.n_neighbors)
