"""What a user knows before the fit and how it steers the topics: zero-shot names, seed words, known labels.

- Zero-shot names: a name becomes a topic only when enough documents are close to it (their cosine
  similarity to the name's embedding reaches the threshold, and no other name is closer): as many as the
  smallest topic clustering may find. Those documents take the name's topic before any clustering; every
  document is clustered as usual, and a cluster joins a name's topic when most of its named documents
  carry that name (at least MIN_KNOWN_MEMBERS of them) and no other name is closer to its centroid. A name
  too few documents are close to names the fitted topic whose centroid it is closest to instead, when that
  centroid reaches MATCH_SHARE of the threshold and no other such name is closer; else it is unused.
  On a 3,000-text corpus with 42 category names, the old rule (every name a topic, any cluster whose few
  named documents agree joins it) gave 14 named topics of 1-4 documents and a `law` topic of 121
  documents, 17% of them about law.
- Seed words (guided topic modeling, as BERTopic does it): documents holding a list's words are pulled
  toward that list's embedding before the reduction, and the words count more in the topic words.
- Known labels (semi-supervised): labelled documents keep their label's topic, the reduction is supervised
  by them, and a cluster whose labelled members mostly share one label (at least MIN_KNOWN_MEMBERS of them)
  joins that label's topic, so labels shape the topics themselves, not only the layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from topiclab.pipeline.neighbors import normalize
from topiclab.pipeline.predictor import OUTLIER

#: A cluster joins a label's topic when at least this share of its labelled documents carry that label.
LABEL_MAJORITY = 0.5
#: ... and at least this many of them: one or two documents that pass the zero-shot threshold by chance must
#: not rename a cluster of hundreds (on BBC News at threshold 0.4, two such documents merged two clusters of
#: 442 and 322 articles into one named topic: NMI 0.707 -> 0.646).
MIN_KNOWN_MEMBERS = 3
#: A name that formed no topic names a fitted topic whose centroid is at least this share of the zero-shot
#: threshold close to it. A centroid is an average: with MiniLM, no BBC News article reaches 0.4 to its class
#: name, but the class's topic centroids lie 0.27-0.32 from theirs, while unrelated names ("quantum
#: chromodynamics", "medieval poetry", "cooking recipes") reach at most 0.06 there and 0.21-0.22 on M10's.
MATCH_SHARE = 0.6


@dataclass
class Guidance:
    """Topics known before clustering (zero-shot names, then known labels), by id from 0."""

    names: list[str] = field(default_factory=list)            # the name of topic i
    kinds: list[str] = field(default_factory=list)            # "zero-shot" or "label" for topic i
    fixed: Optional[np.ndarray] = None                        # (n,) topic each document must take, -1: free
    fixed_by: Optional[np.ndarray] = None                     # (n,) "zero-shot" / "label" / ""
    seed_matches: dict[int, int] = field(default_factory=dict)  # seed list -> documents that hold its words
    name_vectors: Optional[np.ndarray] = None                 # unit embeddings of the zero-shot names that formed
    pending: list[str] = field(default_factory=list)          # zero-shot names too few documents were close to
    pending_vectors: Optional[np.ndarray] = None              # ... and their unit embeddings

    @property
    def n_named(self) -> int:
        return len(self.names)

    @property
    def n_zero_shot(self) -> int:
        """Zero-shot names that formed topics (ids 0 to n_zero_shot - 1)."""
        return 0 if self.name_vectors is None else len(self.name_vectors)

    @property
    def all_name_vectors(self) -> Optional[np.ndarray]:
        """The formed names' vectors, then those of the names that formed no topic."""
        return None if self.name_vectors is None else np.vstack([self.name_vectors, self.pending_vectors])


