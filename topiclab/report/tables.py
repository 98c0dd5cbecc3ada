"""The report's tables, built from a run: what the notebooks display beside the figures."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from topiclab.config import RunConfig, flatten
from topiclab.results import OUTLIER, TopicRun

_ASPECT_NAMES = {"keybert": "KeyBERT words", "mmr": "MMR words", "keybert_mmr": "KeyBERT + MMR words"}
_METRICS = {
    "n_topics": ("Topics", "Topics found, not counting outliers (-1)."),
    "outlier_share": ("Outlier share", "Share of documents in no topic after outliers were reassigned."),
    "npmi": ("NPMI coherence", "Do each topic's top 10 words occur near each other? Mean NPMI of their pairs in "
                               "10-token windows of the corpus, as gensim's c_npmi; -1 to 1, above 0 is more "
                               "often than chance, 0.1 or more reads as coherent."),
    "diversity": ("Topic diversity", "Share of distinct words among all topics' top 10 words; 1: no repeats."),
    "nmi": ("NMI vs classes", "Agreement of topics with the known classes, 0 to 1."),
    "ari": ("ARI vs classes", "Pairs of documents grouped alike by topics and by classes, chance-corrected; "
                              "1 is perfect."),
}


def styled(frame: pd.DataFrame, header: bool = True):
    """For display: no row numbers, text left-aligned and numbers right-aligned (JupyterLab aligns all right)."""
    style = (frame.style.hide(axis="index").set_properties(**{"text-align": "left"})
             .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))
    numeric = list(frame.select_dtypes("number").columns)
    if numeric:
        style = style.set_properties(subset=numeric, **{"text-align": "right"})
    return style if header else style.hide(axis="columns")


def corpus_overview(run: TopicRun) -> pd.DataFrame:
    """Counts, lengths, dropped documents by reason, time span and classes."""
    corpus = run.manifest.get("corpus", {})
    rows: list[tuple[str, Any]] = [("Source", corpus.get("source", "")), ("Text column", corpus.get("text_col", "")),
                                   ("Rows read", f"{corpus.get('n_input', len(run.documents)):,}"),
                                   ("Documents modelled", f"{len(run.documents):,}")]
    for reason, count in corpus.get("dropped", {}).items():
        if count:
            rows.append((f"Dropped: {reason}", f"{count:,}"))
    embedding = run.manifest.get("embedding", {})
    if embedding.get("n_too_long"):
        how = "embedded in windows, mean-pooled" if embedding.get("long_documents") == "chunk" else "truncated"
        rows.append(("Longer than the model's window", f"{embedding['n_too_long']:,} ({how})"))
    words = run.documents["text"].str.split().str.len()
    rows += [("Words per document: median", f"{words.median():,.0f}"),
             ("Words per document: 10%–90%", f"{words.quantile(0.1):,.0f} – {words.quantile(0.9):,.0f}"),
             ("Words per document: longest", f"{words.max():,}")]
    if "timestamp" in run.documents:
        stamps = pd.to_datetime(run.documents["timestamp"])
        rows.append(("Time span", f"{stamps.min():%Y-%m-%d} – {stamps.max():%Y-%m-%d}"))
    if "class" in run.documents:
        counts = run.documents["class"].value_counts()
        rows.append((f"Classes ({len(counts)})", ", ".join(f"{c} ({n:,})" for c, n in counts.head(12).items())
                     + (", ..." if len(counts) > 12 else "")))
    return pd.DataFrame(rows, columns=["", "value"])


def document_lengths(run: TopicRun) -> pd.Series:
    return run.documents["text"].str.split().str.len().rename("words")


def topic_table(run: TopicRun, n_words: int = 8, snippet: int = 160) -> pd.DataFrame:
    """One row per topic, largest first, outliers last: label, size, share, words of every aspect, an example."""
    topics = run.topics.copy()
    topics["order"] = np.where(topics["topic"] == OUTLIER, -1, topics["size"])
    topics = topics.sort_values(["order", "topic"], ascending=[False, True])
    table = pd.DataFrame({
        "Topic": topics["topic"].astype(int),
        "Label": topics["label"],
        "Documents": topics["size"].astype(int),
        "Share": (topics["size"] / max(1, len(run.documents))).map("{:.1%}".format),
        "Top words": topics["words"].map(lambda ws: ", ".join(list(ws)[:n_words])),
    })
    for aspect, name in _ASPECT_NAMES.items():
        if f"words_{aspect}" in topics:
            table[name] = topics[f"words_{aspect}"].map(lambda ws: ", ".join(list(ws)[:n_words]))
    if "label_llm" in topics and "llm" != run.config.labels.resolved_display:
        table["LLM label"] = topics["label_llm"]
    table["Example document"] = topics["representative_docs"].map(
        lambda docs: _snippet(docs[0], snippet) if len(docs) else "")
    return table.reset_index(drop=True)


def outlier_overview(run: TopicRun) -> pd.DataFrame:
    """How many documents HDBSCAN left in no topic, how many were reassigned, how many remain outliers."""
    n = max(1, len(run.documents))
    before = int(run.manifest.get("outliers_before_reduction", 0))
    reassigned = int(run.documents["outlier_reassigned"].sum()) if "outlier_reassigned" in run.documents else 0
    remaining = int((run.documents["topic"] == OUTLIER).sum())
    strategy = run.config.topics.outlier_reduction
    return pd.DataFrame([
        ("Left in no topic by HDBSCAN", f"{before:,} ({before / n:.1%})"),
        (f"Reassigned to their nearest topic ({strategy})", f"{reassigned:,} ({reassigned / n:.1%})"),
        ("Still outliers (topic -1)", f"{remaining:,} ({remaining / n:.1%})"),
    ], columns=["", "documents"])


def outlier_examples(run: TopicRun, n: int = 8, snippet: int = 200) -> pd.DataFrame:
    """The reassigned (or remaining) outliers that fit their topic least, with the topic they went to."""
    documents = run.documents
    mask = documents["outlier_reassigned"] if "outlier_reassigned" in documents else documents["topic"] == OUTLIER
    chosen = documents[mask | (documents["topic"] == OUTLIER)].sort_values("probability").head(n)
    return pd.DataFrame({"Document": chosen["text"].map(lambda t: _snippet(t, snippet)),
                         "Now in topic": chosen["topic"].map(run.topic_labels)}).reset_index(drop=True)


def metrics_table(run: TopicRun) -> pd.DataFrame:
    rows = []
    for key, value in run.metrics.items():
        name, meaning = _METRICS.get(key, (key, ""))
        shown = f"{value:.1%}" if key == "outlier_share" else (f"{value:.3f}" if isinstance(value, float) else value)
        rows.append((name, shown, meaning))
    return pd.DataFrame(rows, columns=["Metric", "Value", "What it says"])


def changed_settings(run: TopicRun) -> pd.DataFrame:
    """The settings that differ from topiclab's defaults, as `section.key`, with the default beside."""
    defaults = flatten(RunConfig().to_dict())
    rows = [(key, _shown(value), _shown(defaults.get(key))) for key, value in flatten(run.config.to_dict()).items()
            if key not in defaults or defaults[key] != value]
    return pd.DataFrame(rows, columns=["Setting", "Value", "Default"])


def collapsible(summary: str, text: str) -> str:
    """HTML that shows `summary` and reveals `text` (preformatted) on a click."""
    return f"<details><summary>{html.escape(summary)}</summary><pre>{html.escape(text)}</pre></details>"


def versions_table(run: TopicRun) -> pd.DataFrame:
    return pd.DataFrame(list(run.manifest.get("versions", {}).items()), columns=["Package", "Version"])


def timings_table(run: TopicRun) -> pd.DataFrame:
    seconds = run.manifest.get("seconds", {})
    return pd.DataFrame([(stage, f"{value:,.1f}") for stage, value in seconds.items()], columns=["Stage", "Seconds"])


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "none" if value is None else str(value)


def _snippet(text: str, length: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"
