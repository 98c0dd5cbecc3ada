"""Config -> fitted topic model: neighbour graph, UMAP, cluster layers, topics by neighbour vote, c-TF-IDF words.

`TopicModel` is imported on first use, so modules that only read runs never load scikit-learn or numba.
"""

__all__ = ["MIN_DOCUMENTS", "TopicModel"]


def __getattr__(name: str):
    if name in __all__:
        from topiclab.pipeline import model

        return getattr(model, name)
    raise AttributeError(f"module 'topiclab.pipeline' has no attribute {name!r}")
