"""Maximal marginal relevance: relevant words that are not near-synonyms of each other.

As BERTopic's MaximalMarginalRelevance: starting from the word most similar to the topic, each next word
maximises (1 - diversity) * similarity to the topic - diversity * its highest similarity to a word already
chosen. BERTopic embeds the joined candidate words as the topic; here the topic is the centroid of its
documents, which the fit already holds. Chosen words keep their order and scores from the previous step.
"""

from __future__ import annotations

import numpy as np

from topiclab.represent.base import N_CANDIDATES, Chain, WordAspect
from topiclab.represent.keybert import KeyBERT

#: Candidates MMR picks from (the top c-TF-IDF words, or the previous aspect's words in a chain).
MMR_CANDIDATES = 30


class MMR(WordAspect):
    """Pick words relevant to the topic but unlike those already picked; `diversity` trades one for the other."""

    name = "mmr"

    def __init__(self, diversity: float = 0.3, top_n_words: int = 10):
        super().__init__(top_n_words)
        self.diversity = diversity

    @classmethod
    def from_config(cls, config) -> "MMR":
        return cls(diversity=config.labels.mmr_diversity, top_n_words=config.topics.top_n_words)

    def candidates(self, context):
        return {t: pairs[:MMR_CANDIDATES] for t, pairs in context.candidates(N_CANDIDATES).items()}

    def rerank(self, context, topic, candidates, vectors):
        pairs = [(w, s) for w, s in candidates if w in vectors]
        if not pairs:
            return []
        words = np.vstack([vectors[w] for w, _ in pairs])
        relevance = words @ context.centroids[topic]
        similarity = words @ words.T
        chosen = [int(np.argmax(relevance))]
        for _ in range(min(self.top_n_words, len(pairs)) - 1):
            rest = [i for i in range(len(pairs)) if i not in chosen]
            scores = (1 - self.diversity) * relevance[rest] - self.diversity * similarity[np.ix_(rest, chosen)].max(1)
            chosen.append(rest[int(np.argmax(scores))])
        keep = set(chosen)
        return [pair for i, pair in enumerate(pairs) if i in keep]


def keybert_mmr(config) -> Chain:
    """KeyBERTInspired's best MMR_CANDIDATES words, then MMR among them (the `keybert_mmr` aspect)."""
    top_n = config.topics.top_n_words
    return Chain([KeyBERT(top_n_words=MMR_CANDIDATES), MMR.from_config(config)], top_n_words=top_n)
