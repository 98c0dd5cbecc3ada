"""Clustering the reduced fit sample into topics, at a granularity read from the data.

HDBSCAN's cluster tree holds every granularity at once. EVoC's layer search walks it over all minimum
cluster sizes, keeps the distinct clusterings that persist longest (the "layers", finest first) and scores
each by its total persistence. topiclab takes the most persistent layer by default, so a corpus of five
broad classes and one of fifty narrow ones each get their own number of topics, and keeps every layer,
so a user can move to a finer or coarser one later without re-embedding or re-reducing.

A fixed `hdbscan.min_cluster_size` gives classic HDBSCAN instead (one layer, BERTopic's behaviour).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from topiclab.config import HDBSCANConfig

#: Smallest cluster of the finest layer: the floor of every granularity the layer search may pick.
BASE_MIN_CLUSTER_SIZE = 10


@dataclass
class Layers:
    """Clusterings of the same documents, finest first; -1 marks documents in no cluster."""

    labels: np.ndarray       # (n_layers, n_documents) int32
    persistence: np.ndarray  # (n_layers,) total persistence of each layer (0 for the base layer)

    @property
    def n_topics(self) -> list[int]:
        return [int(len(np.unique(layer[layer >= 0]))) for layer in self.labels]

    def most_persistent(self) -> int:
        """The layer with the largest total persistence; ties go to the finer layer."""
        return int(np.argmax(self.persistence))

    def nearest_to(self, n_topics: int) -> int:
        """The layer whose number of topics is closest to `n_topics` (ties: the finer one)."""
        return int(np.argmin([abs(count - n_topics) for count in self.n_topics]))


def cluster(coords: np.ndarray, config: HDBSCANConfig) -> Layers:
    """Layers of clusters of the reduced coordinates: the layer search for min_cluster_size 'auto',
    classic HDBSCAN (one layer) for a fixed size."""
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    if config.min_cluster_size == "auto":
        return _layer_search(coords, config.min_samples)
    return Layers(_hdbscan(coords, config)[None, :], np.zeros(1))


def _layer_search(coords: np.ndarray, min_samples: int) -> Layers:
    from evoc.clustering import build_cluster_layers

    from topiclab.pipeline.jit import cache_numba_compilation

    cache_numba_compilation()
    base = min(BASE_MIN_CLUSTER_SIZE, max(2, len(coords) // 10))
    layers, _, persistence = build_cluster_layers(coords, min_samples=min(min_samples, len(coords) - 1),
                                                  base_min_cluster_size=base, reproducible_flag=True)
    return Layers(np.vstack([np.asarray(layer, dtype=np.int32) for layer in layers]),
                  np.asarray(persistence, dtype=np.float64))


def _hdbscan(coords: np.ndarray, config: HDBSCANConfig) -> np.ndarray:
    from hdbscan import HDBSCAN

    clusterer = HDBSCAN(min_cluster_size=int(config.min_cluster_size), min_samples=config.min_samples,
                        cluster_selection_method=config.cluster_selection_method, metric="euclidean")
    return clusterer.fit_predict(coords).astype(np.int32)
