"""Shared corpora and cached embeddings for the benchmarks (read from ../shared/data, never copied)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from topiclab.config import EmbeddingConfig
from topiclab.corpus import Corpus, load_corpus
from topiclab.embed import embed_documents

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TOPICLAB_SHARED_DATA", ROOT.parent / "shared" / "data"))
CORPORA = {
    "bbc": ("bbc_news.parquet", {"text_col": "text", "class_col": "label"}),
    "20ng": ("20newsgroups_clean.parquet", {"text_col": "text", "class_col": "label"}),
    "wordnet": ("wordnet_glosses.parquet", {"text_col": "text", "class_col": "label"}),
    "tweets": ("trump_tweets_2009_2017_all.parquet", {"text_col": "text", "timestamp_col": "created_at"}),
}


def corpus(name: str) -> Corpus:
    file, columns = CORPORA[name]
    return load_corpus(SHARED_DATA / file, **columns)


def embeddings(corpus: Corpus, model: str = "all-MiniLM-L6-v2") -> np.ndarray:
    """Vectors through topiclab's on-disk cache: computed once, then read back in seconds."""
    vectors, report = embed_documents(corpus.texts, EmbeddingConfig(model=model), progress=True)
    if report.n_embedded:
        print(f"embedded {report.n_embedded} documents with {model} in {report.seconds:.0f} s")
    return vectors
