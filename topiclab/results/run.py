"""One run's data: documents with topics, the topic table, settings, manifest, vectors and map coordinates.

A `TopicRun` holds no fitting or prediction code: figures, reports and the CLI read it; fitting, updating,
editing and assigning new documents live in `topiclab.workflow`, which loads the run's model from
`RUN/model`. A run saves to a folder and `load_run` gives back an equal object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from topiclab.config import RunConfig
from topiclab.results.writer import save_run

OUTLIER = -1


@dataclass(eq=False)
class TopicRun:
    """A fitted run.

    documents: doc_id, text, topic, probability, assigned_by (cluster, neighbors, zero-shot, label, edit),
        batch (0 for the fit, k for the k-th update), and timestamp, class, label and other kept columns.
    topics: topic, size, label (the display label), name (zero-shot or known-label name, else ''), words,
        word_scores, representative_docs, parents and origin (lineage), and one column set per label aspect.
    levels: the granularities the fit found (level, topics, persistence, chosen).
    hierarchy: the topics' parents, coarsest level first (level, group, topics, title, name_source,
        name_margin): what the hierarchy and the map's zoom labels show; None for a run saved without it.
    projections: {"2d": (n, 2), "3d": (n, 3)} document coordinates for maps.
    topic_embeddings: one row per topic id in `topics.topic` (centroids).
    ignored_settings: settings saved in the run folder that name something on another machine (endpoints,
        key variables, paths) and were not used when loading it (see RunConfig.without_machine_settings).
    """

    documents: pd.DataFrame
    topics: pd.DataFrame
    config: RunConfig
    manifest: dict
    embeddings: Optional[np.ndarray] = None
    topic_embeddings: Optional[np.ndarray] = None
    projections: dict[str, np.ndarray] = field(default_factory=dict)
    levels: Optional[pd.DataFrame] = None
    hierarchy: Optional[pd.DataFrame] = None
    path: Optional[Path] = None
    ignored_settings: dict[str, Any] = field(default_factory=dict)
    model: Any = field(default=None, repr=False)  # the fitted TopicModel, when in memory (not compared)

    # ------------------------------------------------------------------ reading
    @property
    def name(self) -> str:
        return self.manifest.get("name", "run")

    @property
    def metrics(self) -> dict:
        return self.manifest.get("metrics", {})

    @property
    def level_votes(self) -> list[int]:
        """The topic counts the other UMAP layouts chose for the level (`topics.level_votes`), from the manifest:
        integers only, since a run folder is data."""
        clustering = self.manifest.get("clustering")
        votes = clustering.get("level_votes") if isinstance(clustering, dict) else None
        return [count for count in votes if type(count) is int] if isinstance(votes, list) else []

    @property
    def topic_labels(self) -> dict[int, str]:
        return dict(zip(self.topics["topic"].astype(int), self.topics["label"]))

    def topic_documents(self, topic: int) -> pd.DataFrame:
        return self.documents[self.documents["topic"] == topic]

    # ------------------------------------------------------------------ labels
    def set_label(self, topic: int, label: str) -> None:
        """Set one topic's display label by hand (save the run to keep it); shown as `<topic>: <label>` like
        every other label. Relabelling, updates and re-fits keep it (a re-fit moves it to the matching topic)."""
        if topic not in self.topic_labels:
            raise KeyError(f"No topic {topic}; topics are {sorted(self.topic_labels)}")
        prefix = f"{topic}: "
        shown = label if label.startswith(prefix) else prefix + label
        self.manifest.setdefault("manual_labels", {})[str(topic)] = shown
        apply_manual_labels(self.topics, {str(topic): shown})

    # ------------------------------------------------------------------ persistence
    def save(self, path: Union[str, Path, None] = None) -> Path:
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


def apply_manual_labels(topics: pd.DataFrame, manual: dict[str, str]) -> None:
    """Give `topics` (in place) the labels set by hand (`manual`: topic -> "<topic>: <label>"): they win over
    every written name, and the name columns say so (`name_source` "hand"; its margin is not measured)."""
    for topic, label in manual.items():
        rows = topics["topic"] == int(topic)
        topics.loc[rows, "label"] = label
        if "title" in topics:
            topics.loc[rows, "title"] = label.split(": ", 1)[1] if label.startswith(f"{topic}: ") else label
        if "name_source" in topics:
            topics.loc[rows, "name_source"] = "hand"
        if "name_margin" in topics:
            topics.loc[rows, "name_margin"] = float("nan")


def _frames_equal(a: Optional[pd.DataFrame], b: Optional[pd.DataFrame]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)
        return True
    except AssertionError:
        return False


def _arrays_equal(a: Optional[np.ndarray], b: Optional[np.ndarray]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and np.array_equal(a, b)
