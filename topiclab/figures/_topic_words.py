"""Each topic's top words as horizontal bars, for the c-TF-IDF words and every other word aspect.

An aspect is a pair of topic columns `words_<aspect>` / `word_scores_<aspect>` (KeyBERT, MMR, ...); the
c-TF-IDF words are `words` / `word_scores`. With several aspects, one figure holds them all and a menu
switches between them, so a report shows one chart per run rather than one per aspect.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from topiclab.errors import FigureError
from topiclab.figures._common import escape, finish, topic_table
from topiclab.figures.registry import register_figure, topic_count
from topiclab.results import OUTLIER, TopicRun

CTFIDF = "c-TF-IDF"
DEFAULT_TOPICS = 12
COLUMNS = 3
WORDS = 10


def word_aspects(run: TopicRun) -> list[str]:
    """The word aspects this run holds besides c-TF-IDF, e.g. ['keybert', 'mmr']."""
    columns = set(run.topics.columns)
    return [c.removeprefix("words_") for c in run.topics.columns
            if c.startswith("words_") and f"word_scores_{c.removeprefix('words_')}" in columns]


@register_figure("topic_words",
                 title="Topic words",
                 position=30,
                 about="The most distinctive words of each topic with their c-TF-IDF scores: a long bar means the "
                       "word is frequent in this topic and rare in the others. Topics whose first words are names, "
                       "places or jargon are usually sharp; topics led by generic words are often mixtures worth "
                       "splitting (a finer <code>topics.level</code>).",
                 applies=lambda run: topic_count(run) >= 1,
                 missing="No topics were found, so there are no topic words to show.")
def topic_words(run: TopicRun, aspect: Optional[str] = None, topics: Optional[Sequence[int]] = None) -> go.Figure:
    """Bars of the top words of `topics` (default: the 12 largest); `aspect` None: all aspects, with a menu."""
    aspects = {CTFIDF: ("words", "word_scores"), **{a: (f"words_{a}", f"word_scores_{a}") for a in word_aspects(run)}}
    if aspect is not None:
        if aspect not in aspects:
            raise FigureError(f"Run {run.name!r} has no word aspect {aspect!r}; it has "
                              + ", ".join(repr(a) for a in aspects) + " (aspect=None draws them all).")
        aspects = {aspect: aspects[aspect]}
    table = topic_table(run, outliers=False)
    chosen = _chosen(run, table, topics)

    rows = math.ceil(len(chosen) / COLUMNS)
    fig = make_subplots(rows=rows, cols=COLUMNS, subplot_titles=chosen["name"].tolist(),
                        horizontal_spacing=0.14, vertical_spacing=min(0.3 / rows, 0.08))
    for shown, (words, scores) in enumerate(aspects.values()):
        for i, topic in enumerate(chosen.itertuples()):
            bars = list(zip(_items(getattr(topic, words)), _items(getattr(topic, scores))))[:WORDS][::-1]
            fig.add_trace(go.Bar(x=[s for _, s in bars], y=[escape(w) for w, _ in bars], orientation="h",
                                 marker_color=topic.color, name=topic.name, showlegend=False, visible=shown == 0,
                                 hovertemplate="%{y}: %{x:.3g}<extra></extra>"),
                          row=i // COLUMNS + 1, col=i % COLUMNS + 1)
    fig.update_annotations(font_size=12)
    fig.update_yaxes(tickfont_size=11)
    count = (f"the {len(chosen)} largest of {len(table)} topics" if topics is None and len(chosen) < len(table)
             else f"{len(chosen)} topics")
    names = list(aspects)
    finish(fig, f"Top words per topic ({names[0]})", f"Score of each word for its topic; {count}.",
           height=130 + 230 * rows)
    fig.update_layout(margin_t=120)  # room for the first row's titles below the subtitle
    if len(names) > 1:
        fig.update_layout(updatemenus=[{
            "x": 1.0, "y": 1 + 100 / (fig.layout.height - 160), "xanchor": "right", "yanchor": "top", "active": 0,
            "buttons": [{"label": escape(name), "method": "update",
                         "args": [{"visible": [a == name for a in names for _ in range(len(chosen))]},
                                  {"title.text": escape(f"Top words per topic ({name})")}]} for name in names]}])
    return fig


def _items(value) -> list:
    """A list cell as a list; an aspect may have no words for a topic (None)."""
    return list(value) if isinstance(value, (list, tuple, np.ndarray)) else []


def _chosen(run: TopicRun, table, topics: Optional[Sequence[int]]):
    if topics is None:
        chosen = table.nlargest(DEFAULT_TOPICS, "size", keep="first").sort_values("topic")
    else:
        unknown = sorted(set(topics) - set(table["topic"]))
        if unknown:
            raise FigureError(f"No topics {unknown} with words in run {run.name!r} (outliers, {OUTLIER}, have "
                              f"none); its topics are {table['topic'].tolist()}.")
        chosen = table.set_index("topic", drop=False).loc[list(topics)]
    if chosen.empty:
        raise FigureError(f"Run {run.name!r} has no topics besides outliers, so no words to draw.")
    return chosen
