"""The interface every topic aspect implements, and what aspects read from a fitted run.

An aspect is one view of every topic (re-ranked words, a written label). Like BERTopic's representation
models, each aspect is a small estimator: the constructor stores settings and `transform(context)` returns
the topic-table columns it adds, one value per topic. Word aspects re-rank each topic's c-TF-IDF candidate
words by their embeddings; the fitted model (c-TF-IDF, centroids) is loaded only when an aspect needs it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Optional, Sequence

import numpy as np
import pandas as pd

from topiclab.config import EmbeddingConfig
from topiclab.errors import EmbeddingMismatch, RunError

#: c-TF-IDF words per topic that word aspects re-rank (BERTopic's KeyBERTInspired takes 100).
N_CANDIDATES = 100


@dataclass
class TopicContext:
    """A run's topic table and a way to get its fitted TopicModel (loaded only when an aspect asks); `texts`
    are the documents in the model's order (`model.topics_`), for aspects that read them (names), and
    `kept_names` the names of the run's other topics, which the table's new names must not repeat (an edit
    or update recomputes only the topics that changed)."""

    topics: pd.DataFrame
    load_model: Callable[[], object]
    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)
    texts: Optional[Sequence[str]] = None
    kept_names: tuple[str, ...] = ()

    @property
    def topic_ids(self) -> list[int]:
        return self.topics["topic"].astype(int).tolist()

    @cached_property
    def model(self):
        model = self.load_model()
        if model is None:
            raise RunError("This run has no fitted model to re-rank words with; fit it again (topiclab fit).")
        return model

    def candidates(self, n: int = N_CANDIDATES) -> dict[int, list[tuple[str, float]]]:
        """The top `n` c-TF-IDF words of each topic in the table, best first."""
        words = self.model.term_counts_.top_words(self.model.ctfidf_, n)
        return {topic: words.get(topic, []) for topic in self.topic_ids}

    @cached_property
    def centroids(self) -> dict[int, np.ndarray]:
        """Unit-length centroid of each topic's documents (the model's topic embeddings)."""
        vectors = self.model.topic_embeddings_
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return dict(zip(map(int, self.model.topic_ids_), unit))

    @cached_property
    def phrases(self):
        """Phrase counts of a sample of each topic's documents, read once for names at every level."""
        from topiclab.represent.phrases import PhraseCounts

        if self.texts is not None:
            return PhraseCounts.from_documents(self.texts, self.model.topics_)
        # Without the documents, each topic's representative documents stand in for them.
        texts = [doc for docs in self.topics["representative_docs"] for doc in docs]
        topics = [t for t, docs in zip(self.topic_ids, self.topics["representative_docs"]) for _ in docs]
        return PhraseCounts.from_documents(texts, np.asarray(topics, dtype=int))

    def embed(self, phrases: list[str]) -> dict[str, np.ndarray]:
        """Unit-length embeddings of words or phrases, by the run's embedding model, through the cache."""
        from topiclab.embed import embed_documents

        unique = sorted(set(phrases))
        if not unique:
            return {}
        vectors, _ = embed_documents(unique, self.embedding, progress=False)
        vectors = np.nan_to_num(vectors)  # a static embedder gives NaN for a word it has no tokens for
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        if vectors.shape[1] != self.model.topic_embeddings_.shape[1]:
            raise EmbeddingMismatch(f"The embedding model {self.embedding.model!r} gives {vectors.shape[1]} dimensions, but "
                           f"this run was fitted with {self.model.topic_embeddings_.shape[1]}: relabel with the "
                           "run's embedding model (--model).")
        return dict(zip(unique, vectors))


class Aspect(ABC):
    """One view of every topic; `name` suffixes its columns (`words_<name>`, `label_<name>`)."""

    name: str

    #: What the last transform did, for the run's manifest (counts, failures); empty when there is nothing to say.
    report_: dict

    @abstractmethod
    def transform(self, context: TopicContext) -> dict[str, list]:
        """Columns to add to the topic table, each with one value per row of `context.topics`."""


class WordAspect(Aspect):
    """Words chosen from each topic's candidates; subclasses say how (`rerank`). Outliers (-1) keep none."""

    def __init__(self, top_n_words: int = 10):
        self.top_n_words = top_n_words

    @abstractmethod
    def rerank(self, context: TopicContext, topic: int, candidates: list[tuple[str, float]],
               vectors: dict[str, np.ndarray]) -> list[tuple[str, float]]:
        """The topic's words, best first, with a score, from its candidates."""

    def candidates(self, context: TopicContext) -> dict[int, list[tuple[str, float]]]:
        return context.candidates()

    def transform(self, context: TopicContext) -> dict[str, list]:
        candidates = {t: pairs for t, pairs in self.candidates(context).items() if t != -1}
        vectors = context.embed([w for pairs in candidates.values() for w, _ in pairs])
        words = {t: self.rerank(context, t, pairs, vectors)[:self.top_n_words] for t, pairs in candidates.items()
                 if pairs}
        self.report_ = {}
        return {
            f"words_{self.name}": [[w for w, _ in words.get(t, [])] for t in context.topic_ids],
            f"word_scores_{self.name}": [[round(float(s), 6) for _, s in words.get(t, [])] for t in context.topic_ids],
        }


class Chain(WordAspect):
    """Word aspects applied one after another, e.g. KeyBERT then MMR: named `keybert_mmr`."""

    def __init__(self, aspects: list[WordAspect], top_n_words: int = 10):
        super().__init__(top_n_words)
        self.aspects = aspects
        self.name = "_".join(aspect.name for aspect in aspects)

    def rerank(self, context, topic, candidates, vectors):
        for aspect in self.aspects:
            candidates = aspect.rerank(context, topic, candidates, vectors)[:aspect.top_n_words]
        return candidates
