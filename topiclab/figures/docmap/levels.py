"""Coarse-to-fine groupings of the topics, for the map's labels by zoom level.

The levels are the run's saved hierarchy (`run.hierarchy`, built and named with the topics: see
`topiclab.represent.hierarchy`), coarsest first, then the topics themselves with their labels. A run saved
without one gets the same grouping computed here, its groups labeled by the words their topics share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from topiclab.represent.hierarchy import hierarchy_table, shown_name
from topiclab.results import OUTLIER, TopicRun


@dataclass(frozen=True)
class Level:
    """One zoom level: groups of topic ids and a label for each; `zoom` is how far (in powers of two
    past the view that shows all points) the map is zoomed in before this level's labels show."""

    groups: list[list[int]]
    labels: list[str]
    zoom: float


def topic_levels(run: TopicRun) -> list[Level]:
    """Levels from coarsest to finest; the last has one group per topic (outliers never get a label)."""
    topics = run.topics[run.topics["topic"] != OUTLIER].sort_values("topic")
    finest = Level([[int(t)] for t in topics["topic"]], [shown_name(label) for label in topics["label"]], 0.0)
    hierarchy = run.hierarchy if run.hierarchy is not None else hierarchy_table(run.topics, run.topic_embeddings)
    cuts = [(level.sort_values("group")["topics"].map(lambda ts: [int(t) for t in ts]).tolist(),
             level.sort_values("group")["title"].astype(str).tolist())
            for _, level in sorted(hierarchy.groupby("level"), key=lambda pair: pair[0])]
    if not cuts:
        return [finest]
    sizes = [len(groups) for groups, _ in cuts] + [len(finest.groups)]
    # Each level has about FAN_OUT times more labels; zooming in by 2**(log2(ratio)/2) keeps them as far apart.
    zooms = np.concatenate([[0.0], np.cumsum(0.5 * np.log2(np.array(sizes[1:]) / np.array(sizes[:-1])))])
    levels = [Level(groups, labels, float(zoom)) for (groups, labels), zoom in zip(cuts, zooms[:-1])]
    return levels + [Level(finest.groups, finest.labels, float(zooms[-1]))]
