"""Documents per topic, largest first, outliers last in grey: how evenly the corpus splits."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from topiclab.figures._common import finish, topic_table
from topiclab.figures.registry import register_figure
from topiclab.results import OUTLIER, TopicRun


@register_figure("topic_sizes",
                 title="Topic sizes",
                 position=40,
                 about="Documents per topic. A few giant topics next to many tiny ones often means the clustering "
                       "merged unlike documents; raising <code>umap.n_neighbors</code> or choosing a finer "
                       "<code>topics.level</code> changes the balance.")
def topic_sizes(run: TopicRun) -> go.Figure:
    table = topic_table(run)
    table = table.assign(outlier=table["topic"] == OUTLIER).sort_values(["outlier", "size"], ascending=[True, False])
    share = table["size"] / table["size"].sum()
    fig = go.Figure(go.Bar(x=table["size"], y=table["name"], orientation="h", marker_color=table["color"],
                           customdata=np.round(100 * share, 1),
                           hovertemplate="%{y}<br>%{x:,} documents (%{customdata}%)<extra></extra>"))
    fig.update_yaxes(autorange="reversed", tickfont_size=11)
    fig.update_xaxes(title_text="documents")
    n_topics = int((~table["outlier"]).sum())
    outliers = f"; {share[table['outlier']].sum():.1%} outliers (grey)" if table["outlier"].any() else ""
    return finish(fig, "Topic sizes", f"{table['size'].sum():,} documents in {n_topics} topics{outliers}.",
                  height=160 + 22 * len(table))
