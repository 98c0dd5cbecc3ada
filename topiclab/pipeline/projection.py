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
from topiclab.pipeline.reduce import ReductionCache, fingerprint, principal_components, umap_layout
from topiclab.progress import stage

DIMENSIONS = {"2d": 2, "3d": 3}
_FOCUS = 8  # neighbour weights are similarity**_FOCUS: the nearest reference documents decide the place


def project(model, unit_vectors: np.ndarray, config: ProjectionConfig, seed: int, cache: ReductionCache,
            show: bool = False, keys: tuple[str, ...] = ("2d", "3d")) -> dict[str, np.ndarray]:
    """{"2d": (n, 2), "3d": (n, 3)} float32 for the documents `model` was just fitted on."""
    sample = model.fit_sample_
    start = principal_components(model.coords_, max(DIMENSIONS[k] for k in keys))
    result = {}
    for key in keys:
        dims = DIMENSIONS[key]
        what = {**model.reduction_key_, "stage": f"map{key}", "projection": config.model_dump(mode="json"),
                "start": fingerprint(start)}

        def compute(dims=dims):
            return {"coords": umap_layout(unit_vectors[sample], model.graph_, dims, min_dist=config.min_dist,
                                          n_epochs=config.n_epochs, init=start[:, :dims], seed=seed,
                                          progress=show)}

        with stage(f"Map layout ({key.upper()}) of {len(sample):,} documents", show and dims == 2):
            laid_out = cache.get_or_compute(what, compute)["coords"]
        coords = np.zeros((len(unit_vectors), dims), np.float32)
        coords[sample] = laid_out
        rest = np.setdiff1d(np.arange(len(unit_vectors)), sample, assume_unique=True)
        if len(rest):
            coords[rest] = place(laid_out, np.searchsorted(sample, model.neighbors_[rest]),
                                 model.neighbor_similarities_[rest], seed)
        result[key] = coords
    return result


def project_saved(model, embeddings: np.ndarray, config: ProjectionConfig, seed: int, cache: ReductionCache,
                  show: bool = False, keys: tuple[str, ...] = ("2d", "3d")) -> dict[str, np.ndarray]:
    """Map coordinates for a loaded model's fitted documents (a run saved without them): the same graph and
    clustering layout as the fit (from the cache when this machine fitted the run, else computed again, which
    gives the same seeded result), and documents outside the fit sample placed by their neighbours."""
    from topiclab.pipeline.neighbors import normalize
    from topiclab.pipeline.predictor import Reference

    unit = normalize(embeddings)
    sample = model.fit_sample_
    model.graph_, model.reduction_key_ = model._graph(unit[sample], cache, show)
    model.coords_ = model._reduce(unit[sample], model.graph_, model.reduction_key_, None, cache, show)
    anchors = np.isin(model.reference_.positions, sample)
    voters = Reference(model.reference_.vectors[anchors], model.reference_.topics[anchors],
                       model.reference_.positions[anchors], model.reference_.n_neighbors)
    result = voters.assign(unit, keep_outliers=True)
    model.neighbors_, model.neighbor_similarities_ = result.neighbors, result.similarities
    return project(model, unit, config, seed, cache, show, keys)


def place(anchor_coords: np.ndarray, neighbors: np.ndarray, similarities: np.ndarray, seed: int) -> np.ndarray:
    """Coordinates at the weighted mean of each row's neighbours (rows of `anchor_coords`), with a little
    seeded jitter so documents with the same neighbours do not sit on one pixel."""
    weights = np.maximum(similarities, 1e-3) ** _FOCUS
    weights /= weights.sum(axis=1, keepdims=True)
    placed = np.einsum("nk,nkd->nd", weights, anchor_coords[neighbors])
    spread = anchor_coords.std(axis=0) * 0.003
    return (placed + np.random.default_rng(seed).normal(0.0, 1.0, placed.shape) * spread).astype(np.float32)
