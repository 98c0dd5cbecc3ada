"""`clustering.method: evoc` (the default): EVoC's cluster layers, every granularity of HDBSCAN's cluster tree
at once. The layers are kept with the run, and topiclab.pipeline.cluster picks the default one from the data."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from topiclab.clusterers.registry import ClustererSettings, register_clusterer

#: Smallest cluster of the finest layer: the floor of every granularity the layer search may pick.
BASE_MIN_CLUSTER_SIZE = 10
#: EVoC drops a layer whose clusters overlap a kept one's by more than this (Jaccard). Its default, 0.2,
#: kept 385, 93, 34, 16 and 3 topics on 20 Newsgroups; 0.6 keeps steps of about 1.5x (385, 182, 133, 93,
#: 60, 41, 31, 22, 16, 11, 3), so the default layer is chosen from near neighbours, not octaves apart.
LAYER_OVERLAP = 0.6
MAX_LAYERS = 20


class EVoCSettings(ClustererSettings):
    """EVoC's layer search over the reduced embeddings."""

    min_samples: int = Field(5, ge=1, le=1000, description="Larger values leave more documents in no cluster.")

    @property
    def smallest_cluster(self) -> int:
        return BASE_MIN_CLUSTER_SIZE


@register_clusterer("evoc", EVoCSettings, "EVoC's cluster layers (HDBSCAN at every granularity, the layer "
                                          "chosen from the data)")
def evoc_layers(coords: np.ndarray, settings: EVoCSettings) -> tuple[np.ndarray, np.ndarray]:
    from evoc.clustering import build_cluster_layers  # its numba functions cache their own compilation

    base = min(BASE_MIN_CLUSTER_SIZE, max(2, len(coords) // 10))
    layers, _, persistence = build_cluster_layers(coords, min_samples=min(settings.min_samples, len(coords) - 1),
                                                  base_min_cluster_size=base, reproducible_flag=True,
                                                  min_similarity_threshold=LAYER_OVERLAP, max_layers=MAX_LAYERS)
    return (np.vstack([np.asarray(layer, dtype=np.int32) for layer in layers]),
            np.asarray(persistence, dtype=np.float64))
