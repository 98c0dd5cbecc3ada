"""A fitted TopicModel from topics decided elsewhere (another tool's clustering, e.g. an imported BERTopic model).

The given topics take the place of the cluster layers: they are the model's one layer, its documents vote
for new ones (`assign`, `update`), and its term counts let edits recompute words. Topic words and topic
vectors may be given too (the other tool's); otherwise they are c-TF-IDF words and centroids as in a fit.
Outliers (-1) stay outliers, unless `reassign_outliers` gives them the topic of their neighbours' vote,
the rule topiclab's fit uses for documents its clustering leaves out.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from topiclab.config import RunConfig
from topiclab.errors import TopicLabError
from topiclab.pipeline.cluster import Layers
from topiclab.pipeline.model import NOVELTY_QUANTILE, TopicModel
from topiclab.pipeline.neighbors import normalize
from topiclab.pipeline.predictor import OUTLIER, Reference, decide
from topiclab.pipeline.reduce import ReductionCache, neighbor_graph
from topiclab.pipeline.words import TermCounts


def model_from_topics(config: RunConfig, texts: list[str], embeddings: np.ndarray, topics: np.ndarray, *,
                      words: Optional[dict[int, list[tuple[str, float]]]] = None,
                      topic_vectors: Optional[dict[int, np.ndarray]] = None, reassign_outliers: bool = False,
                      origin: str = "bertopic") -> TopicModel:
    """A TopicModel fitted to `topics` (one per text, -1 for outliers) as if its clustering had found them.
    `words` and `topic_vectors` ({topic: ...}) replace the computed ones for the topics they hold."""
    topics = np.asarray(topics, dtype=np.int64)
    if len(topics) != len(texts) or len(embeddings) != len(texts):
        raise TopicLabError(f"{len(topics)} topics and {len(embeddings)} embeddings were given for {len(texts)} "
                            "documents: give one of each per document, in order.")
    if not (topics >= 0).any():
        raise TopicLabError("Every document is an outlier (-1): there are no topics to import.")
    keep = not reassign_outliers
    config = config.with_overrides({"topics.outlier_reduction": "none" if keep else "neighbors"})
    model = TopicModel(config)
    unit = normalize(embeddings)
    everyone = np.arange(len(texts))
    pool = everyone if len(texts) <= config.compute.reference_size else np.sort(np.random.default_rng(
        config.seed).choice(everyone, config.compute.reference_size, replace=False))
    voters = pool if keep else pool[topics[pool] != OUTLIER]
    model.reference_ = Reference(unit[voters], topics[voters], voters, n_neighbors=config.umap.n_neighbors)
    decided = decide(model.reference_, unit, topics, np.where(topics == OUTLIER, "", "cluster").astype(object),
                     np.ones(len(texts), bool), threshold=config.topics.outlier_threshold, keep_outliers=keep)
    model.topics_, model.assigned_by_, model.probabilities_ = decided.topics, decided.assigned_by, decided.probabilities
    model.neighbors_, model.neighbor_similarities_ = decided.neighbors, decided.similarities
    model.fit_sample_ = model.layer_positions_ = everyone
    model.layers_, model.level_ = Layers(topics[None, :].astype(np.int32), np.zeros(1)), 0
    similarities = neighbor_graph(unit, config.umap.n_neighbors, config.seed)[1]  # as the fit measures novelty
    model.novelty_threshold_ = float(np.quantile(similarities[:, 1], NOVELTY_QUANTILE)) if similarities.shape[1] > 1 \
        else 0.0
    model.topic_names_, model.topic_kinds_, model.seed_matches_, model.zero_shot_vectors_ = {}, {}, {}, None
    model.term_counts_ = TermCounts.from_documents(texts, model.topics_, config.vectorizer,
                                                   ReductionCache.for_config(config))
    model.topic_ids_ = model.term_counts_.topic_ids.copy()
    model._refresh_words(changed=None)
    model.topic_words_.update({t: list(pairs) for t, pairs in (words or {}).items() if t in model.topic_words_})
    model._topic_vectors(embeddings)
    for row, topic in enumerate(model.topic_ids_):
        if topic_vectors and int(topic) in topic_vectors:
            model.topic_embeddings_[row] = topic_vectors[int(topic)]
    model.lineage_ = {int(t): {"from": [], "how": origin} for t in model.topic_ids_}
    model.n_documents_, model.updates_, model.stage_seconds_ = len(texts), [], {}
    return model
