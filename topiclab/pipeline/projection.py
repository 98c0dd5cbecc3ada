"""2D and 3D UMAP projections of the document embeddings, for document maps only (figures draw them).

They are computed once (at fit time, or by `compute_projections` for a run saved without them), seeded,
and saved with the run, so drawing a map never touches the embeddings. From UMAP's own threshold for
approximate neighbours up, both share one nearest-neighbour graph, the part of UMAP that does not depend
on the output dimensions. The rest, the layout, is most of the cost (117,659 WordNet glosses on 2 busy
cores: neighbours 14 s, 2D layout 86 s, 3D layout 122 s) and runs single-threaded to stay seeded.
"""

from __future__ import annotations

import warnings

import numpy as np

from topiclab.config import ProjectionConfig
from topiclab.pipeline.jit import cache_numba_compilation

DIMENSIONS = {"2d": 2, "3d": 3}
SMALL = 4096  # UMAP's own threshold for exact nearest neighbours


def project_embeddings(embeddings: np.ndarray, config: ProjectionConfig, seed: int,
                       keys: tuple[str, ...] = ("2d", "3d")) -> dict[str, np.ndarray]:
    """{"2d": (n, 2), "3d": (n, 3)} float32 coordinates; the same inputs and seed give the same arrays."""
    from umap import UMAP
    from umap.umap_ import nearest_neighbors

    cache_numba_compilation()

    embeddings = np.asarray(embeddings, dtype=np.float32)
    n_neighbors = min(config.n_neighbors, max(2, len(embeddings) - 1))
    knn = (None, None, None)  # below SMALL, UMAP finds exact neighbours itself, with no NN-descent to compile
    if len(embeddings) >= SMALL:
        knn = nearest_neighbors(embeddings, n_neighbors, config.metric, {}, False, np.random.RandomState(seed),
                                low_memory=True)
    projections = {}
    for key in keys:
        umap = UMAP(n_components=DIMENSIONS[key], n_neighbors=n_neighbors, min_dist=config.min_dist,
                    metric=config.metric, n_epochs=config.n_epochs, init="pca", random_state=seed,
                    precomputed_knn=knn, low_memory=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)  # the seed's doing
            projections[key] = umap.fit_transform(embeddings).astype(np.float32)
    return projections
