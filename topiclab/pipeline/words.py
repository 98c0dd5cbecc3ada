"""Topic words: per-topic term counts and c-TF-IDF, as BERTopic computes them.

The c-TF-IDF formula is BERTopic's `ClassTfidfTransformer(reduce_frequent_words=True)`: each topic's
counts are L1-normalised and square-rooted, then weighted by log(1 + A / f), where A is the average
number of words per topic and f the word's count over all topics. It is written out here (and checked
against BERTopic's in the tests) because importing BERTopic costs seconds in every fresh process.

Counts are kept per topic (`TermCounts`), so adding documents (an online update) or moving them (an
edit) only adds or subtracts their counts; the vocabulary grows with new words and `min_df` is applied
to the document frequency of all documents seen so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from topiclab.config import VectorizerConfig
from topiclab.errors import ConfigError
from topiclab.pipeline.reduce import ReductionCache, joined_words, split_words, texts_fingerprint

#: Candidate words per topic handed to KeyBERT-style aspects, as BERTopic's KeyBERTInspired uses.
N_CANDIDATES = 100


def make_vectorizer(config: VectorizerConfig, vocabulary=None) -> CountVectorizer:
    return CountVectorizer(ngram_range=tuple(config.ngram_range), stop_words=config.stop_words,
                           vocabulary=vocabulary, lowercase=True)


def count_documents(texts: list[str], config: VectorizerConfig,
                    cache: Optional[ReductionCache] = None) -> tuple[sp.csr_matrix, list[str]]:
    """Document-term counts over every word the vectorizer keeps (min_df is applied later, on totals).
    `cache` keeps them by the texts and the settings that shape them: re-fits read them back."""
    if cache is None:
        return _count(texts, config)

    def compute() -> dict[str, np.ndarray]:
        doc_terms, vocabulary = _count(texts, config)
        return {"data": doc_terms.data, "indices": doc_terms.indices, "indptr": doc_terms.indptr,
                "shape": np.array(doc_terms.shape), "vocabulary": joined_words(vocabulary)}

    key = {"stage": "counts", "texts": texts_fingerprint(texts), "ngram_range": list(config.ngram_range),
           "stop_words": config.stop_words}
    arrays = cache.get_or_compute(key, compute)
    doc_terms = sp.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"]))
    return doc_terms, split_words(arrays["vocabulary"])


def _count(texts: list[str], config: VectorizerConfig) -> tuple[sp.csr_matrix, list[str]]:
    vectorizer = make_vectorizer(config)
    try:
        doc_terms = vectorizer.fit_transform(texts)
    except ValueError as exc:
        if "empty vocabulary" in str(exc):
            raise ConfigError("No topic words are left after the vectorizer's stop words "
                              f"(stop_words={config.stop_words!r}): the documents hold no other words. "
                              "Turn stop-word removal off (vectorizer.stop_words=null).") from None
        raise
    return doc_terms.tocsr().astype(np.int32), vectorizer.get_feature_names_out().tolist()


@dataclass
class TermCounts:
    """Word counts per topic (rows follow `topic_ids`) and document frequencies, over a growing vocabulary."""

    topic_ids: np.ndarray          # (n_topics,) topic id of each row
    counts: sp.csr_matrix          # (n_topics, n_words) int64
    document_frequency: np.ndarray  # (n_words,) documents holding each word
    vocabulary: list[str]

    @classmethod
    def from_documents(cls, texts: list[str], topics: np.ndarray, config: VectorizerConfig,
                       cache: Optional[ReductionCache] = None) -> "TermCounts":
        doc_terms, vocabulary = count_documents(texts, config, cache)
        ids = np.unique(topics)
        return cls(ids, _sum_rows(doc_terms, topics, ids), _document_frequency(doc_terms), vocabulary)

    @classmethod
    def combine(cls, parts: list["TermCounts"]) -> "TermCounts":
        """The counts of several blocks of documents summed, as `from_documents` gives for all of them at once:
        the vocabulary is the sorted union (CountVectorizer's order), counts and document frequencies add up.
        Blocks with no words (`empty`) add only their topics. Raises ConfigError when no block has any word."""
        vocabulary = sorted(set().union(*(part.vocabulary for part in parts)))
        if not vocabulary:
            raise ConfigError("No topic words are left after the vectorizer's stop words: the documents hold no "
                              "other words. Turn stop-word removal off (vectorizer.stop_words=null).")
        ids = np.unique(np.concatenate([part.topic_ids for part in parts]))
        counts = sp.csr_matrix((len(ids), len(vocabulary)), dtype=np.int64)
        frequency = np.zeros(len(vocabulary), np.int64)
        for part in parts:
            columns = np.searchsorted(vocabulary, part.vocabulary).astype(np.int64)
            spread = sp.csr_matrix((np.ones(len(columns), np.int64), (np.arange(len(columns)), columns)),
                                   shape=(len(columns), len(vocabulary)))
            rows = sp.csr_matrix((np.ones(len(part.topic_ids), np.int64),
                                  (np.searchsorted(ids, part.topic_ids), np.arange(len(part.topic_ids)))),
                                 shape=(len(ids), len(part.topic_ids)))
            counts = counts + rows @ part.counts.astype(np.int64) @ spread
            np.add.at(frequency, columns, part.document_frequency)
        return cls(ids, counts.tocsr(), frequency, vocabulary)

    @classmethod
    def empty(cls, topics: np.ndarray) -> "TermCounts":
        """Counts of documents that hold no word the vectorizer keeps (only stop words, say)."""
        ids = np.unique(topics)
        return cls(ids, sp.csr_matrix((len(ids), 0), dtype=np.int64), np.zeros(0, np.int64), [])

    def add(self, texts: list[str], topics: np.ndarray, config: VectorizerConfig, sign: int = 1) -> "TermCounts":
        """Counts with `texts` (in `topics`) added, or removed with sign=-1; new words and topics are appended."""
        vectorizer = make_vectorizer(config)
        try:
            vectorizer.fit(texts)
            known = set(self.vocabulary)
            new_words = [w for w in vectorizer.get_feature_names_out().tolist() if w not in known]
        except ValueError:  # only stop words in these texts
            new_words = []
        vocabulary = self.vocabulary + new_words
        doc_terms = make_vectorizer(config, vocabulary).transform(texts).tocsr().astype(np.int32)
        ids = np.union1d(self.topic_ids, np.unique(topics))
        counts = sp.vstack([self._row(t, len(vocabulary)) for t in ids]).tocsr()
        counts = counts + sign * _sum_rows(doc_terms, topics, ids)
        frequency = np.concatenate([self.document_frequency, np.zeros(len(new_words), np.int64)])
        frequency = frequency + sign * _document_frequency(doc_terms)
        return TermCounts(ids, counts.tocsr(), frequency, vocabulary)

    def relabel(self, mapping: dict[int, int]) -> "TermCounts":
        """Counts after topics were renumbered or merged (`mapping` old id -> new id; unlisted ids stay)."""
        new_ids = np.array([mapping.get(int(t), int(t)) for t in self.topic_ids])
        ids = np.unique(new_ids)
        merge = sp.csr_matrix((np.ones(len(new_ids)), (np.searchsorted(ids, new_ids), np.arange(len(new_ids)))),
                              shape=(len(ids), len(new_ids)))
        return TermCounts(ids, (merge @ self.counts).tocsr().astype(np.int64), self.document_frequency,
                          self.vocabulary)

    def ctfidf(self, config: VectorizerConfig, n_documents: int, seed_words: tuple[str, ...] = (),
               seed_multiplier: float = 2.0) -> sp.csr_matrix:
        """c-TF-IDF of every topic row over the words the vectorizer settings keep (the others score 0):
        `min_df` on document frequency, then the `max_features` most frequent, as CountVectorizer does."""
        counts, idf = self.weighted(config, n_documents, seed_words, seed_multiplier)
        tf = _l1_rows(counts)
        tf.data = np.sqrt(tf.data)
        return (tf @ sp.diags(idf)).tocsr()

    def weighted(self, config: VectorizerConfig, n_documents: int, seed_words: tuple[str, ...] = (),
                 seed_multiplier: float = 2.0) -> tuple[sp.csr_matrix, np.ndarray]:
        """The counts of the words the settings keep (the others 0) and each word's idf weight, the two
        halves of c-TF-IDF (BERTopic saves the weights as its ClassTfidfTransformer's diagonal)."""
        counts = self.counts.astype(np.float64)
        min_df = config.min_df if isinstance(config.min_df, int) else config.min_df * n_documents
        kept = self.document_frequency >= min_df
        if config.max_features is not None and kept.sum() > config.max_features:
            totals = np.where(kept, np.asarray(counts.sum(axis=0)).ravel(), -1)
            kept = np.zeros_like(kept)
            kept[np.argsort(-totals, kind="stable")[:config.max_features]] = True
        counts = counts @ sp.diags(kept.astype(np.float64))
        frequency = np.asarray(counts.sum(axis=0)).ravel()
        average = int(counts.sum(axis=1).mean()) if counts.shape[0] else 0
        with np.errstate(divide="ignore"):
            idf = np.where(frequency > 0, np.log(average / np.maximum(frequency, 1e-12) + 1), 0.0)
        if seed_words:
            boost = np.isin(np.asarray(self.vocabulary, dtype=object), list(seed_words))
            idf = np.where(boost, idf * seed_multiplier, idf)
        return counts, idf

    def top_words(self, ctfidf: sp.csr_matrix, n: int) -> dict[int, list[tuple[str, float]]]:
        """The `n` best-scoring words of each topic, best first (ties: vocabulary order)."""
        result = {}
        for row, topic in enumerate(self.topic_ids):
            start, end = ctfidf.indptr[row], ctfidf.indptr[row + 1]
            scores, columns = ctfidf.data[start:end], ctfidf.indices[start:end]
            order = np.lexsort((columns, -scores))[:n]
            result[int(topic)] = [(self.vocabulary[columns[i]], float(scores[i])) for i in order if scores[i] > 0]
        return result

    def _row(self, topic: int, width: int) -> sp.csr_matrix:
        where = np.flatnonzero(self.topic_ids == topic)
        if len(where):
            row = self.counts[where[0]]
            return sp.csr_matrix((row.data, row.indices, row.indptr), shape=(1, width), dtype=np.int64)
        return sp.csr_matrix((1, width), dtype=np.int64)


def _sum_rows(doc_terms: sp.csr_matrix, topics: np.ndarray, ids: np.ndarray) -> sp.csr_matrix:
    """Counts summed per topic: rows follow `ids`."""
    rows = np.searchsorted(ids, np.asarray(topics))
    membership = sp.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(len(ids), len(rows)))
    return (membership @ doc_terms).tocsr().astype(np.int64)


def _document_frequency(doc_terms: sp.csr_matrix) -> np.ndarray:
    return np.bincount(doc_terms.indices, minlength=doc_terms.shape[1]).astype(np.int64)


def _l1_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    return (sp.diags(1.0 / np.maximum(totals, 1e-12)) @ matrix).tocsr()
