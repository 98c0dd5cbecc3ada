"""The topics as a tree: which topics merge first when their centroids are compared (a dendrogram).

The Ward-linkage tree of the topic centroids that the run's saved hierarchy is cut from
(`represent.hierarchy`), so each named parent of the hierarchy is one branch of the drawing: its name is
written at the branch point where its topics join. The x axis is the Ward distance at which two branches
join, so topics that join low are close relatives and candidates to merge.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from topiclab.figures._common import escape, finish, shorten, topic_vectors
from topiclab.figures.registry import compares_topics, register_figure
from topiclab.represent.hierarchy import topic_tree
from topiclab.results import TopicRun


@register_figure("topic_hierarchy",
                 title="Topic hierarchy",
                 position=60,
                 about="Topics joined step by step by the similarity of their documents: topics that join low in the "
                       "tree (short branches) are close relatives; a branch named in the run's hierarchy carries "
                       "its name where its topics join.",
                 applies=compares_topics,
                 missing="Too few topics for a hierarchy.")
def topic_hierarchy(run: TopicRun) -> go.Figure:
    import plotly.figure_factory as ff

    table, vectors = topic_vectors(run)
    tree = topic_tree(vectors)
    fig = ff.create_dendrogram(vectors, orientation="left", labels=table["name"].tolist(), linkagefun=lambda _: tree)
    fig.update_traces(hoverinfo="skip")
    named = branch_names(tree, table["topic"].astype(int).tolist(), run.hierarchy, dict(
        zip(fig.layout.yaxis.ticktext, fig.layout.yaxis.tickvals)), table["name"].tolist())
    if len(named):
        fig.add_trace(go.Scatter(x=named["x"], y=named["y"], text=named["text"], hovertext=named["hover"],
                                 hoverinfo="text", mode="markers+text", textposition="top left",
                                 marker={"size": 6, "color": "#444"}, textfont={"size": 11}, showlegend=False,
                                 name="parent names"))
    fig.update_layout(autosize=True, width=None)  # the figure factory fixes a width; let the page decide
    fig.update_xaxes(title_text="Ward distance between merged branches", showgrid=True, zeroline=False)
    fig.update_yaxes(tickfont_size=11, showgrid=False, zeroline=False)
    about = f"; {len(named)} branches carry their names from the run's hierarchy" if len(named) else ""
    return finish(fig, "Topic hierarchy", f"{len(table)} topics joined by Ward linkage of their centroids{about}; "
                  "topics that join at a small distance are close.", height=160 + 20 * len(table))


def branch_names(tree: np.ndarray, topics: list[int], hierarchy: Optional[pd.DataFrame],
                 leaf_position: dict[str, float], leaf_names: list[str]) -> pd.DataFrame:
    """Where each parent of the saved `hierarchy` sits in the drawn `tree` (rows: the topics in `topics`'
    order, placed at `leaf_position` by their `leaf_names`): x the height at which its topics join, y the
    middle of the two branches joined there, and its names coarsest first. A group of one topic, or one
    that is not a branch of this tree (a hierarchy saved from other centroids), is left out."""
    columns = ["x", "y", "text", "hover"]
    if hierarchy is None or not len(hierarchy):
        return pd.DataFrame(columns=columns)
    position = [float(leaf_position[name]) for name in leaf_names]
    leaves = [frozenset([t]) for t in topics]
    names: dict[frozenset, list[str]] = {}
    for row in hierarchy.sort_values("level").itertuples():
        names.setdefault(frozenset(int(t) for t in row.topics), []).append(str(row.title))
    rows = []
    for left, right, height, _ in tree:
        left, right = int(left), int(right)
        leaves.append(leaves[left] | leaves[right])
        position.append((position[left] + position[right]) / 2)
        titles = names.get(leaves[-1], [])
        if titles:
            rows.append({"x": float(height), "y": position[-1], "text": escape(shorten(" / ".join(titles))),
                         "hover": escape(f"{' / '.join(titles)}: {len(leaves[-1])} topics")})
    return pd.DataFrame(rows, columns=columns)
