"""The topics' hierarchy: nested coarse-to-fine groups of the topics, each with a name, saved with the run.

A Ward-linkage tree of the topic centroids, cut into nested partitions, each about `FAN_OUT` times coarser
than the next, down to no fewer than `MIN_GROUPS` groups (20 topics: 5 groups; 150: 10 and 38). Ward rather
than average linkage: cut into a few groups, average linkage leaves one giant group beside a few tiny
outlying topics (PyPI summaries, 5 groups: 96% of the documents in one), while Ward's groups are even.

With the `names` aspect, each group (a parent) is named by the same scorer as the topics, against the other
groups at its level, from its children's names (in pairs) and the phrases of its documents; never with a name
shown at a finer level, so zooming in always changes what the map says. Without it, a group gets
the words its topics share (each topic's c-TF-IDF word scores weighted by its size, summed), which names the
group as a whole where its largest topic's label would name only its largest part.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Optional

import numpy as np
import pandas as pd

from topiclab.represent.base import TopicContext
from topiclab.represent.names import MAX_WORDS, Candidate, name_groups, share_a_root
from topiclab.results import OUTLIER

FAN_OUT = 4  # topics per group from one level to the next coarser one
MIN_GROUPS = 4  # no level with fewer groups
GROUP_WORDS = 3
PAIRED_CHILDREN = 3  # the largest children whose names are joined in pairs as candidate names of their parent
COLUMNS = ["level", "group", "topics", "title", "name_source", "name_margin"]


def topic_groups(vectors: np.ndarray, ids: list[int]) -> list[list[list[int]]]:
    """Partitions of the topics (`vectors`: unit centroids, one row per id), coarsest first, each coarser
    than the topics themselves; none when there are too few topics to group."""
    if -(-len(ids) // FAN_OUT) < MIN_GROUPS:
        return []
    from scipy.cluster.hierarchy import fcluster

    tree = topic_tree(vectors)
    counts, k = [], -(-len(ids) // FAN_OUT)
    while k >= MIN_GROUPS:
        counts.append(k)
        k = -(-k // FAN_OUT)
    cuts = []
    for count in reversed(counts):  # coarsest first; cuts of one tree are nested
        members = defaultdict(list)
        for topic, cluster in zip(ids, fcluster(tree, count, criterion="maxclust")):
            members[int(cluster)].append(int(topic))
        if len(members) > 1 and (not cuts or len(members) > len(cuts[-1])):
            cuts.append(sorted(members.values(), key=min))
    return [cut for cut in cuts if len(cut) < len(ids)]


def topic_tree(vectors: np.ndarray) -> np.ndarray:
    """The Ward-linkage tree (scipy's linkage matrix) of the topics' unit centroids that the levels are cut
    from; the hierarchy figure draws it."""
    from scipy.cluster.hierarchy import linkage

    return linkage(vectors, method="ward")  # unit vectors: euclidean distance orders pairs as cosine does


def hierarchy_table(topics: pd.DataFrame, vectors: Optional[np.ndarray],
                    context: Optional[TopicContext] = None) -> pd.DataFrame:
    """One row per group of every level coarser than the topics (level 0 the coarsest): its topics and name.
    `vectors` are the topics' centroids in the table's row order; `context` (a fitted model's) names the
    groups with the namer, else they get their shared words."""
    keep = (topics["topic"] != OUTLIER).to_numpy()
    table = topics[keep].sort_values("topic")
    if vectors is None or not len(table):
        return pd.DataFrame(columns=COLUMNS)
    unit = np.asarray(vectors, dtype=np.float64)[keep][np.argsort(topics["topic"][keep].to_numpy(), kind="stable")]
    unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    rows, shown = [], {shown_name(label) for label in table["label"]}
    cuts = topic_groups(unit, table["topic"].astype(int).tolist())
    for level in reversed(range(len(cuts))):  # finest first: a zoom out never shows a name from further in
        members = dict(enumerate(cuts[level]))
        names = _named(context, table, members, shown) if context is not None else _shared_words(table, members)
        shown |= {title for title, _, _ in names.values()}
        rows += [{"level": level, "group": g, "topics": members[g], "title": title, "name_source": source,
                  "name_margin": margin} for g, (title, source, margin) in names.items()]
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(["level", "group"], ignore_index=True)


def configured_hierarchy(topics: pd.DataFrame, vectors: Optional[np.ndarray], context: TopicContext,
                         config) -> pd.DataFrame:
    """The hierarchy a run with this RunConfig saves: groups named by the namer when its topics were (the
    `names` aspect ran: a fit on vectors of another model leaves it out)."""
    named = "names" in config.labels.aspects and "title" in topics
    return hierarchy_table(topics, vectors, context if named else None)


def _named(context: TopicContext, table: pd.DataFrame, members: dict[int, list[int]],
           shown: set[str]) -> dict[int, tuple[str, str, float]]:
    """Names from the namer, none of them a name `shown` further in: the group's phrases, and its children's
    names joined in pairs ("Hockey and Baseball", the largest children first; a child named by a pair is not
    joined again, nor two that `share_a_root`), each pair covering its share of the group's documents."""
    sizes = dict(zip(table["topic"].astype(int), table["size"].astype(int)))
    child = {int(r.topic): (shown_name(r.label), _source(getattr(r, "name_source", "extractive")))
             for r in table.itertuples()}
    given = {}
    for group, topics in members.items():
        largest = sorted(topics, key=lambda t: -sizes[t])[:PAIRED_CHILDREN]
        total = max(sum(sizes[t] for t in topics), 1)
        given[group] = [Candidate(f"{child[a][0]} and {child[b][0]}",
                                  child[a][1] if child[a][1] == child[b][1] else "extractive",
                                  (sizes[a] + sizes[b]) / total)
                        for i, a in enumerate(largest) for b in largest[i + 1:]
                        if len(child[a][0].split()) + len(child[b][0].split()) <= MAX_WORDS - 1
                        and not _joined(child[a][0]) and not _joined(child[b][0])
                        and not share_a_root(child[a][0], child[b][0])]
    names = name_groups(context, members, given, {}, reserved=shown)
    return {g: (n.title, n.source, round(n.margin, 4)) for g, n in names.items()}


def _joined(name: str) -> bool:
    """A name that is already a pair ("Fish and Insects"): joined again it reads as a list."""
    return "and" in name.lower().split()


def _source(source) -> str:
    """How a parent named after this child was named: hand-set and given names are its own words."""
    return source if isinstance(source, str) and source not in ("", "hand", "zero-shot") else "extractive"


def shown_name(label) -> str:
    """A topic's label without its 'id: ' prefix."""
    head, sep, tail = str(label).partition(": ")
    return tail if sep and head.lstrip("-").isdigit() and tail else str(label)


def kept_names(topics: pd.DataFrame, kept) -> tuple[str, ...]:
    """The shown names of the `kept` topics of `topics` (indexed by topic id): what the names of the topics
    an edit or update recomputes must not repeat."""
    rows = topics[topics.index.isin(list(kept)) & (topics.index != OUTLIER)]
    return tuple(sorted({shown_name(label) for label in rows["label"]}))


def _shared_words(table: pd.DataFrame, members: dict[int, list[int]]) -> dict[int, tuple[str, str, float]]:
    weighted = {}
    for row in table.itertuples():
        words = list(row.words) if row.words is not None else []
        scores = list(row.word_scores) if getattr(row, "word_scores", None) is not None else []
        scores = scores or [1.0] * len(words)
        weighted[int(row.topic)] = {str(w): float(s) * int(row.size) for w, s in zip(words, scores)}
    names = {}
    for group, topics in members.items():
        total: dict[str, float] = defaultdict(float)
        for topic in topics:
            for word, score in weighted.get(topic, {}).items():
                total[word] += score
        best = sorted(total, key=lambda w: (-total[w], w))[:GROUP_WORDS]
        names[group] = (" · ".join(best) if best else f"{len(topics)} topics", "keywords", float("nan"))
    return names
