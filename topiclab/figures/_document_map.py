"""Documents on their 2D (WebGL) or 3D UMAP projection, one trace per topic.

One trace per topic lets the legend show and hide topics; outliers are drawn first, small and grey, so
topics stand out, and the largest topics are labeled at their centers. Above `MAX_POINTS` the map draws
a seeded sample that keeps every topic and says so in its subtitle. Hovering a point shows its topic and
the start of its document, escaped, so a document holding markup is shown as text.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from topiclab.errors import FigureError
from topiclab.figures._common import escape, finish, shorten, topic_table
from topiclab.results import OUTLIER, TopicRun

#: Most points drawn by default. Measured in benchmarks/bench_figures.py: at 50,000 points a map of long
#: documents (160 hover characters each) stays under 15 MB with plotly.js, and draws and hovers within
#: 5 s in headless Chromium (software WebGL); 3D scenes are slower to draw, so they get fewer points.
MAX_POINTS = {2: 50_000, 3: 10_000}
LABELED_TOPICS = 20  # more labels than this cover the map
LABEL_CHARS = 32
MIN_PER_TOPIC = 10  # points kept per topic in a sample (all of a smaller topic), so its label has a cloud
HOVER_CHARS = 160
LINE_CHARS = 64
HOVER = "<b>%{fullData.name}</b><br>%{text}<extra></extra>"


def document_map(run: TopicRun, dims: int = 2, max_points: int | None = None) -> go.Figure:
    """Map of the documents colored by topic; `max_points` overrides the sample size (all: len(documents))."""
    if dims not in (2, 3):
        raise FigureError(f"dims must be 2 or 3, not {dims!r}.")
    coords = run.projections.get(f"{dims}d")
    if coords is None:
        raise FigureError(f"Run {run.name!r} has no {dims}D projection. Add it with `topiclab figures RUN_DIR`, "
                          "or `topiclab.figures.compute_projections(run)` then `run.save()`.")
    documents = run.documents
    if len(coords) != len(documents):
        raise FigureError(f"Run {run.name!r} has {len(coords)} projected points for {len(documents)} documents; "
                          "recompute them: run.projections.clear(), then compute_projections(run).")
    limit = MAX_POINTS[dims] if max_points is None else int(max_points)
    if limit < 1:
        raise FigureError(f"max_points must be at least 1, not {max_points!r}.")

    topics = documents["topic"].to_numpy(dtype=int)
    shown = sample_per_topic(topics, limit, run.config.seed)
    hover = hover_texts(documents["text"].iloc[shown])
    table = topic_table(run)
    size = 6 if len(shown) <= 5_000 else 4 if len(shown) <= 30_000 else 3
    fig = go.Figure()
    for topic in table.itertuples():
        in_topic = topics[shown] == topic.topic
        rows = shown[in_topic]
        outlier = topic.topic == OUTLIER
        marker = {"color": topic.color, "size": size - 1 if outlier else size, "opacity": 0.35 if outlier else 0.8}
        points = {"x": coords[rows, 0], "y": coords[rows, 1], "mode": "markers", "name": topic.name,
                  "legendgroup": str(topic.topic), "text": hover[in_topic], "customdata": rows.astype(np.int32),
                  "hovertemplate": HOVER}
        fig.add_trace(go.Scattergl(**points, marker=marker) if dims == 2 else
                      go.Scatter3d(**points, z=coords[rows, 2], marker={**marker, "size": marker["size"] - 1}))

    n_topics = int((table["topic"] != OUTLIER).sum())
    counted = (f"{len(shown):,} of {len(documents):,} documents shown: a sample that keeps every topic"
               if len(shown) < len(documents) else f"{len(documents):,} documents")
    finish(fig, f"Documents by topic ({dims}D UMAP projection)",
           f"{counted}; {n_topics} topics. Click the legend to hide or show a topic.", height=750)
    fig.update_layout(legend={"itemsizing": "constant", "title": {"text": "Topics"}}, hovermode="closest")
    labels = _labels(coords, topics, table)
    if dims == 2:
        x_range, y_range = _view(coords[:, 0]), _view(coords[:, 1])
        fig.update_layout(xaxis={"visible": False, "range": x_range},
                          yaxis={"visible": False, "range": y_range, "scaleanchor": "x"}, annotations=labels)
    else:
        axis = {"showticklabels": False, "title": {"text": ""}, "showbackground": False, "showspikes": False}
        fig.update_layout(scene={"xaxis": axis, "yaxis": axis, "zaxis": axis, "annotations": labels})
    return fig


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


def hover_texts(texts: pd.Series) -> np.ndarray:
    """The start of each text, whitespace collapsed, escaped, and wrapped into lines with <br>."""
    start = texts.astype(str).str.slice(0, 4 * HOVER_CHARS).str.replace(r"\s+", " ", regex=True).str.strip()
    long = start.str.len() > HOVER_CHARS
    start = start.str.slice(0, HOVER_CHARS).where(~long, start.str.slice(0, HOVER_CHARS - 1).str.rstrip() + "…")
    escaped = start.map(escape)
    wrapped = escaped.str.replace(rf"(.{{1,{LINE_CHARS}}})(?: |$)", r"\1<br>", regex=True).str.removesuffix("<br>")
    return wrapped.to_numpy(dtype=object)


def _view(values: np.ndarray) -> list[float]:
    """The range holding 99% of the points: UMAP puts small detached groups far out, which would
    squeeze the rest into a corner. Double-click or the autoscale button shows them all."""
    low, high = np.percentile(values, [0.5, 99.5])
    pad = 0.05 * (high - low) or 1.0
    return [float(low - pad), float(high + pad)]


def _labels(coords: np.ndarray, topics: np.ndarray, table: pd.DataFrame) -> list[dict]:
    """Labels of the largest topics at the median of their documents (all of them, not the sample).

    Annotations, because they draw above the WebGL points, where text traces would be hidden under them.
    """
    labeled = table[table["topic"] != OUTLIER].nlargest(LABELED_TOPICS, "size")
    labels = []
    for topic in labeled.itertuples():
        center = np.median(coords[topics == topic.topic], axis=0)
        text = escape(shorten(html.unescape(topic.name), LABEL_CHARS))
        labels.append({**dict(zip("xyz", center.tolist())), "text": text, "showarrow": False, "borderpad": 2,
                       "font": {"size": 11, "color": "#111"}, "bgcolor": "rgba(255,255,255,0.75)",
                       "bordercolor": topic.color})
    return labels
