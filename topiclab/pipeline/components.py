"""Build the seeded UMAP, HDBSCAN, vectorizer and c-TF-IDF components from a RunConfig."""

from __future__ import annotations

from sklearn.feature_extraction.text import CountVectorizer

from topiclab.config import RunConfig
from topiclab.pipeline.jit import cache_numba_compilation


def make_umap(config: RunConfig, n_documents: int):
    from umap import UMAP

    cache_numba_compilation()

    umap = config.umap
    return UMAP(
        n_neighbors=min(umap.n_neighbors, max(2, n_documents - 1)),
        n_components=umap.n_components,
        min_dist=umap.min_dist,
        metric=umap.metric,
        n_epochs=umap.n_epochs,
        init=umap.init,
        random_state=config.seed,  # deterministic (UMAP then runs its optimisation single-threaded)
        low_memory=True,
    )


def make_hdbscan(config: RunConfig, n_documents: int):
    from hdbscan import HDBSCAN

    return HDBSCAN(
        min_cluster_size=config.hdbscan.resolved_min_cluster_size(n_documents),
        min_samples=config.hdbscan.min_samples,
        cluster_selection_method=config.hdbscan.cluster_selection_method,
        metric="euclidean",
        prediction_data=True,
    )


def make_vectorizer(config: RunConfig) -> CountVectorizer:
    vectorizer = config.vectorizer
    return CountVectorizer(
        ngram_range=tuple(vectorizer.ngram_range),
        stop_words=vectorizer.stop_words,
        min_df=vectorizer.min_df,
        max_features=vectorizer.max_features,
    )


def make_ctfidf():
    from bertopic.vectorizers import ClassTfidfTransformer

    return ClassTfidfTransformer(reduce_frequent_words=True)
