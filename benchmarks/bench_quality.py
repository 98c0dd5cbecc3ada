"""topiclab's defaults against plain BERTopic, side by side, on the same MiniLM embeddings.

For each labeled corpus of common.LABELED (20 Newsgroups, BBC News, M10 titles, a 20k sample of WordNet
glosses, FOLDOC; from data/ or ../shared/data) both systems fit the same cleaned texts and the same
cached all-MiniLM-L6-v2 vectors, alternating, several rounds each. Quality metrics are computed by
one function for both (topiclab.metrics); fit time excludes embedding. Prints one table of medians.

    python benchmarks/bench_quality.py [--rounds 3] [--corpora bbc 20ng m10 wordnet20k foldoc]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from topiclab.config import RunConfig
from topiclab.metrics import run_metrics
from topiclab.pipeline import TopicModel

import common

METRICS = ("n_topics", "outlier_share", "nmi", "ari", "npmi", "diversity")


def plain_bertopic(texts, embeddings):
    from bertopic import BERTopic

    model = BERTopic()  # every default, as a new user gets it
    topics, _ = model.fit_transform(texts, embeddings)
    words = [[w for w, _ in model.get_topic(t)] for t in sorted(set(topics)) if t != -1]
    return np.asarray(topics), words


def topiclab_defaults(texts, embeddings):
    model = TopicModel(RunConfig()).fit(texts, embeddings)
    words = [[w for w, _ in ws] for t, ws in sorted(model.top_words().items()) if t != -1]
    return model.topics_, words


SYSTEMS = {"BERTopic defaults": plain_bertopic, "topiclab defaults": topiclab_defaults}


def warm_up() -> None:
    """Compile numba's UMAP/HDBSCAN kernels once so that neither system pays for it in its timing."""
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(c, 0.1, size=(100, 16)) for c in range(4)]).astype(np.float32)
    texts = [f"word{i % 4} filler text {i % 7}" for i in range(len(points))]
    for fit in SYSTEMS.values():
        fit(texts, points)


def measure(name: str, rounds: int) -> list[dict]:
    corpus = common.corpus(name)
    embeddings = common.embeddings(corpus)
    texts, classes = corpus.texts, corpus.documents["class"].tolist()
    results = {system: [] for system in SYSTEMS}
    for round_ in range(rounds):
        for system, fit in SYSTEMS.items():
            started = time.perf_counter()
            topics, words = fit(texts, embeddings)
            seconds = time.perf_counter() - started
            scores = run_metrics(topics, words, texts, classes)
            results[system].append({**scores, "seconds": seconds})
            print(f"  {name} round {round_ + 1} {system}: {seconds:.1f} s, {scores}", flush=True)
    rows = []
    for system, runs in results.items():
        row = {"corpus": f"{common.LABELED[name].title} ({len(texts):,})", "system": system}
        row.update({k: statistics.median(r[k] for r in runs) for k in (*METRICS, "seconds")})
        rows.append(row)
    rows[1]["time ratio"] = rows[1]["seconds"] / rows[0]["seconds"]
    rows[0]["time ratio"] = 1.0
    return rows


def print_table(rows: list[dict]) -> None:
    header = ("corpus", "system", "topics", "outliers", "NMI", "ARI", "NPMI", "diversity", "fit s", "ratio")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print(f"| {r['corpus']} | {r['system']} | {r['n_topics']:.0f} | {r['outlier_share']:.1%} | {r['nmi']:.3f} | "
              f"{r['ari']:.3f} | {r['npmi']:.3f} | {r['diversity']:.3f} | {r['seconds']:.1f} | {r['time ratio']:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpora", nargs="+", default=list(common.LABELED), choices=list(common.LABELED))
    args = parser.parse_args()
    warm_up()
    rows = [row for name in args.corpora for row in measure(name, args.rounds)]
    print(f"\nMedians over {args.rounds} rounds; same texts and MiniLM embeddings for both; fit time excludes embedding.")
    print_table(rows)


if __name__ == "__main__":
    main()
