"""Topic modeling variants against the default fit, on the same cached embeddings (issue 11's table).

For each corpus (default: 20 Newsgroups and BBC News, MiniLM vectors from the cache) it prints NMI against
the known classes for: the default fit; zero-shot topics named after the classes (readable names made from
the group names); semi-supervised fits with 10% and 30% of the documents' classes known (NMI over all
documents); an online fit in 5 batches (the first fits, four partial_fit calls) against the batch fit,
with whether every first-batch topic id survived; and transform's agreement with the fit on the fitted
documents and on held-out ones (fit on 80%, assign the other 20%, compare with the full fit).

    python benchmarks/bench_variants.py [--corpora 20ng bbc] [--model all-MiniLM-L6-v2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from topiclab.config import RunConfig
from topiclab.pipeline import TopicModel

import common


def nmi(a, b) -> float:
    return normalized_mutual_info_score(a, b)


def measure(name: str, model: str) -> list[tuple]:
    corpus = common.corpus(name)
    texts, classes = corpus.texts, np.asarray(corpus.documents["class"])
    vectors = common.embeddings(corpus, model)
    config = RunConfig.build({"embedding": {"model": model}})
    rows = []

    def fit(settings=None, y=None, docs=texts, embeddings=vectors):
        started = time.perf_counter()
        fitted = TopicModel(config.with_overrides(settings or {})).fit(docs, y, embeddings=embeddings)
        return fitted, time.perf_counter() - started

    default, seconds = fit()
    base = nmi(classes, default.topics_)
    rows.append((name, "default fit", len(default.topic_ids_), base, "", seconds))

    names = sorted(set(classes))
    for threshold in (0.3, 0.4):
        zs, seconds = fit({"topics.zero_shot": common.class_names(name, names), "topics.zero_shot_threshold": threshold})
        share = np.mean(zs.assigned_by_ == "zero-shot")
        rows.append((name, f"zero-shot, class names, threshold {threshold}", len(zs.topic_ids_),
                     nmi(classes, zs.topics_), f"{share:.0%} of documents named", seconds))

    rng = np.random.default_rng(0)
    for known in (0.1, 0.3):
        y = np.where(rng.random(len(texts)) < known, classes, "")
        semi, seconds = fit(y=y)
        rows.append((name, f"semi-supervised, {known:.0%} labels known", len(semi.topic_ids_),
                     nmi(classes, semi.topics_), "NMI over all documents", seconds))

    batches = np.array_split(rng.permutation(len(texts)), 5)
    started = time.perf_counter()
    online = TopicModel(config)
    for batch in batches:
        online.partial_fit([texts[i] for i in batch], embeddings=vectors[batch])
    order = np.concatenate(batches)
    first_ids = set(np.unique(online.topics_[:len(batches[0])]))
    kept = first_ids <= set(online.topic_ids_)
    rows.append((name, "online, 5 batches", len(online.topic_ids_), nmi(classes[order], online.topics_),
                 f"batch fit {base:.3f}; first batch's ids kept: {kept}", time.perf_counter() - started))

    agreement = float(np.mean(default.predict(texts, embeddings=vectors) == default.topics_))
    rows.append((name, "transform, fitted documents", len(default.topic_ids_), agreement, "share agreeing", 0.0))
    held = np.arange(len(texts)) % 5 == 0
    part, _ = fit(docs=[t for t, h in zip(texts, held) if not h], embeddings=vectors[~held])
    assigned = part.predict([t for t, h in zip(texts, held) if h], embeddings=vectors[held])
    rows.append((name, "transform, held-out 20%", len(part.topic_ids_), nmi(default.topics_[held], assigned),
                 f"NMI with the full fit; ARI {adjusted_rand_score(default.topics_[held], assigned):.3f}; "
                 f"NMI with classes {nmi(classes[held], assigned):.3f}", 0.0))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=["20ng", "bbc"])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    args = parser.parse_args()
    rows = [row for name in args.corpora for row in measure(name, args.model)]
    print("\n| corpus | variant | topics | NMI / agreement | note | fit s |")
    print("|---|---|---|---|---|---|")
    for corpus, variant, topics, value, note, seconds in rows:
        print(f"| {corpus} | {variant} | {topics} | {value:.3f} | {note} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
