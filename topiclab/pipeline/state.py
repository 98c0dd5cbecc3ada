"""A fitted TopicModel on disk: `model.json` (settings, per-topic facts) and `.npz` arrays. Never a pickle.

Loading reads JSON and NumPy arrays with `allow_pickle=False` only, so a model folder from anywhere is
data: it cannot run code, and its settings that name something on a machine (endpoints, paths) are
replaced by the loader's (see RunConfig.without_machine_settings).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Optional

import numpy as np
import scipy.sparse as sp

from topiclab.config import RunConfig
from topiclab.errors import RunError
from topiclab.files import write_bytes, write_text
from topiclab.pipeline.cluster import Layers
from topiclab.pipeline.predictor import Reference
from topiclab.pipeline.words import TermCounts

FORMAT = 1
STATE, ARRAYS, COUNTS = "model.json", "arrays.npz", "term_counts.npz"
_ASSIGNED_BY = ["", "cluster", "neighbors", "zero-shot", "label", "edit"]


def save_model(model, folder: Path) -> Path:
    """Write the fitted `model` into `folder` (created; each file written atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    state = {
        "format": FORMAT,
        "config": model._config.to_dict(),
        "level": int(model.level_),
        "novelty_threshold": float(model.novelty_threshold_),
        "n_documents": int(model.n_documents_),
        "topic_ids": [int(t) for t in model.topic_ids_],
        "topic_sizes": {str(t): int(n) for t, n in model.topic_sizes_.items()},
        "topic_words": {str(t): [[w, round(float(s), 6)] for w, s in words] for t, words in model.topic_words_.items()},
        "topic_names": {str(t): name for t, name in model.topic_names_.items()},
        "topic_kinds": {str(t): kind for t, kind in model.topic_kinds_.items()},
        "lineage": {str(t): entry for t, entry in model.lineage_.items()},
        "representative_docs": {str(t): [int(i) for i in docs] for t, docs in model.representative_docs_.items()},
        "seed_matches": {str(k): int(v) for k, v in model.seed_matches_.items()},
        "updates": model.updates_,
        "stage_seconds": model.stage_seconds_,
        "vocabulary": model.term_counts_.vocabulary,
        "reference_neighbors": int(model.reference_.n_neighbors),
    }
    arrays = {
        "topics": model.topics_.astype(np.int64),
        "probabilities": model.probabilities_.astype(np.float32),
        "assigned_by": np.array([_ASSIGNED_BY.index(v) for v in model.assigned_by_], dtype=np.int8),
        "fit_sample": model.fit_sample_.astype(np.int64),
        "layer_positions": model.layer_positions_.astype(np.int64),
        "layers": model.layers_.labels.astype(np.int32),
        "persistence": model.layers_.persistence.astype(np.float64),
        "reference_vectors": model.reference_.vectors.astype(np.float32),
        "reference_topics": model.reference_.topics.astype(np.int64),
        "reference_positions": model.reference_.positions.astype(np.int64),
        "topic_embeddings": model.topic_embeddings_.astype(np.float32),
        "document_frequency": model.term_counts_.document_frequency.astype(np.int64),
        "count_topic_ids": model.term_counts_.topic_ids.astype(np.int64),
    }
    if getattr(model, "zero_shot_vectors_", None) is not None:
        arrays["zero_shot_vectors"] = model.zero_shot_vectors_.astype(np.float32)
    write_bytes(folder / ARRAYS, _npz(arrays))
    buffer = io.BytesIO()
    sp.save_npz(buffer, model.term_counts_.counts.tocsr())
    write_bytes(folder / COUNTS, buffer.getvalue())
    write_text(folder / STATE, json.dumps(state))  # last: a folder with model.json is complete
    return folder


def load_model(folder: Path, config: Optional[RunConfig] = None, embedder=None):
    """The TopicModel saved in `folder`, with `config` as its settings (the caller's, e.g. a run's checked
    settings), or else the saved settings without their machine-local parts."""
    from topiclab.pipeline.model import TopicModel

    state = _read_state(folder)
    try:
        with np.load(folder / ARRAYS, allow_pickle=False) as saved:
            arrays = {key: saved[key] for key in saved.files}
        counts = sp.load_npz(folder / COUNTS).tocsr()
    except (OSError, ValueError, zipfile.BadZipFile, KeyError) as exc:
        raise RunError(f"The model in {folder} is damaged ({type(exc).__name__}: {exc}). Fit the run again.") from None
    if config is None:
        try:
            config, _ = RunConfig.model_validate(state["config"]).without_machine_settings()
        except ValueError as exc:
            raise RunError(f"The settings saved in {folder / STATE} are not valid ({exc}).") from None
    model = TopicModel(config, embedder=embedder)
    try:
        _restore(model, state, arrays, counts)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise RunError(f"The model in {folder} is incomplete or inconsistent ({type(exc).__name__}: {exc}). "
                       "Fit the run again.") from None
    return model


def _restore(model, state: dict, arrays: dict, counts: sp.csr_matrix) -> None:
    ints = lambda mapping: {int(k): v for k, v in mapping.items()}  # noqa: E731
    model.level_ = state["level"]
    model.novelty_threshold_ = state["novelty_threshold"]
    model.n_documents_ = state["n_documents"]
    model.topic_ids_ = np.asarray(state["topic_ids"], dtype=np.int64)
    model.topic_sizes_ = ints(state["topic_sizes"])
    model.topic_words_ = {int(t): [(w, float(s)) for w, s in words] for t, words in state["topic_words"].items()}
    model.topic_names_ = ints(state["topic_names"])
    model.topic_kinds_ = ints(state["topic_kinds"])
    model.lineage_ = ints(state["lineage"])
    model.representative_docs_ = ints(state["representative_docs"])
    model.seed_matches_ = ints(state["seed_matches"])
    model.updates_ = state["updates"]
    model.stage_seconds_ = state["stage_seconds"]
    model.topics_ = arrays["topics"]
    model.probabilities_ = arrays["probabilities"]
    model.assigned_by_ = np.array([_ASSIGNED_BY[i] for i in arrays["assigned_by"]], dtype=object)
    model.fit_sample_ = arrays["fit_sample"]
    model.layer_positions_ = arrays["layer_positions"]
    model.layers_ = Layers(arrays["layers"], arrays["persistence"])
    model.reference_ = Reference(arrays["reference_vectors"], arrays["reference_topics"],
                                 arrays["reference_positions"], n_neighbors=state["reference_neighbors"])
    model.topic_embeddings_ = arrays["topic_embeddings"]
    model.zero_shot_vectors_ = arrays.get("zero_shot_vectors")
    model.term_counts_ = TermCounts(arrays["count_topic_ids"], counts, arrays["document_frequency"],
                                    list(state["vocabulary"]))
    if counts.shape != (len(arrays["count_topic_ids"]), len(state["vocabulary"])):
        raise ValueError(f"term counts of shape {counts.shape} for {len(state['vocabulary'])} words")
    config = model._config
    seed_words = tuple(w for words in config.topics.seed_words for w in words)
    model.ctfidf_ = model.term_counts_.ctfidf(config.vectorizer, len(model.topics_), seed_words,
                                              config.topics.seed_multiplier)


def _read_state(folder: Path) -> dict:
    if not folder.is_dir() or not (folder / STATE).is_file():
        what = "a file" if folder.is_file() else "missing" if not folder.exists() else "a folder without model.json"
        raise RunError(f"{folder} is {what}, not a topiclab model folder. topiclab reads only its own JSON and "
                       "array files there (it never unpickles anything); fit the run again to recreate it.")
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunError(f"{folder / STATE} is damaged ({exc}). Fit the run again.") from None
    if not isinstance(state, dict) or state.get("format", 0) > FORMAT:
        raise RunError(f"{folder} was written by a newer topiclab (model format {state.get('format')}); "
                       "upgrade topiclab to read it.")
    return state


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()
