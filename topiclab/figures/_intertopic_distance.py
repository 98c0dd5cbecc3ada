"""Topics as bubbles placed by how alike their centroids are, sized by their documents.

The place is the first two principal components of the L2-normalized topic centroids, i.e. classical
scaling of their chord distances (as LDAvis draws topics): deterministic, and exact for a few hundred topics.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from topiclab.figures._common import finish, topic_vectors
from topiclab.figures.registry import compares_topics, register_figure
from topiclab.results import TopicRun

BUBBLE_PX = 60  # diameter of the largest topic's bubble


@register_figure("intertopic_distance",
                 title="Intertopic distance map",
                 position=50,
                 about="Each circle is a topic, sized by its documents, placed so that topics with similar words are "
                       "close. Overlapping circles are candidates for merging (<code>topics.nr_topics</code>); "
                       "isolated ones are distinct themes.",
                 applies=compares_topics,
                 missing="Too few topics to place on a distance map.")
def intertopic_distance(run: TopicRun) -> go.Figure:
    table, vectors = topic_vectors(run)
    centered = vectors - vectors.mean(axis=0)
    _, singular, vt = np.linalg.svd(centered, full_matrices=False)  # PCA, without importing scikit-learn
    xy = centered @ vt[:2].T
    explained = singular[:2] ** 2 / max(float((singular ** 2).sum()), 1e-12)
    fig = go.Figure(go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers+text", text=table["topic"].astype(str), textfont_size=10,
        marker={"size": table["size"], "sizemode": "area", "sizeref": 2 * table["size"].max() / BUBBLE_PX ** 2,
                "sizemin": 4, "color": table["color"], "opacity": 0.6, "line": {"color": "white", "width": 1}},
        customdata=np.stack([table["name"], table["size"]], axis=1),
        hovertemplate="%{customdata[0]}<br>%{customdata[1]:,} documents<extra></extra>"))
    fig.update_xaxes(title_text=f"PC1 ({explained[0]:.0%} of variance)", zeroline=True, showticklabels=False)
    fig.update_yaxes(title_text=f"PC2 ({explained[1]:.0%} of variance)", zeroline=True, showticklabels=False,
                     scaleanchor="x")
    return finish(fig, "Intertopic distance map",
                  f"{len(table)} topics placed by their centroids' similarity (principal components); "
                  "bubble area is the number of documents.", height=650)
