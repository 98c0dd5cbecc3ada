"""The representation stage: build a run's aspects from its configuration and add their columns.

Column contract of the topic table: c-TF-IDF words stay in `words`/`word_scores`; each word aspect
adds `words_<aspect>` and `word_scores_<aspect>`; the LLM adds `label_llm` ('' where it gave none); the
namer adds `title` (the name alone), `name_source` (hand, zero-shot, llm, extractive, keywords) and
`name_margin`; `label` is always the display label `<id>: <name>`, falling back to keywords.
"""

from __future__ import annotations

import time
import warnings
from importlib import import_module

import numpy as np
import pandas as pd

from topiclab.aspects import ASPECTS
from topiclab.config import RunConfig
from topiclab.errors import EmbeddingMismatch
from topiclab.represent.base import Aspect, TopicContext
from topiclab.results import OUTLIER


def make_aspects(config: RunConfig) -> list[Aspect]:
    """The configured aspects, those that read the others' columns last (the registry's `after`). Raises
    ConfigError now (before any fitting) for a missing key or file."""
    names = sorted(config.labels.aspects, key=lambda name: ASPECTS[name].after)
    return [_maker(ASPECTS[name].maker)(config) for name in names]


def _maker(path: str):
    module, _, attribute = path.partition(":")
    target = import_module(module)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


def represent_topics(context: TopicContext, aspects: list[Aspect], display: str, *,
                     skip_mismatched: bool = False) -> tuple[pd.DataFrame, dict]:
    """The topic table with each aspect's columns (replacing earlier ones) and `label` set from `display`,
    plus a report for the manifest: seconds per aspect and what the LLM did. With `skip_mismatched` (a fit on
    vectors made elsewhere), an aspect that needs the embedding model and finds one of another size is left
    out and the report's `skipped` says why, instead of failing the whole fit."""
    topics = context.topics.drop(columns=[c for c in context.topics.columns if is_aspect_column(c)])
    report: dict = {"aspects": [aspect.name for aspect in aspects], "display": display, "seconds": {}}
    for aspect in aspects:
        context.topics = topics  # an aspect that runs `after` the others reads their columns
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
    return column.startswith(("words_", "word_scores_")) or any(column in info.columns for info in ASPECTS.values())


def fill_missing_aspects(topics: pd.DataFrame) -> pd.DataFrame:
    """Aspect cells left empty when a table's rows come from different aspect sets (a topic an edit or an update
    made, beside an aspect the configuration does not compute, such as an imported model's) as no words or no
    label, never NaN; a number (a name's margin) is NaN where there is none."""
    for column in [c for c in topics.columns if is_aspect_column(c)]:
        values = topics[column]
        if column.startswith(("words_", "word_scores_")):
            topics[column] = [v if isinstance(v, (list, tuple, np.ndarray)) else [] for v in values]
        elif all(isinstance(v, (int, float, np.number)) for v in values if v is not None):
            topics[column] = pd.to_numeric(values, errors="coerce")  # a name's margin: NaN where none
        else:
            topics[column] = [v if isinstance(v, str) else "" for v in values]
    return topics


def display_labels(topics: pd.DataFrame, display: str) -> list[str]:
    """`<id>: <label>`: a topic's known name (zero-shot or label), else the chosen aspect's name or label, else
    c-TF-IDF keywords. Labels set by hand are applied after this (they win over all)."""
    written = {"names": "title", "llm": "label_llm"}.get(display)
    labels = []
    for _, row in topics.iterrows():
        topic = int(row["topic"])
        if row.get("name"):
            labels.append(f"{topic}: {row['name']}")
        elif written and row.get(written) and topic != OUTLIER:
            labels.append(f"{topic}: {row[written]}")
        else:
            words = row.get(f"words_{display}") if f"words_{display}" in row else None
            labels.append(keyword_label(topic, list(words) if words is not None and len(words) else list(row["words"])))
    return labels


def keyword_label(topic_id: int, words: list[str], n_words: int = 4) -> str:
    """A readable fallback label from keywords: `3: tax, budget, economy, rates`."""
    if topic_id == OUTLIER:
        return "-1: outliers"
    return f"{topic_id}: {', '.join(words[:n_words])}" if words else f"{topic_id}: (no words)"
