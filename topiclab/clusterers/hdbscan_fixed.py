"""`clustering.method: hdbscan`: classic HDBSCAN with a fixed smallest topic size, one granularity (BERTopic's
behaviour)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from topiclab.clusterers.registry import ClustererSettings, register_clusterer


class HDBSCANSettings(ClustererSettings):
    """HDBSCAN with one granularity, set by the smallest topic size."""

    min_cluster_size: int = Field(10, ge=2, le=100_000, description="Smallest topic in documents.")
    min_samples: int = Field(5, ge=1, le=1000, description="Larger values leave more documents in no cluster.")
    cluster_selection_method: Literal["eom", "leaf"] = Field(
        "eom", description="'eom' (stable clusters) or 'leaf' (finest clusters).")

    @property
    def smallest_cluster(self) -> int:
        return self.min_cluster_size


@register_clusterer("hdbscan", HDBSCANSettings, "HDBSCAN with a fixed smallest topic size (one granularity)")
def hdbscan_fixed(coords: np.ndarray, settings: HDBSCANSettings) -> tuple[np.ndarray, np.ndarray]:
    from hdbscan import HDBSCAN

    clusterer = HDBSCAN(min_cluster_size=settings.min_cluster_size, min_samples=settings.min_samples,
                        cluster_selection_method=settings.cluster_selection_method, metric="euclidean")
    return clusterer.fit_predict(coords).astype(np.int32)[None, :], np.zeros(1)
