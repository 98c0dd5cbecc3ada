"""KeyBERTInspired: the candidate words closest in embedding space to the topic's representative documents."""

from __future__ import annotations

from topiclab.represent.base import N_CANDIDATES, WordAspect


class KeyBERT(WordAspect):
    """Re-rank c-TF-IDF candidates by similarity to the topic; reads well, costs one embedding pass over words.

    The candidates are each topic's top `N_CANDIDATES` c-TF-IDF words (BERTopic's default, 100, embeds
    three times as many words and lets generic words that sit near every topic in).
    """

    name = "keybert"

    def __init__(self, top_n_words: int = 10, seed: int = 42):
        super().__init__(top_n_words)
        self.seed = seed

    def representation_models(self) -> list:
        from bertopic.representation import KeyBERTInspired

        return [KeyBERTInspired(top_n_words=self.top_n_words, nr_candidate_words=N_CANDIDATES, random_state=self.seed)]
