"""Search by meaning inside an offline page: a compact word-vector table and compressed document vectors.

The page cannot run the embedding model, so it ships a vector for each word a reader may type, made
here from the run itself: the corpus's most frequent words (`MAX_WORDS`), each the TF-IDF-weighted mean
of the embeddings of the documents that use it. That places a word where the documents about it lie,
in the corpus's own sense ("python" among PyPI packages), costs a second or two for any model (embedding
20,000 words with MiniLM took minutes on two busy cores), and needs neither the model nor a network. On
WordNet the nearest documents to such vectors read as well as those to the words embedded by the model
("bank": banking glosses, where the model's own vector also drifts to "enclose with a bank").

In the page a query is the mean of its words' vectors, and documents are ranked by their similarity to
it. Both sides are cut down to fit: projected onto the documents' first `DIMENSIONS` principal
components, then stored as product-quantization codes (one centroid id per slice of the vector: `m`
bytes a document, chosen so the codes stay under `CODE_BYTES`; `WORD_BYTES` a word); documents are
scored with one lookup table per slice. Measured on WordNet (117,659 glosses, WordLlama): of the 50
documents nearest a word by full cosine, 75% are among the page's top 200 at 16 bytes a document.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from topiclab.results import TopicRun

MAX_WORDS = 20_000
DIMENSIONS = 128  # on WordNet at 16 bytes a document, 64 keep 66% of the nearest 50 in the top 200, 128 keep 80%
CODE_BYTES = 2_500_000  # codes of all documents together, ...
MIN_BYTES = 8  # ... but at least this many bytes a document
WORD_BYTES = 32  # a word's vector, product-quantized like the documents' but finer
CENTROIDS = 256
FIT_SAMPLE = 20_000  # documents the projection is fitted on
TRAIN_PER_CENTROID = 32  # documents per centroid the codebooks are fitted on
KMEANS_ROUNDS = 12
VOCABULARY_SAMPLE = 100_000  # documents the word vectors are made from
SEED = 0
PARALLEL_QUERIES = 50_000  # vectors a k-d tree query needs before it is worth threads


@dataclass
class SemanticIndex:
    words: list[str]
    word_codebooks: np.ndarray  # (WORD_BYTES, CENTROIDS, dims // WORD_BYTES) float32
    word_codes: np.ndarray  # (words, WORD_BYTES) uint8
    codebooks: np.ndarray  # (m, CENTROIDS, dims // m) float32
    codes: np.ndarray  # (documents, m) uint8

    @property
    def meta(self) -> dict:
        m, _, width = self.codebooks.shape
        return {"words": len(self.words), "dims": m * width, "m": m, "word_m": self.word_codes.shape[1],
                "centroids": CENTROIDS}


def semantic_index(run: TopicRun, rows: np.ndarray, max_words: int = MAX_WORDS) -> SemanticIndex | str:
    """The index for documents `rows` (in the page's order), or the reason the page cannot have one."""
    if run.embeddings is None:
        return "the run has no saved embeddings"
    texts = run.documents["text"].astype(str).to_numpy()
    rng = np.random.default_rng(SEED)
    used = rows[np.sort(rng.choice(len(rows), min(len(rows), VOCABULARY_SAMPLE), replace=False))]
    words, word_embeddings = word_vectors(texts[used], _unit(run.embeddings[used]), max_words)
    if not words:
        return "the documents have no words to search by"
    fitted = rows[rng.choice(len(rows), min(len(rows), FIT_SAMPLE), replace=False)]
    mean, components = _principal_components(_unit(run.embeddings[fitted]))
    projected = np.vstack([_unit((_unit(run.embeddings[block]) - mean) @ components.T)  # a block at a time:
                           for block in np.array_split(rows, max(1, len(rows) // 50_000))])  # the rest is large
    codebooks = _codebooks(projected, _slices(len(rows), components.shape[0]))
    projected_words = _unit((word_embeddings - mean) @ components.T)
    word_codebooks = _codebooks(projected_words, _slices(len(words), components.shape[0], WORD_BYTES))
    return SemanticIndex(words, word_codebooks, _encode(projected_words, word_codebooks), codebooks,
                         _encode(projected, codebooks))


def word_vectors(texts: np.ndarray, documents: np.ndarray, max_words: int) -> tuple[list[str], np.ndarray]:
    """The most frequent words, as the page tokenizes a query (lower case, 2+ letters), each the unit
    TF-IDF-weighted mean of the (unit) embeddings of the documents that use it."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    weights = TfidfVectorizer(stop_words="english", max_features=max_words, sublinear_tf=True, dtype=np.float32,
                              token_pattern=r"(?u)\b[^\W\d_]{2,}\b")
    try:
        usage = weights.fit_transform(texts)
    except ValueError:  # only stop words, or nothing at all
        return [], np.zeros((0, documents.shape[1]), dtype=np.float32)
    return weights.get_feature_names_out().tolist(), _unit(np.asarray(usage.T @ documents))


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _principal_components(documents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sample = documents.astype(np.float64)
    mean = sample.mean(axis=0)
    centred = sample - mean
    _, vectors = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
    dims = min(DIMENSIONS, len(sample), documents.shape[1])
    return mean.astype(np.float32), vectors[:, ::-1][:, :dims].T.astype(np.float32)


def _slices(n_vectors: int, dims: int, most: int = 64) -> int:
    """Bytes per vector: at most `most`, the most that keep all codes under CODE_BYTES (at least MIN_BYTES),
    dividing the dimensions."""
    fitting = [m for m in (64, 32, 16, 8, 4, 2, 1) if m <= min(most, dims) and dims % m == 0]
    return next((m for m in fitting if n_vectors * m <= CODE_BYTES or m <= MIN_BYTES), fitting[-1])


def _codebooks(vectors: np.ndarray, m: int) -> np.ndarray:
    """CENTROIDS centroids per slice of the vectors: Lloyd's k-means on a sample, all slices at once."""
    rng = np.random.default_rng(SEED)
    sample = vectors[rng.choice(len(vectors), min(len(vectors), TRAIN_PER_CENTROID * CENTROIDS), replace=False)]
    slices = sample.reshape(len(sample), m, -1).transpose(1, 0, 2)  # (m, samples, width)
    books = slices[:, rng.choice(len(sample), CENTROIDS, replace=len(sample) < CENTROIDS)].copy()
    for _ in range(KMEANS_ROUNDS):
        nearest = _nearest(slices, books)
        for s in range(m):
            counts = np.bincount(nearest[s], minlength=CENTROIDS)
            sums = np.stack([np.bincount(nearest[s], weights=slices[s, :, d], minlength=CENTROIDS)
                             for d in range(slices.shape[2])], axis=1)
            filled = counts > 0  # an empty centroid keeps its place
            books[s, filled] = sums[filled] / counts[filled, None]
    return books.astype(np.float32)


def _nearest(slices: np.ndarray, books: np.ndarray) -> np.ndarray:
    """(m, n) index of the nearest centroid of each slice of each vector (a k-d tree per slice: slices
    are a few dimensions wide, where that beats comparing with every centroid by far)."""
    from scipy.spatial import cKDTree

    workers = -1 if slices.shape[1] >= PARALLEL_QUERIES else 1  # threads cost more than they save on small sets
    return np.stack([cKDTree(book).query(part, workers=workers)[1] for part, book in zip(slices, books)])


def _encode(vectors: np.ndarray, codebooks: np.ndarray) -> np.ndarray:
    slices = vectors.reshape(len(vectors), codebooks.shape[0], -1).transpose(1, 0, 2)
    return _nearest(slices, codebooks).T.astype(np.uint8)
