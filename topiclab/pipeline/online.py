"""Online updates: new documents join a fitted model without refitting it.

Each new document takes a topic by the fit's own rule (zero-shot names, then the neighbour vote), so old
topic ids stay and topics grow. Documents less similar to every reference document than 95% of the
fitted documents were to their nearest neighbour are novel; when enough novel documents cluster together
(the same reduction and layer search as the fit, on them alone) they form new topics, numbered after the
existing ones. This module decides the new documents' topics; the model's `TopicState` adds them (words,
sizes, centroids and the reference from the counts and vectors it keeps). Old documents are never
reassigned. `model.updates_` logs each update.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional, Sequence

import numpy as np

from topiclab.pipeline import guidance
from topiclab.pipeline.neighbors import normalize
from topiclab.pipeline.predictor import OUTLIER
from topiclab.pipeline.steps import cluster_subset
from topiclab.pipeline.topic_state import TopicState


def add_documents(model, texts: list[str], embeddings: np.ndarray, y: Optional[Sequence] = None) -> None:
    """Give `texts` topics in the fitted `model` and add them to it (`y`: known labels, '' where unknown)."""
    state, config = model.state_, model.settings
    unit = normalize(embeddings)
    voted = state.assign(unit, config.topics)
    topics = voted.topics.copy()
    assigned_by = np.where(topics == OUTLIER, "", "neighbors").astype(object)
    named = state.zero_shot(unit, config.topics.zero_shot_threshold)
    if named is not None:
        assigned_by[named >= 0] = "zero-shot"
    next_id = int(max(state.topic_ids.max(), -1)) + 1
    created: list[int] = []
    if y is not None:
        next_id = _apply_labels(state, y, topics, assigned_by, next_id, created)

    novel = (voted.similarities[:, 0] < state.novelty_threshold) & np.isin(assigned_by, ("neighbors", ""))
    if novel.sum() >= max(2 * config.clustering.smallest_cluster, 20):
        clusters = cluster_subset(unit[novel], config, min_dist=config.umap.min_dist)
        for label in np.unique(clusters[clusters >= 0]):
            members = np.flatnonzero(novel)[clusters == label]
            topics[members], assigned_by[members] = next_id, "cluster"
            state.record_lineage(next_id, [], "update", update=len(state.updates) + 1)
            created.append(next_id)
            next_id += 1

    record = {
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "n_documents": len(texts),
        "first_position": state.n_documents, "new_topics": created, "novel": int(novel.sum()),
        "assigned": {str(t): int((topics == t).sum()) for t in sorted(set(np.unique(topics).tolist()))},
    }
    probabilities = np.where(assigned_by == "neighbors", voted.probabilities, 1.0)
    state.append(texts, embeddings, topics, probabilities, assigned_by, created, config, record)


def _apply_labels(state: TopicState, y: Sequence, topics: np.ndarray, assigned_by: np.ndarray, next_id: int,
                  created: list[int]) -> int:
    codes, names = guidance.known_labels(y)
    lookup = {name.lower(): topic for topic, name in state.topic_names.items()}
    for code, name in enumerate(names):
        if name.lower() not in lookup:
            lookup[name.lower()] = next_id
            state.name_topic(next_id, name, "label")
            state.record_lineage(next_id, [], "label", update=len(state.updates) + 1)
            created.append(next_id)
            next_id += 1
        hit = codes == code
        topics[hit], assigned_by[hit] = lookup[name.lower()], "label"
    return next_id
