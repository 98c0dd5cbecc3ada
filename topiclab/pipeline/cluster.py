"""Clustering the reduced fit sample into topics, at a granularity read from the data.

HDBSCAN's cluster tree holds every granularity at once. EVoC's layer search walks it over all minimum
cluster sizes and keeps the distinct clusterings that persist longest (the "layers", finest first), each
scored by its total persistence. All layers are kept, so a user can move to a finer or coarser one later
without re-embedding or re-reducing (`topiclab levels`).

Which layer is the default (`choose_level`): the most persistent one is often too coarse (it picked 5
topics for 5,000 WordNet glosses of 45 classes, and 3 for 50,000), and a fixed share of the corpus ignores
the data (the old 1% rule gave 28 topics to 57 classes). So the rule starts from a moderate granularity,
the layer nearest 0.6 * sqrt(n) topics, and moves to a coarser layer only when the data says that layer
is real: how much better its topics separate the documents (the mean margin between a document's own
topic centroid and the nearest other one), times how much longer it persists, is at least 1.15. One
product, not two thresholds: the rule used to ask for a 10% better margin *and* at least the same
persistence, and BBC's 8-topic layer (margin 18-30% better, persistence 3-8% lower on some seeds) then
came and went with the seed and between fp32 and int8 vectors (mean NMI over 8 seeds 0.674 int8 against
0.731 fp32; with the product 0.738 and 0.746). A better margin alone is still not enough: FOLDOC's
18-topic layer (margin 10.7% better, persisting less) stays out. Over 8 seeds of MiniLM fp32 and int8 and
3 of WordLlama on BBC, M10, 20 Newsgroups, WordNet and FOLDOC (3k/5k samples and whole), the product
moved BBC, M10 and 20 Newsgroup samples to coarser layers and left the WordNet and FOLDOC topics fine.
See benchmarks/bench_quality.py.

The layers come from the method named by `clustering.method` (topiclab.clusterers): `evoc` (the default)
gives many, `hdbscan` (a fixed smallest topic size, BERTopic's behaviour) one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from topiclab.clusterers import CLUSTERERS
from topiclab.config import ClusteringConfig
from topiclab.pipeline.jit import rebuilt_if_damaged

#: The granularity the default starts from: this many times the square root of the clustered documents.
TARGET_SCALE = 0.6
#: A coarser layer wins when its centroid margin ratio times its persistence ratio reaches this.
COARSENING_GAIN = 1.15
#: Layers with fewer topics are not chosen by default (unless no layer has more).
MIN_TOPICS = 5
#: Nor layers with fewer than the starting target divided by this: EVoC's layers can be far apart (36 then 7
#: topics on 20 Newsgroups), and one jump must not end three octaves below the corpus's scale.
MAX_COARSENING = 8


@dataclass
class Layers:
    """Clusterings of the same documents, finest first; -1 marks documents in no cluster."""

    labels: np.ndarray       # (n_layers, n_documents) int32
    persistence: np.ndarray  # (n_layers,) total persistence of each layer (0 for the base layer)

    @property
    def n_topics(self) -> list[int]:
        return [int(len(np.unique(layer[layer >= 0]))) for layer in self.labels]

    def choose(self, unit_vectors: np.ndarray) -> int:
        """The default layer for documents with these unit embeddings (see the module docstring)."""
        return choose_level(self, unit_vectors)

    def most_persistent(self) -> int:
        """The layer with the largest total persistence; ties go to the finer layer."""
        return int(np.argmax(self.persistence))

    def nearest_to(self, n_topics: int) -> int:
        """The layer whose number of topics is closest to `n_topics` (ties: the finer one)."""
        return int(np.argmin([abs(count - n_topics) for count in self.n_topics]))


def choose_level(layers: Layers, unit_vectors: np.ndarray) -> int:
    """Start at the layer nearest TARGET_SCALE * sqrt(n) topics; move to each coarser layer whose separation
    and persistence, relative to the current choice, multiply to COARSENING_GAIN or more, down to
    target / MAX_COARSENING topics. Layers of fewer than MIN_TOPICS topics are skipped while others exist."""
    counts = layers.n_topics
    candidates = [i for i, k in enumerate(counts) if k >= MIN_TOPICS]
    if not candidates:
        return layers.most_persistent()
    target = TARGET_SCALE * np.sqrt(layers.labels.shape[1])
    best = min(candidates, key=lambda i: (abs(np.log(counts[i] / target)), -counts[i]))
    best_margin = centroid_margin(unit_vectors, layers.labels[best])
    floor = target / MAX_COARSENING
    for i in (i for i in candidates if floor <= counts[i] < counts[best]):  # coarser layers, finer first
        margin = centroid_margin(unit_vectors, layers.labels[i])
        separation = margin / max(best_margin, 1e-9)
        # EVoC gives its base layer no persistence: against it, only the separation counts
        steadiness = layers.persistence[i] / layers.persistence[best] if layers.persistence[best] > 0 else 1.0
        if separation * steadiness >= COARSENING_GAIN:
            best, best_margin = i, margin
    return best


def centroid_margin(unit_vectors: np.ndarray, labels: np.ndarray) -> float:
    """Mean, over clustered documents, of the cosine similarity to their own cluster's centroid minus that to
    the nearest other centroid: how clearly the clusters separate the documents."""
    clustered = labels >= 0
    members, vectors = labels[clustered], unit_vectors[clustered]
    ids = np.unique(members)
    if len(ids) < 2:
        return 0.0
    centroids = np.vstack([vectors[members == t].mean(axis=0) for t in ids])
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    similarity = vectors @ centroids.T
    rows, own = np.arange(len(vectors)), np.searchsorted(ids, members)
    mine = similarity[rows, own].copy()
    similarity[rows, own] = -np.inf
    return float((mine - similarity.max(axis=1)).mean())


def cluster(coords: np.ndarray, config: ClusteringConfig) -> Layers:
    """Layers of clusters of the reduced coordinates, by the configured method."""
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    method = CLUSTERERS[config.method]
    # EVoC's numba functions load their compiled code from disk: a damaged cache is rebuilt, not a crash
    labels, persistence = rebuilt_if_damaged(lambda: method.layers(coords, config.method_settings))
    return Layers(np.atleast_2d(np.asarray(labels, dtype=np.int32)),
                  np.atleast_1d(np.asarray(persistence, dtype=np.float64)))
