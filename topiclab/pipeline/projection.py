"""2D and 3D coordinates of every document, for document maps (figures draw them; they never cluster).

The fit sample is laid out from the clustering's own neighbour graph, starting from the principal
components of its clustering layout, so a map costs a fraction of a UMAP run; documents outside the
sample sit at the similarity-weighted mean of the reference documents that gave them their topic (the
neighbours the vote already found), so a 600k-document map needs no second pass over the corpus. Both
layouts are cached with the reduction.
"""

from __future__ import annotations

import numpy as np

from topiclab.config import ProjectionConfig
from topiclab.pipeline.neighbors import normalize
from topiclab.pipeline.predictor import Reference
from topiclab.pipeline.reduce import ReductionCache, fingerprint, principal_components, umap_layout
from topiclab.pipeline.steps import cached_graph, cached_reduction
from topiclab.pipeline.topic_state import FitLayout
from topiclab.progress import stage

DIMENSIONS = {"2d": 2, "3d": 3}
_FOCUS = 8  # neighbour weights are similarity**_FOCUS: the nearest reference documents decide the place


def project(model, unit_vectors: np.ndarray, config: ProjectionConfig, seed: int, cache: ReductionCache,
            show: bool = False, keys: tuple[str, ...] = ("2d", "3d")) -> dict[str, np.ndarray]:
    """{"2d": (n, 2), "3d": (n, 3)} float32 for the documents `model` was just fitted on.

    2D: the fit sample laid out on the clustering's graph; 3D: a seeded subset of it (`sample_3d`) laid out
    from its clustering coordinates (a 3D view shows only a sample anyway). Everything else is placed."""
    return _project(model.state_.fit_sample, model.state_.layout, unit_vectors, config, seed, cache, show, keys)


def _project(sample: np.ndarray, layout: FitLayout, unit_vectors: np.ndarray, config: ProjectionConfig, seed: int,
             cache: ReductionCache, show: bool, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    key = {**layout.reduction_key, "projection": config.model_dump(mode="json"),
           "start": fingerprint(layout.coords)}
    result = {}
    if "2d" in keys:
        with stage(f"Map layout of {len(sample):,} documents", show):
            laid_out = cache.get_or_compute({**key, "stage": "map2d"}, lambda: {"coords": umap_layout(
                unit_vectors[sample], layout.graph, 2, min_dist=config.min_dist, n_epochs=config.n_epochs,
                init=principal_components(layout.coords, 2), seed=seed, progress=show)})["coords"]
        result["2d"] = _everyone(sample, layout, laid_out, len(unit_vectors), seed)
    if "3d" in keys:
        laid_out = cache.get_or_compute({**key, "stage": "map3d"},
                                        lambda: {"coords": _layout_3d(layout.coords, config, seed)})["coords"]
        result["3d"] = _everyone(sample, layout, laid_out, len(unit_vectors), seed)
    return result


def _layout_3d(coords: np.ndarray, config: ProjectionConfig, seed: int) -> np.ndarray:
    """3D coordinates of every sampled document: a subset laid out by UMAP on its clustering coordinates,
    the others placed at their nearest laid-out neighbours (in those coordinates)."""
    from sklearn.neighbors import NearestNeighbors

    n = len(coords)
    chosen = np.sort(np.random.default_rng(seed).choice(n, min(n, config.sample_3d), replace=False))
    graph = _euclidean_graph(coords[chosen], 15)
    laid_out = umap_layout(coords[chosen], graph, 3, min_dist=config.min_dist, metric="euclidean",
                           n_epochs=max(10, config.n_epochs // 2), init=principal_components(coords[chosen], 3),
                           seed=seed)
    result = np.zeros((n, 3), np.float32)
    result[chosen] = laid_out
    rest = np.setdiff1d(np.arange(n), chosen, assume_unique=True)
    if len(rest):
        distances, indices = NearestNeighbors(n_neighbors=min(10, len(chosen))).fit(coords[chosen]).kneighbors(
            coords[rest])
        weights = 1.0 / np.maximum(distances, 1e-6) ** 2
        result[rest] = (np.einsum("nk,nkd->nd", weights / weights.sum(axis=1, keepdims=True), laid_out[indices])
                        .astype(np.float32))
    return result


def _euclidean_graph(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each point's k nearest points (itself first), as (indices, 1 - distance) like the cosine graph."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(points))
    distances, indices = NearestNeighbors(n_neighbors=k).fit(points).kneighbors(points)
    return indices.astype(np.int64), (1.0 - distances).astype(np.float32)


def _everyone(sample: np.ndarray, layout: FitLayout, sample_coords: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Coordinates for all n documents: the fit sample's own, the others at their vote neighbours."""
    coords = np.zeros((n, sample_coords.shape[1]), np.float32)
    coords[sample] = sample_coords
    rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
    if len(rest):
        row_in_sample = np.full(n, -1, np.int64)  # a table, not a binary search per neighbour (9M at 607k)
        row_in_sample[sample] = np.arange(len(sample))
        coords[rest] = place(sample_coords, row_in_sample[layout.neighbors[rest]], layout.similarities[rest], seed)
    return coords


def project_saved(model, embeddings: np.ndarray, config: ProjectionConfig, seed: int, cache: ReductionCache,
                  show: bool = False, keys: tuple[str, ...] = ("2d", "3d")) -> dict[str, np.ndarray]:
    """Map coordinates for a loaded model's fitted documents (a run saved without them): the same graph and
    clustering layout as the fit (from the cache when this machine fitted the run, else computed again, which
    gives the same seeded result), and documents outside the fit sample placed by their neighbours."""
    unit = normalize(embeddings)
    state, settings = model.state_, model.settings
    sample = state.fit_sample
    graph, graph_key = cached_graph(unit[sample], settings, cache, show)
    coords = cached_reduction(unit[sample], graph, graph_key, None, settings, cache, show)
    anchors = np.isin(state.reference.positions, sample)
    voters = Reference(state.reference.vectors[anchors], state.reference.topics[anchors],
                       state.reference.positions[anchors], state.reference.n_neighbors)
    result = voters.assign(unit, keep_outliers=True)
    layout = FitLayout(graph, coords, graph_key, result.neighbors, result.similarities)
    return _project(sample, layout, unit, config, seed, cache, show, keys)


def place(anchor_coords: np.ndarray, neighbors: np.ndarray, similarities: np.ndarray, seed: int) -> np.ndarray:
    """Coordinates at the weighted mean of each row's neighbours (rows of `anchor_coords`), with a little
    seeded jitter so documents with the same neighbours do not sit on one pixel."""
    weights = np.maximum(similarities, 1e-3) ** _FOCUS
    weights /= weights.sum(axis=1, keepdims=True)
    placed = np.einsum("nk,nkd->nd", weights, anchor_coords[neighbors])
    spread = anchor_coords.std(axis=0) * 0.003
    return (placed + np.random.default_rng(seed).normal(0.0, 1.0, placed.shape) * spread).astype(np.float32)
