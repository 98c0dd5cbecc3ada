"""Config -> fitted topic model: neighbour graph, UMAP, cluster layers, topics by neighbour vote, c-TF-IDF words."""

from topiclab.pipeline.model import MIN_DOCUMENTS, TopicModel

__all__ = ["MIN_DOCUMENTS", "TopicModel"]
