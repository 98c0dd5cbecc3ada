"""The topics as a tree: which topics merge first when their centroids are compared (a dendrogram).

Average linkage on cosine distance between topic centroids; the x axis is the distance at which two
branches join, so close topics are candidates to merge (`topics.nr_topics`).
"""

from __future__ import annotations

from functools import partial

import plotly.graph_objects as go

from topiclab.figures._common import DISTANCE, LINKAGE, finish, topic_vectors
from topiclab.figures.registry import compares_topics, register_figure
from topiclab.results import TopicRun


@register_figure("topic_hierarchy",
                 title="Topic hierarchy",
                 position=60,
                 about="Topics joined step by step by the similarity of their words: topics that join low in the tree"
                       " (short branches) are close relatives, and each branch point suggests what a merged topic "
                       "would cover.",
                 applies=compares_topics,
                 missing="Too few topics for a hierarchy.")
def topic_hierarchy(run: TopicRun) -> go.Figure:
    import plotly.figure_factory as ff
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    table, vectors = topic_vectors(run)
    fig = ff.create_dendrogram(vectors, orientation="left", labels=table["name"].tolist(),
                               distfun=partial(pdist, metric=DISTANCE), linkagefun=partial(linkage, method=LINKAGE))
    fig.update_traces(hoverinfo="skip")
    fig.update_layout(autosize=True, width=None)  # the figure factory fixes a width; let the page decide
    fig.update_xaxes(title_text=f"{DISTANCE} distance between merged topics", showgrid=True, zeroline=False)
    fig.update_yaxes(tickfont_size=11, showgrid=False, zeroline=False)
    return finish(fig, "Topic hierarchy", f"{len(table)} topics joined by {LINKAGE} linkage of their centroids; "
                  "topics that join at a small distance are close.", height=160 + 20 * len(table))
