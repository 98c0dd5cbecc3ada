"""Quality metrics saved with every run.

NPMI coherence is computed on the run's own corpus with document-level co-occurrence (a word pair
co-occurs when both appear in one document), over each topic's top 10 words; pairs that never
co-occur score -1. Topic diversity is the share of unique words among all topics' top 10 words
(Dieng et al. 2020). Both skip the outlier topic -1.
"""

from __future__ import annotations

from itertools import combinations
from typing import Optional, Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

TOP_N = 10


def topic_diversity(top_words: Sequence[Sequence[str]], top_n: int = TOP_N) -> float:
    words = [list(w)[:top_n] for w in top_words if len(w)]
    if not words:
        return float("nan")
    return len({w for ws in words for w in ws}) / sum(len(ws) for ws in words)


def npmi_coherence(top_words: Sequence[Sequence[str]], texts: Sequence[str], top_n: int = TOP_N) -> float:
    """Mean over topics of the mean NPMI over pairs of each topic's top words."""
    topics = [[w for w in list(ws)[:top_n] if w] for ws in top_words]
    topics = [ws for ws in topics if len(ws) >= 2]
    if not topics:
        return float("nan")
    vocabulary = sorted({w for ws in topics for w in ws})
    max_n = max(len(w.split()) for w in vocabulary)
    counter = CountVectorizer(vocabulary=vocabulary, binary=True, lowercase=True, ngram_range=(1, max_n))
    occurs = counter.transform(texts).tocsc().astype(np.float64)
    n_docs = occurs.shape[0]
    index = {w: i for i, w in enumerate(vocabulary)}
    document_freq = np.asarray(occurs.sum(axis=0)).ravel()
    scores = []
    for ws in topics:
        columns = occurs[:, [index[w] for w in ws]]
        together = (columns.T @ columns).toarray()
        pair_scores = []
        for a, b in combinations(range(len(ws)), 2):
            p_ab = together[a, b] / n_docs
            p_a, p_b = document_freq[index[ws[a]]] / n_docs, document_freq[index[ws[b]]] / n_docs
            if p_ab == 0:
                pair_scores.append(-1.0)
            elif p_ab == 1:
                pair_scores.append(1.0)
            else:
                pair_scores.append(float(np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)))
        scores.append(np.mean(pair_scores))
    return float(np.mean(scores))


def run_metrics(topics: np.ndarray, top_words: Sequence[Sequence[str]], texts: Sequence[str],
                classes: Optional[Sequence[str]] = None) -> dict[str, float]:
    """Every metric a run records: counts, outlier share, NPMI, diversity, and NMI/ARI against classes."""
    topics = np.asarray(topics)
    metrics = {
        "n_topics": int(len(set(topics.tolist()) - {-1})),
        "outlier_share": float(np.mean(topics == -1)) if len(topics) else float("nan"),
        "npmi": npmi_coherence(top_words, texts),
        "diversity": topic_diversity(top_words),
    }
    if classes is not None:
        metrics["nmi"] = float(normalized_mutual_info_score(classes, topics))
        metrics["ari"] = float(adjusted_rand_score(classes, topics))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}
