"""The interface every topic aspect implements, and what aspects read from a fitted run.

An aspect is one view of every topic (re-ranked words, a written label). Like BERTopic's
representation models, each aspect is a small estimator: the constructor stores settings and
`transform(context)` returns the topic-table columns it adds, one value per topic.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np
import pandas as pd

from topiclab.config import EmbeddingConfig
from topiclab.embed import SentenceTransformerEmbedder, embed_documents
from topiclab.errors import RunError

#: c-TF-IDF words per topic handed to word aspects as candidates, as BERTopic does.
N_CANDIDATES = 30


@dataclass
class TopicContext:
    """A run's topic table, its documents' texts and topics, and a way to get its fitted BERTopic model.

    The model is loaded only when an aspect asks for it: LLM labels need only the topic table.
    """

    topics: pd.DataFrame
    texts: list[str]
    assignments: np.ndarray
    load_model: Callable[[], object]
    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)

    @property
    def topic_ids(self) -> list[int]:
        return self.topics["topic"].astype(int).tolist()

    @cached_property
    def model(self):
        """The fitted BERTopic model, with an embedding backend for words (precomputed runs lack one)."""
        model = self.load_model()
        if model is None:
            raise RunError("This run has no fitted model to re-rank words with; fit it again (topiclab fit).")
        if model.embedding_model is None:
            from topiclab.embed.bertopic_adapter import BERTopicBackend

            model.embedding_model = BERTopicBackend.from_config(self.embedding)
        return model

    @cached_property
    def word_embeddings(self) -> "SharedEmbeddings":
        """The embedding backend word aspects use, shared by all of this context's aspects."""
        return SharedEmbeddings(self.model.embedding_model, self.embedding)

    @cached_property
    def documents(self) -> pd.DataFrame:
        """Documents as BERTopic's representation models expect them."""
        return pd.DataFrame({"Document": self.texts, "Topic": np.asarray(self.assignments, dtype=int),
                             "ID": range(len(self.texts))})

    @cached_property
    def candidates(self) -> dict[int, list[tuple[str, float]]]:
        """The top c-TF-IDF words of each topic, best first: what word aspects re-rank."""
        labels = sorted(set(self.documents["Topic"].tolist()))
        c_tf_idf = self.model.c_tf_idf_.tocsr()
        if c_tf_idf.shape[0] != len(labels):
            raise RunError(f"The saved model describes {c_tf_idf.shape[0]} topics but the run has {len(labels)}; "
                           "the run directory is inconsistent. Fit it again.")
        vocabulary = self.model.vectorizer_model.get_feature_names_out()
        candidates = {}
        for row, label in enumerate(labels):
            start, end = c_tf_idf.indptr[row], c_tf_idf.indptr[row + 1]
            scores, columns = c_tf_idf.data[start:end], c_tf_idf.indices[start:end]
            best = np.argsort(-scores, kind="stable")[:N_CANDIDATES]
            candidates[int(label)] = [(str(vocabulary[columns[i]]), float(scores[i])) for i in best if scores[i] > 0]
        return candidates


class Aspect(ABC):
    """One view of every topic; `name` suffixes its columns (`words_<name>`, `label_<name>`)."""

    name: str

    #: What the last transform did, for the run's manifest (counts, failures); empty when there is nothing to say.
    report_: dict

    @abstractmethod
    def transform(self, context: TopicContext) -> dict[str, list]:
        """Columns to add to the topic table, each with one value per row of `context.topics`."""


class WordAspect(Aspect):
    """Words re-ranked by a chain of BERTopic representation models, starting from c-TF-IDF candidates."""

    def __init__(self, top_n_words: int = 10):
        self.top_n_words = top_n_words

    @abstractmethod
    def representation_models(self) -> list:
        """BERTopic representation models applied in order, each to the previous one's words."""

    def transform(self, context: TopicContext) -> dict[str, list]:
        topics, model = context.candidates, context.model
        backend, model.embedding_model = model.embedding_model, context.word_embeddings
        try:
            for representation in self.representation_models():
                topics = representation.extract_topics(model, context.documents, model.c_tf_idf_, topics)
        finally:
            model.embedding_model = backend
        words = {int(t): [(w, float(s)) for w, s in pairs if w][:self.top_n_words] for t, pairs in topics.items()}
        self.report_ = {}
        return {
            f"words_{self.name}": [[w for w, _ in words.get(t, [])] for t in context.topic_ids],
            f"word_scores_{self.name}": [[round(s, 6) for _, s in words.get(t, [])] for t in context.topic_ids],
        }


class Chain(WordAspect):
    """Word aspects applied one after another, e.g. KeyBERTInspired then MMR: named `keybert_mmr`."""

    def __init__(self, aspects: list[WordAspect], top_n_words: int = 10):
        super().__init__(top_n_words)
        self.aspects = aspects
        self.name = "_".join(aspect.name for aspect in aspects)

    def representation_models(self) -> list:
        return [model for aspect in self.aspects for model in aspect.representation_models()]



#: Characters in the longest text of a batch that torch embeds on one thread: words and word lists.
_SHORT = 400


@contextmanager
def one_torch_thread(active: bool):
    """Torch on one thread while `active`: for batches of short texts embedded by a torch model. A forward pass
    over a few tokens gains nothing from a second thread, and on a busy machine the threads' spin-waiting made
    700 words take 5 to 8 times as long (20 s instead of 2.5 s on 2 cores; benchmarks/bench_aspects.py)."""
    if not active:
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class SharedEmbeddings:
    """What word aspects embed with: nothing is embedded twice.

    KeyBERTInspired embeds each topic's representative documents and candidate words, MMR the same
    words again. Texts embedded once in this context come back from memory, and the rest goes through
    topiclab's embedding cache, which already holds every document of the fit (and keeps the words
    for the next relabel or refit); only what neither has reaches the model, in one batch per call.
    """

    def __init__(self, backend, config: EmbeddingConfig):
        self.backend = backend
        self.config = config
        self._vectors: dict[str, np.ndarray] = {}

    def embed(self, documents, verbose: bool = False) -> np.ndarray:
        texts = [documents] if isinstance(documents, str) else list(documents)
        new = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if new:
            embedder = getattr(self.backend, "embedder", None)  # topiclab's own backend: through the cache
            with one_torch_thread(isinstance(embedder, SentenceTransformerEmbedder) and max(map(len, new)) <= _SHORT):
                vectors = (embed_documents(new, self.config, embedder=embedder, progress=False)[0]
                           if embedder is not None else np.asarray(self.backend.embed(new)))
            # WordLlama normalises an empty text (KeyBERTInspired pads short candidate lists with "") to NaN;
            # a zero vector is similar to nothing, so it is never picked
            vectors = np.where(np.isfinite(vectors).all(axis=1, keepdims=True), vectors, 0.0)
            self._vectors.update(zip(new, vectors))
        return np.vstack([self._vectors[text] for text in texts])

    # BERTopic asks for documents and words by these names
    def embed_documents(self, documents, verbose: bool = False) -> np.ndarray:
        return self.embed(documents, verbose)

    def embed_words(self, words, verbose: bool = False) -> np.ndarray:
        return self.embed(words, verbose)
