"""topiclab's defaults against plain BERTopic, side by side, on every labeled corpus, same embeddings.

For each corpus of `common.LABELED` (20 Newsgroups, BBC News, M10 titles, a 20k sample of WordNet glosses,
FOLDOC) both systems fit the same cleaned texts and the same cached all-MiniLM-L6-v2 vectors, alternating,
for several rounds. Metrics come from one function for both (topiclab.metrics: NMI/ARI against the classes,
NPMI and diversity of the top 10 words); BERTopic's outliers (-1) count as one more cluster, as a user gets
them. Fit time excludes embedding; topiclab fits without its reduction cache, so every round is cold.
Prints one table of medians, with the topic count as a multiple of the number of classes.

`--levels` prints every saved level of the default fit (topics, NMI, ARI, persistence, the granularity
rule's score), marking the default and the best level of 0.5-3x as many topics as classes. `--spread`
fits each corpus and seeded samples of it (`--samples`, drawn with `--sample-seed`) once per seed and
precision and prints the chosen level's topics and NMI per seed, the spread, how often the default is
within 0.01 NMI of that best level, and plain BERTopic's NMI on the same texts and int8 vectors.

    python benchmarks/bench_quality.py [--rounds 3] [--corpora 20ng bbc m10 wordnet20k foldoc gcide]
    python benchmarks/bench_quality.py --levels
    python benchmarks/bench_quality.py --spread [--seeds 8] [--precisions int8 fp32] [--samples 3000 5000]
                                       [--sample-seed 1] [--samples-only]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Optional

import numpy as np
from levels import best_in_range, chosen, fitted_levels, print_levels

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
    model = TopicModel(RunConfig.build(overrides={"compute.cache": False})).fit(texts, embeddings=embeddings)
    words = [[w for w, _ in model.topic_words_[t]] for t in model.topic_ids_ if t != -1]
    return model.topics_, words


SYSTEMS = {"BERTopic defaults": plain_bertopic, "topiclab defaults": topiclab_defaults}


def warm_up() -> None:
    """Compile numba's UMAP/HDBSCAN/EVoC kernels once so that neither system pays for it in its timing."""
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
    n_classes = len(set(classes))
    for system, runs in results.items():
        row = {"corpus": f"{common.LABELED[name].title} ({len(texts):,}, {n_classes} classes)", "system": system}
        row.update({k: statistics.median(r[k] for r in runs) for k in (*METRICS, "seconds")})
        row["per_class"] = row["n_topics"] / n_classes
        rows.append(row)
    for row in rows:
        row["time ratio"] = row["seconds"] / rows[0]["seconds"]
    return rows


def print_table(rows: list[dict]) -> None:
    header = ("corpus", "system", "topics", "× classes", "outliers", "NMI", "ARI", "NPMI", "diversity", "fit s",
              "ratio")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print(f"| {r['corpus']} | {r['system']} | {r['n_topics']:.0f} | {r['per_class']:.2f} | {r['outlier_share']:.1%} "
              f"| {r['nmi']:.3f} | {r['ari']:.3f} | {r['npmi']:.3f} | {r['diversity']:.3f} | {r['seconds']:.1f} "
              f"| {r['time ratio']:.2f}x |")


SEEDS = (42, 1, 2, 3, 4, 5, 6, 7)  # the default seed first


def datasets(corpora: list[str], samples: list[int], sample_seed: int, whole: bool = True):
    """(title, corpus) for each corpus (unless not `whole`), then each seeded sample smaller than it."""
    for name in corpora:
        corpus = common.corpus(name)
        if whole or not any(size < len(corpus.texts) for size in samples):
            yield f"{common.LABELED[name].title} ({len(corpus.texts):,})", corpus
        for size in (s for s in samples if s < len(corpus.texts)):
            yield (f"{common.LABELED[name].title} {size // 1000}k sample (seed {sample_seed})",
                   common.labeled_sample(name, size, seed=sample_seed))


def spread_row(title: str, corpus, precision: str, seeds, bertopic_nmi: float, dump: Optional[Path]) -> str:
    classes = corpus.documents["class"].astype(str).tolist()
    n_classes = len(set(classes))
    vectors = common.embeddings(corpus, precision=precision)
    fits = [fitted_levels(corpus.texts, vectors, classes, seed) for seed in seeds]
    if dump:  # every fit's levels, to study the granularity rule offline
        dump.mkdir(parents=True, exist_ok=True)
        for seed, levels in zip(seeds, fits):
            (dump / f"{title} {precision} {seed}.json").write_text(json.dumps([vars(level) for level in levels]))
    picked = [chosen(levels) for levels in fits]
    near_best = sum(best_in_range(levels, n_classes) is None or best_in_range(levels, n_classes).nmi - chosen(
        levels).nmi <= 0.01 for levels in fits)
    in_range = sum(0.5 * n_classes <= level.topics <= 3 * n_classes for level in picked)
    above = sum(level.nmi > bertopic_nmi for level in picked)
    nmis = [level.nmi for level in picked]
    return (f"| {title}, {n_classes} classes | {precision} | {' '.join(str(level.topics) for level in picked)} "
            f"| {' '.join(f'{v:.3f}' for v in nmis)} | {statistics.mean(nmis):.3f} | {max(nmis) - min(nmis):.3f} "
            f"| {near_best}/{len(fits)} | {in_range}/{len(fits)} | {bertopic_nmi:.3f} | {above}/{len(fits)} |")


def print_spread(args) -> None:
    print("| corpus | vectors | topics per seed | NMI per seed | mean NMI | spread | within 0.01 of the best level "
          "at 0.5-3x classes | topics at 0.5-3x classes | BERTopic NMI | above BERTopic |")
    print("|" + "---|" * 10)
    for title, corpus in datasets(args.corpora, args.samples, args.sample_seed, not args.samples_only):
        topics, _ = plain_bertopic(corpus.texts, common.embeddings(corpus))
        bertopic_nmi = run_metrics(topics, [], corpus.texts, corpus.documents["class"].tolist())["nmi"]
        for precision in args.precisions:
            print(spread_row(title, corpus, precision, SEEDS[:args.seeds], bertopic_nmi, args.dump), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpora", nargs="+", default=list(common.LABELED), choices=list(common.LABELED))
    parser.add_argument("--levels", action="store_true", help="every saved level of the default fit")
    parser.add_argument("--spread", action="store_true", help="the chosen level per seed and precision")
    parser.add_argument("--seeds", type=int, default=8, choices=range(1, len(SEEDS) + 1))
    parser.add_argument("--precisions", nargs="+", default=["int8", "fp32"], choices=["int8", "fp32"])
    parser.add_argument("--samples", nargs="*", type=int, default=[3000, 5000])
    parser.add_argument("--sample-seed", type=int, default=1)
    parser.add_argument("--samples-only", action="store_true", help="--spread: the samples, not whole corpora")
    parser.add_argument("--dump", type=Path, help="--spread: write every fit's levels as JSON into this folder")
    args = parser.parse_args()
    warm_up()
    if args.levels:
        for title, corpus in datasets(args.corpora, [], args.sample_seed):
            classes = corpus.documents["class"].astype(str).tolist()
            print_levels(title, fitted_levels(corpus.texts, common.embeddings(corpus), classes, SEEDS[0]),
                         len(set(classes)))
        return
    if args.spread:
        print_spread(args)
        return
    rows = [row for name in args.corpora for row in measure(name, args.rounds)]
    print(f"\nMedians over {args.rounds} rounds; same texts and MiniLM embeddings for both; fit time excludes "
          "embedding.")
    print_table(rows)


if __name__ == "__main__":
    main()
