"""The report's tables, built from a run: what the notebooks display beside the figures.

They hold data as it is (documents, labels, class names); `safe.table` escapes them for display.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from topiclab.aspects import ASPECTS
from topiclab.clusterers import CLUSTERERS
from topiclab.config import RunConfig, flatten
from topiclab.results import OUTLIER, TopicRun

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
    shown_as_label = f"label_{run.config.labels.resolved_display}"
    for column, title in ((c, t) for info in ASPECTS.values() for c, t in info.columns.items()):
        if title and column in topics and column != shown_as_label:
            table[title] = topics[column].map(lambda value: _cell(value, n_words))
    table["Example document"] = topics["representative_docs"].map(
        lambda docs: _snippet(docs[0], snippet) if len(docs) else "")
    return table.reset_index(drop=True)


def hierarchy_names(run: TopicRun) -> pd.DataFrame:
    """The named groups of topics that the map shows zoomed out, coarsest level first: each group's name, how
    it was chosen, its margin over the other groups of its level, and its topics."""
    columns = ["Level", "Name", "Name chosen by", "Name margin", "Topics"]
    groups = run.hierarchy
    if groups is None or not len(groups):
        return pd.DataFrame(columns=columns)
    groups = groups.sort_values(["level", "group"])
    labels = run.topic_labels
    return pd.DataFrame(dict(zip(columns, [
        groups["level"].astype(int), groups["title"], groups["name_source"],
        groups["name_margin"].map(lambda value: _cell(value, 0)),
        groups["topics"].map(lambda topics: "; ".join(labels.get(int(t), str(t)) for t in topics)),
    ]))).reset_index(drop=True)


def _cell(value, n_words: int) -> str:
    """An aspect's value as a table cell: words joined, scores to two decimals, nothing for a missing one."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(map(str, list(value)[:n_words]))
    if isinstance(value, float):
        return "" if np.isnan(value) else f"{value:.2f}"
    return "" if value is None else str(value)


_ASSIGNED = {
    "cluster": "In a cluster the clustering found",
    "neighbors": "Took the topic of its nearest documents (the vote that also places new documents)",
    "zero-shot": "Close enough to a zero-shot topic name",
    "label": "Carried a known label (label column)",
    "edit": "Moved by hand",
    "": "Left in no topic (outliers, -1)",
}


def how_fitted(run: TopicRun) -> str:
    """What reduced and clustered the documents, as the run's manifest recorded it (older runs: their config)."""
    ran = run.manifest.get("clustering", {}).get("ran")
    if ran:
        return str(ran)
    method = run.config.clustering.method
    return f"UMAP to {run.config.umap.n_components} dimensions, then {CLUSTERERS[method].summary}"


def assignment_overview(run: TopicRun) -> pd.DataFrame:
    """How each document got its topic, counted, with what the fit was fitted on."""
    n = max(1, len(run.documents))
    counts = run.documents["assigned_by"].fillna("").value_counts() if "assigned_by" in run.documents else {}
    rows = [(meaning, f"{int(counts.get(key, 0)):,} ({counts.get(key, 0) / n:.1%})") for key, meaning in
            _ASSIGNED.items() if counts.get(key, 0)]
    clustering = run.manifest.get("clustering", {})
    if clustering.get("sampled"):
        rows.append(("Fit sample", clustering.get("note", "")))
    rows.append(("Reference documents for new ones", f"{clustering.get('reference_documents', 0):,}"))
    return pd.DataFrame(rows, columns=["", "documents"])


#: Said with the levels table: why the finest level's persistence is blank.
LEVELS_NOTE = ("Persistence: how steady a level's clusters stay as the minimum cluster size changes (higher: "
               "steadier). The finest level is the clustering the layer search starts from, which gets no "
               "persistence score, so its cell is blank.")


def levels_note(run: TopicRun) -> str:
    """LEVELS_NOTE, and how the level used was chosen when several layouts voted on it (plain text: the
    caller escapes it)."""
    votes = run.level_votes
    if not votes:
        return LEVELS_NOTE
    return (f"{LEVELS_NOTE} The level used is this layout's layer nearest the median of the topic counts that "
            f"{len(votes) + 1} UMAP layouts chose (the others: {', '.join(map(str, votes))}), so that "
            "outlying layouts do not decide it (topics.level_votes).")


def levels_table(run: TopicRun) -> pd.DataFrame:
    """The granularities the fit found, finest first, and the one the run uses. A level without a persistence
    score (EVoC's base layer, scored 0) shows a blank, explained by LEVELS_NOTE."""
    if run.levels is None:
        return pd.DataFrame(columns=["Level", "Topics", "Persistence", "Used"])
    persistence = run.levels["persistence"].map("{:,.1f}".format).where(run.levels["persistence"] > 0, "")
    return pd.DataFrame({"Level": run.levels["level"], "Topics": run.levels["topics"], "Persistence": persistence,
                         "Used": run.levels["chosen"].map({True: "yes", False: ""})})


