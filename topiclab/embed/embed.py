"""Embed a corpus through the cache, with a progress bar and a report of long documents."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from tqdm.auto import tqdm

from topiclab.config import EmbeddingConfig
from topiclab.embed.backends import Embedder, embedder_for
from topiclab.embed.cache import EmbeddingCache, Found, model_key, text_hashes

# Documents are embedded and written to the cache in blocks, so an interrupted run keeps its work. A
# block starts small and doubles while one takes under _BLOCK_SECONDS: a slow model commits every few
# seconds, a fast static one in blocks large enough that SQLite's per-transaction cost disappears.
_FIRST_BLOCK = 256
_MAX_BLOCK = 16384
_BLOCK_SECONDS = 2.0
_PROGRESS_FROM = 2000  # documents to embed before a progress bar is worth showing


@dataclass
class EmbeddingReport:
    """What embedding did: how many vectors came from the cache, how many long documents were cut."""

    model: dict
    n_documents: int
    n_cached: int = 0
    n_embedded: int = 0
    n_too_long: int = 0
    long_documents: str = "truncate"
    seconds: float = 0.0
    cache_damaged_rows: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def embed_documents(texts: list[str], config: Optional[EmbeddingConfig] = None,
                    embedder: Optional[Embedder] = None, progress: Optional[bool] = None) -> tuple[np.ndarray, EmbeddingReport]:
    """Vectors for `texts` (one row each), using and filling the on-disk cache."""
    config = config or EmbeddingConfig()
    embedder = embedder or embedder_for(config)
    started = time.perf_counter()
    cache = EmbeddingCache(config.cache_dir) if config.cache else None
    try:
        hashes = text_hashes(texts) if cache else []
        identity = _identity(embedder, config)  # from the model's files: a cached corpus never loads the model
        found = _look_up(cache, identity, hashes)
        if len(found) < len(texts):
            embedder.load()  # may export a model once, or fall back to another precision: a new identity
            if _identity(embedder, config) != identity:
                identity = _identity(embedder, config)
                found = _look_up(cache, identity, hashes)
        report = EmbeddingReport(model=identity, n_documents=len(texts), n_cached=len(found),
                                 long_documents=config.long_documents, notes=list(embedder.notes))
        if cache and cache.rebuilt_from:
            report.notes.append(f"the embedding cache was damaged and rebuilt (old file kept at {cache.rebuilt_from})")
        window = identity.get("max_seq_length")
        vectors, token_counts = _embed_missing(texts, hashes, found, embedder, config, cache, model_key(identity),
                                               bool(window), progress)
        if cache and len(texts):
            cache.put_snapshot(model_key(identity), hashes, vectors, token_counts)
        report.n_embedded = len(texts) - len(found)
        if window:
            report.n_too_long = int(np.count_nonzero(token_counts > window))
        if cache:
            report.cache_damaged_rows = cache.damaged_rows
    finally:
        if cache:
            cache.close()
    report.seconds = round(time.perf_counter() - started, 3)
    return vectors, report


def _identity(embedder: Embedder, config: EmbeddingConfig) -> dict:
    return {**embedder.identity, "long_documents": config.long_documents}


def _look_up(cache: Optional[EmbeddingCache], identity: dict, hashes: list[bytes]) -> Found:
    if cache is None:
        return Found.nothing()
    key = model_key(identity)
    return cache.get_snapshot(key, hashes) or cache.get(key, hashes)


def _embed_missing(texts: list[str], hashes: list[bytes], found: Found, embedder: Embedder, config: EmbeddingConfig,
                   cache: Optional[EmbeddingCache], key: str, counted: bool,
                   progress: Optional[bool]) -> tuple[np.ndarray, np.ndarray]:
    """Every document's vector and token count (-1 where unknown): the cached ones, then the rest embedded
    once per distinct text (int8 vectors vary a little with the batch, and the cache keeps one per text, so a
    re-run must find what this run used), longest first (batches of similar length pad least), block by block, each block written to the cache."""
    if len(found) == len(texts) and np.array_equal(found.positions, found.rows) and \
            np.array_equal(found.positions, np.arange(len(texts))):  # a snapshot: already in order
        _bar(0, len(texts), progress).close()
        return found.vectors, found.n_tokens
    vectors = np.empty((len(texts), found.vectors.shape[1]), np.float32) if len(found) else None
    token_counts = np.full(len(texts), -1, dtype=np.int64)
    if len(found):
        vectors[found.positions] = found.vectors[found.rows]
        token_counts[found.positions] = found.n_tokens[found.rows]
    is_missing = np.ones(len(texts), dtype=bool)
    is_missing[found.positions] = False
    first_of: dict[str, int] = {}  # a text that appears twice is embedded once: both rows get the same vector
    copies = [(i, first_of.setdefault(texts[i], i)) for i in np.flatnonzero(is_missing)]
    missing = np.array([i for i, first in copies if i == first], dtype=np.int64)
    copies = [(i, first) for i, first in copies if i != first]
    missing = missing[np.argsort([-len(texts[i]) for i in missing], kind="stable")]
    with _bar(len(missing), len(found), progress) as bar:
        start, size = 0, _FIRST_BLOCK
        while start < len(missing):
            block = missing[start:start + size]
            block_texts = [texts[i] for i in block]
            began = time.perf_counter()
            block_vectors = _encode(embedder, block_texts, config)
            if counted:
                token_counts[block] = embedder.token_counts(block_texts)
            if vectors is None:
                vectors = np.empty((len(texts), block_vectors.shape[1]), np.float32)
            vectors[block] = block_vectors
            if cache:
                cache.put(key, [hashes[i] for i in block], block_vectors, token_counts[block] if counted else None)
            bar.update(len(block))
            start += len(block)
            if time.perf_counter() - began < _BLOCK_SECONDS:
                size = min(2 * size, _MAX_BLOCK)
    if copies:
        rows, firsts = np.array(copies).T
        vectors[rows], token_counts[rows] = vectors[firsts], token_counts[firsts]
    if vectors is None:  # no documents at all
        vectors = np.empty((0, 0), np.float32)
    return vectors, token_counts


def _bar(n_missing: int, n_cached: int, progress: Optional[bool]) -> tqdm:
    """The embedding's bar; with nothing to embed, a full one that says the vectors are cached (one at 0/0,
    its rate unknown, looks stuck)."""
    show = progress if progress is not None else n_missing >= _PROGRESS_FROM
    if not n_missing:
        return tqdm(total=n_cached, initial=n_cached, desc="Embedding (all cached)", unit="doc", disable=not show,
                    bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt}")
    return tqdm(total=n_missing, desc=f"Embedding ({n_cached:,} cached)" if n_cached else "Embedding", unit="doc",
                disable=not show)


def _encode(embedder: Embedder, texts: list[str], config: EmbeddingConfig) -> np.ndarray:
    if config.long_documents == "truncate" or not embedder.max_tokens:
        return embedder.encode(texts, config.batch_size)
    windows = [embedder.windows(t) for t in texts]
    flat = [w for ws in windows for w in ws]
    encoded = embedder.encode(flat, config.batch_size)
    pooled, start = [], 0
    for ws in windows:
        mean = encoded[start:start + len(ws)].mean(axis=0)
        pooled.append(mean / max(np.linalg.norm(mean), 1e-12))
        start += len(ws)
    return np.vstack(pooled)
