"""BERTopic's saved-model folder, read and written as data: JSON and safetensors, never a pickle.

`model.save(path, serialization="safetensors" | "pytorch", save_ctfidf=True)` writes `topics.json`
(topics per document, sizes, representations, custom labels, aspects), `config.json` (settings and the
embedding model's name), `topic_embeddings.safetensors` (or `.bin`), and with `save_ctfidf` the c-TF-IDF
matrix and its CountVectorizer's settings. This module reads and writes those files without importing
BERTopic, so a folder from anywhere is only data. A pickled model (one file, BERTopic's default
`serialization`) can run code when loaded and is refused. `.bin` files are read by torch's weights-only
loader, which builds tensors and nothing else.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import scipy.sparse as sp

from topiclab.errors import RunError
from topiclab.files import replace_folder, umask, write_bytes, write_text

TOPICS, CONFIG, CTFIDF_CONFIG = "topics.json", "config.json", "ctfidf_config.json"
EMBEDDINGS = ("topic_embeddings.safetensors", "topic_embeddings.bin")
CTFIDF = ("ctfidf.safetensors", "ctfidf.bin")
RESAVE = ('model.save(path, serialization="safetensors", save_ctfidf=True, '
          'save_embedding_model="sentence-transformers/all-MiniLM-L6-v2")')

Words = list[tuple[str, float]]


@dataclass
class SavedBERTopic:
    """What a BERTopic model holds about its topics, as plain data.

    topics: each fitted document's topic (-1: outlier); words: each topic's representation, best first;
    custom_labels: {topic: label} set with `set_topic_labels`, or empty; aspects: {aspect name: {topic:
    words or text}}; topic_embeddings: one row per topic from the smallest id (-1 first when present);
    vectorizer: the CountVectorizer's settings (ngram_range, stop_words, min_df, max_features), when saved;
    ctfidf: (matrix with one row per topic like topic_embeddings, vocabulary, idf weights), when saved."""

    topics: np.ndarray
    words: dict[int, Words]
    custom_labels: dict[int, str] = field(default_factory=dict)
    aspects: dict[str, dict[int, Any]] = field(default_factory=dict)
    topic_embeddings: Optional[np.ndarray] = None
    embedding_model: Optional[str] = None
    vectorizer: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    ctfidf: Optional[tuple[sp.csr_matrix, list[str], np.ndarray]] = None
    source: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """BERTopic fills the custom labels it was not given with its default `<id>_<four words>`: not kept."""
        self.custom_labels = {t: label for t, label in self.custom_labels.items() if t in self.words
                              and label != f"{t}_" + "_".join(w for w, _ in self.words[t][:4])}

    @property
    def topic_ids(self) -> list[int]:
        return sorted(self.words)

    @property
    def sizes(self) -> dict[int, int]:
        ids, counts = np.unique(self.topics, return_counts=True)
        return {int(t): int(n) for t, n in zip(ids, counts)}


def read_model_dir(path: Union[str, Path]) -> SavedBERTopic:
    """The model saved in folder `path` (safetensors or pytorch serialization)."""
    path = Path(path)
    if path.is_file():
        raise RunError(f"{path} is a single file: a pickled BERTopic model, which topiclab never loads (a pickle "
                       f"can run any code). Save the model as a folder in BERTopic instead: {RESAVE}")
    if not (path / TOPICS).is_file() or not (path / CONFIG).is_file():
        raise RunError(f"{path} is not a saved BERTopic model: it needs {TOPICS} and {CONFIG}. Save one with {RESAVE}")
    topics, settings = _json(path / TOPICS), _json(path / CONFIG)
    try:
        saved = SavedBERTopic(
            topics=np.asarray(topics["topics"], dtype=np.int64),
            words={int(t): [(str(w), float(s)) for w, s in pairs]
                   for t, pairs in topics["topic_representations"].items()},
            custom_labels=_custom_labels(topics),
            aspects={name: {int(t): value for t, value in values.items()}
                     for name, values in (topics.get("topic_aspects") or {}).items() if isinstance(values, dict)},
            embedding_model=settings.get("embedding_model") or None,
            settings={k: v for k, v in settings.items() if k != "embedding_model"},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RunError(f"{path / TOPICS} does not hold a BERTopic model's topics ({type(exc).__name__}: {exc}).") from None
    tensors = _tensors(path, EMBEDDINGS)
    if tensors is not None:
        saved.topic_embeddings = np.asarray(tensors["topic_embeddings"], dtype=np.float32)
    if (path / CTFIDF_CONFIG).is_file():
        saved.vectorizer = _json(path / CTFIDF_CONFIG).get("vectorizer_model", {}).get("params", {})
    saved.source = {"format": "BERTopic folder", "path": str(path.resolve()),
                    "files": sorted(p.name for p in path.iterdir() if p.is_file())}
    return saved


def from_live(model: Any) -> SavedBERTopic:
    """The same data from a fitted BERTopic object in this session (read from its public attributes)."""
    if getattr(model, "topics_", None) is None or not getattr(model, "topic_representations_", None):
        raise RunError("This BERTopic model is not fitted: call fit or fit_transform first, then import it.")
    backend = getattr(model, "embedding_model", None)
    name = backend if isinstance(backend, str) else getattr(backend, "_hf_model", None)  # what model.save records
    first = min(int(t) for t in model.topic_representations_)
    vectorizer = getattr(model, "vectorizer_model", None)
    embeddings = getattr(model, "topic_embeddings_", None)
    return SavedBERTopic(
        topics=np.asarray(model.topics_, dtype=np.int64),
        words={int(t): [(str(w), float(s)) for w, s in pairs] for t, pairs in model.topic_representations_.items()},
        custom_labels={first + i: str(label) for i, label in enumerate(model.custom_labels_ or [])},
        aspects={name: dict(values) for name, values in (getattr(model, "topic_aspects_", None) or {}).items()},
        topic_embeddings=None if embeddings is None else np.asarray(embeddings, dtype=np.float32),
        embedding_model=name if isinstance(name, str) else None,
        vectorizer=vectorizer.get_params() if hasattr(vectorizer, "get_params") else {},
        settings={"top_n_words": getattr(model, "top_n_words", 10)},
        source={"format": "BERTopic object", "class": type(model).__name__},
    )


def write_model_dir(saved: SavedBERTopic, path: Union[str, Path]) -> Path:
    """Write `saved` as a BERTopic safetensors folder (what `BERTopic.load` opens), atomically: the folder
    appears only when every file is written. Topic ids must run from -1 or 0 without gaps, as in BERTopic."""
    from safetensors.numpy import save

    path = Path(path).resolve()
    if path.exists() and (path.is_file() or (any(path.iterdir()) and not (path / TOPICS).exists())):
        raise RunError(f"{path} exists and is not a saved BERTopic model; choose another folder.")
    ids = saved.topic_ids
    if ids != list(range(ids[0], ids[0] + len(ids))) or ids[0] not in (-1, 0):
        raise RunError(f"BERTopic needs topic ids from -1 or 0 without gaps; these are {ids}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    staging.chmod(0o777 & ~umask())
    try:
        write_text(staging / TOPICS, json.dumps(_topics_json(saved), indent=2))
        named = {"embedding_model": saved.embedding_model} if saved.embedding_model else {}
        write_text(staging / CONFIG, json.dumps({**saved.settings, **named}, indent=2))
        write_bytes(staging / EMBEDDINGS[0], save({"topic_embeddings": np.ascontiguousarray(
            saved.topic_embeddings, dtype=np.float32)}))
        if saved.ctfidf is not None:
            matrix, vocabulary, idf = saved.ctfidf
            write_bytes(staging / CTFIDF[0], save({
                "indptr": matrix.indptr.astype(np.int64), "indices": matrix.indices.astype(np.int64),
                "data": matrix.data.astype(np.float64), "shape": np.asarray(matrix.shape, np.int64),
                "diag": np.asarray(idf, np.float64)}))
            write_text(staging / CTFIDF_CONFIG, json.dumps({
                "ctfidf_model": {"bm25_weighting": False, "reduce_frequent_words": True},
                "vectorizer_model": {"params": saved.vectorizer, "vocab": {w: i for i, w in enumerate(vocabulary)}}},
                indent=2))
        replace_folder(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path



def _topics_json(saved: SavedBERTopic) -> dict[str, Any]:
    ids = saved.topic_ids
    default = {t: f"{t}_" + "_".join(w for w, _ in saved.words[t][:4]) for t in ids}
    return {
        "topic_representations": {str(t): [[w, float(s)] for w, s in saved.words[t]] for t in ids},
        "topics": [int(t) for t in saved.topics],
        "topic_sizes": {str(t): saved.sizes.get(t, 0) for t in ids},
        "topic_mapper": [[t, t] for t in ids],
        "topic_labels": {str(t): default[t] for t in ids},
        "custom_labels": [saved.custom_labels.get(t, default[t]) for t in ids] if saved.custom_labels else None,
        "_outliers": int(ids[0] == -1),
        "topic_aspects": {name: {str(t): value for t, value in values.items()} for name, values in saved.aspects.items()},
    }


def canonical_name(model: str) -> str:
    """An embedding model's name without the hub's `sentence-transformers/` prefix, lower-cased: one name
    for one model whichever way it was written."""
    return model.lower().removeprefix("sentence-transformers/")


def unnumbered(label: str) -> str:
    """A display label without its `<id>: ` prefix (topiclab's labels have one, BERTopic's custom labels not)."""
    return re.sub(r"^-?\d+: ", "", str(label))


def _custom_labels(topics: dict) -> dict[int, str]:
    """BERTopic keeps custom labels as a list in topic order (from -1 when there are outliers)."""
    labels = topics.get("custom_labels")
    if not labels:
        return {}
    first = min(int(t) for t in topics["topic_representations"])
    return {first + i: str(label) for i, label in enumerate(labels)}


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunError(f"{path} is damaged or unreadable ({exc}).") from None
    if not isinstance(data, dict):
        raise RunError(f"{path} does not hold a JSON object; is this a BERTopic model folder?")
    return data


def _tensors(folder: Path, names: tuple[str, str]) -> Optional[dict[str, np.ndarray]]:
    """The safetensors file, else the pytorch one read by torch's weights-only loader, else None."""
    safe, legacy = (folder / name for name in names)
    try:
        if safe.is_file():
            from safetensors.numpy import load_file

            return load_file(str(safe))
        if legacy.is_file():
            import torch

            loaded = torch.load(legacy, map_location="cpu", weights_only=True)
            return {key: value.numpy() for key, value in loaded.items()}
    except Exception as exc:  # safetensors and torch raise their own types for a damaged file
        raise RunError(f"{safe if safe.is_file() else legacy} is damaged or not a tensor file "
                       f"({type(exc).__name__}: {str(exc)[:200]}).") from None
    return None
