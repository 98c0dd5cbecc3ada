"""Documents on their 3D UMAP projection (plotly), one trace per topic.

One trace per topic lets the legend show and hide topics; outliers are drawn first, small and grey, so
topics stand out, and every topic is labeled at its center. Above `MAX_POINTS` the map draws a seeded
sample that keeps every topic and says so in its subtitle. Hovering a point shows its topic and the
start of its document, escaped, so a document holding markup is shown as text. The 2D map is the
searchable page in `topiclab.figures.docmap`.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from topiclab.errors import FigureError
from topiclab.figures._common import escape, finish, sample_per_topic, shorten, topic_table
from topiclab.figures.registry import register_figure
from topiclab.results import OUTLIER, TopicRun

#: Most points drawn by default: 3D scenes in headless Chromium (software WebGL) draw and hover within
#: seconds up to about this many (benchmarks/bench_figures.py).
MAX_POINTS = 10_000
LABELED_TOPICS = 20  # more labels than this cover the map
LABEL_CHARS = 32
HOVER_CHARS = 160
LINE_CHARS = 64
HOVER = "<b>%{fullData.name}</b><br>%{text}<extra></extra>"


@register_figure("document_map_3d",
                 title="Document map in 3D",
                 position=20,
                 about="The same documents in three dimensions (up to 10,000 of them, every topic kept): drag to "
                       "rotate, scroll to zoom, hover a dot to read the start of its document.",
                 applies=lambda run: "3d" in run.projections,
                 missing="This run has no 3D coordinates: <code>topiclab figures RUN</code> computes them.",
                 map_points=True)
def document_map_3d(run: TopicRun, max_points: int | None = None) -> go.Figure:
    """3D map of the documents colored by topic; `max_points` overrides the sample size (all: len(documents))."""
    coords = run.projections.get("3d")
    if coords is None:
        raise FigureError(f"Run {run.name!r} has no 3D projection. Add it with `topiclab figures RUN_DIR`, "
                          "or `topiclab.figures.compute_projections(run)` then `run.save()`.")
    documents = run.documents
    if len(coords) != len(documents):
        raise FigureError(f"Run {run.name!r} has {len(coords)} projected points for {len(documents)} documents; "
                          "recompute them: run.projections.clear(), then compute_projections(run).")
    limit = MAX_POINTS if max_points is None else int(max_points)
    if limit < 1:
        raise FigureError(f"max_points must be at least 1, not {max_points!r}.")

    topics = documents["topic"].to_numpy(dtype=int)
    shown = sample_per_topic(topics, limit, run.config.seed)
    hover = hover_texts(documents["text"].iloc[shown])
    table = topic_table(run)
    size = 5 if len(shown) <= 5_000 else 3
    fig = go.Figure()
    for topic in table.itertuples():
        in_topic = topics[shown] == topic.topic
        rows = shown[in_topic]
        outlier = topic.topic == OUTLIER
        marker = {"color": topic.color, "size": size - 1 if outlier else size, "opacity": 0.35 if outlier else 0.8}
        fig.add_trace(go.Scatter3d(x=coords[rows, 0], y=coords[rows, 1], z=coords[rows, 2], mode="markers",
                                   name=topic.name, legendgroup=str(topic.topic), text=hover[in_topic],
                                   customdata=rows.astype(np.int32), hovertemplate=HOVER, marker=marker))

    n_topics = int((table["topic"] != OUTLIER).sum())
    counted = (f"{len(shown):,} of {len(documents):,} documents shown: a sample that keeps every topic"
               if len(shown) < len(documents) else f"{len(documents):,} documents")
    finish(fig, "Documents by topic (3D UMAP projection)",
           f"{counted}; {n_topics} topics. Drag to rotate; click the legend to hide or show a topic.", height=750)
    axis = {"showticklabels": False, "title": {"text": ""}, "showbackground": False, "showspikes": False}
    fig.update_layout(legend={"itemsizing": "constant", "title": {"text": "Topics"}}, hovermode="closest",
                      scene={"xaxis": axis, "yaxis": axis, "zaxis": axis, "annotations": _labels(coords, topics, table)})
    return fig


def hover_texts(texts: pd.Series) -> np.ndarray:
    """The start of each text, whitespace collapsed, escaped, and wrapped into lines with <br>."""
    start = texts.astype(str).str.slice(0, 4 * HOVER_CHARS).str.replace(r"\s+", " ", regex=True).str.strip()
    long = start.str.len() > HOVER_CHARS
    start = start.str.slice(0, HOVER_CHARS).where(~long, start.str.slice(0, HOVER_CHARS - 1).str.rstrip() + "…")
    escaped = start.map(escape)
    wrapped = escaped.str.replace(rf"(.{{1,{LINE_CHARS}}})(?: |$)", r"\1<br>", regex=True).str.removesuffix("<br>")
    return wrapped.to_numpy(dtype=object)


def _labels(coords: np.ndarray, topics: np.ndarray, table: pd.DataFrame) -> list[dict]:
    """Labels of the largest topics at the median of their documents (all of them, not the sample)."""
    labeled = table[table["topic"] != OUTLIER].nlargest(LABELED_TOPICS, "size")
    labels = []
    for topic in labeled.itertuples():
        center = np.median(coords[topics == topic.topic], axis=0)
        text = escape(shorten(html.unescape(topic.name), LABEL_CHARS))
        labels.append({**dict(zip("xyz", center.tolist())), "text": text, "showarrow": False, "borderpad": 2,
                       "font": {"size": 11, "color": "#111"}, "bgcolor": "rgba(255,255,255,0.75)",
                       "bordercolor": topic.color})
    return labels
