"""What every figure shares: one color and one display label per topic, escaping, layout, run checks.

Plotly renders a few HTML tags (`<b>`, `<a>`, `<br>`) in any text it draws, so every string that comes
from the data (documents, labels, words, classes) goes through `escape`: it is then shown as typed.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from topiclab.errors import FigureError
from topiclab.results import OUTLIER, TopicRun

PALETTE = qualitative.Dark24
OUTLIER_COLOR = "#c4c4c4"
TEMPLATE = "plotly_white"
LABEL_CHARS = 48
MIN_PER_TOPIC = 10  # points kept per topic in a sample (all of a smaller topic), so its label has a cloud
DISTANCE, LINKAGE = "cosine", "average"  # how topics are compared and ordered in the similarity heatmap


def escape(text) -> str:
    """`text` as plotly text that displays literally (`<`, `>`, `&` become entities)."""
    return html.escape(str(text), quote=False)


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def topic_table(run: TopicRun, outliers: bool = True) -> pd.DataFrame:
    """The topics sorted by id, with `name` (a unique, escaped, shortened label) and `color`."""
    topics = run.topics.sort_values("topic").reset_index(drop=True)
    ids = topics["topic"].astype(int)
    regular = ids[ids != OUTLIER]
    colors = dict(zip(regular, (PALETTE[i % len(PALETTE)] for i in range(len(regular)))))
    names = [_unique_label(t, label) for t, label in zip(ids, topics["label"])]
    topics = topics.assign(topic=ids, name=[escape(shorten(n)) for n in names],
                           color=[colors.get(t, OUTLIER_COLOR) for t in ids])
    return topics if outliers else topics[topics["topic"] != OUTLIER].reset_index(drop=True)


def topic_vectors(run: TopicRun, least: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    """Non-outlier topics and their L2-normalized embeddings, row for row."""
    if run.topic_embeddings is None:
        raise FigureError(f"Run {run.name!r} has no topic embeddings (topic_embeddings.npy); fit it again.")
    table = topic_table(run)
    rows = dict(zip(run.topics["topic"].astype(int), run.topic_embeddings))
    table = table[table["topic"] != OUTLIER].reset_index(drop=True)
    if len(table) < least:
        raise FigureError(f"Run {run.name!r} has {len(table)} topic(s); this figure compares at least {least}.")
    vectors = np.vstack([rows[t] for t in table["topic"]]).astype(np.float64)
    return table, vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def sample_per_topic(topics: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """Sorted row indices of about `limit` documents: each topic keeps its share, and at least MIN_PER_TOPIC."""
    if len(topics) <= limit:
        return np.arange(len(topics))
    rng = np.random.default_rng(seed)
    order = np.argsort(topics, kind="stable")
    _, starts, sizes = np.unique(topics[order], return_index=True, return_counts=True)
    quotas = np.minimum(sizes, np.maximum(sizes * limit // len(topics), MIN_PER_TOPIC))
    kept = [rng.choice(order[start:start + size], quota, replace=False)
            for start, size, quota in zip(starts, sizes, quotas)]
    return np.sort(np.concatenate(kept))


def finish(fig: go.Figure, title: str, subtitle: str = "", height: int = 600) -> go.Figure:
    """The layout every figure shares: title with an explaining subtitle, white template."""
    fig.update_layout(title={"text": escape(title), "subtitle": {"text": escape(subtitle)}}, template=TEMPLATE,
                      height=height, margin={"t": 90, "l": 20, "r": 20, "b": 40})
    return fig


def topic_linkage(vectors: np.ndarray) -> np.ndarray:
    """Average-linkage tree of the topics on cosine distance: the similarity heatmap's order (the hierarchy figure
    draws the Ward tree the saved hierarchy is cut from, `represent.hierarchy.topic_tree`)."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    return linkage(pdist(vectors, DISTANCE), method=LINKAGE)


def _unique_label(topic: int, label: str) -> str:
    """Labels may repeat (hand-written or LLM labels); prefixing the id keeps them apart on axes."""
    label = str(label)
    return label if label.startswith(f"{topic}:") else f"{topic}: {label}"
