"""Expose a topiclab embedder to BERTopic (representation models such as KeyBERTInspired embed words)."""

from __future__ import annotations

import numpy as np
from bertopic.backend import BaseEmbedder

from topiclab.config import EmbeddingConfig
from topiclab.embed.backends import Embedder, embedder_for


class BERTopicBackend(BaseEmbedder):
    def __init__(self, embedder: Embedder, batch_size: int = 64):
        super().__init__()
        self.embedder = embedder
        self.batch_size = batch_size

    @classmethod
    def from_config(cls, config: EmbeddingConfig) -> "BERTopicBackend":
        return cls(embedder_for(config), config.batch_size)

    def embed(self, documents, verbose: bool = False) -> np.ndarray:
        return self.embedder.encode(list(documents), self.batch_size)
