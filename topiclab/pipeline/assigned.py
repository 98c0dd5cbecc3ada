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
from topiclab.pipeline import steps
from topiclab.pipeline.cluster import Layers
from topiclab.pipeline.model import NOVELTY_QUANTILE, TopicModel
from topiclab.pipeline.neighbors import normalize
from topiclab.pipeline.predictor import OUTLIER
from topiclab.pipeline.reduce import ReductionCache
from topiclab.pipeline.topic_state import TopicState
from topiclab.pipeline.words import TermCounts


def model_from_topics(config: RunConfig, texts: list[str], embeddings: np.ndarray, topics: np.ndarray, *,
                      words: Optional[dict[int, list[tuple[str, float]]]] = None,
                      topic_vectors: Optional[dict[int, np.ndarray]] = None, reassign_outliers: bool = False,
                      origin: str = "bertopic", show: bool = False) -> TopicModel:
    """A TopicModel fitted to `topics` (one per text, -1 for outliers) as if its clustering had found them.
    `words` and `topic_vectors` ({topic: ...}) replace the computed ones for the topics they hold."""
    topics = np.asarray(topics, dtype=np.int64)
    if len(topics) != len(texts) or len(embeddings) != len(texts):
        raise TopicLabError(f"{len(topics)} topics and {len(embeddings)} embeddings were given for {len(texts)} "
                            "documents: give one of each per document, in order.")
    if not (topics >= 0).any():
        raise TopicLabError("Every document is an outlier (-1): there are no topics to import.")
    config = config.with_overrides({"topics.outlier_reduction": "neighbors" if reassign_outliers else "none"})
    unit, everyone, cache = normalize(embeddings), np.arange(len(texts)), ReductionCache.for_config(config)
    graph, _ = steps.cached_graph(unit, config, cache, show)  # as the fit measures novelty; maps reuse it
    clustered = np.where(topics == OUTLIER, "", "cluster").astype(object)
    result, reference, _ = steps.assign_rest(unit, topics, clustered, everyone, config, show)
    state = TopicState(
        result.topics, result.probabilities, result.assigned_by,
        TermCounts.from_documents(texts, result.topics, config.vectorizer, cache), reference,
        layers=Layers(topics[None, :].astype(np.int32), np.zeros(1)), level=0, layer_positions=everyone,
        fit_sample=everyone,
        novelty_threshold=float(np.quantile(graph[1][:, 1], NOVELTY_QUANTILE)) if graph[1].shape[1] > 1 else 0.0)
    state.refresh_words(config)
    state.topic_words.update({t: list(pairs) for t, pairs in (words or {}).items() if t in state.topic_words})
    state.refresh_vectors(embeddings, config.topics.representative_docs)
    for row, topic in enumerate(map(int, state.topic_ids)):
        if topic_vectors and topic in topic_vectors:
            state.topic_embeddings[row] = topic_vectors[topic]
        state.record_lineage(topic, [], origin)
    model = TopicModel(config)
    model.state_ = state
    return model
