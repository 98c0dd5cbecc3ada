"""What fitting on a sample costs in agreement: the default fit (clustering on a seeded `compute.fit_sample`
of documents, the rest placed by neighbour vote) against a fit that clusters every document.

Above `compute.fit_sample` documents (default 50,000) UMAP and the cluster layers see a sample only, because
their cost grows faster than linearly. This prints, for corpora where a full fit still runs on one machine,
both fits' seconds, topic counts and NMI against the classes, and their agreement with each other (NMI and
ARI between the two assignments). WordLlama vectors from the cache; projections and label aspects off (the
same in both fits and not what is measured).

    python benchmarks/bench_sample.py [--corpora wordnet] [--samples 20000 50000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from topiclab import fit_run

import common


def fit(corpus, vectors, fit_sample: int) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    run = fit_run(corpus, embeddings=vectors, save=False, progress=False, **{
        "compute.fit_sample": fit_sample, "compute.cache": False, "projection.enabled": False,
        "labels.aspects": [], "embedding.model": "wordllama"})
    return run.documents["topic"].to_numpy(), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=["wordnet"])
    parser.add_argument("--samples", nargs="+", type=int, default=[20_000, 50_000])
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    rows = []
    for name in args.corpora:
        corpus = common.corpus(name)
        vectors = common.embeddings(corpus, "wordllama")
        classes = np.asarray(corpus.documents["class"])
        full, full_seconds = fit(corpus, vectors, len(corpus))
        rows.append((name, len(corpus), f"all {len(corpus):,}", full_seconds, full, classes, full))
        for size in args.samples:
            if size < len(corpus):
                topics, seconds = fit(corpus, vectors, size)
                rows.append((name, len(corpus), f"{size:,}", seconds, topics, classes, full))
    print(f"load average at end: {os.getloadavg()}")
    print("\n| corpus | documents | clustered on | seconds | topics | NMI vs classes | NMI vs full fit | ARI vs full fit |")
    print("|---|---|---|---|---|---|---|---|")
    for name, n, sample, seconds, topics, classes, full in rows:
        print(f"| {name} | {n:,} | {sample} | {seconds:.1f} | {len(set(topics) - {-1})} | "
              f"{normalized_mutual_info_score(classes, topics):.3f} | {normalized_mutual_info_score(full, topics):.3f} | "
              f"{adjusted_rand_score(full, topics):.3f} |")


if __name__ == "__main__":
    main()
