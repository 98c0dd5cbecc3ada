"""One run's artifacts: documents with topics, the topic table, config, manifest, embeddings, model.

Everything downstream (figures, reports, the CLI) reads a `TopicRun`, never the fitting code. A run
saves to a directory and `load_run` gives back an equal object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pandas as pd

from topiclab.config import RunConfig

OUTLIER = -1


@dataclass(eq=False)
class TopicRun:
    """A fitted run.

    documents: doc_id, text, topic, probability, outlier_reassigned (+ timestamp, class when kept).
    topics: topic, size, label, words, word_scores, representative_docs (+ one column per label aspect).
    projections: {"2d": (n, 2), "3d": (n, 3)} document coordinates for maps, when computed.
    topic_embeddings: one row per topic id in `topics.topic`, for assigning new documents.
    """

    documents: pd.DataFrame
    topics: pd.DataFrame
    config: RunConfig
    manifest: dict
    embeddings: Optional[np.ndarray] = None
    topic_embeddings: Optional[np.ndarray] = None
    projections: dict[str, np.ndarray] = field(default_factory=dict)
    path: Optional[Path] = None
    _model: object = field(default=None, repr=False)

    # ------------------------------------------------------------------ reading
    @property
    def name(self) -> str:
        return self.manifest.get("name", "run")

    @property
    def metrics(self) -> dict:
        return self.manifest.get("metrics", {})

    @property
    def topic_labels(self) -> dict[int, str]:
        return dict(zip(self.topics["topic"].astype(int), self.topics["label"]))

    def topic_documents(self, topic: int) -> pd.DataFrame:
        return self.documents[self.documents["topic"] == topic]

    def search(self, query: str, limit: int = 20) -> pd.DataFrame:
        """Documents whose text contains `query` (case-insensitive), with their topic labels."""
        hits = self.documents[self.documents["text"].str.contains(query, case=False, regex=False)].head(limit)
        return hits.assign(label=hits["topic"].map(self.topic_labels))

    @property
    def model(self):
        """The fitted BERTopic model (loaded from the run directory on first use)."""
        if self._model is None and self.path is not None:
            from topiclab.results.store import load_model

            self._model = load_model(self.path, self.config)
        return self._model

    # ------------------------------------------------------------------ new documents
    def assign_topics(self, texts: list[str], embeddings: Optional[np.ndarray] = None) -> pd.DataFrame:
        """Topic and similarity for new documents: the nearest topic centroid (outliers excluded)."""
        from topiclab.embed import embed_documents
        from topiclab.pipeline import assign_topics

        if embeddings is None:
            embeddings, _ = embed_documents(list(texts), self.config.embedding)
        ids = self.topics["topic"].to_numpy()
        keep = ids != OUTLIER
        topic, similarity = assign_topics(embeddings, ids[keep], self.topic_embeddings[keep])
        return pd.DataFrame({"text": list(texts), "topic": topic, "similarity": similarity,
                             "label": [self.topic_labels[int(t)] for t in topic]})

    # ------------------------------------------------------------------ labels
    def set_label(self, topic: int, label: str) -> None:
        """Set one topic's display label by hand (save the run to keep it); shown as `<topic>: <label>`
        like every other label. Relabelling keeps it unless told to drop manual labels."""
        if topic not in self.topic_labels:
            raise KeyError(f"No topic {topic}; topics are {sorted(self.topic_labels)}")
        prefix = f"{topic}: "
        shown = label if label.startswith(prefix) else prefix + label
        self.topics.loc[self.topics["topic"] == topic, "label"] = shown
        self.manifest.setdefault("manual_labels", {})[str(topic)] = shown

    # ------------------------------------------------------------------ persistence
    def save(self, path: Union[str, Path, None] = None) -> Path:
        from topiclab.results.store import save_run

        return save_run(self, path or self.path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TopicRun):
            return NotImplemented
        return (
            _frames_equal(self.documents, other.documents)
            and _frames_equal(self.topics, other.topics)
            and self.config == other.config
            and self.manifest == other.manifest
            and _arrays_equal(self.embeddings, other.embeddings)
            and _arrays_equal(self.topic_embeddings, other.topic_embeddings)
            and self.projections.keys() == other.projections.keys()
            and all(np.array_equal(self.projections[k], other.projections[k]) for k in self.projections)
        )


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)
        return True
    except AssertionError:
        return False


def _arrays_equal(a: Optional[np.ndarray], b: Optional[np.ndarray]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and np.array_equal(a, b)