def zero_shot(unit_vectors: np.ndarray, name_vectors: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Index of the most similar name for each document (-1 below `threshold`) and that similarity."""
    similarity = unit_vectors @ normalize(name_vectors).T
    best = similarity.argmax(axis=1)
    score = similarity[np.arange(len(best)), best]
    return np.where(score >= threshold, best, -1), score


def formed_names(unit_vectors: np.ndarray, name_vectors: np.ndarray, threshold: float, minimum: int) -> np.ndarray:
    """Which names at least `minimum` documents are close to (see `zero_shot`): those become topics."""
    named, _ = zero_shot(unit_vectors, name_vectors, threshold)
    return np.bincount(named[named >= 0], minlength=len(name_vectors)) >= minimum


def match_names(name_vectors: Optional[np.ndarray], centroids: np.ndarray, threshold: float,
                rivals: Optional[np.ndarray] = None) -> dict[int, int]:
    """{row of `centroids`: name} for names that fit a topic: each name's closest centroid, kept when its
    cosine similarity reaches `threshold` and no other name, nor any of `rivals` (the names that formed
    topics), is closer to that centroid."""
    if name_vectors is None or not len(name_vectors) or not len(centroids):
        return {}
    similarity = normalize(name_vectors) @ normalize(centroids).T
    best, score = similarity.argmax(axis=1), similarity.max(axis=1)
    rival = (normalize(rivals) @ normalize(centroids).T).max(axis=0) if rivals is not None and len(rivals) else \
        np.full(len(centroids), -np.inf)
    chosen: dict[int, int] = {}
    for name in np.argsort(-score, kind="stable"):
        topic = int(best[name])
        if score[name] >= max(threshold, rival[topic]) and topic not in chosen:
            chosen[topic] = int(name)
    return chosen


def plan_zero_shot(plan: Guidance, unit_vectors: np.ndarray, names: list[str], name_vectors: np.ndarray,
                   threshold: float, minimum: int) -> Optional[np.ndarray]:
    """Zero-shot names that at least `minimum` documents are close to become topics 0, 1, ... and take those
    documents; the others wait to name a fitted topic (`name_fitted_topics`). Returns the formed names'
    vectors (None when none formed): transform follows them only, as the fit did."""
    formed = formed_names(unit_vectors, name_vectors, threshold, minimum)
    plan.names = [name for name, kept in zip(names, formed) if kept]
    plan.kinds = ["zero-shot"] * len(plan.names)
    plan.pending = [name for name, kept in zip(names, formed) if not kept]
    plan.name_vectors, plan.pending_vectors = name_vectors[formed], name_vectors[~formed]
    if not formed.any():
        return None
    named, _ = zero_shot(unit_vectors, plan.name_vectors, threshold)
    plan.fixed[named >= 0], plan.fixed_by[named >= 0] = named[named >= 0], "zero-shot"
    return plan.name_vectors


def name_fitted_topics(plan: Guidance, state, settings) -> dict:
    """Zero-shot names too few documents were close to name the fitted topics (of `state`, a TopicState)
    they fit. Returns what became of every name, for the manifest (empty without zero-shot names)."""
    config = settings.topics
    if not config.zero_shot:
        return {}
    fitted = [int(t) for t in state.topic_ids if t != OUTLIER and int(t) not in state.topic_names]
    centroids = state.topic_embeddings[np.searchsorted(state.topic_ids, fitted)]
    matches = match_names(plan.pending_vectors, centroids, MATCH_SHARE * config.zero_shot_threshold,
                          rivals=plan.name_vectors)
    for row, name in matches.items():
        state.name_topic(fitted[row], plan.pending[name], "zero-shot")
    matched = {plan.pending[name]: fitted[row] for row, name in matches.items()}
    return {"min_documents": settings.clustering.smallest_cluster,
            "topics": {name: i for i, name in enumerate(plan.names) if plan.kinds[i] == "zero-shot"},
            "matched": matched, "unused": [name for name in plan.pending if name not in matched]}


def known_labels(values: Sequence) -> tuple[np.ndarray, list[str]]:
    """Codes of the labels (-1 where missing or empty) and the distinct labels in order of first use."""
    series = pd.Series(list(values), dtype="object")
    text = series.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
    names = list(dict.fromkeys(t for t in text if t))
    lookup = {name: i for i, name in enumerate(names)}
    return np.array([lookup.get(t, -1) for t in text], dtype=np.int64), names


def seed_matches(texts: Sequence[str], seed_words: list[list[str]]) -> np.ndarray:
    """For each document the seed list with the most of its words in it (-1: none)."""
    patterns = [re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
                for words in seed_words]
    counts = np.array([[len(set(m.lower() for m in p.findall(text))) for p in patterns] for text in texts])
    best = counts.argmax(axis=1)
    return np.where(counts[np.arange(len(texts)), best] > 0, best, -1)


def nudge(unit_vectors: np.ndarray, matches: np.ndarray, seed_vectors: np.ndarray) -> np.ndarray:
    """Documents that hold a seed list's words moved a quarter of the way toward its embedding (BERTopic's
    3:1 average), for the reduction only."""
    nudged = unit_vectors.copy()
    hit = matches >= 0
    nudged[hit] = normalize(3 * unit_vectors[hit] + normalize(seed_vectors)[matches[hit]])
    return nudged


def clusters_to_topics(clusters: np.ndarray, labels: np.ndarray, n_named: int, label_offset: int,
                       vectors: Optional[np.ndarray] = None, name_vectors: Optional[np.ndarray] = None,
                       n_names: int = 0) -> np.ndarray:
    """Topic ids for clustered documents: a cluster whose labelled or named (zero-shot) members mostly share a
    label or name, at least MIN_KNOWN_MEMBERS of them, joins that topic (`label_offset + label`); for a
    zero-shot name (label < n_names, the first rows of `name_vectors`; the rows after them are the names
    that formed no topic) the name must also be the closest of `name_vectors` to the cluster's centroid of
    `vectors` (the clustered documents' unit embeddings), so a cluster about something else keeps its own
    topic. The other clusters become new topics numbered from `n_named`, largest first. Noise stays -1."""
    topics = np.full(len(clusters), -1, dtype=np.int64)
    free = []
    for cluster in np.unique(clusters[clusters >= 0]):
        members = clusters == cluster
        known = labels[members & (labels >= 0)]
        if len(known):
            values, counts = np.unique(known, return_counts=True)
            label = values[counts.argmax()]
            if counts.max() >= max(LABEL_MAJORITY * len(known), MIN_KNOWN_MEMBERS) and (
                    label >= n_names or int(np.argmax(name_vectors @ vectors[members].mean(axis=0))) == label):
                topics[members] = label_offset + label
                continue
        free.append((int(members.sum()), int(cluster)))
    for rank, (_, cluster) in enumerate(sorted(free, key=lambda item: (-item[0], item[1]))):
        topics[clusters == cluster] = n_named + rank
    return topics
