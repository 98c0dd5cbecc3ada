"""A topiclab embedder as a BERTopic embedding backend: `topiclab.to_bertopic(run)` gives BERTopic the run's own
embedding model (WordLlama too) for `transform`, and representation models such as KeyBERTInspired embed words
with it. BERTopic's `save` records its name, which `topiclab import-bertopic` reads back."""

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
        self._hf_model = embedder.name  # what BERTopic's save records as the embedding model's name

    @classmethod
    def from_config(cls, config: EmbeddingConfig) -> "BERTopicBackend":
        return cls(embedder_for(config), config.batch_size)

    def embed(self, documents, verbose: bool = False) -> np.ndarray:
        return self.embedder.encode(list(documents), self.batch_size)
