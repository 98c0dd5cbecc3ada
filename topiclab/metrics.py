"""Quality metrics saved with every run.

NPMI coherence is the c_npmi measure of Röder et al. (2015), as gensim's CoherenceModel computes it
and as the BERTopic and OCTIS papers report it: over each topic's top 10 words, the mean NPMI of
every word pair, with probabilities counted in boolean sliding windows of 10 tokens over the corpus
(a document shorter than that is one window) and epsilon 1e-12 in the logarithms, so that a pair
never seen together scores a little above -1 instead of minus infinity. The tokens are the ones
topic words are drawn from: BERTopic's clean-up (only ASCII letters, digits and spaces kept), then
scikit-learn's lower-cased tokens of two or more characters. A topic word that never occurs in those
tokens is left out, as gensim does. Topic diversity is the share of unique words among all topics'
top 10 words (Dieng et al. 2020). Both skip the outlier topic -1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

if TYPE_CHECKING:
    from topiclab.pipeline.reduce import ReductionCache

TOP_N = 10
WINDOW = 10  # tokens; gensim's default for c_npmi
EPSILON = 1e-12  # gensim's
_NOT_KEPT = re.compile(r"[^A-Za-z0-9 ]+")


def topic_diversity(top_words: Sequence[Sequence[str]], top_n: int = TOP_N) -> float:
    words = [list(w)[:top_n] for w in top_words if len(w)]
    if not words:
        return float("nan")
    return len({w for ws in words for w in ws}) / sum(len(ws) for ws in words)


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Each text's tokens as BERTopic's c-TF-IDF sees them (its English clean-up, scikit-learn's analyzer)."""
    analyzer = CountVectorizer().build_analyzer()
    return [analyzer(_NOT_KEPT.sub("", text.replace("\n", " ").replace("\t", " "))) for text in texts]


@dataclass
class TokenStream:
    """Every text's tokens (`tokenize`) end to end: `ids` index `words`, `lengths` says how many are each text's."""

    words: list[str]
    ids: np.ndarray      # (total tokens,) int32
    lengths: np.ndarray  # (texts,) int64

    @classmethod
    def of(cls, texts: Sequence[str], cache: Optional[ReductionCache] = None) -> "TokenStream":
        """The texts' tokens; `cache` keeps them by the texts, so a re-fit's metrics skip the tokenizing."""
        if cache is None:
            return cls._tokenized(texts)
        from topiclab.pipeline.reduce import joined_words, split_words, texts_fingerprint

        def compute() -> dict[str, np.ndarray]:
            stream = cls._tokenized(texts)
            return {"words": joined_words(stream.words), "ids": stream.ids, "lengths": stream.lengths}

        arrays = cache.get_or_compute({"stage": "tokens", "texts": texts_fingerprint(texts)}, compute)
        return cls(split_words(arrays["words"]), arrays["ids"], arrays["lengths"])

    @classmethod
    def _tokenized(cls, texts: Sequence[str]) -> "TokenStream":
        tokens = tokenize(texts)
        ids, words = pd.factorize(pd.Series([token for text in tokens for token in text], dtype=object))
        return cls(words.tolist(), ids.astype(np.int32), np.array([len(t) for t in tokens], dtype=np.int64))


