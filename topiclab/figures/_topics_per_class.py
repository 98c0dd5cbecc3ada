"""How topics line up with known classes: each class's documents spread over the topics.

Rows are classes, columns topics ordered by the class they draw most from, so topics that follow the
classes form a diagonal. The subtitle gives the agreement as NMI and ARI (1 = the same partition).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from topiclab.errors import FigureError
from topiclab.figures._common import escape, finish, shorten, topic_table
from topiclab.figures.registry import register_figure
from topiclab.results import TopicRun


@register_figure("topics_per_class",
                 title="Topics per class",
                 position=90,
                 about="How each known class spreads over the topics. A class concentrated in one topic was found on "
                       "its own; a class spread over many topics has sub-themes, and a topic shared by several "
                       "classes is a theme they have in common. Shown when the corpus has a class column.",
                 applies=lambda run: "class" in run.documents,
                 missing="This corpus has no class column: give one (<code>--class-col</code>) to compare topics with"
                         " classes.")
def topics_per_class(run: TopicRun) -> go.Figure:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    if "class" not in run.documents:
        raise FigureError(f"Run {run.name!r} has no classes: fit with class_col=... (CLI: --class-col) "
                          "to compare topics with known classes.")
    classes, topics = run.documents["class"].astype(str), run.documents["topic"].astype(int)
    counts = pd.crosstab(classes, topics)
    names = topic_table(run).set_index("topic")["name"]
    dominant = counts.to_numpy().argmax(axis=0)
    peak = (counts / counts.sum(axis=0)).to_numpy().max(axis=0)
    counts = counts.iloc[:, np.lexsort((-peak, dominant))]
    share = counts.div(counts.sum(axis=1), axis=0)
    fig = go.Figure(go.Heatmap(
        z=share.to_numpy(np.float32), x=names[counts.columns].to_numpy(),
        y=[escape(shorten(c, 32)) for c in counts.index], customdata=counts.to_numpy(),
        colorscale="Blues", zmin=0, zmax=1, colorbar={"title": {"text": "share of class"}},
        hovertemplate="class %{y}<br>%{x}<br>%{customdata:,} documents, %{z:.0%} of the class<extra></extra>"))
    fig.update_xaxes(tickangle=45, tickfont_size=10)
    fig.update_yaxes(autorange="reversed", tickfont_size=11)
    nmi, ari = normalized_mutual_info_score(classes, topics), adjusted_rand_score(classes, topics)
    return finish(fig, "Topics per class", f"Share of each class's documents in each topic. Agreement of topics "
                  f"with classes: NMI {nmi:.2f}, ARI {ari:.2f}.", height=max(450, 260 + 24 * len(counts)))
