"""A cleaned corpus: the texts to model, the columns kept beside them, and what was dropped and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd

from topiclab.config import CorpusConfig
from topiclab.corpus.readers import CorpusSource, read_source
from topiclab.errors import CorpusError

#: Column names that are taken as the text column without asking, in this order.
TEXT_COLUMN_NAMES = ("text", "body", "content", "document", "doc", "abstract", "message", "tweet", "review")


@dataclass
class Corpus:
    """Documents ready to embed.

    `documents` has `doc_id` and `text`, plus `timestamp`, `class` (known classes, for scoring only) and
    `label` (known topic labels for some documents, for semi-supervised fitting) when those columns were named.
    `dropped` counts removed rows by reason; `source` says where the corpus came from.
    """

    documents: pd.DataFrame
    source: str
    text_col: str
    n_input: int
    dropped: dict[str, int] = field(default_factory=dict)
    id_col: Optional[str] = None  # None: doc_ids are row numbers

    def __len__(self) -> int:
        return len(self.documents)

    @property
    def texts(self) -> list[str]:
        return self.documents["text"].tolist()

    @property
    def has_timestamps(self) -> bool:
        return "timestamp" in self.documents

    @property
    def has_classes(self) -> bool:
        return "class" in self.documents

    def summary(self) -> str:
        parts = [f"{len(self):,} documents from {self.source} (column {self.text_col!r})"]
        for reason, count in self.dropped.items():
            if count:
                parts.append(f"dropped {count:,} {reason}")
        return "; ".join(parts)


def load_corpus(source: CorpusSource, config: Optional[CorpusConfig] = None, seed: int = 42, **columns) -> Corpus:
    """Read, pick columns, clean. Keyword arguments override `config` (e.g. `text_col="body"`)."""
    config = (config or CorpusConfig()).model_copy(update=columns)
    raw, where = read_source(source)
    if raw.empty:
        raise CorpusError(f"{where} has no rows.")
    raw = raw.copy()
    raw.columns = [str(c) for c in raw.columns]
    text_col = config.text_col or detect_text_column(raw, where)
    if config.id_col is None and "doc_id" in raw.columns and raw["doc_id"].is_unique:
        config = config.model_copy(update={"id_col": "doc_id"})  # folders of .txt files name their documents
    for role, name in (("text", text_col), ("id", config.id_col), ("timestamp", config.timestamp_col),
                       ("class", config.class_col), ("label", config.label_col)):
        if name is not None and name not in raw.columns:
            raise CorpusError(
                f"{where} has no column {name!r} (asked for as the {role} column). "
                f"Its columns are: {', '.join(map(repr, raw.columns))}."
            )
    documents, dropped = _clean(raw, text_col, config, where)
    if config.sample is not None and config.sample < len(documents):
        documents = documents.sample(n=config.sample, random_state=seed).sort_index()
        dropped["not in the random sample"] = len(raw) - sum(dropped.values()) - len(documents)
    if documents.empty:
        raise CorpusError(
            f"{where} has no usable documents: all {len(raw):,} rows of column {text_col!r} are empty "
            f"or missing. Check that {text_col!r} is the column holding the texts."
        )
    return Corpus(documents.reset_index(drop=True), where, text_col, len(raw), dropped, config.id_col)


def detect_text_column(raw: pd.DataFrame, where: str) -> str:
    """The text column when there is one obvious candidate, else a CorpusError listing the choices."""
    lowered = {c.lower(): c for c in raw.columns}
    for name in TEXT_COLUMN_NAMES:
        if name in lowered:
            return lowered[name]
    candidates = {}
    for column in raw.columns:
        values = raw[column].dropna()
        if len(values) and values.map(lambda v: isinstance(v, str)).mean() > 0.9:
            candidates[column] = values.astype(str).str.len().mean()
    if len(candidates) == 1:
        return next(iter(candidates))
    if candidates:
        ranked = sorted(candidates.items(), key=lambda kv: -kv[1])
        if ranked[0][1] >= 3 * ranked[1][1]:
            return ranked[0][0]
        listing = ", ".join(f"{c!r} (mean {n:.0f} chars)" for c, n in ranked)
        raise CorpusError(f"{where}: several columns could hold the texts: {listing}. Name one with --text-col.")
    raise CorpusError(
        f"{where}: no column holds text. Its columns are: {', '.join(map(repr, raw.columns))}. "
        "Name the text column with --text-col."
    )


def _clean(raw: pd.DataFrame, text_col: str, config: CorpusConfig, where: str) -> tuple[pd.DataFrame, dict[str, int]]:
    values = raw[text_col]
    texts = values.map(_as_text).str.strip()
    keep = (texts != "").to_numpy()  # a CSV cannot tell a missing text from an empty one
    dropped = {"empty or missing texts": int((~keep).sum())}

    ids = raw[config.id_col].astype(str) if config.id_col else pd.Series(np.arange(len(raw)).astype(str))
    if config.id_col and ids[keep].duplicated().any():
        duplicate = ids[keep][ids[keep].duplicated()].iloc[0]
        raise CorpusError(f"{where}: id column {config.id_col!r} repeats the id {duplicate!r}; ids must be unique.")
    documents = pd.DataFrame({"doc_id": ids.to_numpy(), "text": texts.to_numpy()})
    if config.timestamp_col:
        documents["timestamp"] = _parse_timestamps(raw[config.timestamp_col], where, config.timestamp_col)
    if config.class_col:
        documents["class"] = raw[config.class_col].astype("string").fillna("(none)").to_numpy()
    if config.label_col:
        documents["label"] = raw[config.label_col].map(lambda v: _as_text(v).strip() or None).to_numpy(dtype=object)
    documents = documents[keep]
    if config.dedupe:
        duplicated = documents["text"].duplicated()
        dropped["duplicate texts"] = int(duplicated.sum())
        documents = documents[~duplicated]
    return documents, dropped


def _as_text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _parse_timestamps(column: pd.Series, where: str, name: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.reset_index(drop=True).to_numpy()
    parsed = pd.to_datetime(column, errors="coerce", utc=True, format="mixed")
    bad = parsed.isna() & column.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise CorpusError(
            f"{where}, row {row + 1}: column {name!r} holds {column.iloc[row]!r}, which is not a date or time. "
            "Use ISO 8601 such as 2017-01-20 or 2017-01-20T17:00:00Z."
        )
    return parsed.to_numpy()
