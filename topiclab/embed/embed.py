"""Embed a corpus through the cache, with a progress bar and a report of long documents."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from tqdm.auto import tqdm

from topiclab.config import EmbeddingConfig
from topiclab.embed.backends import Embedder, resolve_embedder
from topiclab.embed.cache import EmbeddingCache, model_key

_BLOCK = 256  # documents embedded, then written to the cache, per step: an interrupted run keeps its work
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
    embedder = embedder or resolve_embedder(config.model, config.device)
    started = time.perf_counter()
    identity = {**embedder.identity, "long_documents": config.long_documents}
    window = identity.get("max_seq_length")  # read from the model's files: a cached run never loads the model
    report = EmbeddingReport(model=identity, n_documents=len(texts), long_documents=config.long_documents)

    cache = EmbeddingCache(config.cache_dir) if config.cache else None
    key = model_key(identity)
    found = cache.get(key, texts) if cache else {}
    missing = [i for i in range(len(texts)) if i not in found]
    report.n_cached = len(texts) - len(missing)
    if cache and cache.rebuilt_from:
        report.notes.append(f"the embedding cache was damaged and rebuilt (old file kept at {cache.rebuilt_from})")

    vectors = {i: vector for i, (vector, _) in found.items()}
    token_counts = {i: n for i, (_, n) in found.items()}
    if missing:
        missing_texts = [texts[i] for i in missing]
        if window:
            token_counts.update(zip(missing, embedder.token_counts(missing_texts).tolist()))
        show = progress if progress is not None else len(missing) >= _PROGRESS_FROM
        with tqdm(total=len(missing), desc="Embedding", unit="doc", disable=not show) as bar:
            for start in range(0, len(missing), _BLOCK):
                block = missing_texts[start:start + _BLOCK]
                block_vectors = _encode(embedder, block, config)
                if cache:
                    block_ids = missing[start:start + _BLOCK]
                    cache.put(key, block, block_vectors, [token_counts.get(i) for i in block_ids])
                vectors.update(zip(missing[start:start + _BLOCK], block_vectors))
                bar.update(len(block))
        report.n_embedded = len(missing)
    if window:
        report.n_too_long = sum(1 for n in token_counts.values() if n is not None and n > window)
    if cache:
        report.cache_damaged_rows = cache.damaged_rows
        cache.close()
    report.seconds = round(time.perf_counter() - started, 3)
    return np.vstack([vectors[i] for i in range(len(texts))]).astype(np.float32), report


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
