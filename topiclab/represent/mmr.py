"""Maximal marginal relevance: relevant words that are not near-synonyms of each other."""

from __future__ import annotations

from topiclab.represent.base import WordAspect


class MMR(WordAspect):
    """Pick words relevant to the topic but unlike those already picked; `diversity` trades one for the other."""

    name = "mmr"

    def __init__(self, diversity: float = 0.3, top_n_words: int = 10):
        super().__init__(top_n_words)
        self.diversity = diversity

    def representation_models(self) -> list:
        from bertopic.representation import MaximalMarginalRelevance

        return [MaximalMarginalRelevance(diversity=self.diversity, top_n_words=self.top_n_words)]
