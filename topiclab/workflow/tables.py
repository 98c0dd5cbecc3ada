"""A run's tables built from a fitted TopicModel: documents with topics, the topic table, the levels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from topiclab.represent import keyword_label
from topiclab.results import OUTLIER


def document_table(documents: pd.DataFrame, model, batch: int = 0) -> pd.DataFrame:
    """The corpus's documents (doc_id, text, kept columns) with their topics, as fitted by `model`."""
    table = documents.reset_index(drop=True).copy()
    n = len(table)
    table.insert(2, "topic", model.topics_[-n:].astype(int))
    table.insert(3, "probability", model.probabilities_[-n:].astype(np.float32))
    table.insert(4, "assigned_by", model.assigned_by_[-n:].astype(str))
    table["batch"] = batch
    return table


def topic_table(model, texts: list[str]) -> pd.DataFrame:
    """One row per topic: id, size, name, keyword label, c-TF-IDF words and scores, representative
    documents (text), and lineage (parents, origin)."""
    rows = []
    for topic in map(int, model.topic_ids_):
        words = model.topic_words_.get(topic, [])
        name = model.topic_names_.get(topic, "")
        lineage = model.lineage_.get(topic, {"from": [], "how": "fit"})
        rows.append({
            "topic": topic,
            "size": int(model.topic_sizes_.get(topic, 0)),
            "label": f"{topic}: {name}" if name else keyword_label(topic, [w for w, _ in words]),
            "name": name,
            "words": [w for w, _ in words],
            "word_scores": [round(float(s), 6) for _, s in words],
            "representative_docs": [texts[i] for i in model.representative_docs_.get(topic, []) if i < len(texts)],
            "parents": [int(t) for t in lineage.get("from", [])],
            "origin": str(lineage.get("how", "fit")),
        })
    frame = pd.DataFrame(rows)
    return frame[frame["size"] > 0].reset_index(drop=True) if len(frame) else frame


def level_table(model) -> pd.DataFrame:
    """The granularities the fit found: layer number, topics, persistence, and which one the run uses."""
    layers = model.layers_
    return pd.DataFrame({"level": range(len(layers.labels)), "topics": layers.n_topics,
                         "persistence": np.round(layers.persistence, 3),
                         "chosen": [i == model.level_ for i in range(len(layers.labels))]})


def topic_embeddings(model, topics: pd.DataFrame) -> np.ndarray:
    """The model's centroids in the order of the topic table's rows."""
    rows = np.searchsorted(model.topic_ids_, topics["topic"].to_numpy())
    return model.topic_embeddings_[rows].astype(np.float32)


def non_outlier_words(topics: pd.DataFrame) -> list[list[str]]:
    return topics.loc[topics["topic"] != OUTLIER, "words"].tolist()
