"""Config -> fitted topic model (UMAP -> HDBSCAN -> c-TF-IDF via BERTopic, then outlier reduction)."""

from topiclab.pipeline.model import MIN_DOCUMENTS, TopicModel, assign_topics

__all__ = ["MIN_DOCUMENTS", "TopicModel", "assign_topics"]
