"""Find documents and topics in a run by a query: by its words, by its meaning, or both.

Keyword search matches the query's words in the texts (case-insensitive; a document scores the share of
the query's words it holds, and an exact phrase ranks first). Semantic search embeds the query with the
run's model and ranks documents (or topic centroids) by cosine similarity. `hybrid` ranks by meaning and
lifts documents that also hold the words.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd

from topiclab.errors import ConfigError, RunError
from topiclab.results import TopicRun

Mode = Literal["hybrid", "keyword", "semantic"]
_WORD = re.compile(r"\w+", re.UNICODE)
_KEYWORD_WEIGHT = 0.25  # in hybrid ranking, a document holding every query word gains this much similarity


def search(run: TopicRun, query: str, mode: Mode = "hybrid", limit: int = 20) -> pd.DataFrame:
    """The best `limit` documents for `query`: doc_id, topic, label, score, matched (words/meaning/both), text."""
    query = _check(query, mode, limit)
    documents = run.documents
    keyword = keyword_scores(documents["text"], query)
    if mode == "keyword":
        score, matched = keyword, np.where(keyword > 0, "words", "")
        keep = keyword > 0
    else:
        semantic = _similarities(run, query, run.embeddings, "documents")
        score = semantic + (_KEYWORD_WEIGHT * keyword if mode == "hybrid" else 0.0)
        matched = np.where(keyword > 0, "both", "meaning") if mode == "hybrid" else np.full(len(score), "meaning")
        keep = np.ones(len(score), bool)
    order = [i for i in np.argsort(-score, kind="stable") if keep[i]][:limit]
    labels = run.topic_labels
    return pd.DataFrame({
        "doc_id": documents["doc_id"].to_numpy()[order],
        "topic": documents["topic"].to_numpy()[order].astype(int),
        "label": [labels.get(int(t), "") for t in documents["topic"].to_numpy()[order]],
        "score": np.round(score[order], 4),
        "matched": np.asarray(matched)[order],
        "text": documents["text"].to_numpy()[order],
    })


def search_topics(run: TopicRun, query: str, mode: Mode = "hybrid", limit: int = 10) -> pd.DataFrame:
    """The best `limit` topics for `query`, by their centroid's similarity and their labels and words."""
    query = _check(query, mode, limit)
    topics = run.topics[run.topics["topic"] != -1].reset_index(drop=True)
    described = topics["label"].astype(str) + " " + topics["words"].map(lambda ws: " ".join(ws))
    keyword = keyword_scores(described, query)
    if mode == "keyword":
        score = keyword
    else:
        if run.topic_embeddings is None:
            raise RunError(f"Run {run.name!r} has no topic embeddings; fit it again for semantic topic search.")
        rows = np.searchsorted(run.topics["topic"].to_numpy(), topics["topic"].to_numpy())
        semantic = _similarities(run, query, run.topic_embeddings[rows], "topics")
        score = semantic + (_KEYWORD_WEIGHT * keyword if mode == "hybrid" else 0.0)
    order = np.argsort(-score, kind="stable")[:limit]
    if mode == "keyword":
        order = order[keyword[order] > 0]
    return pd.DataFrame({"topic": topics["topic"].to_numpy()[order].astype(int),
                         "label": topics["label"].to_numpy()[order], "size": topics["size"].to_numpy()[order],
                         "score": np.round(score[order], 4), "words": topics["words"].to_numpy()[order]})


def keyword_scores(texts: pd.Series, query: str) -> np.ndarray:
    """Share of the query's distinct words each text holds (whole words, any case); 1.5 for the exact phrase."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(query)))
    if not words:
        return np.zeros(len(texts))
    lowered = texts.astype(str).str.lower()
    held = sum(lowered.str.contains(rf"\b{re.escape(w)}\b", regex=True).to_numpy(dtype=float) for w in words)
    phrase = lowered.str.contains(re.escape(query.lower()), regex=True).to_numpy() if len(words) > 1 else False
    return held / len(words) + 0.5 * phrase


def _similarities(run: TopicRun, query: str, vectors: np.ndarray, what: str) -> np.ndarray:
    from topiclab.embed import embed_documents

    if vectors is None:
        raise RunError(f"Run {run.name!r} has no saved embeddings; semantic search needs them (fit it again).")
    dropped = run.ignored_settings.get("embedding.model")
    if dropped:
        raise RunError(f"Run {run.name!r} was embedded with {dropped!r}, a path on another machine; search it by "
                       "keyword (mode='keyword'), or load it with that model available.")
    vector, _ = embed_documents([query], run.config.embedding, progress=False)
    if vector.shape[1] != vectors.shape[1]:
        raise RunError(f"The query's embedding has {vector.shape[1]} dimensions, the run's {what} "
                       f"{vectors.shape[1]}: search with the run's embedding model.")
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return unit @ (vector[0] / max(np.linalg.norm(vector[0]), 1e-12))


def _check(query: str, mode: str, limit: int) -> str:
    if not isinstance(query, str) or not query.strip():
        raise ConfigError("The search query is empty: give a word, a phrase or a question.")
    if mode not in ("hybrid", "keyword", "semantic"):
        raise ConfigError(f"mode must be 'hybrid', 'keyword' or 'semantic', not {mode!r}.")
    if limit < 1:
        raise ConfigError(f"limit must be at least 1, not {limit}.")
    return query.strip()
