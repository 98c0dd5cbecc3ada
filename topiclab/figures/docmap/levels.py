"""Coarse-to-fine groupings of the topics, for the map's labels by zoom level.

The one place that turns a run's topic hierarchy into levels: today a Ward-linkage tree of the topic
centroids, cut into nested partitions, each
about `FAN_OUT` times coarser than the next, down to no fewer than `MIN_GROUPS` groups; the finest level
is the topics themselves (20 topics: 5 groups, then the topics; 150: 10, 38, 150). A saved hierarchy
on the run would be read here instead. Ward rather than the average linkage the hierarchy figure draws:
cut into a few groups, average linkage leaves one giant group beside a few tiny outlying topics (PyPI
summaries, 5 groups: 96% of the documents in one), while Ward's groups are even (at most 40%).

A coarse group is labeled by the words its topics share: each topic's c-TF-IDF word scores, weighted by
the topic's size, summed over the group, top `GROUP_WORDS`. That names what the group is about as a
whole; the label of its largest topic would name only its largest part.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from topiclab.figures._common import topic_vectors
from topiclab.results import OUTLIER, TopicRun

FAN_OUT = 4  # topics per group from one level to the next coarser one
MIN_GROUPS = 4  # no level with fewer groups
GROUP_WORDS = 3


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
    ids = topics["topic"].astype(int).tolist()
    finest = Level([[t] for t in ids], [_display_label(label) for label in topics["label"]], 0.0)
    if -(-len(ids) // FAN_OUT) < MIN_GROUPS or run.topic_embeddings is None:
        return [finest]
    from scipy.cluster.hierarchy import fcluster, linkage

    table, vectors = topic_vectors(run)
    tree = linkage(vectors, method="ward")  # unit vectors: euclidean distance orders pairs as cosine does
    counts, k = [], -(-len(ids) // FAN_OUT)
    while k >= MIN_GROUPS:
        counts.append(k)
        k = -(-k // FAN_OUT)
    cuts = []
    for count in reversed(counts):  # coarsest first; cuts of one tree are nested
        members = defaultdict(list)
        for topic, cluster in zip(table["topic"], fcluster(tree, count, criterion="maxclust")):
            members[int(cluster)].append(int(topic))
        if len(members) > 1 and (not cuts or len(members) > len(cuts[-1])):
            cuts.append(sorted(members.values(), key=min))
    words = _weighted_words(run)
    groups = [cut for cut in cuts if len(cut) < len(ids)] + [finest.groups]
    sizes = [len(g) for g in groups]
    # Each level has about FAN_OUT times more labels; zooming in by 2**(log2(ratio)/2) keeps them as far apart.
    zooms = np.concatenate([[0.0], np.cumsum(0.5 * np.log2(np.array(sizes[1:]) / np.array(sizes[:-1])))])
    levels = [Level(cut, [_group_label(group, words) for group in cut], float(zoom))
              for cut, zoom in zip(groups[:-1], zooms[:-1])]
    return levels + [Level(finest.groups, finest.labels, float(zooms[-1]))]


def _display_label(label) -> str:
    """A topic's label without its 'id: ' prefix (the legend shows the id)."""
    head, sep, tail = str(label).partition(": ")
    return tail if sep and head.lstrip("-").isdigit() and tail else str(label)


def _weighted_words(run: TopicRun) -> dict[int, dict[str, float]]:
    weighted = {}
    for row in run.topics.itertuples():
        words = list(getattr(row, "words", []) or [])
        scores = list(getattr(row, "word_scores", []) or []) or [1.0] * len(words)
        weighted[int(row.topic)] = {str(w): float(s) * int(row.size) for w, s in zip(words, scores)}
    return weighted


def _group_label(group: list[int], words: dict[int, dict[str, float]]) -> str:
    total: dict[str, float] = defaultdict(float)
    for topic in group:
        for word, score in words.get(topic, {}).items():
            total[word] += score
    best = sorted(total, key=lambda w: (-total[w], w))[:GROUP_WORDS]
    return " · ".join(best) if best else f"{len(group)} topics"
