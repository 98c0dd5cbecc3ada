"""Realistic saved runs of the large shared corpora, built directly, for the document-map benchmark.

A full fit of WordNet (117,659 glosses) or PyPI (607,602 summaries) takes too long on two shared cores,
and the map only reads a run, so this builds one the way the pipeline would, with cheaper stand-ins:
texts from the parquet file (M10 paper titles, 10,310, are the small corpus); WordLlama embeddings through `topiclab.embed` (cached on disk); topics
from MiniBatchKMeans on the normalized embeddings, each document's probability its cosine similarity to
its topic's centre; topic words by c-TF-IDF (BERTopic's ClassTfidfTransformer, the pipeline's own);
2D coordinates from UMAP fitted on a seeded sample, every other document placed at its nearest sampled
neighbour (cosine) with a little jitter. WordNet keeps its lexicographer file as `class`; PyPI its
package name as `doc_id` and its release month as `timestamp`. The run is saved under
outputs/bench-map/<name>/ and reopened from there next time.

    python benchmarks/map_runs.py wordnet pypi
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from topiclab import load_run
from topiclab.config import RunConfig
from topiclab.embed import embed_documents
from topiclab.results import TopicRun

import common

RUNS = common.ROOT / "outputs" / "bench-map"
#: corpus -> (parquet file, topics, UMAP sample)
SPECS = {"m10": ("m10_titles.parquet", 40, 10_310), "wordnet": ("wordnet_glosses.parquet", 150, 20_000),
         "pypi": ("pypi_summaries.parquet", 300, 20_000)}
SEED = 42


def bench_run(name: str) -> TopicRun:
    path = RUNS / name
    if (path / "manifest.json").exists():
        return load_run(path)
    started = time.perf_counter()
    run = build_run(name)
    run.save(path)
    print(f"built {name}: {len(run.documents):,} documents, {time.perf_counter() - started:.0f} s {run.manifest['seconds']}")
    return run


def build_run(name: str) -> TopicRun:
    file, n_topics, n_sample = SPECS[name]
    frame = pd.read_parquet(common.SHARED_DATA / file)
    documents = _documents(name, frame)
    texts = documents["text"].tolist()
    seconds = {}

    started = time.perf_counter()
    config = RunConfig(embedding={"model": "wordllama"}, seed=SEED)
    embeddings, _ = embed_documents(texts, config.embedding, progress=True)
    seconds["embed"] = time.perf_counter() - started

    started = time.perf_counter()
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    topics, centres = _kmeans(unit, n_topics)
    probability = np.einsum("ij,ij->i", unit, centres[topics]).clip(0, 1)
    seconds["cluster"] = time.perf_counter() - started

    started = time.perf_counter()
    words = _ctfidf_words(texts, topics, n_topics)
    seconds["words"] = time.perf_counter() - started

    started = time.perf_counter()
    coords = _layout(unit, n_sample)
    seconds["project"] = time.perf_counter() - started

    documents.insert(2, "topic", topics)
    documents.insert(3, "probability", probability.astype(np.float32))
    documents.insert(4, "outlier_reassigned", False)
    sizes = np.bincount(topics, minlength=n_topics)
    table = pd.DataFrame({
        "topic": np.arange(n_topics), "size": sizes,
        "label": [f"{t}: {'_'.join(w for w, _ in words[t][:4])}" for t in range(n_topics)],
        "words": [[w for w, _ in words[t]] for t in range(n_topics)],
        "word_scores": [[round(s, 6) for _, s in words[t]] for t in range(n_topics)],
        "representative_docs": [[texts[i] for i in np.flatnonzero(topics == t)[:3]] for t in range(n_topics)],
    })
    manifest = {"name": name, "seed": SEED, "metrics": {"n_topics": n_topics, "outlier_share": 0.0},
                "seconds": {k: round(v, 3) for k, v in seconds.items()},
                "built_by": "benchmarks/map_runs.py (MiniBatchKMeans topics, UMAP on a sample)"}
    return TopicRun(documents=documents, topics=table, config=config, manifest=manifest, embeddings=embeddings,
                    topic_embeddings=centres.astype(np.float32), projections={"2d": coords})


def _documents(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    if name == "wordnet":
        return pd.DataFrame({"doc_id": frame["synset"].astype(str), "text": frame["text"].astype(str),
                             "class": frame["label"].astype(str)})
    if name == "m10":
        return pd.DataFrame({"doc_id": frame["node_id"].astype(str), "text": frame["text"].astype(str),
                             "class": frame["label"].astype(str)})
    month = pd.to_datetime(frame["month"], format="%Y-%m", errors="coerce")
    return pd.DataFrame({"doc_id": frame["package"].astype(str), "text": frame["text"].astype(str),
                         "timestamp": month})


def _kmeans(unit: np.ndarray, n_topics: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.cluster import MiniBatchKMeans

    kmeans = MiniBatchKMeans(n_topics, random_state=SEED, batch_size=8192, n_init=3).fit(unit)
    centres = kmeans.cluster_centers_ / np.linalg.norm(kmeans.cluster_centers_, axis=1, keepdims=True)
    return kmeans.labels_.astype(np.int64), centres


def _ctfidf_words(texts: list[str], topics: np.ndarray, n_topics: int, top: int = 10) -> list[list[tuple[str, float]]]:
    from bertopic.vectorizers import ClassTfidfTransformer
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(stop_words="english", min_df=5)
    counts = vectorizer.fit_transform(texts)
    membership = sparse.csr_matrix((np.ones(len(topics)), (topics, np.arange(len(topics)))), shape=(n_topics, len(topics)))
    scores = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(membership @ counts).toarray()
    vocabulary = vectorizer.get_feature_names_out()
    best = np.argsort(-scores, axis=1)[:, :top]
    return [[(str(vocabulary[j]), float(scores[t, j])) for j in best[t]] for t in range(n_topics)]


def _layout(unit: np.ndarray, n_sample: int) -> np.ndarray:
    from umap import UMAP

    rng = np.random.default_rng(SEED)
    sample = np.sort(rng.choice(len(unit), min(n_sample, len(unit)), replace=False))
    placed = UMAP(n_components=2, n_neighbors=15, min_dist=0.1, metric="cosine", random_state=SEED,
                  init="pca").fit_transform(unit[sample]).astype(np.float32)
    nearest = np.empty(len(unit), dtype=np.int64)
    for start in range(0, len(unit), 20_000):  # nearest sampled neighbour by cosine, a block at a time
        nearest[start:start + 20_000] = np.argmax(unit[start:start + 20_000] @ unit[sample].T, axis=1)
    spread = 0.01 * (placed.max(axis=0) - placed.min(axis=0))
    coords = placed[nearest] + rng.normal(size=(len(unit), 2)).astype(np.float32) * spread
    coords[sample] = placed
    return coords.astype(np.float32)


if __name__ == "__main__":
    for corpus in sys.argv[1:] or list(SPECS):
        run = bench_run(corpus)
        print(corpus, len(run.documents), Path(run.path))
