"""Topiclab runs out to BERTopic: a BERTopic safetensors folder (`export_bertopic`, needs only the core install)
or a BERTopic object (`to_bertopic`, needs the `bertopic` extra) whose `transform` embeds with the run's own model.

BERTopic numbers topics from 0 without gaps (-1 for outliers): an edited run's ids are renumbered in order.
Display labels become custom labels (without their `<id>: `), word aspects and an LLM label become aspects.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Union

import numpy as np
import pandas as pd

from topiclab.errors import ConfigError
from topiclab.interop.bertopic_files import SavedBERTopic, canonical_name, unnumbered, write_model_dir
from topiclab.represent.llm.install import installed, pip_command
from topiclab.results import OUTLIER, TopicRun, load_model, load_run

#: pyproject.toml's `bertopic` extra (a test keeps the two equal): needed for `to_bertopic` only.
BERTOPIC_REQUIREMENTS = ("bertopic>=0.17",)
_MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def run_as_bertopic(run: TopicRun) -> SavedBERTopic:
    """The run's topics as BERTopic keeps them: ids renumbered from 0 in order when edits left gaps, words and
    scores, display labels as custom labels, aspects, topic embeddings, and the c-TF-IDF of its model."""
    model = load_model(run)
    new_id = _bertopic_ids(run)
    ids = sorted(new_id)
    topics = run.topics.set_index(run.topics["topic"].astype(int)).loc[ids]
    mapped = {new_id[t]: row for t, row in topics.iterrows()}
    config = run.config
    seed_words = tuple(w for words in config.topics.seed_words for w in words)
    counts = model.term_counts_
    ctfidf = model.ctfidf_[np.searchsorted(counts.topic_ids, ids)]
    idf = counts.weighted(config.vectorizer, len(model.topics_), seed_words, config.topics.seed_multiplier)[1]
    vectorizer = {"ngram_range": list(config.vectorizer.ngram_range), "stop_words": config.vectorizer.stop_words,
                  "min_df": config.vectorizer.min_df, "max_features": config.vectorizer.max_features}
    rows = {int(t): v for t, v in zip(run.topics["topic"], run.topic_embeddings)}
    return SavedBERTopic(
        topics=np.array([new_id[int(t)] for t in run.documents["topic"]], dtype=np.int64),
        words={t: list(zip(row["words"], map(float, row["word_scores"]))) for t, row in mapped.items()},
        custom_labels={t: unnumbered(row["label"]) for t, row in mapped.items()},
        aspects=_aspects_out(mapped),
        topic_embeddings=np.vstack([rows[t] for t in ids]).astype(np.float32),
        embedding_model=_portable_name(config.embedding.model),
        vectorizer=vectorizer,
        settings={"top_n_words": config.topics.top_n_words, "n_gram_range": list(config.vectorizer.ngram_range),
                  "calculate_probabilities": False},
        ctfidf=(ctfidf.tocsr(), list(counts.vocabulary), idf),
        source={"run": run.name},
    )


def export_bertopic(run: Union[TopicRun, str, Path], path: Union[str, Path]) -> Path:
    """Write the run as a BERTopic safetensors folder at `path`, which `BERTopic.load(path)` opens."""
    return write_model_dir(run_as_bertopic(run if isinstance(run, TopicRun) else load_run(run)), path)


def to_bertopic(run: Union[TopicRun, str, Path]):
    """The run as a BERTopic object, embedding new documents with the run's own model (through topiclab), so
    `transform`, `get_topic_info` and BERTopic's figures work on it. Needs the `bertopic` package."""
    if not installed("bertopic"):
        raise ConfigError(f"A BERTopic object needs the bertopic package: {pip_command(BERTOPIC_REQUIREMENTS)}")
    from bertopic import BERTopic

    from topiclab.embed.bertopic_adapter import BERTopicBackend

    run = run if isinstance(run, TopicRun) else load_run(run)
    saved = run_as_bertopic(run)
    saved.embedding_model = None  # BERTopic would look the name up on the hub; the backend below replaces it
    with tempfile.TemporaryDirectory() as folder:
        model = BERTopic.load(str(write_model_dir(saved, Path(folder) / "model")),
                              embedding_model=BERTopicBackend.from_config(run.config.embedding))
    new_id = _bertopic_ids(run)
    model.representative_docs_ = {new_id[int(t)]: list(docs) for t, docs in zip(run.topics["topic"],
                                                                                 run.topics["representative_docs"])}
    return model


def _bertopic_ids(run: TopicRun) -> dict[int, int]:
    """{run topic id: BERTopic topic id}: BERTopic numbers topics from 0 without gaps (-1 stays -1)."""
    ids = sorted(int(t) for t in run.topics["topic"] if t != OUTLIER)
    return {**({OUTLIER: OUTLIER} if (run.topics["topic"] == OUTLIER).any() else {}),
            **{old: new for new, old in enumerate(ids)}}


def _aspects_out(mapped: dict[int, pd.Series]) -> dict[str, dict[int, list]]:
    """Word aspects as BERTopic keeps them ({name: {topic: [[word, score], ...]}}), topics without words left
    out; an LLM label as a one-label aspect, as BERTopic's text generation writes it."""
    aspects: dict[str, dict[int, list]] = {}
    columns = next(iter(mapped.values())).index
    for column in columns:
        if column.startswith("words_") and f"word_scores_{column[6:]}" in columns:
            aspects[column[6:]] = {t: [[w, float(s)] for w, s in zip(row[column], row[f"word_scores_{column[6:]}"])]
                                   for t, row in mapped.items() if _filled(row[column])}
        elif column == "label_llm":
            aspects["llm"] = {t: [[row[column], 1.0]] for t, row in mapped.items() if row[column]}
    return {name: values for name, values in aspects.items() if values}


def _filled(value) -> bool:
    return isinstance(value, (list, tuple, np.ndarray)) and len(value) > 0


def _portable_name(model: str) -> str:
    """The embedding model's name as BERTopic records it: the hub name for the packaged MiniLM, a folder's
    name rather than its path (a path means nothing on another machine)."""
    if canonical_name(model) == "all-minilm-l6-v2":
        return _MINILM
    return Path(model).name if Path(model).is_dir() else model
