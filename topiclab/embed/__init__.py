"""Embedding backends (sentence-transformers, WordLlama, precomputed) and the on-disk cache."""

from topiclab.embed.backends import (
    Embedder,
    SentenceTransformerEmbedder,
    WordLlamaEmbedder,
    embedder_for,
    loads_offline,
    resolve_embedder,
)
from topiclab.embed.cache import EmbeddingCache, default_cache_dir
from topiclab.embed.embed import EmbeddingReport, embed_documents

__all__ = ["Embedder", "EmbeddingCache", "EmbeddingReport", "SentenceTransformerEmbedder", "WordLlamaEmbedder",
           "default_cache_dir", "embed_documents", "embedder_for", "loads_offline",
           "resolve_embedder"]
