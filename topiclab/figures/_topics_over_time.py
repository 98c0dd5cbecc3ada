"""Documents per topic per period, for runs whose corpus had a timestamp column.

The period is chosen from the time span (day, week, month, quarter, year) unless `freq` is given. The
largest topics are drawn and the rest wait in the legend, so a run with many topics stays readable.
"""

from __future__ import annotations

from typing import Optional

import pandas as pd
import plotly.graph_objects as go

from topiclab.errors import FigureError
from topiclab.figures._common import finish, topic_table
from topiclab.figures.registry import register_figure
from topiclab.results import OUTLIER, TopicRun

#: Finest period first, with its length in days; the first that gives at most MAX_PERIODS periods is used.
PERIODS = (("D", "day", 1), ("W", "week", 7), ("MS", "month", 30.44), ("QS", "quarter", 91.31), ("YS", "year", 365.25))
MAX_PERIODS = 120
SHOWN_TOPICS = 6


@register_figure("topics_over_time",
                 title="Topics over time",
                 position=80,
                 about="How many documents each topic has per period; click legend entries to compare a few topics. "
                       "Peaks are events or campaigns, steady lines are standing themes. Shown when the corpus has a "
                       "timestamp column.",
                 applies=lambda run: "timestamp" in run.documents and bool(run.documents["timestamp"].notna().any()),
                 missing="This corpus has no timestamp column: give one (<code>--timestamp-col</code>) to see topics "
                         "over time.")
def topics_over_time(run: TopicRun, freq: Optional[str] = None) -> go.Figure:
    """Documents per topic per period; `freq` is a pandas frequency such as 'W' or 'MS'."""
    if "timestamp" not in run.documents:
        raise FigureError(f"Run {run.name!r} has no timestamps: fit with timestamp_col=... (CLI: --timestamp-col) "
                          "to draw topics over time.")
    documents = run.documents[["timestamp", "topic"]].dropna(subset=["timestamp"])
    if documents.empty:
        raise FigureError(f"Run {run.name!r} has no document with a timestamp.")
    freq, period = _period(documents["timestamp"], freq)
    try:
        grouper = pd.Grouper(key="timestamp", freq=freq)
    except ValueError:
        raise FigureError(f"freq={freq!r} is not a pandas frequency; use e.g. 'D', 'W', 'MS', 'QS' or 'YS'.") from None
    counts = documents.groupby([grouper, "topic"]).size().unstack(fill_value=0)
    totals = counts.sum(axis=1).clip(lower=1)
    table = topic_table(run)
    largest = set(table[table["topic"] != OUTLIER].nlargest(SHOWN_TOPICS, "size")["topic"])
    fig = go.Figure()
    for topic in table.itertuples():
        if topic.topic not in counts:
            continue
        fig.add_trace(go.Scatter(
            x=counts.index, y=counts[topic.topic], mode="lines", name=topic.name,
            line={"color": topic.color, "width": 1 if topic.topic == OUTLIER else 2},
            customdata=(100 * counts[topic.topic] / totals).round(1),
            visible=True if topic.topic in largest else "legendonly",
            hovertemplate=f"<b>%{{fullData.name}}</b><br>%{{x}}: %{{y:,}} documents (%{{customdata}}% of the {period})"
                          "<extra></extra>"))
    fig.update_yaxes(title_text=f"documents per {period}", rangemode="tozero")
    fig.update_layout(legend={"title": {"text": "Topics"}}, hovermode="closest")
    dropped = len(run.documents) - len(documents)
    note = f"; {dropped:,} documents without a timestamp left out" if dropped else ""
    return finish(fig, "Topics over time", f"Documents per {period}; the {len(largest)} largest topics shown, "
                  f"the others in the legend{note}.", height=600)


def _period(timestamps: pd.Series, freq: Optional[str]) -> tuple[str, str]:
    if freq is not None:
        return freq, {code: name for code, name, _ in PERIODS}.get(freq, f"period ({freq})")
    days = (timestamps.max() - timestamps.min()) / pd.Timedelta(days=1)
    code, name, _ = next((p for p in PERIODS if days / p[2] <= MAX_PERIODS), PERIODS[-1])
    return code, name
