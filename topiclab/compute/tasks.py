"""What a Dask worker runs on one partition: embed its texts, then give its documents their topics.

Plain functions of file paths and small values, so the scheduler can place them anywhere; they read and
write the partition's Parquet files themselves. The embedding goes through `embed_documents`, so each
worker uses (and fills) its own machine's embedding cache; the vote is `topiclab.pipeline.predictor.decide`,
the rule the single-machine fit applies to the whole corpus at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from topiclab.config import EmbeddingConfig, VectorizerConfig
from topiclab.errors import ConfigError
from topiclab.pipeline.neighbors import normalize
from topiclab.pipeline.predictor import Decided, Reference, decide
from topiclab.pipeline.words import TermCounts

TEXT, VECTOR = "text", "vector"


def write_texts(path: Path, texts: list[str]) -> None:
    pq.write_table(pa.table({TEXT: pa.array(texts, pa.string())}), path)


def read_texts(path: Path) -> list[str]:
    return pq.read_table(path, columns=[TEXT]).column(TEXT).to_pylist()


def write_vectors(path: Path, vectors: np.ndarray) -> None:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), vectors.shape[1])
    pq.write_table(pa.table({VECTOR: column}), path)


def read_vectors(path: Path) -> np.ndarray:
    column = pq.read_table(path, columns=[VECTOR]).column(VECTOR).combine_chunks()
    return column.flatten().to_numpy().reshape(len(column), column.type.list_size)


def embed_partition(text_path: Path, vector_path: Path, config: EmbeddingConfig) -> dict:
    """Embed one partition's texts through this machine's cache and write its vectors; returns what the
    embedding did (`EmbeddingReport` as a dict) and which worker did it."""
    from distributed import get_worker

    from topiclab.embed import embed_documents

    vectors, report = embed_documents(read_texts(text_path), config, progress=False)
    write_vectors(vector_path, vectors)
    return {**report.to_dict(), "worker": get_worker().address}


def assign_partition(text_path: Path, vector_path: Path, reference: Reference, topics: np.ndarray,
                     assigned_by: np.ndarray, in_sample: np.ndarray, rule: dict,
                     vectorizer: VectorizerConfig) -> tuple[Decided, TermCounts]:
    """Topics of one partition's documents by the fit's vote (`decide`), and their term counts per topic."""
    result = decide(reference, normalize(read_vectors(vector_path)), topics, assigned_by, in_sample, **rule)
    try:
        counts = TermCounts.from_documents(read_texts(text_path), result.topics, vectorizer)
    except ConfigError:  # only stop words in this partition: the combined counts decide whether that is an error
        counts = TermCounts.empty(result.topics)
    return result, counts
