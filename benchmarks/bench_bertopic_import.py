"""BERTopic's own topics shown through topiclab (imported), beside topiclab's defaults, on the labeled corpora.

For each corpus of `common.LABELED` one plain BERTopic model (every default, as in bench_quality.py) is fitted
on the cached all-MiniLM-L6-v2 vectors, then imported into topiclab twice: as it is (outliers stay -1) and with
topiclab's outlier reassignment (each outlier takes the topic of its nearest documents' vote). topiclab's own
defaults fit the same texts and vectors. Every row is scored by the same function (topiclab.metrics: NMI/ARI
against the classes, outlier share, NPMI and diversity of the top 10 words), BERTopic's outliers counting as
one more cluster, as a user gets them. The imported row must equal the BERTopic row: the import keeps the
model's topics and words. Import seconds include topiclab's neighbour vote and term counts, not the map.

    python benchmarks/bench_bertopic_import.py [--corpora bbc m10 ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from topiclab.interop import from_bertopic
from topiclab.metrics import run_metrics

import common
from bench_quality import topiclab_defaults, warm_up

#: The import's settings for a benchmark: no map and no label aspects (they change neither topics nor metrics).
QUIET = {"projection.enabled": False, "labels.aspects": []}


def imported(model, corpus, embeddings, reassign: bool):
    """The BERTopic model as a topiclab run: its topics and non-outlier words, and the import's seconds."""
    started = time.perf_counter()
    run = from_bertopic(model, corpus, embeddings, save=False, reassign_outliers=reassign, progress=False, **QUIET)
    seconds = time.perf_counter() - started
    words = run.topics.loc[run.topics["topic"] != -1, "words"].map(list).tolist()
    return run.documents["topic"].to_numpy(), words, seconds


def fitted_bertopic(texts, embeddings):
    """plain_bertopic's fit, keeping the model so that it can be imported."""
    from bertopic import BERTopic

    model = BERTopic()
    model.fit(texts, embeddings)
    return model


def measure(name: str) -> list[dict]:
    corpus = common.corpus(name)
    embeddings = common.embeddings(corpus)
    texts, classes = corpus.texts, corpus.documents["class"].tolist()
    rows = []

    def row(system, topics, words, seconds):
        rows.append({"corpus": f"{common.LABELED[name].title} ({len(texts):,}, {len(set(classes))} classes)",
                     "system": system, "seconds": seconds, **run_metrics(topics, words, texts, classes)})
        print(f"  {name} {system}: {seconds:.1f} s, {rows[-1]}", flush=True)

    started = time.perf_counter()
    model = fitted_bertopic(texts, embeddings)
    words = [[w for w, _ in model.get_topic(t)] for t in sorted(set(model.topics_)) if t != -1]
    row("BERTopic defaults", np.asarray(model.topics_), words, time.perf_counter() - started)
    row("BERTopic imported", *imported(model, corpus, embeddings, reassign=False))
    row("BERTopic imported + topiclab outlier reassignment", *imported(model, corpus, embeddings, reassign=True))
    started = time.perf_counter()
    topics, words = topiclab_defaults(texts, embeddings)
    row("topiclab defaults", topics, words, time.perf_counter() - started)
    return rows


def print_table(rows: list[dict]) -> None:
    header = ("corpus", "system", "topics", "outliers", "NMI", "ARI", "NPMI", "diversity", "seconds")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print(f"| {r['corpus']} | {r['system']} | {r['n_topics']} | {r['outlier_share']:.1%} | {r['nmi']:.3f} "
              f"| {r['ari']:.3f} | {r['npmi']:.3f} | {r['diversity']:.3f} | {r['seconds']:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", nargs="+", default=list(common.LABELED), choices=list(common.LABELED))
    args = parser.parse_args()
    warm_up()
    rows = [row for name in args.corpora for row in measure(name)]
    print("\nOne BERTopic fit per corpus; the same texts and MiniLM embeddings for every row; seconds: the fit "
          "(BERTopic, topiclab) or the import (excluding embedding, map and label aspects).")
    print_table(rows)


if __name__ == "__main__":
    main()
