"""Maximal marginal relevance: relevant words that are not near-synonyms of each other."""

from __future__ import annotations

import numpy as np

from topiclab.represent.base import WordAspect


class MMR(WordAspect):
    """Pick words relevant to the topic but unlike those already picked; `diversity` trades one for the other."""

    name = "mmr"

    def __init__(self, diversity: float = 0.3, top_n_words: int = 10):
        super().__init__(top_n_words)
        self.diversity = diversity

    def representation_models(self) -> list:
        return [BatchedMMR(diversity=self.diversity, top_n_words=self.top_n_words)]


class BatchedMMR:
    """BERTopic's MaximalMarginalRelevance (its `mmr`, on the same inputs) as a representation model, with every
    topic's words and topic text embedded in one call instead of two calls per topic."""

    def __init__(self, diversity: float, top_n_words: int):
        self.diversity = diversity
        self.top_n_words = top_n_words

    def extract_topics(self, topic_model, documents, c_tf_idf, topics: dict) -> dict:
        from bertopic.representation._mmr import mmr

        words = {topic: [word for word, _ in pairs] for topic, pairs in topics.items() if pairs}
        texts = list(dict.fromkeys([w for ws in words.values() for w in ws] + [" ".join(ws) for ws in words.values()]))
        vectors = dict(zip(texts, topic_model._extract_embeddings(texts, method="word", verbose=False)))
        updated = dict(topics)
        for topic, ws in words.items():
            chosen = mmr(vectors[" ".join(ws)].reshape(1, -1), np.vstack([vectors[w] for w in ws]), ws,
                         self.diversity, min(self.top_n_words, len(ws)))
            updated[topic] = [(word, score) for word, score in topics[topic] if word in chosen]
        return updated
