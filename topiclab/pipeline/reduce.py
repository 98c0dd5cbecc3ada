"""The reduction: a nearest-neighbour graph of the fit sample, its 5D UMAP layout for clustering, and 2D/3D
layouts of the same graph for document maps, all cached on disk like embeddings (as are the texts' word
counts and tokens, which topic words and metrics read on every re-fit).

UMAP's cost splits into the neighbour graph and the layout. The graph does not depend on the output
dimensions, so it is computed once and shared by the clustering layout and both map layouts; the map
layouts start from the clustering layout's principal components, so they need fewer epochs. Everything
is keyed by a fingerprint of the embeddings and the settings that shape it: changing clustering, topic,
word or label settings re-uses all of it, and a re-fit takes seconds.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import warnings
import zipfile
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from topiclab.files import write_bytes
from topiclab.pipeline.jit import compiled
from topiclab.pipeline.neighbors import nearest

log = logging.getLogger(__name__)

#: Largest sample whose neighbour graph is computed exactly (a blocked matrix product); above it NN-descent.
EXACT_NEIGHBORS = 30_000


def fingerprint(array: np.ndarray) -> str:
    """A short hash of an array's shape, type and bytes: the cache key of everything computed from it."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{array.shape}{array.dtype}".encode())
    digest.update(np.ascontiguousarray(array).data)
    return digest.hexdigest()


def texts_fingerprint(texts) -> str:
    """A short hash of a list of texts (their lengths too, so that no two lists share one joined string)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.array([len(text) for text in texts], dtype=np.int64).data)
    digest.update("\0".join(texts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def joined_words(words: list[str]) -> np.ndarray:
    """Words (tokens, n-grams: no newlines) as one array of UTF-8 bytes, which .npz keeps without pickling."""
    return np.frombuffer("\n".join(words).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def split_words(array: np.ndarray) -> list[str]:
    text = array.tobytes().decode("utf-8", "surrogatepass")
    return text.split("\n") if text else []


class ReductionCache:
    """Arrays computed from embeddings, saved as .npz files named by the hash of what decided them.

    `directory=None` keeps nothing (every call computes). Files are written atomically, so processes may
    share the folder; a damaged file is recomputed and replaced.
    """

    def __init__(self, directory: Optional[Path]):
        self.directory = None if directory is None else Path(directory) / "reductions"

    @classmethod
    def for_config(cls, config) -> "ReductionCache":
        """The cache a run's settings ask for: topiclab's cache folder, or none when compute.cache is off."""
        if not config.compute.cache:
            return cls(None)
        from topiclab.embed.cache import default_cache_dir

        return cls(config.embedding.cache_dir or default_cache_dir())

    def get_or_compute(self, what: dict, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        path = self._path(what)
        if path is not None and path.exists():
            try:
                with np.load(path, allow_pickle=False) as saved:
                    return {key: saved[key] for key in saved.files}
            except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:  # damaged or truncated: again
                log.warning("Ignoring the damaged reduction cache file %s (%s).", path, exc)
        arrays = compute()
        if path is not None:
            buffer = io.BytesIO()
            np.savez(buffer, **arrays)
            try:
                write_bytes(path, buffer.getvalue())
            except OSError as exc:  # a full or read-only disk costs speed next time, not this result
                log.warning("Could not write the reduction cache %s: %s", path, exc)
        return arrays

    def _path(self, what: dict) -> Optional[Path]:
        if self.directory is None:
            return None
        key = hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:32]
        return self.directory / f"{what.get('stage', 'reduction')}-{key}.npz"


def neighbor_graph(unit_vectors: np.ndarray, n_neighbors: int, seed: int,
                   exact_up_to: int = EXACT_NEIGHBORS) -> tuple[np.ndarray, np.ndarray]:
    """Each row's `n_neighbors` nearest rows by cosine similarity, itself first (as UMAP expects):
    (indices int64, similarities float32). Exact up to `exact_up_to` rows, seeded NN-descent above."""
    n = len(unit_vectors)
    k = min(n_neighbors, n)
    if n <= exact_up_to:
        indices, similarities = nearest(unit_vectors, unit_vectors, k - 1, skip_self=True)
        own = np.arange(n)[:, None]
        return (np.hstack([own, indices]).astype(np.int64),
                np.hstack([np.ones((n, 1), np.float32), similarities]).astype(np.float32))

    from pynndescent import NNDescent  # imported first: `compiled` turns on the cache of what is loaded

    indices, distances = compiled(lambda: NNDescent(
        unit_vectors, n_neighbors=k, metric="cosine", random_state=seed, low_memory=True, n_jobs=1,
        compressed=True).neighbor_graph)  # one job: NN-descent's parallel updates are not seeded
    return indices.astype(np.int64), (1.0 - distances).astype(np.float32)


def umap_layout(unit_vectors: np.ndarray, graph: tuple[np.ndarray, np.ndarray], n_components: int, *,
                min_dist: float, n_epochs: int, init, seed: int, metric: str = "cosine",
                progress: bool = False, target: Optional[np.ndarray] = None) -> np.ndarray:
    """UMAP's layout of the shared neighbour graph in `n_components` dimensions (float32). `target` holds
    known labels (-1 where unknown) for a supervised layout."""
    from umap import UMAP

    indices, similarities = graph
    umap = UMAP(n_components=n_components, n_neighbors=indices.shape[1], min_dist=min_dist, metric=metric,
                n_epochs=n_epochs, init=init, random_state=seed, low_memory=True, verbose=False,
                precomputed_knn=(indices.copy(), np.maximum(1.0 - similarities, 0.0).astype(np.float32), None),  # UMAP edits it
                target_metric="categorical", target_weight=0.5,
                tqdm_kwds={"disable": not progress, "desc": f"UMAP {n_components}D layout", "leave": False})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)  # the seed's doing
        warnings.filterwarnings("ignore", message=".*precomputed_knn.*")
        return compiled(lambda: umap.fit_transform(unit_vectors, y=target)).astype(np.float32)


def principal_components(coords: np.ndarray, n_components: int) -> np.ndarray:
    """The first principal components of `coords` (a deterministic start for a map layout)."""
    centered = coords - coords.mean(axis=0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    components = centered @ vt[:n_components].T
    signs = np.sign(components[np.argmax(np.abs(components), axis=0), range(n_components)])  # fixed orientation
    return (components * np.where(signs == 0, 1, signs)).astype(np.float32)