def _occurrences(tokens: TokenStream, vocabulary: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each vocabulary word occurs in the concatenated tokens: start positions, columns, lengths in tokens.

    A multi-word vocabulary entry (an n-gram) occurs where its tokens follow each other in one document.
    """
    parts = sorted({part for word in vocabulary for part in word.split()})
    part_id = {part: i for i, part in enumerate(parts)}
    stream = pd.Index(parts).get_indexer(tokens.words).astype(np.int64)[tokens.ids]  # -1: in no vocabulary word
    unigram_column = np.full(len(parts) + 1, -1)  # the last entry answers for tokens in no topic word (code -1)
    ngrams = []
    for column, word in enumerate(vocabulary):
        ids = [part_id[part] for part in word.split()]
        if len(ids) == 1:
            unigram_column[ids[0]] = column
        elif ids:
            ngrams.append((column, ids))
    columns = unigram_column[stream]
    starts = [np.flatnonzero(columns >= 0)]
    found = [columns[starts[0]]]
    sizes = [np.ones(len(starts[0]), dtype=np.int64)]
    doc_of = np.repeat(np.arange(len(tokens.lengths)), tokens.lengths)
    for column, ids in ngrams:
        k, end = len(ids), len(stream) - len(ids) + 1
        match = np.ones(max(end, 0), dtype=bool)
        for offset, id_ in enumerate(ids):
            match &= stream[offset:offset + end] == id_
        at = np.flatnonzero(match)
        at = at[doc_of[at] == doc_of[at + k - 1]]
        starts.append(at)
        found.append(np.full(len(at), column))
        sizes.append(np.full(len(at), k))
    return np.concatenate(starts), np.concatenate(found), np.concatenate(sizes)


def _window_matrix(tokens: TokenStream, vocabulary: list[str], window: Optional[int]) -> sp.csr_matrix:
    """Boolean (windows x words) matrix: does the word (an n-gram: all its tokens) occur in the window?

    A document of n tokens has max(1, n - window + 1) windows, as in gensim; window=None makes every
    document one window (document co-occurrence).
    """
    lengths = tokens.lengths
    n_windows = np.ones_like(lengths) if window is None else np.maximum(1, lengths - window + 1)
    first_window = np.concatenate([[0], np.cumsum(n_windows)[:-1]]).astype(np.int64)
    doc_start = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    starts, columns, sizes = _occurrences(tokens, vocabulary)
    doc = np.searchsorted(doc_start, starts, side="right") - 1
    position = starts - doc_start[doc]
    if window is None:
        low = high = np.zeros_like(position)
    else:  # the windows that hold every token of the occurrence
        low = np.maximum(0, position + sizes - window)
        high = np.minimum(position, n_windows[doc] - 1)
        short = lengths[doc] <= window
        low[short], high[short] = 0, 0
    keep = high >= low  # an n-gram longer than the window fits in none
    low, high, doc, columns = low[keep], high[keep], doc[keep], columns[keep]
    counts = high - low + 1
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = np.repeat(first_window[doc] + low, counts) + within
    data = np.ones(len(rows), dtype=np.int32)
    matrix = sp.csr_matrix((data, (rows, np.repeat(columns, counts))),
                           shape=(int(n_windows.sum()), len(vocabulary)))
    matrix.data[:] = 1  # several occurrences in one window count once
    return matrix


def topic_npmi(top_words: Sequence[Sequence[str]], texts: Sequence[str], top_n: int = TOP_N,
               window: Optional[int] = WINDOW, cache: Optional[ReductionCache] = None) -> np.ndarray:
    """Each topic's mean NPMI over pairs of its top words (NaN when fewer than two of them occur); `cache`
    keeps the texts' tokens."""
    topics = [[w for w in list(ws)[:top_n] if w] for ws in top_words]
    vocabulary = sorted({w for ws in topics for w in ws})
    scores = np.full(len(topics), np.nan)
    if not vocabulary:
        return scores
    matrix = _window_matrix(TokenStream.of(texts, cache), vocabulary, window)
    n_windows = matrix.shape[0]
    occurs = np.asarray(matrix.sum(axis=0)).ravel()
    together = (matrix.T @ matrix).tocsr()
    index = {w: i for i, w in enumerate(vocabulary)}
    for t, words in enumerate(topics):
        present = [index[w] for w in dict.fromkeys(words) if occurs[index[w]] > 0]
        if len(present) < 2:
            continue
        a, b = np.array(list(combinations(present, 2))).T
        p_a, p_b = occurs[a] / n_windows, occurs[b] / n_windows
        p_ab = np.asarray(together[a, b]).ravel() / n_windows
        npmi = np.log((p_ab + EPSILON) / (p_a * p_b)) / -np.log(p_ab + EPSILON)
        npmi[p_ab == 1.0] = 1.0  # two words in every window: perfectly associated (gensim gives -1 here)
        scores[t] = np.clip(npmi, -1.0, 1.0).mean()  # epsilon can push a perfect pair a hair above 1
    return scores


def npmi_coherence(top_words: Sequence[Sequence[str]], texts: Sequence[str], top_n: int = TOP_N,
                   window: Optional[int] = WINDOW, cache: Optional[ReductionCache] = None) -> float:
    """Mean over topics of the mean NPMI over pairs of each topic's top words (c_npmi; see the module)."""
    scores = topic_npmi(top_words, texts, top_n, window, cache)
    scores = scores[~np.isnan(scores)]
    return float(scores.mean()) if len(scores) else float("nan")


def run_metrics(topics: np.ndarray, top_words: Sequence[Sequence[str]], texts: Sequence[str],
                classes: Optional[Sequence[str]] = None, cache: Optional[ReductionCache] = None) -> dict[str, float]:
    """Every metric a run records: counts, outlier share, NPMI, diversity, and NMI/ARI against classes
    (`cache`: where the texts' tokens are kept for the next run)."""
    topics = np.asarray(topics)
    metrics = {
        "n_topics": int(len(set(topics.tolist()) - {-1})),
        "outlier_share": float(np.mean(topics == -1)) if len(topics) else float("nan"),
        "npmi": npmi_coherence(top_words, texts, cache=cache),
        "diversity": topic_diversity(top_words),
    }
    if classes is not None:
        metrics["nmi"] = float(normalized_mutual_info_score(classes, topics))
        metrics["ari"] = float(adjusted_rand_score(classes, topics))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}
