"""topiclab's NPMI against gensim's c_npmi, on the same topics, and what made the earlier numbers differ.

For each corpus, plain BERTopic and topiclab's defaults are fitted once on the cached MiniLM vectors;
their top 10 words per topic are scored by:

- before: topiclab's NPMI up to this change: documents as contexts, never-together pairs scored -1,
  and the texts' raw scikit-learn tokens (where BERTopic's clean-up made "kilroysilk" of "Kilroy-Silk",
  so such topic words were never found and all their pairs scored -1);
- +tokens: the same on the tokens BERTopic draws topic words from;
- +epsilon: never-together pairs as gensim scores them (epsilon 1e-12) instead of -1;
- topiclab: 10-token sliding windows instead of documents, i.e. c_npmi (topiclab.metrics.npmi_coherence);
- gensim: gensim's CoherenceModel(coherence="c_npmi", topn=10) on the same tokens;
- max |diff|: the largest difference between topiclab's and gensim's score for one topic (gensim's
  sliding window forgets a word when an earlier copy of it leaves the window).

    python benchmarks/bench_npmi.py [--corpora bbc 20ng m10] [--model all-MiniLM-L6-v2]
"""

from __future__ import annotations

import argparse
import time
from itertools import combinations

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from topiclab.metrics import tokenize, topic_npmi

import common
from bench_quality import SYSTEMS

COLUMNS = ("before", "+tokens", "+epsilon", "topiclab", "gensim")


def before(topics: list[list[str]], texts: list[str]) -> float:
    """topiclab's NPMI before this change: document co-occurrence, -1 for pairs never together."""
    vocabulary = sorted({w for ws in topics for w in ws})
    occurs = CountVectorizer(vocabulary=vocabulary, binary=True).transform(texts).tocsc().astype(np.float64)
    n_docs, index = occurs.shape[0], {w: i for i, w in enumerate(vocabulary)}
    frequency = np.asarray(occurs.sum(axis=0)).ravel() / n_docs
    together = (occurs.T @ occurs).toarray() / n_docs
    scores = []
    for ws in topics:
        pairs = []
        for a, b in combinations([index[w] for w in ws], 2):
            p_ab = together[a, b]
            pairs.append(-1.0 if p_ab == 0 else 1.0 if p_ab == 1 else
                         np.log(p_ab / (frequency[a] * frequency[b])) / -np.log(p_ab))
        scores.append(np.mean(pairs))
    return float(np.mean(scores))


def gensim_c_npmi(topics: list[list[str]], tokens: list[list[str]]) -> np.ndarray:
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    model = CoherenceModel(topics=topics, texts=tokens, dictionary=Dictionary(tokens), coherence="c_npmi", topn=10,
                           processes=1)
    return np.array(model.get_coherence_per_topic())


def measure(name: str, model: str) -> list[dict]:
    corpus = common.corpus(name)
    texts, vectors = corpus.texts, common.embeddings(corpus, model)
    tokens = tokenize(texts)
    rows = []
    for system, fit in SYSTEMS.items():
        _, words = fit(texts, vectors)
        topics = [[w for w in list(ws)[:10] if w] for ws in words]
        topics = [ws for ws in topics if len(ws) >= 2]
        started = time.perf_counter()
        ours = topic_npmi(topics, texts)
        seconds = time.perf_counter() - started
        theirs = gensim_c_npmi(topics, tokens)
        row = {"corpus": f"{common.LABELED[name].title} ({len(texts):,})", "system": system, "topics": len(topics),
               "before": before(topics, texts),
               "+tokens": before(topics, [" ".join(t) for t in tokens]),
               "+epsilon": float(np.nanmean(topic_npmi(topics, texts, window=None))),
               "topiclab": float(np.nanmean(ours)), "gensim": float(np.nanmean(theirs)),
               "max |diff|": float(np.nanmax(np.abs(ours - theirs))), "seconds": seconds}
        print(f"  {row}", flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=["bbc", "20ng", "m10"], choices=list(common.LABELED))
    parser.add_argument("--model", default="all-MiniLM-L6-v2", help="Embedding model of the fits (cached).")
    args = parser.parse_args()
    rows = [row for name in args.corpora for row in measure(name, args.model)]
    header = ("corpus", "system", "topics", *COLUMNS, "max \\|diff\\|", "topiclab s")
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print(f"| {r['corpus']} | {r['system']} | {r['topics']} | " + " | ".join(f"{r[c]:.3f}" for c in COLUMNS)
              + f" | {r['max |diff|']:.3f} | {r['seconds']:.1f} |")


if __name__ == "__main__":
    main()
