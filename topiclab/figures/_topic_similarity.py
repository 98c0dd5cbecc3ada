"""Cosine similarity between topic centroids as a heatmap, ordered by the topic hierarchy.

Ordering rows and columns by the dendrogram's leaves puts related topics side by side, so groups of
similar topics show up as blocks along the diagonal.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from topiclab.figures._common import finish, topic_linkage, topic_vectors
from topiclab.figures.registry import compares_topics, register_figure
from topiclab.results import TopicRun


@register_figure("topic_similarity",
                 title="Topic similarity",
                 position=70,
                 about="Cosine similarity between topics (1 on the diagonal). Dark off-diagonal cells pair topics "
                       "that say nearly the same thing; a dark block marks a family of related topics.",
                 applies=compares_topics,
                 missing="Too few topics for a similarity map.")
def topic_similarity(run: TopicRun) -> go.Figure:
    from scipy.cluster.hierarchy import leaves_list

    table, vectors = topic_vectors(run)
    order = leaves_list(topic_linkage(vectors))
    names = table["name"].to_numpy()[order]
    similarity = (vectors[order] @ vectors[order].T).astype(np.float32)
    off_diagonal = similarity[~np.eye(len(order), dtype=bool)]
    fig = go.Figure(go.Heatmap(z=similarity, x=names, y=names, colorscale="Viridis", zmin=float(off_diagonal.min()),
                               zmax=1.0, colorbar={"title": {"text": "cosine"}},
                               hovertemplate="%{y}<br>%{x}<br>similarity %{z:.2f}<extra></extra>"))
    fig.update_xaxes(tickangle=45, tickfont_size=10)
    fig.update_yaxes(autorange="reversed", tickfont_size=10)
    size = 300 + 18 * len(order)
    return finish(fig, "Topic similarity", f"Cosine similarity of the {len(order)} topic centroids, "
                  "in hierarchy order.", height=size)
