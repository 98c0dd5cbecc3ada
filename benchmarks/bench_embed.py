"""Embedding speed and what int8 costs in quality (issue 10's goal 3).

Speed, on a seeded sample of 20 Newsgroups posts (documents per second, medians of the rounds):
  - plain sentence-transformers fp32 `encode` of the packaged all-MiniLM-L6-v2 (what BERTopic runs);
  - topiclab's int8 copy (ONNX Runtime, dynamic quantization) called directly, and through topiclab's
    cache with an empty cache folder, the same loaded model (the cache's overhead is the ratio of the two:
    hashing, longest-first blocks, token counts, writing the vectors);
  - the static WordLlama embedder directly and through the cache, on WordNet glosses.
Quality: for each labeled corpus, the same topiclab fits on fp32 and on int8 vectors (through the cache), one
per seed (`--seeds`), NMI against the classes, and the mean cosine between each document's two vectors.

    python benchmarks/bench_embed.py [--speed-docs 2000] [--rounds 3] [--corpora bbc m10 20ng3k]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from topiclab.config import EmbeddingConfig
from topiclab.embed import embed_documents
from topiclab.embed.backends import SentenceTransformerEmbedder, WordLlamaEmbedder, _packaged_minilm

import common

MINILM = "all-MiniLM-L6-v2"


def sample(name: str, size: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    corpus = common.corpus(name)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(corpus), min(size, len(corpus)), replace=False))
    return [corpus.texts[i] for i in rows], np.asarray(corpus.documents["class"])[rows]


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def speed(texts: list[str], wordnet: list[str], rounds: int, onnx_home: Path) -> list[tuple]:
    from sentence_transformers import SentenceTransformer

    fp32 = SentenceTransformer(str(_packaged_minilm()))
    int8 = SentenceTransformerEmbedder(MINILM, cache_dir=onnx_home)
    int8.load()  # the one-time export happens here, outside the timings
    wordllama = WordLlamaEmbedder()
    wordllama.load()
    seconds: dict[str, list[float]] = {}
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as empty:
            cache = Path(empty)
            (cache / "onnx").symlink_to(onnx_home / "onnx")  # the exported model, not the vectors
            runs = {
                "MiniLM fp32, sentence-transformers": (texts, lambda: fp32.encode(texts, batch_size=64)),
                "MiniLM int8, ONNX Runtime": (texts, lambda: int8.encode(texts)),
                "MiniLM int8 through the cache": (texts, lambda: embed_documents(
                    texts, EmbeddingConfig(model=MINILM, cache_dir=cache), embedder=int8, progress=False)),
                "WordLlama": (wordnet, lambda: wordllama.encode(wordnet)),
                "WordLlama through the cache": (wordnet, lambda: embed_documents(
                    wordnet, EmbeddingConfig(model="wordllama", cache_dir=cache), embedder=wordllama, progress=False)),
            }
            for name, (docs, run) in runs.items():
                elapsed, _ = timed(run)
                seconds.setdefault(name, []).append(elapsed)
                print(f"  {name}: {len(docs) / elapsed:.1f} docs/s", flush=True)
    rows = []
    for name, values in seconds.items():
        docs = wordnet if name.startswith("WordLlama") else texts
        median = statistics.median(values)
        rows.append((name, len(docs), median, len(docs) / median))
    return rows


def quality(name: str, onnx_home: Path, seeds: tuple[int, ...]) -> tuple:
    """NMI of the same fits on fp32 and int8 vectors, for each seed: UMAP's seed alone moves the granularity
    rule between layers on some corpora, so one seed's difference can be the seed's, not the vectors'."""
    from topiclab import fit_run

    if name == "20ng3k":
        texts, classes = sample("20ng", 3000)
    else:
        corpus = common.corpus(name)
        texts, classes = corpus.texts, np.asarray(corpus.documents["class"])
    vectors = {}
    for precision in ("fp32", "int8"):  # through the cache: the same vectors as without it, computed once
        config = EmbeddingConfig(model=MINILM, precision=precision)
        vectors[precision], _ = embed_documents(texts, config, progress=False)
    scores = {}
    for precision, embeddings in vectors.items():
        for seed in seeds:
            run = fit_run(texts, embeddings=embeddings, save=False, progress=False, seed=seed,
                          **{"projection.enabled": False, "labels.aspects": [], "compute.cache": False})
            scores.setdefault(precision, []).append((normalized_mutual_info_score(classes, run.documents["topic"]),
                                                     int((run.topics["topic"] >= 0).sum())))
    cosine = float(np.mean(np.sum(common_unit(vectors["fp32"]) * common_unit(vectors["int8"]), axis=1)))
    return (name, len(texts), scores["fp32"], scores["int8"], cosine)


def common_unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed-docs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpora", nargs="*", default=["bbc", "m10", "20ng3k"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[42, 1, 2, 3, 4, 5, 6, 7],
                        help="fit seeds (42: the default)")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as home:
        onnx_home = Path(home)
        texts, _ = sample("20ng", args.speed_docs)
        wordnet, _ = sample("wordnet20k", 20000)
        speed_rows = speed(texts, wordnet, args.rounds, onnx_home) if args.rounds else []  # 0: quality only
        quality_rows = [quality(name, onnx_home, tuple(args.seeds)) for name in args.corpora]
    print(f"load average at end: {os.getloadavg()}")
    seconds = {row[0]: row[2] for row in speed_rows}
    against = {"MiniLM int8, ONNX Runtime": "MiniLM fp32, sentence-transformers",
               "MiniLM int8 through the cache": "MiniLM int8, ONNX Runtime",
               "WordLlama through the cache": "WordLlama"}
    print("\n| embedder | documents | seconds | docs/s | time against |")
    print("|---|---|---|---|---|")
    for name, n, elapsed, rate in speed_rows:
        ratio = f"{elapsed / seconds[against[name]]:.2f}x {against[name]}" if name in against else ""
        print(f"| {name} | {n:,} | {elapsed:.1f} | {rate:.1f} | {ratio} |")
    print(f"\nSeeds {args.seeds}: NMI per seed and their mean; the difference's standard error over the seeds "
          "(int8 minus fp32 with the same seed); topics per seed")
    print("| corpus | documents | NMI fp32 | NMI int8 | mean fp32 | mean int8 | difference | topics fp32 / int8 | "
          "mean cosine |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, n, fp32, int8, cosine in quality_rows:
        (nmi32, k32), (nmi8, k8) = zip(*fp32), zip(*int8)
        differences = np.subtract(nmi8, nmi32)
        error = differences.std(ddof=1) / np.sqrt(len(differences)) if len(differences) > 1 else float("nan")
        print(f"| {name} | {n:,} | {' '.join(f'{v:.3f}' for v in nmi32)} | {' '.join(f'{v:.3f}' for v in nmi8)} | "
              f"{statistics.mean(nmi32):.3f} | {statistics.mean(nmi8):.3f} | {differences.mean():+.3f} ± {error:.3f} | "
              f"{'/'.join(map(str, k32))} / {'/'.join(map(str, k8))} | {cosine:.4f} |")

if __name__ == "__main__":
    main()