def guidance_table(run: TopicRun) -> pd.DataFrame:
    """Zero-shot names, known labels and seed words, with the documents each gathered."""
    rows = []
    documents = run.documents
    zero_shot = run.manifest.get("clustering", {}).get("zero_shot", {})
    named_fitted = zero_shot.get("matched", {})
    for row in run.topics[run.topics["name"].fillna("") != ""].itertuples():
        taken = documents[(documents["topic"] == row.topic)]
        if row.name in named_fitted:
            rows.append(("zero-shot name", row.name, f"names fitted topic {row.topic} ({row.size:,} documents): "
                         f"fewer than {zero_shot.get('min_documents')} documents were close to it alone"))
            continue
        how = "zero-shot name" if row.origin == "zero-shot" else "known label"
        direct = int(taken["assigned_by"].isin(["zero-shot", "label"]).sum()) if "assigned_by" in taken else 0
        rows.append((how, row.name, f"{row.size:,} documents ({direct:,} by the {how} itself)"))
    for name in zero_shot.get("unused", []):
        rows.append(("zero-shot name", name, f"unused: fewer than {zero_shot.get('min_documents')} documents were "
                     "close to it and no topic fits it"))
    matched = run.manifest.get("clustering", {}).get("seed_words_matched", {})
    for index, words in enumerate(run.config.topics.seed_words):
        rows.append(("seed words", ", ".join(words), f"{matched.get(str(index), 0):,} documents hold them"))
    return pd.DataFrame(rows, columns=["Kind", "Name or words", "Gathered"])


def history_table(run: TopicRun) -> pd.DataFrame:
    """Online updates and edits by hand, oldest first."""
    rows = []
    for update in run.manifest.get("updates", []):
        new = update.get("new_topics", [])
        rows.append((update.get("at", "")[:16], "update", f"{update.get('n_documents', 0):,} documents added from "
                     f"{update.get('source', '')}; {len(new)} new topic(s) {new if new else ''}".strip()))
    for edit in run.manifest.get("edits", []):
        what = {"merge": lambda e: f"merged topics {e.get('groups', e.get('topics'))}",
                "split": lambda e: f"split topic {e.get('topic')} into {e.get('into')}",
                "move": lambda e: f"moved {len(e.get('doc_ids', []))} document(s) to topic {e.get('topic')}"}
        rows.append((edit.get("at", "")[:16], edit.get("op", ""), what.get(edit.get("op"), str)(edit)))
    return pd.DataFrame(rows, columns=["When", "What", "Details"])


def lineage_table(run: TopicRun) -> pd.DataFrame:
    """Topics that came from earlier topics (merged, split, re-fitted, created by an update)."""
    topics = run.topics[run.topics["origin"].isin(["merge", "split", "update", "move", "reduce"]) |
                        run.topics["parents"].map(len).astype(bool)]
    return pd.DataFrame({"Topic": topics["topic"], "Label": topics["label"], "How": topics["origin"],
                         "From topics": topics["parents"].map(lambda p: ", ".join(map(str, p)))})


def outlier_examples(run: TopicRun, n: int = 8, snippet: int = 200) -> pd.DataFrame:
    """The documents that fit their topic least (lowest share of their neighbours' vote), with that topic."""
    chosen = run.documents.sort_values("probability", kind="stable").head(n)
    return pd.DataFrame({"Document": chosen["text"].map(lambda t: _snippet(t, snippet)),
                         "In topic": chosen["topic"].map(run.topic_labels),
                         "Vote share": chosen["probability"].map("{:.0%}".format)}).reset_index(drop=True)


def metrics_table(run: TopicRun) -> pd.DataFrame:
    return metrics_comparison({"Value": run})


def metrics_comparison(runs: dict[str, TopicRun]) -> pd.DataFrame:
    """The runs' quality metrics side by side, one column per run (named by its key), formatted to read."""
    keys = list(dict.fromkeys(key for run in runs.values() for key in run.metrics))
    table = pd.DataFrame({"Metric": [_METRICS.get(key, (key, ""))[0] for key in keys]})
    for column, run in runs.items():
        table[column] = [_metric(key, run.metrics.get(key)) for key in keys]
    table["What it says"] = [_METRICS.get(key, (key, ""))[1] for key in keys]
    return table


def _metric(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key == "outlier_share":
        return f"{value:.1%}"
    if isinstance(value, (int, float, np.number)) and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3f}" if isinstance(value, (float, np.floating)) else str(value)


def changed_settings(run: TopicRun) -> pd.DataFrame:
    """The settings that differ from topiclab's defaults, as `section.key`, with the default beside."""
    defaults = flatten(RunConfig().to_dict())
    rows = [(key, _shown(value), _shown(defaults.get(key))) for key, value in flatten(run.config.to_dict()).items()
            if key not in defaults or defaults[key] != value]
    return pd.DataFrame(rows, columns=["Setting", "Value", "Default"])


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
