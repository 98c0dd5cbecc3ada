"""The representation stage: build a run's aspects from its configuration and add their columns.

Column contract of the topic table: c-TF-IDF words stay in `words`/`word_scores`; each word aspect
adds `words_<aspect>` and `word_scores_<aspect>`; the LLM adds `label_llm` ('' where it gave none);
`label` is always the display label, falling back to keywords.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from topiclab.config import RunConfig
from topiclab.errors import EmbeddingMismatch
from topiclab.represent.base import Aspect, Chain, TopicContext
from topiclab.represent.keybert import KeyBERT
from topiclab.represent.llm import LLMLabeler, label_model
from topiclab.represent.mmr import MMR, MMR_CANDIDATES
from topiclab.results import OUTLIER


def make_aspects(config: RunConfig) -> list[Aspect]:
    """The configured aspects, in order. Raises ConfigError now (before any fitting) for a missing key or file."""
    labels, top_n = config.labels, config.topics.top_n_words
    makers = {
        "keybert": lambda: KeyBERT(top_n_words=top_n),
        "mmr": lambda: MMR(diversity=labels.mmr_diversity, top_n_words=top_n),
        "keybert_mmr": lambda: Chain([KeyBERT(top_n_words=MMR_CANDIDATES),
                                      MMR(diversity=labels.mmr_diversity, top_n_words=top_n)], top_n_words=top_n),
        "llm": lambda: LLMLabeler(label_model(labels.llm), template=labels.llm.prompt, n_documents=labels.llm.documents,
                                  prompt_tokens=labels.llm.prompt_tokens, cache=labels.llm.cache),
    }
    return [makers[name]() for name in labels.aspects]


def represent_topics(context: TopicContext, aspects: list[Aspect], display: str, *,
                     skip_mismatched: bool = False) -> tuple[pd.DataFrame, dict]:
    """The topic table with each aspect's columns (replacing earlier ones) and `label` set from `display`,
    plus a report for the manifest: seconds per aspect and what the LLM did. With `skip_mismatched` (a fit on
    vectors made elsewhere), an aspect that needs the embedding model and finds one of another size is left
    out and the report's `skipped` says why, instead of failing the whole fit."""
    topics = context.topics.drop(columns=[c for c in context.topics.columns if is_aspect_column(c)])
    report: dict = {"aspects": [aspect.name for aspect in aspects], "display": display, "seconds": {}}
    for aspect in aspects:
        started = time.perf_counter()
        try:
            columns = aspect.transform(context)
        except EmbeddingMismatch as error:
            if not skip_mismatched:
                raise
            report.setdefault("skipped", {})[aspect.name] = str(error)
            warnings.warn(f"{aspect.name} words left out: {error}", stacklevel=2)
            continue
        for column, values in columns.items():
            topics[column] = values
        report["seconds"][aspect.name] = round(time.perf_counter() - started, 3)
        if aspect.report_:
            report[aspect.name] = aspect.report_
    topics["label"] = display_labels(topics, display)
    return topics, report


def is_aspect_column(column: str) -> bool:
    return column.startswith(("words_", "word_scores_")) or column == "label_llm"


def fill_missing_aspects(topics: pd.DataFrame) -> pd.DataFrame:
    """Aspect cells left empty when a table's rows come from different aspect sets (a topic an edit or an update
    made, beside an aspect the configuration does not compute, such as an imported model's) as no words or no
    label, never NaN."""
    for column in [c for c in topics.columns if is_aspect_column(c)]:
        empty = "" if column == "label_llm" else []
        topics[column] = [value if isinstance(value, (list, tuple, np.ndarray, str)) else empty
                          for value in topics[column]]
    return topics


def display_labels(topics: pd.DataFrame, display: str) -> list[str]:
    """`<id>: <label>`: a topic's known name (zero-shot or label), else the chosen aspect, else c-TF-IDF
    keywords. Labels set by hand are applied after this (they win over all)."""
    labels = []
    for _, row in topics.iterrows():
        topic = int(row["topic"])
        if row.get("name"):
            labels.append(f"{topic}: {row['name']}")
        elif display == "llm" and row.get("label_llm") and topic != OUTLIER:
            labels.append(f"{topic}: {row['label_llm']}")
        else:
            words = row.get(f"words_{display}") if display not in ("keywords", "llm") else None
            labels.append(keyword_label(topic, list(words) if words is not None and len(words) else list(row["words"])))
    return labels


def keyword_label(topic_id: int, words: list[str], n_words: int = 4) -> str:
    """A readable fallback label from keywords: `3: tax, budget, economy, rates`."""
    if topic_id == OUTLIER:
        return "-1: outliers"
    return f"{topic_id}: {', '.join(words[:n_words])}" if words else f"{topic_id}: (no words)"
