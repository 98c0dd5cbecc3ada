"""The topic model: UMAP -> HDBSCAN -> c-TF-IDF through BERTopic, then outlier reduction.

`TopicModel` follows scikit-learn: the constructor only stores parameters, `fit` returns self, and
learned state ends in `_`. It takes texts and their embeddings (embedding is `topiclab.embed`'s job),
so a refit with other settings never re-embeds.
"""

from __future__ import annotations

import logging
import time
import warnings
from contextlib import contextmanager
from typing import Iterator, Optional

import numpy as np

from topiclab.config import RunConfig
from topiclab.errors import ConfigError, TopicLabError
from topiclab.pipeline.components import make_ctfidf, make_hdbscan, make_umap, make_vectorizer

log = logging.getLogger(__name__)

#: HDBSCAN needs at least a few clusters' worth of documents; fewer cannot give topics.
MIN_DOCUMENTS = 20


class TopicModel:
    """Cluster embedded documents into topics and describe each topic by its words."""

    def __init__(self, config: Optional[RunConfig] = None, embedding_backend=None, representation_model=None):
        self.config = config
        self.embedding_backend = embedding_backend
        self.representation_model = representation_model

    def fit(self, texts: list[str], embeddings: np.ndarray) -> "TopicModel":
        from bertopic import BERTopic

        config = self.config or RunConfig()
        embeddings = np.asarray(embeddings, dtype=np.float32)
        _check_inputs(texts, embeddings, config)
        n_documents = len(texts)
        seconds: dict[str, float] = {}

        started = time.perf_counter()
        model = BERTopic(
            embedding_model=self.embedding_backend,
            umap_model=make_umap(config, n_documents),
            hdbscan_model=make_hdbscan(config, n_documents),
            vectorizer_model=make_vectorizer(config),
            ctfidf_model=make_ctfidf(),
            top_n_words=config.topics.top_n_words,
            nr_topics=config.topics.nr_topics,
            calculate_probabilities=False,
        )
        try:
            with quiet_bertopic():
                cluster_topics, probabilities = model.fit_transform(texts, embeddings)
        except ValueError as exc:
            raise _explain_fit_error(exc, config, n_documents) from None
        seconds["cluster"] = time.perf_counter() - started

        started = time.perf_counter()
        topics = np.asarray(cluster_topics)
        if config.topics.outlier_reduction != "none" and (topics == -1).any() and (topics != -1).any():
            topics = np.asarray(model.reduce_outliers(
                texts, topics.tolist(), strategy=config.topics.outlier_reduction, embeddings=embeddings,
                threshold=config.topics.outlier_threshold))
        if self.representation_model is not None or not np.array_equal(topics, cluster_topics):
            with quiet_bertopic():
                model.update_topics(texts, topics=topics.tolist(), top_n_words=config.topics.top_n_words,
                                    vectorizer_model=make_vectorizer(config), ctfidf_model=make_ctfidf(),
                                    representation_model=self.representation_model)
        seconds["outliers_and_words"] = time.perf_counter() - started

        self.bertopic_ = model
        self.cluster_topics_ = np.asarray(cluster_topics)
        self.topics_ = np.asarray(model.topics_)
        self.probabilities_ = np.asarray(probabilities, dtype=np.float32).reshape(n_documents, -1)[:, 0]
        self.topic_embeddings_ = _centroids(embeddings, self.topics_)
        self.representative_docs_ = _representative(embeddings, self.topics_, self.topic_embeddings_,
                                                    config.topics.representative_docs)
        self.stage_seconds_ = {k: round(v, 3) for k, v in seconds.items()}
        return self

    def top_words(self) -> dict[int, list[tuple[str, float]]]:
        return {int(t): [(w, float(s)) for w, s in words if w] for t, words in self.bertopic_.get_topics().items()}


def assign_topics(embeddings: np.ndarray, topic_ids: np.ndarray, topic_embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest topic centroid by cosine similarity, and that similarity: how new documents get topics."""
    similarity = _normalize(np.asarray(embeddings, dtype=np.float32)) @ _normalize(topic_embeddings).T
    best = similarity.argmax(axis=1)
    return np.asarray(topic_ids)[best], similarity[np.arange(len(best)), best]


@contextmanager
def quiet_bertopic() -> Iterator[None]:
    """Hide warnings that describe our own deliberate choices (a seed, reassigned outliers)."""
    logger = logging.getLogger("BERTopic")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
            yield
    finally:
        logger.setLevel(level)


def _check_inputs(texts: list[str], embeddings: np.ndarray, config: RunConfig) -> None:
    if embeddings.ndim != 2 or embeddings.shape[0] != len(texts):
        raise TopicLabError(
            f"The embeddings have shape {embeddings.shape} but there are {len(texts)} documents: "
            "give one embedding row per document, in the corpus's order (after cleaning)."
        )
    needed = max(MIN_DOCUMENTS, 2 * config.hdbscan.resolved_min_cluster_size(len(texts)))
    if len(texts) < needed:
        raise TopicLabError(
            f"{len(texts)} documents are too few to cluster: at least {needed} are needed with "
            f"hdbscan.min_cluster_size={config.hdbscan.resolved_min_cluster_size(len(texts))}. "
            "Add documents or lower hdbscan.min_cluster_size."
        )
    if not np.isfinite(embeddings).all():
        row = int(np.flatnonzero(~np.isfinite(embeddings).all(axis=1))[0])
        raise TopicLabError(f"Embedding row {row} holds NaN or infinite values; recompute the embeddings.")


def _explain_fit_error(exc: ValueError, config: RunConfig, n_documents: int) -> Exception:
    text = str(exc)
    if "empty vocabulary" in text or "max_df corresponds to < documents than min_df" in text:
        return ConfigError(
            f"No topic words are left after the vectorizer's filtering (stop_words={config.vectorizer.stop_words!r}, "
            f"min_df={config.vectorizer.min_df}). Lower vectorizer.min_df or turn stop-word removal off."
        )
    return TopicLabError(f"Clustering {n_documents} documents failed: {text}")


def _normalize(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def _centroids(embeddings: np.ndarray, topics: np.ndarray) -> np.ndarray:
    ids = sorted(set(topics.tolist()))
    return np.vstack([embeddings[topics == t].mean(axis=0) for t in ids]).astype(np.float32)


def _representative(embeddings: np.ndarray, topics: np.ndarray, centroids: np.ndarray, k: int) -> dict[int, list[int]]:
    """For each topic, the indices of the k documents closest to its centroid."""
    result = {}
    for t, centroid in zip(sorted(set(topics.tolist())), centroids):
        members = np.flatnonzero(topics == t)
        similarity = _normalize(embeddings[members]) @ (centroid / max(np.linalg.norm(centroid), 1e-12))
        result[int(t)] = members[np.argsort(-similarity, kind="stable")[:k]].tolist()
    return result
