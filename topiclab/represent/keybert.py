"""KeyBERTInspired: the candidate words closest in embedding space to the topic.

As BERTopic's KeyBERTInspired: each topic's top c-TF-IDF words are re-ranked by cosine similarity to the
topic's embedding. The topic's embedding here is the centroid of all its documents (already computed at
fit time), so nothing but the candidate words is embedded, and those come from the embedding cache.
"""

from __future__ import annotations

from topiclab.represent.base import WordAspect


class KeyBERT(WordAspect):
    """Re-rank c-TF-IDF candidates by similarity to the topic's centroid."""

    name = "keybert"

    @classmethod
    def from_config(cls, config) -> "KeyBERT":
        return cls(top_n_words=config.topics.top_n_words)

    def rerank(self, context, topic, candidates, vectors):
        centroid = context.centroids[topic]
        scored = [(word, float(vectors[word] @ centroid)) for word, _ in candidates if word in vectors]
        return sorted(scored, key=lambda pair: -pair[1])
